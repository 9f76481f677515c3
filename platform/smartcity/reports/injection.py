"""Spreadsheet formula injection: text that a spreadsheet program would run.

A report prints what people typed (org unit names, staff names, descriptions).
A value such as ``=HYPERLINK("http://x","y")`` or ``@SUM(...)`` opened in
Excel or LibreOffice becomes a live formula that can fetch URLs or run DDE
commands on the reader's machine (OWASP, "CSV Injection"). Every CSV and XLSX
writer of the core asks :func:`formula_like` about each text cell:

- CSV has no cell types, so a formula-like text gets a leading single quote
  (:func:`csv_text`), OWASP's advice: spreadsheet programs show the rest as
  text and the quote tells any reader the value was altered.
- XLSX has types: the writer stores every text as an inline *string* cell
  (``t="inlineStr"``), which is never evaluated, and marks a formula-like one
  with Excel's ``quotePrefix`` style, so it stays text even when someone edits
  the cell and presses Enter. The value itself is kept exactly as typed.

Only text is touched: numbers are written as numbers (a negative amount is
``-5``, not a formula), which is why callers pass text here and nothing else.
"""

from __future__ import annotations

#: What makes a spreadsheet program read a cell as a formula (OWASP's list):
#: ``=``, ``+``, ``-``, ``@``, and tab or carriage return in front of them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet program could take ``text`` for a formula."""
    return text.startswith(FORMULA_STARTS)


def csv_text(text: str) -> str:
    """``text`` for a CSV cell: a formula-like value gets a leading ``'``."""
    return "'" + text if formula_like(text) else text
