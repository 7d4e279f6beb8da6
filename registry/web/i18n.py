"""Locale selection (Dutch by default, English second) and the language switch."""

from flask import current_app, has_request_context, session


def select_locale() -> str:
    """The language the visitor chose, else the default (Dutch). Outside a request (the
    command line) messages follow CLI_LOCALE: English unless configured otherwise."""
    if not has_request_context():
        return current_app.config["CLI_LOCALE"]
    lang = session.get("lang")
    if isinstance(lang, str) and lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def _languages():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
