"""Configuration layers and the secret key."""

import pytest

from registry import create_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="REGISTRY_SECRET_KEY"):
        create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_environment_overrides_defaults_and_database_url_selects_the_database(monkeypatch):
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("REGISTRY_PAGE_SIZE", "20")
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example/registry")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["PAGE_SIZE"] == 20
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_development_generates_a_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from registry.core import config

    first = config._secret_key_from_instance(str(tmp_path))
    second = config._secret_key_from_instance(str(tmp_path))
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
