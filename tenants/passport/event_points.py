"""What an hour is worth at an event that sets no points of its own, told to the events engine's
pages (its ``points_rules`` signal) so an event card can say what it earns without the engine
knowing the passport."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.events.signals import points_rules
from tenants.passport.models import PointRule
from tenants.passport.services import DEFAULT_POINTS_PER_HOUR


@points_rules.connect
def street_rules(_tenant, *, session: Session, **_kwargs) -> dict[str, int]:
    """Event kind → points per hour; ``""`` is the street's default (one small SELECT)."""
    rules = {"": DEFAULT_POINTS_PER_HOUR}
    rules.update(session.execute(select(PointRule.event_kind, PointRule.points_per_hour)).all())
    return rules
