"""A readable audit log: field labels instead of column names, names (with a link) instead of
ids, refused pages in words; the raw values stay in the exports; one query for all names."""

import re
from datetime import date

from registry.audit.services import audit
from registry.core.extensions import db
from tests import factories
from tests.support import statements_for


def _events(n: int, start: int = 0):
    """n services with an owner, each created and then given another owner."""
    actor = audit.Actor.system("cli")
    owners = [factories.make_person(name=f"Eigenaar {i}") for i in range(2)]
    for i in range(start, start + n):
        service = factories.make_service(code=f"dienst-{i}", name=f"Dienst {i}", owner=owners[0])
        audit.record(actor, "create", "service", service.id, after=audit.snapshot(service))
        audit.record(
            actor,
            "update",
            "service",
            service.id,
            before={"owner_id": owners[0].id, "contract_end": None},
            after={"owner_id": owners[1].id, "contract_end": date(2027, 1, 1).isoformat()},
        )
    db.session.commit()
    return owners


def test_names_labels_and_words_instead_of_codes(client_as, users):
    owners = _events(1)
    auditor = client_as("auditor")
    auditor.get("/users/")  # refused: recorded as an event
    client_as("editor").get("/audit/")  # refused too, for another user
    auditor.post("/language", data={"lang": "en", "next": "/audit/"})
    page = auditor.get("/audit/").get_data(as_text=True)
    # the record by name, with a link to its dossier
    assert '<a class="utrecht-link" href="/services/dienst-0">Dienst 0</a>' in page
    # field labels instead of column names, and the owner by name with a link
    assert ">Owner" in page and ">owner_id<" not in page
    assert ">Contract end" in page
    assert f'href="/people/{owners[1].employee_number}">Eigenaar 1</a>' in page
    # refused pages in words, not endpoint ids
    assert "refused: the user accounts" in page and "refused: the audit log" in page
    assert "users.index" not in page and "audit.index</code>" not in page
    # the actor by name, linking to their events
    assert f'href="/audit/?actor={users["auditor"].email}"' in page


def test_raw_values_stay_in_the_exports(client_as, users):
    _events(1)
    auditor = client_as("auditor")
    auditor.get("/users/")
    csv_text = auditor.get("/audit/export.csv").get_data(as_text=True)
    assert "users.index" in csv_text and '""owner_id""' in csv_text
    jsonl = auditor.get("/audit/export.jsonl").get_data(as_text=True)
    assert '"entity_id":"users.index"' in jsonl and "owner_id" in jsonl


def test_a_deleted_record_shows_its_number(client_as):
    audit.record(audit.Actor.system("cli"), "delete", "service", 999, before={"code": "weg"})
    db.session.commit()
    page = client_as("auditor").get("/audit/").get_data(as_text=True)
    assert re.search(r'entity_id=999"[^>]*>#999</a>', page)


def test_names_cost_one_query_however_many_events(client_as):
    auditor = client_as("auditor")
    _events(2)
    few = statements_for(auditor, "/audit/")
    _events(20, start=2)
    many = statements_for(auditor, "/audit/")
    assert few == many
