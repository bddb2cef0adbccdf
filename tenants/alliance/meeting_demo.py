"""Demo meetings for the demo street: a weekly 相约星期三 series around today, and a joint meeting
ten days ago with attendance, minutes and three resolutions (one overdue, one done, one open).

Found by kind: the demo's alliance units (made by the units area's seeder, which runs first);
nothing is made when there are none. Idempotent: a street that has the series keeps it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.db import new_id, utcnow
from saas.streets.models import Tenant
from saas.ui import street_zone
from tenants.alliance.meetings import weekly_dates
from tenants.alliance.models import (
    Meeting,
    MeetingInvite,
    MeetingKind,
    Resolution,
    ResolutionStatus,
)
from tenants.orgs.models import Organisation, OrgKind

SERIES_TITLE = "相约星期三·共建议事"
JOINT_TITLE = "第四季度党建联席会议"
MINUTES = (
    "一、通报本季度共建项目进展：助老服务、社区清洁、法律咨询三个项目按计划推进。\n"
    "二、各共建单位交流需求与资源，确定下季度重点：老旧小区加装电梯协调、青少年假期托管。\n"
    "三、议定事项见决议清单，由各负责单位按期落实并反馈。"
)


def load_demo(session: Session, tenant: Tenant) -> None:
    """Add the demo meetings if the street has alliance units and no series yet."""
    units = session.scalars(
        select(Organisation.id)
        .where(Organisation.kind == OrgKind.alliance, Organisation.is_active.is_(True))
        .order_by(Organisation.name)
        .limit(6)
    ).all()
    if not units or session.scalar(select(Meeting.id).where(Meeting.title == SERIES_TITLE)):
        return
    admin = session.scalar(select(User).where(User.role == Role.admin).order_by(User.id).limit(1))
    zone = street_zone()
    today = utcnow().astimezone(zone).date()
    last_wednesday = today - timedelta(days=(today.weekday() - 2) % 7 + 14)
    series_id = new_id()
    for n, starts_at in enumerate(weekly_dates(last_wednesday, time(19, 0), zone, 8)):
        meeting = Meeting(
            id=series_id if n == 0 else new_id(),
            title=SERIES_TITLE,
            kind=MeetingKind.wednesday,
            starts_at=starts_at,
            place="街道党群服务中心二楼会议室",
            series_id=series_id,
            created_by=admin.id if admin else None,
        )
        session.add(meeting)
        session.flush()
        for unit_id in units[:4]:
            past = starts_at < utcnow()
            session.add(
                MeetingInvite(
                    meeting_id=meeting.id,
                    organisation_id=unit_id,
                    attended=(unit_id != units[0] or n % 2 == 0) if past else None,
                )
            )
    joint_day = today - timedelta(days=10)
    joint = Meeting(
        title=JOINT_TITLE,
        kind=MeetingKind.joint,
        starts_at=datetime.combine(joint_day, time(14, 30), tzinfo=zone).astimezone(UTC),
        place="街道办事处三楼会议室",
        minutes=MINUTES,
        created_by=admin.id if admin else None,
    )
    session.add(joint)
    session.flush()
    for i, unit_id in enumerate(units):
        session.add(MeetingInvite(meeting_id=joint.id, organisation_id=unit_id, attended=i != 1))
    resolutions = [
        ("协调加装电梯意见征询，形成书面方案", units[0], None, today - timedelta(days=3), "open"),
        ("组织一次青少年假期托管志愿服务", units[-1], None, today + timedelta(days=20), "open"),
        ("汇总各单位可提供的场地资源清单", None, admin.id if admin else None,
         today - timedelta(days=5), "done"),
    ]  # fmt: skip
    for text, unit_id, user_id, due_on, status in resolutions:
        if unit_id is None and user_id is None:
            continue
        session.add(
            Resolution(
                meeting_id=joint.id,
                text=text,
                owner_organisation_id=unit_id,
                owner_user_id=user_id,
                due_on=due_on,
                status=status,
                done_at=utcnow() if status == ResolutionStatus.done else None,
                done_note="已汇总 6 家单位的场地信息" if status == ResolutionStatus.done else "",
            )
        )
    session.flush()
