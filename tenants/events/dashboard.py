"""The events module's dashboard panels: the events of today and of the rest of this week, and
the last twelve months of confirmed service hours and events held."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.cache import remember, viewer_key
from saas.charts import plain
from saas.db import utcnow
from saas.figures.reports import MONTHLY, label_of
from saas.figures.store import for_viewer, months_to
from saas.ui import street_zone
from tenants.events.models import Event
from tenants.events.services import HELD, TAKING_PLACE, _visible

#: events listed per day group; past it the panel links to the filtered list
UPCOMING_LIMIT = 10


@dataclass(frozen=True)
class UpcomingEvent:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    seats_taken: int
    capacity: int | None
    status: str


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=street_zone())


def upcoming_panel(session: Session, viewer: User, now: datetime | None = None) -> dict:
    """Published events of today and of the days left in this week (Monday to Sunday, local),
    those ``viewer`` may manage; one statement, not cached (sign-ups move all day)."""
    now = now or utcnow()
    today = now.astimezone(street_zone()).date()
    tomorrow = today + timedelta(days=1)
    week_end = today + timedelta(days=7 - today.weekday())  # the Monday after
    start, middle, end = (_local_day_start(d) for d in (today, tomorrow, week_end))
    rows = session.execute(
        select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.ends_at,
            Event.place,
            Event.seats_taken,
            Event.capacity,
            Event.status,
            Event.starts_at < middle,
        )
        .where(
            Event.status.in_(TAKING_PLACE),
            _visible(viewer),
            # an event of several days that began earlier and is still on counts as today's
            or_(Event.starts_at >= start, Event.ends_at > now),
            Event.starts_at < end,
        )
        .order_by(Event.starts_at, Event.id)
        .limit(4 * UPCOMING_LIMIT)
    ).all()
    today_events = [UpcomingEvent(*row[:-1]) for row in rows if row[-1]]
    week_events = [UpcomingEvent(*row[:-1]) for row in rows if not row[-1]]
    return {
        "today": today_events[:UPCOMING_LIMIT],
        "today_more": len(today_events) > UPCOMING_LIMIT,
        "week": week_events[:UPCOMING_LIMIT],
        "week_more": len(week_events) > UPCOMING_LIMIT,
        "today_date": today.isoformat(),
        "tomorrow_date": tomorrow.isoformat(),
        "week_last_date": (week_end - timedelta(days=1)).isoformat(),
        "has_rest_of_week": tomorrow < week_end,
    }


#: the figures the trend shows (saas.figures, tenants/events/figures.py)
HOURS, HELD_FIGURE = "events.hours", "events.held"
#: the panel's declaration lists them (saas.modules.Panel.figures)
TREND_FIGURES = (HOURS, HELD_FIGURE)


def trends(session: Session, viewer: User, now: datetime) -> dict:
    """Confirmed service hours (by the day they were confirmed) and events held (by the day
    they started; ``services.held``, the event list's 已举办 filter), per month of the last
    twelve: the figures the monthly report shows (saas.figures), the kept days up to yesterday
    and today's counted live.

    For staff limited to a community: the hours of that community's volunteers and that
    community's own events (street-wide events belong to no community; the figure's link
    filters the list by the community too); a figure not allowed per community is None. One
    statement for the months, one per figure for today.
    """
    today = now.astimezone(street_zone()).date()
    periods = months_to(today)
    values = for_viewer(session, viewer, periods, TREND_FIGURES, today)
    hours = [plain(v) for v in values[HOURS]] if HOURS in values else None
    held_series = [plain(v) for v in values[HELD_FIGURE]] if HELD_FIGURE in values else None
    return {
        "labels": [label_of(MONTHLY, p) for p in periods],
        "hours": hours,
        "held": held_series,
        "hours_total": round(sum(hours), 2) if hours is not None else None,
        "held_total": sum(held_series) if held_series is not None else None,
        "first_day": periods[0].first.isoformat(),
        "last_day": today.isoformat(),
    }


def trends_panel(session: Session, viewer: User, now: datetime | None = None) -> dict:
    """The trend panel's data, computed once per interval per street and scope (saas.cache)."""
    now = now or utcnow()
    figures = remember(viewer_key("events-trends", viewer), lambda: trends(session, viewer, now))
    chart = {
        "labels": figures["labels"],
        "series": [
            one
            for one in (
                {"name": _("服务时长（小时）"), "type": "bar", "values": figures["hours"]},
                {"name": _("举办活动（场）"), "type": "line", "values": figures["held"], "axis": 1},
            )
            if one["values"] is not None
        ],
    }
    # the figure links to the list's 已举办 filter over the same days (the same rule, ``held``),
    # for a community's staff to that community's events
    held_args = {"from": figures["first_day"], "to": figures["last_day"], "status": HELD}
    if viewer.limited_to_community is not None:
        held_args["community"] = viewer.limited_to_community
    return {"figures": figures, "chart_json": json.dumps(chart), "held_args": held_args}
