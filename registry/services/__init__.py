"""Use cases on the database session: load, call the domain, change, flush, audit.

Services never commit: the view or CLI command that called them owns the transaction.
"""
