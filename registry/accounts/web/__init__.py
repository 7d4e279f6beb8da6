"""The accounts' pages: logging in (passwords, single sign-on, two-factor), the session's
security, user administration and the API token pages."""
