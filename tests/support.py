"""Helpers the tests share (not tests themselves): the role accounts' password, logging in
through the real form, counting SQL statements, and a small HTML reader."""

import re
from contextlib import contextmanager
from html.parser import HTMLParser

import pyotp
from sqlalchemy import event, exists, func, literal, select, text, union_all, update

from registry.accounts.models.users import User
from registry.accounts.services import tokens as token_service
from registry.audit.models.attestations import IMMUTABLE_DDL
from registry.audit.models.audit import AuditEvent, AuditHead, RefusalWindow
from registry.audit.rules.audit_chain import GENESIS
from registry.audit.services import audit
from registry.core.extensions import db
from registry.core.models import Base
from registry.organisations.models import Organisation
from registry.organisations.rules import DEFAULT_CODE, DEFAULT_NAME

PASSWORD = "correct horse battery"
ROLES = ("admin", "editor", "manager", "auditor")


def totp_now(user) -> str:
    """The current code of `user`'s authenticator, made usable again for this test: a code is
    single-use, and tests log the same account in many times within its 30 seconds."""
    db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()
    return pyotp.TOTP(user.totp_secret).now()


def login(client, user, password: str = PASSWORD):
    """Log `client` in as `user` through the real login form, and through the two-factor
    step when the account has it on (every administrator of the factories has)."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"].startswith("/two-factor/code"):
        response = client.post("/two-factor/code", data={"code": totp_now(user)})
        assert response.status_code == 302, response.get_data(as_text=True)
    return response


@contextmanager
def counting():
    """Count the statements sent to the database while the block runs (the list of them)."""
    statements = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


def empty_database() -> None:
    """Delete every row and reset the audit head (after each test, or between examples)."""
    tables = list(reversed(Base.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        # TRUNCATE costs about 5 ms a table, full or empty: only the tables with rows, then
        # every sequence back to 1 (as RESTART IDENTITY would) in one statement.
        probe = union_all(*(select(literal(t.name)).where(exists().select_from(t)) for t in tables))
        full = list(db.session.scalars(probe))
        if full:
            db.session.execute(text(f"TRUNCATE {', '.join(full)} CASCADE"))
        db.session.execute(
            text(
                "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            )
        )
    else:
        # Attestations are immutable (triggers refuse DELETE): lift that for the clean-up only.
        create, drop = IMMUTABLE_DDL["sqlite"]
        for statement in drop:
            db.session.execute(text(statement))
        for table in tables:
            db.session.execute(table.delete())
        for statement in create:
            db.session.execute(text(statement))
    db.session.add(AuditHead(id=1, count=0, hash=GENESIS))
    # Every registry holds at least one organisation (migration 0012 makes it).
    db.session.add(Organisation(id=1, code=DEFAULT_CODE, name=DEFAULT_NAME))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('organisations_id_seq', 1)"))
        db.session.commit()


def statements_for(client, url) -> int:
    """How many SQL statements one page view runs (the page must answer 200)."""
    with counting() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


# --- a small HTML reader (the standard library has no DOM) -----------------------------------

VOID = {"br", "input", "meta", "link", "img", "hr", "source", "col", "area", "base", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag=None, **attrs):
        """Descendants with this tag and attributes (True: present; `class_` matches one
        class; `data_x` is `data-x`)."""
        result = []
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            if all(_matches(node, name, value) for name, value in attrs.items()):
                result.append(node)
        return result

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def get(self, name, default=None):
        return self.attrs.get(name, default)


def _matches(node, name, value) -> bool:
    if name == "class_":
        return value in (node.attrs.get("class") or "").split()
    name = name.replace("_", "-")
    if value is True:
        return name in node.attrs
    return node.attrs.get(name) == value


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response) -> Node:
    assert response.status_code == 200, response.status_code
    builder = _Builder()
    builder.feed(response.get_data(as_text=True))
    return builder.root


def statuses(page: Node, selector="data_requirement") -> dict[str, str]:
    """requirement key → status code, for the rows of a table."""
    return {
        row.get(selector.replace("_", "-")): row.find(data_status=True).get("data-status")
        for row in page.find_all("tr", **{selector: True})
    }


def is_api_rule(rule) -> bool:
    """Routes authenticated by token (the docs page and the OpenAPI document are not)."""
    return rule.endpoint.split(".")[0].startswith("api_") and rule.endpoint != "api_docs.reference"


def fingerprint():
    """Row counts and version sums of every table but the audit log (403s are audited)."""
    result = {}
    for table in Base.metadata.sorted_tables:
        if table.name in (
            AuditEvent.__tablename__,
            AuditHead.__tablename__,
            RefusalWindow.__tablename__,  # the throttle of audited refusals
        ):
            continue
        columns = [func.count()]
        if "version" in table.c:
            columns.append(func.coalesce(func.sum(table.c.version), 0))
        result[table.name] = tuple(db.session.execute(select(*columns).select_from(table)).one())
    return result


# --- the demo municipality -------------------------------------------------------------------


def make_token(user, scope="write", days=30):
    """An API token for `user`; returns the secret."""
    _token, secret = token_service.create_token(audit.Actor.system("test"), user, scope, days)
    db.session.commit()
    return secret


def events(entity: str | None = None, action: str | None = None) -> list[AuditEvent]:
    """The audit events of `entity` (and `action`), oldest first."""
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))
