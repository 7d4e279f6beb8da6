"""Services, providers, requirements and mitigations: lists with search, and the forms that
keep them current.

Reading is for every logged-in role; changing services, providers and requirements is for
admins and editors, mitigations also for managers; a hard delete is for admins only, and only
of records nothing refers to. Every edit form carries the record's version: saving over a newer
change answers 409 with the current values and what the user had typed.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm import joinedload

from registry.domain.permissions import Permission
from registry.extensions import db
from registry.models import Competence, Mitigation, Provider, Requirement, Service
from registry.services import audit, catalogue
from registry.services.errors import ServiceError, StaleRecord
from registry.web.decorators import permission_required
from registry.web.forms.catalogue import (
    ConfirmForm,
    MitigationForm,
    MitigationSearchForm,
    ProviderForm,
    RequirementForm,
    SearchForm,
    ServiceForm,
    ServiceSearchForm,
)
from registry.web.navigation import safe_next

bp = Blueprint("services", __name__, url_prefix="/services")

PER_PAGE = 25


# --- shared by the catalogue views (competences.py uses these too) ------------------------


def actor() -> audit.Actor:
    return audit.Actor.of(current_user, request.remote_addr)


def like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def counts_by(column, ids: list[int]) -> dict[int, int]:
    """How many rows refer to each of `ids` through `column`, in one query."""
    if not ids:
        return {}
    return dict(db.session.execute(
        select(column, func.count()).where(column.in_(ids)).group_by(column)
    ).all())


def require_hard_delete() -> None:
    """Refuse (403, audited) unless this user may delete records for good."""
    if not catalogue.may_hard_delete(current_user):
        abort(403)


def reloaded(record):
    """The record as stored now (after a rollback), or None when someone deleted it."""
    try:
        db.session.refresh(record)
    except InvalidRequestError:  # deleted meanwhile
        return None
    return record


def save_form(form, template: str, save, done, fresh_form, **context):
    """Run `save()` for a validated form, commit, flash and redirect to `done()`.

    A refusal is shown next to its field (200); a conflict with a newer version answers 409
    with `fresh_form()` (the current values and version) and what the user had typed.
    """
    try:
        record = save()
        db.session.commit()
    except StaleRecord as conflict:
        db.session.rollback()
        current = reloaded(conflict.record)
        if current is None:
            flash(_("Someone else deleted this record after you opened it; nothing was "
                    "saved."), "error")
            return redirect(done(None))
        return render_template(template, form=fresh_form(current), typed=form.typed(),
                               conflict=True, **context), 409
    except ServiceError as error:
        db.session.rollback()
        if not form.show_error(error):
            flash(str(error), "error")
        return render_template(template, form=form, **context)
    except IntegrityError:
        # Two people saved the same unique code or name at the same moment.
        db.session.rollback()
        flash(_("This could not be saved: someone else saved a record with the same code or "
                "name at the same moment. Check the form and save again."), "error")
        return render_template(template, form=form, **context), 409
    flash(_("Your changes have been saved."), "success")
    return redirect(done(record))


def confirm_page(record, template: str, action, done, message: str, **context):
    """A retire or delete confirmation (GET) and its execution (POST, with the version the
    user saw); `message` is flashed when it is done."""
    form = ConfirmForm(obj=record) if request.method == "GET" else ConfirmForm()
    if form.validate_on_submit():
        try:
            action(form.version.data)
            db.session.commit()
        except StaleRecord:
            db.session.rollback()
            if reloaded(record) is None:
                flash(_("Someone else deleted this record after you opened it."), "error")
                return redirect(done())
            return render_template(template, form=ConfirmForm(formdata=None, obj=record),
                                   record=record, conflict=True, **context), 409
        except ServiceError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template(template, form=ConfirmForm(formdata=None, obj=record),
                                   record=record, **context)
        flash(message, "success")
        return redirect(done())
    return render_template(template, form=form, record=record, **context)


# --- services -----------------------------------------------------------------------------


def _service_or_404(code: str) -> Service:
    return db.one_or_404(select(Service).where(Service.code == code))


@bp.route("/")
@permission_required(Permission.READ)
def index():
    search = ServiceSearchForm(request.args)
    search.set_choices()
    query = (select(Service).outerjoin(Service.provider)
             .options(joinedload(Service.provider), joinedload(Service.owner))
             .order_by(Service.name, Service.code))
    q = (search.q.data or "").strip()
    if q:
        query = query.where(or_(Service.code.ilike(like(q), escape="\\"),
                                Service.name.ilike(like(q), escape="\\"),
                                Provider.name.ilike(like(q), escape="\\")))
    if search.status.data in ("planned", "active", "retired"):
        query = query.where(Service.status == search.status.data)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("services/index.html", page=page, search=search, q=q)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new():
    form = ServiceForm()
    form.set_choices()
    if form.validate_on_submit():
        return save_form(
            form, "services/service_form.html",
            lambda: catalogue.create_service(actor(), **form.values()),
            lambda s: url_for("dossiers.service", code=s.code), None, service=None)
    return render_template("services/service_form.html", form=form, service=None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit(code):
    service = _service_or_404(code)
    form = ServiceForm(obj=service) if request.method == "GET" else ServiceForm()
    form.set_choices(service.owner_id)

    def fresh(current):
        fresh_form = ServiceForm(formdata=None, obj=current)
        fresh_form.set_choices(current.owner_id)
        return fresh_form

    if form.validate_on_submit():
        return save_form(
            form, "services/service_form.html",
            lambda: catalogue.update_service(actor(), service, form.version.data,
                                             **form.values()),
            lambda s: url_for("dossiers.service", code=s.code) if s else url_for(
                "services.index"),
            fresh, service=service)
    return render_template("services/service_form.html", form=form, service=service)


@bp.route("/<code>/retire", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def retire(code):
    service = _service_or_404(code)
    return confirm_page(
        service, "services/retire.html",
        lambda version: catalogue.retire_service(actor(), service, version),
        lambda: url_for("dossiers.service", code=code),
        _("Service %(name)s has been retired.", name=service.name))


@bp.route("/<code>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def delete(code):
    require_hard_delete()
    service = _service_or_404(code)
    return confirm_page(
        service, "services/delete.html",
        lambda version: catalogue.delete_service(actor(), service, version),
        lambda: url_for("services.index"),
        _("%(name)s has been deleted.", name=service.name),
        references=catalogue.service_references(service), name=service.name,
        back=url_for("dossiers.service", code=code),
        retire_url=url_for("services.retire", code=code)
        if service.status != "retired" else None)


# --- requirements -------------------------------------------------------------------------


def _requirement_or_404(service: Service, rid: int) -> Requirement:
    return db.one_or_404(select(Requirement).where(Requirement.id == rid,
                                                   Requirement.service_id == service.id))


@bp.route("/<code>/requirements/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new_requirement(code):
    service = _service_or_404(code)
    form = RequirementForm()
    if request.method == "GET" and request.args.get("competence"):
        chosen = db.session.execute(select(Competence.id).where(
            Competence.code == request.args["competence"])).scalar_one_or_none()
        form.competence_id.data = chosen
    form.set_choices()
    if form.validate_on_submit():
        return save_form(
            form, "services/requirement_form.html",
            lambda: catalogue.create_requirement(actor(), service, **form.values()),
            lambda _r: url_for("dossiers.service", code=code), None,
            service=service, requirement=None)
    return render_template("services/requirement_form.html", form=form, service=service,
                           requirement=None)


@bp.route("/<code>/requirements/<int:rid>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit_requirement(code, rid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    form = RequirementForm(obj=requirement) if request.method == "GET" else RequirementForm()
    form.set_choices(requirement.competence)

    def fresh(current):
        fresh_form = RequirementForm(formdata=None, obj=current)
        fresh_form.set_choices(current.competence)
        return fresh_form

    if form.validate_on_submit():
        return save_form(
            form, "services/requirement_form.html",
            lambda: catalogue.update_requirement(actor(), requirement, form.version.data,
                                                 **form.values()),
            lambda _r: url_for("dossiers.service", code=code), fresh,
            service=service, requirement=requirement)
    return render_template("services/requirement_form.html", form=form, service=service,
                           requirement=requirement)


@bp.route("/<code>/requirements/<int:rid>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def delete_requirement(code, rid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    return confirm_page(
        requirement, "services/requirement_delete.html",
        lambda version: catalogue.delete_requirement(actor(), requirement, version),
        lambda: url_for("dossiers.service", code=code),
        _("The requirement has been removed."),
        service=service, mitigations=catalogue.requirement_mitigations(requirement))


# --- mitigations --------------------------------------------------------------------------


@bp.route("/mitigations")
@permission_required(Permission.READ)
def mitigations():
    search = MitigationSearchForm(request.args)
    search.set_choices()
    query = (select(Mitigation)
             .join(Mitigation.requirement).join(Requirement.service)
             .options(joinedload(Mitigation.owner),
                      joinedload(Mitigation.requirement).joinedload(Requirement.service),
                      joinedload(Mitigation.requirement).joinedload(Requirement.competence))
             .order_by(Mitigation.due_on.is_(None), Mitigation.due_on, Service.code,
                       Mitigation.id))
    if search.status.data in ("open", "in_progress", "done", "cancelled"):
        query = query.where(Mitigation.status == search.status.data)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("services/mitigations.html", page=page, search=search)


@bp.route("/<code>/requirements/<int:rid>/mitigations/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_MITIGATIONS)
def new_mitigation(code, rid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    form = MitigationForm()
    form.set_choices()
    if form.validate_on_submit():
        return save_form(
            form, "services/mitigation_form.html",
            lambda: catalogue.create_mitigation(actor(), requirement, **form.values()),
            lambda _m: url_for("dossiers.service", code=code), None,
            service=service, requirement=requirement, mitigation=None)
    return render_template("services/mitigation_form.html", form=form, service=service,
                           requirement=requirement, mitigation=None)


@bp.route("/<code>/requirements/<int:rid>/mitigations/<int:mid>/edit",
          methods=["GET", "POST"])
@permission_required(Permission.EDIT_MITIGATIONS)
def edit_mitigation(code, rid, mid):
    service = _service_or_404(code)
    requirement = _requirement_or_404(service, rid)
    mitigation = db.one_or_404(select(Mitigation).where(Mitigation.id == mid,
                                                        Mitigation.requirement_id == rid))
    form = MitigationForm(obj=mitigation) if request.method == "GET" else MitigationForm()
    form.set_choices(mitigation.owner_id)

    def fresh(current):
        fresh_form = MitigationForm(formdata=None, obj=current)
        fresh_form.set_choices(current.owner_id)
        return fresh_form

    if form.validate_on_submit():
        return save_form(
            form, "services/mitigation_form.html",
            lambda: catalogue.update_mitigation(actor(), mitigation, form.version.data,
                                                **form.values()),
            lambda _m: url_for("services.mitigations"), fresh,
            service=service, requirement=requirement, mitigation=mitigation)
    return render_template("services/mitigation_form.html", form=form, service=service,
                           requirement=requirement, mitigation=mitigation)


# --- providers ----------------------------------------------------------------------------


def _provider_or_404(pid: int) -> Provider:
    return db.get_or_404(Provider, pid)


@bp.route("/providers/")
@permission_required(Permission.READ)
def providers():
    search = SearchForm(request.args)
    query = select(Provider).order_by(Provider.name)
    q = (search.q.data or "").strip()
    if q:
        query = query.where(Provider.name.ilike(like(q), escape="\\"))
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    counts = counts_by(Service.provider_id, [p.id for p in page.items])
    page.items = [(p, counts.get(p.id, 0)) for p in page.items]
    return render_template("services/providers.html", page=page, search=search, q=q)


@bp.route("/providers/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def new_provider():
    form = ProviderForm()
    form.set_choices()
    back = safe_next(request.args.get("next"), url_for("services.providers"))
    if form.validate_on_submit():
        return save_form(
            form, "services/provider_form.html",
            lambda: catalogue.create_provider(actor(), **form.values()),
            lambda _p: back, None, provider=None, back=back)
    return render_template("services/provider_form.html", form=form, provider=None, back=back)


@bp.route("/providers/<int:pid>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def edit_provider(pid):
    provider = _provider_or_404(pid)
    form = ProviderForm(obj=provider) if request.method == "GET" else ProviderForm()
    form.set_choices()
    back = url_for("services.providers")

    def fresh(current):
        fresh_form = ProviderForm(formdata=None, obj=current)
        fresh_form.set_choices()
        return fresh_form

    if form.validate_on_submit():
        return save_form(
            form, "services/provider_form.html",
            lambda: catalogue.update_provider(actor(), provider, form.version.data,
                                              **form.values()),
            lambda _p: back, fresh, provider=provider, back=back)
    return render_template("services/provider_form.html", form=form, provider=provider,
                           back=back)


@bp.route("/providers/<int:pid>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def delete_provider(pid):
    require_hard_delete()
    provider = _provider_or_404(pid)
    back = url_for("services.providers")
    return confirm_page(
        provider, "services/delete.html",
        lambda version: catalogue.delete_provider(actor(), provider, version),
        lambda: back, _("%(name)s has been deleted.", name=provider.name),
        references=catalogue.provider_references(provider), name=provider.name, back=back,
        retire_url=None)

