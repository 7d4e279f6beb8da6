"""The Dutch catalogue is complete: every string in the code has a Dutch translation."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "N_": None,
}
METHODS = [("registry/**.py", "python"), ("templates/**.html", "jinja2")]


def _wanted(dirpath: str) -> bool:
    # Babel skips folders starting with "_" by default, which would skip templates/_macros.
    name = Path(dirpath).name
    return not name.startswith(".") and name not in ("node_modules", "__pycache__")


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=METHODS,
        keywords=KEYWORDS,
        directory_filter=_wanted,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    found.discard("")
    return found


def _catalogue(locale: str):
    with open(ROOT / "registry/translations" / locale / "LC_MESSAGES/messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


@pytest.fixture(scope="module")
def source_messages():
    return _source_messages()


def test_every_string_is_in_the_dutch_catalogue(source_messages):
    catalogue = _catalogue("nl")
    missing = sorted(m for m in source_messages if m not in catalogue)
    assert not missing, f"run `make extract-messages`; not in nl catalogue: {missing[:20]}"


def test_every_dutch_entry_is_translated(source_messages):
    catalogue = _catalogue("nl")
    untranslated = sorted(
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id
        and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
        and (m.id if isinstance(m.id, str) else m.id[0]) in source_messages
    )
    assert not untranslated, f"untranslated or fuzzy in nl: {untranslated[:20]}"


def test_english_catalogue_exists():
    assert _catalogue("en") is not None
