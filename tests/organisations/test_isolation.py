"""The leak walk: two organisations, A (GM0001) and B (GM0002), filled through the importer
with overlapping employee numbers and service codes; every name and free text of B carries
the marker ZZBMARK (B's keys that A does not share carry ZZBKEY), A's carry AAMARK. The
catalogue (competences, frameworks, providers) is shared and carries neither.

A member of A, in every role, must never see anything of B: not on any page reachable from the
home page (links and GET forms, downloads unpacked), not through the API (every GET operation
of the OpenAPI document, every page of every list), not in the daily digests, not in an export;
a record of B does not exist for them (404, never 403 or 200), and nothing they write changes
B. The re-import of A's export into a fresh organisation C gives A's gap report.

These are plain assertions: a failure here is a leak (see the report of the run)."""

import csv
import io
import socket
import zipfile
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from registry.accounts.models.users import User
from registry.audit.services import audit
from registry.catalogue.models.services import Requirement
from registry.core import tenancy
from registry.core.extensions import db
from registry.mitigations import services as mitigation_services
from registry.organisations import services as organisation_services
from registry.organisations.models import Organisation
from registry.people.models.staff import Person
from tests import factories
from tests.support import PASSWORD, ROLES, login, make_token

MARK_A, MARK_B = "AAMARK", "ZZBMARK"
KEY_A, KEY_B = "AAKEY", "ZZBKEY"  # in the keys one organisation has and the other has not
CODE_A, CODE_B, CODE_C = "GM0001", "GM0002", "GM0003"
NAME_A, NAME_B = f"Gemeente {MARK_A} Astad", f"Gemeente {MARK_B} Bstad"
# What must never reach a member of A (compared case-insensitively).
B_SECRETS = (MARK_B.lower(), KEY_B.lower(), NAME_B.lower())

TODAY = date.today()
CRAWL_LIMIT = 3000  # pages per role


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


# --- the two organisations, filled through the importer -----------------------------------

# The shared catalogue: no marker.
COMPETENCES = [
    ("C-01", "Contractmanagement", "Eigen raamwerk", "Regie"),
    ("C-02", "Leveranciersmanagement", "Eigen raamwerk", "Regie"),
    ("C-03", "Informatiebeveiliging", "Eigen raamwerk", "Beveiliging"),
    ("C-04", "Archiefbeheer", "Tweede raamwerk", "Informatie"),
]
PROVIDERS = ("Leverancier Een", "Leverancier Twee")


