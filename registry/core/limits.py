"""Limits every way in shares (forms, services, the import), so that what one accepts the
others accept too: the registry's own export can always be imported and saved again."""

import re

# Long texts (descriptions, rationales, notes, evidence): what the CSV reader accepts in one
# cell (Python's csv field limit), so every exported text can be imported again.
MAX_TEXT_LENGTH = 131_072

# Dates: a year before 1000 is stored but cannot be shown as YYYY-MM-DD by the forms (and so
# never saved again), so it is refused at input everywhere.
MIN_YEAR = 1000

# Employee numbers are page addresses (/people/<number>): letters, digits, dots, hyphens and
# underscores, starting with a letter or digit; words that are pages of their own are reserved.
EMPLOYEE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
EMPLOYEE_NUMBER_MAX_LENGTH = 40
RESERVED_EMPLOYEE_NUMBERS = frozenset({"new", "org-units", "assignments", "holdings"})


def employee_number_problem(value: str) -> str | None:
    """ "pattern" or "reserved" when `value` cannot be an employee number, else None."""
    if not EMPLOYEE_NUMBER.match(value):
        return "pattern"
    return "reserved" if value.lower() in RESERVED_EMPLOYEE_NUMBERS else None
