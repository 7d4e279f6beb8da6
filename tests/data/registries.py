"""A small demo municipality for the report, dossier and query-count tests, looked at on a
fixed day D so the figures do not depend on today's date."""

from dataclasses import dataclass
from datetime import date

from registry.core.extensions import db
from tests import factories

D = date(2025, 6, 1)  # E = D + 90 days = 2025-08-30
PERIOD = {"as_of": D.isoformat(), "horizon": "90"}


@dataclass
class Demo:
    services: list
    people: dict


def demo_registry(scale: int = 1, start: int = 0) -> Demo:
    """`scale` copies of a small municipality, numbered from `start`. Per copy, on
    D = 2025-06-01 with H = 90:

    - Zaaksysteem (critical, Dimpact, contract ends 2025-07-15):
        CM (level 3, min 2): Anna + Bram now, only Anna at E (Bram leaves 2025-07-01)
                             → undercovered
        SEC (level 3, min 1): Anna → covered
        FB (level 2, min 1): nobody assigned → unassigned; Carla is a candidate
        PRIV (level 3, min 1): only Bram → leaving
    - Werkplek (medium, GovUnited): CM (level 3, min 1): Daan holds CM 2 → unassigned;
      Anna and Carla are candidates, Daan needs training.
    Daan's CM assessment (2022) is stale; his SEC holding expires on 2025-08-15.
    """
    from registry.catalogue.models.competences import Competence, Framework
    from registry.catalogue.models.services import Provider
    from registry.people.models.staff import OrgUnit

    framework = db.session.query(Framework).filter_by(
        key="ecf"
    ).one_or_none() or factories.make_framework(key="ecf", name="e-CF 4.0")

    def competence(code, name, area):
        return db.session.query(Competence).filter_by(
            code=code
        ).one_or_none() or factories.make_competence(
            code=code, name=name, framework=framework, area=area
        )

    cm = competence("CM", "Contract management", "Steering")
    sec = competence("SEC", "Information security", "Assurance")
    fb = competence("FB", "Functional management", "Operations")
    priv = competence("PRIV", "Privacy", "Assurance")
    dimpact = db.session.query(Provider).filter_by(
        name="Dimpact"
    ).one_or_none() or factories.make_provider(name="Dimpact", kind="cooperative")
    govunited = db.session.query(Provider).filter_by(
        name="GovUnited"
    ).one_or_none() or factories.make_provider(name="GovUnited", kind="supplier")
    unit = db.session.query(OrgUnit).filter_by(
        path="Dienstverlening"
    ).one_or_none() or factories.make_org_unit(name="Dienstverlening", path="Dienstverlening")
    services, people = [], {}
    for i in range(start, start + scale):
        anna = factories.make_person(
            name=f"Anna Jansen {i}", org_unit=unit, job_title="Contractmanager"
        )
        bram = factories.make_person(
            name=f"Bram de Vries {i}", org_unit=unit, leave_date=date(2025, 7, 1)
        )
        carla = factories.make_person(name=f"Carla Bakker {i}", org_unit=unit)
        daan = factories.make_person(name=f"Daan Visser {i}")
        zaak = factories.make_service(
            code=f"zaaksysteem-{i}",
            name=f"Zaaksysteem {i}",
            criticality="critical",
            provider=dimpact,
            owner=anna,
            contract_end=date(2025, 7, 15),
        )
        werkplek = factories.make_service(
            code=f"werkplek-{i}", name=f"Werkplek {i}", criticality="medium", provider=govunited
        )
        factories.make_requirement(zaak, cm, required_level=3, min_holders=2)
        factories.make_requirement(zaak, sec, required_level=3, min_holders=1)
        factories.make_requirement(zaak, fb, required_level=2, min_holders=1)
        factories.make_requirement(zaak, priv, required_level=3, min_holders=1)
        factories.make_requirement(werkplek, cm, required_level=3, min_holders=1)
        factories.make_assignment(anna, zaak, role="contractmanager")
        factories.make_assignment(bram, zaak, role="back-up")
        factories.make_assignment(daan, werkplek, role="functioneel beheerder")
        factories.make_holding(anna, cm, level=4)
        factories.make_holding(anna, sec, level=3)
        factories.make_holding(bram, cm, level=3)
        factories.make_holding(bram, priv, level=4)
        factories.make_holding(carla, fb, level=3)
        factories.make_holding(carla, cm, level=3)
        factories.make_holding(daan, cm, level=2, assessed_on=date(2022, 1, 1))
        factories.make_holding(daan, sec, level=1, expires_on=date(2025, 8, 15))
        services += [zaak, werkplek]
        people.update({f"anna{i}": anna, f"bram{i}": bram, f"carla{i}": carla, f"daan{i}": daan})
    db.session.commit()
    return Demo(services, people)
