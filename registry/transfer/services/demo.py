"""The demo municipality, Gemeente Voorbeeldstad, loaded through the ordinary importer; with
`registry demo --region`, the small region around it.

The data lives in `registry/demo_data/`: the interchange files of `voorbeeldstad/` (with
realistic gaps: departures within the horizon, a service nobody can commission, a contract
ending; competences with English names and descriptions) and `catalogue.json`, which adds what
the interchange format does not carry: the frameworks' keys, descriptions, English names and
descriptions and level labels, and the kind of each provider. Those are created first; the CSV
files then go through `plan_import`/`apply_import` like any import, so every record has its
audit event.

The region (`region.json`) is Voorbeeldstad plus two neighbouring municipalities and the
region's shared-service centre, each an organisation with its own folder of interchange files
(the same employee numbers and service codes recur: they are unique per organisation only),
imported while acting in that organisation as `registry import --organisation CODE` does. They
share the catalogue (Voorbeeldstad's competences.csv, catalogue.json, and the providers of
region.json). The registry's one organisation becomes Voorbeeldstad (code GM9001); the codes
GM9xxx belong to no real municipality.
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
from registry.core import tenancy
from registry.core.errors import ServiceError
from registry.core.extensions import db
from registry.organisations import services as organisations
from registry.organisations.models import Organisation
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
# (e-mail, role, password) of one account.
Account = tuple[str, str, str]


def _data():
    return resources.files("registry") / "demo_data"


def organisation_files(folder: str) -> dict[str, bytes]:
    """The interchange files of one demo organisation (`demo_data/<folder>/`) by name."""
    entries = (_data() / folder).iterdir()
    return {entry.name: entry.read_bytes() for entry in entries if entry.name.endswith(".csv")}


def demo_files() -> dict[str, bytes]:
    """The demo's interchange files by name."""
    return organisation_files("voorbeeldstad")


def region() -> dict:
    """The region of `registry demo --region`: its organisations (code, name, kind, folder,
    accounts), the region's accounts and the providers it adds to catalogue.json."""
    return json.loads((_data() / "region.json").read_text(encoding="utf-8"))


def database_is_empty() -> bool:
    """No services, people, competences or user accounts yet."""
    return not any(
        db.session.scalar(select(exists().select_from(model)))
        for model in (Service, Person, Competence, User)
    )


def _refuse_unless_empty() -> None:
    if not database_is_empty():
        raise ServiceError(
            _l("The database already has data; the demo is only loaded into an empty database.")
        )


def _create_catalogue(actor: audit.Actor, more_providers=()) -> None:
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
    for item in [*catalogue["providers"], *more_providers]:
        if item["name"] not in providers:
            created.append(("provider", Provider(name=item["name"], kind=item["kind"])))
    db.session.add_all(record for _, record in created)
    db.session.flush()
    for entity, record in created:
        audit.record(actor, "create", entity, record.id, after=audit.snapshot(record))


def _load_organisation(actor: audit.Actor, folder: str) -> None:
    """Import the files of `demo_data/<folder>/` into the organisation acted in, and a year
    of monthly snapshots computed from them."""
    plan = interchange.plan_import(organisation_files(folder))
    if not plan.ok:  # only when the packaged data is broken
        raise ServiceError(
            _l(
                "The demo data could not be imported: %(problems)s",
                problems="; ".join(map(str, plan.problems)),
            )
        )
    interchange.apply_import(actor, plan)
    trend.load_demo_snapshots(actor)  # a year of monthly snapshots, computed from the data


def _create_accounts(actor: audit.Actor, declared, where=users.ACTED_IN) -> list[Account]:
    """An account per (role, e-mail, name) with a generated password, given its role where
    the caller acts (or `where`: None for the whole region)."""
    accounts = []
    for role, email, name in declared:
        password = secrets.token_urlsafe(12)
        users.create_user(actor, email, role, password, name=name, where=where)
        accounts.append((email, role, password))
    return accounts


def load_demo(actor: audit.Actor) -> list[Account]:
    """Load Gemeente Voorbeeldstad and one account per role into an empty database (flushes,
    never commits). Returns (e-mail, role, password) per account; the passwords are generated
    and exist nowhere else."""
    _refuse_unless_empty()
    _create_catalogue(actor)
    _load_organisation(actor, "voorbeeldstad")
    return _create_accounts(actor, ACCOUNTS)


def _region_organisations(actor: audit.Actor, declared: list[dict]) -> list[Organisation]:
    """The organisations of the region: an existing one with the code kept, the registry's
    only organisation (ORG of a new registry) renamed to the first, the others created."""
    found = []
    for n, item in enumerate(declared):
        organisation = organisations.by_code(item["code"])
        if organisation is None and n == 0 and not organisations.several():
            (sole,) = organisations.all_organisations()
            organisation = organisations.update(
                actor, sole, item["code"], item["name"], item["kind"]
            )
        if organisation is None:
            organisation = organisations.create(actor, item["code"], item["name"], item["kind"])
        found.append(organisation)
    return found


def load_region(actor: audit.Actor) -> list[tuple[Organisation | None, list[Account]]]:
    """Load the region of `region.json` into an empty database (flushes, never commits): each
    organisation's files imported while acting in it, its accounts members of it; then the
    region's accounts (members of every organisation). Returns the accounts per organisation
    (None: the region), as `load_demo` does; the first organisation, Voorbeeldstad, gets the
    demo's own accounts."""
    _refuse_unless_empty()
    declared = region()
    found = _region_organisations(actor, declared["organisations"])
    _create_catalogue(actor, declared["providers"])
    accounts: list[tuple[Organisation | None, list[Account]]] = []
    for organisation, item in zip(found, declared["organisations"], strict=True):
        with tenancy.acting_in(tenancy.Scope(organisation.id, several=True)):
            _load_organisation(actor, item["folder"])
            made = _create_accounts(actor, item.get("accounts", ACCOUNTS))
        accounts.append((organisation, made))
    # The region's accounts: a role in the whole region, given explicitly.
    accounts.append((None, _create_accounts(actor, declared["accounts"], where=None)))
    return accounts
