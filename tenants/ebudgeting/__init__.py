"""e-Budgeting: APBD plans from ceiling to realization, on Permendagri 90/2019 codes.

Each OPD gets a pagu, drafts its RKA per sub-activity from the standard price
catalogue, TAPD verifies and locks it; the year goes through the RKA, APBD and
DPA stages (and the RKA-P/DPPA revision); SP2D payments are tracked against
the DPA. See manifest.py for the roles and what the core sees of the app.
"""
