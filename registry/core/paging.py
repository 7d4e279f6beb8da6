"""Pagination of list operations: `page` (at most MAX_PAGE) and `per_page` (at most 500), a
`Link` header (first, prev, next, last) and `X-Total-Count`. Every list has a stable order (its
key, then id). The pages' lists (`db.paginate`, the reports' `page_number`) take `page` from
the query string too: `init_app` refuses one beyond MAX_PAGE with 404 before any view reads
it (the offset of page 99999999999999999999 overflows the database's integers)."""

from urllib.parse import quote

import marshmallow as ma
from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from registry.core.extensions import db

MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50
MAX_PAGE = 1_000_000  # 500 million records in, far beyond any list of the registry


class PageArgs(ma.Schema):
    """Query parameters every list takes."""

    page = ma.fields.Integer(
        load_default=1,
        validate=ma.validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "Page number, from 1.", "example": 1},
    )
    per_page = ma.fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=ma.validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Records per page, at most {MAX_PER_PAGE}.", "example": 50},
    )


LIST_HEADERS = {
    "Link": {
        "description": "RFC 8288 links to the first, previous, next and last page.",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": "The number of records matching the filters.",
        "schema": {"type": "integer"},
    },
}


def _link(page: int, per_page: int, rel: str) -> str:
    args = request.args.to_dict()
    args.update(page=str(page), per_page=str(per_page))
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(args.items()))
    return f'<{request.base_url}?{query}>; rel="{rel}"'


def paginate(query, args: dict, headers: dict) -> list:
    """One page of `query` (already filtered and ordered); fills `headers` with Link and
    X-Total-Count. Two queries whatever the page size."""
    page, per_page = args["page"], args["per_page"]
    total = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    items = list(
        db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).unique().scalars()
    )
    last = max(1, -(-total // per_page))
    links = [_link(1, per_page, "first")]
    if page > 1:
        links.append(_link(min(page - 1, last), per_page, "prev"))
    if page < last:
        links.append(_link(page + 1, per_page, "next"))
    links.append(_link(last, per_page, "last"))
    headers["Link"] = ", ".join(links)
    headers["X-Total-Count"] = str(total)
    return items


def _bounded_page() -> None:
    """Refuse a page number beyond MAX_PAGE on the pages (the API's PageArgs answer 422)."""
    if request.path.startswith("/api/"):
        return
    page = request.args.get("page", "")
    digits = page.lstrip("0")
    if page.isdecimal() and (len(digits) > 9 or int(digits or 0) > MAX_PAGE):
        abort(404, description=_("Page numbers go from 1 to %(most)d.", most=MAX_PAGE))


def init_app(app) -> None:
    app.before_request(_bounded_page)
