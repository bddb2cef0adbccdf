"""What an org account's home shows, read in three statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.notify.models import Notification
from tenants.events.models import Event
from tenants.events.signups import Signup, open_to, upcoming_signups

#: notifications the home lists; the inbox has the rest
RECENT_NOTES = 5


@dataclass
class OrgHome:
    signups: list[Signup] = field(default_factory=list)
    open_events: list[Event] = field(default_factory=list)
    notes: list[Notification] = field(default_factory=list)


def home(session: Session, user: User, now: datetime) -> OrgHome:
    """The unit's sign-ups to come, the events still open to it, its latest notifications."""
    notes = session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(RECENT_NOTES)
    )
    return OrgHome(
        signups=upcoming_signups(session, user, now),
        open_events=open_to(session, user, now),
        notes=list(notes),
    )
