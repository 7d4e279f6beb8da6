"""The hand-written comparison query of `registry bench`: the counts of DESIGN.md's gap rules
written out as one plain SQL statement, against which the application's statement is timed
(and checked: the counts must agree)."""

from datetime import date

from sqlalchemy import Date, bindparam, text

from registry.core import periods

# --- the hand-written comparison query --------------------------------------------------------

HAND_WRITTEN_SQL = """
WITH ar AS (
    SELECT r.id, r.service_id, r.competence_id, r.required_level AS lvl
    FROM requirements r
    JOIN services s ON s.id = r.service_id
    JOIN competences c ON c.id = r.competence_id
    WHERE s.status IN ('planned', 'active') AND c.retired = :no{services_of}
),
q AS (
    SELECT ar.id AS rid,
        SUM(CASE WHEN (a.start_on IS NULL OR a.start_on <= :d)
                  AND (a.end_on IS NULL OR a.end_on > :d)
                  AND (h.assessed_on IS NULL OR h.assessed_on <= :d)
                  AND (h.expires_on IS NULL OR h.expires_on > :d)
                  AND (p.start_date IS NULL OR p.start_date <= :d)
                  AND (p.leave_date IS NULL OR p.leave_date > :d)
            THEN 1 ELSE 0 END) AS now,
        SUM(CASE WHEN (a.start_on IS NULL OR a.start_on <= :e)
                  AND (a.end_on IS NULL OR a.end_on > :e)
                  AND (h.assessed_on IS NULL OR h.assessed_on <= :e)
                  AND (h.expires_on IS NULL OR h.expires_on > :e)
                  AND (p.start_date IS NULL OR p.start_date <= :e)
                  AND (p.leave_date IS NULL OR p.leave_date > :e)
            THEN 1 ELSE 0 END) AS later
    FROM ar
    JOIN assignments a ON a.service_id = ar.service_id
    JOIN holdings h ON h.person_id = a.person_id AND h.competence_id = ar.competence_id
        AND h.level >= ar.lvl
    JOIN people p ON p.id = a.person_id
    GROUP BY ar.id
),
cand AS (
    SELECT ar.id AS rid, COUNT(*) AS n
    FROM ar
    JOIN holdings h ON h.competence_id = ar.competence_id AND h.level >= ar.lvl
    JOIN people p ON p.id = h.person_id
    WHERE (h.assessed_on IS NULL OR h.assessed_on <= :d){people_of}
      AND (h.expires_on IS NULL OR h.expires_on > :e)
      AND (p.start_date IS NULL OR p.start_date <= :d)
      AND (p.leave_date IS NULL OR p.leave_date > :e)
      AND NOT EXISTS (
        SELECT 1 FROM assignments a
        WHERE a.person_id = h.person_id AND a.service_id = ar.service_id
          AND (a.start_on IS NULL OR a.start_on <= :d) AND (a.end_on IS NULL OR a.end_on > :d))
    GROUP BY ar.id
)
SELECT ar.id, COALESCE(q.now, 0), COALESCE(q.later, 0), COALESCE(cand.n, 0)
FROM ar LEFT JOIN q ON q.rid = ar.id LEFT JOIN cand ON cand.rid = ar.id
"""
# The candidate test above uses "valid on D and E" and "employed on D and E" in their
# shortest form: with start ≤ D ≤ E, (leave > E) implies (leave > D), and so on.
# For one organisation of a region, the requirements of its services and the candidates among
# its people (the assignees of its services are its own people: no secondments yet).
ONE_ORGANISATION = {
    "services_of": " AND s.organisation_id = :org",
    "people_of": " AND p.organisation_id = :org",
}
EVERY_ORGANISATION = {"services_of": "", "people_of": ""}


def hand_written_counts(
    session, as_of: date, horizon: int, organisation_id: int | None = None
) -> dict[int, tuple[int, int, int]]:
    """requirement id → (now, later, candidates), from one raw SQL statement: of the whole
    registry, or of organisation `organisation_id` alone."""
    if organisation_id is None:
        stmt = text(HAND_WRITTEN_SQL.format(**EVERY_ORGANISATION))
    else:
        stmt = text(HAND_WRITTEN_SQL.format(**ONE_ORGANISATION))
        stmt = stmt.bindparams(bindparam("org", organisation_id))
    stmt = stmt.bindparams(
        bindparam("d", as_of, type_=Date),
        bindparam("e", periods.horizon_end(as_of, horizon), type_=Date),
        bindparam("no", False),
    )
    return {
        rid: (int(now), int(later), int(cand)) for rid, now, later, cand in session.execute(stmt)
    }
