"""pandas reports over the ledger: unreconciled media, IR1 incidents, the monthly governance report.

Reports read the ledger only through `ledger.queries`.
"""
