"""Accounts: users, logging in (passwords, single sign-on, two-factor) and API tokens."""
