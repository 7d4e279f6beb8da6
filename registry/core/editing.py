"""What the maintenance pages share (catalogue, people, accounts): a list page, saving an
edit form, confirming a retire or delete, answering a conflict. (Their list reads are services.)

A view builds its form and `render = form_page(template, **context)`, and hands the service
call to `edit_page` (an edit form's GET and POST; `save_form` for the POST alone),
`confirm_page` or `delete_page`, which own the transaction: commit on success, roll back on a
refusal or a conflict. `list_page` pages the query a service gives for a list's search text.
Every edit form carries the record's version, so a save over someone else's newer change
answers 409 with the current values and what the user had typed (the form's `typed()`),
instead of silently losing either.
"""

import logging
from functools import partial

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm.exc import StaleDataError

from registry.core.actor import Actor
from registry.core.errors import ServiceError, StaleRecord
from registry.core.extensions import db
from registry.core.forms import ConfirmForm
from registry.core.lists import like  # noqa: F401 (the list pages of accounts use it)

CONFLICT = 409
logger = logging.getLogger(__name__)
PER_PAGE = 25


def actor() -> Actor:
    """Who is acting, for the audit log: the logged-in user and their address."""
    return Actor.of(current_user, request.remote_addr)


def form_page(template: str, **context):
    """A function that renders `template` with `context` and the form (and more) it is given:
    `render = form_page("x.html", record=record)`, then `render(form=form)`."""
    return partial(render_template, template, **context)


def reloaded(record):
    """The record as stored now (after a rollback), or None when someone deleted it."""
    try:
        db.session.refresh(record)
    except InvalidRequestError:  # deleted meanwhile
        return None
    return record


def show_error(form, error: ServiceError) -> None:
    """Show a service's refusal next to its field, or above the form when it has none."""
    if error.field and error.field in form:
        target = form[error.field]
        target.errors = [*target.errors, str(error)]
    else:
        flash(str(error), "error")


def conflict(render, submitted, current):
    """409: the form again, now with the stored values and version (`current`), and what the
    user had typed in `submitted`."""
    return render(form=current, conflict=True, typed=submitted.typed()), CONFLICT


def save_form(form, render, save, done, fresh=None, message=None):
    """Run `save()` for a validated form, commit, flash and redirect to `done(record)`.

    `message(record)` is flashed, by default "Your changes have been saved.". A refusal is
    shown next to its field (200). A save over a newer version answers 409 with `fresh()` (the
    form with the current values and version) and what the user had typed; when the record
    was deleted meanwhile, the user is sent to `done(None)`.
    """
    try:
        record = save()
        db.session.commit()
    except (StaleRecord, StaleDataError) as error:
        db.session.rollback()
        logger.info("save refused: %s was changed after the form was opened", request.path)
        stale = getattr(error, "record", None)  # a StaleDataError does not say which record
        if stale is not None and reloaded(stale) is None:
            flash(
                _("Someone else deleted this record after you opened it; nothing was saved."),
                "error",
            )
            return redirect(done(None))
        return conflict(render, form, fresh())
    except ServiceError as error:
        db.session.rollback()
        logger.info("save refused on %s: %s (field %s)", request.path, error, error.field)
        show_error(form, error)
        return render(form=form)
    except IntegrityError:
        logger.info("save refused on %s: a concurrent duplicate", request.path)
        # Two people saved the same unique code or name at the same moment.
        db.session.rollback()
        flash(
            _(
                "This could not be saved: someone else saved a record with the same code or "
                "name at the same moment. Check the form and save again."
            ),
            "error",
        )
        return render(form=form), CONFLICT
    flash(message(record) if message else _("Your changes have been saved."), "success")
    return redirect(done(record))


def edit_page(form, render, save, done, fresh=None, message=None):
    """An edit form's page: the form (GET, or a POST that does not validate), or for a valid
    POST `save_form(form, render, save, done, fresh, message)`."""
    if form.validate_on_submit():
        return save_form(form, render, save, done, fresh, message)
    return render(form=form)


def list_page(template: str, search, query, counts=None, **context):
    """A maintenance list: one page of `query(q)` for the search form's text q, rendered with
    `page`, `search` and `q`. With `counts(ids)` (a dict by id) each item is (record, count)."""
    q = (search.q.data or "").strip()
    page = db.paginate(query(q), per_page=PER_PAGE, error_out=False)
    if counts is not None:
        found = counts([record.id for record in page.items])
        page.items = [(record, found.get(record.id, 0)) for record in page.items]
    return render_template(template, page=page, search=search, q=q, **context)


def delete_page(record, references, action, done, *, name, back, retire_url=None, deleted=None):
    """The catalogue's delete confirmation (`services/delete.html`): what still refers to the
    record, Cancel to `back`, retiring instead when `retire_url` is given; on success
    "<deleted or name> has been deleted." and the user goes to `done`."""
    return confirm_page(
        record,
        form_page(
            "services/delete.html",
            record=record,
            references=references,
            name=name,
            back=back,
            retire_url=retire_url,
        ),
        action,
        lambda: done,
        _("%(name)s has been deleted.", name=deleted or name),
    )


def confirm_page(record, render, action, done, message: str, stale_message: str | None = None):
    """A retire or delete confirmation (GET) and its execution (POST): `action(version)` with
    the version the user saw, then `message` is flashed and the user goes to `done()`.

    On a newer version the page answers 409 (with `conflict` set, and `stale_message` flashed
    when given); a refusal is flashed above the page again.
    """
    form = ConfirmForm(obj=record) if request.method == "GET" else ConfirmForm()
    if form.validate_on_submit():
        try:
            action(form.version.data)
            db.session.commit()
        except (StaleRecord, StaleDataError):
            db.session.rollback()
            logger.info("%s refused: the record changed after the page was opened", request.path)
            if reloaded(record) is None:
                flash(_("Someone else deleted this record after you opened it."), "error")
                return redirect(done())
            if stale_message:
                flash(stale_message, "error")
            return render(form=ConfirmForm(formdata=None, obj=record), conflict=True), CONFLICT
        except ServiceError as error:
            db.session.rollback()
            logger.info("%s refused: %s", request.path, error)
            flash(str(error), "error")
            return render(form=ConfirmForm(formdata=None, obj=record))
        flash(message, "success")
        return redirect(done())
    return render(form=form)
