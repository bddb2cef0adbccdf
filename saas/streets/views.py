"""The landing page, self-serve sign-up, a street's front door, /healthz."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from saas import health
from saas.auth.access import admin_only
from saas.auth.sessions import sign_in
from saas.errors import ServiceError
from saas.extensions import db, limiter
from saas.forms import MAX_INT32, attach_error, parse_id
from saas.modules import home_endpoint
from saas.notify.preferences import request_language
from saas.streets import privacy, services
from saas.streets.forms import PrivacyNoticeForm, SignupForm
from saas.streets.slugs import slug_problem
from saas.tenancy import tenant_scope
from saas.ui import render
from saas.views import submit_form

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
                    privacy_agreed=bool(form.agree_privacy.data),
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
        return redirect(url_for(home_endpoint(current_user)))
    return render("streets/home.html")


# --- privacy notices ----------------------------------------------------------------------------


@bp.route("/privacy")
def privacy_default():
    """The notice every new street starts with: what a street's admin agrees to at /signup."""
    text = privacy.NoticeText(1, privacy.DEFAULT_NOTICE, None)
    return render(
        "streets/privacy.html", notice=text, paragraphs=privacy.paragraphs(text.body), older=False
    )


@bp.route("/<slug:tenant>/privacy")
def privacy_notice():
    """The street's notice in force, public; ``?v=2`` shows an earlier version kept on file."""
    asked = request.args.get("v")
    version = parse_id(asked, MAX_INT32) if asked is not None else None
    if asked is not None and version is None:
        abort(404)
    text = privacy.notice_text(db.session, g.tenant, version)
    if text is None:
        abort(404)
    return render(
        "streets/privacy.html",
        notice=text,
        paragraphs=privacy.paragraphs(text.body),
        older=text.version != g.tenant.privacy_version,
    )


@bp.route("/<slug:tenant>/settings/privacy", methods=["GET", "POST"])
@admin_only
def privacy_settings():
    """The admin edits the notice; each change published is a new version."""
    form = PrivacyNoticeForm()
    if request.method == "GET":
        current = privacy.notice_text(db.session, g.tenant)
        form.body.data = current.body if current else privacy.DEFAULT_NOTICE
    result = submit_form(
        form, lambda: privacy.publish(db.session, current_user, g.tenant, form.body.data)
    )
    if result.done:
        if result.result is not None:
            session[privacy.SESSION_KEY] = result.result  # the publisher agreed to it
        if result.result is None:
            flash(_("内容没有变化，未发布新版本"), "info")
        else:
            flash(
                _("已发布第 %(v)d 版隐私政策，用户下次打开页面时将被要求重新同意", v=result.result),
                "success",
            )
        return redirect(url_for("streets.privacy_settings"))
    return render(
        "streets/privacy_settings.html",
        form=form,
        current_version=g.tenant.privacy_version,
        history=privacy.versions(db.session),
        max_length=privacy.MAX_LENGTH,
    ), result.status


@bp.route("/healthz")
def healthz():
    """Which dependency is down, as JSON; 503 when the database is (see ``saas.health``)."""
    state, code = health.report(current_app)
    g.skip_session = True
    headers = {"Retry-After": str(health.RETRY_AFTER)} if code == 503 else {}
    return jsonify(state), code, headers
