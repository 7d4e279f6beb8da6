"""The shared catalogue in a registry of several organisations: an organisation's editor reads
it and is offered no change to it; a region editor is."""

from registry.audit.services import audit
from registry.core import tenancy
from registry.core.extensions import db
from registry.organisations import services as organisations
from tests import factories
from tests.support import PASSWORD, login


def _editor(organisation):
    with tenancy.acting_in(tenancy.Scope(1, several=True)):
        user = factories.make_user(role="editor", password=PASSWORD)
    user.memberships.clear()
    db.session.flush()
    organisations.grant(audit.Actor.system(), user, organisation, "editor")
    db.session.commit()
    return user


def test_only_a_region_editor_is_offered_changes_to_the_catalogue(app):
    competence = factories.make_competence(code="C-42")
    provider = factories.make_provider(name="Dimpact")
    db.session.commit()
    b = organisations.create(audit.Actor.system(), "GM0002", "Gemeente B")
    db.session.commit()
    pages = ("/competences/", "/competences/frameworks/", "/services/providers/")
    edits = (
        f"/competences/{competence.code}/edit",
        "/competences/new",
        f"/services/providers/{provider.id}/edit",
    )

    local = app.test_client()
    login(local, _editor(b))
    for page in pages:
        response = local.get(page)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert not any(edit in body for edit in edits), page
    assert all(local.get(edit).status_code == 403 for edit in edits)

    regional = app.test_client()
    login(regional, _editor(None))
    body = regional.get("/competences/").get_data(as_text=True)
    assert f"/competences/{competence.code}/edit" in body and "/competences/new" in body
    assert f"/services/providers/{provider.id}/edit" in regional.get(
        "/services/providers/"
    ).get_data(as_text=True)
    assert regional.get(f"/competences/{competence.code}/edit").status_code == 200
