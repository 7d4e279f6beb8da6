"""The accounts' tables: users with their recovery codes, and API tokens."""
