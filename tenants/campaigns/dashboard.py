"""A campaign's dashboard (数据看板): progress per target (actual against target, from
``kpis.actuals``), its events with their registrations and attendance, and participation week by
week within the campaign's dates (registrations and attendance at its events, and its theme's
registry: job seekers and hires for jobs, assistance and visits for relief).

Every figure is one statement (a series is one grouped query, whatever the number of weeks,
events or rows), so the page costs the same for a campaign of ten rows or ten thousand.

The figures are the street's aggregates: no person is named, so every office user sees the same
dashboard (the relief registry's households stay behind their own community rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from saas.ui import street_zone
from tenants.campaigns.campaigns import campaigns_of_year
from tenants.campaigns.jobs_models import JobMatch, JobPosition, JobSeeker, MatchStatus
from tenants.campaigns.kpis import actuals
from tenants.campaigns.models import Campaign, CampaignEvent, Target, Theme
from tenants.campaigns.relief_models import Assistance, Visit
from tenants.events.models import Attendance, Event, Registration, RegistrationStatus

#: at most this many points on the time axis: a long custom campaign is cut in wider steps
MAX_POINTS = 53


# --- weeks of a campaign --------------------------------------------------------------------------


@dataclass(frozen=True)
class Weeks:
    """The campaign's days cut into weeks from its first day (the last one may be shorter)."""

    #: the first day of each week, then the day after the campaign's last
    days: tuple[date, ...]

    @property
    def labels(self) -> list[str]:
        return [d.strftime("%m-%d") for d in self.days[:-1]]

    @property
    def instants(self) -> tuple[datetime, ...]:
        """The same bounds as the first instants (UTC) of those days in the street's zone."""
        zone = street_zone()
        return tuple(datetime.combine(d, time(), tzinfo=zone).astimezone(UTC) for d in self.days)

    def bucket(self, column, bounds):
        """A SQL expression: the index of ``column``'s week (0 = first); filter the rows to
        ``bounds[0] <= column < bounds[-1]`` so each has one."""
        return case(
            *((column < bound, i) for i, bound in enumerate(bounds[1:-1])),
            else_=len(bounds) - 2,
        )

    def series(self, rows) -> list[int | float]:
        values: list[int | float] = [0] * (len(self.days) - 1)
        for index, value in rows:
            if index is not None and 0 <= int(index) < len(values):
                values[int(index)] = _plain(value)
        return values


def weeks_of(starts_on: date, ends_on: date) -> Weeks:
    span = (ends_on - starts_on).days + 1
    step = 7 * max(1, math.ceil(span / 7 / MAX_POINTS))
    days = []
    day = starts_on
    while day <= ends_on:
        days.append(day)
        day += timedelta(days=step)
    days.append(ends_on + timedelta(days=1))
    return Weeks(tuple(days))


def _plain(value) -> int | float:
    if value is None:
        return 0
    number = float(value)
    return int(number) if number.is_integer() else round(number, 2)


# --- progress per target --------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    target: Target
    actual: Decimal

    @property
    def target_number(self) -> int | float:
        """The target as shown: 230, not 230.00."""
        return _plain(self.target.target_value)

    @property
    def actual_number(self) -> int | float:
        return _plain(self.actual)

    @property
    def percent(self) -> float:
        """Actual against target, in % (may pass 100)."""
        return round(float(self.actual) * 100 / float(self.target.target_value), 1)


def progress(session: Session, campaign: Campaign) -> list[Progress]:
    """The campaign's targets in their order with their actuals: two statements."""
    targets = session.scalars(
        select(Target)
        .where(Target.campaign_id == campaign.id)
        .order_by(Target.position, Target.created_at, Target.id)
    ).all()
    found = actuals(session, targets)
    return [Progress(t, found.get(t.id, Decimal(0))) for t in targets]


# --- the campaign's events ------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFigures:
    id: int
    title: str
    starts_at: datetime
    status: str
    capacity: int | None
    registrations: int
    attendance: int


def _attended():
    return or_(Attendance.checked_in_at.is_not(None), Attendance.confirmed_at.is_not(None))


def event_figures(session: Session, campaign: Campaign) -> list[EventFigures]:
    """Each of the campaign's events (by start) with the seats registered (headcounts) and the
    people who came (checked in or confirmed): one statement."""
    linked = select(CampaignEvent.event_id).where(CampaignEvent.campaign_id == campaign.id)
    registered = (
        select(Registration.event_id, func.sum(Registration.headcount).label("n"))
        .where(
            Registration.event_id.in_(linked),
            Registration.status == RegistrationStatus.registered,
        )
        .group_by(Registration.event_id)
        .subquery()
    )
    came = (
        select(Attendance.event_id, func.count().label("n"))
        .where(Attendance.event_id.in_(linked), _attended())
        .group_by(Attendance.event_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.status,
            Event.capacity,
            func.coalesce(registered.c.n, 0),
            func.coalesce(came.c.n, 0),
        )
        .join(CampaignEvent, CampaignEvent.event_id == Event.id)
        .outerjoin(registered, registered.c.event_id == Event.id)
        .outerjoin(came, came.c.event_id == Event.id)
        .where(CampaignEvent.campaign_id == campaign.id)
        .order_by(Event.starts_at, Event.id)
    ).all()
    return [EventFigures(*row[:5], int(row[5]), int(row[6])) for row in rows]


# --- participation week by week -------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    key: str
    label: object
    values: list


SERIES_LABELS = {
    "registrations": _l("活动报名（人次）"),
    "attendance": _l("活动参与（人次）"),
    "job_seekers": _l("求职登记（人）"),
    "job_hires": _l("成功入职（人）"),
    "assistance": _l("帮扶（次）"),
    "visits": _l("走访（次）"),
}


