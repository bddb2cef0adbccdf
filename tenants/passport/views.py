"""/<slug>/… pages of 志愿护照 (passport): the volunteer's home, history, certificate; points
settings, the staff's passport list and adjustments."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from saas.auth.access import admin_only, office, signed_in
from saas.auth.models import Role
from saas.errors import ServiceError
from saas.extensions import db
from saas.forms import attach_error, parse_id, parse_page
from saas.modules import home_endpoint
from saas.qr import qr_svg
from saas.ui import render
from saas.xlsx import download, export_limit, workbook_response
from tenants.passport import ledger, services
from tenants.passport.codes import passport_token
from tenants.passport.forms import KIND_LABELS, AdjustForm, PointSettingsForm
from tenants.people.verification import join_needs_sms, set_join_sms
from tenants.structure.services import community_names

bp = Blueprint("passport", __name__, url_prefix="/<slug:tenant>")


# --- the volunteer ------------------------------------------------------------------------------


@bp.route("/me")
@signed_in
def me():
    if current_user.role != Role.volunteer:
        # a passport is a volunteer's: opening /me issued one to admins and units, who then
        # showed up in the passport list and the ranks
        return redirect(url_for(home_endpoint(current_user)))
    home = services.home(db.session, current_user, g.tenant)
    if home.issued:  # a first visit: the new passport is kept
        db.session.commit()
    return render("passport/me.html", home=home)


@bp.route("/me/qr.svg")
@signed_in
def qr():
    """The passport's QR code as an image of its own: drawing it costs more than the whole page,
    and the code never changes, so the phone keeps it (ETag; a day's private caching)."""
    if current_user.role != Role.volunteer:
        abort(404)
    passport = services.passport_for(db.session, current_user, g.tenant)
    db.session.commit()
    token = passport_token(g.tenant.id, passport.id)
    etag = hashlib.sha256(token.encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):  # the phone has it: do not draw it again
        response = Response(status=304)
    else:
        response = Response(qr_svg(token), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.set_etag(etag)
    return response


@bp.route("/me/history")
@signed_in
def history():
    passport = services.own_passport(db.session, current_user)
    before = parse_id(request.args.get("before"))
    entries = services.history(db.session, passport.id, before) if passport else []
    expiring = []
    if passport is not None and before is None and request.headers.get("HX-Request") != "true":
        expiring = ledger.expiring(db.session, passport.id)
    return render(
        "passport/history.html",
        "entries",
        passport=passport,
        entries=entries,
        expiring=expiring,
        page_size=services.HISTORY_PAGE,
    )


def _certificate_page(person, form_action: str):
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    error = None
    try:
        start, end = services.parse_period(raw_from, raw_to)
    except ServiceError as refusal:
        error = refusal.message
        start, end = services.parse_period("", "")
    cert = services.certificate(db.session, person, start, end)
    return render(
        "passport/certificate.html",
        cert=cert,
        error=error,
        raw_from=raw_from[:10] if error else start.isoformat(),
        raw_to=raw_to[:10] if error else end.isoformat(),
        form_action=form_action,
    ), (422 if error else 200)


@bp.route("/me/certificate")
@signed_in
def my_certificate():
    return _certificate_page(current_user, url_for("passport.my_certificate"))


@bp.route("/people/<int:user_id>/certificate")
@office
def person_certificate(user_id: int):
    person = services.get_person_or_404(db.session, current_user, user_id)
    return _certificate_page(person, url_for("passport.person_certificate", user_id=user_id))


# --- the admin's points settings ---------------------------------------------------------------


def _fill_settings_form(form: PointSettingsForm, current: services.PointSettings) -> None:
    form.default_points.data = str(current.default_points)
    form.party_bonus_percent.data = str(current.party_bonus_percent)
    form.points_expiry.data = current.points_expiry
    months = current.points_expiry_months
    form.points_expiry_months.data = "" if months is None else str(months)
    form.entered_hours_earn_points.data = current.entered_hours_earn_points
    form.auto_confirm.data = current.auto_confirm
    form.passport_prefix.data = current.passport_prefix
    form.wish_points.data = str(current.wish_points)
    form.join_sms.data = join_needs_sms(g.tenant)
    for kind, points in current.kind_points.items():
        getattr(form, f"kind_{kind}").data = "" if points is None else str(points)


@bp.route("/settings/points", methods=["GET", "POST"])
@admin_only
def point_settings():
    form = PointSettingsForm()
    status = 200
    if request.method == "GET":
        _fill_settings_form(form, services.point_settings(db.session, g.tenant))
    elif form.validate_on_submit():
        values = services.PointSettings(
            default_points=form.default_points.value,
            kind_points={
                kind.value: getattr(form, f"kind_{kind.value}").value for kind in KIND_LABELS
            },
            party_bonus_percent=form.party_bonus_percent.value,
            points_expiry=form.points_expiry.data,
            points_expiry_months=form.points_expiry_months.value,
            entered_hours_earn_points=form.entered_hours_earn_points.data,
            auto_confirm=form.auto_confirm.data,
            passport_prefix=form.passport_prefix.data or "",
            wish_points=form.wish_points.value,
        )
        try:
            changes = services.save_point_settings(db.session, current_user, g.tenant, values)
            sms_changed = set_join_sms(db.session, current_user, g.tenant, form.join_sms.data)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
            status = 422
        except IntegrityError:  # two admins saving the same new rule at the same moment
            db.session.rollback()
            form.form_errors.append(_("设置刚被他人修改，请重新提交"))
            status = 422
        else:
            if changes:
                flash(_("积分设置已保存"), "success")
            else:
                flash(_("设置已保存") if sms_changed else _("设置没有变化"), "success")
            return redirect(url_for("passport.point_settings"))
    else:
        status = 422
    return render(
        "passport/settings.html",
        form=form,
        kinds=KIND_LABELS,
        default_prefix=services.default_passport_prefix(g.tenant),
    ), status


# --- the staff's list of passports, and adjustments --------------------------------------------


def _list_query() -> str:
    return request.values.get("q", "")[:50]


def _list_page(adjust_error: dict | None = None, status: int = 200):
    query = _list_query()
    page = parse_page(request.values.get("page"))
    rows, total = services.list_passports(db.session, current_user, query, page)
    return render(
        "passport/passports.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=services.PASSPORTS_PAGE,
        q=query,
        communities=community_names(db.session),
        adjust_error=adjust_error or {},
    ), status


@bp.route("/passports")
@office
def passports():
    return _list_page()


@bp.route("/passports/export.xlsx")
@office
@download
def export_passports():
    """The list as the page filters it, every row (up to the export's cap)."""
    query = _list_query()
    rows, total = services.list_passports(db.session, current_user, query, 1, export_limit())
    communities = community_names(db.session)
    yes = _("是")
    return workbook_response(
        _("志愿护照") + ".xlsx",
        [
            _("护照编号"),
            _("姓名"),
            _("党员"),
            _("社区"),
            _("积分"),
            _("累计时长（小时）"),
            _("今年时长（小时）"),
        ],
        (
            (
                p.number,
                p.name,
                yes if p.is_party_member else "",
                communities.get(p.community_id, ""),
                p.balance,
                p.hours_total,
                p.hours_year,
            )
            for p in rows
        ),
        total,
    )


@bp.route("/passports/<int:passport_id>/adjust", methods=["POST"])
@admin_only
def adjust(passport_id: int):
    passport = services.get_passport_or_404(db.session, passport_id)
    number = passport.number
    form = AdjustForm()
    error = None
    if form.validate_on_submit():
        try:
            entry = services.adjust_points(
                db.session, current_user, passport, form.delta.value, form.reason.data
            )
        except ServiceError as refusal:
            db.session.rollback()
            error = refusal.message
        else:
            message = _(
                "已调整 %(number)s：%(d)+d，当前积分 %(n)d",
                number=passport.number,
                d=entry.delta,
                n=entry.balance_after,
            )
            db.session.commit()
            flash(message, "success")
            back = {"q": request.form.get("q", "")[:50]}
            page = parse_page(request.form.get("page"))
            if page > 1:
                back["page"] = page
            return redirect(url_for("passport.passports", **back))
    else:
        error = next(iter(form.errors.values()))[0] if form.errors else _("请检查填写内容")
    failed = {
        "number": number,
        "message": str(error),
        "delta": (request.form.get("delta") or "")[:20],
        "reason": (request.form.get("reason") or "")[:200],
    }
    return _list_page({passport_id: failed}, 422)
