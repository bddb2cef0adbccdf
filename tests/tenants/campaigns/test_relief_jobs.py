"""The daily visit-due reminder (走访到期提醒): to the community's staff (the admins when it has
none), one message per person counting the households, once per due date."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from saas.notify.models import Notification
from saas.tenancy import all_tenants
from saas.ui import street_today
from tenants.campaigns.relief_jobs import KIND, remind_visits_due
from tenants.campaigns.relief_models import Household
from tests.conftest import both_backends
from tests.tenants.campaigns.factories_relief import make_household
from tests.tenants.factories import add_community


def _run(app, today):
    with app.app_context(), all_tenants():
        return remind_visits_due(today)


def _told(scoped, street):
    with scoped(street) as session:
        return sorted(
            (n.user_id, n.title)
            for n in session.scalars(select(Notification).where(Notification.kind == KIND))
        )


@both_backends
def test_one_message_per_person_once_per_due_date(app, street, make_street, scoped, make_user):
    with app.app_context():
        today = street_today()
    sunny = add_community(scoped, street, "朝阳社区")
    lonely = add_community(scoped, street, "无人社区")  # no staff: the admins are told
    s1, _ = make_user(street, "staff", community_id=sunny, name="社区甲")
    s2, _ = make_user(street, "staff", community_id=sunny, name="社区乙")
    make_user(street, "staff", name="街道工作人员")  # street-wide staff: not told
    due = today + timedelta(days=2)
    h1 = make_household(scoped, street, sunny, 1, next_visit_on=today - timedelta(days=5))
    make_household(scoped, street, sunny, 2, next_visit_on=due)
    make_household(scoped, street, lonely, 3, next_visit_on=today)
    make_household(scoped, street, sunny, 4, next_visit_on=today + timedelta(days=30))  # not yet
    make_household(scoped, street, sunny, 5, next_visit_on=today, status="closed")
    bravo = make_street("bravo")
    b_staff, _ = make_user(bravo, "staff", community_id=add_community(scoped, bravo, "乙社区"))

    assert _run(app, today) == 3
    assert _told(scoped, street) == sorted(
        [(s1, "2 户困难家庭需要走访"), (s2, "2 户困难家庭需要走访"),
         (street.admin_id, "1 户困难家庭需要走访")]
    )  # fmt: skip
    assert _told(scoped, bravo) == []
    # a second run the same day (or the next) tells nobody again
    assert _run(app, today) == 0
    assert _run(app, today + timedelta(days=1)) == 0
    assert len(_told(scoped, street)) == 3
    # a visit moved the due date: a new reminder when it comes near
    with scoped(street) as session:
        household = session.scalar(select(Household).where(Household.id == h1))
        household.next_visit_on = today + timedelta(days=10)
        session.commit()
    assert _run(app, today) == 0
    assert _run(app, today + timedelta(days=8)) == 1
    assert [t for _u, t in _told(scoped, street)].count("1 户困难家庭需要走访") == 3
