"""/<slug>/join for volunteers; /<slug>/people for the admin's account management."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth import services as accounts
from saas.auth.access import admin_only, office
from saas.auth.models import Role
from saas.auth.phone import mask_phone
from saas.auth.sessions import sign_in
from saas.errors import ServiceError
from saas.extensions import db, limiter
from saas.forms import attach_error, parse_page
from saas.notify.preferences import request_language
from saas.ui import render
from saas.views import code_button
from saas.xlsx import download, export_limit, shown_phone, workbook_response
from tenants.people import services, verification
from tenants.people.forms import AccountForm, JoinForm
from tenants.structure.services import active_communities, community_names

bp = Blueprint("people", __name__, url_prefix="/<slug:tenant>")


def _community_choices(blank: str):
    return [SelectChoice("", blank)] + [
        SelectChoice(str(c.id), c.name) for c in active_communities(db.session)
    ]


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def join():
    if current_user.is_authenticated:
        return redirect(url_for("notify.inbox"))
    form = JoinForm()
    form.community.choices = _community_choices(_("请选择"))
    needs_sms = verification.join_needs_sms(g.tenant)
    if needs_sms and request.method == "POST" and request.form.get("send_code"):
        return _send_code(form)
    if needs_sms and request.method == "GET" and request.headers.get("HX-Target") == CODE_BLOCK:
        # the button coming back on once the resend gap is over
        return render("people/join.html", "code_send", form=form, **_code_state())
    status = 200
    if form.validate_on_submit():
        try:
            user = services.register_volunteer(
                db.session,
                g.tenant,
                phone=form.phone.data,
                name=form.name.data,
                community_id=form.community.data,
                password=form.password.data,
                password_confirm=form.password_confirm.data,
                party_member=form.party_member.data,
                agreed_privacy=bool(form.agree_privacy.data),
                code=form.code.data,
                codes=session,
                language=request_language(),
            )
        except ServiceError as error:
            attach_error(form, error)
            status = 422
        else:
            db.session.commit()
            sign_in(user, remember=True)
            flash(_("注册成功，欢迎加入！"), "success")
            return redirect(url_for("notify.inbox"))
    elif request.method == "POST":
        status = 422
    state = _code_state() if needs_sms else {}
    return render("people/join.html", form=form, needs_sms=needs_sms, **state), status


#: the id of the join page's block around the "获取验证码" button, swapped by htmx
CODE_BLOCK = "code-send"


def _code_state() -> dict:
    """What the block around the button shows: where the visitor's live code went and how long
    until the button may be pressed again."""
    phone = verification.pending_phone(session, g.tenant)
    if phone is None:
        return {"code_wait": 0, "code_message": None, "code_error": False}
    return {
        "code_wait": verification.resend_wait(phone),
        "code_message": _("验证码已发送至 %(phone)s，10 分钟内有效", phone=mask_phone(phone)),
        "code_error": False,
    }


def _send_code(form: JoinForm):
    """The "获取验证码" button: for htmx the block with the answer, else the whole page as typed."""
    block = "code_send" if request.headers.get("HX-Request") == "true" else None
    state, status = code_button(
        lambda: verification.send_code(
            session, g.tenant, form.phone.data, request.remote_addr or "unknown"
        ),
        lambda masked: _("验证码已发送至 %(phone)s，10 分钟内有效", phone=masked),
    )
    return render("people/join.html", block, form=form, needs_sms=True, **state), status


def _account_filters() -> tuple[str | None, str, bool]:
    """The list's role, search and party filters from the query string."""
    role = request.args.get("role", "")[:20] or None
    return role, request.args.get("q", "")[:50], request.args.get("party") == "1"


@bp.route("/people")
@office
def accounts_list():
    role, query, party = _account_filters()
    page = parse_page(request.args.get("page"))
    users, total = services.list_accounts(db.session, current_user, role, query, page, party)
    return render(
        "people/list.html",
        "rows",
        users=users,
        total=total,
        page=page,
        page_size=services.PAGE,
        role=role,
        q=query,
        party=party,
        communities=community_names(db.session),
        roles=Role,
    )


@bp.route("/people/export.xlsx")
@office
@download
def export_accounts():
    """The list as its filters narrow it, every row (up to the export's cap); phones as the
    list shows them to the viewer."""
    role, query, party = _account_filters()
    users, total = services.list_accounts(
        db.session, current_user, role, query, 1, party, size=export_limit()
    )
    communities = community_names(db.session)
    role_names = {
        Role.admin: _("街道管理员"),
        Role.staff: _("社区工作人员"),
        Role.org: _("单位账号"),
        Role.volunteer: _("志愿者"),
    }
    yes = _("是")
    return workbook_response(
        _("人员账号") + ".xlsx",
        [
            _("姓名"),
            _("手机号"),
            _("角色"),
            _("社区"),
            _("党员"),
            _("网格员"),
            _("状态"),
            _("注册时间"),
        ],
        (
            (
                u.name,
                shown_phone(current_user, u.phone),
                role_names.get(u.role, u.role),
                communities.get(u.community_id, ""),
                yes if u.is_party_member else "",
                yes if u.is_grid_worker else "",
                _("正常") if u.is_enabled else _("已停用"),
                u.created_at,
            )
            for u in users
        ),
        total,
    )


@bp.route("/people/new", methods=["GET", "POST"])
@admin_only
def create_account():
    form = AccountForm()
    form.community.choices = _community_choices(_("不限"))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.create_account(
                db.session,
                current_user,
                phone=form.phone.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                email=form.email.data,
                community_id=form.community.data,
            )
        except ServiceError as error:
            attach_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("已创建账号：%(name)s", name=user.name), "success")
            return redirect(url_for("people.accounts_list"))
    elif request.method == "POST":
        status = 422
    return render("people/new.html", form=form), status


@bp.route("/people/<int:user_id>/<action>", methods=["POST"])
@admin_only
def account_action(user_id: int, action: str):
    user = accounts.get_user_or_404(db.session, user_id)
    try:
        if action == "disable":
            accounts.set_enabled(db.session, current_user, user, False)
        elif action == "enable":
            accounts.set_enabled(db.session, current_user, user, True)
        elif action == "role" and request.form.get("role") in Role.__members__:
            accounts.change_role(db.session, current_user, user, Role(request.form["role"]))
        else:
            abort(400)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("people.accounts_list"))
    db.session.commit()
    flash(_("已保存"), "success")
    return redirect(url_for("people.accounts_list"))
