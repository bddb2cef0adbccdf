"""Demo events for the demo street: past ones with attendance and points paid, upcoming ones to
sign up for (one full, with a waitlist), a meeting for alliance units and a draft.

Idempotent: an event whose title exists is left alone. Names and places are invented.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.streets.models import Tenant
from tenants.events.attendance import confirm_attendance
from tenants.events.forms import local_zone
from tenants.events.models import (
    Attendance,
    Audience,
    Event,
    EventKind,
    EventStatus,
    HoursSource,
    PointsMode,
    Registration,
    RegistrationStatus,
)
from tenants.structure.models import Community

DEMO_VOLUNTEER = "13900000005"

#: title, kind, community (None: whole street), days from today, start hour, hours, capacity,
#: audience, status, description
EVENTS = [
    (
        "朝阳社区环境清洁日",
        EventKind.volunteer,
        "朝阳社区",
        -40,
        9,
        3,
        20,
        Audience.volunteers,
        EventStatus.finished,
        "清理楼道杂物和绿化带垃圾，工具由社区提供。",
    ),
    (
        "敬老院重阳探访",
        EventKind.volunteer,
        None,
        -25,
        14,
        2,
        15,
        Audience.volunteers,
        EventStatus.finished,
        "陪老人聊天、读报，表演小节目。",
    ),
    (
        "垃圾分类入户宣传",
        EventKind.campaign,
        "清泉社区",
        -10,
        9,
        4,
        30,
        Audience.volunteers,
        EventStatus.finished,
        "两人一组入户发放垃圾分类指南。",
    ),
    (
        "周末便民义诊",
        EventKind.volunteer,
        "朝阳社区",
        3,
        9,
        3,
        20,
        Audience.volunteers,
        EventStatus.published,
        "协助医生维持秩序、登记信息、测量血压。",
    ),
    (
        "助企帮招现场招聘会",
        EventKind.campaign,
        None,
        6,
        9,
        4,
        2,
        Audience.volunteers,
        EventStatus.published,
        "一季一品·春季助企帮招：引导求职者、整理简历。名额已满可候补。",
    ),
    (
        "党建联盟季度联席会议",
        EventKind.meeting,
        None,
        8,
        15,
        2,
        None,
        Audience.alliance,
        EventStatus.published,
        "通报本季度需求、资源和项目清单进展，议定下季度共建事项。",
    ),
    (
        "商圈会员日惠民活动",
        EventKind.merchant_day,
        None,
        12,
        10,
        6,
        40,
        Audience.public,
        EventStatus.published,
        "商户让利、积分兑换、便民服务摊位。",
    ),
    (
        "清泉社区楼道微改造",
        EventKind.volunteer,
        "清泉社区",
        20,
        9,
        3,
        10,
        Audience.volunteers,
        EventStatus.draft,
        "草稿：等社区确认材料后发布。",
    ),
]
#: who took part in the past events (phones of the demo street's volunteers) and their hours
PAST_ATTENDANCE = {
    "朝阳社区环境清洁日": [(DEMO_VOLUNTEER, "3"), ("13900000101", "2.5"), ("13900000102", "3")],
    "敬老院重阳探访": [(DEMO_VOLUNTEER, "2"), ("13900000103", "2")],
    "垃圾分类入户宣传": [(DEMO_VOLUNTEER, "4"), ("13900000104", "3.5"), ("13900000105", "4")],
}
#: upcoming sign-ups: event → phones, in order (beyond capacity they wait)
UPCOMING_SIGNUPS = {
    "周末便民义诊": [DEMO_VOLUNTEER, "13900000101"],
    "助企帮招现场招聘会": ["13900000102", "13900000103", DEMO_VOLUNTEER],
}


def _at(days: int, hour: int) -> datetime:
    today = datetime.now(local_zone()).date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=local_zone())


def load_demo(session: Session, tenant: Tenant) -> None:
    """Add the demo events that are missing (inside the demo street's scope)."""
    existing = set(session.scalars(select(Event.title)))
    communities = {c.name: c.id for c in session.scalars(select(Community))}
    people = {u.phone: u for u in session.scalars(select(User))}
    admin = next((u for u in people.values() if u.role == Role.admin), None)
    for title, kind, community, days, hour, hours, capacity, audience, status, text in EVENTS:
        if title in existing:
            continue
        starts = _at(days, hour)
        event = Event(
            title=title,
            description=text,
            kind=kind,
            community_id=communities.get(community) if community else None,
            place=f"{community or '街道'}党群服务中心",
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            capacity=capacity,
            waitlist_enabled=True,
            audience=audience,
            points_mode=PointsMode.per_hour,
            status=status,
            published_at=starts - timedelta(days=7) if status != EventStatus.draft else None,
            reminded_at=starts - timedelta(days=1) if days < 0 else None,
            created_by=admin.id if admin else None,
        )
        session.add(event)
        session.flush()
        _past(session, tenant, admin, event, people, PAST_ATTENDANCE.get(title, []))
        _signups(session, event, people, UPCOMING_SIGNUPS.get(title, []))
    session.flush()


def _seat(session: Session, event: Event, user: User) -> None:
    """Register ``user`` (or put them on the waitlist when full), as registration.register would,
    without its deadline and notification (the demo writes history)."""
    fits = event.capacity is None or event.seats_taken < event.capacity
    position = None
    if fits:
        session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(seats_taken=Event.seats_taken + 1)
            .execution_options(synchronize_session=False)
        )
    else:
        position = event.waitlist_seq + 1
        session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(waitlist_seq=position)
            .execution_options(synchronize_session=False)
        )
    session.refresh(event)
    session.add(
        Registration(
            event_id=event.id,
            user_id=user.id,
            status=RegistrationStatus.registered if fits else RegistrationStatus.waitlisted,
            waitlist_position=position,
            created_at=event.starts_at - timedelta(days=3),
        )
    )
    session.flush()


def _past(session, tenant, admin, event, people, attendance) -> None:
    for phone, hours in attendance:
        user = people.get(phone)
        if user is None:
            continue
        _seat(session, event, user)
        row = Attendance(
            event_id=event.id,
            user_id=user.id,
            checked_in_at=event.starts_at,
            checked_out_at=event.starts_at + timedelta(hours=float(hours)),
            hours=Decimal(hours),
            source=HoursSource.recorded,
        )
        session.add(row)
        session.flush()
        confirm_attendance(session, admin, tenant, row)


def _signups(session, event, people, phones) -> None:
    for phone in phones:
        if phone in people:
            _seat(session, event, people[phone])
