"""The one permission decorator every protected view uses."""

from functools import wraps

from flask import abort
from flask_login import current_user

from registry.core import tenancy
from registry.core.permissions import Permission


def permission_required(permission: Permission, shared: bool = False):
    """Refuse (403) unless the logged-in user's role grants `permission`; `shared`: on what
    the whole region shares (the catalogue), which takes the user's region role.

    The permission is also recorded on the view, so tests can list what each route needs.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from registry.core.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.can(permission, shared=shared):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        wrapped.region_role = shared  # the check takes the region role (tests read this)
        return wrapped

    return decorator


def sees_region(permission: Permission = Permission.READ) -> bool:
    """Whether the logged-in user may open the region view with `permission`: the registry
    holds several organisations and the user's region role grants it."""
    return (
        current_user.is_authenticated
        and tenancy.several_organisations()
        and current_user.can(permission, shared=True)
    )


def region_required(permission: Permission):
    """The region view's check: `sees_region(permission)`, else 404 (never 403): for a member
    of one organisation, or in a registry of one organisation, the region view does not
    exist, as a record of another organisation does not. Visitors are sent to log in."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from registry.core.extensions import login_manager

                return login_manager.unauthorized()
            if not sees_region(permission):
                abort(404)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator
