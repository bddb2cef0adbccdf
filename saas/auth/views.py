"""Login, logout and password change inside a street: /<slug>/login …"""

from __future__ import annotations

import time

from flask import Blueprint, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from saas.audit.services import record
from saas.auth import services
from saas.auth.access import signed_in
from saas.auth.forms import ChangePasswordForm, LoginForm
from saas.auth.phone import normalise_phone
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
from saas.extensions import db
from saas.forms import attach_error
from saas.ui import render

bp = Blueprint("auth", __name__, url_prefix="/<slug:tenant>")


def safe_next(default: str) -> str:
    target = request.args.get("next") or request.form.get("next") or ""
    prefix = f"/{g.tenant.slug}/"
    if target.startswith(prefix) and not target.startswith("//"):
        return target
    return default


def home_for(user) -> str:
    if user.role in ("admin", "staff"):
        return url_for("console.dashboard")
    return url_for("passport.me")  # the volunteer's (and unit's) home on the phone


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
