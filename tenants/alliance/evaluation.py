"""The yearly evaluation of alliance units (年度考评): a participation score, a ranking, stars.

score = events joined × w_events + projects delivered × w_projects + members' hours × w_hours
        + meetings attended × w_meetings

- events joined: events that took place (published or finished, started) in the year that one of
  the unit's accounts signed up for and did not cancel;
- projects delivered: projects done (finished) in the year the unit was a partner of;
- members' hours: confirmed hours of its members (unit_report.members_select) at events of the year;
- meetings attended: its invitations marked attended, for meetings of the year.

The street sets the weights (0–100) and four increasing thresholds for ★★ to ★★★★★ (below the
first: ★); they live in the street's settings under ``alliance_evaluation``. Each component is one
grouped query: a constant number of statements whatever the number of units.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import utcnow
from saas.errors import ServiceError
from saas.streets.cache import fresh_for_update
from saas.streets.models import Tenant
from tenants.alliance.models import (
    Meeting,
    MeetingInvite,
    Project,
    ProjectPartner,
    ProjectStatus,
)
from tenants.alliance.unit_report import bounds, members_select
from tenants.events.models import Attendance, Event, Registration, RegistrationStatus
from tenants.events.services import TAKING_PLACE
from tenants.orgs.models import OrgAccount, Organisation, OrgKind

SETTINGS_KEY = "alliance_evaluation"
WEIGHT_MAX = 100
STARS = 5


@dataclass
class Rules:
    """The weights of the four components and the scores that earn ★★ … ★★★★★."""

    w_events: int = 10
    w_projects: int = 20
    w_hours: int = 1
    w_meetings: int = 5
    thresholds: tuple[int, int, int, int] = (20, 50, 100, 200)


def rules_of(tenant: Tenant) -> Rules:
    stored = (tenant.settings or {}).get(SETTINGS_KEY) or {}
    defaults = Rules()
    try:
        return Rules(
            w_events=int(stored.get("w_events", defaults.w_events)),
            w_projects=int(stored.get("w_projects", defaults.w_projects)),
            w_hours=int(stored.get("w_hours", defaults.w_hours)),
            w_meetings=int(stored.get("w_meetings", defaults.w_meetings)),
            thresholds=tuple(int(t) for t in stored.get("thresholds", defaults.thresholds)),
        )
    except (TypeError, ValueError):
        return defaults


WEIGHT_FIELDS = {
    "w_events": "参加活动",
    "w_projects": "完成项目",
    "w_hours": "党员服务时长",
    "w_meetings": "出席会议",
}


def check_rules(rules: Rules) -> None:
    """:raise ServiceError: a weight outside 0–100, thresholds not four increasing numbers ≥ 0"""
    for name in WEIGHT_FIELDS:
        value = getattr(rules, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= WEIGHT_MAX:
            raise ServiceError(_("权重须为 0 到 %(n)d 之间的整数", n=WEIGHT_MAX), name)
    thresholds = rules.thresholds
    if len(thresholds) != STARS - 1 or any(
        isinstance(t, bool) or not isinstance(t, int) or t < 0 for t in thresholds
    ):
        raise ServiceError(_("请填写四个不小于 0 的整数分数线"), "thresholds")
    if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
        raise ServiceError(_("分数线须逐级递增（二星 < 三星 < 四星 < 五星）"), "thresholds")


def save_rules(session: Session, actor: User, tenant: Tenant, rules: Rules) -> None:
    """Store the street's evaluation rules; audit-log them.

    :raise ServiceError: not the admin, or a value out of range (with its field)
    """
    if actor.role != Role.admin:
        raise ServiceError(_("只有街道管理员可以修改考评规则"))
    check_rules(rules)
    fresh_for_update(session, tenant)
    settings = dict(tenant.settings or {})
    values = asdict(rules)
    values["thresholds"] = list(rules.thresholds)
    settings[SETTINGS_KEY] = values
    tenant.settings = settings  # a new dict: the JSON column sees the change
    session.flush()
    record(session, "settings.change", actor.id, "tenant", {SETTINGS_KEY: values})


def stars_for(score: Decimal, thresholds: tuple[int, ...]) -> int:
    return 1 + sum(1 for t in thresholds if score >= t)


@dataclass
class UnitScore:
    organisation_id: int
    name: str
    events: int
    projects: int
    hours: Decimal
    meetings: int
    score: Decimal
    stars: int
    rank: int = 0


def evaluate(
    session: Session, year: int, rules: Rules, community_id: int | None = None
) -> list[UnitScore]:
    """Every alliance unit's score for ``year``, best first (ties by name), with its rank and
    stars: five statements whatever the number of units."""
    since, until = bounds(date(year, 1, 1), date(year + 1, 1, 1))
    now = utcnow()
    units_stmt = select(Organisation.id, Organisation.name).where(
        Organisation.kind == OrgKind.alliance
    )
    if community_id is not None:
        units_stmt = units_stmt.where(Organisation.community_id == community_id)
    units = dict(session.execute(units_stmt).all())
    if not units:
        return []

    events = dict(
        session.execute(
            select(OrgAccount.organisation_id, func.count(func.distinct(Registration.event_id)))
            .join(Registration, Registration.user_id == OrgAccount.user_id)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.status != RegistrationStatus.cancelled,
                Event.status.in_(TAKING_PLACE),
                Event.starts_at >= since,
                Event.starts_at < min(until, now),
            )
            .group_by(OrgAccount.organisation_id)
        ).all()
    )
    projects = dict(
        session.execute(
            select(ProjectPartner.organisation_id, func.count(func.distinct(Project.id)))
            .join(Project, Project.id == ProjectPartner.project_id)
            .where(
                Project.status == ProjectStatus.done,
                Project.finished_at >= since,
                Project.finished_at < until,
            )
            .group_by(ProjectPartner.organisation_id)
        ).all()
    )
    members = members_select().subquery()
    hours = dict(
        session.execute(
            select(members.c.organisation_id, func.sum(Attendance.hours))
            .join(Attendance, Attendance.user_id == members.c.user_id)
            .join(Event, Event.id == Attendance.event_id)
            .where(
                Attendance.confirmed_at.is_not(None),
                Event.starts_at >= since,
                Event.starts_at < until,
            )
            .group_by(members.c.organisation_id)
        ).all()
    )
    meetings = dict(
        session.execute(
            select(MeetingInvite.organisation_id, func.count())
            .join(Meeting, Meeting.id == MeetingInvite.meeting_id)
            .where(
                MeetingInvite.attended.is_(True),
                Meeting.starts_at >= since,
                Meeting.starts_at < until,
            )
            .group_by(MeetingInvite.organisation_id)
        ).all()
    )
    scores = []
    for uid, name in units.items():
        e, p, m = int(events.get(uid, 0)), int(projects.get(uid, 0)), int(meetings.get(uid, 0))
        h = Decimal(hours.get(uid) or 0)
        score = e * rules.w_events + p * rules.w_projects + h * rules.w_hours + m * rules.w_meetings
        score = Decimal(score).quantize(Decimal("0.1"))
        scores.append(UnitScore(uid, name, e, p, h, m, score, stars_for(score, rules.thresholds)))
    scores.sort(key=lambda s: (-s.score, s.name))
    rank, previous = 0, None
    for n, unit in enumerate(scores, start=1):
        if unit.score != previous:  # equal scores share a rank
            rank, previous = n, unit.score
        unit.rank = rank
    return scores
