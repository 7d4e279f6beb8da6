"""Every download states inside the file the as-of date, the horizon, when it was made and the
audit head it was made at; the data columns stay exactly as they were, so files still import."""

import csv
import io
import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from registry.audit.services import audit
from registry.core import provenance as prov
from registry.core.extensions import db
from tests import factories

D = date(2025, 6, 30)
HEAD = re.compile(r"^\d+:[0-9a-f]{64}$")
MADE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def data(app):
    service = factories.make_service(code="loket")
    factories.make_requirement(service)
    db.session.commit()


def _head() -> str:
    count, digest = audit.recorded_head()
    return f"{count}:{digest}"


def test_gap_csv_has_a_dated_preamble_and_the_same_columns(client_as, data):
    client = client_as("auditor")
    response = client.get("/reports/gaps.csv", query_string={"as_of": D, "horizon": 30})
    head = _head()
    text = response.data.decode("utf-8-sig")
    meta = prov.read_preamble(text)
    assert meta["as_of"] == "2025-06-30" and meta["horizon_days"] == "30"
    assert meta["horizon_end"] == "2025-07-30"
    assert MADE.match(meta["made_at_utc"]) and meta["audit_head"] == head
    rows = list(csv.reader(io.StringIO(prov.strip_preamble(text))))
    # DESIGN's gap columns, then open mitigations, risk accepted until, first short on
    assert len(rows[0]) == 19 and rows[0][0] in ("Code dienst", "Service code")
    assert rows[1][0] == "loket"


def test_gap_xlsx_has_a_verantwoording_sheet(client_as, data):
    client = client_as("manager")
    response = client.get("/reports/gaps.xlsx", query_string={"as_of": D, "horizon": 30})
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[-1] == "Verantwoording"
    values = {row[0]: row[1] for row in book["Verantwoording"].iter_rows(values_only=True)}
    assert values["as_of"] == "2025-06-30" and values["horizon_days"] == "30"
    assert HEAD.match(values["audit_head"]) and MADE.match(values["made_at_utc"])
    first = book[book.sheetnames[0]]
    assert next(first.iter_rows(min_row=2, values_only=True))[0] == "loket"


def test_audit_csv_is_dated_with_its_filters(client_as, data):
    client = client_as("auditor")
    text = client.get("/audit/export.csv?action=create").data.decode("utf-8-sig")
    meta = prov.read_preamble(text)
    assert HEAD.match(meta["audit_head"]) and meta["filter_action"] == "create"
    header = next(csv.reader(io.StringIO(prov.strip_preamble(text))))
    assert header[:3] == ["seq", "at_utc", "at_local"]


def test_auditors_read_the_access_review_and_its_dated_csv(client_as, users):
    auditor = client_as("auditor")
    page = auditor.get("/users/review")
    assert page.status_code == 200
    assert f'data-email="{users["editor"].email}"' in page.get_data(as_text=True)
    text = auditor.get("/users/review.csv").data.decode("utf-8-sig")
    meta = prov.read_preamble(text)
    assert meta["export"] == "access review" and HEAD.match(meta["audit_head"])
    assert meta["made_by"] == users["auditor"].email
    rows = list(csv.DictReader(io.StringIO(prov.strip_preamble(text))))
    assert {r["email"] for r in rows} == {u.email for u in users.values()}
    # read-only: the account pages stay closed to auditors
    assert auditor.get("/users/").status_code == 403
    assert auditor.get(f"/users/{users['editor'].id}").status_code == 403


def test_interchange_zip_has_a_readme_and_still_imports(client_as, runner, data, tmp_path):
    response = client_as("editor").get("/transfer/export.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        readme = archive.read("README.txt").decode()
        archive.extractall(tmp_path / "export")
    assert "audit_head" in readme and _head() in readme
    assert "made_at_utc" in readme and "services.csv" in readme
    result = runner.invoke(args=["import", str(tmp_path / "export"), "--dry-run"])
    assert result.exit_code == 0, result.output


def test_one_function_makes_every_preamble(app):
    stamp = prov.Provenance(
        "forecast",
        made_at=datetime(2026, 1, 2, 3, 4, 5),
        audit_head="0:" + "0" * 64,
        as_of=D,
        horizon=365,
    )
    text = prov.csv_preamble(stamp) + "service,competence\r\nloket,CM\r\n"
    assert prov.read_preamble(text) == {
        "export": "forecast",
        "as_of": "2025-06-30",
        "horizon_days": "365",
        "horizon_end": "2026-06-30",
        "made_at_utc": "2026-01-02T03:04:05Z",
        "audit_head": "0:" + "0" * 64,
    }
    assert prov.strip_preamble("\ufeff" + text) == "\ufeffservice,competence\r\nloket,CM\r\n"


def test_a_filter_value_is_one_preamble_line_that_never_starts_a_formula(client_as, data):
    """A filter with CR/LF used to write a live formula line and a forged `# audit_head` line
    into the preamble; a comma in it used to start a cell of its own with a formula."""
    forged = 'x\r\n=HYPERLINK("http://evil.example")\n# audit_head: 1:forged,=1+1'
    text = client_as("auditor").get("/audit/export.csv", query_string={"entity_id": forged})
    text = text.data.decode("utf-8-sig")
    preamble = text[: len(text) - len(prov.strip_preamble(text).lstrip("\ufeff"))]
    lines = preamble.splitlines()
    assert all(line.startswith("# ") for line in lines)
    (head,) = [line for line in lines if line.startswith("# audit_head")]
    assert HEAD.match(head.removeprefix("# audit_head: "))
    (line,) = [line for line in lines if line.startswith("# filter_entity_id")]
    assert line == (
        '# filter_entity_id: x\\r\\n=HYPERLINK("http://evil.example")\\n'
        "# audit_head: 1:forged,'=1+1"
    )
    cells = [cell for row in csv.reader(io.StringIO(preamble)) for cell in row]
    assert not [cell for cell in cells if cell.lstrip(' "').startswith(("=", "+", "-", "@"))]
