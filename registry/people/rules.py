"""The field limits of people, org units and holdings, each declared once: the models' columns,
the forms, the API schemas and the interchange files read them (pure: no Flask, no SQLAlchemy).
The employee number's limit and pattern are core's (`core.limits`): every feature refers to
people by it."""

from typing import Final

PERSON_NAME_MAX: Final = 200
EMAIL_MAX: Final = 254  # RFC 5321's limit on a forward path
JOB_TITLE_MAX: Final = 200
ORG_UNIT_NAME_MAX: Final = 200  # one part of an org unit's path
ASSESSED_BY_MAX: Final = 200
ORG_UNIT_PATH_MAX: Final = 1000  # the whole path, "Directie A / Afdeling B"
ROLE_MAX: Final = 120  # a person's role in an assigned service
