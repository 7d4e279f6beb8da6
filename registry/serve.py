"""`registry serve`: the production server (gunicorn) with the settings of docs/DEPLOYMENT.md.

Each worker process builds its own app with `create_app()` (no preloading: database pools are
never shared across a fork). gunicorn's own messages are JSON lines like the app's; the app
logs one `registry.request` line per request (status, duration, request id, user), which is the
access log, so gunicorn's access log stays off unless REGISTRY_SERVE_ACCESS_LOG is true.
"""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from registry.core import logs

logger = logging.getLogger(__name__)


def gunicorn_options(config, host: str, port: int, workers: int) -> dict:
    """The gunicorn settings for these arguments and this configuration."""
    level = str(config["LOG_LEVEL"]).lower()
    json_logs = logs.resolved_format(config["LOG_FORMAT"]) == "json"
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": config["WORKER_TIMEOUT"],
        "graceful_timeout": config["GRACEFUL_TIMEOUT"],
        "keepalive": config["KEEPALIVE"],
        # A worker is replaced after this many requests, so a slow leak never grows for long.
        "max_requests": 1000,
        "max_requests_jitter": 100,
        "loglevel": level,
        "errorlog": "-",
        "accesslog": "-" if config.get("SERVE_ACCESS_LOG") else None,
        # Forwarded headers are the app's business (ProxyFix, TRUSTED_PROXIES), not gunicorn's.
        "forwarded_allow_ips": "",
        "proc_name": "kennisborg",
        # gunicorn ≥ 25.1 opens a control socket in $HOME by default; nothing here uses it.
        "control_socket_disable": True,
    }
    if json_logs:
        options["logconfig_dict"] = {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": "registry.core.logs.JsonFormatter"}},
            "handlers": {
                "error_console": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "stream": "ext://sys.stderr",
                },
                "console": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "stream": "ext://sys.stdout",
                },
            },
            # Each worker's app puts its own JSON handler on the root logger (registry.core.logs).
            "root": {"level": "WARNING", "handlers": []},
            "loggers": {
                "gunicorn.error": {
                    "level": level.upper(),
                    "handlers": ["error_console"],
                    "propagate": False,
                    "qualname": "gunicorn.error",
                },
                "gunicorn.access": {
                    "level": "INFO" if config.get("SERVE_ACCESS_LOG") else "WARNING",
                    "handlers": ["console"],
                    "propagate": False,
                    "qualname": "gunicorn.access",
                },
            },
        }
    return options


def _application(options: dict, factory):
    from gunicorn.app.base import BaseApplication

    class Registry(BaseApplication):
        """gunicorn, configured from `options`; every worker builds its own app."""

        def load_config(self):
            for key, value in options.items():
                if value is not None and key in self.cfg.settings:  # older gunicorns: skip
                    self.cfg.set(key, value)

        def load(self):
            return factory()

    return Registry()


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: SERVE_HOST).")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="Port (default: SERVE_PORT)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: WORKERS).",
)
@with_appcontext
def serve_command(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the registry with gunicorn, for production behind a reverse proxy."""
    from registry.core.config import InsecureConfiguration, check_production

    config = current_app.config
    host = host or config["SERVE_HOST"]
    port = port or int(config["SERVE_PORT"])
    workers = workers or int(config["WORKERS"])
    if config["ENV"] == "production":
        try:
            check_production(config, workers=workers)
        except InsecureConfiguration as refused:
            raise click.ClickException(str(refused)) from None
    prepare_figures()
    logger.info("serving on %s:%s with %s workers", host, port, workers)
    factory = current_app.extensions["app_factory"]
    _application(gunicorn_options(config, host, port, workers), factory).run()


def prepare_figures() -> None:
    """Today's figures, read from `stored_results` or computed and stored now, before the
    workers start: the first page after a restart or deploy then reads them (as after the
    nightly `registry snapshot`), instead of computing for a second or two."""
    from registry.core.extensions import db
    from registry.gaps.services import prepare, store

    prepare.todays_figures()
    store.write_pending()
    # No connection of this (master) process may live on in the workers gunicorn forks.
    db.session.remove()
    db.engine.dispose()


def register(app) -> None:
    app.cli.add_command(serve_command)
