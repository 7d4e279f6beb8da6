"""The gap report and the forecast as plain records: codes, not names; numbers as numbers; ISO
dates or null. `registry gaps`/`registry forecast --format json` print them and
`GET /api/v1/gaps`/`/forecast` answer them, so both give exactly the same rows."""

from datetime import date

from registry.gaps.services.region import regional_candidates_of
from registry.mitigations import services as mitigation_service


def report_records(
    rows, mitigations: dict | None = None, regional: dict | None = None
) -> list[dict]:
    """The gap rows as plain records: codes, not names; numbers as numbers. With
    `mitigations` (open ones by requirement id), each record lists them as `mitigations`;
    with `regional` (by requirement id), the candidates in other organisations as
    `regional_candidates`."""
    return [
        {
            "service": r.service_code,
            "competence": r.competence_code,
            **r.figures(),
            **(
                {"regional_candidates": regional.get(r.requirement_id, 0)}
                if regional is not None
                else {}
            ),
            **(
                {"mitigations": mitigation_service.records(mitigations.get(r.requirement_id))}
                if mitigations is not None
                else {}
            ),
        }
        for r in rows
    ]


def json_records(rows, as_of: date, horizon: int) -> list[dict]:
    """The rows as `registry gaps --format json` (and `GET /api/v1/gaps`) give them: with the
    open mitigations of each (one query for all rows) and, in a registry of several
    organisations, the number of candidates in the other organisations (one statement)."""
    found = mitigation_service.open_for((r.requirement_id for r in rows), as_of)
    return report_records(rows, found, regional_candidates_of(rows, as_of, horizon))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def forecast_records(rows) -> list[dict]:
    """The forecast as plain records: codes, ISO dates or null, numbers as numbers; `steps` as
    [date, holders] pairs and `causes` as {kind, employee_number, name, on}."""
    return [
        {
            "service": r.service_code,
            "competence": r.competence_code,
            "required_level": r.required_level,
            "min_holders": r.min_holders,
            "holders_now": r.holders_now,
            "first_short_on": _iso(r.first_short_on),
            "first_empty_on": _iso(r.first_empty_on),
            "steps": [[day.isoformat(), q] for day, q in r.steps],
            "causes": [
                {
                    "kind": c.kind,
                    "employee_number": c.employee_number,
                    "name": c.name,
                    "on": c.on.isoformat(),
                }
                for c in r.causes
            ],
        }
        for r in rows
    ]
