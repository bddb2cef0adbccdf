"""Area "memberday": the office's member days and offers, the merchant's offers and statements on
its phone, the residents' member-day page, and settlement (statements, the admin's settings).
Thin: the rules are in ``tenants.merchants.memberday`` and ``tenants.merchants.settlement``."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import admin_only, office, require_role, signed_in
from saas.auth.models import Role
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.forms import parse_id, parse_page
from saas.ui import render, street_today
from saas.views import submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.merchants import memberday, pledges, settlement
from tenants.merchants.memberday_forms import (
    MakeStatementsForm,
    OfferForm,
    SettlementSettingsForm,
)

bp = Blueprint(
    "merchants_memberday", __name__, url_prefix="/<slug:tenant>", template_folder="templates"
)
org_only = require_role(Role.org)


def _flash_done(act, message: str) -> bool:
    """Run a one-button service call: commit and say ``message``, or roll back and say why."""
    try:
        act()
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(message, "success")
    return True


# --- the office: member days and their offers ----------------------------------------------------


def _day_filters() -> memberday.MemberDayFilters:
    return memberday.MemberDayFilters(
        circle=parse_id(request.args.get("circle")), month=request.args.get("month", "")[:7]
    )


@bp.route("/merchants/member-days")
@office
def member_days():
    filters = _day_filters()
    page = parse_page(request.args.get("page"))
    rows, total = memberday.list_member_days(db.session, current_user, filters, page)
    return render(
        "merchants/memberday/member_days.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=memberday.PAGE,
        filters=filters,
        circles=memberday.circles(db.session, current_user),
    )


@bp.route("/merchants/member-days/export.xlsx")
@office
@download
def export_member_days():
    rows, total = memberday.list_member_days(
        db.session, current_user, _day_filters(), 1, export_limit()
    )
    return workbook_response(
        _("会员日") + ".xlsx",
        [_("会员日"), _("商圈"), _("优惠数"), _("兑换券数"), _("已提醒")],
        (
            (
                r.member_day.day.isoformat(),
                r.circle,
                r.offers,
                r.vouchers,
                r.member_day.reminded_at or "",
            )
            for r in rows
        ),
        total,
    )


@bp.route("/merchants/member-days/<int:member_day_id>")
@office
def member_day(member_day_id: int):
    day, circle = memberday.get_member_day_or_404(db.session, current_user, member_day_id)
    page = parse_page(request.args.get("page"))
    offers, total = memberday.offers_of(db.session, day, page)
    return render(
        "merchants/memberday/member_day.html",
        day=day,
        circle=circle,
        offers=offers,
        total=total,
        page=page,
        page_size=memberday.OFFERS_PAGE,
        kind_labels=memberday.KIND_LABELS,
    )


@bp.route("/merchants/member-days/<int:member_day_id>/offers.xlsx")
@office
@download
def export_offers(member_day_id: int):
    day, circle = memberday.get_member_day_or_404(db.session, current_user, member_day_id)
    offers, total = memberday.offers_of(db.session, day, 1, export_limit())
    return workbook_response(
        _("%(circle)s会员日优惠", circle=circle.name) + f" {day.day.isoformat()}.xlsx",
        [
            _("商户"),
            _("优惠方式"),
            _("优惠内容"),
            _("所需积分"),
            _("剩余数量"),
            _("已兑换"),
            _("已核销"),
        ],  # fmt: skip
        (
            (
                o.merchant,
                str(memberday.KIND_LABELS.get(o.offer.kind, "")),
                o.offer.text,
                o.price if o.price is not None else "",
                o.stock if o.stock is not None else "",
                o.redeemed,
                o.handed_over,
            )
            for o in offers
        ),
        total,
    )


@bp.route("/merchants/offers/<int:offer_id>/withdraw", methods=["POST"])
@office
def withdraw_offer(offer_id: int):
    offer = memberday.withdraw_offer(db.session, current_user, offer_id, g.tenant.slug)
    db.session.commit()
    flash(_("已撤下这项优惠"), "success")
    return redirect(url_for("merchants_memberday.member_day", member_day_id=offer.member_day_id))


# --- the merchant's phone: its offers ------------------------------------------------------------


def _offers_page(forms: dict | None = None, status: int = 200):
    merchant = memberday.profile_or_404(db.session, current_user)
    days = memberday.merchant_days(db.session, merchant, street_today())
    forms = forms or {}
    for d in days:
        forms.setdefault(d.member_day.id, OfferForm(formdata=None, prefix=f"d{d.member_day.id}"))
    return render(
        "merchants/memberday/offers.html",
        merchant=merchant,
        days=days,
        forms=forms,
        kind_labels=memberday.KIND_LABELS,
    ), status


@bp.route("/merchants/offers")
@org_only
def offers():
    return _offers_page()


@bp.route("/merchants/member-days/<int:member_day_id>/join", methods=["POST"])
@signed_in
def join(member_day_id: int):
    """The merchant's offer on a member day (anyone else, or another circle's day: 404)."""
    memberday.merchant_day_or_404(db.session, current_user, member_day_id)
    form = OfferForm(prefix=f"d{member_day_id}")
    done = submit_form(
        form,
        lambda: memberday.join_member_day(
            db.session,
            current_user,
            member_day_id,
            memberday.OfferInput(
                kind=form.kind.data or "",
                text=form.text.data or "",
                price=form.price.data or "",
                stock=form.stock.data or "",
            ),
            street_today(),
        ),
    )
    if done.done:
        flash(_("已参加会员日"), "success")
        return redirect(url_for("merchants_memberday.offers"))
    return _offers_page({member_day_id: form}, done.status)


# --- the residents' page -------------------------------------------------------------------------


@bp.route("/merchants/member-day")
@signed_in
def resident_page():
    circles = memberday.next_member_days(db.session, current_user, street_today())
    return render(
        "merchants/memberday/resident.html", circles=circles, kind_labels=memberday.KIND_LABELS
    )


@bp.route("/merchants/member-day/subscribe", methods=["POST"])
@signed_in
def subscribe():
    on = request.form.get("on") == "1"
    memberday.set_subscription(db.session, current_user, parse_id(request.form.get("circle")), on)
    db.session.commit()
    flash(_("已订阅会员日提醒，会员日前一天通知您") if on else _("已取消会员日提醒"), "success")
    return redirect(url_for("merchants_memberday.resident_page"))


# --- settlement: the office ----------------------------------------------------------------------


def _statement_filters() -> settlement.StatementFilters:
    return settlement.StatementFilters(
        month=request.args.get("month", "")[:7],
        circle=parse_id(request.args.get("circle")),
        status=request.args.get("status", "")[:10],
    )


@bp.route("/merchants/statements", methods=["GET", "POST"])
@office
def statements():
    form = MakeStatementsForm()
    status = 200
    if request.method == "GET":
        form.month.data = settlement.previous_month(street_today()).strftime("%Y-%m")
    else:

        def make():
            month = memberday.parse_month(form.month.data)
            if month is None:
                raise ServiceError(_("请选择月份"), "month")
            return settlement.make_statements(db.session, g.tenant, month, current_user)

        done = submit_form(form, make)
        if done.done:
            made, updated = done.result
            flash(_("已生成 %(made)d 份结算单，更新 %(updated)d 份", made=made, updated=updated),
                  "success")  # fmt: skip
            return redirect(url_for("merchants_memberday.statements", month=form.month.data))
        status = done.status
    filters = _statement_filters()
    page = parse_page(request.args.get("page"))
    rows, total = settlement.list_statements(db.session, current_user, filters, page)
    return render(
        "merchants/memberday/statements.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=settlement.PAGE,
        filters=filters,
        form=form,
        circles=memberday.circles(db.session, current_user),
        status_labels=settlement.STATUS_LABELS,
    ), status


def _statement_headers() -> list[str]:
    return [_("月份"), _("商户"), _("商圈"), _("核销张数"), _("积分"), _("每积分折合（元）"),
            _("折合金额（元）"), _("状态"), _("商户确认时间"), _("街道确认时间")]  # fmt: skip


def _statement_cells(r: settlement.StatementRow) -> tuple:
    s = r.statement
    return (
        s.month.strftime("%Y-%m"),
        r.merchant,
        r.circle or "",
        s.vouchers,
        s.points,
        s.yuan_per_point if s.yuan_per_point is not None else "",
        r.amount if r.amount is not None else "",
        str(settlement.STATUS_LABELS[r.status]),
        s.merchant_confirmed_at or "",
        s.street_confirmed_at or "",
    )


@bp.route("/merchants/statements/export.xlsx")
@office
@download
def export_statements():
    """The statements as filtered: a month's statements of a whole circle, or any other cut."""
    rows, total = settlement.list_statements(
        db.session, current_user, _statement_filters(), 1, export_limit()
    )
    return workbook_response(
        _("商户结算单") + ".xlsx",
        _statement_headers(),
        (_statement_cells(r) for r in rows),
        total,
    )


