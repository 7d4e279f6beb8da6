"""The `registry` console script: Flask's and Flask-Migrate's commands plus our own."""

import click
from flask.cli import FlaskGroup


def _create_app():
    from registry import create_app
    from registry.core.config import InsecureConfiguration

    try:
        return create_app()
    except InsecureConfiguration as refused:
        # A clear message, not a traceback: the settings to fix are named in it.
        raise click.ClickException(str(refused)) from None


@click.group(cls=FlaskGroup, create_app=_create_app)
def main():
    """Kennisborg, the knowledge-retention registry."""


def register(app) -> None:
    """Attach every command group to the application's CLI."""
    from registry.accounts.cli import tokens, users
    from registry.audit.cli import attest, audit
    from registry.bench import cli as bench
    from registry.cli import serve
    from registry.digests import cli as notify
    from registry.gaps.cli import forecast, gaps
    from registry.privacy import cli as privacy
    from registry.reports import cli as trend
    from registry.transfer import cli as transfer

    for module in (
        users,
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
