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
    register_logging(app)
    register_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """JSON log lines with a request id; first, so every later hook is inside a request id."""
    from registry import logs

    logs.init_app(app)


def register_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host/-Port from exactly TRUSTED_PROXIES proxies."""
    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted, x_port=trusted
        )


def register_extensions(app: Flask) -> None:
    from registry import database
    from registry.extensions import babel, csrf, db, limiter, login_manager, migrate
    from registry.services import statistics
    from registry.services.gaps import store
    from registry.web import auth, i18n, security, templating

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
    auth.init_app(app)  # login throttle storage, single sign-on
    statistics.init_app(app)
    # After Flask-SQLAlchemy's own teardown is registered, so this one runs before it.
    app.teardown_appcontext(store.write_pending)


def register_blueprints(app: Flask) -> None:
    from registry import api
    from registry.web import (
        attestations,
        audit,
        auth,
        competences,
        digests,
        dossiers,
        health,
        main,
        mitigations,
        mywork,
        peildatum,
        people,
        privacy,
        reports,
        services,
        suppliers,
        transfer,
        trend,
        users,
    )

    for module in (
        health,
        auth,
        main,
        reports,
        suppliers,
        trend,
        mitigations,
        mywork,
        dossiers,
        services,
        competences,
        people,
        users,
        audit,
        attestations,
        peildatum,
        transfer,
        privacy,
        digests,
    ):
        app.register_blueprint(module.bp)
    peildatum.init_app(app)
    api.init_app(app)  # /api/v1, its reference page and the API tokens pages


def register_errorhandlers(app: Flask) -> None:
    from registry.web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from registry.cli import register

    register(app)
