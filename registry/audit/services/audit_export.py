"""Independent verification of the audit log: the JSON-lines export, and anchors (heads kept
outside the database, in a file and/or mailed to the auditors).

The export holds, per event, exactly what the hash covers (see docs/AUDIT.md): the chained
fields, the before/after texts the payload digest is computed from, and prev_hash/hash.
"""

import json
import smtplib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from registry.audit.models.audit import AuditEvent
from registry.audit.rules import audit_chain
from registry.audit.services import audit
from registry.core.extensions import db
from registry.core.models import utcnow

# The fields of one exported event, in this order: the chained fields, then the payload,
# then the chaining.
EXPORT_FIELDS = (*audit_chain.CHAINED_FIELDS, "before", "after", "prev_hash", "hash")


def export_lines() -> Iterator[str]:
    """Every event as one line of JSON (with its newline), in seq order, streamed."""
    rows = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    ).scalars()
    for ev in rows:
        fields: Mapping[str, object] = audit.event_fields(ev)
        record = {name: fields[name] for name in EXPORT_FIELDS}
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_export(path: Path) -> int:
    """Write the JSON-lines export to `path`; returns the number of events."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in export_lines():
            handle.write(line)
            count += 1
    return count


# --- anchors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A head noted outside the database, with when it was noted."""

    at: str
    head: str


def anchor_line(anchor: Anchor) -> str:
    """One line of an anchor file: `<UTC time> <N:HASH>`."""
    return f"{anchor.at} {anchor.head}\n"


def current_anchor() -> Anchor:
    """The head the chain verifies to now (so a broken chain is never anchored)."""
    result = audit.verify_chain()
    if not result.ok:
        raise ValueError(result.message)
    return Anchor(utcnow().replace(microsecond=0).isoformat() + "Z", result.head_text)


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append the anchor to `path` (created when missing); earlier lines are left alone."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(anchor_line(anchor))


def read_anchors(path: Path) -> tuple[list[tuple[int, str]], list[str]]:
    """The heads in an anchor file, and a `file:line: message` per line that is not one.
    Blank lines and lines starting with # are skipped; the head is a line's last word."""
    heads, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        head = audit_chain.parse_head(text.split()[-1])
        if head is None:
            problems.append(f"{path}:{number}: not an anchor line (<time> N:HASH)")
        else:
            heads.append(head)
    return heads, problems


class MailNotConfigured(RuntimeError):
    """REGISTRY_SMTP_HOST or REGISTRY_AUDIT_ANCHOR_TO is missing."""


def mail_anchor(anchor: Anchor) -> str:
    """Mail the anchor to the auditors' address (REGISTRY_AUDIT_ANCHOR_TO) through the
    configured SMTP server (REGISTRY_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, _FROM).
    Returns the address it was sent to."""
    config = current_app.config
    host, to = config.get("SMTP_HOST"), config.get("AUDIT_ANCHOR_TO")
    if not host or not to:
        raise MailNotConfigured(
            "set REGISTRY_SMTP_HOST and REGISTRY_AUDIT_ANCHOR_TO to mail anchors"
        )
    message = EmailMessage()
    message["Subject"] = f"Kennisborg audit anchor {anchor.head.split(':')[0]}"
    message["From"] = config.get("SMTP_FROM") or "kennisborg@localhost"
    message["To"] = to
    message.set_content(
        "The head of the Kennisborg audit chain, noted outside the database.\n"
        "Keep this mail: `registry audit verify --anchors FILE` with this line in FILE fails\n"
        "if events up to this head were later removed or rewritten.\n\n" + anchor_line(anchor)
    )
    port = int(config.get("SMTP_PORT") or 25)
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        if _true(config.get("SMTP_STARTTLS")):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
    return to


def _true(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
