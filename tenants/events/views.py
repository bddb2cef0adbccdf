"""/<slug>/… pages of 活动 (events): staff pages and the volunteer's list and sign-up.

Staff (admin, staff):  /events (list), /events/new, /events/<id> (detail, attendance),
                       /events/<id>/edit, …/publish, …/cancel, …/finish, …/attendance/…
Volunteers and org accounts:  /activities, /activities/<id> (an event's own page, the link to
                              share), /events/<id>/register, …/cancel-registration
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from saas.auth.access import admin_only, office, signed_in
from saas.auth.models import Role
from saas.db import utcnow
from saas.errors import ServiceError
from saas.extensions import db
from saas.forms import attach_error, parse_id, parse_page
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download, export_limit, shown_phone, workbook_response
from tenants.events import attendance as hours
from tenants.events import services
from tenants.events.cards import CardWriter
from tenants.events.forms import (
    EventForm,
    SignupForm,
    end_of_local_day,
    parse_local_date,
    start_of_local_day,
)
from tenants.events.models import (
    Event,
    EventStatus,
    HoursSource,
    Registration,
    RegistrationStatus,
)
from tenants.events.registration import cancel_registration, register
from tenants.events.signups import street_points_rules
from tenants.structure.services import active_communities

bp = Blueprint("events", __name__, url_prefix="/<slug:tenant>")


@bp.context_processor
def _labels() -> dict:
    return {
        "kind_labels": services.KIND_LABELS,
        "status_labels": services.STATUS_LABELS,
        "held_filter": services.HELD,
        "held_label": services.HELD_LABEL,
        "audience_labels": services.AUDIENCE_LABELS,
        "points_mode_labels": services.POINTS_MODE_LABELS,
    }


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _managed_event(event_id: int) -> Event:
    return services.get_managed_event_or_404(db.session, current_user, event_id)


def _communities_for(user) -> list:
    """The communities ``user`` may pick: all active ones, or the one staff are limited to."""
    communities = active_communities(db.session)
    if user.role == Role.staff and user.community_id is not None:
        communities = [c for c in communities if c.id == user.community_id]
    return communities


# Staff: list ------------------------------------------------------------------------------------


def _filters() -> tuple[services.EventFilters, dict]:
    """The list's filters from the query string (anything unreadable is ignored), and the raw
    values to show back in the form and carry to the next page."""
    args = {
        key: request.args.get(key, "")[:40]
        for key in ("from", "to", "community", "kind", "status", "awaiting")
    }
    day_from, day_to = parse_local_date(args["from"]), parse_local_date(args["to"])
    community: int | str | None = None
    if args["community"] == "street":
        community = "street"
    elif args["community"]:
        community = parse_id(args["community"]) or -1  # an unknown id matches nothing
    filters = services.EventFilters(
        starts_from=start_of_local_day(day_from) if day_from else None,
        starts_before=end_of_local_day(day_to) if day_to else None,
        community=community,
        kind=args["kind"] or None,
        status=args["status"] or None,
        awaiting_hours=args["awaiting"] == "hours",
    )
    return filters, args


@bp.route("/events")
@office
def event_list():
    filters, args = _filters()
    page = parse_page(request.args.get("page"))
    rows, total = services.list_events(db.session, current_user, filters, page)
    return render(
        "events/list.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=services.PAGE,
        args=args,
        communities=_communities_for(current_user),
    )


@bp.route("/events/export.xlsx")
@office
@download
def export_events():
    """The list as its filters narrow it, every row (up to the export's cap)."""
    filters, _args = _filters()
    rows, total = services.list_events(db.session, current_user, filters, 1, size=export_limit())
    kinds, statuses = services.KIND_LABELS, services.STATUS_LABELS
    unlimited = _("不限")
    return workbook_response(
        _("活动") + ".xlsx",
        [
            _("活动"),
            _("类型"),
            _("社区"),
            _("开始时间"),
            _("结束时间"),
            _("地点"),
            _("报名人数"),
            _("名额"),
            _("候补"),
            _("状态"),
        ],
        (
            (
                r.event.title,
                str(kinds.get(r.event.kind, r.event.kind)),
                r.community or _("全街道"),
                r.event.starts_at,
                r.event.ends_at,
                r.event.place,
                r.event.seats_taken,
                r.event.capacity if r.event.capacity is not None else unlimited,
                r.waitlisted,
                str(statuses.get(r.event.status, r.event.status)),
            )
            for r in rows
        ),
        total,
    )


# Staff: create and edit ------------------------------------------------------------------------


def _event_data(form: EventForm) -> services.EventData:
    return services.EventData(
        title=form.title.data or "",
        description=form.description.data or "",
        kind=form.kind.data or "",
        community_id=form.community.data,
        place=form.place.data or "",
        starts_at=form.starts_at.data,
        ends_at=form.ends_at.data,
        signup_deadline=form.signup_deadline.data,
        capacity=form.capacity.data,
        waitlist_enabled=bool(form.waitlist_enabled.data),
        audience=form.audience.data or "",
        points_mode=form.points_mode.data or "",
        points_value=form.points_value.data,
    )


def _prepare(form: EventForm) -> EventForm:
    form.community.choices = [SelectChoice("", _("全街道"))] + [
        SelectChoice(str(c.id), c.name) for c in _communities_for(current_user)
    ]
    return form


@bp.route("/events/new", methods=["GET", "POST"])
@office
def create_event():
    form = _prepare(EventForm())
    submitted = submit_form(
        form,
        lambda: services.create_event(
            db.session, current_user, _event_data(form), publish=request.form.get("publish") == "1"
        ),
    )
    if submitted.done:
        event = submitted.result
        flash(_("已创建活动：%(title)s", title=event.title), "success")
        return redirect(url_for("events.event_detail", event_id=event.id))
    return render("events/form.html", form=form, event=None), submitted.status


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@office
def edit_event(event_id: int):
    event = _managed_event(event_id)
    form = _prepare(EventForm(obj=None if request.method == "POST" else event))
    if request.method == "GET":
        form.community.data = event.community_id
    submitted = submit_form(
        form, lambda: services.update_event(db.session, current_user, event, _event_data(form))
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for("events.event_detail", event_id=event_id))
    return render("events/form.html", form=form, event=event), submitted.status


# Staff: detail, status, attendance -------------------------------------------------------------


#: the blocks of detail.html an htmx request may get alone, and what the service loads for each
_BLOCK_PARTS = {
    "registered": frozenset({"registered"}),
    "waitlist": frozenset({"waitlisted"}),
    "attendance": frozenset({"attendances", "candidates"}),
    "attendance_rows": frozenset({"attendances"}),
    "candidates": frozenset({"candidates"}),
}
#: the element an htmx GET replaces (its id, sent as HX-Target) → the block that renders it
_TARGET_BLOCKS = {
    "registered-rows": "registered",
    "waitlist-rows": "waitlist",
    "attendance-rows": "attendance_rows",
    "enter-candidates": "candidates",
}


def _detail_query(chosen: int | None = None) -> services.DetailQuery:
    """The pages and the 补录 search asked for (query string, or a posted form's fields);
    anything unreadable is page 1."""

    def page(name: str) -> int:
        return parse_page(request.values.get(name))

    return services.DetailQuery(
        registered_page=page("registered_page"),
        waitlist_page=page("waitlist_page"),
        attendance_page=page("attendance_page"),
        who=request.values.get("who", "")[:50],
        by_phone=current_user.sees_phones,
        chosen=chosen,
    )


def _detail_page(event: Event, block: str | None = None, status: int = 200, **extra):
    values = extra.pop("values", {})
    parts = _BLOCK_PARTS[block] if block is not None and _is_htmx() else services.DETAIL_PARTS
    query = _detail_query(parse_id(values.get("user")) if values.get("enter") else None)
    detail = services.event_detail(db.session, event, query, parts)
    pages = {
        "registered_page": detail.registered.page,
        "waitlist_page": detail.waitlisted.page,
        "attendance_page": detail.attendances.page,
    }
    return render(
        "events/detail.html",
        block,
        detail=detail,
        event=event,
        now=utcnow(),
        pages={name: page for name, page in pages.items() if page > 1},
        who=query.who,
        page_size=services.DETAIL_PAGE,
        pick_limit=services.PICK_LIMIT,
        values=values,
        **extra,
    ), status


@bp.route("/events/<int:event_id>")
@office
def event_detail(event_id: int):
    """The whole page; an htmx request for one of its tables (a page of it, the 补录 search)
    gets that part alone."""
    block = _TARGET_BLOCKS.get(request.headers.get("HX-Target", "")) if _is_htmx() else None
    return _detail_page(_managed_event(event_id), block)


def _export_detail(event: Event, parts: frozenset[str]) -> services.EventDetail:
    """The detail page's lists ``parts`` whole (up to the export's cap): the same service, one
    page as long as the cap."""
    query = services.DetailQuery(by_phone=current_user.sees_phones, size=export_limit())
    return services.event_detail(db.session, event, query, parts)


@bp.route("/events/<int:event_id>/signups.xlsx")
@office
@download
def export_signups(event_id: int):
    """Who signed up: the registered, then the waitlist in the order it will be promoted."""
    event = _managed_event(event_id)
    detail = _export_detail(event, frozenset({"registered", "waitlisted"}))
    registered, waitlisted = _("已报名"), _("候补")
    promoted = _("候补转正")
    rows = [
        (
            registered,
            None,
            p.user.name,
            shown_phone(current_user, p.user.phone),
            p.registration.headcount,
            p.registration.member_names or "",
            p.registration.created_at,
            promoted if p.registration.promoted_at else "",
        )
        for p in detail.registered.rows
    ] + [
        (
            waitlisted,
            place,
            p.user.name,
            shown_phone(current_user, p.user.phone),
            p.registration.headcount,
            p.registration.member_names or "",
            p.registration.created_at,
            "",
        )
        for place, p in enumerate(detail.waitlisted.rows, start=1)
    ]
    return workbook_response(
        _("%(title)s-报名名单", title=event.title) + ".xlsx",
        [
            _("状态"),
            _("候补顺位"),
            _("姓名"),
            _("手机号"),
            _("人数"),
            _("参加人员"),
            _("报名时间"),
            _("备注"),
        ],
        rows,
        detail.registered.total + detail.waitlisted.total,
    )


@bp.route("/events/<int:event_id>/attendance.xlsx")
@office
@download
def export_attendance(event_id: int):
    """Check-ins and service hours, as the attendance table lists them."""
    event = _managed_event(event_id)
    detail = _export_detail(event, frozenset({"attendances"}))
    sources = {HoursSource.entered: _("补录"), HoursSource.unit: _("随单位"), "": _("记录")}
    confirmed, open_, waiting = _("已确认"), _("未签退"), _("待确认")
    auto_closed = _("未签退，系统已关闭")

    def state(a) -> str:
        if a.confirmed_at:
            return confirmed
        return open_ if a.hours is None else waiting

    return workbook_response(
        _("%(title)s-签到与服务时长", title=event.title) + ".xlsx",
        [
            _("姓名"),
            _("手机号"),
            _("签到"),
            _("签退"),
            _("时长（小时）"),
            _("来源"),
            _("说明"),
            _("状态"),
        ],
        (
            (
                p.user.name,
                shown_phone(current_user, p.user.phone),
                p.attendance.checked_in_at,
                p.attendance.checked_out_at,
                p.attendance.hours,
                sources.get(p.attendance.source, sources[""]),
                "；".join(
                    text
                    for text in (
                        auto_closed if p.attendance.auto_closed else "",
                        p.attendance.reason,
                    )
                    if text
                ),
                state(p.attendance),
            )
            for p in detail.attendances.rows
        ),
        detail.attendances.total,
    )


def _status_action(event_id: int, change):
    """Publish, cancel or finish: plain form posts that go back to the detail page."""
    event = _managed_event(event_id)
    try:
        message = change(event)
    except ServiceError as error:
        db.session.rollback()
        return _detail_page(
            _managed_event(event_id),
            None,
            422,
            status_error=error.message,
            values={"reason": request.form.get("reason", "")[:300]},
        )
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("events.event_detail", event_id=event_id))


