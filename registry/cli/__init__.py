"""The `registry` console script: Flask's and Flask-Migrate's commands plus our own."""

import click
from flask.cli import FlaskGroup


def _create_app():
    from registry import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main():
    """Kennisborg, the knowledge-retention registry."""


def register(app) -> None:
    """Attach every command group to the application's CLI."""
    from registry.cli import audit, gaps, transfer, trend, users

    for module in (users, transfer, gaps, audit, trend):
        module.register(app)
