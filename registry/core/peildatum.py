"""The peildatum travels: the as-of date and horizon an auditor chose stay with them.

Stored in the session (not carried in query parameters): the peildatum must survive every
link and GET form of every page, including pages and filter forms that know nothing about
it (people search, service lists, the audit log) and links built anywhere in the code; a
query parameter would be dropped by each of those. Explicit `as_of`/`horizon` parameters still
win, so bookmarked and shared report links show what they say, and they become the stored
peildatum. Choosing today's date (or clearing the fields) resets it, and so does the "back to
today" button in every page's header (a POST). It is a view preference, like the language:
it changes nothing in the registry and is not audited.
"""

from datetime import date

from flask import Blueprint, redirect, request, session
from werkzeug.datastructures import MultiDict

from registry.core import periods
from registry.core.config import default_horizon
from registry.core.decorators import permission_required
from registry.core.navigation import safe_next
from registry.core.permissions import Permission

bp = Blueprint("peildatum", __name__, url_prefix="/peildatum")

SESSION_KEY = "peildatum"
PARAMS = ("as_of", "horizon")


def current() -> tuple[date | None, int | None]:
    """The stored (as_of, horizon); None for what is not set (today, the default horizon)."""
    stored = session.get(SESSION_KEY) or {}
    try:
        as_of = date.fromisoformat(stored["as_of"]) if stored.get("as_of") else None
    except (TypeError, ValueError):
        as_of = None
    horizon = stored.get("horizon")
    return as_of, horizon if isinstance(horizon, int) else None


def active() -> bool:
    as_of, horizon = current()
    return as_of is not None or horizon is not None


def _parse(args) -> tuple[bool, date | None, int | None]:
    """(valid, as_of, horizon) from query parameters; empty means the default."""
    raw_date, raw_days = (args.get("as_of") or "").strip(), (args.get("horizon") or "").strip()
    try:
        as_of = date.fromisoformat(raw_date) if raw_date else None
        horizon = int(raw_days) if raw_days else None
    except ValueError:
        return False, None, None
    if horizon is not None and not 0 <= horizon <= periods.MAX_HORIZON:
        return False, None, None
    if as_of is not None and not periods.date_in_range(as_of):
        return False, None, None  # the page's form refuses it with a message; never stored
    return True, as_of, horizon


def remember(as_of: date | None, horizon: int | None) -> None:
    """Store the peildatum; today with the default horizon (or nothing) clears it."""
    if as_of == date.today():
        as_of = None
    if horizon == default_horizon():
        horizon = None
    if as_of is None and horizon is None:
        session.pop(SESSION_KEY, None)
        return
    value = {"as_of": as_of.isoformat() if as_of else None, "horizon": horizon}
    if session.get(SESSION_KEY) != value:  # no new session cookie for every report link
        session[SESSION_KEY] = value


def formdata(args) -> MultiDict:
    """The query parameters of a report page, with the stored peildatum filled in when the
    request names neither an as-of date nor a horizon."""
    if any(name in args for name in PARAMS) or not active():
        return args
    as_of, horizon = current()
    merged = MultiDict(args)
    if as_of:
        merged["as_of"] = as_of.isoformat()
    if horizon is not None:
        merged["horizon"] = str(horizon)
    return merged


def _take_from_request() -> None:
    """A GET naming an as-of date or horizon (a report's period form, a shared link) makes
    it the stored peildatum; invalid values leave it as it was (the form shows the error)."""
    if request.method != "GET" or not any(name in request.args for name in PARAMS):
        return
    if request.endpoint in (None, "static"):
        return
    valid, as_of, horizon = _parse(request.args)
    if valid:
        remember(as_of, horizon)


def banner() -> dict | None:
    """What the header shows while a peildatum is set (None: nothing)."""
    if not active():
        return None
    as_of, horizon = current()
    horizon = default_horizon() if horizon is None else horizon
    as_of_day = as_of or date.today()
    return {
        "as_of": as_of_day,
        "horizon": horizon,
        "end": periods.horizon_end(as_of_day, horizon),
        "today": as_of is None,
    }


def _without_period(target: str) -> str:
    """`target` with as_of/horizon left out of its query string."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in PARAMS]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


@bp.route("/reset", methods=["POST"])
@permission_required(Permission.READ)
def reset():
    """Back to today: forget the peildatum and return to the page (without its period)."""
    session.pop(SESSION_KEY, None)
    target = safe_next(request.form.get("next"), "/")
    return redirect(_without_period(target))


def init_app(app) -> None:
    app.before_request(_take_from_request)
    app.jinja_env.globals.update(peildatum_banner=banner)
