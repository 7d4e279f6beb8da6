"""Dated exports: the one place that says what state a downloaded file was made at.

Every download calls `stamp(...)` and then one of the writers below, so the file itself
carries the as-of date, the horizon, the time of making and the audit head `N:HASH`:

- `dated_csv(header, rows, stamp)`: CSV bytes with a `#` preamble (see
  `registry.core.provenance`), the columns unchanged;
- `dated_xlsx(header, rows, stamp, title)`: XLSX with a sheet "Verantwoording";
- `readme(stamp, files, notes)`: the README.txt text for a ZIP.
"""

from datetime import date

from registry.audit.rules import audit_chain
from registry.audit.services import audit
from registry.core import provenance
from registry.core.models import utcnow
from registry.core.provenance import Provenance
from registry.core.spreadsheet import generate_csv, generate_xlsx


def stamp(
    title: str,
    as_of: date | None = None,
    horizon: int | None = None,
    made_by: str | None = None,
    details=(),
) -> Provenance:
    """The provenance of a file made now: the audit head as the database records it.
    `details` are further (key, value) pairs, e.g. the filters applied."""
    count, digest = audit.recorded_head()
    return Provenance(
        title=title,
        made_at=utcnow().replace(microsecond=0),
        audit_head=audit_chain.head_text(count, digest),
        as_of=as_of,
        horizon=horizon,
        made_by=made_by,
        details=tuple((str(k), str(v)) for k, v in details if v not in (None, "", ())),
    )


def dated_csv(header, rows, prov: Provenance) -> bytes:
    """A CSV export (UTF-8 with BOM) whose first lines are the `#` preamble."""
    body = generate_csv(header, rows)  # starts with the BOM
    bom = "\ufeff".encode()
    return bom + provenance.csv_preamble(prov).encode() + body[len(bom) :]


def dated_xlsx(header, rows, prov: Provenance, title: str = "Export") -> bytes:
    """An XLSX export with the data sheet first and the sheet "Verantwoording" after it."""
    return generate_xlsx(
        header,
        rows,
        title=title,
        extra_sheets=[(provenance.SHEET_TITLE, provenance.sheet_rows(prov))],
    )


def readme(prov: Provenance, files=(), notes: str = "") -> str:
    """The README.txt of a ZIP export."""
    return provenance.readme(prov, files, notes)
