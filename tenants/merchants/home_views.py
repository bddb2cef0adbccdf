"""Area "home": the merchant's own home (/<slug>/merchants/home), joint events with their
co-hosting merchants and the counts per merchant (office), party members among merchants' staff
(office), and 商圈联席会议 arranged through the party alliance's meetings. Thin: the rules are in
``tenants.merchants.home`` and ``tenants.merchants.joint``."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import office, require_role
from saas.auth.models import Role
from saas.db import utcnow
from saas.extensions import db
from saas.forms import parse_id, parse_page
from saas.ui import render, street_today
from saas.views import submit_form
from saas.xlsx import download, export_limit, shown_phone, workbook_response
from tenants.alliance import meetings as alliance_meetings
from tenants.alliance.meeting_forms import MeetingForm
from tenants.merchants import home, joint
from tenants.merchants.home_forms import HostsForm, PartyMemberForm, RemoveForm
from tenants.orgs.models import OrgKind

bp = Blueprint("merchants_home", __name__, url_prefix="/<slug:tenant>", template_folder="templates")
T = "merchants/home/"
merchant_page = require_role(Role.org)
#: where merchants' accounts read the meetings they are invited to
MEETING_LINKS = {
    **alliance_meetings.INVITE_LINKS,
    OrgKind.merchant: "merchants/home#merchant-meetings",
}


def optional_url(endpoint: str, **values) -> str | None:
    """A link to another area's page if that page exists in this build (areas of the merchant
    alliance land one by one), else None."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


# --- the merchant's home -------------------------------------------------------------------------


@bp.route("/merchants/home")
@merchant_page
def merchant():
    data = home.merchant_home(db.session, current_user, utcnow(), street_today())
    return render(
        T + "home.html",
        home=data,
        offers_url=optional_url("merchants_memberday.offers"),
    )


# --- joint events (office) -----------------------------------------------------------------------


def _joint_filters() -> dict:
    return {
        "q": (request.args.get("q") or "").strip()[:50],
        "merchant": parse_id(request.args.get("merchant")),
    }


@bp.route("/merchants/events")
@office
def events():
    filters = _joint_filters()
    page = parse_page(request.args.get("page"))
    rows, total = joint.joint_events(
        db.session, current_user, filters["q"], filters["merchant"], page
    )
    return render(
        T + "events.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=joint.PAGE,
        args=filters,
        merchants=joint.merchants(db.session),
        pickable=joint.pickable_events(db.session, current_user),
    )


@bp.route("/merchants/events.xlsx")
@office
@download
def export_events():
    filters = _joint_filters()
    rows, total = joint.joint_events(
        db.session, current_user, filters["q"], filters["merchant"], 1, export_limit()
    )
    return workbook_response(
        _("商居联合活动") + ".xlsx",
        [_("活动"), _("开始时间"), _("地点"), _("联合商户"), _("报名人数"), _("签到人数")],
        (
            (
                r.event.title,
                r.event.starts_at,
                r.event.place,
                "、".join(r.hosts),
                r.registrations,
                r.attended,
            )
            for r in rows
        ),  # fmt: skip
        total,
    )


@bp.route("/merchants/events/pick")
@office
def pick_event():
    """The chooser's GET: go to the chosen event's hosts form."""
    event_id = parse_id(request.args.get("event"))
    if event_id is None:
        flash(_("请选择一个活动"), "error")
        return redirect(url_for("merchants_home.events"))
    return redirect(url_for("merchants_home.event_hosts", event_id=event_id))


@bp.route("/merchants/events/<int:event_id>/hosts", methods=["GET", "POST"])
@office
def event_hosts(event_id: int):
    event = joint.get_event_or_404(db.session, current_user, event_id)
    form = HostsForm()
    choices = joint.merchants(db.session)
    form.hosts.choices = [SelectChoice(str(org.id), org.name) for org, _circle in choices]
    submitted = submit_form(
        form,
        lambda: joint.set_hosts(
            db.session,
            current_user,
            event,
            [parse_id(v) or 0 for v in form.hosts.data or []],
        ),
    )
    if submitted.done:
        flash(
            _("已设置 %(n)d 个联合商户", n=submitted.result)
            if submitted.result
            else _("已取消联合商户"),
            "success",
        )
        return redirect(url_for("merchants_home.events"))
    if request.method == "POST":
        chosen = set(form.hosts.data or [])
    else:
        chosen = {str(i) for i in joint.host_ids(db.session, event)}
    return render(
        T + "hosts.html", event=event, form=form, merchants=choices, chosen=chosen
    ), submitted.status


