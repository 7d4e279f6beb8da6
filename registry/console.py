"""The `registry` console script: Flask's and Flask-Migrate's commands plus our own (each
feature's `cli`, registered by the application factory)."""

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
