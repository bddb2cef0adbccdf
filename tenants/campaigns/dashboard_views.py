"""/<slug>/campaigns/dashboard (office: the year's campaigns, each with a link to its dashboard),
/<slug>/campaigns/<id>/dashboard (office: charts and tables) and its .xlsx export;
/<slug>/campaigns/matchmaking and /<slug>/campaigns/events/<id>/profile (residents: their own
相亲结缘 profile), /<slug>/campaigns/events/<id>/profiles (office: an event's registrants')."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import office, require_role, signed_in
from saas.extensions import db
from saas.forms import parse_id
from saas.ui import render, street_today
from saas.views import submit_form
from saas.xlsx import Sheet, download, export_limit, sheets_response, workbook_response
from tenants.campaigns import dashboard as services
from tenants.campaigns import profiles
from tenants.campaigns.campaigns import STATUS_LABELS, get_campaign_or_404
from tenants.campaigns.dashboard_forms import ProfileForm
from tenants.campaigns.template import SEASON_LABELS, THEME_LABELS
from tenants.events.services import STATUS_LABELS as EVENT_STATUS_LABELS

bp = Blueprint(
    "campaigns_dashboard", __name__, url_prefix="/<slug:tenant>", template_folder="templates"
)
T = "campaigns/dashboard/"
resident = require_role("volunteer")


def _labels() -> dict:
    return {
        "season_labels": SEASON_LABELS,
        "theme_labels": THEME_LABELS,
        "campaign_status_labels": STATUS_LABELS,
        "event_status_labels": EVENT_STATUS_LABELS,
    }


def _theme(campaign) -> str:
    return campaign.custom_theme or str(THEME_LABELS.get(campaign.theme, campaign.theme))


# --- the year's campaigns (office) ---------------------------------------------------------------


def _year() -> int:
    year = parse_id(request.args.get("year"), 2100)
    return year if year and year >= 2000 else street_today().year


@bp.route("/campaigns/dashboard")
@office
def year():
    year = _year()
    return render(
        T + "year.html",
        year=year,
        rows=services.year_rows(db.session, year),
        this_year=street_today().year,
        **_labels(),
    )


@bp.route("/campaigns/dashboard/export.xlsx")
@office
@download
def export_year():
    """The year's campaigns as the page lists them, with their targets' mean completion."""
    year = _year()
    rows = services.year_rows(db.session, year)[: export_limit()]
    return workbook_response(
        _("%(year)d 年一季一品数据看板", year=year) + ".xlsx",
        [_("季节"), _("活动"), _("主题"), _("开始日期"), _("结束日期"), _("状态"), _("指标数"),
         _("平均完成率（%）")],
        (
            (
                str(SEASON_LABELS.get(r.campaign.season, r.campaign.season)),
                r.campaign.name,
                _theme(r.campaign),
                r.campaign.starts_on,
                r.campaign.ends_on,
                str(STATUS_LABELS.get(r.campaign.status, r.campaign.status)),
                r.targets,
                r.mean_percent if r.mean_percent is not None else "",
            )
            for r in rows
        ),
    )  # fmt: skip


# --- one campaign's dashboard (office) -----------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/dashboard")
@office
def campaign(campaign_id: int):
    board = services.dashboard(db.session, get_campaign_or_404(db.session, campaign_id))
    return render(
        T + "campaign.html",
        board=board,
        c=board.campaign,
        theme=_theme(board.campaign),
        kpi_json=json.dumps(board.kpi_chart, ensure_ascii=False),
        trend_json=json.dumps(board.trend_chart, ensure_ascii=False),
        **_labels(),
    )


@bp.route("/campaigns/<int:campaign_id>/dashboard.xlsx")
@office
@download
def export(campaign_id: int):
    board = services.dashboard(db.session, get_campaign_or_404(db.session, campaign_id))
    labels = _labels()
    return sheets_response(
        f"{board.campaign.year}{board.campaign.name}数据看板.xlsx",
        [
            Sheet(
                _("指标"),
                [_("指标"), _("单位"), _("目标"), _("完成"), _("完成率（%）")],
                (
                    (p.target.name, p.target.unit, p.target.target_value, p.actual, p.percent)
                    for p in board.progress
                ),
            ),
            Sheet(
                _("活动"),
                [_("活动"), _("时间"), _("状态"), _("名额"), _("报名（人次）"), _("参与（人次）")],
                (
                    (
                        e.title,
                        e.starts_at,
                        str(labels["event_status_labels"].get(e.status, e.status)),
                        e.capacity if e.capacity is not None else _("不限"),
                        e.registrations,
                        e.attendance,
                    )
                    for e in board.events
                ),
            ),
            Sheet(
                _("参与趋势"),
                [_("周起"), _("周止"), *(str(s.label) for s in board.series)],
                ((first, last, *values) for first, last, values in board.weekly_rows),
            ),
        ],
    )


# --- 相亲结缘: registrants' profiles --------------------------------------------------------------


@bp.route("/campaigns/matchmaking")
@resident
def my_matchmaking():
    """The resident's sign-ups for 相亲结缘 events, each with its profile to fill in."""
    return render(T + "matchmaking.html", rows=profiles.my_events(db.session, current_user))