@bp.route("/merchants/statements/<int:statement_id>")
@office
def statement(statement_id: int):
    row = settlement.get_statement_or_404(db.session, current_user, statement_id)
    return render(
        "merchants/memberday/statement.html",
        row=row,
        lines=settlement.lines_of(db.session, row.statement),
        status_labels=settlement.STATUS_LABELS,
        office_view=True,
    )


@bp.route("/merchants/statements/<int:statement_id>/confirm", methods=["POST"])
@office
def confirm_statement(statement_id: int):
    _flash_done(
        lambda: settlement.confirm_by_street(db.session, current_user, statement_id),
        _("街道已确认结算单"),
    )
    return redirect(url_for("merchants_memberday.statement", statement_id=statement_id))


def _one_statement_xlsx(row: settlement.StatementRow):
    s = row.statement
    lines = settlement.lines_of(db.session, s, export_limit())
    cells = [(line.code, line.reward, line.holder, line.verified_at, line.points)
             for line in lines]  # fmt: skip
    cells.append((_("合计"), _("%(n)d 张", n=s.vouchers), "", "", s.points))
    if row.amount is not None:
        cells.append((_("折合金额（元）"), _("每积分 %(v)s 元", v=s.yuan_per_point), "", "",
                      row.amount))  # fmt: skip
    cells.append((_("状态"), str(settlement.STATUS_LABELS[row.status]), "", "", ""))
    return workbook_response(
        _("%(merchant)s结算单", merchant=row.merchant) + f" {s.month.strftime('%Y-%m')}.xlsx",
        [_("兑换码"), _("兑换券"), _("护照号"), _("核销时间"), _("积分")],
        cells,
    )


