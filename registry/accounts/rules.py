"""The field limits of login accounts and API tokens, each declared once: the models' columns,
the services, the forms and single sign-on read them (pure: no Flask, no SQLAlchemy)."""

from typing import Final

from registry.people import rules as people_rules

EMAIL_MAX: Final = people_rules.EMAIL_MAX  # one limit for every e-mail address (RFC 5321)
USER_NAME_MAX: Final = 200
TOKEN_NAME_MAX: Final = 200
OIDC_ID_MAX: Final = 255  # an OpenID provider's issuer and subject
