"""The catalogue's field limits, each declared once: the models' columns, the service's checks,
the forms, the API schemas and the interchange files all read them, so that what one way in
accepts the others accept too (pure: no Flask, no SQLAlchemy)."""

from typing import Final

# The name of a provider, service, framework or competence, and the English name of the last two.
NAME_MAX: Final = 200
