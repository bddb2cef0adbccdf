"""Where a computed target's actual comes from: each KPI is a SELECT of ``(campaign_id, value)``
over every campaign of the street, grouped by campaign. :func:`actuals` puts the KPIs a page
needs and the entered targets' sums into one statement, so the year view and a campaign's
dashboard ask once whatever the data (never one query per KPI per campaign).

Activities' KPIs read the events engine's own rows (registrations, attendance) through
``campaign_events``; the engine knows nothing of campaigns. Relief KPIs count what was given and
visited between the campaign's dates: the registry (三库一单) outlives any one campaign.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Numeric, Select, and_, cast, distinct, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from saas.db import utcnow
from tenants.campaigns.jobs_models import JobMatch, JobPosition, JobSeeker, MatchStatus
from tenants.campaigns.models import (
    Campaign,
    CampaignEvent,
    Target,
    TargetEntry,
    TargetSource,
    Theme,
)
from tenants.campaigns.relief_models import Assistance, Visit
from tenants.events.models import (
    Attendance,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)


@dataclass(frozen=True)
class Kpi:
    """A computed figure a target can follow (``Target.kpi``)."""

    key: str
    label: Any
    #: what it counts in (人, 场, 元 …): the default unit of a target following it
    unit: Any
    #: the themes it is offered for (every theme's campaign may use any KPI; these come first)
    themes: frozenset[str]
    #: ``() -> select(campaign_id, value)`` grouped by campaign
    select: Callable[[], Select]


# --- activities on the events engine (every theme) -----------------------------------------------


def _live_events() -> Select:
    """The campaign's events that take place (not drafts, not cancelled)."""
    return (
        select(CampaignEvent.campaign_id, Event.id, Event.starts_at, Event.capacity)
        .join(Event, Event.id == CampaignEvent.event_id)
        .where(Event.status.in_((EventStatus.published, EventStatus.finished)))
    )


def _events_held() -> Select:
    live = _live_events().subquery()
    return (
        select(live.c.campaign_id, func.count().label("value"))
        .where(live.c.starts_at <= utcnow())
        .group_by(live.c.campaign_id)
    )


def _places_offered() -> Select:
    live = _live_events().subquery()
    return select(
        live.c.campaign_id, func.coalesce(func.sum(live.c.capacity), 0).label("value")
    ).group_by(live.c.campaign_id)


def _registrations() -> Select:
    return (
        select(CampaignEvent.campaign_id, func.sum(Registration.headcount).label("value"))
        .join(Registration, Registration.event_id == CampaignEvent.event_id)
        .where(Registration.status == RegistrationStatus.registered)
        .group_by(CampaignEvent.campaign_id)
    )


def _participants() -> Select:
    return (
        select(CampaignEvent.campaign_id, func.count().label("value"))
        .join(Attendance, Attendance.event_id == CampaignEvent.event_id)
        .where(or_(Attendance.checked_in_at.is_not(None), Attendance.confirmed_at.is_not(None)))
        .group_by(CampaignEvent.campaign_id)
    )


_ANY = frozenset(Theme)
EVENT_KPIS = (
    Kpi("events_held", _l("举办活动"), _l("场"), _ANY, _events_held),
    Kpi("registrations", _l("活动报名"), _l("人次"), _ANY, _registrations),
    Kpi("participants", _l("活动参与"), _l("人次"), _ANY, _participants),
    Kpi("places_offered", _l("提供名额"), _l("个"), frozenset({Theme.care}), _places_offered),
)


# --- the jobs registry (助企帮招) ------------------------------------------------------------------


def _job_seekers() -> Select:
    return select(JobSeeker.campaign_id, func.count().label("value")).group_by(
        JobSeeker.campaign_id
    )


def _job_openings() -> Select:
    return select(JobPosition.campaign_id, func.sum(JobPosition.openings).label("value")).group_by(
        JobPosition.campaign_id
    )


def _job_employers() -> Select:
    return select(
        JobPosition.campaign_id, func.count(distinct(JobPosition.employer_id)).label("value")
    ).group_by(JobPosition.campaign_id)


def _matches(*where) -> Select:
    return (
        select(JobPosition.campaign_id, func.count().label("value"))
        .join(JobMatch, JobMatch.position_id == JobPosition.id)
        .where(*where)
        .group_by(JobPosition.campaign_id)
    )


