"""Fixtures: one migrated database per test session, emptied after every test; an app,
a client, a CLI runner, and one user per role.

`TEST_DATABASE_URL` selects PostgreSQL; otherwise the tests use a temporary SQLite file. Under
pytest-xdist (`make test` runs one worker per core) every worker has a database of its own: its own
temporary SQLite file, or on PostgreSQL `<database>_gw0`, `<database>_gw1`, … on the server of
TEST_DATABASE_URL, created when missing.
"""

import contextvars
import logging
import os

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from registry import create_app
from registry.core.database import sqlite_immediate
from registry.core.extensions import db
from tests import factories
from tests.data.four_statuses import four_statuses
from tests.support import PASSWORD, ROLES, empty_database, login, make_token


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, … under pytest-xdist
    if url and worker:
        return _worker_database(url, worker)
    if url:
        return url
    # Under xdist the temporary folder is already the worker's own.
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def _worker_database(url: str, worker: str) -> str:
    """`<database>_<worker>` on the server of `url`, created (empty) when it does not exist."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                quoted = conn.dialect.identifier_preparer.quote(name)
                conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


def test_config(database_url: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    if database_url.startswith("postgresql"):
        # A commit need not wait for the disk in tests (a crash loses nothing that matters).
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    config.update(overrides)
    return config


class IsolatedClient(FlaskClient):
    """Runs every request in a context of its own, as a real server would.

    Without this, requests would share the test's app context: its `g` (Flask-Login's cached
    user) and its database session. Before a request the test's changes (flushed or pending)
    are committed, so the request sees them; afterwards its session is rolled back, so the
    test reads fresh rows.
    """

    def open(self, *args, **kwargs):
        outer = db.session if _has_app_context() else None
        if outer is not None:
            outer.commit()  # flushed or pending changes of the test must be visible
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            if outer is not None:
                outer.rollback()


class IsolatedCliRunner(FlaskCliRunner):
    """Runs every command in a context of its own, like `registry …` in a shell: with its
    app's settings and its own database session (see IsolatedClient)."""

    def invoke(self, *args, **kwargs):
        outer = db.session if _has_app_context() else None
        if outer is not None:
            outer.commit()  # flushed or pending changes of the test must be visible

        def run():
            with self.app.app_context():  # as FlaskGroup does for every command
                return super(IsolatedCliRunner, self).invoke(*args, **kwargs)

        try:
            return contextvars.Context().run(run)
        finally:
            if outer is not None:
                outer.rollback()


def _has_app_context() -> bool:
    from flask import has_app_context

    return has_app_context()


@pytest.fixture(scope="session")
def _schema(database_url):
    """Reset the test database and bring it to the newest migration, once."""
    app = create_app(test_config(database_url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return database_url


def _new_app(database_url: str, **overrides):
    app = create_app(test_config(database_url, **overrides))
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    return app


@pytest.fixture
def make_app(_schema):
    """Build an app on the test database with extra settings (e.g. CSRF on)."""
    apps = []

    def _make(**overrides):
        app = _new_app(_schema, **overrides)
        apps.append(app)
        return app

    yield _make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def _shared_app(_schema):
    """The app of the default test settings, built once per process: building one registers
    some 800 routes and the OpenAPI document (about 0.2 s), which every test would repeat."""
    app = _new_app(_schema)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_shared_app):
    """The default app, with the settings it had before the test (a test may change them) and
    an emptied database after it. `make_app` builds a separate app with other settings."""
    sqlite_immediate.set(False)  # a CLI test may have marked this thread as a writer
    app = _shared_app
    settings = dict(app.config)
    try:
        with app.app_context():
            yield app
            db.session.rollback()
            empty_database()
            db.session.remove()
    finally:
        app.config.clear()
        app.config.update(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """One active account per role, all with the password PASSWORD."""
    made = {role: factories.make_user(role=role, password=PASSWORD) for role in ROLES}
    db.session.commit()
    return made


@pytest.fixture
def client_as(app, users):
    """client_as('editor') → a test client logged in with that role."""

    def _client(role: str):
        c = app.test_client()
        login(c, users[role])
        return c

    return _client


@pytest.fixture
def registry(app):
    """Four requirements, one per status, over two services (tests/data/four_statuses.py)."""
    four_statuses()


@pytest.fixture
def api_as(app, users):
    """api_as('editor', scope='read') → a test client sending that role's bearer token."""

    def _client(role: str, scope: str = "write"):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token(users[role], scope)}"
        return client

    return _client


@pytest.fixture(autouse=True)
def _no_log_handler_on_a_closed_stream():
    """An app built inside a captured command (the bench builds its apps that way) installs
    its log handler on the command's captured standard error, which is closed afterwards:
    drop such a handler after the test, so that later commands' output holds no 'Logging
    error' dumps."""
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_registry", False) and getattr(
            getattr(handler, "stream", None), "closed", False
        ):
            root.removeHandler(handler)
