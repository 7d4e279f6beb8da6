"""Who is calling: the account and token of the request (`GET /api/v1/me`)."""

from registry.accounts import schemas
from registry.accounts.api_blueprint import api_blueprint
from registry.accounts.bearer import current_token, requires
from registry.core.api import errors
from registry.core.permissions import Permission

me = api_blueprint("api_me", "me", "The account and token making the request.")
BLUEPRINTS = (me,)


@me.route("", methods=["GET"])
@requires(Permission.READ)
@me.response(200, schemas.WhoAmI)
@errors(me)
def whoami():
    """The account, role and token scope of the request."""
    token = current_token()
    return {
        "email": token.user.email,
        "role": token.user.role,
        "scope": token.scope,
        "token_id": token.id,
        "expires_at": token.expires_at,
    }
