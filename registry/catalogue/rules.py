"""The catalogue's field limits, code patterns and choices, each declared once: the models'
columns, the service's checks, the forms, the API schemas and the interchange files all read
them, so that what one way in accepts the others accept too (pure: no Flask, no SQLAlchemy)."""

import re
from typing import Final

# The name of a provider, service, framework or competence, and the English name of the last two.
NAME_MAX: Final = 200

# Providers.
PROVIDER_KINDS: Final = ("cooperative", "shared_service_centre", "supplier", "internal")

# Services: the code is a page address (/services/<code>), so lowercase letters, digits and
# hyphens; words that are pages of their own under /services/ are reserved.
SERVICE_CODE_MAX: Final = 80
SERVICE_CODE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
RESERVED_SERVICE_CODES: Final = frozenset({"new", "providers", "mitigations"})
CRITICALITIES: Final = ("low", "medium", "high", "critical")
SERVICE_STATUSES: Final = ("planned", "active", "retired")

# Requirements: how many assigned people must hold the competence, at most.
MAX_HOLDERS: Final = 99

# Frameworks: the key follows the competence code's pattern; a name for each level.
FRAMEWORK_KEY_MAX: Final = 60
LEVEL_LABEL_MAX: Final = 100

# Competences: the code is a page address (/competences/<code>): letters, digits, dots, hyphens
# and underscores, starting with a letter or digit; words that are pages of their own under
# /competences/ are reserved (in any case).
COMPETENCE_CODE_MAX: Final = 40
COMPETENCE_CODE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
RESERVED_COMPETENCE_CODES: Final = frozenset({"new", "frameworks"})
AREA_MAX: Final = 120
