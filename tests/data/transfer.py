"""Interchange files, uploads and workbooks the import tests share."""

import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from registry.audit.models.audit import AuditEvent
from registry.audit.services import audit
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Requirement, Service
from registry.core.extensions import db
from registry.people.models.holdings import Assignment, Holding
from registry.people.models.staff import OrgUnit, Person
from registry.transfer.services import interchange

DATA = Path(__file__).parent / "interchange"
ACTOR = audit.Actor.system("test")

FILES = {
    "competences.csv": "code,name,framework\nCM,Contractmanagement,e-CF\nSLA,SLA-monitoring,e-CF\n",
    "people.csv": "employee_number,name,email,org_unit,start_date\n"
    "E1,Anna de Vries,anna@example.org,Directie A / Afdeling B,2020-01-01\n"
    "E2,Bram Bakker,,Directie A,2021-03-01\n",
    "services.csv": "code,name,provider,criticality,status,owner\n"
    "zaaksysteem,Zaaksysteem,Dimpact,high,active,E1\n",
    "requirements.csv": "service,competence,required_level,min_holders\nzaaksysteem,CM,3,2\n"
    "zaaksysteem,SLA,2,1\n",
    "assignments.csv": "employee_number,service,role,start_on\n"
    "E1,zaaksysteem,contractmanager,2022-01-01\n",
    "holdings.csv": "employee_number,competence,level,assessed_on\nE1,CM,4,2024-05-01\n"
    "E2,SLA,3,2024-06-01\n",
}
MODELS = (
    Competence,
    Framework,
    Person,
    OrgUnit,
    Service,
    Provider,
    Requirement,
    Assignment,
    Holding,
    AuditEvent,
)


def _counts() -> dict[str, int]:
    db.session.rollback()
    return {
        m.__name__: db.session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in MODELS
    }


def _zip(files: dict[str, str], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(folder + name, content)
    return buffer.getvalue()


def _upload(client, files: dict[str, str | bytes]):
    data = {
        "files": [
            (io.BytesIO(c.encode() if isinstance(c, str) else c), name) for name, c in files.items()
        ]
    }
    return client.post("/transfer/upload", data=data, content_type="multipart/form-data")


def _preview(client, files):
    """Upload and follow to the preview; returns (token, html)."""
    response = _upload(client, files)
    assert response.status_code == 302, response.get_data(as_text=True)
    token = re.fullmatch(r"/transfer/preview/([\w-]+)", response.headers["Location"]).group(1)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return token, page.get_data(as_text=True)


def _counts_shown(html: str) -> dict[str, tuple[int, int, int]]:
    return {
        name: (int(c), int(u), int(n))
        for name, c, u, n in re.findall(
            r'data-file="([\w.]+)" data-create="(\d+)" data-update="(\d+)" data-unchanged="(\d+)"',
            html,
        )
    }


def run_import(files: dict[str, bytes]) -> interchange.ImportPlan:
    plan = interchange.plan_import(files)
    assert plan.ok, [str(p) for p in plan.problems]
    interchange.apply_import(ACTOR, plan)
    db.session.commit()
    return plan


def sheets(**rows_by_sheet) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in rows_by_sheet.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