def _job_interviews() -> Select:
    return _matches(
        or_(
            JobMatch.interview_at.is_not(None),
            JobMatch.status.in_((MatchStatus.interview, MatchStatus.hired)),
        )
    )


def _job_hires() -> Select:
    return _matches(JobMatch.status == MatchStatus.hired)


_JOBS = frozenset({Theme.jobs})
JOBS_KPIS = (
    Kpi("job_seekers", _l("求职登记"), _l("人"), _JOBS, _job_seekers),
    Kpi("job_openings", _l("提供岗位"), _l("个"), _JOBS, _job_openings),
    Kpi("job_employers", _l("用工企业"), _l("家"), _JOBS, _job_employers),
    Kpi("job_interviews", _l("推荐面试"), _l("人次"), _JOBS, _job_interviews),
    Kpi("job_hires", _l("成功入职"), _l("人"), _JOBS, _job_hires),
)


# --- the relief registry (纾困解难): what was done between the campaign's dates ------------------


def _in_campaign(day_column) -> Any:
    return and_(day_column >= Campaign.starts_on, day_column <= Campaign.ends_on)


def _relief_households() -> Select:
    return (
        select(
            Campaign.id.label("campaign_id"),
            func.count(distinct(Assistance.household_id)).label("value"),
        )
        .join(Assistance, _in_campaign(Assistance.given_on))
        .group_by(Campaign.id)
    )


def _relief_amount() -> Select:
    return (
        select(
            Campaign.id.label("campaign_id"),
            func.coalesce(func.sum(Assistance.amount), 0).label("value"),
        )
        .join(Assistance, _in_campaign(Assistance.given_on))
        .group_by(Campaign.id)
    )


def _relief_visits() -> Select:
    return (
        select(Campaign.id.label("campaign_id"), func.count().label("value"))
        .join(Visit, _in_campaign(Visit.visited_on))
        .group_by(Campaign.id)
    )


_RELIEF = frozenset({Theme.relief})
RELIEF_KPIS = (
    Kpi("relief_households", _l("帮扶困难家庭"), _l("户"), _RELIEF, _relief_households),
    Kpi("relief_amount", _l("帮扶金额"), _l("元"), _RELIEF, _relief_amount),
    Kpi("relief_visits", _l("走访慰问"), _l("次"), _RELIEF, _relief_visits),
)

#: every KPI by key, in the order the target form offers them
KPIS: dict[str, Kpi] = {k.key: k for k in (*EVENT_KPIS, *JOBS_KPIS, *RELIEF_KPIS)}


def kpis_for(theme: str) -> list[Kpi]:
    """The KPIs a campaign of ``theme`` may follow: its theme's first, then the rest."""
    return sorted(KPIS.values(), key=lambda k: theme not in k.themes)


_VALUE = Numeric(14, 2)


def actuals(session: Session, targets: Iterable[Target]) -> dict[int, Decimal]:
    """Each target's actual by target id, in one statement: computed targets from their KPI,
    entered ones from the sum of their entries. A target with nothing yet is 0."""
    targets = list(targets)
    computed = [t for t in targets if t.source == TargetSource.computed and t.kpi in KPIS]
    entered = [t.id for t in targets if t.source == TargetSource.entered]
    if not computed and not entered:
        return {t.id: Decimal(0) for t in targets}
    parts = []
    for key in sorted({t.kpi for t in computed}):
        kpi = KPIS[key].select().subquery()
        parts.append(
            select(
                literal(key).label("kpi"),
                kpi.c.campaign_id.label("ref"),
                cast(kpi.c.value, _VALUE).label("value"),
            )
            .join(Campaign, Campaign.id == kpi.c.campaign_id)
            .where(Campaign.id.in_({t.campaign_id for t in computed}))
        )
    if entered:
        parts.append(
            select(
                literal("").label("kpi"),
                TargetEntry.target_id.label("ref"),
                cast(func.sum(TargetEntry.value), _VALUE).label("value"),
            )
            .where(TargetEntry.target_id.in_(entered))
            .group_by(TargetEntry.target_id)
        )
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    found = {(kpi, ref): Decimal(value or 0) for kpi, ref, value in session.execute(stmt)}
    result = {}
    for t in targets:
        key = (t.kpi, t.campaign_id) if t.source == TargetSource.computed else ("", t.id)
        result[t.id] = found.get(key, Decimal(0))
    return result
