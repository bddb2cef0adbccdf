"""What the events engine holds about a person: their sign-ups and their attendance (hours)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from saas.modules import PersonalData
from tenants.events.models import Attendance, Event, Registration
from tenants.events.registration import withdraw_erased

_STATUS = {"registered": _l("已报名"), "waitlisted": _l("候补"), "cancelled": _l("已取消")}
_SOURCE = {"recorded": _l("扫码签到"), "entered": _l("补录"), "unit": _l("随单位")}


def registration_rows(session, user) -> list[tuple]:
    rows = session.execute(
        select(Event.title, Event.starts_at, Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user.id)
        .order_by(Registration.created_at)
    )
    return [
        (title, starts, str(_STATUS.get(r.status, r.status)), r.headcount, r.created_at)
        for title, starts, r in rows
    ]


def attendance_rows(session, user) -> list[tuple]:
    rows = session.execute(
        select(Event.title, Attendance)
        .join(Event, Event.id == Attendance.event_id)
        .where(Attendance.user_id == user.id)
        .order_by(Attendance.created_at)
    )
    return [
        (
            title,
            a.checked_in_at,
            a.checked_out_at,
            a.hours,
            str(_SOURCE.get(a.source, a.source)),
            _("是") if a.confirmed_at else _("否"),
        )
        for title, a in rows
    ]


def erase(session, user) -> None:
    """Sign-ups for events not yet started are cancelled through the engine's own cancel (the
    seat is freed and the first waitlisted person gets it; the erased person is not told).
    Sign-ups and attendance of events that have started stay (hours and the street's totals are
    made of them); the names an organisation account typed on its sign-ups go."""
    withdraw_erased(session, user)
    session.execute(
        update(Registration)
        .where(Registration.user_id == user.id, Registration.member_names != "")
        .values(member_names="")
        .execution_options(synchronize_session=False)
    )


PERSONAL = (
    PersonalData(
        "registrations",
        _l("活动报名"),
        (_l("活动"), _l("开始时间"), _l("状态"), _l("人数"), _l("报名时间")),
        registration_rows,
        erase,
    ),
    PersonalData(
        "attendance",
        _l("签到与服务时长"),
        (_l("活动"), _l("签到"), _l("签退"), _l("时长（小时）"), _l("记录方式"), _l("已确认")),
        attendance_rows,
    ),
)
