"""The dates and horizons the registry accepts as input: one range for every report, filter
and command.

Dates far outside working life cannot have days added or subtracted (Python's `date` ends at
year 9999), and no municipality needs them: inputs outside these bounds are refused with
`DATE_MESSAGE` / `HORIZON_MESSAGE`, translated by the layer that shows them.
"""

from datetime import date, timedelta


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)
# The horizon when nobody chose one (`DEFAULT_HORIZON_DAYS` in the settings overrides it).
DEFAULT_HORIZON = 90
MIN_HORIZON = 0
MAX_HORIZON = 3650

DATE_MESSAGE = N_("Enter a date from 1900-01-01 to 2200-12-31.")
HORIZON_MESSAGE = N_("Enter a number of days from 0 to 3650.")


def date_in_range(value: date) -> bool:
    """True when `value` lies within MIN_DATE..MAX_DATE (both included)."""
    return MIN_DATE <= value <= MAX_DATE


def horizon_in_range(days: int) -> bool:
    """True when `days` lies within MIN_HORIZON..MAX_HORIZON (both included)."""
    return MIN_HORIZON <= days <= MAX_HORIZON


def horizon_end(as_of: date, horizon: int) -> date:
    """The last day a horizon of `horizon` days from `as_of` looks at."""
    return as_of + timedelta(days=horizon)
