"""Privacy rules (AVG): which people may be anonymised, and the pseudonym that replaces them.

Pure Python. The pseudonym is a keyed hash of the employee number: stable (the same number
and key give the same pseudonym, so a repeated run changes nothing), and not reversible by
trying every employee number without the key.
"""

import hashlib
import hmac
from datetime import date, timedelta


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


PSEUDONYM_PREFIX = "ANON"
PSEUDONYM_DIGITS = 12
# The fields of a person that identify them; replaced in the record, redacted in the audit log.
PERSONAL_FIELDS = ("employee_number", "name", "email", "job_title")

FUTURE_MESSAGE = N_("Choose a day that has passed: only people who have left are anonymised.")


def pseudonym(employee_number: str, key: bytes, digits: int = PSEUDONYM_DIGITS) -> str:
    """`ANON` and upper-case hex digits of HMAC-SHA256(key, employee number)."""
    digest = hmac.new(key, employee_number.encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:digits].upper()


def is_pseudonym(value: str) -> bool:
    """Whether `value` has the form of a pseudonym made by `pseudonym`."""
    rest = value[len(PSEUDONYM_PREFIX) :]
    return value.startswith(PSEUDONYM_PREFIX) and all(c in "0123456789ABCDEF" for c in rest)


def default_left_before(today: date, retention_days: int) -> date:
    """People who left before this day are past the retention term."""
    return today - timedelta(days=retention_days)


def may_anonymise(left_before: date, today: date) -> bool:
    """Only people who have left (leave_date < D ≤ today) may be anonymised."""
    return left_before <= today
