"""The people pages: one blueprint, `people` (`common.bp`), with its views in one module per
record kind (`persons`, `assignments`, `holdings`, `org_units`), each registering on it."""

from registry.people.web import assignments, holdings, org_units, persons
from registry.people.web.common import bp

__all__ = ["assignments", "bp", "holdings", "org_units", "persons"]
