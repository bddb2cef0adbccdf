"""Member days: their date in any month, the job that makes them ahead (idempotent, per street),
and what changing a circle's day does."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from saas.tenancy import all_tenants
from tenants.events.models import Audience, Event, EventKind, EventStatus
from tenants.merchants.memberday import member_day_in
from tenants.merchants.memberday_jobs import create_member_days
from tenants.merchants.models import Circle, MemberDay
from tests.conftest import both_backends
from tests.tenants.merchants.memberday_factories import make_circle

MONTHS = {  # (year, month): its length
    (2025, 2): 28,
    (2024, 2): 29,
    (2025, 4): 30,
    (2025, 1): 31,
}


@pytest.mark.parametrize(("year", "month"), list(MONTHS))
@pytest.mark.parametrize("wanted", [27, 28, 29, 30, 31])
def test_a_day_past_the_months_end_is_its_last_day(year, month, wanted):
    length = MONTHS[(year, month)]
    assert member_day_in(year, month, wanted) == date(year, month, min(wanted, length))


def test_the_known_cases():
    assert member_day_in(2025, 2, 31) == date(2025, 2, 28)
    assert member_day_in(2024, 2, 31) == date(2024, 2, 29)
    assert member_day_in(2024, 2, 29) == date(2024, 2, 29)
    assert member_day_in(2025, 4, 31) == date(2025, 4, 30)
    assert member_day_in(2025, 12, 27) == date(2025, 12, 27)
    assert member_day_in(2025, 1, 31) == date(2025, 1, 31)


def _days(scoped, street):
    with scoped(street) as session:
        rows = session.execute(
            select(Circle.name, MemberDay.day, Event)
            .join(Circle, Circle.id == MemberDay.circle_id)
            .join(Event, Event.id == MemberDay.event_id)
            .order_by(MemberDay.day, Circle.name)
        ).all()
        return [(name, day, event.title, event.kind, event.audience, event.status, event.place)
                for name, day, event in rows]  # fmt: skip


@both_backends
def test_the_job_makes_this_month_and_the_next_once(app, street, make_street, scoped):
    make_circle(scoped, street, "幸福商圈")
    make_circle(scoped, street, "月末商圈", member_day=31, area="滨河路")
    with app.app_context(), all_tenants():
        assert create_member_days(today=date(2025, 1, 10)) == 4
        assert create_member_days(today=date(2025, 1, 10)) == 0  # twice: nothing more
    days = _days(scoped, street)
    assert [(name, day) for name, day, *_ in days] == [
        ("幸福商圈", date(2025, 1, 27)),
        ("月末商圈", date(2025, 1, 31)),
        ("幸福商圈", date(2025, 2, 27)),
        ("月末商圈", date(2025, 2, 28)),
    ]
    name, _day, title, kind, audience, status, place = days[1]
    assert title == "月末商圈会员日"
    assert (kind, audience, status, place) == (
        EventKind.merchant_day,
        Audience.public,
        EventStatus.published,
        "滨河路",
    )
    with scoped(street) as session:
        event = session.scalar(select(Event).where(Event.title == "月末商圈会员日"))
        assert (event.ends_at - event.starts_at).total_seconds() == 24 * 3600  # the whole day
        assert event.points_value == 0


@both_backends
def test_each_street_gets_its_own_days(app, street, make_street, scoped):
    other = make_street("bravo")
    make_circle(scoped, street, "幸福商圈")
    make_circle(scoped, other, "乙商圈", member_day=5)
    with app.app_context(), all_tenants():
        # the 6th: street B's day of this month has passed and is not made
        assert create_member_days(today=date(2025, 3, 6)) == 3
    assert [d[:2] for d in _days(scoped, street)] == [
        ("幸福商圈", date(2025, 3, 27)), ("幸福商圈", date(2025, 4, 27))
    ]  # fmt: skip
    assert [d[:2] for d in _days(scoped, other)] == [("乙商圈", date(2025, 4, 5))]
    with scoped(other) as session:
        assert session.scalar(select(Event.title)) == "乙商圈会员日"


def test_a_changed_day_counts_from_the_months_not_yet_made(app, street, scoped):
    """Days already made keep their date (offers and reminders stand); the month after next,
    made later, takes the new day. A month never gets a second member day."""
    circle = make_circle(scoped, street, "幸福商圈")
    with app.app_context(), all_tenants():
        create_member_days(today=date(2025, 1, 10))
    with scoped(street) as session:
        session.scalar(select(Circle).where(Circle.id == circle)).member_day = 15
        session.commit()
    with app.app_context(), all_tenants():
        assert create_member_days(today=date(2025, 1, 11)) == 0
        assert create_member_days(today=date(2025, 2, 1)) == 1
    assert [d[1] for d in _days(scoped, street)] == [
        date(2025, 1, 27), date(2025, 2, 27), date(2025, 3, 15)
    ]  # fmt: skip