def _csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_interchange(folder: Path, mark: str, key: str) -> None:
    """The six interchange files of one organisation: the people 1001–1005 and the services
    s01–s03 exist in both organisations, `<key>-1006` and `<key>-only` in this one only."""
    folder.mkdir(parents=True)
    low = mark.lower()
    own_person, own_service = f"{key}-1006", f"{key.lower()}-only"
    unit_a, unit_b = f"Directie {mark} / Team {mark} Regie", f"Directie {mark} / Team {mark} Beheer"
    # One row of each file per line, as in the file.
    # fmt: off
    _csv(
        folder / "competences.csv",
        ["code", "name", "framework", "area", "description", "retired"],
        [[c, n, f, a, "", "false"] for c, n, f, a in COMPETENCES],
    )
    _csv(
        folder / "people.csv",
        ["employee_number", "name", "email", "org_unit", "job_title", "start_date", "leave_date"],
        [
            ["1001", f"{mark} Anna Een", f"anna.{low}@example.org", unit_a, f"{mark} regisseur",
             "2019-01-01", ""],
            ["1002", f"{mark} Bram Twee", f"bram.{low}@example.org", unit_a, f"{mark} beheerder",
             "2018-01-01", day(20)],
            ["1003", f"{mark} Cees Drie", f"cees.{low}@example.org", unit_b, f"{mark} adviseur",
             "2020-01-01", ""],
            ["1004", f"{mark} Dora Vier", f"dora.{low}@example.org", unit_b, f"{mark} architect",
             "2021-01-01", day(100)],
            ["1005", f"{mark} Eva Vijf", "", unit_b, f"{mark} medewerker", "2022-01-01", ""],
            [own_person, f"{mark} Fleur Zes", f"fleur.{low}@example.org", unit_a,
             f"{mark} specialist", "2023-01-01", day(45)],
        ],
    )
    _csv(
        folder / "services.csv",
        ["code", "name", "provider", "criticality", "status", "contract_start", "contract_end",
         "owner", "description"],
        [
            ["s01", f"{mark} Zaaksysteem", PROVIDERS[0], "critical", "active", "2023-01-01",
             day(60), "1001", f"{mark} beschrijving zaaksysteem"],
            ["s02", f"{mark} Website", PROVIDERS[1], "high", "active", "2022-01-01", "",
             "1003", f"{mark} beschrijving website"],
            ["s03", f"{mark} Portaal", PROVIDERS[0], "medium", "planned", "", "", "",
             f"{mark} beschrijving portaal"],
            [own_service, f"{mark} Eigen dienst", PROVIDERS[1], "low", "active", "", day(30),
             own_person, f"{mark} beschrijving eigen dienst"],
        ],
    )
    _csv(
        folder / "requirements.csv",
        ["service", "competence", "required_level", "min_holders", "rationale"],
        [
            ["s01", "C-01", "3", "2", f"{mark} reden een"],
            ["s01", "C-02", "3", "1", f"{mark} reden twee"],
            ["s02", "C-02", "3", "1", f"{mark} reden drie"],
            ["s02", "C-03", "4", "2", f"{mark} reden vier"],
            ["s03", "C-01", "2", "1", f"{mark} reden vijf"],
            [own_service, "C-04", "3", "1", f"{mark} reden zes"],
        ],
    )
    _csv(
        folder / "assignments.csv",
        ["employee_number", "service", "role", "start_on", "end_on"],
        [
            ["1001", "s01", f"{mark} contractmanager", "2023-01-01", ""],
            ["1002", "s01", f"{mark} back-up", "2023-01-01", ""],
            ["1003", "s01", f"{mark} adviseur", "2023-01-01", day(50)],
            ["1003", "s02", f"{mark} beheerder", "2022-01-01", ""],
            ["1004", "s02", f"{mark} architect", "2022-01-01", ""],
            ["1005", "s03", f"{mark} medewerker", "", ""],
            [own_person, own_service, f"{mark} specialist", "", ""],
        ],
    )
    _csv(
        folder / "holdings.csv",
        ["employee_number", "competence", "level", "assessed_on", "expires_on", "assessed_by",
         "evidence"],
        [
            ["1001", "C-01", "4", "2024-01-01", "", f"{mark} assessor", f"{mark} bewijs een"],
            ["1002", "C-01", "3", "2024-01-01", "", f"{mark} assessor", f"{mark} bewijs twee"],
            ["1003", "C-02", "3", "2024-01-01", day(40), f"{mark} assessor",
             f"{mark} bewijs drie"],
            ["1004", "C-03", "4", "2024-01-01", "", f"{mark} assessor", f"{mark} bewijs vier"],
            ["1005", "C-01", "1", "2024-01-01", "", f"{mark} assessor", f"{mark} bewijs vijf"],
            [own_person, "C-04", "3", "2024-01-01", day(35), f"{mark} assessor",
             f"{mark} bewijs zes"],
        ],
    )
    # fmt: on


@dataclass
class World:
    a: Organisation
    b: Organisation
    users_a: dict[str, User]
    users_b: dict[str, User]
    folder: Path


def _members(organisation: Organisation, mark: str) -> dict[str, User]:
    """One account per role, a member of `organisation` only (the role setter gives the role
    in the organisation acted in)."""
    made = {}
    low = mark.lower()
    with tenancy.acting_in(tenancy.Scope(organisation.id, several=True)):
        for role in ROLES:
            made[role] = factories.make_user(
                role=role,
                password=PASSWORD,
                email=f"{role}.{low}@example.org",
                name=f"{mark} {role.title()}",
                digest_opt_in=role == "manager",
            )
    for user in made.values():
        assert [(m.organisation_id, m.role) for m in user.memberships] == [
            (organisation.id, user_role(user))
        ]
    return made


def user_role(user: User) -> str:
    return user.email.split(".", 1)[0]


