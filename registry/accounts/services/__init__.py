"""The accounts' use cases on the session: users, passwords, two-factor, single sign-on, tokens."""
