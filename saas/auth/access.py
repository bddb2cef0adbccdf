"""Access decorators for views: who may open a page of a street."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from saas.extensions import login_manager


def require_role(*roles: str) -> Callable:
    """Signed in to this street with one of ``roles``; otherwise the login page, or 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role == "operator":
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


signed_in = require_role()
office = require_role("admin", "staff")
admin_only = require_role("admin")
