"""Locale selection (Dutch by default, English second) and the language switch."""

from flask import current_app, session


def select_locale() -> str:
    """The language the visitor chose, else the default (Dutch)."""
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def _languages():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
