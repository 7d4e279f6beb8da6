"""Finding people by name or employee number for the person fields (an indexed word-prefix
search, see `registry.people.models.search`), and the suggestions of those fields."""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, literal_column, select
from sqlalchemy import text as text_clause

from registry.core import tenancy
from registry.core.extensions import db
from registry.gaps.services.sql import employed_on
from registry.people.models import search
from registry.people.models.staff import Person
from registry.people.services.staff import person_by_number

SEARCH_MAX_LENGTH = 200  # what a person field accepts; longer input is cut


MATCH_LIMIT = 10  # matches offered as a choice; more means "type more"


_WORD = re.compile(r"\w+", re.UNICODE)


_LABEL = re.compile(r"\((?P<number>[^()]+)\)\s*$")


@dataclass(frozen=True)
class Resolution:
    """What a person field's text resolves to: one person, or the matches to choose from."""

    person: Person | None
    matches: list[Person]


def find_people(text: str | None, limit: int = MATCH_LIMIT) -> list[Person]:
    """People whose name or employee number has words starting with every word of `text`
    ("jan" finds Jan Jansen and Marieke Jansma), by name, at most `limit`.

    The search seeks in the people search index (`registry.people.models.search`): FTS5 on SQLite,
    a GIN index on PostgreSQL; at most `limit` ids are read from it, so the cost does not grow
    with the number of people. Other databases fall back to a LIKE scan.
    """
    words = _WORD.findall((text or "")[:SEARCH_MAX_LENGTH].lower())[:8]
    if not words:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        query = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
        matched: Select = select(literal_column("rowid")).select_from(
            text_clause(search.SEARCH_TABLE)
        )
        ids: Select = matched.where(
            text_clause(f"{search.SEARCH_TABLE} MATCH :query").bindparams(query=query)
        )
        if tenancy.narrowing():
            # Several organisations: the `limit` matches are taken from the organisation
            # acted in (core.tenancy narrows `Person`), not from the whole index.
            ids = select(Person.id).where(Person.id.in_(ids.scalar_subquery()))
    elif dialect == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)
        ids = select(Person.id).where(
            text_clause(f"{search.PG_DOCUMENT} @@ to_tsquery('simple', :query)").bindparams(
                query=query
            )
        )
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        ids = select(Person.id).where(
            *(
                Person.name.ilike(f"%{word}%") | Person.employee_number.ilike(f"{word}%")
                for word in words
            )
        )
    found = ids.limit(limit).subquery()
    return list(
        db.session.scalars(
            select(Person)
            .join(found, Person.id == found.c[0])
            .order_by(Person.name, Person.employee_number)
        )
    )


def resolve_person(text: str | None, chosen: int | None = None) -> Resolution:
    """The person a person field's `text` means: the one `chosen` among several matches, a
    shown label "Name (number)", an exact employee number, or the single person found by
    `find_people`; otherwise no person and the matches (none, or several to choose from)."""
    text = (text or "").strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return Resolution(None, [])
    label = _LABEL.search(text)
    exact = person_by_number(label.group("number") if label else text)
    if exact is None and label:
        exact = person_by_number(text)
    if exact is not None:
        return Resolution(exact, [])
    matches = find_people(text, MATCH_LIMIT + 1)
    if chosen is not None:
        picked = next((p for p in matches if p.id == chosen), None)
        if picked is not None:
            return Resolution(picked, [])
    if len(matches) == 1:
        return Resolution(matches[0], [])
    return Resolution(None, matches[:MATCH_LIMIT])


SUGGESTION_LIMIT = 1000


def suggested_people(day: date | None = None, limit: int = SUGGESTION_LIMIT):
    """(employee number, name) of people employed on `day`, by name: the suggestions of the
    person fields (capped; anyone can still be found by typing)."""
    return db.session.execute(
        select(Person.employee_number, Person.name)
        .where(employed_on(day or date.today()))
        .order_by(Person.name, Person.employee_number)
        .limit(limit)
    ).all()
