"""The meetings' demo: made from the demo's alliance units, nothing without them, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.streets.models import Tenant
from tenants.alliance.meeting_demo import load_demo
from tenants.alliance.meetings import count_overdue
from tenants.alliance.models import Meeting, MeetingInvite, Resolution
from tests.tenants.alliance.factories import make_unit


def _load(scoped, street):
    with scoped(street) as session:
        load_demo(session, session.get(Tenant, street.id))
        session.commit()


def test_the_demo_meetings(street, scoped):
    _load(scoped, street)
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 0
    for n in range(5):
        make_unit(scoped, street, f"演示单位{n}")
    _load(scoped, street)
    _load(scoped, street)
    with scoped(street) as session:
        series = session.scalars(select(Meeting).where(Meeting.kind == "wednesday")).all()
        assert len(series) == 8 and len({m.series_id for m in series}) == 1
        joint = session.scalar(select(Meeting).where(Meeting.kind == "joint"))
        assert joint.minutes
        assert session.scalar(
            select(func.count()).select_from(MeetingInvite).where(MeetingInvite.attended.is_(True))
        )
        assert len(session.scalars(select(Resolution)).all()) == 3
        assert count_overdue(session) == 1