@bp.route("/events/<int:event_id>/publish", methods=["POST"])
@office
def publish_event(event_id: int):
    def publish(event):
        services.publish_event(db.session, current_user, event)
        return _("已发布，报名对象现在可以报名")

    return _status_action(event_id, publish)


@bp.route("/events/<int:event_id>/cancel", methods=["POST"])
@office
def cancel_event(event_id: int):
    def cancel(event):
        told = services.cancel_event(
            db.session, current_user, event, request.form.get("reason", ""), g.tenant.slug
        )
        return _("活动已取消，已通知 %(n)d 位报名者", n=told)

    return _status_action(event_id, cancel)


@bp.route("/events/<int:event_id>/finish", methods=["POST"])
@office
def finish_event(event_id: int):
    def finish(event):
        services.finish_event(db.session, current_user, event)
        return _("活动已标记为结束")

    return _status_action(event_id, finish)


def _back_to_attendance(event_id: int):
    """A plain form post goes back to the page of the attendance table it came from."""
    page = parse_page(request.form.get("attendance_page"))
    keep = {"attendance_page": page} if page > 1 else {}
    return redirect(url_for("events.event_detail", event_id=event_id, **keep) + "#attendance")


def _attendance_done(event_id: int, message: str):
    db.session.commit()
    if _is_htmx():
        return _detail_page(_managed_event(event_id), "attendance", notice=message)
    flash(message, "success")
    return _back_to_attendance(event_id)


