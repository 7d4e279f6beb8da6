"""`registry notify`: a real SMTP server (aiosmtpd) runs in-process on 127.0.0.1 and a free
port; the tests read what it received. Each service owner gets one digest (plain text and
HTML, Dutch by default), users who opted in get one too, a second run on the same day sends
nothing, and a dry run sends and writes nothing."""

import socket
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from registry.audit.models.audit import AuditEvent
from registry.catalogue.models.services import Service
from registry.core.extensions import db
from registry.digests.models import DigestLog
from registry.mitigations.models import Mitigation
from registry.people.models.staff import Person
from tests import factories

D = date(2025, 6, 2)


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()  # returns once the server accepts connections
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_FROM="Kennisborg <kennisborg@voorbeeldstad.example>",
        DIGEST_BASE_URL="https://kennisborg.example.nl",
    )
    yield handler
    controller.stop()


@pytest.fixture
def registry(app):
    """Two owners: Olga owns zaak (CM falls short on 2025-07-01 when Bram leaves; contract
    ends within the horizon) and web (an overdue mitigation); Piet owns portal (unassigned;
    its contract ended yesterday). An owner without e-mail and the owner of a retired service
    get nothing; a manager who opted in gets a digest of everything."""
    olga = factories.make_person(name="Olga Owner", email="Olga@Example.org")
    piet = factories.make_person(name="Piet Owner", email="piet@example.org")
    nomail = factories.make_person(name="No Mail")
    retired_owner = factories.make_person(name="Retired Owner", email="old@example.org")
    zaak = factories.make_service(
        code="zaak", name="Zaaksysteem", owner=olga, contract_end=date(2025, 8, 1)
    )
    web = factories.make_service(code="web", name="Website", owner=olga)
    portal = factories.make_service(
        code="portal", name="Portaal", owner=piet, contract_end=date(2025, 6, 1)
    )
    factories.make_service(code="other", name="Other", owner=nomail)
    factories.make_service(code="gone", name="Gone", owner=retired_owner, status="retired")
    cm = factories.make_competence(code="CM", name="Contractmanagement")
    anna = factories.make_person(name="Anna")
    bram = factories.make_person(name="Bram", leave_date=date(2025, 7, 1))
    for person in (anna, bram):
        factories.make_assignment(person, zaak)
        factories.make_holding(person, cm, level=3)
    factories.make_requirement(zaak, cm, required_level=3, min_holders=2)
    web_req = factories.make_requirement(web, cm, required_level=3, min_holders=1)
    factories.make_requirement(portal, cm, required_level=3, min_holders=1)
    db.session.add(
        Mitigation(requirement=web_req, kind="training", owner=anna, due_on=date(2025, 5, 1))
    )
    factories.make_user(role="manager", email="manager@example.org", digest_opt_in=True)
    factories.make_user(role="editor", email="quiet@example.org")  # not opted in
    db.session.commit()


def notify(runner, *args, day=D):
    result = runner.invoke(args=["notify", "--as-of", day.isoformat(), *args])
    return result


def _parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_each_owner_gets_one_digest_and_a_second_run_sends_none(runner, registry, inbox):
    result = notify(runner)
    assert result.exit_code == 0, result.output
    assert "Sent 3 digest(s)" in result.output
    recipients = sorted(r for rcpt, _m in inbox.messages for r in rcpt)
    assert recipients == ["manager@example.org", "olga@example.org", "piet@example.org"]

    (olga,) = inbox.to("olga@example.org")
    assert olga["To"] == "Olga Owner <olga@example.org>"
    assert olga["From"] == "Kennisborg <kennisborg@voorbeeldstad.example>"
    assert olga["Content-Language"] == "nl"  # Dutch by default
    text, html = _parts(olga)
    assert olga["Subject"] == "Kennisborg: dagelijks overzicht van 2025-06-02"
    assert "Nieuwe lacunes sinds uw vorige overzicht" in text and "Bram vertrekt" in text
    assert "Zaaksysteem" in text and "Website" in text and "Portaal" not in text
    assert "1 jul 2025: Zaaksysteem" in text and "Bram" in text  # the shortfall, its cause and date
    assert "https://kennisborg.example.nl/services/zaak#forecast-CM" in text
    assert "opleiding (Anna)" in text  # the overdue mitigation, its kind and owner
    assert "1 aug 2025: Zaaksysteem" in text  # the contract ending
    assert html.startswith("<!DOCTYPE html>") and "<h2>" in html and "Bram" in html

    (piet,) = inbox.to("piet@example.org")
    text, _html = _parts(piet)
    assert "Portaal" in text
    assert "1 jun 2025" not in text  # an ended contract is not "ending"

    (manager,) = inbox.to("manager@example.org")
    text, _html = _parts(manager)
    assert "Zaaksysteem" in text and "Portaal" in text  # no services of their own: all

    log = db.session.execute(select(DigestLog).order_by(DigestLog.recipient)).scalars().all()
    assert [(e.recipient, e.day) for e in log] == [
        ("manager@example.org", D),
        ("olga@example.org", D),
        ("piet@example.org", D),
    ]
    assert all(len(e.content_digest) == 64 for e in log)
    events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "digest")
    )
    assert events == 3

    again = notify(runner)
    assert again.exit_code == 0, again.output
    assert "No digests to send" in again.output and "3 already sent today" in again.output
    assert len(inbox.messages) == 3


