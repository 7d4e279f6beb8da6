"""Which language an organisation's text is shown in (pure: no Flask, no database).

The registry is kept in the organisation's language, Dutch: the names and descriptions of
services, competences and frameworks, areas, rationales, level labels. A framework or
competence may also carry an English name and description (`name_en`, `description_en`). A
user who chose English sees the English text where there is one; everyone else, and English
users of a record without one, see the Dutch text. The choice comes with the language of the
chosen text, so that a page can mark text in another language than its own (`lang="nl"`).
"""

from dataclasses import dataclass

ORGANISATION_LANGUAGE = "nl"
ENGLISH = "en"


@dataclass(frozen=True)
class Shown:
    """A text to show and the language it is in (a BCP 47 primary tag: "nl", "en")."""

    text: str
    lang: str


def language_of(locale: str | None) -> str:
    """The primary language of a locale: "en_GB" and "en-GB" → "en"; none → Dutch."""
    if not locale:
        return ORGANISATION_LANGUAGE
    return str(locale).replace("-", "_").split("_", 1)[0].lower()


def _present(text: str | None) -> bool:
    return text is not None and text.strip() != ""


def choose(text: str | None, text_en: str | None, locale: str | None) -> Shown | None:
    """The text to show in `locale`: the English version for an English locale when there is
    one, else the organisation's (Dutch) text; the English version when it is all there is
    (a description written only in English). None when there is no text at all."""
    english = _present(text_en)
    if english and language_of(locale) == ENGLISH:
        return Shown(str(text_en), ENGLISH)
    if _present(text):
        return Shown(str(text), ORGANISATION_LANGUAGE)
    return Shown(str(text_en), ENGLISH) if english else None


def foreign(shown: Shown | None, locale: str | None) -> bool:
    """Whether the text is in another language than a page in `locale` (so it needs `lang`)."""
    return shown is not None and shown.lang != language_of(locale)
