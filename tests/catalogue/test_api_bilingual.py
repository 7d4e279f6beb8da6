"""The English names and descriptions of frameworks and competences through the API: read,
written, kept when a client leaves them out, bounded, audited, and found by `q`."""

from registry.audit.models.audit import AuditEvent
from registry.core.extensions import db


def test_the_api_reads_and_writes_the_english_fields(app, api_as):
    api = api_as("editor")
    framework = api.post(
        "/api/v1/frameworks",
        json={"key": "eigen", "name": "Eigen raamwerk", "name_en": "Own framework"},
    )
    assert framework.status_code == 201, framework.get_data(as_text=True)
    assert framework.json["name_en"] == "Own framework"
    created = api.post(
        "/api/v1/competences",
        json={
            "code": "CM",
            "name": "Contractmanagement",
            "name_en": "Contract management",
            "description_en": "Steering",
            "framework_id": framework.json["id"],
        },
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    one = api.get("/api/v1/competences/CM")
    assert (one.json["name_en"], one.json["description_en"]) == ("Contract management", "Steering")
    # q finds the English name (matched as the API's q always is: case-sensitively on PostgreSQL)
    assert [c["code"] for c in api.get("/api/v1/competences?q=Contract man").json] == ["CM"]
    # a PUT without the English fields (a client written before them) keeps them
    kept = api.put(
        "/api/v1/competences/CM",
        json={"code": "CM", "name": "Contractbeheer"},
        headers={"If-Match": one.headers["ETag"]},
    )
    assert kept.status_code == 200, kept.get_data(as_text=True)
    assert kept.json["name_en"] == "Contract management"
    cleared = api.put(
        "/api/v1/competences/CM",
        json={"code": "CM", "name": "Contractbeheer", "name_en": None},
        headers={"If-Match": kept.headers["ETag"]},
    )
    assert cleared.json["name_en"] is None
    too_long = api.post(
        "/api/v1/competences", json={"code": "X", "name": "X", "name_en": "x" * 201}
    )
    assert too_long.status_code == 422
    events = db.session.query(AuditEvent).filter_by(entity="competence").count()
    assert events == 3  # create and two updates
