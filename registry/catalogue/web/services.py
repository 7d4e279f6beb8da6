"""Services, providers and requirements: lists with search, and the forms that keep them
current (a requirement's mitigations are planned and changed in `mitigations/web/views.py`,
under the same /services/… addresses).

Reading is for every logged-in role; changing services, providers and requirements is for
admins and editors; a hard delete is for admins only, and only of records nothing refers to.
Every edit form carries the record's version: saving over a newer change answers 409 with the
current values and what the user had typed.
"""

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _

from registry.catalogue.models.services import Provider, Requirement, Service
from registry.catalogue.services import catalogue
from registry.catalogue.web.forms import (
    ProviderForm,
    RequirementForm,
    SearchForm,
    ServiceForm,
    ServiceSearchForm,
)
from registry.core.decorators import permission_required
from registry.core.editing import actor, confirm_page, delete_page, edit_page, form_page, list_page
from registry.core.extensions import db
from registry.core.navigation import safe_next
from registry.core.permissions import Permission
from registry.mitigations import services as mitigations

bp = Blueprint("services", __name__, url_prefix="/services")


# --- services -----------------------------------------------------------------------------


def _service_or_404(code: str) -> Service:
    return catalogue.service_by_code(code) or abort(404)


@bp.route("/")
@permission_required(Permission.READ)
def index():
    search = ServiceSearchForm(request.args)
    search.set_choices()
    return list_page(
        "services/index.html", search, lambda q: catalogue.services_query(q, search.status.data)
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new():
    form = ServiceForm.for_page()
    return edit_page(
        form,
        form_page("services/service_form.html", service=None),
        lambda: catalogue.create_service(actor(), **form.values()),
        lambda s: url_for("dossiers.service", code=s.code),
    )


@bp.route("/<code>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit(code):
    service = _service_or_404(code)
    form = ServiceForm.for_page(service)
    return edit_page(
        form,
        form_page("services/service_form.html", service=service),
        lambda: catalogue.update_service(actor(), service, form.version.data, **form.values()),
        lambda s: url_for("dossiers.service", code=s.code) if s else url_for("services.index"),
        fresh=lambda: ServiceForm.stored(service),
    )


@bp.route("/<code>/retire", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def retire(code):
    service = _service_or_404(code)
    return confirm_page(
        service,
        form_page("services/retire.html", record=service),
        lambda version: catalogue.retire_service(actor(), service, version),
        lambda: url_for("dossiers.service", code=code),
        _("Service %(name)s has been retired.", name=service.name),
    )


@bp.route("/<code>/delete", methods=["GET", "POST"])
@permission_required(Permission.DELETE_RECORDS)
def delete(code):
    service = _service_or_404(code)
    return delete_page(
        service,
        catalogue.service_references(service),
        lambda version: catalogue.delete_service(actor(), service, version),
        url_for("services.index"),
        name=service.name,
        back=url_for("dossiers.service", code=code),
        retire_url=None if service.status == "retired" else url_for("services.retire", code=code),
    )


# --- requirements -------------------------------------------------------------------------


def _requirement_or_404(service: Service, rid: int) -> Requirement:
    return catalogue.requirement_of(service, rid) or abort(404)


@bp.route("/<code>/requirements/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new_requirement(code):
    service = _service_or_404(code)
    form = RequirementForm()
    if request.method == "GET" and request.args.get("competence"):
        chosen = catalogue.competence_by_code(request.args["competence"])
        form.competence_id.data = chosen.id if chosen else None
    form.set_choices()
    return edit_page(
        form,
        form_page("services/requirement_form.html", service=service, requirement=None),
        lambda: catalogue.create_requirement(actor(), service, **form.values()),
        lambda _r: url_for("dossiers.service", code=code),
    )


@bp.route("/<code>/requirements/<int:rid>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit_requirement(code, rid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    form = RequirementForm.for_page(requirement)
    return edit_page(
        form,
        form_page("services/requirement_form.html", service=service, requirement=requirement),
        lambda: catalogue.update_requirement(
            actor(), requirement, form.version.data, **form.values()
        ),
        lambda _r: url_for("dossiers.service", code=code),
        fresh=lambda: RequirementForm.stored(requirement),
    )


@bp.route("/<code>/requirements/<int:rid>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def delete_requirement(code, rid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    return confirm_page(
        requirement,
        form_page(
            "services/requirement_delete.html",
            record=requirement,
            service=service,
            mitigations=mitigations.requirement_mitigations(requirement),
        ),
        lambda version: catalogue.delete_requirement(actor(), requirement, version),
        lambda: url_for("dossiers.service", code=code),
        _("The requirement has been removed."),
    )


# --- providers ----------------------------------------------------------------------------


def _provider_or_404(pid: int) -> Provider:
    return db.get_or_404(Provider, pid)


@bp.route("/providers/")
@permission_required(Permission.READ)
def providers():
    return list_page(
        "services/providers.html",
        SearchForm(request.args),
        catalogue.providers_query,
        catalogue.services_per_provider,
    )


@bp.route("/providers/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY, shared=True)
def new_provider():
    form = ProviderForm.for_page()
    back = safe_next(request.args.get("next"), url_for("services.providers"))
    return edit_page(
        form,
        form_page("services/provider_form.html", provider=None, back=back),
        lambda: catalogue.create_provider(actor(), **form.values()),
        lambda _p: back,
    )


@bp.route("/providers/<int:pid>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY, shared=True)
def edit_provider(pid):
    provider = _provider_or_404(pid)
    form = ProviderForm.for_page(provider)
    back = url_for("services.providers")
    return edit_page(
        form,
        form_page("services/provider_form.html", provider=provider, back=back),
        lambda: catalogue.update_provider(actor(), provider, form.version.data, **form.values()),
        lambda _p: back,
        fresh=lambda: ProviderForm.stored(provider),
    )


@bp.route("/providers/<int:pid>/delete", methods=["GET", "POST"])
@permission_required(Permission.DELETE_RECORDS, shared=True)
def delete_provider(pid):
    provider = _provider_or_404(pid)
    back = url_for("services.providers")
    return delete_page(
        provider,
        catalogue.provider_references(provider),
        lambda version: catalogue.delete_provider(actor(), provider, version),
        back,
        name=provider.name,
        back=back,
    )
