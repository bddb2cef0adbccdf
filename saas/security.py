"""Security headers and the error pages (403, 404, 413, 429, 500, 503, CSRF failure)."""

from __future__ import annotations

import logging
import re

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as PageNotFound

from saas.errors import NotFound

log = logging.getLogger(__name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

ERROR_PAGES = {400, 403, 404, 405, 413, 429, 500}


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _csrf_failed)
    # a service's NotFound (no such row, or another street's: the same answer) is the 404 page
    app.register_error_handler(NotFound, lambda error: _http_error(PageNotFound()))
    app.register_error_handler(HTTPException, _http_error)
    for error in (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError):
        app.register_error_handler(error, _database_error)
    app.register_error_handler(Exception, _unexpected)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.vary.add("HX-Request")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _csrf_failed(error: CSRFError):
    return render_template("errors/csrf.html", tenant=g.get("tenant")), 400


def _http_error(error: HTTPException):
    code = error.code or 500
    if code not in ERROR_PAGES:
        return error
    if g.get("tenant") is None:
        _enter_street_of_path()
    return render_template(f"errors/{code}.html", error=error, tenant=g.get("tenant")), code


def _enter_street_of_path() -> None:
    """A URL no route matched under /<slug>/…: enter that street, so the error wears its layout.

    The same as a matched route would do (its scope, its signed-in person); left at teardown.
    """
    from saas import tenancy

    tenant = _street_of_path()
    if tenant is not None:
        g.tenant = tenant
        g.tenant_scope_token = tenancy.activate(tenant.id)


def _street_of_path():
    from saas.extensions import db
    from saas.streets.cache import tenant_by_slug
    from saas.web import SLUG_PATTERN

    first = request.path.lstrip("/").split("/", 1)[0]
    if "/" not in request.path.lstrip("/") or not re.fullmatch(SLUG_PATTERN, first):
        return None
    try:
        return tenant_by_slug(db.session, first)
    except Exception:  # an error page must not fail for want of its decoration
        log.exception("could not look up the street of %s", request.path)
        return None


def _database_error(error: Exception):
    """A row waited on past ``lock_timeout`` (``saas.locks``), or the database out of reach
    (``saas.health``): 503, "busy, try again", with ``Retry-After`` and no traceback. Any other
    database failure is unexpected."""
    from saas import health, locks
    from saas.extensions import db

    if locks.timed_out(error):
        reason = str(error.orig).splitlines()[0]
        log.warning("lock timeout on %s %s: %s", request.method, request.path, reason)
        db.session.rollback()  # the page may read (the signed-in person) after a failed statement
        return _busy_page(5)
    reason = health.database_outage(error)
    if reason is None:
        return _unexpected(error)
    if not g.get("database_outage_logged"):  # one line per request, however often it is met
        g.database_outage_logged = True
        log.error("database unavailable on %s %s: %s", request.method, request.path, reason)
    _render_without_the_database()
    return _busy_page(health.RETRY_AFTER)


def _render_without_the_database() -> None:
    """Nothing on the error page may query: what is loaded keeps its values (detached, so no
    refresh is tried), and a person who could not be loaded is shown as signed out."""
    from saas.extensions import db, login_manager

    db.session.expunge_all()
    db.session.rollback()
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


def _busy_page(retry_after: int):
    headers = {"Retry-After": str(retry_after)}
    try:
        return render_template("errors/503.html", tenant=g.get("tenant")), 503, headers
    except Exception:
        log.exception("could not render the 503 page")
        return "503 系统繁忙，请稍后再试", 503, headers


def _unexpected(error: Exception):
    log.exception("unhandled error on %s", request.path)
    try:
        return render_template("errors/500.html", tenant=g.get("tenant")), 500
    except Exception:  # the template itself may be what broke
        return "500 服务器内部错误", 500
