"""Configuration, layered: defaults → instance/config.py → REGISTRY_* environment → test config.

Nothing here is read at import time; `load_config` is called by the factory.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path


class Defaults:
    """Settings every installation starts from."""

    ENV = "development"
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
    # Login throttling (Flask-Limiter syntax); storage may be redis://… for several workers.
    LOGIN_LIMIT_PER_ADDRESS = "20 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 5 minutes"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # Gap analysis defaults (DESIGN.md).
    DEFAULT_HORIZON_DAYS = 90
    STALE_ASSESSMENT_DAYS = 730
    # Served over HTTPS behind a proxy: set REGISTRY_HTTPS=true for Secure cookies and HSTS.
    HTTPS = False
    PAGE_SIZE = 50
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024  # uploads (interchange files, zip)
    # Web import: uploaded files wait this long for "apply" (None: instance/uploads/transfer).
    TRANSFER_UPLOAD_FOLDER = None
    TRANSFER_UPLOAD_LIFETIME = timedelta(minutes=30)
    # E-mail digests (`registry notify`): REGISTRY_SMTP_HOST, _PORT, _USER, _PASSWORD,
    # _STARTTLS (true/false) and _FROM; links in the mails start with DIGEST_BASE_URL
    # (e.g. https://kennisborg.example.nl; unset: the mails carry no links).
    SMTP_HOST = None
    SMTP_PORT = 25
    SMTP_USER = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    SMTP_FROM = None
    DIGEST_BASE_URL = None


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


def load_config(app, overrides=None) -> None:
    """Fill `app.config` from every layer, in order, then derive what depends on them."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("REGISTRY")
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

    if not app.config.get("SECRET_KEY"):
        if app.config["ENV"] == "production":
            raise RuntimeError(
                "REGISTRY_SECRET_KEY is not set: production mode refuses to start without "
                "an explicit secret key (environment or instance/config.py)."
            )
        app.config["SECRET_KEY"] = _secret_key_from_instance(app.instance_path)

    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
