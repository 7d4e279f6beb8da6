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


def test_settings_that_are_text_stay_text_whatever_they_look_like(monkeypatch):
    """JSON for numbers and truth values, but a client id, a secret or a password of digits
    is the text the administrator typed (a number would fail every login with a 500)."""
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "12345678901234567890123456789012")
    monkeypatch.setenv("REGISTRY_OIDC_CLIENT_ID", "12345")
    monkeypatch.setenv("REGISTRY_SMTP_PASSWORD", "007")
    monkeypatch.setenv("REGISTRY_OIDC_SCOPES", "true")
    monkeypatch.setenv("REGISTRY_OIDC_CLOCK_TOLERANCE", "30")
    monkeypatch.setenv("REGISTRY_OIDC_REQUIRE_VERIFIED_EMAIL", "false")
    config = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config
    assert config["SECRET_KEY"] == "12345678901234567890123456789012"
    assert config["OIDC_CLIENT_ID"] == "12345" and config["SMTP_PASSWORD"] == "007"
    assert config["OIDC_SCOPES"] == "true"
    assert config["OIDC_CLOCK_TOLERANCE"] == 30
    assert config["OIDC_REQUIRE_VERIFIED_EMAIL"] is False


def test_durations_from_the_environment_are_seconds(monkeypatch):
    from datetime import timedelta

    from registry.core.config import InvalidSetting

    monkeypatch.setenv("REGISTRY_SESSION_IDLE_TIMEOUT", "900")
    config = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config
    assert config["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=15)
    monkeypatch.setenv("REGISTRY_SESSION_IDLE_TIMEOUT", "15 minutes")
    with pytest.raises(InvalidSetting, match="REGISTRY_SESSION_IDLE_TIMEOUT must be a number"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
