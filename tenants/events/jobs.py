"""Scheduled jobs of the events engine (see ``tenants.periodic_jobs``).

Each runs with every street in view (``ALL_TENANTS``), finds the streets with something to do in
one query, and works through them one by one inside that street's scope, committing per street,
so every row it writes carries the right street and one street's failure does not undo another's.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from saas.auth.models import User
from saas.db import utcnow
from saas.extensions import db
from saas.notify.services import notify
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from saas.ui import street_zone
from tenants.events.checkin import close_open_checkins  # noqa: F401 (a scheduled job)
from tenants.events.models import Event, EventStatus, Registration, RegistrationStatus
from tenants.events.registration import activity_link
from tenants.events.services import when
from tenants.events.signals import event_finished

log = logging.getLogger(__name__)

#: reminders go out for events starting within this window
REMIND_AHEAD = timedelta(hours=24)
#: a published event is marked finished this long after its end (late check-outs and the
#: closing of open check-ins happen first)
FINISH_AFTER = timedelta(hours=12)


def _streets(*conditions) -> list[Tenant]:
    """Active streets that have events matching ``conditions`` (one query across streets)."""
    ids = select(Event.tenant_id).where(*conditions).distinct()
    return list(
        db.session.scalars(
            select(Tenant)
            .where(Tenant.id.in_(ids), Tenant.status == TenantStatus.active)
            .order_by(Tenant.id)
        )
    )


def send_reminders() -> int:
    """Tell everyone registered for an event starting within 24 hours (inbox and SMS), once.

    An event is claimed by ``UPDATE … SET reminded_at WHERE reminded_at IS NULL`` in the same
    transaction as its notifications: two runs at once (or a retried job) send once. Published
    events whose end passed ``FINISH_AFTER`` ago are marked finished. Returns reminders sent.
    """
    now = utcnow()
    due = (
        Event.status == EventStatus.published,
        Event.reminded_at.is_(None),
        Event.starts_at > now,
        Event.starts_at <= now + REMIND_AHEAD,
    )
    ended = (Event.status == EventStatus.published, Event.ends_at < now - FINISH_AFTER)
    sent = 0
    streets = {t.id: t for t in _streets(*due)} | {t.id: t for t in _streets(*ended)}
    for tenant in streets.values():
        slug = tenant.slug
        with tenant_scope(tenant.id):
            try:
                sent += _remind_street(slug, due)
                finished = db.session.scalars(
                    update(Event)
                    .where(*ended)
                    .values(status=EventStatus.finished)
                    .returning(Event)
                    .execution_options(synchronize_session=False)
                ).all()
                for event in finished:
                    event_finished.send(event, session=db.session, actor=None)
                db.session.commit()
            except Exception:  # one street's trouble must not stop the others' reminders
                db.session.rollback()
                log.exception("event reminders failed for street %s", slug)
    return sent


def reminder_title(starts_at: datetime, now: datetime, zone: ZoneInfo):
    """The reminder's title says when the event starts, as the person will read it: in so many
    minutes, today at, or tomorrow at (local time; the window is 24 hours, so never later)."""
    minutes = math.ceil((starts_at - now).total_seconds() / 60)
    if minutes <= 90:
        return _l("活动将在 %(n)d 分钟后开始", n=max(minutes, 1))
    start, today = starts_at.astimezone(zone), now.astimezone(zone).date()
    at = start.strftime("%H:%M")
    if start.date() == today:
        return _l("活动今天 %(time)s 开始", time=at)
    if start.date() == today + timedelta(days=1):
        return _l("活动明天 %(time)s 开始", time=at)
    return _l("活动 %(date)s %(time)s 开始", date=start.strftime("%m-%d"), time=at)


def _remind_street(slug: str, due: tuple) -> int:
    sent = 0
    zone = street_zone()
    for event in db.session.scalars(select(Event).where(*due).order_by(Event.starts_at)):
        claimed = db.session.execute(
            update(Event)
            .where(Event.id == event.id, Event.reminded_at.is_(None))
            .values(reminded_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:  # another run got there first
            continue
        people = db.session.scalars(
            select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.registered,
            )
            .order_by(Registration.id)
        ).all()
        place = _l("，地点：%(place)s", place=event.place) if event.place else ""
        title = reminder_title(event.starts_at, utcnow(), zone)
        for person in people:
            notify(
                db.session,
                person,
                "event.reminder",
                title,
                _l(
                    "您报名的“%(title)s”将于 %(when)s 开始%(place)s。",
                    title=event.title,
                    when=when(event),
                    place=place,
                ),
                link=activity_link(slug, event),
            )
            sent += 1
    return sent