def _timed(session, weeks: Weeks, column, value, *where, join=()):
    """A series over a time column (stored UTC): weeks cut at the street's midnight."""
    return _grouped(session, weeks, weeks.instants, column, value, where, join)


def _dated(session, weeks: Weeks, column, value, *where, join=()):
    """A series over a date column."""
    return _grouped(session, weeks, weeks.days, column, value, where, join)


def _grouped(session, weeks: Weeks, bounds, column, value, where, join) -> list:
    bucket = weeks.bucket(column, bounds)
    stmt = select(bucket, value).select_from(column.class_)
    for target, onclause in join:
        stmt = stmt.join(target, onclause)
    stmt = stmt.where(column >= bounds[0], column < bounds[-1], *where).group_by(bucket)
    return weeks.series(session.execute(stmt).all())


def participation(session: Session, campaign: Campaign) -> tuple[Weeks, list[Series]]:
    """The weekly series of the campaign: one grouped statement each (two for every campaign,
    two more for jobs or relief)."""
    weeks = weeks_of(campaign.starts_on, campaign.ends_on)
    of_campaign = CampaignEvent.campaign_id == campaign.id
    series = [
        Series(
            "registrations",
            SERIES_LABELS["registrations"],
            _timed(
                session,
                weeks,
                Registration.created_at,
                func.sum(Registration.headcount),
                of_campaign,
                Registration.status == RegistrationStatus.registered,
                join=((CampaignEvent, CampaignEvent.event_id == Registration.event_id),),
            ),
        ),
        # people who came, in the week of the event they came to
        Series(
            "attendance",
            SERIES_LABELS["attendance"],
            _timed(
                session,
                weeks,
                Event.starts_at,
                func.count(),
                of_campaign,
                _attended(),
                join=(
                    (Attendance, Attendance.event_id == Event.id),
                    (CampaignEvent, CampaignEvent.event_id == Event.id),
                ),
            ),
        ),
    ]
    if campaign.theme == Theme.jobs:
        series.append(
            Series(
                "job_seekers",
                SERIES_LABELS["job_seekers"],
                _timed(
                    session,
                    weeks,
                    JobSeeker.created_at,
                    func.count(),
                    JobSeeker.campaign_id == campaign.id,
                ),
            )
        )
        series.append(
            Series(
                "job_hires",
                SERIES_LABELS["job_hires"],
                _dated(
                    session,
                    weeks,
                    JobMatch.hired_on,
                    func.count(),
                    JobPosition.campaign_id == campaign.id,
                    JobMatch.status == MatchStatus.hired,
                    join=((JobPosition, JobPosition.id == JobMatch.position_id),),
                ),
            )
        )
    elif campaign.theme == Theme.relief:
        # the registry outlives the campaign: what was given and visited within its dates
        series.append(
            Series(
                "assistance",
                SERIES_LABELS["assistance"],
                _dated(session, weeks, Assistance.given_on, func.count()),
            )
        )
        series.append(
            Series(
                "visits",
                SERIES_LABELS["visits"],
                _dated(session, weeks, Visit.visited_on, func.count()),
            )
        )
    return weeks, series


# --- the whole page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    campaign: Campaign
    progress: list[Progress]
    events: list[EventFigures]
    weeks: Weeks
    series: list[Series]

    @property
    def kpi_chart(self) -> dict:
        """For ``data-chart="bar"``: each target's completion in %."""
        return {
            "labels": [p.target.name for p in self.progress],
            "values": [p.percent for p in self.progress],
        }

    @property
    def trend_chart(self) -> dict:
        """For ``data-chart="series"``: the weekly series, event figures as bars, the
        registry's as lines."""
        return {
            "labels": self.weeks.labels,
            "series": [
                {
                    "name": str(s.label),
                    "type": "bar" if s.key in ("registrations", "attendance") else "line",
                    "values": s.values,
                }
                for s in self.series
            ],
        }

    @property
    def weekly_rows(self) -> list[tuple[str, str, list]]:
        """(first day, last day, values in the order of ``series``) per week, for the table."""
        days = self.weeks.days
        return [
            (
                days[i].isoformat(),
                (days[i + 1] - timedelta(days=1)).isoformat(),
                [s.values[i] for s in self.series],
            )
            for i in range(len(days) - 1)
        ]


def dashboard(session: Session, campaign: Campaign) -> Dashboard:
    weeks, series = participation(session, campaign)
    return Dashboard(
        campaign, progress(session, campaign), event_figures(session, campaign), weeks, series
    )


# --- the year's campaigns -------------------------------------------------------------------------


@dataclass(frozen=True)
class YearRow:
    campaign: Campaign
    targets: int
    #: the mean completion of its targets, each counted at most 100 %; None without targets
    mean_percent: float | None


def year_rows(session: Session, year: int) -> list[YearRow]:
    """The year's campaigns in the seasons' order with their targets' mean completion: three
    statements whatever the number of campaigns and targets."""
    campaigns = campaigns_of_year(session, year)
    targets = session.scalars(
        select(Target).where(Target.campaign_id.in_([c.id for c in campaigns]))
    ).all()
    found = actuals(session, targets) if targets else {}
    rows = []
    for campaign in campaigns:
        own = [t for t in targets if t.campaign_id == campaign.id]
        shares = [min(100.0, float(found.get(t.id, 0)) * 100 / float(t.target_value)) for t in own]
        mean = round(sum(shares) / len(shares), 1) if shares else None
        rows.append(YearRow(campaign, len(own), mean))
    return rows
