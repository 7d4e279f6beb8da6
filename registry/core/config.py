"""Configuration, layered: defaults → instance/config.py → REGISTRY_* environment → test config.

Nothing here is read at import time; `load_config` is called by the factory.
"""

import os
import secrets
import typing
from datetime import timedelta
from pathlib import Path

from flask import current_app, has_app_context

from registry.core.periods import DEFAULT_HORIZON


class Defaults:
    """Settings every installation starts from."""

    ENV = "development"
    # Set it in production (REGISTRY_SECRET_KEY); otherwise one is generated in instance/.
    SECRET_KEY: str | None = None
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "kennisborg_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "http"
    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")
    # The command line speaks English (logs, scripts); REGISTRY_CLI_LOCALE=nl for Dutch.
    CLI_LOCALE = "en"
    # Sessions end after this much inactivity, and in any case after the absolute lifetime.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=10)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    # Login throttling of failed passwords and codes (web/throttle.py; "N per P" syntax);
    # storage redis://host:6379/0 shares the counts between workers, memory:// does not.
    LOGIN_LIMIT_PER_ADDRESS = "20 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = "5 per 5 minutes"
    LOGIN_SLOWDOWN_AFTER = "10 per 15 minutes"  # then the account is slowed down, not locked:
    LOGIN_SLOWDOWN_PACE = "1 per 5 seconds"  # one attempt per this pace, from anywhere
    LOGIN_THROTTLE_PREFIX = "kennisborg"  # keys in a shared Redis
    RATELIMIT_STORAGE_URI = "memory://"
    # Local passwords; false: only single sign-on (the password form is gone, POST refused).
    LOCAL_LOGIN = True
    # Two-factor authentication (TOTP) is required for these roles when they log in with a
    # password; the others may enrol. The issuer is the name shown in authenticator apps.
    TWO_FACTOR_REQUIRED_ROLES = ("admin",)
    TWO_FACTOR_ISSUER = "Kennisborg"
    # Single sign-on with OpenID Connect (Keycloak, Microsoft Entra ID); off while the
    # discovery URL is empty. OIDC_ROLE_MAP maps values of the OIDC_ROLE_CLAIM (a list or a
    # string; a dotted path such as realm_access.roles reaches into nested claims) to roles,
    # e.g. REGISTRY_OIDC_ROLE_MAP='{"kennisborg-beheer": "admin", "kennisborg-hr": "editor"}'.
    OIDC_DISCOVERY_URL = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    OIDC_SCOPES = "openid email profile"
    OIDC_ROLE_CLAIM = "groups"
    OIDC_ROLE_MAP: dict = {}
    # Memberships from the same claim: claim value → "CODE:role" (a role in the organisation
    # with that code), "*:role" (in the whole region) or a list of them, e.g.
    # REGISTRY_OIDC_ORGANISATION_ROLE_MAP='{"grp-gm0363-redactie": "GM0363:editor"}'. When set,
    # an account's memberships follow the claim at every login (docs/LOGIN.md).
    OIDC_ORGANISATION_ROLE_MAP: dict = {}
    OIDC_PROVIDER_NAME = ""  # shown on the button, e.g. "Keycloak"; empty: "single sign-on"
    # An existing account is linked by e-mail only when the provider vouches for the address
    # (email_verified); Entra ID sends no such claim: set false there (one tenant only).
    OIDC_REQUIRE_VERIFIED_EMAIL = True
    # How far the provider's clock may differ from ours when the ID token's times (issued at,
    # expiry) are checked, in seconds.
    OIDC_CLOCK_TOLERANCE = 120
    # A file of CA certificates (PEM) that signs the provider's HTTPS certificate, for a
    # provider behind a private CA; empty: the system's trusted CAs.
    OIDC_CA_BUNDLE = ""
    # The browser posts the log-in and log-out forms on to the provider: its authorisation and
    # end-session origins (from the discovery document) are allowed in the pages' CSP
    # form-action. Further origins the provider sends the browser on to at once (a Keycloak
    # that brokers to Entra ID or ADFS), separated by spaces, e.g. "https://login.example.nl".
    OIDC_FORM_ACTION_ORIGINS = ""
    RATELIMIT_HEADERS_ENABLED = False
    # Gap analysis defaults (docs/DESIGN.md). The forecast's window: None is the rule's 365 days.
    DEFAULT_HORIZON_DAYS = DEFAULT_HORIZON
    FORECAST_DAYS: int | None = None
    # The figures of the gap analysis and forecast kept on the audit head between requests;
    # None: on, except under TESTING (tests write data without audit events).
    GAP_CACHE: bool | None = None
    # Planner statistics brought up to date when a process starts; None: on, except in tests.
    STATISTICS_ON_START: bool | None = None
    # The import audits changed records one by one and created ones in its summary event;
    # true: an event for every created record too.
    IMPORT_AUDIT_EACH_RECORD = False
    # Served over HTTPS behind a proxy: set REGISTRY_HTTPS=true for Secure cookies and HSTS.
    HTTPS = False
    PAGE_SIZE = 50
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024  # uploads (interchange files, zip)
    # Web import: uploaded files wait this long for "apply" (None: instance/uploads/transfer).
    TRANSFER_UPLOAD_FOLDER: str | None = None
    TRANSFER_UPLOAD_LIFETIME = timedelta(minutes=30)
    # Uploads of at least this many bytes are applied in the background; an upload may hold at
    # most TRANSFER_UNPACKED_LIMIT bytes once unpacked (None: MAX_CONTENT_LENGTH).
    TRANSFER_BACKGROUND_BYTES = 2 * 1024 * 1024
    TRANSFER_UNPACKED_LIMIT: int | None = None
    # Web export: written in the background (None: instance/exports/transfer), kept this long
    # for the user who asked; the request waits this many seconds before it shows a status page.
    TRANSFER_EXPORT_FOLDER: str | None = None
    TRANSFER_EXPORT_LIFETIME = timedelta(hours=1)
    TRANSFER_EXPORT_WAIT = 5
    # Logs on standard error: "json" lines, "text", or "auto" (text on a terminal, else JSON),
    # see registry/logs.py.
    LOG_LEVEL = "INFO"
    LOG_FORMAT = "auto"
    # Reverse proxies in front of the app whose X-Forwarded-* headers are believed (nginx: 1).
    TRUSTED_PROXIES = 0
    # `registry serve` (gunicorn): where it listens, how many processes, and their timeouts.
    SERVE_HOST = "127.0.0.1"
    SERVE_PORT = 8000
    WORKERS = 2
    WORKER_TIMEOUT = 60
    GRACEFUL_TIMEOUT = 30
    KEEPALIVE = 5
    # The app logs every request (registry.request); gunicorn's own access log only if true.
    SERVE_ACCESS_LOG = False
    # How many machines run the app against this database (SQLite allows only one).
    WORKER_HOSTS = 1
    # Privacy (AVG): people who left more than this many days ago may be anonymised.
    RETENTION_DAYS = 730
    # E-mail digests (`registry notify`): REGISTRY_SMTP_HOST, _PORT, _USER, _PASSWORD,
    # _STARTTLS (true/false) and _FROM; links in the mails start with DIGEST_BASE_URL
    # (e.g. https://kennisborg.example.nl; unset: the mails carry no links).
    SMTP_HOST: str | None = None
    SMTP_PORT = 25
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    SMTP_FROM: str | None = None
    DIGEST_BASE_URL: str | None = None
    # `registry audit anchor --mail` sends the audit head to this address (the auditors').
    AUDIT_ANCHOR_TO: str | None = None
    # Requests per API token (flask-limiter syntax).
    API_RATE_LIMIT = "600 per minute"
    # The largest request body the API reads, in bytes (413 beyond it): a full sync of 5,000
    # records fits in well under this; every other API body is far smaller.
    API_MAX_BODY_BYTES = 8 * 1024 * 1024


