"""Services, providers, requirements and mitigations: lists with search, and the forms that
keep them current.

Reading is for every logged-in role; changing services, providers and requirements is for
admins and editors, mitigations also for managers; a hard delete is for admins only, and only
of records nothing refers to. Every edit form carries the record's version: saving over a newer
change answers 409 with the current values and what the user had typed.
"""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry.domain.permissions import Permission
from registry.extensions import db
from registry.models import Provider, Requirement, Service
from registry.services import catalogue
from registry.web.decorators import permission_required
from registry.web.editing import (
    PER_PAGE,
    actor,
    confirm_page,
    form_page,
    save_form,
)
from registry.web.forms.catalogue import (
    MitigationForm,
    ProviderForm,
    RequirementForm,
    SearchForm,
    ServiceForm,
    ServiceSearchForm,
)
from registry.web.navigation import safe_next

bp = Blueprint("services", __name__, url_prefix="/services")


# --- services -----------------------------------------------------------------------------


def _service_or_404(code: str) -> Service:
    return catalogue.service_by_code(code) or abort(404)


@bp.route("/")
@permission_required(Permission.READ)
def index():
    search = ServiceSearchForm(request.args)
    search.set_choices()
    q = (search.q.data or "").strip()
    query = catalogue.services_query(q, search.status.data)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("services/index.html", page=page, search=search, q=q)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new():
    form = ServiceForm.for_page()
    render = form_page("services/service_form.html", service=None)
    if form.validate_on_submit():
        return save_form(
            form,
            render,
            lambda: catalogue.create_service(actor(), **form.values()),
            lambda s: url_for("dossiers.service", code=s.code),
        )
    return render(form=form)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit(code):
    service = _service_or_404(code)
    form = ServiceForm.for_page(service)
    render = form_page("services/service_form.html", service=service)
    if form.validate_on_submit():
        return save_form(
            form,
            render,
            lambda: catalogue.update_service(actor(), service, form.version.data, **form.values()),
            lambda s: url_for("dossiers.service", code=s.code) if s else url_for("services.index"),
            fresh=lambda: ServiceForm.stored(service),
        )
    return render(form=form)


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
    return confirm_page(
        service,
        form_page(
            "services/delete.html",
            record=service,
            references=catalogue.service_references(service),
            name=service.name,
            back=url_for("dossiers.service", code=code),
            retire_url=url_for("services.retire", code=code)
            if service.status != "retired"
            else None,
        ),
        lambda version: catalogue.delete_service(actor(), service, version),
        lambda: url_for("services.index"),
        _("%(name)s has been deleted.", name=service.name),
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
    render = form_page("services/requirement_form.html", service=service, requirement=None)
    if form.validate_on_submit():
        return save_form(
            form,
            render,
            lambda: catalogue.create_requirement(actor(), service, **form.values()),
            lambda _r: url_for("dossiers.service", code=code),
        )
    return render(form=form)


@bp.route("/<code>/requirements/<int:rid>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit_requirement(code, rid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    form = RequirementForm.for_page(requirement)
    render = form_page("services/requirement_form.html", service=service, requirement=requirement)
    if form.validate_on_submit():
        return save_form(
            form,
            render,
            lambda: catalogue.update_requirement(
                actor(), requirement, form.version.data, **form.values()
            ),
            lambda _r: url_for("dossiers.service", code=code),
            fresh=lambda: RequirementForm.stored(requirement),
        )
    return render(form=form)


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
            mitigations=catalogue.requirement_mitigations(requirement),
        ),
        lambda version: catalogue.delete_requirement(actor(), requirement, version),
        lambda: url_for("dossiers.service", code=code),
        _("The requirement has been removed."),
    )


# --- mitigations --------------------------------------------------------------------------


@bp.route("/mitigations")
@permission_required(Permission.READ)
def mitigations():
    """The list moved to Maatregelen (/mitigations/); old links and bookmarks still work."""
    return redirect(url_for("mitigations.index", **request.args.to_dict()), 301)


@bp.route("/<code>/requirements/<int:rid>/mitigations/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_MITIGATIONS)
def new_mitigation(code, rid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    form = MitigationForm.for_page()
    render = form_page(
        "services/mitigation_form.html", service=service, requirement=requirement, mitigation=None
    )
    if form.validate_on_submit():
        return save_form(
            form,
            render,
            lambda: catalogue.create_mitigation(actor(), requirement, **form.values()),
            lambda _m: url_for("dossiers.service", code=code),
        )
    return render(form=form)


@bp.route("/<code>/requirements/<int:rid>/mitigations/<int:mid>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_MITIGATIONS)
def edit_mitigation(code, rid, mid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    mitigation = catalogue.mitigation_of(rid, mid) or abort(404)
    form = MitigationForm.for_page(mitigation)
    render = form_page(
        "services/mitigation_form.html",
        service=service,
        requirement=requirement,
        mitigation=mitigation,
    )
    if form.validate_on_submit():
        return save_form(
            form,
            render,
            lambda: catalogue.update_mitigation(
                actor(), mitigation, form.version.data, **form.values()
            ),
            lambda _m: url_for("mitigations.index"),
            fresh=lambda: MitigationForm.stored(mitigation),
        )
    return render(form=form)


# --- providers ----------------------------------------------------------------------------


def _provider_or_404(pid: int) -> Provider:
    return db.get_or_404(Provider, pid)


@bp.route("/providers/")
@permission_required(Permission.READ)
def providers():
    search = SearchForm(request.args)
    q = (search.q.data or "").strip()
    page = db.paginate(catalogue.providers_query(q), per_page=PER_PAGE, error_out=False)
    counts = catalogue.services_per_provider([p.id for p in page.items])
    page.items = [(p, counts.get(p.id, 0)) for p in page.items]
    return render_template("services/providers.html", page=page, search=search, q=q)


@bp.route("/providers/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new_provider():
    form = ProviderForm.for_page()
    back = safe_next(request.args.get("next"), url_for("services.providers"))
    render = form_page("services/provider_form.html", provider=None, back=back)
    if form.validate_on_submit():
        return save_form(
            form,
            render,
            lambda: catalogue.create_provider(actor(), **form.values()),
            lambda _p: back,
        )
    return render(form=form)


@bp.route("/providers/<int:pid>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit_provider(pid):
    provider = _provider_or_404(pid)
    form = ProviderForm.for_page(provider)
    back = url_for("services.providers")
    render = form_page("services/provider_form.html", provider=provider, back=back)
    if form.validate_on_submit():
        return save_form(
            form,
            render,
            lambda: catalogue.update_provider(
                actor(), provider, form.version.data, **form.values()
            ),
            lambda _p: back,
            fresh=lambda: ProviderForm.stored(provider),
        )
    return render(form=form)


@bp.route("/providers/<int:pid>/delete", methods=["GET", "POST"])
@permission_required(Permission.DELETE_RECORDS)
def delete_provider(pid):
    provider = _provider_or_404(pid)
    back = url_for("services.providers")
    return confirm_page(
        provider,
        form_page(
            "services/delete.html",
            record=provider,
            references=catalogue.provider_references(provider),
            name=provider.name,
            back=back,
            retire_url=None,
        ),
        lambda version: catalogue.delete_provider(actor(), provider, version),
        lambda: back,
        _("%(name)s has been deleted.", name=provider.name),
    )
