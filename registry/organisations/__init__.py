"""Organisations: the municipalities (and other organisations) one registry serves, and the
memberships that say who may act in which of them, in which role."""
