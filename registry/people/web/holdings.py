"""Holdings: the assessed level of a person in a competence, with its expiry."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from registry.catalogue.models.competences import Competence
from registry.catalogue.services import catalogue
from registry.core.decorators import permission_required
from registry.core.editing import actor, confirm_page, edit_page, form_page, save_form
from registry.core.extensions import db
from registry.core.forms import level_choices
from registry.core.i18n import localize_text, localized_choice
from registry.core.permissions import Permission
from registry.people import services as service
from registry.people.models.holdings import Holding
from registry.people.web.common import bp, to_person, today
from registry.people.web.forms import HoldingForm


def _competence_choices(current: Competence | None = None):
    return [SelectChoice("", _("Choose a competence"))] + [
        localized_choice(
            str(r.id),
            r.name,
            r.name_en,
            prefix=f"{r.code} — ",
            suffix=f" ({_('retired')})" if r.retired else "",
        )
        for r in catalogue.competence_options(current, by_framework=False)
    ]


def _holding_form(
    form: HoldingForm, competence: Competence | None = None, current: Competence | None = None
) -> HoldingForm:
    form.competence.choices = _competence_choices(current)
    form.level.choices = level_choices(
        competence.framework if competence is not None else None, _("Choose a level")
    )
    return form


def _holding_values(form: HoldingForm) -> dict:
    return {key: form[key].data for key in service.HOLDING_FIELDS}


def _stored_holding(h: Holding) -> HoldingForm:
    data = {
        "person": h.person,
        "competence": h.competence_id,
        "version": h.version,
        **{key: getattr(h, key) for key in service.HOLDING_FIELDS},
    }
    return _holding_form(HoldingForm(formdata=None, data=data), h.competence, h.competence)


def _holding_page(holding: Holding | None):
    """Render the assessment form, with its suggestions, for `holding` (None: a new one)."""

    def render(**context):
        return render_template(
            "people/holding_form.html", holding=holding, people_suggestions=True, **context
        )

    return render


@bp.route("/holdings/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_new():
    """Record an assessment; ?person=<employee number> and ?competence=<code> preselect (the
    person page and the competence page link here). A person has one assessment per
    competence: if it exists, the form edits that one instead and says so."""
    if request.method == "GET":
        person = service.person_by_number(request.args.get("person"))
        competence = catalogue.competence_by_code(request.args.get("competence", ""))
        existing = service.existing_holding(person, competence.id if competence else None)
        if existing is not None:
            flash(
                _(
                    "%(name)s already has an assessment for %(competence)s; you are editing it.",
                    name=person.name,
                    competence=competence.name,
                ),
                "info",
            )
            return redirect(
                url_for(
                    "people.holding_edit", holding_id=existing.id, next=request.args.get("next")
                )
            )
        form = _holding_form(
            HoldingForm(
                formdata=None,
                data={
                    "person": person,
                    "competence": competence.id if competence else None,
                    "assessed_on": today(),
                    "assessed_by": current_user.name or current_user.email,
                },
            ),
            competence,
        )
        return _holding_page(None)(form=form)
    form = HoldingForm()
    competence = (
        catalogue.competence_by_id(form.competence.data)
        if isinstance(form.competence.data, int)
        else None
    )
    _holding_form(form, competence)
    if form.validate_on_submit():
        person = form.person.person
        existing = service.existing_holding(person, form.competence.data)
        if existing is not None:
            # Show the existing assessment's edit form with what was typed, to save over it.
            form.version.data = existing.version
            _holding_form(form, existing.competence, existing.competence)
            return _holding_page(existing)(form=form, existing_notice=True)
        return save_form(
            form,
            _holding_page(None),
            lambda: service.record_holding(
                actor(), person, form.competence.data, **_holding_values(form)
            ),
            lambda _h: to_person(person),
            message=lambda h: _(
                "The assessment of %(name)s for %(competence)s has been recorded.",
                name=person.name,
                competence=localize_text(h.competence),
            ),
        )
    return _holding_page(None)(form=form)


@bp.route("/holdings/<int:holding_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_edit(holding_id):
    holding = db.get_or_404(Holding, holding_id)
    render = _holding_page(holding)
    if request.method == "GET":
        return render(form=_stored_holding(holding))
    form = _holding_form(HoldingForm(), holding.competence, holding.competence)
    form.person.process_data(holding.person)
    form.competence.data = holding.competence_id
    return edit_page(
        form,
        render,
        lambda: service.update_holding(
            actor(), holding, form.version.data, **_holding_values(form)
        ),
        lambda h: to_person(h.person),
        fresh=lambda: _stored_holding(holding),
        message=lambda h: _(
            "The assessment of %(name)s for %(competence)s has been saved.",
            name=h.person.name,
            competence=localize_text(h.competence),
        ),
    )


@bp.route("/holdings/<int:holding_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REGISTRY)
def holding_delete(holding_id):
    holding = db.get_or_404(Holding, holding_id)
    person = holding.person
    return confirm_page(
        holding,
        form_page("people/holding_delete.html", holding=holding),
        lambda version: service.delete_holding(actor(), holding, version),
        lambda: to_person(person),
        _("The assessment has been deleted."),
        stale_message=_(
            "Someone else changed this assessment after you opened it. Check it and try again."
        ),
    )
