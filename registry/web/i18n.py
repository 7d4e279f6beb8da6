"""Locale selection (Dutch by default, English second) and the language switch."""

from flask import current_app, has_request_context, session


def select_locale() -> str:
    """The language the visitor chose, else the default (Dutch; also for the CLI)."""
    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def _languages():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
