"""The generator of `registry bench`: a registry of region size with realistic spreads
(Zipf-distributed assignments and holdings, leavers within the horizon, ending assignments,
expiring and stale assessments, retired competences, planned and retired services), written
as the interchange files users import; for `registry bench --region`, a region of N
municipalities of M people, each such a registry in proportion, with one shared catalogue.
"""

import os
import random
from dataclasses import dataclass
from datetime import date, timedelta

CHUNK = 10_000


@dataclass(frozen=True)
class Scale:
    people: int = 50_000
    competences: int = 1_000
    services: int = 500
    requirements: int = 3_000
    assignments: int = 50_000
    holdings: int = 400_000

    @classmethod
    def small(cls) -> "Scale":
        """1/100 of a region: a smoke test that runs in seconds."""
        return cls(500, 50, 20, 120, 500, 4_000)

    def describe(self) -> str:
        return (
            f"{self.people:,} people, {self.competences:,} competences, "
            f"{self.services:,} services, ~{self.requirements:,} requirements, "
            f"{self.assignments:,} assignments, {self.holdings:,} holdings"
        )


@dataclass(frozen=True)
class RegionScale:
    """A region of `municipalities` organisations of `people` people each; by default 25 of
    2,000, together the size of `Scale()` (50,000 people, 400,000 holdings)."""

    municipalities: int = 25
    people: int = 2_000

    def municipality(self) -> Scale:
        """One municipality: `Scale()` in proportion to its people (2,000 people: 20 services,
        120 requirements, 2,000 assignments, 16,000 holdings), and the region's catalogue of
        competences (1,000; fewer for a small run)."""
        base, people = Scale(), self.people
        services = max(2, people * base.services // base.people)
        return Scale(
            people=people,
            competences=min(base.competences, max(10, people // 2)),
            services=services,
            requirements=services * base.requirements // base.services,
            assignments=max(1, people * base.assignments // base.people),
            holdings=max(1, people * base.holdings // base.people),
        )

    def describe(self) -> str:
        one = self.municipality()
        n = self.municipalities
        return (
            f"{n} municipalities of {self.people:,} people ({n * self.people:,} people, "
            f"{n * one.holdings:,} holdings); each with {one.services:,} services, "
            f"~{one.requirements:,} requirements, {one.assignments:,} assignments, "
            f"{one.holdings:,} holdings; {one.competences:,} competences shared"
        )


def municipality_code(number: int) -> str:
    """The code of the region's municipality `number` (1, 2, …): GM9001, GM9002, … (CBS-like
    codes that belong to no real municipality)."""
    return f"GM{9000 + number:04d}"


# The folder of the region's shared catalogue (competences.csv) next to the municipalities'.
CATALOGUE = "catalogue"


# --- the generator ----------------------------------------------------------------------------

AREAS = (
    "Contract management",
    "Demand management",
    "Functional management",
    "Information security",
    "Privacy",
    "Architecture",
    "Supplier management",
    "Service level management",
    "Financial control",
    "Data management",
    "Change management",
    "Legal",
)
ROLES = (
    "contractmanager",
    "functioneel beheerder",
    "informatiemanager",
    "back-up",
    "CISO-contact",
    "privacy officer",
    "architect",
)


def _zipf_weights(n: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, n + 1)]


def _maybe(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def generate_rows(scale: Scale, as_of: date, horizon: int, seed: int) -> dict[str, list[dict]]:
    """A registry of `scale` as table rows (with ids), with realistic spreads around `as_of`:
    leavers within the horizon, assignments ending, expiring and stale holdings, retired
    competences, planned and retired services."""
    rng = random.Random(seed)

    def days(n: int) -> date:
        return as_of + timedelta(days=n)

    tables: dict[str, list[dict]] = {}

    def put(name: str, rows: list[dict]) -> None:
        tables[name] = rows

    put(
        "frameworks",
        [
            {"id": i, "key": key, "name": name}
            for i, (key, name) in enumerate(
                [("ecf", "e-CF 4.0"), ("feeny", "Feeny–Willcocks"), ("bisl", "BiSL")], start=1
            )
        ],
    )
    put(
        "providers",
        [
            {
                "id": i,
                "name": f"Provider {i:02d}",
                "kind": ("cooperative", "shared_service_centre", "supplier", "internal")[i % 4],
            }
            for i in range(1, 26)
        ],
    )

    units, unit_id = [], 0
    teams = []
    for d in range(1, 11):
        unit_id += 1
        directorate = unit_id
        units.append(
            {"id": directorate, "name": f"Directie {d}", "path": f"Directie {d}", "parent_id": None}
        )
        for a in range(1, 7):
            unit_id += 1
            department = unit_id
            path = f"Directie {d} / Afdeling {a}"
            units.append(
                {"id": department, "name": f"Afdeling {a}", "path": path, "parent_id": directorate}
            )
            for t in range(1, 6):
                unit_id += 1
                teams.append(unit_id)
                units.append(
                    {
                        "id": unit_id,
                        "name": f"Team {t}",
                        "path": f"{path} / Team {t}",
                        "parent_id": department,
                    }
                )
    put("org_units", units)

    put(
        "competences",
        [
            {
                "id": i,
                "code": f"C{i:04d}",
                "name": f"Competence {i}",
                "framework_id": 1 + i % 3,
                "area": AREAS[i % len(AREAS)],
                "retired": _maybe(rng, 0.03),
            }
            for i in range(1, scale.competences + 1)
        ],
    )

    people = []
    for i in range(1, scale.people + 1):
        start = (
            days(-rng.randint(30, 12_000)) if not _maybe(rng, 0.02) else days(rng.randint(1, 60))
        )
        roll = rng.random()
        if roll < 0.02:
            leave = days(rng.randint(0, horizon))  # leaving within the horizon (or on D)
        elif roll < 0.07:
            leave = days(-rng.randint(1, 1_000))  # already left
        elif roll < 0.09:
            leave = days(horizon + rng.randint(1, 365))
        else:
            leave = None
        if leave is not None and leave < start:
            leave = start
        people.append(
            {
                "id": i,
                "employee_number": f"P{i:06d}",
                "name": f"Medewerker {i}",
                "org_unit_id": rng.choice(teams),
                "start_date": start,
                "leave_date": leave,
                "job_title": rng.choice(ROLES),
            }
        )
    put("people", people)

    services = []
    for i in range(1, scale.services + 1):
        contract_start = days(-rng.randint(0, 2_500))
        roll = rng.random()
        contract_end = (
            None
            if roll < 0.15
            else days(rng.randint(0, horizon))
            if roll < 0.25
            else days(horizon + rng.randint(1, 1_500))
        )
        services.append(
            {
                "id": i,
                "code": f"svc-{i:04d}",
                "name": f"Service {i}",
                "provider_id": rng.randint(1, 25),
                "owner_id": rng.randint(1, scale.people),
                "criticality": rng.choices(("low", "medium", "high", "critical"), (20, 40, 30, 10))[
                    0
                ],
                "status": rng.choices(("active", "planned", "retired"), (85, 10, 5))[0],
                "contract_start": contract_start,
                "contract_end": contract_end,
            }
        )
    put("services", services)

    # Requirements: a few popular competences (contract management, security …) are required
    # by many services, the long tail by a few.
    popularity = _zipf_weights(scale.competences, 0.8)
    competence_ids = list(range(1, scale.competences + 1))
    per_service = max(1, scale.requirements // scale.services)
    required: dict[int, list[tuple[int, int]]] = {}
    requirements, rid = [], 0
    for sid in range(1, scale.services + 1):
        wanted = max(1, per_service + rng.randint(-2, 2))
        chosen: set[int] = set()
        while len(chosen) < min(wanted, scale.competences):
            chosen.add(rng.choices(competence_ids, popularity)[0])
        for cid in sorted(chosen):
            rid += 1
            level = rng.choices((2, 3, 4), (30, 50, 20))[0]
            required.setdefault(sid, []).append((cid, level))
            requirements.append(
                {
                    "id": rid,
                    "service_id": sid,
                    "competence_id": cid,
                    "required_level": level,
                    "min_holders": rng.choices((1, 2, 3), (30, 50, 20))[0],
                }
            )
    put("requirements", requirements)

    # Assignments: service sizes vary widely (a handful of people for most, hundreds for a few).
    service_ids = list(range(1, scale.services + 1))
    sizes = _zipf_weights(scale.services, 0.7)
    rng.shuffle(sizes)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < min(scale.assignments, scale.people * scale.services):
        pairs.add((rng.randint(1, scale.people), rng.choices(service_ids, sizes)[0]))
    assignments = []
    for pid, sid in sorted(pairs):
        roll = rng.random()
        start_on = days(rng.randint(1, 60)) if roll < 0.03 else days(-rng.randint(1, 3_000))
        roll = rng.random()
        end_on = (
            days(-rng.randint(1, 500))
            if roll < 0.05
            else days(rng.randint(0, horizon))
            if roll < 0.08
            else None
        )
        if end_on is not None and end_on < start_on:
            end_on = start_on
        assignments.append(
            {
                "person_id": pid,
                "service_id": sid,
                "role": rng.choice(ROLES),
                "start_on": start_on,
                "end_on": end_on,
            }
        )
    put("assignments", assignments)

    # Holdings: assigned people often hold what their service requires, around its level;
    # everyone else holds a spread of popular and long-tail competences.
    # How well a service's team is trained varies: a third are well staffed, the rest thin.
    trained = {sid: rng.choice((0.3, 0.3, 0.06, 0.03, 0.01)) for sid in service_ids}
    held: dict[tuple[int, int], int] = {}
    for pid, sid in pairs:
        for cid, level in required.get(sid, ()):
            if _maybe(rng, trained[sid]) and len(held) < scale.holdings:
                held[(pid, cid)] = max(1, min(5, level + rng.choice((-1, 0, 0, 1))))
    while len(held) < min(scale.holdings, scale.people * scale.competences):
        key = (rng.randint(1, scale.people), rng.choices(competence_ids, popularity)[0])
        if key not in held:
            held[key] = rng.choices((1, 2, 3, 4, 5), (15, 30, 30, 18, 7))[0]
    holdings = []
    for (pid, cid), level in sorted(held.items()):
        assessed = days(rng.randint(1, 30)) if _maybe(rng, 0.01) else days(-rng.randint(0, 1_800))
        roll = rng.random()
        expires = (
            None
            if roll < 0.7
            else days(rng.randint(0, horizon))
            if roll < 0.75
            else days(-rng.randint(1, 300))
            if roll < 0.78
            else days(horizon + rng.randint(1, 1_000))
        )
        if expires is not None and expires < assessed:
            expires = assessed
        holdings.append(
            {
                "person_id": pid,
                "competence_id": cid,
                "level": level,
                "assessed_on": assessed,
                "expires_on": expires,
                "assessed_by": "bench",
            }
        )
    put("holdings", holdings)
    return tables


def interchange_files(tables: dict[str, list[dict]]) -> dict[str, bytes]:
    """The generated registry as the interchange files a municipality would import."""
    from registry.transfer.rules import interchange as fmt

    def by_id(name: str, field: str) -> dict[int, str]:
        return {row["id"]: row[field] for row in tables[name]}

    framework = by_id("frameworks", "name")
    provider = by_id("providers", "name")
    unit = by_id("org_units", "path")
    person = by_id("people", "employee_number")
    service = by_id("services", "code")
    competence = by_id("competences", "code")
    rows = {
        fmt.COMPETENCES: (
            r | {"framework": framework[r["framework_id"]]} for r in tables["competences"]
        ),
        fmt.PEOPLE: (r | {"org_unit": unit[r["org_unit_id"]]} for r in tables["people"]),
        fmt.SERVICES: (
            r | {"provider": provider[r["provider_id"]], "owner": person[r["owner_id"]]}
            for r in tables["services"]
        ),
        fmt.REQUIREMENTS: (
            r | {"service": service[r["service_id"]], "competence": competence[r["competence_id"]]}
            for r in tables["requirements"]
        ),
        fmt.ASSIGNMENTS: (
            r | {"employee_number": person[r["person_id"]], "service": service[r["service_id"]]}
            for r in tables["assignments"]
        ),
        fmt.HOLDINGS: (
            r
            | {
                "employee_number": person[r["person_id"]],
                "competence": competence[r["competence_id"]],
            }
            for r in tables["holdings"]
        ),
    }
    return {spec.name: fmt.write_file(spec, found) for spec, found in rows.items()}


def write_region_folder(folder, scale: Scale, as_of: date, horizon: int, seed: int) -> None:
    """Write the interchange files of a generated registry of `scale` into `folder`."""
    from registry.transfer.services.interchange import write_folder

    write_folder(folder, interchange_files(generate_rows(scale, as_of, horizon, seed)))


def write_municipality_folders(
    folder, region: RegionScale, as_of: date, horizon: int, seed: int
) -> None:
    """Write each municipality's interchange files into `folder/<code>/` (the same employee
    numbers, service codes and org units recur in every municipality, each with its own
    people and spreads) and the shared catalogue, `competences.csv`, into
    `folder/catalogue/`."""
    from registry.transfer.rules import interchange as fmt
    from registry.transfer.services.interchange import write_folder

    scale = region.municipality()
    for number in range(1, region.municipalities + 1):
        files = interchange_files(generate_rows(scale, as_of, horizon, seed + number))
        catalogue = files.pop(fmt.COMPETENCES.name)
        if number == 1:
            write_folder(os.path.join(folder, CATALOGUE), {fmt.COMPETENCES.name: catalogue})
        write_folder(os.path.join(folder, municipality_code(number)), files)
