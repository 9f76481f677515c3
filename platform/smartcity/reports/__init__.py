"""The report framework: declare a report once, render it to PDF, XLSX or CSV."""
