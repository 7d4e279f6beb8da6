"""The demo municipality, Gemeente Voorbeeldstad, loaded through the ordinary importer.

The data lives in `registry/demo_data/`: the interchange files of `voorbeeldstad/` (with
realistic gaps: departures within the horizon, a service nobody can commission, a contract
ending; competences with English names and descriptions) and `catalogue.json`, which adds what
the interchange format does not carry: the frameworks' keys, descriptions, English names and
descriptions and level labels, and the kind of each provider. Those are created first; the CSV
files then go through `plan_import`/`apply_import` like any import, so every record has its
audit event.
"""

import json
import secrets
from importlib import resources

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from registry.accounts.models.users import User
from registry.accounts.services import users
from registry.audit.services import audit
from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.models.services import Provider, Service
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.people.models.staff import Person
from registry.reports.services import trend
from registry.transfer.services import interchange

# One account per role; the names say what they are.
ACCOUNTS = (
    ("admin", "beheerder@voorbeeldstad.example", "Demo beheerder"),
    ("editor", "redacteur@voorbeeldstad.example", "Demo redacteur"),
    ("manager", "manager@voorbeeldstad.example", "Demo manager"),
    ("auditor", "auditor@voorbeeldstad.example", "Demo auditor"),
)


def _data():
    return resources.files("registry") / "demo_data"


def demo_files() -> dict[str, bytes]:
    """The demo's interchange files by name."""
    folder = _data() / "voorbeeldstad"
    return {
        entry.name: entry.read_bytes() for entry in folder.iterdir() if entry.name.endswith(".csv")
    }


def database_is_empty() -> bool:
    """No services, people, competences or user accounts yet."""
    return not any(
        db.session.scalar(select(exists().select_from(model)))
        for model in (Service, Person, Competence, User)
    )


def _create_catalogue(actor: audit.Actor) -> None:
    """Frameworks with their level labels, providers with their kind (existing ones kept)."""
    catalogue = json.loads((_data() / "catalogue.json").read_text(encoding="utf-8"))
    known = set(db.session.scalars(select(Framework.key))) | set(
        db.session.scalars(select(Framework.name))
    )
    providers = set(db.session.scalars(select(Provider.name)))
    created: list[tuple[str, Framework | Provider]] = []
    for item in catalogue["frameworks"]:
        if item["key"] in known or item["name"] in known:
            continue
        labels = {f"label_{level}": name for level, name in item["levels"].items()}
        created.append(
            (
                "framework",
                Framework(
                    key=item["key"],
                    name=item["name"],
                    description=item["description"],
                    name_en=item.get("name_en"),
                    description_en=item.get("description_en"),
                    **labels,
                ),
            )
        )
    for item in catalogue["providers"]:
        if item["name"] not in providers:
            created.append(("provider", Provider(name=item["name"], kind=item["kind"])))
    db.session.add_all(record for _, record in created)
    db.session.flush()
    for entity, record in created:
        audit.record(actor, "create", entity, record.id, after=audit.snapshot(record))


def load_demo(actor: audit.Actor) -> list[tuple[str, str, str]]:
    """Load Gemeente Voorbeeldstad and one account per role into an empty database (flushes,
    never commits). Returns (e-mail, role, password) per account; the passwords are generated
    and exist nowhere else."""
    if not database_is_empty():
        raise ServiceError(
            _l("The database already has data; the demo is only loaded into an empty database.")
        )
    _create_catalogue(actor)
    plan = interchange.plan_import(demo_files())
    if not plan.ok:  # only when the packaged data is broken
        raise ServiceError(
            _l(
                "The demo data could not be imported: %(problems)s",
                problems="; ".join(map(str, plan.problems)),
            )
        )
    interchange.apply_import(actor, plan)
    trend.load_demo_snapshots(actor)  # a year of monthly snapshots, computed from the data
    accounts = []
    for role, email, name in ACCOUNTS:
        password = secrets.token_urlsafe(12)
        users.create_user(actor, email, role, password, name=name)
        accounts.append((email, role, password))
    return accounts
