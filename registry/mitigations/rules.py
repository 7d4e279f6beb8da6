"""The rules of DESIGN.md "Acting on gaps", as pure functions (no Flask, no SQLAlchemy).

A mitigation never changes a requirement's computed status; these rules only say how it is
shown: whether it still counts as an answer to the gap (open or in progress), whether it is
overdue, and until when an accepted risk holds.
"""

from datetime import date

# The kinds of measure and their states, declared once: the model's enum columns, the API
# schemas and the forms' choices read them.
MITIGATION_KINDS = ("training", "knowledge_transfer", "hire", "provider_agreement", "accept_risk")
MITIGATION_STATUSES = ("open", "in_progress", "done", "cancelled")
ACCEPT_RISK = "accept_risk"
# Open and in progress: the mitigations still being worked on, shown beside the status.
ACTIVE_STATUSES = ("open", "in_progress")


def N_(message: str) -> str:  # noqa: N802 - marks a message for extraction only
    return message


def is_active(status: str) -> bool:
    """Whether a mitigation is still being worked on (open or in progress)."""
    return status in ACTIVE_STATUSES


def is_overdue(status: str, due_on: date | None, day: date) -> bool:
    """Past its due date on `day` and not done: open or in progress with due_on < day."""
    return is_active(status) and due_on is not None and due_on < day


def accepted_until(kind: str, status: str, risk_expires_on: date | None, day: date) -> date | None:
    """The expiry of a risk accepted on `day`, or None: an accepted risk lapses on its expiry
    date (accepted while day < risk_expires_on) and only counts while open or in progress."""
    if kind != ACCEPT_RISK or not is_active(status) or risk_expires_on is None:
        return None
    return risk_expires_on if day < risk_expires_on else None


def in_force(kind: str, status: str, risk_expires_on: date | None, day: date) -> bool:
    """Whether the mitigation answers its gap on `day`: active, and for an accepted risk, not
    lapsed. A requirement without any is listed under "without mitigation"."""
    if not is_active(status):
        return False
    return kind != ACCEPT_RISK or accepted_until(kind, status, risk_expires_on, day) is not None


def one_year_after(day: date) -> date:
    """The same date a year later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def accept_risk_problems(
    kind: str,
    note: str | None,
    risk_expires_on: date | None,
    today: date,
    stored: date | None = None,
) -> list[tuple[str, str]]:
    """(message, field) for each rule an accepted risk breaks: it needs a justification (the
    note) and an expiry after today and at most a year from today. `stored` is the expiry
    already saved: keeping it unchanged (to close a lapsed risk, say) is always allowed."""
    problems = []
    if kind != ACCEPT_RISK:
        if risk_expires_on is not None:
            problems.append(
                (
                    N_("Only an accepted risk has an expiry date; leave this empty."),
                    "risk_expires_on",
                )
            )
        return problems
    if not (note or "").strip():
        problems.append(
            (N_("Accepting a risk needs a justification: say why in the note."), "note")
        )
    if risk_expires_on is None:
        problems.append(
            (N_("An accepted risk needs a date on which it expires."), "risk_expires_on")
        )
    elif risk_expires_on != stored and not (today < risk_expires_on <= one_year_after(today)):
        problems.append(
            (
                N_("An accepted risk expires after today and at most a year from today."),
                "risk_expires_on",
            )
        )
    return problems
