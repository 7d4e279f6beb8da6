"""The organisation a request acts in, and the header's organisation switch.

Every request acts in one organisation (`core.tenancy`): the one chosen with the switch (kept
in the session) when the user may act in it, else the first they may. An API request acts in
its token user's first organisation, or the one named by the header `X-Organisation` (the
code); a code the user may not act in is answered like an unknown record: 404. A token
narrowed to one organisation acts in that one only: a header naming another is answered 404
(and the token stops working, 401, when its user may no longer act there).
"""

from flask import Blueprint, abort, g, redirect, request, session, url_for
from flask_login import current_user

from registry.accounts import bearer
from registry.core import tenancy
from registry.core.extensions import login_manager
from registry.organisations import services

bp = Blueprint("organisations", __name__)

SESSION_KEY = "organisation"
API_HEADER = "X-Organisation"


def _user():
    """The user of the request and, for the API with a token, the token (else None); the
    API's reference page is read in a browser session."""
    if request.path.startswith("/api/") and request.headers.get("Authorization"):
        token = bearer.current_token()
        return (token.user if token is not None else None), token
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return user, None


def enter_scope() -> None:
    """`before_request`: act in the user's organisation (a visitor, and a static file: in
    none, without loading the account)."""
    user, token = (None, None) if request.endpoint == "static" else _user()
    if user is None:
        g.place = None
        # No query here: /readyz must answer without the database.
        g.scope_token = tenancy.enter(tenancy.Scope(tenancy.NOBODY, several=True))
        return
    wanted = session.get(SESSION_KEY)
    narrowed = token.organisation_id if token is not None else None
    code = request.headers.get(API_HEADER) if request.path.startswith("/api/") else None
    if narrowed is not None:
        wanted = narrowed
    if code:
        organisation = services.by_code(code.strip())
        named = organisation.id if organisation else -1
        if narrowed is not None and named != narrowed:
            abort(404)  # the token acts in its own organisation only
        wanted = named
    place = services.place_of(user, wanted)
    if (code or narrowed is not None) and (
        place.organisation is None or place.organisation.id != wanted
    ):
        abort(404)
    g.place = place
    g.scope_token = tenancy.enter(services.scope_of(place))


def leave_scope(_exception=None) -> None:
    token = g.pop("scope_token", None)
    if token is not None:
        tenancy.leave(token)


def init_app(app) -> None:
    app.before_request(enter_scope)
    app.teardown_request(leave_scope)

    @app.context_processor
    def _place():
        return {"place": g.get("place")}


@bp.route("/organisation", methods=["POST"])
def switch():
    """The header's switch: act in another organisation from the next page on."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    place = g.get("place")
    wanted = request.form.get("organisation", type=int)
    if place is None or wanted not in {o.id for o in place.choices}:
        abort(404)
    session[SESSION_KEY] = wanted
    # The home page of the organisation chosen: a record of the one left does not exist there.
    return redirect(url_for("main.home"))