def _attendance_refused(event_id: int, error: ServiceError, values: dict | None = None):
    db.session.rollback()
    if _is_htmx():
        return _detail_page(
            _managed_event(event_id),
            "attendance",
            422,
            attendance_error=error.message,
            values=values or {},
        )
    flash(error.message, "error")
    return _back_to_attendance(event_id)


@bp.route("/events/<int:event_id>/attendance/<int:attendance_id>/confirm", methods=["POST"])
@office
def confirm_attendance(event_id: int, attendance_id: int):
    event = _managed_event(event_id)
    row = services.get_attendance_or_404(db.session, event, attendance_id)
    try:
        confirmation = hours.confirm_one(db.session, current_user, g.tenant, event, row)
    except ServiceError as error:
        return _attendance_refused(event_id, error)
    if confirmation.notes:
        return _attendance_done(
            event_id, _("已确认，%(notes)s", notes="，".join(confirmation.notes))
        )
    return _attendance_done(event_id, _("已确认"))


@bp.route("/events/<int:event_id>/attendance/confirm-all", methods=["POST"])
@office
def confirm_all_attendance(event_id: int):
    event = _managed_event(event_id)
    try:
        count = hours.confirm_all(db.session, current_user, g.tenant, event)
    except ServiceError as error:
        return _attendance_refused(event_id, error)
    return _attendance_done(event_id, _("已确认 %(n)d 条签到记录", n=count))