def _ok(result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def fill(runner, folder: Path, inbox=None) -> World:
    """Organisations A and B, their members, their records (imported), mitigations, an
    attestation and status snapshots each; B's digests sent when `inbox` is given."""
    actor = audit.Actor.system("test")
    a = organisation_services.create(actor, CODE_A, NAME_A)
    b = organisation_services.create(actor, CODE_B, NAME_B)
    db.session.commit()
    users_a, users_b = _members(a, MARK_A), _members(b, MARK_B)
    db.session.commit()
    for organisation, mark, key in ((a, MARK_A, KEY_A), (b, MARK_B, KEY_B)):
        source = folder / organisation.code
        write_interchange(source, mark, key)
        _ok(runner.invoke(args=["import", "--organisation", organisation.code, str(source)]))
    for organisation, mark in ((a, MARK_A), (b, MARK_B)):
        with tenancy.acting_in(tenancy.Scope(organisation.id, several=True)):
            reqs = {
                (r.service.code, r.competence.code): r
                for r in db.session.scalars(select(Requirement))
            }
            owner = db.session.scalar(select(Person).where(Person.employee_number == "1001"))
            mitigation_services.create_mitigation(
                actor,
                reqs["s01", "C-01"],
                kind="training",
                owner_id=owner.id,
                due_on=TODAY - timedelta(days=5),
                status="open",
                note=f"{mark} opleiding gepland",
            )
            mitigation_services.create_mitigation(
                actor,
                reqs["s02", "C-03"],
                kind="accept_risk",
                owner_id=owner.id,
                status="open",
                note=f"{mark} risico aanvaard",
                risk_expires_on=TODAY + timedelta(days=30),
            )
        db.session.commit()
    for organisation, mark, users in ((a, MARK_A, users_a), (b, MARK_B, users_b)):
        code = organisation.code
        _ok(runner.invoke(args=["snapshot", "--organisation", code, "--as-of", day(-7)]))
        _ok(runner.invoke(args=["snapshot", "--organisation", code]))
        # The command line as one types it.
        # fmt: off
        _ok(
            runner.invoke(
                args=[
                    "attest", "create", "--organisation", code, "--as-of", day(0),
                    "--horizon", "90", "--statement", f"{mark} verklaring",
                    "--by", users["auditor"].email,
                ]
            )
        )
        # fmt: on
    # B's accounts have tokens too (their names hold B's addresses).
    for user in users_b.values():
        make_token(user, "read")
    if inbox is not None:
        _ok(runner.invoke(args=["notify", "--organisation", CODE_B]))
        assert inbox.messages, "B's digests were sent"
        inbox.messages.clear()
    db.session.commit()
    return World(a, b, users_a, users_b, folder)


# --- finding B in what A gets ----------------------------------------------------------------


def texts(name: str, data: bytes, depth: int = 0):
    """(name, text) of a response body; a ZIP (also an XLSX) gives every member, unpacked."""
    if data[:4] == b"PK\x03\x04" and depth < 3:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from texts(f"{name}!{member}", archive.read(member), depth + 1)
        return
    yield name, data.decode("utf-8", errors="replace")


def b_secrets_in(name: str, data: bytes) -> list[str]:
    """Where B's marker, keys or name appear in `data` (with some context)."""
    found = []
    for where, text in texts(name, data):
        lowered = text.lower()
        for secret in B_SECRETS:
            at = lowered.find(secret)
            if at >= 0:
                found.append(f"{where}: …{text[max(0, at - 80) : at + 60]!r}…")
    return found


def members_of_zip(data: bytes) -> int:
    return sum(1 for _ in texts("", data)) if data[:4] == b"PK\x03\x04" else 0


# --- the crawler -----------------------------------------------------------------------------


@dataclass
class Form:
    action: str | None
    method: str
    fields: list = field(default_factory=list)  # (kind, name, value, checked/options)


class Links(HTMLParser):
    """The a[href] links and the forms (with their fields) of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("action"), (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            self._form.fields.append((kind, a["name"], a.get("value", ""), "checked" in a))
        elif tag == "button" and a.get("name"):
            kind = (a.get("type") or "submit").lower()
            self._form.fields.append((f"button-{kind}", a["name"], a.get("value", ""), False))
        elif tag == "select" and a.get("name") and "disabled" not in a:
            self._select = ["select", a["name"], [], "multiple" in a]
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select[2].append((a.get("value"), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = ["textarea", a["name"], "", False]
            self._form.fields.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data
        elif self._select is not None and self._select[2] and self._select[2][-1][0] is None:
            value, selected = self._select[2][-1]
            self._select[2][-1] = (data.strip(), selected)


def form_submissions(form: Form) -> list[list[tuple[str, str]]]:
    """The form submitted with its default values, and once for every other option of each
    of its selects and radio groups (the others at their defaults)."""
    defaults: list[tuple[str, str]] = []
    variants: list[tuple[str, list[str]]] = []
    radios: dict[str, list[tuple[str, bool]]] = {}
    submitted_button = False
    for kind, name, value, extra in form.fields:
        if kind == "select":
            options = [(v if v is not None else "", s) for v, s in value]
            chosen = [v for v, s in options if s] or [v for v, _ in options[:1]]
            if not extra:
                chosen = chosen[:1]
            defaults += [(name, v) for v in chosen]
            variants.append((name, [v for v, _ in options if v not in chosen]))
        elif kind == "radio":
            radios.setdefault(name, []).append((value or "on", extra))
        elif kind == "checkbox":
            if extra:
                defaults.append((name, value or "on"))
            else:
                variants.append((name, [value or "on"]))
        elif kind in ("submit", "button-submit", "image"):
            if not submitted_button:  # the first submit button is the one pressed
                defaults.append((name, value))
                submitted_button = True
        elif kind in ("button-button", "button-reset", "reset", "button", "file"):
            continue
        elif kind == "textarea":
            defaults.append((name, value.strip("\n")))
        else:
            defaults.append((name, value))
    for name, options in radios.items():
        chosen = [v for v, checked in options if checked][:1]
        defaults += [(name, v) for v in chosen]
        variants.append((name, [v for v, _ in options if v not in chosen]))
    submissions = [defaults]
    for name, others in variants:
        for other in others:
            varied = [(n, v) for n, v in defaults if n != name] + [(name, other)]
            submissions.append(varied)
    return submissions


SKIP_PREFIXES = ("/static/", "/logout", "/login", "/two-factor", "/api/v1/openapi.json")
# Query parameters whose every value would make the crawl endless without adding anything the
# other pages do not show: the peildatum is kept at a few values (today, one given day).
PEILDATUM = ("as_of", "horizon")


def normalise(url: str, base: str) -> str | None:
    """The crawl's key of a link: same site only, no fragment, sorted query."""
    joined = urljoin(base, url)
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or parts.netloc not in ("localhost", ""):
        return None
    path = parts.path or "/"
    if any(path.startswith(prefix) for prefix in SKIP_PREFIXES):
        return None
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return path + ("?" + urlencode(query) if query else "")


@dataclass
class Walk:
    role: str
    pages: int = 0
    downloads: int = 0
    files: int = 0  # members of downloaded archives
    statuses: Counter = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    truncated: bool = False


DOWNLOAD_TYPES = (
    "text/csv",
    "application/zip",
    "application/vnd.openxmlformats",
    "application/json",
    "application/x-ndjson",
    "text/plain",
)


def crawl(client, role: str, limit: int = CRAWL_LIMIT) -> Walk:
    """Breadth-first from "/": every same-site link and GET form, each URL once."""
    walk = Walk(role)
    queue = deque(["/"])
    seen = {"/"}
    peildatum_values: dict[str, set[str]] = {}

    def enqueue(url: str | None):
        if url is None or url in seen:
            return
        query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        for name in PEILDATUM:
            if name in query:
                values = peildatum_values.setdefault(name, set())
                if query[name] not in values and len(values) >= 3:
                    return
                values.add(query[name])
        seen.add(url)
        queue.append(url)

    while queue:
        if walk.pages >= limit:
            walk.truncated = True
            break
        url = queue.popleft()
        response = client.get(url)
        walk.pages += 1
        walk.statuses[response.status_code] += 1
        if response.status_code >= 500:
            walk.errors.append(f"{response.status_code} {url}")
        data = response.get_data()
        leaks = b_secrets_in(url, data)
        walk.leaks += [f"{role} GET {leak}" for leak in leaks]
        mimetype = response.mimetype or ""
        if response.status_code in (301, 302, 303, 307, 308):
            enqueue(normalise(response.headers["Location"], "http://localhost" + url))
            continue
        if mimetype != "text/html":
            walk.downloads += 1
            walk.files += members_of_zip(data)
            continue
        page = Links()
        page.feed(response.get_data(as_text=True))
        base = "http://localhost" + url
        for link in page.links:
            enqueue(normalise(link, base))
        for form in page.forms:
            if form.method != "get":
                continue
            action = form.action if form.action is not None else url.split("?")[0]
            target = urljoin(base, action).split("?")[0]
            for values in form_submissions(form):
                enqueue(normalise(target + ("?" + urlencode(values) if values else ""), base))
    return walk


# --- fixtures ----------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, envelope.content, message))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_FROM="Kennisborg <kennisborg@regio.example>",
        DIGEST_BASE_URL="https://kennisborg.example.nl",
    )
    yield handler
    controller.stop()


@pytest.fixture
def world(app, runner, tmp_path, inbox) -> World:
    app.config.update(TRANSFER_EXPORT_FOLDER=str(tmp_path / "exports"), TRANSFER_EXPORT_WAIT=None)
    return fill(runner, tmp_path, inbox)


def client_of(app, user):
    client = app.test_client()
    login(client, user)
    return client


# --- 2. the crawl ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_no_page_a_member_of_a_reaches_shows_anything_of_b(app, world, role):
    client = client_of(app, world.users_a[role])
    walk = crawl(client, role)
    print(
        f"\ncrawl {role}: {walk.pages} pages ({walk.downloads} downloads, {walk.files} files "
        f"in archives), statuses {dict(sorted(walk.statuses.items()))}"
        + (" TRUNCATED" if walk.truncated else "")
    )
    assert walk.pages > 20  # the walk got past the home page
    assert walk.errors == []
    assert walk.leaks == [], "\n".join(walk.leaks[:40])