def test_the_next_day_reports_only_new_gaps(runner, registry, inbox):
    assert notify(runner).exit_code == 0
    inbox.messages.clear()
    assert notify(runner, day=date(2025, 6, 3)).exit_code == 0
    (olga,) = inbox.to("olga@example.org")
    text, _html = _parts(olga)
    assert "Nieuwe lacunes" not in text  # the gaps are the same as yesterday
    assert "Tekorten binnen de horizon" in text  # the other sections are still there
    assert olga["Subject"] == "Kennisborg: dagelijks overzicht van 2025-06-03"


def test_a_dry_run_prints_and_sends_and_writes_nothing(runner, registry, inbox):
    result = notify(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "--- To: olga@example.org (nl)" in result.output
    assert "3 digest(s) would be sent" in result.output
    assert inbox.messages == []
    assert db.session.scalar(select(func.count()).select_from(DigestLog)) == 0


def test_without_smtp_settings_nothing_is_sent_or_written(runner, registry, app):
    app.config.update(SMTP_HOST=None)
    result = notify(runner)
    assert result.exit_code == 1
    assert "REGISTRY_SMTP_HOST is not set" in result.output
    assert db.session.scalar(select(func.count()).select_from(DigestLog)) == 0


def test_expiring_assessments_are_those_an_analysed_requirement_needs(runner, registry, inbox):
    """An assessment that expires within the horizon is listed when a requirement the analysis
    covers needs it; one of a retired competence is not."""
    zaak = db.session.scalar(select(Service).where(Service.code == "zaak"))
    anna = db.session.scalar(select(Person).where(Person.name == "Anna"))
    for code, name, retired in (("ARCH", "Archiefbeheer", False), ("OUD", "Oude kennis", True)):
        competence = factories.make_competence(code=code, name=name, retired=retired)
        factories.make_requirement(zaak, competence, required_level=2, min_holders=1)
        factories.make_holding(anna, competence, level=3, expires_on=date(2025, 6, 20))
    db.session.commit()
    result = notify(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Archiefbeheer" in result.output
    assert "Oude kennis" not in result.output


def test_names_with_line_breaks_are_sent_on_one_header_line(runner, registry, inbox):
    """A name with CR/LF (typed or imported) used to make `message()` raise for the To header
    and the whole run send nothing; no header line can be forged through it either."""
    olga = db.session.scalar(select(Person).where(Person.name == "Olga Owner"))
    olga.name = "Olga\r\nBcc: evil@example.org\r\nOwner"
    zaak = db.session.scalar(select(Service).where(Service.code == "zaak"))
    zaak.name = "Zaak\r\nsysteem"
    db.session.commit()
    result = notify(runner)
    assert result.exit_code == 0, result.output
    assert "Sent 3 digest(s)" in result.output
    (message,) = inbox.to("olga@example.org")
    assert message["To"] == '"Olga Bcc: evil@example.org Owner" <olga@example.org>'
    assert message["Bcc"] is None
    assert sorted(r for rcpt, _m in inbox.messages for r in rcpt) == [
        "manager@example.org",
        "olga@example.org",
        "piet@example.org",
    ]