def _count_filters() -> dict:
    return {
        "q": (request.args.get("q") or "").strip()[:50],
        "circle": parse_id(request.args.get("circle")),
    }


@bp.route("/merchants/events/counts")
@office
def counts():
    filters = _count_filters()
    page = parse_page(request.args.get("page"))
    rows, total = joint.host_counts(db.session, current_user, filters["q"], filters["circle"], page)
    return render(
        T + "counts.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=joint.PAGE,
        args=filters,
        circles=joint.circles(db.session),
    )


@bp.route("/merchants/events/counts.xlsx")
@office
@download
def export_counts():
    filters = _count_filters()
    rows, total = joint.host_counts(
        db.session, current_user, filters["q"], filters["circle"], 1, export_limit()
    )
    return workbook_response(
        _("商户联合活动统计") + ".xlsx",
        [_("商户"), _("商圈"), _("联合活动"), _("报名"), _("报名人数"), _("签到人数")],
        ((r.name, r.circle, r.events, r.signups, r.people, r.attended) for r in rows),
        total,
    )


# --- party members among merchants' staff (office) -----------------------------------------------


def _member_page(form: PartyMemberForm, status: int = 200):
    merchant_id = parse_id(request.args.get("merchant"))
    return render(
        T + "members.html",
        form=form,
        rows=joint.party_members(db.session, current_user, merchant_id),
        merchants=joint.merchants(db.session),
        args={"merchant": merchant_id},
        remove_form=RemoveForm(formdata=None),
    ), status


def _member_choices(form: PartyMemberForm) -> None:
    form.organisation.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(org.id), org.name) for org, _circle in joint.merchants(db.session)
    ]


@bp.route("/merchants/party-members", methods=["GET", "POST"])
@office
def party_members():
    form = PartyMemberForm()
    _member_choices(form)
    submitted = submit_form(
        form,
        lambda: joint.link_party_member(
            db.session, current_user, parse_id(form.organisation.data), form.phone.data
        ),
    )
    if submitted.done:
        flash(_("已关联商户党员"), "success")
        return redirect(url_for("merchants_home.party_members"))
    return _member_page(form, submitted.status)


@bp.route("/merchants/party-members.xlsx")
@office
@download
def export_party_members():
    rows = joint.party_members(db.session, current_user, parse_id(request.args.get("merchant")))
    return workbook_response(
        _("商户党员") + ".xlsx",
        [_("姓名"), _("手机号"), _("所在商户"), _("服务时长（小时）"), _("积分")],
        ((r.name, shown_phone(current_user, r.phone), r.merchant, r.hours, r.points) for r in rows),
    )


@bp.route("/merchants/party-members/<int:user_id>/remove", methods=["POST"])
@office
def remove_party_member(user_id: int):
    joint.get_party_member_or_404(db.session, current_user, user_id)
    form = RemoveForm()
    submitted = submit_form(
        form, lambda: joint.unlink_party_member(db.session, current_user, user_id)
    )
    if submitted.done:
        flash(_("已取消关联"), "success")
    else:
        flash(_("页面已过期，请刷新后重试"), "error")
    return redirect(url_for("merchants_home.party_members"))


# --- 商圈联席会议: the party alliance's meetings, inviting merchants (office) ------------------------


@bp.route("/merchants/meetings/new", methods=["GET", "POST"])
@office
def new_meeting():
    form = MeetingForm()
    kinds = (OrgKind.merchant, OrgKind.alliance)
    invitable = alliance_meetings.invitable(db.session, kinds)
    form.units.choices = [SelectChoice(str(o.id), o.name) for o in invitable]

    def act():
        data = alliance_meetings.MeetingData(
            title=form.title.data,
            kind=form.kind.data,
            on=form.on.data,
            at=form.at.data,
            place=form.place.data or "",
            unit_ids=[parse_id(v) or 0 for v in form.units.data or []],
            kinds=kinds,
            links=MEETING_LINKS,
        )
        return alliance_meetings.create_meeting(db.session, current_user, g.tenant.slug, data)

    submitted = submit_form(form, act)
    if submitted.done:
        flash(_("会议已安排，并通知了受邀商户和单位"), "success")
        return redirect(url_for("alliance_meetings.meeting", meeting_id=submitted.result[0].id))
    groups = [
        (_("商户"), [o for o in invitable if o.kind == OrgKind.merchant]),
        (_("共建单位"), [o for o in invitable if o.kind == OrgKind.alliance]),
    ]
    return render(
        T + "meeting_new.html", form=form, groups=groups, chosen=set(form.units.data or [])
    ), submitted.status
