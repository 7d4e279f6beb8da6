"""The rules of organisations and memberships (pure: no Flask, no SQLAlchemy)."""

import re
from collections.abc import Iterable, Sequence
from typing import Final

KINDS: Final = ("municipality", "shared_service", "other")
CODE_MAX: Final = 20
NAME_MAX: Final = 200
# A municipality's CBS code is GM and four digits (GM0363 is Amsterdam); other organisations
# choose a code of letters, digits, '-' and '_'.
CODE_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
MUNICIPALITY_CODE: Final = re.compile(r"^GM\d{4}$")

# The organisation an upgraded registry's records are put in; rename it with
# `registry organisations update`.
DEFAULT_CODE: Final = "ORG"
DEFAULT_NAME: Final = "Organisatie"


def code_problem(code: str, kind: str) -> str | None:
    """What is wrong with `code` for an organisation of `kind`, or None."""
    if not CODE_PATTERN.match(code or ""):
        return "letters, digits, '-' and '_', at most 20, starting with a letter or digit"
    if kind == "municipality" and not MUNICIPALITY_CODE.match(code):
        return "a municipality's CBS code: GM and four digits, such as GM0363"
    return None


def role_in(
    memberships: Iterable[tuple[int | None, str]],
    organisation_id: int | None,
    registry_has_one: bool,
) -> str | None:
    """The role of a user with `memberships` ((organisation_id or None for the region, role)
    pairs) in organisation `organisation_id` (None: in the region itself).

    A membership of that organisation decides; else a region membership gives its role
    everywhere. In a registry of one organisation, that organisation is the region: a
    membership of it is a region membership too."""
    own = region = None
    for org, role in memberships:
        if org is None:
            region = role
        elif org == organisation_id or (registry_has_one and organisation_id is None):
            own = role
    return own or region


def visible_organisations(
    memberships: Sequence[tuple[int | None, str]], all_ids: Iterable[int]
) -> list[int]:
    """The organisations a user with `memberships` may act in, in the order of `all_ids`."""
    if any(org is None for org, _ in memberships):
        return list(all_ids)
    mine = {org for org, _ in memberships}
    return [org for org in all_ids if org in mine]
