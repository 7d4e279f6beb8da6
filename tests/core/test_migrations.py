"""Migrations: an empty database upgrades to the models exactly, and downgrades cleanly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from registry import create_app
from registry.core.extensions import db
from registry.core.models import Base
from registry.people.models.search import include_object


def test_migrations_match_the_models(app):
    """The suite's database was built by `upgrade()`; nothing is left to autogenerate."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_and_downgrade_an_empty_sqlite_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
        }
    )
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"services", "people", "holdings", "audit_events", "users"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def _fresh_database(tmp_path) -> str:
    """An empty database of the suite's kind: a new SQLite file, or on the PostgreSQL server
    of TEST_DATABASE_URL a database of this test's own (made empty)."""
    import os

    from sqlalchemy import create_engine, make_url, text

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'tokens.db'}"
    base = make_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{base.database}_migration_{worker}"
    server = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            quoted = conn.dialect.identifier_preparer.quote(name)
            conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
            conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def test_0013_narrows_tokens_and_going_back_revokes_the_narrowed(tmp_path):
    """0013 adds api_tokens.organisation_id; its downgrade revokes the tokens still in use
    that were narrowed (the old schema would let them act in every organisation)."""
    from sqlalchemy import text

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": _fresh_database(tmp_path)}
    )
    with app.app_context():
        upgrade(revision="0012_organisations")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, active, session_version, "
                    "created_at, digest_opt_in) VALUES (1, 'a@example.org', '', '', true, 1, "
                    "CURRENT_TIMESTAMP, false)"
                )
            )
            for token_id in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO api_tokens (id, user_id, name, scope, digest, prefix, "
                        "created_at, expires_at) VALUES (:id, 1, 't', 'read', :digest, 'kb_', "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": token_id, "digest": str(token_id) * 64},
                )
        upgrade(revision="0013_token_organisation")
        columns = {c["name"] for c in inspect(db.engine).get_columns("api_tokens")}
        assert "organisation_id" in columns
        foreign = inspect(db.engine).get_foreign_keys("api_tokens")
        assert any(fk["referred_table"] == "organisations" for fk in foreign)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE api_tokens SET organisation_id = 1 WHERE id = 2"))
        downgrade(revision="0012_organisations")
        columns = {c["name"] for c in inspect(db.engine).get_columns("api_tokens")}
        assert "organisation_id" not in columns
        with db.engine.connect() as conn:
            revoked = dict(conn.execute(text("SELECT id, revoked_at FROM api_tokens")).all())
        assert revoked[1] is None and revoked[2] is not None
        upgrade()
        db.engine.dispose()
