"""The events engine's figures (saas.figures): events held, sign-ups, attendance and hours.

Attendance and hours count by the day they were confirmed, per the volunteer's community, as the
dashboard's trend does; events by the day they started, per their own community."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from saas.auth.models import User
from saas.db import utcnow
from saas.figures.declare import FLOW, Figure, flow_of, per_day
from saas.ui import street_zone
from tenants.events.models import Attendance, Event, Registration, RegistrationStatus
from tenants.events.services import held


def _held(session, start, end):
    # taking place and begun by now (services.held, the event list's 已举办 filter): a day that
    # is over counts every event that started on it; today, those begun so far
    return per_day(
        session,
        Event.starts_at,
        Event.community_id,
        start,
        end,
        street_zone(),
        held(utcnow()),
    )


_registrations = flow_of(
    Registration.created_at,
    Event.community_id,
    Registration.status != RegistrationStatus.cancelled,
    joins=((Event, Event.id == Registration.event_id),),
)
_BY_VOLUNTEER = ((User, User.id == Attendance.user_id),)
_attendance = flow_of(Attendance.confirmed_at, User.community_id, joins=_BY_VOLUNTEER)
_hours = flow_of(
    Attendance.confirmed_at,
    User.community_id,
    value=func.sum(Attendance.hours),
    joins=_BY_VOLUNTEER,
)


FIGURES = (
    Figure(
        "events.held",
        _l("举办活动"),
        _l("场"),
        _l("本期开始且已发布或已结束的活动场次（按活动所属社区）。"),
        FLOW,
        _held,
        chart=True,
    ),
    Figure(
        "events.registrations",
        _l("活动报名"),
        _l("人次"),
        _l("本期提交且未取消的报名人次（按活动所属社区）。"),
        FLOW,
        _registrations,
    ),
    Figure(
        "events.attendance",
        _l("确认出勤"),
        _l("人次"),
        _l("本期确认时长的出勤人次（按志愿者所属社区）。"),
        FLOW,
        _attendance,
    ),
    Figure(
        "events.hours",
        _l("志愿服务时长"),
        _l("小时"),
        _l("本期确认的服务时长合计（按志愿者所属社区）。"),
        FLOW,
        _hours,
        chart=True,
    ),
)
