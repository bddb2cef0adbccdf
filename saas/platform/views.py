"""/platform/: the operator's pages. Streets with counts, suspend and reactivate; no personal data."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from saas.auth.forms import LoginForm
from saas.auth.passwords import burn_time, verify_password
from saas.auth.phone import normalise_phone
from saas.auth.services import end_all_sessions
from saas.auth.sessions import renew_session, sign_in
from saas.auth.throttle import count_login_attempt, login_failed, login_succeeded
from saas.extensions import db, login_manager
from saas.platform.dashboard import overview
from saas.platform.models import Operator, PlatformAuditEntry
from saas.streets.models import Tenant, TenantStatus
from saas.streets.services import set_status
from saas.ui import render

bp = Blueprint("platform", __name__, url_prefix="/platform")


def operator_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or current_user.role != "operator":
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        phone = normalise_phone(form.phone.data)
        if not count_login_attempt("platform", phone):
            form.form_errors.append(_("密码错误次数过多，请 15 分钟后再试"))
            return render("platform/login.html", form=form), 429
        operator = (
            db.session.scalar(select(Operator).where(Operator.phone == phone)) if phone else None
        )
        if operator is None:
            burn_time(form.password.data)
        if operator is None or not verify_password(operator.password_hash, form.password.data):
            login_failed("platform", phone)
            db.session.add(
                PlatformAuditEntry(
                    operator_id=operator.id if operator else None, action="login.failure"
                )
            )
            db.session.commit()
            form.form_errors.append(_("手机号或密码不正确"))
            status = 401
        else:
            login_succeeded("platform", phone)
            sign_in(operator)
            db.session.add(PlatformAuditEntry(operator_id=operator.id, action="login.success"))
            db.session.commit()
            return redirect(url_for("platform.streets"))
    elif request.method == "POST":
        status = 400
    return render("platform/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated and current_user.role == "operator":
        end_all_sessions(db.session, current_user._get_current_object())
        db.session.commit()
    logout_user()
    renew_session(session)
    return redirect(url_for("platform.login"))


@bp.route("/")
@operator_required
def streets():
    """The operator's dashboard (平台概览): streets by status, sign-ups per week, usage per
    street with the suspend and reactivate buttons. Counts only."""
    return render("platform/streets.html", overview=overview(db.session))


@bp.route("/streets/<int(max=2147483647):tenant_id>/status", methods=["POST"])
@operator_required
def change_status(tenant_id: int):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    wanted = request.form.get("status", "")
    if wanted not in TenantStatus.__members__:
        abort(400)
    set_status(db.session, tenant, TenantStatus(wanted), current_user.id)
    db.session.commit()
    if wanted == TenantStatus.suspended:
        flash(_("已暂停“%(name)s”", name=tenant.name), "warning")
    else:
        flash(_("已恢复“%(name)s”", name=tenant.name), "success")
    return redirect(url_for("platform.streets"))
