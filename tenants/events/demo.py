"""Demo events for the demo street: past ones with attendance and points paid, upcoming ones to
sign up for (one full, with a waitlist), a meeting for alliance units and a draft.

At real size (``DEMO_SCALE`` above 0) a year of events is generated around them: a few a week
across the communities and kinds, each with sign-ups, a few no-shows, and attendance confirmed
with its hours by the staff within a day of the event (the last two days' hours still wait),
written many rows to a statement. The generated volunteers take part; the fixed demo logins keep
their hand-written history. The points of that attendance are paid by the passport's own demo
seeder, which reads what is confirmed.

Idempotent: an event whose title exists is left alone; the generated year is made once (when
none of its titles exists yet). Names and places are invented.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.db import new_id, utcnow
from saas.demo import bulk_insert, demo_scale
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
    new_checkin_secret,
)
from tenants.people import demo as people_demo
from tenants.structure import demo as structure_demo
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
    # the fixed accounts only (the generated thousands take part through _generated_year)
    people = {
        u.phone: u
        for u in session.scalars(
            select(User).where(
                User.phone.in_(sorted(people_demo.fixed_phones())) | (User.role == Role.admin)
            )
        )
    }
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
    _generated_year(session, tenant, communities, admin)


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
        # confirmed the evening of the event, as staff would have: the points paid for it carry
        # this time too (the passport's demo dates its entries by their attendance)
        row.confirmed_at = event.ends_at + timedelta(hours=2)


def _signups(session, event, people, phones) -> None:
    for phone in phones:
        if phone in people:
            _seat(session, event, people[phone])


# --- a year of events --------------------------------------------------------------------------

#: what communities hold, about every other week each: (name, hours, capacity, description)
COMMUNITY_EVENTS = [
    ("楼道环境整治", 3, 25, "清理楼道杂物、绿化带垃圾和小广告，工具由社区提供。"),
    ("长者食堂助餐", 2, 15, "为长者食堂分餐，给行动不便的老人送餐上门。"),
    ("四点半课堂", 2, 12, "放学后陪孩子写作业、读绘本。"),
    ("便民理发进楼栋", 3, 10, "为行动不便的老人上门理发。"),
    ("独居老人探访", 2, 20, "两人一组上门探访，了解需求并登记。"),
    ("垃圾分类桶边督导", 2, 20, "早晚投放高峰在投放点指导居民分类投放。"),
    ("反诈宣传进小区", 3, 15, "摆摊讲解常见诈骗手法，帮居民安装反诈软件。"),
    ("文明养犬劝导", 2, 12, "在小区广场劝导牵绳遛犬、清理犬只粪便。"),
]
#: the street's own, by kind: (kind, name, hours, capacity, audience, description, per year)
STREET_EVENTS = [
    (EventKind.volunteer, "滨河绿地义务植绿", 3, 60, Audience.volunteers,
     "在滨河绿地补种树苗、浇水。", 4),
    (EventKind.volunteer, "路口文明交通劝导", 2, 30, Audience.volunteers,
     "早高峰在路口协助疏导、劝导文明出行。", 10),
    (EventKind.merchant_day, "商圈会员日志愿服务", 4, 40, Audience.public,
     "会员日当天协助商户摆放便民摊位、维持秩序、讲解积分兑换。", 12),
    (EventKind.meeting, "网格员月度工作例会", 2, 30, Audience.volunteers,
     "通报上月事项办理情况，交流走访中发现的问题。", 12),
    (EventKind.alliance, "共建单位进社区服务日", 3, 50, Audience.public,
     "共建单位党员志愿者进社区义诊、法律咨询、家电维修。", 6),
]  # fmt: skip
#: 一季一品: the season's brand, by the month it starts in
SEASONS = {
    3: ("助企帮招岗位推介", "春季助企帮招：在招聘点引导求职者、登记岗位意向。"),
    6: ("青年联谊交友会", "夏季相亲结缘：协助签到、组织互动游戏。"),
    9: ("长者智能手机课堂", "秋季养老托育：一对一教老人用手机挂号、视频通话。"),
    12: ("困难家庭走访慰问", "冬季纾困解难：随社区干部入户送温暖、了解困难。"),
}
#: community events over a year at scale 1, about every other week in each community
COMMUNITY_EVENTS_A_YEAR = 26
#: upcoming generated events, over the next three weeks
UPCOMING = 6


def generated_titles(community_names) -> set[str]:
    """Every title the generated year can use: one of them existing means it was made."""
    titles = {f"{c}{name}" for c in community_names for name, *_ in COMMUNITY_EVENTS}
    titles |= {name for _k, name, *_ in STREET_EVENTS}
    return titles | {name for name, _ in SEASONS.values()}


def _season(month: int) -> tuple[str, str]:
    start = 12 if month in (12, 1, 2) else max(m for m in SEASONS if m <= month)
    return SEASONS[start]


def _plan(rng: random.Random, communities: dict[str, int], scale: float) -> list[dict]:
    """The year's events as plain dicts (title, kind, community, day offset, hour, hours,
    capacity, audience, description), spread over the 365 days before today and the next 21."""
    plan = []
    for community in communities:
        for n in range(COMMUNITY_EVENTS_A_YEAR):
            name, hours, capacity, text = rng.choice(COMMUNITY_EVENTS)
            day = -365 + n * 14 + rng.randrange(14)
            plan.append(dict(title=f"{community}{name}", kind=EventKind.volunteer,
                             community=community, day=day, hours=hours, capacity=capacity,
                             audience=Audience.volunteers, text=text))  # fmt: skip
    for kind, name, hours, capacity, audience, text, per_year in STREET_EVENTS:
        for n in range(per_year):
            day = -365 + n * (365 // per_year) + rng.randrange(max(1, 365 // per_year - 1))
            plan.append(dict(title=name, kind=kind, community=None, day=day, hours=hours,
                             capacity=capacity, audience=audience, text=text))  # fmt: skip
    today = datetime.now(local_zone()).date()
    for n in range(24):  # a campaign activity about every other week, the season's brand
        day = -365 + n * 15 + rng.randrange(10)
        name, text = _season((today + timedelta(days=day)).month)
        plan.append(dict(title=name, kind=EventKind.campaign, community=None, day=day, hours=3,
                         capacity=40, audience=Audience.volunteers, text=text))  # fmt: skip
    past = sorted((e for e in plan if e["day"] < 0), key=lambda e: e["day"])
    # a smaller street keeps fewer events, still spread over the whole year
    keep = min(len(past), max(6, round(len(past) * scale)))
    past = [past[i * len(past) // keep] for i in range(keep)]
    upcoming = []
    for n in range(max(1, round(UPCOMING * min(scale * 4, 1)))):
        name, hours, capacity, text = COMMUNITY_EVENTS[n % len(COMMUNITY_EVENTS)]
        community = list(communities)[n % len(communities)]
        upcoming.append(dict(title=f"{community}{name}", kind=EventKind.volunteer,
                             community=community, day=2 + n * 3 + rng.randrange(3), hours=hours,
                             capacity=capacity, audience=Audience.volunteers, text=text))  # fmt: skip
    for event in past + upcoming:
        event["hour"] = rng.choice((8, 9, 9, 10, 14, 14, 15, 19))
    return past + upcoming


def _pick(rng: random.Random, pool: list, weights: list[float], count: int) -> list:
    """``count`` of ``pool`` without repeats, the keen ones more often (weighted keys)."""
    if count >= len(pool):
        return list(pool)
    keyed = sorted(
        zip((rng.random() ** (1 / w) for w in weights), range(len(pool)), strict=True), reverse=True
    )
    return [pool[i] for _key, i in keyed[:count]]


def _generated_year(session: Session, tenant: Tenant, communities: dict, admin: User | None):
    scale = demo_scale()
    names = [n for n in structure_demo.communities(scale) if n in communities]
    people = people_demo.generated_people(people_demo.size(scale), names)
    if not people or admin is None:
        return
    if session.scalar(select(Event.id).where(Event.title.in_(generated_titles(names))).limit(1)):
        return
    activity = {p.phone: p.activity for p in people}
    volunteers = session.execute(
        select(User.id, User.phone, User.community_id, User.created_at).where(
            User.phone.in_(list(activity))
        )
    ).all()
    by_community: dict[int | None, list] = {None: volunteers}
    for volunteer in volunteers:
        by_community.setdefault(volunteer.community_id, []).append(volunteer)
    staff = session.scalar(select(User.id).where(User.role == Role.staff)) or admin.id
    rng = random.Random("demo-year")
    now = utcnow()
    events, registrations, attendances = [], [], []
    for plan in _plan(rng, {n: communities[n] for n in names}, scale):
        starts = _at(plan["day"], plan["hour"])
        ends = starts + timedelta(hours=plan["hours"])
        past = ends < now
        fresh = ends > now - timedelta(days=2)
        community_id = communities[plan["community"]] if plan["community"] else None
        capacity = max(4, round(plan["capacity"] * min(1.0, 0.3 + scale)))
        event_id = new_id()
        # who could come: joined before it, from its community (a street event: anyone)
        joined_by = starts - timedelta(days=1)
        pool = [v for v in by_community.get(community_id, ()) if v.created_at < joined_by]
        if plan["kind"] == EventKind.meeting:
            pool = pool[: max(1, len(pool) // 5)]
        wanted = round(capacity * (rng.uniform(0.55, 1.0) if past else rng.uniform(0.3, 0.8)))
        signed = _pick(rng, pool, [activity[v.phone] for v in pool], wanted)
        events.append(
            {
                "tenant_id": tenant.id,
                "id": event_id,
                "title": plan["title"],
                "description": plan["text"],
                "kind": plan["kind"],
                "community_id": community_id,
                "place": f"{plan['community'] or '街道'}党群服务中心",
                "starts_at": starts,
                "ends_at": ends,
                "capacity": capacity,
                "waitlist_enabled": True,
                "audience": plan["audience"],
                "points_mode": PointsMode.per_hour,
                "status": EventStatus.finished if past else EventStatus.published,
                "seats_taken": len(signed),
                "waitlist_seq": 0,
                "checkin_secret": new_checkin_secret(),
                "created_by": admin.id,
                "created_at": starts - timedelta(days=10),
                "published_at": starts - timedelta(days=rng.randint(4, 9)),
                "reminded_at": starts - timedelta(days=1) if past else None,
            }
        )
        for volunteer in signed:
            registrations.append(
                {
                    "tenant_id": tenant.id,
                    "id": new_id(),
                    "event_id": event_id,
                    "user_id": volunteer.id,
                    "headcount": 1,
                    "status": RegistrationStatus.registered,
                    "created_at": starts - timedelta(hours=rng.randint(20, 150)),
                }
            )
            if not past or rng.random() < 0.08:  # not yet held, or did not come
                continue
            arrived = starts + timedelta(minutes=rng.randint(0, 12))
            hours = Decimal(plan["hours"]) - (Decimal("0.5") if rng.random() < 0.15 else 0)
            attendances.append(
                {
                    "tenant_id": tenant.id,
                    "id": new_id(),
                    "event_id": event_id,
                    "user_id": volunteer.id,
                    "checked_in_at": arrived,
                    "checked_out_at": arrived + timedelta(hours=float(hours)),
                    "hours": hours,
                    "source": HoursSource.recorded,
                    # the last two days' hours still wait for the staff (a to-do on the dashboard)
                    "confirmed_at": None if fresh else ends + timedelta(hours=rng.randint(1, 20)),
                    "confirmed_by": None if fresh else staff,
                    "created_at": arrived,
                }
            )
    bulk_insert(session, Event, events)
    bulk_insert(session, Registration, registrations)
    bulk_insert(session, Attendance, attendances)
