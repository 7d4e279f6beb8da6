"""Operational logs: JSON lines on standard error, one line per request and one per event.

Every module logs through `logging.getLogger(__name__)` (loggers under `registry.`); this
module sets the format once, in the app factory. A line carries `time` (UTC, ISO 8601),
`level`, `logger`, `message`, and inside a request `request_id`, `user_id`, `method` and
`route` (the URL rule, e.g. `/people/<employee_number>`: no employee numbers or query strings,
which may be personal data). The request line (logger `registry.request`) adds `status` and
`duration_ms`.

The request id comes from the `X-Request-ID` header (set by nginx, see docs/DEPLOYMENT.md)
when it looks like one, else it is generated; it is returned in the response's `X-Request-ID`.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask_login import AnonymousUserMixin
from sqlalchemy import inspect

logger = logging.getLogger("registry.request")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Extra fields a log call may pass (`logger.info(..., extra={...})`) that end up in the line.
EXTRA_FIELDS = ("status", "duration_ms", "remote_addr", "event", "count", "entity", "reason")
QUIET_ENDPOINTS = {"health.healthz", "health.readyz", "static"}


def request_context() -> dict:
    """The request's id, user, method and route, for any line logged while it runs."""
    if not has_request_context():
        return {}
    fields = {
        "request_id": g.get("request_id"),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
    }
    fields["user_id"] = _user_id(g.get("_login_user"))  # Flask-Login's cached user
    return fields


def _user_id(user) -> int | None:
    """The user's id without touching the database: a log call must work even while the
    request's transaction has failed (an expired attribute would need a query)."""
    if user is None or isinstance(user, AnonymousUserMixin):
        return None
    try:
        identity = inspect(user).identity
    except Exception:  # noqa: BLE001 - not a mapped object (e.g. a test double)
        identity = None
    return identity[0] if identity else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line; exceptions as a `exception` string field."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in request_context().items() if v is not None})
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal (REGISTRY_LOG_FORMAT=text, or auto on a terminal)."""

    def format(self, record: logging.LogRecord) -> str:
        context = request_context()
        extra = " ".join(
            f"{k}={v}"
            for k, v in {**context, **{n: getattr(record, n, None) for n in EXTRA_FIELDS}}.items()
            if v is not None
        )
        text = f"{self.formatTime(record)} {record.levelname} {record.name}: {record.getMessage()}"
        text = f"{text} [{extra}]" if extra else text
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def resolved_format(kind: str) -> str:
    """ "json" or "text" for LOG_FORMAT `kind`: "auto" is text when standard error is a
    terminal (someone running a command) and JSON otherwise (a service, a log collector)."""
    if kind == "auto":
        return "text" if sys.stderr.isatty() else "json"
    return "text" if kind == "text" else "json"


def formatter(kind: str) -> logging.Formatter:
    return TextFormatter() if resolved_format(kind) == "text" else JsonFormatter()


def configure(app: Flask) -> None:
    """One handler on the root logger, in the configured format: our `registry.*` lines at
    LOG_LEVEL, other libraries' at the root's level (WARNING unless set). Records propagate
    as usual, so tests (pytest's caplog) and embedding servers see them.

    Called by every `create_app`; it replaces the handler it installed before, so tests that
    build many apps do not multiply lines.
    """
    from flask.logging import default_handler

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_registry", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._registry = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    root.addHandler(handler)
    ours = logging.getLogger("registry")  # also Flask's `app.logger`
    ours.removeHandler(default_handler)
    ours.setLevel(app.config["LOG_LEVEL"])
    ours.propagate = True
    for name, known in logging.root.manager.loggerDict.items():
        # A logging.config call elsewhere (Alembic's fileConfig) may have switched ours off.
        if name.startswith("registry") and isinstance(known, logging.Logger):
            known.disabled = False


def _request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def init_app(app: Flask) -> None:
    """Give every request an id and log one line when it ends."""
    configure(app)

    @app.before_request
    def _start():
        g.request_id = _request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id") or _request_id()
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        if request.endpoint in QUIET_ENDPOINTS:
            level = logging.DEBUG  # polled every few seconds; /readyz logs its reason itself
        logger.log(
            level,
            "request",
            extra={
                "status": response.status_code,
                "duration_ms": duration,
                "remote_addr": request.remote_addr,
            },
        )
        return response
