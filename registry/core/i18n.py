"""Locale selection (Dutch by default, English second), the language switch, and how the
organisation's texts are shown in the user's language.

Names and descriptions of competences and frameworks may exist in Dutch and English
(`name`/`name_en`, `description`/`description_en`); other texts of the organisation (service
names, areas, rationales, level labels) are Dutch only. Templates show any of them with one
filter, which picks the user's language (`registry.core.language.choose`) and marks text in
another language than the page's with `lang`:

    {{ competence|localize }}                    name or name_en of a record
    {{ competence|localize("description") }}     description or description_en
    {{ row|localize("competence_name") }}        competence_name or competence_name_en of a row
    {{ service|localize }}, {{ text|localize }}  Dutch only: marked lang="nl" on English pages

`localize_text` gives the same choice as plain text, for places that cannot hold markup
(<title>, attributes, plain-text mail, spreadsheet cells); `localized_choice` makes a select
option with its `lang`. Rows computed once for everyone (the cached gap rows) carry both
names, and the choice is made here, when they are shown.
"""

from collections.abc import Mapping

from flask import current_app, has_request_context, session
from jinja2 import Undefined
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from registry.core.language import Shown, choose, foreign, language_of


def per_page(fn):
    """`fn` remembered per arguments for one page (make it anew for each render: the locale
    is fixed within one): a dossier or chart shows the same few days and percentages
    hundreds of times, and Babel takes about 0.05 ms to format each."""
    known: dict = {}

    def remembered(*args):
        if args not in known:
            known[args] = fn(*args)
        return known[args]

    return remembered


def select_locale() -> str:
    """The language the visitor chose, else the default (Dutch). Outside a request (the
    command line) messages follow CLI_LOCALE: English unless configured otherwise."""
    if not has_request_context():
        return current_app.config["CLI_LOCALE"]
    lang = session.get("lang")
    if isinstance(lang, str) and lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def page_locale() -> str:
    """The locale messages are shown in now (also inside `force_locale`, as the mail does)."""
    from flask_babel import get_locale

    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def chosen(value, field: str = "name") -> Shown | None:
    """The text of `value` to show: `value` is a record, row or mapping with `field` and
    (optionally) `field + "_en"`, or a text of the organisation itself (Dutch)."""
    text: str | None
    text_en: str | None
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, str):
        text, text_en = value, None
    elif isinstance(value, Mapping):
        text, text_en = value.get(field), value.get(f"{field}_en")
    else:
        text, text_en = getattr(value, field, None), getattr(value, f"{field}_en", None)
    return choose(text, text_en, page_locale())


def localize(value, field: str = "name") -> Markup:
    """The text in the user's language, escaped, in `<span lang="…">` when it is not in the
    page's language. Markup is passed through (it has been localized already)."""
    if isinstance(value, Markup):
        return value
    shown = chosen(value, field)
    if shown is None:
        return Markup("")
    if shown.lang != language_of(page_locale()):
        return Markup('<span lang="{}">{}</span>').format(shown.lang, shown.text)
    return escape(shown.text)


def localize_text(value, field: str = "name") -> str:
    """The same choice as `localize`, as plain text."""
    shown = chosen(value, field)
    return shown.text if shown else ""


def localized_choice(
    value: str, text, text_en=None, prefix: str = "", suffix: str = "", **kwargs
) -> SelectChoice:
    """A select option showing `text`/`text_en` in the user's language, between `prefix` (a
    code) and `suffix` (a note), with `lang` when that is not the page's language."""
    shown = choose(text, text_en, page_locale())
    label = prefix + (shown.text if shown else "") + suffix
    render_kw = {"lang": shown.lang} if shown and foreign(shown, page_locale()) else {}
    return SelectChoice(value, label, render_kw=render_kw, **kwargs)


def init_app(app) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def _languages():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}

    app.jinja_env.filters.update(localize=localize, localize_text=localize_text)