@bp.route("/campaigns/events/<int:event_id>/profile", methods=["GET", "POST"])
@signed_in
def profile(event_id: int):
    if current_user.role != "volunteer":
        # 404 first, as for any id of another street; then: residents only
        profiles.get_matchmaking_event_or_404(db.session, event_id)
        abort(403)
    event, mine = profiles.get_registered_event_or_404(db.session, current_user, event_id)
    form = ProfileForm(obj=mine if request.method == "GET" else None)
    submitted = submit_form(
        form,
        lambda: profiles.save_profile(
            db.session,
            current_user,
            event,
            profiles.ProfileData(
                gender=form.gender.data or "",
                age_band=form.age_band.data or "",
                occupation=form.occupation.data or "",
                about=form.about.data or "",
            ),
        ),
    )
    if submitted.done:
        flash(_("交友资料已保存，仅街道工作人员可见"), "success")
        return redirect(url_for("campaigns_dashboard.my_matchmaking"))
    return render(T + "profile.html", form=form, event=event, saved=mine), submitted.status


@bp.route("/campaigns/events/<int:event_id>/profiles")
@office
def event_profiles(event_id: int):
    event, rows = profiles.profiles_of_event(db.session, current_user, event_id)
    db.session.commit()  # the read's audit entry
    return render(
        T + "profiles.html",
        event=event,
        rows=rows,
        gender_labels=profiles.GENDER_LABELS,
        age_labels=profiles.AGE_LABELS,
    )


@bp.route("/campaigns/events/<int:event_id>/profiles.xlsx")
@office
@download
def export_profiles(event_id: int):
    """The registrants' profiles as the page lists them; the export is audit-logged as the
    page's read is."""
    event, rows = profiles.profiles_of_event(
        db.session, current_user, event_id, export_limit(), export=True
    )
    genders, ages = profiles.GENDER_LABELS, profiles.AGE_LABELS
    no_profile = _("未填写资料")
    response = workbook_response(
        _("%(title)s-报名者资料", title=event.title) + ".xlsx",
        [_("姓名"), _("报名"), _("性别"), _("年龄段"), _("职业"), _("自我介绍")],
        (
            (
                row.name,
                _("候补") if row.registration_status == "waitlisted" else _("已报名"),
                *(
                    (
                        str(genders.get(row.gender, "")),
                        str(ages.get(row.age_band, "")),
                        row.occupation or "",
                        row.about or "",
                    )
                    if row.has_profile
                    else (no_profile, "", "", "")
                ),
            )
            for row in rows
        ),
    )
    # the export's audit entry, committed once the file is built: an export too big for the
    # request is rolled back here and logged by the job that builds it (saas.xlsx.download)
    db.session.commit()
    return response
