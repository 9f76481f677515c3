"""e-Kinerja: attendance, absences, daily work logs and the monthly allowance (TPP).

TPP (Tambahan Penghasilan Pegawai) is the regency's monthly allowance for civil
servants; its discipline part is cut for lateness and absence, and every rupiah
of a cut is traced to a day, a record and a rule version.
"""
