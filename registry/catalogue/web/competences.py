"""Competence frameworks (with their level labels) and competences: lists with search, and the
forms that keep the catalogue current.

Reading is for every logged-in role, changing for admins and editors; a competence that is
still required or held is retired instead of deleted, and a hard delete is for admins only.
"""

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _

from registry.catalogue.models.competences import Competence, Framework
from registry.catalogue.services import catalogue
from registry.catalogue.web.forms import (
    CompetenceForm,
    CompetenceSearchForm,
    FrameworkForm,
    SearchForm,
)
from registry.core.decorators import permission_required
from registry.core.editing import actor, confirm_page, delete_page, edit_page, form_page, list_page
from registry.core.extensions import db
from registry.core.i18n import localize_text
from registry.core.permissions import Permission

bp = Blueprint("competences", __name__, url_prefix="/competences")


def _competence_or_404(code: str) -> Competence:
    return catalogue.competence_by_code(code) or abort(404)


# --- competences --------------------------------------------------------------------------


@bp.route("/")
@permission_required(Permission.READ)
def index():
    search = CompetenceSearchForm(request.args)
    search.set_choices()
    return list_page(
        "competences/index.html",
        search,
        lambda q: catalogue.competences_query(q, search.state.data),
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY, shared=True)
def new():
    form = CompetenceForm.for_page()
    return edit_page(
        form,
        form_page("competences/competence_form.html", competence=None),
        lambda: catalogue.create_competence(actor(), **form.values()),
        lambda c: url_for("dossiers.competence", code=c.code),
    )


@bp.route("/<code>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY, shared=True)
def edit(code):
    competence = _competence_or_404(code)
    form = CompetenceForm.for_page(competence)
    return edit_page(
        form,
        form_page("competences/competence_form.html", competence=competence),
        lambda: catalogue.update_competence(
            actor(), competence, form.version.data, **form.values()
        ),
        lambda c: (
            url_for("dossiers.competence", code=c.code) if c else url_for("competences.index")
        ),
        fresh=lambda: CompetenceForm.stored(competence),
    )


@bp.route("/<code>/retire", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY, shared=True)
def retire(code):
    competence = _competence_or_404(code)
    return confirm_page(
        competence,
        form_page("competences/retire.html", record=competence),
        lambda version: catalogue.retire_competence(actor(), competence, version),
        lambda: url_for("dossiers.competence", code=code),
        _("Competence %(code)s has been retired.", code=competence.code),
    )


@bp.route("/<code>/delete", methods=["GET", "POST"])
@permission_required(Permission.DELETE_RECORDS, shared=True)
def delete(code):
    competence = _competence_or_404(code)
    return delete_page(
        competence,
        catalogue.competence_references(competence),
        lambda version: catalogue.delete_competence(actor(), competence, version),
        url_for("competences.index"),
        name=f"{competence.code} {localize_text(competence)}",
        back=url_for("dossiers.competence", code=code),
        retire_url=None if competence.retired else url_for("competences.retire", code=code),
        deleted=competence.code,
    )


# --- frameworks ---------------------------------------------------------------------------


@bp.route("/frameworks/")
@permission_required(Permission.READ)
def frameworks():
    return list_page(
        "competences/frameworks.html",
        SearchForm(request.args),
        catalogue.frameworks_query,
        catalogue.competences_per_framework,
    )


@bp.route("/frameworks/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY, shared=True)
def new_framework():
    form = FrameworkForm.for_page()
    return edit_page(
        form,
        form_page("competences/framework_form.html", framework=None),
        lambda: catalogue.create_framework(actor(), **form.values()),
        lambda _f: url_for("competences.frameworks"),
    )


@bp.route("/frameworks/<int:fid>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY, shared=True)
def edit_framework(fid):
    framework = db.get_or_404(Framework, fid)
    form = FrameworkForm.for_page(framework)
    return edit_page(
        form,
        form_page("competences/framework_form.html", framework=framework),
        lambda: catalogue.update_framework(actor(), framework, form.version.data, **form.values()),
        lambda _f: url_for("competences.frameworks"),
        fresh=lambda: FrameworkForm.stored(framework),
    )


@bp.route("/frameworks/<int:fid>/delete", methods=["GET", "POST"])
@permission_required(Permission.DELETE_RECORDS, shared=True)
def delete_framework(fid):
    framework = db.get_or_404(Framework, fid)
    back = url_for("competences.frameworks")
    return delete_page(
        framework,
        catalogue.framework_references(framework),
        lambda version: catalogue.delete_framework(actor(), framework, version),
        back,
        name=localize_text(framework),
        back=back,
    )
