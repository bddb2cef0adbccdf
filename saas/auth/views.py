"""Login, logout, password change and forgotten password inside a street: /<slug>/login …"""

from __future__ import annotations

import time

from flask import Blueprint, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from saas.audit.services import record
from saas.auth import codes as sms_codes
from saas.auth import recovery, services
from saas.auth.access import signed_in
from saas.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm
from saas.auth.phone import mask_phone, normalise_phone
from saas.auth.sessions import (
    may_remember,
    renew_session,
    session_ends_at,
    session_id,
    sign_in,
)
from saas.auth.throttle import (
    count_login_attempt,
    count_password_check,
    login_failed,
    login_succeeded,
    password_check_succeeded,
)
from saas.db import utcnow
from saas.errors import ServiceError
from saas.extensions import db, limiter
from saas.forms import attach_error, parse_id
from saas.modules import home_endpoint
from saas.streets import privacy
from saas.ui import render
from saas.views import code_button, submit_form

bp = Blueprint("auth", __name__, url_prefix="/<slug:tenant>")


def safe_next(default: str) -> str:
    target = request.args.get("next") or request.form.get("next") or ""
    prefix = f"/{g.tenant.slug}/"
    if target.startswith(prefix) and not target.startswith("//"):
        return target
    return default


def home_for(user) -> str:
    """Where ``user`` lands: their role's home, as the modules declare it."""
    return url_for(home_endpoint(user))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(home_for(current_user)))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        phone = normalise_phone(form.phone.data)
        realm = str(g.tenant.id)
        if not count_login_attempt(realm, phone):
            record(db.session, "login.throttled", None, detail={})
            db.session.commit()
            form.form_errors.append(_("密码错误次数过多，请 15 分钟后再试"))
            return render("auth/login.html", form=form), 429
        try:
            user = services.authenticate(db.session, form.phone.data, form.password.data)
        except services.AccountDisabled as refused:
            known = services.user_for_phone(db.session, form.phone.data)
            record(db.session, "login.failure", known.id, detail={"reason": "disabled"})
            db.session.commit()
            form.form_errors.append(refused.message)
            return render("auth/login.html", form=form), 403
        if user is None:
            login_failed(realm, phone)
            known = services.user_for_phone(db.session, form.phone.data)
            record(db.session, "login.failure", known.id if known else None)
            db.session.commit()
            form.form_errors.append(_("手机号或密码不正确"))
            status = 401
        else:
            login_succeeded(realm, phone)
            sign_in(user, remember=bool(form.remember.data))
            user.last_login_at = utcnow()
            record(db.session, "login.success", user.id)
            db.session.commit()
            return redirect(safe_next(home_for(user)))
    elif request.method == "POST":
        status = 400
    return render("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        ends_at = session_ends_at(user, session)
        services.end_session(db.session, user, session_id(session), ends_at, int(time.time()))
        record(db.session, "logout", user.id)
        db.session.commit()
    logout_user()
    renew_session(session)
    flash(_("您已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    status = 200
    realm = str(g.tenant.id)
    if form.validate_on_submit():
        # the current password can be guessed here too (a session left open): a counter of the
        # account's own, so this form and the login cannot use up each other's tries
        if not count_password_check(realm, current_user.id):
            form.form_errors.append(_("密码错误次数过多，请 15 分钟后再试"))
            return render("auth/password.html", form=form, may_remember=may_remember), 429
        try:
            services.change_password(
                db.session,
                current_user,
                form.current_password.data,
                form.password.data,
                form.password_confirm.data,
            )
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
            status = 422
        else:
            db.session.commit()
            password_check_succeeded(realm, current_user.id)
            remembered = bool(session.get("remember"))
            # the cookie must carry the new token
            sign_in(current_user._get_current_object(), remember=remembered)
            flash(_("密码已修改，其他设备上的登录已退出"), "success")
            return redirect(home_for(current_user))
    elif request.method == "POST":
        status = 422
    return render("auth/password.html", form=form, may_remember=may_remember), status


# --- a forgotten password -------------------------------------------------------------------------

#: the id of the page's block around the "获取验证码" button, swapped by htmx
CODE_BLOCK = "code-send"


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def forgot_password():
    """The phone, an SMS code to it, and a new password; then the login page.

    Not signed in afterwards: the person types the new password once more at the login page (and
    the browser may offer to save it), and the login's own checks and limits apply.
    """
    form = ForgotPasswordForm()
    if request.method == "POST" and request.form.get("send_code"):
        return _send_reset_code(form)
    if request.method == "GET" and request.headers.get("HX-Target") == CODE_BLOCK:
        # the button coming back on once the resend gap is over
        return render("auth/forgot.html", "code_send", form=form, **_reset_code_state())
    submitted = submit_form(
        form,
        lambda: recovery.reset_password(
            db.session,
            g.tenant,
            session,
            phone=form.phone.data,
            code=form.code.data,
            password=form.password.data,
            password_confirm=form.password_confirm.data,
        ),
    )
    if submitted.done:
        # the earlier wrong passwords were someone failing to remember this one
        login_succeeded(str(g.tenant.id), submitted.result.phone)
        flash(_("密码已重置，其他设备上的登录已退出。请用新密码登录"), "success")
        return redirect(url_for("auth.login"))
    return render("auth/forgot.html", form=form, **_reset_code_state()), submitted.status


def _sent_message(masked: str) -> str:
    # the same words whether or not the number has an account here
    return _("如该手机号已在本街道注册，验证码已发送至 %(phone)s，10 分钟内有效", phone=masked)


def _reset_code_state() -> dict:
    phone = sms_codes.pending_phone(recovery.RESET, session, g.tenant)
    if phone is None:
        return {"code_wait": 0, "code_message": None, "code_error": False}
    return {
        "code_wait": sms_codes.resend_wait(recovery.RESET, phone),
        "code_message": _sent_message(mask_phone(phone)),
        "code_error": False,
    }


def _send_reset_code(form: ForgotPasswordForm):
    """The "获取验证码" button: for htmx the block with the answer, else the whole page as typed."""
    block = "code_send" if request.headers.get("HX-Request") == "true" else None
    state, status = code_button(
        lambda: recovery.send_reset_code(
            db.session, g.tenant, session, form.phone.data, request.remote_addr or "unknown"
        ),
        _sent_message,
    )
    return render("auth/forgot.html", block, form=form, **state), status


# --- the street's privacy notice, agreed to before anything else ------------------------------


@bp.route("/privacy/agree", methods=["GET", "POST"])
@signed_in
def privacy_agree():
    """The notice in force with an agree button, shown to a signed-in person who has not agreed
    to it (an account an admin made, or a notice changed since). Agreeing is recorded."""
    done = safe_next(home_for(current_user))
    tenant = g.tenant
    current = tenant.privacy_version
    if session.get(privacy.SESSION_KEY, 0) >= current:
        return redirect(done)
    agreed = privacy.agreed_version(db.session, current_user)
    if agreed >= current:  # agreed in another browser: nothing to ask here
        session[privacy.SESSION_KEY] = agreed
        return redirect(done)
    status = 200
    if request.method == "POST":
        shown = parse_id(request.form.get("version"))
        if shown == current:
            try:
                privacy.record_consent(db.session, tenant, current_user, current, privacy.VIA_LOGIN)
            except ServiceError as error:
                db.session.rollback()
                flash(error.message, "error")
                status = 409
            else:
                db.session.commit()
                session[privacy.SESSION_KEY] = current
                return redirect(done)
        else:
            # the page was older than the notice now in force: this one must be read first
            flash(_("隐私政策刚刚更新，请阅读新版本后再同意"), "warning")
            status = 409
    notice = privacy.notice_text(db.session, tenant)
    return render(
        "auth/privacy_agree.html",
        notice=notice,
        paragraphs=privacy.paragraphs(notice.body) if notice else [],
        first_time=agreed == 0,
        next=done,
    ), status
