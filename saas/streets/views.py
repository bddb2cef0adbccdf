"""The landing page, self-serve sign-up, a street's front door, /healthz."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from saas.auth.sessions import sign_in
from saas.errors import ServiceError
from saas.extensions import db, limiter
from saas.forms import attach_error
from saas.jobs import queue
from saas.notify.preferences import request_language
from saas.streets import services
from saas.streets.forms import SignupForm
from saas.streets.slugs import slug_problem
from saas.tenancy import tenant_scope
from saas.ui import render

bp = Blueprint("streets", __name__)


@bp.route("/")
def landing():
    return render("streets/landing.html")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup():
    form = SignupForm()
    status = 200
    if form.validate_on_submit():
        try:
            tenant, admin = services.open_street(
                db.session,
                services.StreetSignup(
                    street_name=form.street_name.data,
                    slug=form.slug.data.strip(),
                    district=form.district.data,
                    city=form.city.data or "",
                    admin_name=form.admin_name.data,
                    phone=form.phone.data,
                    password=form.password.data,
                    password_confirm=form.password_confirm.data,
                    language=request_language(),
                ),
            )
        except ServiceError as error:
            attach_error(form, error)
            status = 422
        else:
            db.session.commit()
            with tenant_scope(tenant.id):  # the committed rows reload inside their street
                sign_in(admin)
            return redirect(url_for("streets.street_home", tenant=tenant.slug))
    elif request.method == "POST":
        status = 422
    return render("streets/signup.html", form=form), status


@bp.route("/signup/slug")
def slug_check():
    """htmx: suggest a slug from the street's name, and say whether the typed one is free."""
    name = request.args.get("street_name", "")[:100]
    typed = request.args.get("slug", "").strip()[:60]
    previous = request.args.get("slug_suggested", "")
    suggestion = services.available_suggestion(db.session, name) if name.strip() else ""
    if suggestion and (not typed or typed == previous):
        typed = suggestion
    problem = slug_problem(typed) if typed else None
    if typed and not problem and services.slug_taken(db.session, typed):
        problem = _("访问地址“%(slug)s”已被使用", slug=typed)
    form = SignupForm(formdata=None, slug=typed, slug_suggested=suggestion)
    return render(
        "streets/signup.html",
        "slug_field",
        form=form,
        slug_problem=problem,
        slug_checked=bool(typed),
    )


@bp.route("/<slug:tenant>/")
def street_home():
    if current_user.is_authenticated:
        if current_user.role in ("admin", "staff"):
            return redirect(url_for("structure.dashboard"))
        return redirect(url_for("passport.me"))
    return render("streets/home.html")


@bp.route("/healthz")
def healthz():
    state = {"database": "ok", "queue": "in-process"}
    code = 200
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # report, don't raise: this page exists to say what is down
        state["database"] = f"error: {type(exc).__name__}"
        code = 503
    q = queue(current_app)
    if q is not None:
        try:
            q.connection.ping()
            state["queue"] = "ok"
            state["queued_jobs"] = q.count
        except Exception as exc:
            state["queue"] = f"error: {type(exc).__name__}"
    state["time"] = int(time.time())
    g.skip_session = True
    return jsonify(state), code
