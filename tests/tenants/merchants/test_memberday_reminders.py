"""The day-before reminder of a member day: once, to the circle's merchants and subscribers only."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from saas.notify.models import Notification
from saas.tenancy import all_tenants
from saas.ui import street_today
from tenants.merchants.memberday_jobs import remind_member_days
from tenants.merchants.models import MemberDay, Subscription
from tests.conftest import both_backends
from tests.tenants.merchants.memberday_factories import make_circle, make_days, make_merchant


def _run(app, day):
    """The job at noon, street time, of the day before ``day``."""
    from saas.ui import street_zone

    with app.app_context():
        noon = datetime.combine(day - timedelta(days=1), time(12), street_zone()).astimezone(UTC)
        with all_tenants():
            return remind_member_days(now=noon)


def _told(scoped, street):
    with scoped(street) as session:
        return sorted(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.kind == "merchants.member_day_tomorrow"
                )
            )
        )


@both_backends
def test_once_to_merchants_and_subscribers_of_the_circle(
    app, street, make_street, scoped, make_user
):
    circle = make_circle(scoped, street, "幸福商圈")
    other_circle = make_circle(scoped, street, "滨河商圈", member_day=3)
    _o, shop_user, _p = make_merchant(scoped, street, make_user, circle, "老街面馆")
    _o2, other_shop, _p2 = make_merchant(scoped, street, make_user, other_circle, "滨河花店")
    fan, _ = make_user(street, "volunteer", name="订阅居民")
    gone, _ = make_user(street, "volunteer", name="退订居民")
    stranger, _ = make_user(street, "volunteer", name="未订阅居民")
    with scoped(street) as session:
        session.add(Subscription(circle_id=circle, user_id=fan))
        session.commit()
    # street B: a circle on the same day, a merchant and a subscriber
    bravo = make_street("bravo")
    b_circle = make_circle(scoped, bravo, "乙商圈")
    _bo, b_shop, _bp = make_merchant(scoped, bravo, make_user, b_circle, "乙面馆")
    b_fan, _ = make_user(bravo, "volunteer")
    with scoped(bravo) as session:
        session.add(Subscription(circle_id=b_circle, user_id=b_fan))
        session.commit()
    make_days(scoped, street)
    make_days(scoped, bravo)
    with scoped(street) as session:
        day = session.scalars(
            select(MemberDay.day)
            .where(MemberDay.circle_id == circle, MemberDay.day > street_today())
            .order_by(MemberDay.day)
        ).first()
    del gone  # subscribed once, then left: never told

    assert _run(app, day) == 2  # street A's and street B's day
    assert _run(app, day) == 0  # twice: nobody told again
    assert _told(scoped, street) == sorted([shop_user, fan])
    assert _told(scoped, bravo) == sorted([b_shop, b_fan])
    assert stranger not in _told(scoped, street) and other_shop not in _told(scoped, street)
    with scoped(street) as session:
        reminded = session.scalar(
            select(MemberDay.reminded_at).where(MemberDay.circle_id == circle, MemberDay.day == day)
        )
        assert reminded is not None
        note = session.scalar(select(Notification).where(Notification.user_id == fan))
        assert note.title == "明天是幸福商圈会员日"
        assert note.link == "/alpha/merchants/member-day"


def test_an_unsubscribed_resident_is_not_told(app, street, scoped, make_user):
    circle = make_circle(scoped, street, "幸福商圈")
    _v, phone = make_user(street, "volunteer")
    from tests.tenants.factories import signed_in

    resident = signed_in(app, "alpha", phone)
    resident.post("/alpha/merchants/member-day/subscribe", data={"circle": circle, "on": "1"})
    resident.post("/alpha/merchants/member-day/subscribe", data={"circle": circle, "on": "0"})
    make_days(scoped, street)
    with scoped(street) as session:
        day = session.scalars(
            select(MemberDay.day).where(MemberDay.day > street_today()).order_by(MemberDay.day)
        ).first()
    assert _run(app, day) == 1
    assert _told(scoped, street) == []
