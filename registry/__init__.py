"""Kennisborg, the knowledge-retention registry: the application factory.

This module is the composition root: the only one that knows every feature. It builds the
app from `registry.core` (plumbing that knows no feature) and registers each feature's
models, blueprints, API resources and commands. Features never import it."""

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
    from registry.core.config import load_config

    load_config(app, config)
    # What builds another app (each gunicorn worker, each database of the bench) calls this,
    # instead of importing the factory back.
    app.extensions["app_factory"] = create_app
    register_logging(app)
    register_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """JSON log lines with a request id; first, so every later hook is inside a request id."""
    from registry.core import logs

    logs.init_app(app)


def register_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host/-Port from exactly TRUSTED_PROXIES proxies."""
    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted, x_port=trusted
        )


def register_models() -> None:
    """Every feature's models, so that the metadata (Alembic, `db check`) knows all tables."""
    import registry.accounts.models.tokens  # noqa: F401
    import registry.accounts.models.users  # noqa: F401
    import registry.audit.models.attestations  # noqa: F401
    import registry.audit.models.audit  # noqa: F401
    import registry.catalogue.models.competences  # noqa: F401
    import registry.catalogue.models.services  # noqa: F401
    import registry.digests.models  # noqa: F401
    import registry.gaps.models  # noqa: F401
    import registry.mitigations.models  # noqa: F401
    import registry.organisations.models  # noqa: F401
    import registry.people.models.holdings  # noqa: F401
    import registry.people.models.search  # noqa: F401
    import registry.people.models.staff  # noqa: F401
    import registry.reports.models  # noqa: F401


def register_extensions(app: Flask) -> None:
    from registry.accounts.web import auth, security
    from registry.core import database, i18n, statistics, templating
    from registry.core.extensions import babel, csrf, db, limiter, login_manager, migrate
    from registry.gaps.services import store
    from registry.organisations import web as organisations_web
    from registry.people import fields
    from registry.people.models.search import include_object

    register_models()

    db.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine)
    # The people search index is not mapped: Alembic's comparison skips it.
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        compare_type=True,
        include_object=include_object,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    organisations_web.init_app(app)  # every request acts in one organisation, before the rest
    security.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    fields.init_app(app)
    auth.init_app(app)  # login throttle storage, single sign-on
    statistics.init_app(app)
    # After Flask-SQLAlchemy's own teardown is registered, so this one runs before it.
    app.teardown_appcontext(store.write_pending)


def register_blueprints(app: Flask) -> None:
    from registry.accounts import api as accounts_api
    from registry.accounts.web import auth, users
    from registry.accounts.web import tokens as tokens_web
    from registry.audit.web import attestations, audit
    from registry.catalogue import api as catalogue_api
    from registry.catalogue.web import competences, services, suppliers
    from registry.core import health, openapi, paging, peildatum
    from registry.digests import web as digests
    from registry.gaps import api as gaps_api
    from registry.mitigations import api as mitigations_api
    from registry.mitigations.web import views as mitigations
    from registry.organisations import web as organisations_web
    from registry.people import api as people_api
    from registry.people import web as people
    from registry.privacy.web import views as privacy
    from registry.reports.web import dossiers, main, mywork, region, reports, trend
    from registry.transfer import api as sync_api
    from registry.transfer.web import views as transfer

    for module in (
        health,
        auth,
        main,
        reports,
        region,
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
        organisations_web,
    ):
        app.register_blueprint(module.bp)
    peildatum.init_app(app)
    paging.init_app(app)  # a page number beyond any list is refused
    openapi.init_app(
        app,
        (
            *catalogue_api.BLUEPRINTS,
            *mitigations_api.BLUEPRINTS,
            *people_api.BLUEPRINTS,
            *gaps_api.BLUEPRINTS,
            *accounts_api.BLUEPRINTS,
            *sync_api.BLUEPRINTS,
        ),
    )  # /api/v1 and its reference page
    app.register_blueprint(tokens_web.bp)  # the admins' API token pages


def register_errorhandlers(app: Flask) -> None:
    from registry.audit.services import refusals
    from registry.core import error_pages

    error_pages.init_app(app, on_refused=refusals.record_refused_request)


def register_commands(app: Flask) -> None:
    """Every feature's commands, `registry serve` and `registry bench`."""
    from registry import serve
    from registry.accounts.cli import tokens, users
    from registry.audit.cli import attest, audit
    from registry.bench import cli as bench
    from registry.digests import cli as notify
    from registry.gaps.cli import forecast, gaps
    from registry.organisations import cli as organisations
    from registry.privacy import cli as privacy
    from registry.reports import cli as trend
    from registry.transfer import cli as transfer

    for module in (
        users,
        organisations,  # after users: it adds `users grant` and `users revoke`
        transfer,
        gaps,
        bench,
        audit,
        attest,
        serve,
        privacy,
        tokens,
        forecast,
        notify,
        trend,
    ):
        module.register(app)