def _posted_hours(attendance_id: int) -> dict:
    """What was typed into an attendance's hours form, to show back if it is refused."""
    return {
        "attendance_id": attendance_id,
        "hours": request.form.get("hours", "")[:20],
        "reason": request.form.get("reason", "")[:300],
    }


@bp.route("/events/<int:event_id>/attendance/<int:attendance_id>/hours", methods=["POST"])
@office
def correct_hours(event_id: int, attendance_id: int):
    event = _managed_event(event_id)
    row = services.get_attendance_or_404(db.session, event, attendance_id)
    values = _posted_hours(attendance_id)
    try:
        hours.correct_hours(
            db.session,
            current_user,
            g.tenant,
            event,
            row,
            request.form.get("hours"),
            request.form.get("reason"),
        )
    except ServiceError as error:
        return _attendance_refused(event_id, error, values)
    return _attendance_done(event_id, _("已修改服务时长"))


@bp.route("/events/<int:event_id>/attendance/<int:attendance_id>/confirmed-hours", methods=["POST"])
@admin_only
def correct_confirmed_hours(event_id: int, attendance_id: int):
    event = _managed_event(event_id)
    row = services.get_attendance_or_404(db.session, event, attendance_id)
    values = _posted_hours(attendance_id)
    try:
        correction = hours.correct_confirmed_hours(
            db.session,
            current_user,
            g.tenant,
            event,
            row,
            request.form.get("hours"),
            request.form.get("reason"),
        )
    except ServiceError as error:
        return _attendance_refused(event_id, error, values)
    if correction.notes:
        return _attendance_done(
            event_id, _("已更正服务时长，%(notes)s", notes="，".join(correction.notes))
        )
    return _attendance_done(event_id, _("已更正服务时长"))


@bp.route("/events/<int:event_id>/attendance/enter", methods=["POST"])
@office
def enter_hours(event_id: int):
    event = _managed_event(event_id)
    raw_user = request.form.get("user", "")
    values = {
        "enter": True,
        "user": raw_user[:20],
        "hours": request.form.get("hours", "")[:20],
        "reason": request.form.get("reason", "")[:300],
    }
    try:
        hours.enter_hours(
            db.session,
            current_user,
            g.tenant,
            event,
            parse_id(raw_user),
            request.form.get("hours"),
            request.form.get("reason"),
        )
    except ServiceError as error:
        return _attendance_refused(event_id, error, values)
    return _attendance_done(event_id, _("已补录服务时长"))