def default_horizon() -> int:
    """The horizon when nobody chose one: the DEFAULT_HORIZON_DAYS setting. Every page, report,
    export and command reads it here (outside an app: the rule's DEFAULT_HORIZON)."""
    if not has_app_context():
        return DEFAULT_HORIZON
    return int(current_app.config["DEFAULT_HORIZON_DAYS"])


def _sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "registry.sqlite3")


def _secret_key_from_instance(instance_path: str) -> str:
    """Read the generated secret key, creating it once (mode 600) when absent."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


ENV_PREFIX = "REGISTRY_"


def string_settings() -> frozenset[str]:
    """The settings that are text: a string default, or declared `str | None`."""
    hints = typing.get_type_hints(Defaults)
    names = {name for name in dir(Defaults) if isinstance(getattr(Defaults, name), str)}
    names |= {name for name, hint in hints.items() if str in typing.get_args(hint)}
    return frozenset(names)


def _from_environment(config) -> None:
    """`REGISTRY_*` variables: JSON for numbers, booleans, lists and maps, but a setting that
    is text keeps the text as given (a client id `12345` stays the string "12345"), and a
    duration (a `timedelta` setting) is a number of seconds."""
    config.from_prefixed_env(ENV_PREFIX.rstrip("_"))
    for name in string_settings():
        raw = os.environ.get(ENV_PREFIX + name)
        if raw is not None:
            config[name] = raw
    for name in dir(Defaults):
        raw = os.environ.get(ENV_PREFIX + name)
        if raw is not None and isinstance(getattr(Defaults, name), timedelta):
            try:
                config[name] = timedelta(seconds=float(raw))
            except ValueError:
                raise InvalidSetting(
                    f"{ENV_PREFIX}{name} must be a number of seconds, not {raw!r}"
                ) from None


class InvalidSetting(ValueError):
    """A setting from the environment that cannot be what the setting is."""


def load_config(app, overrides=None) -> None:
    """Fill `app.config` from every layer, in order, then derive what depends on them."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    _from_environment(app.config)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if overrides:
        app.config.update(overrides)

    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or _sqlite_url(app.instance_path)
    # Heroku-style URLs name the old driver; psycopg 3 is what we ship.
    for old in ("postgres://", "postgresql://"):
        if uri.startswith(old):
            uri = "postgresql+psycopg://" + uri[len(old) :]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 15}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    if app.config["ENV"] == "production":
        check_production(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key_from_instance(app.instance_path)

    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"


class InsecureConfiguration(RuntimeError):
    """Production mode refuses to start; the message names every setting to fix."""


MIN_SECRET_KEY_LENGTH = 32


def production_problems(config, workers: int | None = None) -> list[str]:
    """What makes this configuration unfit for production, one sentence per setting.

    `workers` is the number of processes about to serve (default: the WORKERS setting).
    """
    workers = config.get("WORKERS", 1) if workers is None else workers
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        problems.append(
            "REGISTRY_SECRET_KEY is not set: production mode refuses to start without an "
            "explicit secret key (environment or instance/config.py)."
        )
    elif len(str(secret)) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"REGISTRY_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters; "
            'generate one with: python -c "import secrets; print(secrets.token_hex(32))"'
        )
    if not config.get("HTTPS"):
        problems.append(
            "REGISTRY_HTTPS is not true: production is served over HTTPS only (Secure "
            "cookies, HSTS); terminate TLS in the proxy and set REGISTRY_HTTPS=true."
        )
    if config.get("DEBUG"):
        problems.append("REGISTRY_DEBUG is on: the debugger must never run in production.")
    if config.get("TESTING"):
        problems.append("REGISTRY_TESTING is on: it switches checks off.")
    if config.get("WTF_CSRF_ENABLED") is False:
        problems.append("REGISTRY_WTF_CSRF_ENABLED is off: every form needs CSRF protection.")
    if config.get("RATELIMIT_ENABLED") is False:
        problems.append("REGISTRY_RATELIMIT_ENABLED is off: logins must be throttled.")
    uri = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    hosts = int(config.get("WORKER_HOSTS") or 1)
    if uri.startswith("sqlite") and hosts > 1:
        problems.append(
            f"REGISTRY_WORKER_HOSTS is {hosts} while the database is SQLite: a SQLite file "
            "can be served by one machine only; set DATABASE_URL to PostgreSQL."
        )
    if uri in ("sqlite://", "sqlite:///") or (uri.startswith("sqlite") and ":memory:" in uri):
        problems.append("DATABASE_URL is an in-memory SQLite database: nothing would be kept.")
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and (workers > 1 or hosts > 1):
        problems.append(
            f"REGISTRY_RATELIMIT_STORAGE_URI is memory:// while {workers} worker processes "
            "serve: each would count login attempts on its own; set it to redis://… "
            "(or serve with REGISTRY_WORKERS=1)."
        )
    if int(config.get("TRUSTED_PROXIES") or 0) < 0:
        problems.append("REGISTRY_TRUSTED_PROXIES must be 0 or more.")
    return problems


def check_production(config, workers: int | None = None) -> None:
    """Raise InsecureConfiguration naming every setting that production refuses."""
    problems = production_problems(config, workers)
    if problems:
        raise InsecureConfiguration(
            "Production mode (REGISTRY_ENV=production) refuses this configuration:\n- "
            + "\n- ".join(problems)
        )
