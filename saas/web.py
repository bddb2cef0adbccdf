"""The request's path through tenancy and auth.

``/<tenant>/…`` → the street is looked up by slug (404 if unknown) → its scope is entered → the
session's user is loaded inside that scope (a cookie from another street loads nobody) → per-role
session limits are checked → the view runs → the scope is left at teardown.
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import cache

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import BigInteger, bindparam, select
from werkzeug.routing import BaseConverter, IntegerConverter

from saas import tenancy
from saas.auth.models import User
from saas.auth.sessions import renew_session, session_expired, session_revoked, touch_session
from saas.db import utcnow
from saas.extensions import db, login_manager
from saas.forms import MAX_ID, MAX_INT32, parse_id
from saas.platform.models import Operator
from saas.streets.cache import tenant_by_slug
from saas.streets.models import Tenant
from saas.streets.privacy import SESSION_KEY as PRIVACY_SESSION_KEY

SLUG_PATTERN = r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]"


class SlugConverter(BaseConverter):
    regex = SLUG_PATTERN


class IdConverter(IntegerConverter):
    """``<int:…>`` in every URL: an id the database can hold, so a huge number is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["int"] = IdConverter
    app.url_value_preprocessor(_resolve_tenant)
    app.url_defaults(_add_tenant_slug)
    app.before_request(_refuse_nul_characters)
    app.before_request(_check_tenant_and_session)
    app.teardown_request(_leave_scope)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "basic"


def _resolve_tenant(endpoint: str | None, values: dict | None) -> None:
    if not values or "tenant" not in values:
        return
    slug = values.pop("tenant")
    tenant = tenant_by_slug(db.session, slug)
    if tenant is None:
        abort(404)
    g.tenant = tenant
    g.tenant_scope_token = tenancy.activate(tenant.id)


def _add_tenant_slug(endpoint: str, values: dict) -> None:
    if "tenant" in values or "tenant" not in _rule_args(endpoint):
        return
    tenant = g.get("tenant")
    if tenant is not None:
        values["tenant"] = tenant.slug


def _rule_args(endpoint: str) -> set[str]:
    from flask import current_app

    cache = current_app.extensions.setdefault("endpoint_args", {})
    if endpoint not in cache:
        args: set[str] = set()
        for rule in current_app.url_map.iter_rules(endpoint):
            args |= rule.arguments
        cache[endpoint] = args
    return cache[endpoint]


def _leave_scope(exc: BaseException | None) -> None:
    token = g.pop("tenant_scope_token", None)
    if token is not None:
        tenancy.deactivate(token)


def _load_user(user_id):
    if not isinstance(user_id, str):
        return None
    parts = user_id.split(":")
    if parts[0] == "u" and len(parts) == 4:
        tenant = g.get("tenant")
        uid = parse_id(parts[2])
        if tenant is None or str(tenant.id) != parts[1] or uid is None:
            return None
        user = db.session.scalar(_user_statement(), {"uid": uid})
        if user is not None and session_revoked(user, session):
            return None  # logged out on this session; the account's other sessions go on
    elif parts[0] == "o" and len(parts) == 3 and request.blueprint == "platform":
        oid = parse_id(parts[1], MAX_INT32)
        if oid is None:
            return None
        user = db.session.get(Operator, oid)
    else:
        return None
    if user is None or user.auth_token != parts[-1] or not user.is_active:
        return None
    return user


@cache
def _user_statement():
    """Built once: every signed-in request runs it."""
    return select(User).where(User.id == bindparam("uid", type_=BigInteger))


def _refuse_nul_characters() -> None:
    """No field ever needs a NUL character, and PostgreSQL refuses text containing one (a 500)."""
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.append(request.form)
    for source in sources:
        for values in source.listvalues():
            if any("\x00" in value for value in values):
                abort(400)


def _check_tenant_and_session() -> None:
    tenant = g.get("tenant")
    if tenant is not None and not tenant.is_active and request.endpoint != "static":
        if current_user.is_authenticated:
            logout_user()
        return abort_suspended(tenant)
    if current_user.is_authenticated:
        if session_expired(current_user, session, time.time()):
            logout_user()
            renew_session(session)
            flash(_("登录已超时，请重新登录"), "warning")
            return _unauthorized()
        touch_session(session, time.time())
        if _privacy_notice_pending(current_user, tenant):
            nxt = request.full_path.rstrip("?") if request.method == "GET" else None
            return _redirect(url_for("auth.privacy_agree", next=nxt))
        if _password_too_old(current_user):
            flash(
                _("您的密码已超过 %(n)d 天未修改，请先修改密码", n=_max_password_age()), "warning"
            )
            return _redirect(url_for("auth.change_password"))
    return None


#: what a person who has yet to agree to the street's privacy notice may still open
_ALLOWED_WITHOUT_CONSENT = {
    "auth.privacy_agree",
    "auth.logout",
    "streets.privacy_notice",
    "static",
    "set_language",
}


def _privacy_notice_pending(user, tenant: Tenant | None) -> bool:
    """The street's notice in force is newer than the one this session's person agreed to.

    No query: the agreed version was put in the session at sign-in (or on agreeing), and the
    street's row is the per-process cached one. ``<`` rather than ``!=``: a process whose cached
    row is a few seconds old must not ask again someone who just agreed to the newer version.
    """
    if tenant is None or user.role == "operator" or request.endpoint in _ALLOWED_WITHOUT_CONSENT:
        return False
    agreed = session.get(PRIVACY_SESSION_KEY)
    return not isinstance(agreed, int) or agreed < tenant.privacy_version


def _max_password_age() -> int:
    return current_app.config.get("PASSWORD_MAX_AGE_DAYS") or 0


#: what a person whose password must change may still open
_ALLOWED_WITH_OLD_PASSWORD = {"auth.change_password", "auth.logout", "static", "set_language"}


def _password_too_old(user) -> bool:
    """Forced rotation, off by default; a deployment assessed under 等保2.0 may turn it on."""
    days = _max_password_age()
    if not days or user.role == "operator" or request.endpoint in _ALLOWED_WITH_OLD_PASSWORD:
        return False
    return user.password_changed_at < utcnow() - timedelta(days=days)


def _redirect(target: str):
    if request.headers.get("HX-Request") == "true":
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def abort_suspended(tenant: Tenant):
    return render_template("errors/suspended.html", tenant=tenant), 403


def _unauthorized():
    if g.get("tenant") is not None:
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
    elif request.blueprint == "platform":
        target = url_for("platform.login")
    else:
        abort(404)
    if request.headers.get("HX-Request") == "true":
        return "", 401, {"HX-Redirect": target}
    return redirect(target)
