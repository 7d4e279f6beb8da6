"""The field limits of login accounts and API tokens, each declared once: the models' columns,
the services, the forms and single sign-on read them (pure: no Flask, no SQLAlchemy)."""

from typing import Final

from registry.core.permissions import ROLES
from registry.organisations.rules import parse_membership
from registry.people import rules as people_rules

EMAIL_MAX: Final = people_rules.EMAIL_MAX  # one limit for every e-mail address (RFC 5321)
USER_NAME_MAX: Final = 200
TOKEN_NAME_MAX: Final = 200
OIDC_ID_MAX: Final = 255  # an OpenID provider's issuer and subject


# --- single sign-on: claim values to memberships -----------------------------------------------

Memberships = dict[str | None, str]  # organisation code (None: the whole region) → role


def organisation_role_map(raw: object) -> dict[str, list[tuple[str | None, str]]]:
    """The setting OIDC_ORGANISATION_ROLE_MAP read: claim value → the memberships it gives,
    as (organisation code, None for the whole region; role) pairs. A value is "CODE:role",
    "*:role" (the whole region), or a list of those. Raises ValueError saying what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError('must be a JSON object: claim value → "CODE:role" or "*:role"')
    parsed: dict[str, list[tuple[str | None, str]]] = {}
    for value, given in raw.items():
        entries = [given] if isinstance(given, str) else given
        if not isinstance(entries, list) or not entries:
            raise ValueError(f'{value!r}: give "CODE:role", "*:role" or a list of them')
        pairs = []
        for entry in entries:
            pair = parse_membership(entry, ROLES) if isinstance(entry, str) else None
            if pair is None:
                raise ValueError(
                    f'{value!r}: {entry!r} is not "CODE:role" or "*:role" with a role of '
                    f"{', '.join(ROLES)}"
                )
            pairs.append(pair)
        parsed[str(value)] = pairs
    return parsed


def mapped_memberships(
    values: list[str], role_map: dict[str, list[tuple[str | None, str]]]
) -> Memberships:
    """The memberships claim `values` map to: organisation code (None: the region) → role;
    where several values give a role in the same place, the one with most rights wins."""
    found: Memberships = {}
    for value in values:
        for code, role in role_map.get(value, ()):
            found[code] = most_rights(found.get(code), role)
    return found


def most_rights(one: str | None, other: str) -> str:
    """Of two roles (`one` may be None: none yet), the one with most rights (ROLES is in that
    order)."""
    if one is None:
        return other
    return min(one, other, key=ROLES.index)
