"""Digests: the daily e-mail of `registry notify` to service owners and subscribed users."""
