"""Pagination of list operations: `page` and `per_page` (at most 500), a `Link` header
(first, prev, next, last) and `X-Total-Count`. Every list has a stable order (its key, then id)."""

from urllib.parse import quote

import marshmallow as ma
from flask import request
from sqlalchemy import func, select

from registry.core.extensions import db

MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50


class PageArgs(ma.Schema):
    """Query parameters every list takes."""

    page = ma.fields.Integer(
        load_default=1,
        validate=ma.validate.Range(min=1, max=1_000_000),
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
