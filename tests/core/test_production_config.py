"""REGISTRY_ENV=production refuses an insecure setup, naming every setting to fix."""

import pytest

from registry import create_app
from registry.core.config import InsecureConfiguration, production_problems

SECURE = {
    "ENV": "production",
    "SECRET_KEY": "k" * 64,
    "HTTPS": True,
    "SQLALCHEMY_DATABASE_URI": "postgresql://registry@db.example/registry",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "WORKERS": 4,
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in ("REGISTRY_SECRET_KEY", "REGISTRY_HTTPS", "DATABASE_URL", "REGISTRY_ENV"):
        monkeypatch.delenv(name, raising=False)


def test_a_secure_setup_starts():
    app = create_app(SECURE)
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"SECRET_KEY": None}, "REGISTRY_SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "REGISTRY_SECRET_KEY is shorter than 32"),
        ({"HTTPS": False}, "REGISTRY_HTTPS"),
        ({"DEBUG": True}, "REGISTRY_DEBUG"),
        ({"WTF_CSRF_ENABLED": False}, "REGISTRY_WTF_CSRF_ENABLED"),
        ({"RATELIMIT_ENABLED": False}, "REGISTRY_RATELIMIT_ENABLED"),
        (
            {"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/registry.sqlite3", "WORKER_HOSTS": 2},
            "REGISTRY_WORKER_HOSTS is 2 while the database is SQLite",
        ),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, "in-memory SQLite"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "REGISTRY_RATELIMIT_STORAGE_URI is memory://"),
    ],
)
def test_production_refuses_an_insecure_setting(change, setting):
    with pytest.raises(InsecureConfiguration, match=setting):
        create_app({**SECURE, **change})


def test_every_problem_is_named_at_once():
    with pytest.raises(InsecureConfiguration) as refused:
        create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite:////srv/r.sqlite3"})
    message = str(refused.value)
    for setting in ("REGISTRY_SECRET_KEY", "REGISTRY_HTTPS", "REGISTRY_RATELIMIT_STORAGE_URI"):
        assert setting in message


def test_sqlite_with_one_worker_and_memory_limits_is_acceptable_on_one_host():
    config = {
        **SECURE,
        "SQLALCHEMY_DATABASE_URI": "sqlite:////srv/registry.sqlite3",
        "RATELIMIT_STORAGE_URI": "memory://",
        "WORKERS": 1,
    }
    assert production_problems(config) == []
    assert "REGISTRY_RATELIMIT_STORAGE_URI" in production_problems(config, workers=3)[0]


def test_development_is_not_checked():
    app = create_app({"SECRET_KEY": "dev", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["ENV"] == "development"