# Volunteers and organisations -------------------------------------------------------------------


def _is_office() -> bool:
    return current_user.role in (Role.admin, Role.staff)


@bp.route("/activities")
@signed_in
def activities():
    if _is_office():
        # the sign-up list is the volunteers' and units' view: staff manage events elsewhere
        flash(
            _("“活动报名”是志愿者和单位在手机上看到的页面；全部活动请在“活动管理”中查看"), "warning"
        )
        return redirect(url_for("events.event_list"))
    page = parse_page(request.args.get("page"))
    cards, more = services.activity_cards(db.session, current_user, page)
    return render(
        "events/activities.html",
        "cards",
        cards=cards,
        more=more,
        page=page,
        form=SignupForm(formdata=None),
        now=utcnow(),
        write_card=CardWriter(street_points_rules(db.session, g.tenant)),
    )


@bp.route("/activities/<int:event_id>")
@signed_in
def activity(event_id: int):
    """One event's own page: the link staff paste into a WeChat group; sign-up happens here."""
    event = _visible_event(event_id)
    cards, _more = services.activity_cards(db.session, current_user, event_id=event.id)
    return render(
        "events/activity.html",
        card=cards[0],
        form=SignupForm(formdata=None),
        now=utcnow(),
        write_card=CardWriter(street_points_rules(db.session, g.tenant)),
        share_url=url_for("events.activity", event_id=event.id, _external=True),
        manages=_is_office(),
    )


def _visible_event(event_id: int) -> Event:
    """An event a signed-in person may act on: any published, cancelled or finished event of the
    street (the service then says why it refuses); drafts and other streets' do not exist."""
    event = services.get_event_or_404(db.session, event_id)
    if event.status == EventStatus.draft:
        abort(404)
    return event


def _card_response(event_id: int, message: str = "", error: str = "", form=None, status=200):
    """htmx gets the event's card swapped in place; a plain form post goes back to the list, or
    to the event's own page when it came from there."""
    single = request.form.get("single") == "1"
    if not _is_htmx():
        flash(error or message, "error" if error else "success")
        if single:
            return redirect(url_for("events.activity", event_id=event_id))
        return redirect(url_for("events.activities") + f"#event-{event_id}")
    cards, _more = services.activity_cards(db.session, current_user, event_id=event_id)
    return render_template(
        "events/_card.html",
        card=cards[0],
        form=form or SignupForm(formdata=None),
        message=message,
        error=error,
        now=utcnow(),
        write_card=CardWriter(street_points_rules(db.session, g.tenant)),
        single=single,
    ), status


@bp.route("/events/<int:event_id>/register", methods=["POST"])
@signed_in
def register_for_event(event_id: int):
    event = _visible_event(event_id)
    form = SignupForm()
    form.validate()
    if current_user.role == Role.org and form.headcount.errors:
        db.session.rollback()
        return _card_response(event_id, error=form.headcount.errors[0], form=form, status=422)
    try:
        registration = register(
            db.session,
            current_user,
            event,
            headcount=form.headcount.data if current_user.role == Role.org else 1,
            member_names=form.member_names.data or "",
        )
    except ServiceError as error:
        db.session.rollback()
        attach_error(form, error)
        return _card_response(event_id, error=error.message, form=form, status=422)
    waitlisted = registration.status == RegistrationStatus.waitlisted
    db.session.commit()
    message = _("已进入候补名单，有名额时会通知您") if waitlisted else _("报名成功")
    return _card_response(event_id, message=message)


@bp.route("/events/<int:event_id>/cancel-registration", methods=["POST"])
@signed_in
def cancel_event_registration(event_id: int):
    event = _visible_event(event_id)
    registration = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == current_user.id
        )
    )
    if registration is None:
        return _card_response(event_id, error=_("您没有报名该活动"), status=422)
    try:
        cancel_registration(db.session, current_user, registration)
    except ServiceError as error:
        db.session.rollback()
        return _card_response(event_id, error=error.message, status=422)
    db.session.commit()
    return _card_response(event_id, message=_("已取消报名"))
