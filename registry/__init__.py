"""Kennisborg, the knowledge-retention registry: the application factory."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides every other layer (used by tests)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from registry.config import load_config

    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from registry import database
    from registry.extensions import babel, csrf, db, limiter, login_manager, migrate
    from registry.services import statistics
    from registry.web import i18n, security, templating

    db.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    statistics.init_app(app)


def register_blueprints(app: Flask) -> None:
    from registry.web import (
        audit,
        auth,
        competences,
        dossiers,
        main,
        people,
        reports,
        services,
        transfer,
        users,
    )

    for module in (
        auth,
        main,
        reports,
        dossiers,
        services,
        competences,
        people,
        users,
        audit,
        transfer,
    ):
        app.register_blueprint(module.bp)


def register_errorhandlers(app: Flask) -> None:
    from registry.web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from registry.cli import register

    register(app)
