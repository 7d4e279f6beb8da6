"""The home page: what is in the registry, with a way into each area."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from registry.catalogue.models.competences import Competence
from registry.catalogue.models.services import Requirement, Service
from registry.core.decorators import permission_required
from registry.core.extensions import db
from registry.core.permissions import Permission
from registry.people.models.staff import Person

bp = Blueprint("main", __name__)


def registry_counts() -> dict[str, int]:
    """Counts of the main records, in one query."""
    row = db.session.execute(
        select(
            select(func.count()).select_from(Service).scalar_subquery().label("services"),
            select(func.count())
            .select_from(Competence)
            .where(Competence.retired.is_(False))
            .scalar_subquery()
            .label("competences"),
            select(func.count()).select_from(Person).scalar_subquery().label("people"),
            select(func.count()).select_from(Requirement).scalar_subquery().label("requirements"),
        )
    ).one()
    return dict(row._mapping)


@bp.route("/")
@permission_required(Permission.READ)
def home():
    return render_template("main/home.html", counts=registry_counts())