@bp.route("/merchants/statements/<int:statement_id>/export.xlsx")
@office
@download
def export_statement(statement_id: int):
    return _one_statement_xlsx(
        settlement.get_statement_or_404(db.session, current_user, statement_id)
    )


@bp.route("/merchants/settlement/settings", methods=["GET", "POST"])
@admin_only
def settlement_settings():
    form = SettlementSettingsForm()
    if request.method == "GET":
        value = settlement.yuan_per_point(g.tenant)
        form.yuan_per_point.data = str(value) if value is not None else ""
        form.pledge_points.data = str(pledges.pledge_points(g.tenant))

    def save() -> bool:
        value = settlement.save_value(db.session, current_user, g.tenant, form.yuan_per_point.data)
        rule = pledges.save_rule(db.session, current_user, g.tenant, form.pledge_points.data)
        return value or rule

    done = submit_form(form, save)
    if done.done:
        flash(_("结算设置已保存") if done.result else _("设置没有变化"), "success")
        return redirect(url_for("merchants_memberday.settlement_settings"))
    return render("merchants/memberday/settings.html", form=form), done.status


# --- settlement: the merchant's phone ------------------------------------------------------------


@bp.route("/merchants/my-statements")
@org_only
def my_statements():
    merchant = memberday.profile_or_404(db.session, current_user)
    return render(
        "merchants/memberday/my_statements.html",
        merchant=merchant,
        rows=settlement.my_statements(db.session, merchant),
        status_labels=settlement.STATUS_LABELS,
    )


@bp.route("/merchants/my-statements/<int:statement_id>")
@signed_in
def my_statement(statement_id: int):
    row = settlement.get_my_statement_or_404(db.session, current_user, statement_id)
    return render(
        "merchants/memberday/statement.html",
        row=row,
        lines=settlement.lines_of(db.session, row.statement),
        status_labels=settlement.STATUS_LABELS,
        office_view=False,
    )


@bp.route("/merchants/my-statements/<int:statement_id>/confirm", methods=["POST"])
@signed_in
def confirm_my_statement(statement_id: int):
    _flash_done(
        lambda: settlement.confirm_by_merchant(db.session, current_user, statement_id),
        _("已确认结算单"),
    )
    return redirect(url_for("merchants_memberday.my_statement", statement_id=statement_id))


@bp.route("/merchants/my-statements/<int:statement_id>/export.xlsx")
@signed_in
@download
def export_my_statement(statement_id: int):
    return _one_statement_xlsx(
        settlement.get_my_statement_or_404(db.session, current_user, statement_id)
    )
