"""/<slug>/alliance/… pages of the meetings area: joint meetings and their resolutions (office),
a unit's meetings and resolutions (its phone page), the members' service report (monthly, per
unit), and the yearly evaluation (admin)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import admin_only, office, signed_in
from saas.errors import ServiceError
from saas.extensions import db
from saas.forms import parse_id, parse_page
from saas.ui import render, street_today
from saas.views import submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.alliance import evaluation as ev
from tenants.alliance import meetings as services
from tenants.alliance import unit_report as report
from tenants.alliance.meeting_forms import (
    DoneForm,
    MeetingForm,
    MinutesForm,
    ResolutionForm,
    RulesForm,
)
from tenants.alliance.models import Meeting, ResolutionStatus
from tenants.alliance.units import get_unit_or_404
from tenants.orgs.models import Organisation, OrgKind
from tenants.orgs.records import organisation_of

bp = Blueprint(
    "alliance_meetings", __name__, url_prefix="/<slug:tenant>", template_folder="templates"
)
T = "alliance/meetings/"


def _labels() -> dict:
    return {"kind_labels": services.KIND_LABELS, "status_labels": services.STATUS_LABELS}


# --- meetings (office) ---------------------------------------------------------------------------


def _meeting_filters() -> dict:
    when = request.args.get("when", "")
    kind = request.args.get("kind", "")
    return {
        "when": when if when in ("upcoming", "past") else "",
        "kind": kind if kind in services.KIND_LABELS else "",
    }


@bp.route("/alliance/meetings")
@office
def meetings():
    filters = _meeting_filters()
    page = parse_page(request.args.get("page"))
    rows, total = services.list_meetings(db.session, filters["when"], filters["kind"], page)
    return render(
        T + "list.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=services.PAGE,
        args=filters,
        **_labels(),
    )


@bp.route("/alliance/meetings.xlsx")
@office
@download
def export_meetings():
    filters = _meeting_filters()
    rows, total = services.list_meetings(
        db.session, filters["when"], filters["kind"], 1, export_limit()
    )
    return workbook_response(
        _("联席会议") + ".xlsx",
        [_("会议"), _("类型"), _("时间"), _("地点"), _("邀请单位"), _("出席单位"), _("决议")],
        (
            (
                r.meeting.title,
                str(services.KIND_LABELS.get(r.meeting.kind, r.meeting.kind)),
                r.meeting.starts_at,
                r.meeting.place,
                r.invited,
                r.attended,
                r.resolutions,
            )
            for r in rows
        ),
        total,
    )


def _meeting_form_choices(form: MeetingForm) -> list[Organisation]:
    units = services.alliance_units(db.session)
    form.units.choices = [SelectChoice(str(u.id), u.name) for u in units]
    return units


@bp.route("/alliance/meetings/new", methods=["GET", "POST"])
@office
def new_meeting():
    form = MeetingForm()
    units = _meeting_form_choices(form)

    def act():
        data = services.MeetingData(
            title=form.title.data,
            kind=form.kind.data,
            on=form.on.data,
            at=form.at.data,
            place=form.place.data or "",
            unit_ids=[parse_id(v) or 0 for v in form.units.data or []],
            weekly=bool(form.weekly.data),
            occurrences=form.occurrences.data if form.weekly.data else None,
            until=form.until.data if form.weekly.data and form.occurrences.data is None else None,
        )
        return services.create_meeting(db.session, current_user, g.tenant.slug, data)

    submitted = submit_form(form, act)
    if submitted.done:
        made = submitted.result
        if len(made) > 1:
            flash(_("已安排 %(n)d 次每周例会，并通知了受邀单位", n=len(made)), "success")
        else:
            flash(_("会议已安排，并通知了受邀单位"), "success")
        return redirect(url_for("alliance_meetings.meeting", meeting_id=made[0].id))
    chosen = set(form.units.data or [])
    return render(T + "new.html", form=form, units=units, chosen=chosen), submitted.status


def _meeting_page(
    meeting: Meeting,
    status: int = 200,
    minutes_form: MinutesForm | None = None,
    resolution_form: ResolutionForm | None = None,
):
    resolution_form = resolution_form or ResolutionForm(formdata=None)
    units = services.alliance_units(db.session)
    staff = services.staff_members(db.session)
    resolution_form.owner.choices = (
        [SelectChoice("", _("请选择"))]
        + [SelectChoice(f"unit:{u.id}", _("单位：%(name)s", name=u.name)) for u in units]
        + [SelectChoice(f"user:{u.id}", _("工作人员：%(name)s", name=u.name)) for u in staff]
    )
    return render(
        T + "detail.html",
        meeting=meeting,
        invites=services.invites_of(db.session, meeting),
        series=services.series_of(db.session, meeting),
        resolutions=services.resolutions_of_meeting(db.session, meeting),
        minutes_form=minutes_form or MinutesForm(formdata=None, minutes=meeting.minutes),
        resolution_form=resolution_form,
        **_labels(),
    ), status


def _meeting_or_404(meeting_id: int) -> Meeting:
    return services.get_meeting_or_404(db.session, meeting_id)


@bp.route("/alliance/meetings/<int:meeting_id>")
@office
def meeting(meeting_id: int):
    return _meeting_page(_meeting_or_404(meeting_id))


@bp.route("/alliance/meetings/<int:meeting_id>/attendance", methods=["POST"])
@office
def attendance(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    values = {"yes": True, "no": False}
    attended = {}
    for key, raw in request.form.items():
        if key.startswith("attended-"):
            invite_id = parse_id(key.removeprefix("attended-"))
            if invite_id:
                attended[invite_id] = values.get(raw)
    services.record_attendance(db.session, current_user, meeting, attended)
    db.session.commit()
    flash(_("出席情况已保存"), "success")
    return redirect(url_for("alliance_meetings.meeting", meeting_id=meeting_id))


@bp.route("/alliance/meetings/<int:meeting_id>/minutes", methods=["POST"])
@office
def minutes(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = MinutesForm()
    submitted = submit_form(
        form, lambda: services.save_minutes(db.session, current_user, meeting, form.minutes.data)
    )
    if submitted.done:
        flash(_("会议纪要已保存"), "success")
        return redirect(url_for("alliance_meetings.meeting", meeting_id=meeting_id))
    return _meeting_page(_meeting_or_404(meeting_id), 422, minutes_form=form)


@bp.route("/alliance/meetings/<int:meeting_id>/resolutions", methods=["POST"])
@office
def add_resolution(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = ResolutionForm()
    submitted = submit_form(
        form,
        lambda: services.add_resolution(
            db.session, current_user, meeting, form.text.data, form.owner.data, form.due_on.data
        ),
    )
    if submitted.done:
        if submitted.result.overdue:
            flash(_("决议已记录。注意：截止日期早于今天，该决议已逾期。"), "warning")
        else:
            flash(_("决议已记录"), "success")
        return redirect(url_for("alliance_meetings.meeting", meeting_id=meeting_id))
    return _meeting_page(_meeting_or_404(meeting_id), 422, resolution_form=form)


# --- resolutions (office) ------------------------------------------------------------------------


def _resolution_filters() -> dict:
    status = request.args.get("status", "")
    return {
        "status": status if status in ResolutionStatus.__members__ else "",
        "overdue": "1" if request.args.get("overdue") == "1" else "",
        "unit": str(parse_id(request.args.get("unit")) or ""),
    }


def _list_resolutions(filters: dict, page: int, size: int = services.PAGE):
    return services.list_resolutions(
        db.session,
        filters["status"],
        filters["overdue"] == "1",
        parse_id(filters["unit"]),
        page,
        size,
    )


@bp.route("/alliance/resolutions")
@office
def resolutions():
    filters = _resolution_filters()
    page = parse_page(request.args.get("page"))
    rows, total = _list_resolutions(filters, page)
    return render(
        T + "resolutions.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=services.PAGE,
        args=filters,
        units=services.alliance_units(db.session),
        **_labels(),
    )


@bp.route("/alliance/resolutions.xlsx")
@office
@download
def export_resolutions():
    filters = _resolution_filters()
    rows, total = _list_resolutions(filters, 1, export_limit())
    yes = _("是")
    return workbook_response(
        _("会议决议") + ".xlsx",
        [
            _("决议"),
            _("会议"),
            _("会议时间"),
            _("负责单位或负责人"),
            _("截止日期"),
            _("状态"),
            _("逾期"),
            _("完成说明"),
        ],
        (
            (
                r.resolution.text,
                r.meeting_title,
                r.meeting_starts_at,
                r.owner_name,
                r.resolution.due_on,
                str(services.STATUS_LABELS.get(r.resolution.status, r.resolution.status)),
                yes if r.overdue else "",
                r.resolution.done_note,
            )
            for r in rows
        ),
        total,
    )


@bp.route("/alliance/resolutions/<int:resolution_id>/close", methods=["POST"])
@office
def close_resolution(resolution_id: int):
    resolution = services.get_resolution_or_404(db.session, resolution_id)
    status = request.form.get("status", "")
    try:
        services.close_resolution(
            db.session, current_user, resolution, status, request.form.get("note", "")
        )
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("决议状态已更新"), "success")
    return redirect(url_for("alliance_meetings.meeting", meeting_id=resolution.meeting_id))


# --- a unit's own meetings and resolutions (its phone page) --------------------------------------


def _my_unit() -> Organisation:
    """The alliance unit the signed-in org account acts for; 404 for any other account (a page
    that is not theirs and "another street's" look the same)."""
    unit = organisation_of(db.session, current_user)
    if unit is None or unit.kind != OrgKind.alliance:
        abort(404)
    return unit


def _unit_page(unit: Organisation, status: int = 200, done_form=None, failed_id=None):
    upcoming, past = services.unit_meetings(db.session, unit.id)
    return render(
        T + "unit.html",
        unit=unit,
        upcoming=upcoming,
        past=past,
        resolutions=services.unit_resolutions(db.session, unit.id),
        done_form=done_form,
        failed_id=failed_id,
        last_month=report.month_key(report.previous_month(street_today().replace(day=1))),
        **_labels(),
    ), status


@bp.route("/alliance/unit/meetings")
@signed_in
def unit_meetings():
    return _unit_page(_my_unit())


@bp.route("/alliance/unit/meetings/<int:meeting_id>")
@signed_in
def unit_meeting(meeting_id: int):
    unit = _my_unit()
    meeting = services.get_unit_meeting_or_404(db.session, unit.id, meeting_id)
    mine = [
        r
        for r in services.resolutions_of_meeting(db.session, meeting)
        if r.resolution.owner_organisation_id == unit.id
    ]
    return render(T + "unit_meeting.html", meeting=meeting, resolutions=mine, **_labels())


@bp.route("/alliance/unit/resolutions/<int:resolution_id>/done", methods=["POST"])
@signed_in
def unit_done(resolution_id: int):
    unit = _my_unit()
    resolution = services.get_resolution_or_404(db.session, resolution_id)
    if resolution.owner_organisation_id != unit.id:
        abort(404)
    form = DoneForm()
    submitted = submit_form(
        form,
        lambda: services.close_resolution(
            db.session, current_user, resolution, ResolutionStatus.done, form.note.data or ""
        ),
    )
    if submitted.done:
        flash(_("已标记为完成"), "success")
        return redirect(url_for("alliance_meetings.unit_meetings"))
    return _unit_page(unit, 422, done_form=form, failed_id=resolution_id)


def _month_or_404(raw: str) -> date:
    first = report.parse_month(raw)
    if first is None:
        abort(404)
    return first


def _unit_report_file(unit: Organisation, first: date):
    month = report.unit_month(db.session, unit, first)
    rows: list[tuple] = [(m.name, m.hours, m.events) for m in month.members]
    rows.append((_("合计（%(n)d 人服务）", n=month.serving), month.hours, month.events))
    rows.append((_("居民评价"), str(report.NO_RATINGS), ""))
    return workbook_response(
        _("%(unit)s-%(month)s-党员服务月报", unit=unit.name, month=report.month_key(first))
        + ".xlsx",
        [_("党员"), _("服务时长（小时）"), _("参加活动（次）")],
        rows,
    )


@bp.route("/alliance/unit/report/<month>.xlsx")
@signed_in
def unit_report(month: str):
    unit = _my_unit()
    return _unit_report_file(unit, _month_or_404(month))


# --- the members' service report (office) --------------------------------------------------------


def _chosen_month() -> date:
    return report.parse_month(request.args.get("month")) or report.previous_month(
        street_today().replace(day=1)
    )


@bp.route("/alliance/reports/service")
@office
def service_report():
    first = _chosen_month()
    units = report.units_month(db.session, first, current_user.limited_to_community)
    page = parse_page(request.args.get("page"))
    size = services.PAGE * 2
    return render(
        T + "service.html",
        "rows",
        rows=units[(page - 1) * size : page * size],
        total=len(units),
        page=page,
        page_size=size,
        month=report.month_key(first),
        no_ratings=report.NO_RATINGS,
    )


@bp.route("/alliance/reports/service.xlsx")
@office
@download
def export_service_report():
    first = _chosen_month()
    units = report.units_month(db.session, first, current_user.limited_to_community)
    return workbook_response(
        _("%(month)s-共建单位党员服务", month=report.month_key(first)) + ".xlsx",
        [_("单位"), _("报到党员"), _("参加服务人数"), _("服务时长（小时）"), _("参加活动（个）")],
        ((u.name, len(u.members), u.serving, u.hours, u.events) for u in units),
    )


@bp.route("/alliance/reports/service/<int:organisation_id>/<month>.xlsx")
@office
def office_unit_report(organisation_id: int, month: str):
    unit = get_unit_or_404(db.session, current_user, organisation_id)
    return _unit_report_file(unit, _month_or_404(month))


# --- the yearly evaluation (admin) ---------------------------------------------------------------


def _year() -> int:
    raw = request.args.get("year", "")
    this_year = street_today().year
    return int(raw) if raw.isdecimal() and 2000 <= int(raw) <= this_year + 1 else this_year


def _rules_form(rules: ev.Rules) -> RulesForm:
    t = rules.thresholds
    return RulesForm(
        formdata=None,
        w_events=rules.w_events,
        w_projects=rules.w_projects,
        w_hours=rules.w_hours,
        w_meetings=rules.w_meetings,
        star2=t[0],
        star3=t[1],
        star4=t[2],
        star5=t[3],
    )


@bp.route("/alliance/evaluation", methods=["GET", "POST"])
@admin_only
def evaluation():
    year = _year()
    form = RulesForm() if request.method == "POST" else _rules_form(ev.rules_of(g.tenant))

    def act():
        rules = ev.Rules(
            w_events=form.w_events.data,
            w_projects=form.w_projects.data,
            w_hours=form.w_hours.data,
            w_meetings=form.w_meetings.data,
            thresholds=(form.star2.data, form.star3.data, form.star4.data, form.star5.data),
        )
        ev.save_rules(db.session, current_user, g.tenant, rules)

    status = 200
    if request.method == "POST":
        submitted = submit_form(form, act)
        if submitted.done:
            flash(_("考评规则已保存"), "success")
            return redirect(url_for("alliance_meetings.evaluation", year=year))
        status = submitted.status
    rules = ev.rules_of(g.tenant)
    scores = ev.evaluate(db.session, year, rules)
    return render(
        T + "evaluation.html",
        scores=scores,
        year=year,
        this_year=street_today().year,
        form=form,
        rules=rules,
    ), status


@bp.route("/alliance/evaluation.xlsx")
@admin_only
@download
def export_evaluation():
    year = _year()
    scores = ev.evaluate(db.session, year, ev.rules_of(g.tenant))
    return workbook_response(
        _("%(year)d年度共建单位考评", year=year) + ".xlsx",
        [
            _("排名"),
            _("单位"),
            _("参加活动"),
            _("完成项目"),
            _("党员服务时长"),
            _("出席会议"),
            _("得分"),
            _("星级"),
        ],
        (
            (s.rank, s.name, s.events, s.projects, s.hours, s.meetings, s.score, "★" * s.stars)
            for s in scores
        ),
    )
