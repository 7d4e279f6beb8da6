"""The rules of organisations and memberships (pure: no Flask, no SQLAlchemy)."""

import re
from collections.abc import Iterable, Sequence
from typing import Final

# A user's memberships as plain data: (organisation id, None for the whole region; role).
Pairs = Sequence[tuple[int | None, str]]

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
    """What is wrong with `code` for an organisation of `kind` ("pattern": not letters,
    digits, '-' and '_'; "municipality": not a CBS code), or None."""
    if not CODE_PATTERN.match(code or ""):
        return "pattern"
    if kind == "municipality" and not MUNICIPALITY_CODE.match(code):
        return "municipality"
    return None


def role_in(memberships: Pairs, organisation_id: int | None, registry_has_one: bool) -> str | None:
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


def visible_organisations(memberships: Pairs, all_ids: Iterable[int]) -> list[int]:
    """The organisations a user with `memberships` may act in, in the order of `all_ids`."""
    if any(org is None for org, _ in memberships):
        return list(all_ids)
    mine = {org for org, _ in memberships}
    return [org for org in all_ids if org in mine]


# Where a membership is written as text (`registry users list`, the single sign-on map): the
# organisation's code, or this for the whole region, then the role: "GM0363:editor", "*:auditor".
REGION_CODE: Final = "*"


def membership_text(code: str | None, role: str) -> str:
    """A membership as text: "GM0363:editor", or "*:auditor" for the whole region."""
    return f"{code or REGION_CODE}:{role}"


def parse_membership(text: str, roles: tuple[str, ...]) -> tuple[str | None, str] | None:
    """(code, role) of "CODE:role", the code None for "*" (the region); None when `text` is
    not of that form or names no role of `roles`."""
    code, sep, role = text.strip().rpartition(":")
    code, role = code.strip(), role.strip()
    if not sep or role not in roles:
        return None
    if code == REGION_CODE:
        return None, role
    if not CODE_PATTERN.match(code):
        return None
    return code, role


def orphaned(
    before: dict[int | None, set[int]],
    after: dict[int | None, set[int]],
    organisation_ids: list[int],
    several: bool,
) -> list[int | None]:
    """The organisations (None: the region) that have an active administrator `before` and
    none `after`; both map the organisation of an admin membership (None: the region) to the
    administrators' ids. A region administrator administers every organisation; the region
    itself counts only in a registry of several (in one of one, it is that organisation)."""

    def admins(found: dict[int | None, set[int]], key: int | None) -> set[int]:
        region = found.get(None, set())
        return region if key is None else found.get(key, set()) | region

    keys: list[int | None] = [None] if several else []
    keys += organisation_ids
    return [key for key in keys if admins(before, key) and not admins(after, key)]
