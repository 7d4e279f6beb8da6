"""People, org units, assignments and holdings: the use cases behind the browser forms.

Every function validates what only the database can know (uniqueness, references, usage),
changes the records, flushes, and records one audit event per changed record in the caller's
transaction. Nothing here commits. Refused input raises `ServiceError(message, field)`;
an edit or delete of a record that changed after the form was opened raises `StaleRecord`.

- `staff`: people, departures and the people list;
- `search`: finding a person by (part of a) name or number, for the person fields;
- `org_units`: the org-unit tree;
- `assessments`: assignments and holdings.
"""

from registry.gaps.rules.gaps import ANALYSED_SERVICE_STATUSES
from registry.people.services.assessments import (
    ASSIGNMENT_FIELDS,
    HOLDING_FIELDS,
    create_assignment,
    delete_assignment,
    delete_holding,
    end_assignment,
    existing_holding,
    record_holding,
    update_assignment,
    update_holding,
)
from registry.people.services.org_units import (
    UnitUsage,
    create_org_unit,
    delete_org_unit,
    org_unit_by_id,
    org_unit_paths,
    org_units_with_headcount,
    unit_usage,
    update_org_unit,
)
from registry.people.services.search import (
    MATCH_LIMIT,
    SEARCH_MAX_LENGTH,
    SUGGESTION_LIMIT,
    Resolution,
    find_people,
    resolve_person,
    suggested_people,
)
from registry.people.services.staff import (
    PEOPLE_STATUS_FILTERS,
    PERSON_FIELDS,
    PersonUsage,
    check_leave_date,
    create_person,
    delete_person,
    people_query,
    person_by_id,
    person_by_number,
    person_id_by_number,
    person_label,
    person_usage,
    register_departure,
    update_person,
    withdraw_departure,
)
from registry.transfer.rules.interchange import PATH_SEPARATOR

__all__ = [
    "ANALYSED_SERVICE_STATUSES",
    "ASSIGNMENT_FIELDS",
    "HOLDING_FIELDS",
    "MATCH_LIMIT",
    "PATH_SEPARATOR",
    "PEOPLE_STATUS_FILTERS",
    "PERSON_FIELDS",
    "SEARCH_MAX_LENGTH",
    "SUGGESTION_LIMIT",
    "PersonUsage",
    "Resolution",
    "UnitUsage",
    "check_leave_date",
    "create_assignment",
    "create_org_unit",
    "create_person",
    "delete_assignment",
    "delete_holding",
    "delete_org_unit",
    "delete_person",
    "end_assignment",
    "existing_holding",
    "find_people",
    "org_unit_by_id",
    "org_unit_paths",
    "org_units_with_headcount",
    "people_query",
    "person_by_id",
    "person_by_number",
    "person_id_by_number",
    "person_label",
    "person_usage",
    "record_holding",
    "register_departure",
    "resolve_person",
    "suggested_people",
    "unit_usage",
    "update_assignment",
    "update_holding",
    "update_org_unit",
    "update_person",
    "withdraw_departure",
]
