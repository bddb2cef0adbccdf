"""A person's own data (/<slug>/account/data: download, ask for deletion), the admin's deletion
requests (/<slug>/deletion-requests) and the street's retention (/<slug>/settings/retention)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import admin_only, signed_in
from saas.errors import ServiceError
from saas.extensions import db
from saas.forms import attach_error, parse_id
from saas.rights import services
from saas.rights.forms import DeletionRequestForm, RefuseForm, RetentionForm
from saas.rights.models import DeletionStatus
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import disposition, sheets_response

bp = Blueprint("rights", __name__, url_prefix="/<slug:tenant>")


def _me():
    return current_user._get_current_object()


@bp.route("/account/data")
@signed_in
def my_data():
    user = _me()
    return render(
        "rights/my_data.html",
        sheets=services.personal_sheets(db.session, user),
        latest=services.latest_request(db.session, user),
        may_ask=services.may_ask_deletion(user),
        status_labels=services.STATUS_LABELS,
    )


@bp.route("/account/data.xlsx")
@signed_in
def my_data_xlsx():
    return sheets_response(_("我的个人信息.xlsx"), services.personal_sheets(db.session, _me()))


@bp.route("/account/data.json")
@signed_in
def my_data_json():
    body = json.dumps(services.personal_json(db.session, _me()), ensure_ascii=False, indent=2)
    attachment = disposition(_("我的个人信息.xlsx")).replace(".xlsx", ".json")
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": attachment, "Cache-Control": "private, no-store"},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@signed_in
def ask_deletion():
    user = _me()
    if not services.may_ask_deletion(user):
        flash(_("工作人员与单位账号请联系街道管理员注销"), "error")
        return redirect(url_for("rights.my_data"))
    pending = services.pending_request(db.session, user)
    form = DeletionRequestForm()
    if pending is not None:
        return render("rights/ask_deletion.html", form=form, pending=pending)
    submitted = submit_form(
        form, lambda: services.request_deletion(db.session, user, form.password.data)
    )
    if submitted.done:
        flash(_("注销申请已提交，街道管理员处理后您会收到结果"), "success")
        return redirect(url_for("rights.my_data"))
    return render("rights/ask_deletion.html", form=form, pending=None), submitted.status


@bp.route("/account/delete/withdraw", methods=["POST"])
@signed_in
def withdraw_deletion():
    try:
        services.withdraw_request(db.session, _me())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("注销申请已撤回"), "success")
    return redirect(url_for("rights.my_data"))


# --- the admin's side ----------------------------------------------------------------------------


def _requests_page(form: RefuseForm | None = None, refusing: int | None = None, status=200):
    shown = request.args.get("status", DeletionStatus.pending)
    if shown not in (*DeletionStatus, "all"):
        shown = DeletionStatus.pending
    lines = services.list_requests(db.session, None if shown == "all" else shown)
    return render(
        "rights/requests.html",
        lines=lines,
        shown=shown,
        form=form or RefuseForm(formdata=None),
        refusing=refusing,
        status_labels=services.STATUS_LABELS,
    ), status


@bp.route("/deletion-requests")
@admin_only
def requests_list():
    return _requests_page()


@bp.route("/deletion-requests/<request_id>/confirm", methods=["POST"])
@admin_only
def confirm(request_id):
    found = services.get_request_or_404(db.session, parse_id(request_id))
    try:
        services.confirm_request(db.session, _me(), found)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("已注销该账号，个人信息已清除"), "success")
    return redirect(url_for("rights.requests_list"))


@bp.route("/deletion-requests/<request_id>/refuse", methods=["POST"])
@admin_only
def refuse(request_id):
    found = services.get_request_or_404(db.session, parse_id(request_id))
    form = RefuseForm()
    if not form.validate_on_submit():
        return _requests_page(form, found.id, 422)
    try:
        services.refuse_request(db.session, _me(), found, form.reason.data)
    except ServiceError as error:
        db.session.rollback()
        if error.field:
            attach_error(form, error)
            return _requests_page(form, found.id, 422)
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("已拒绝该注销申请，并通知了申请人"), "success")
    return redirect(url_for("rights.requests_list"))


@bp.route("/settings/retention", methods=["GET", "POST"])
@admin_only
def retention():
    form = RetentionForm()
    current = services.retention_of(g.tenant)
    if request.method == "GET":
        form.audit_days.data = str(current.audit_days)
        form.inactive_days.data = str(current.inactive_days or "")
    submitted = submit_form(
        form,
        lambda: services.save_retention(
            db.session, _me(), g.tenant, form.audit_days.data, form.inactive_days.data
        ),
    )
    if submitted.done:
        flash(_("数据保留设置已保存"), "success")
        return redirect(url_for("rights.retention"))
    plan = services.retention_plan(db.session, g.tenant)
    return render("rights/retention.html", form=form, plan=plan), submitted.status
