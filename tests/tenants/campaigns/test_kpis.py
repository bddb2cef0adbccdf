"""A target's actual follows the linked data, in one statement for any number of campaigns and
KPIs, and never counts another street's rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from saas.db import utcnow
from tenants.campaigns.jobs_models import JobMatch, MatchStatus
from tenants.campaigns.kpis import KPIS, actuals
from tenants.campaigns.models import Target, TargetEntry
from tenants.campaigns.relief_models import Assistance, Household, Visit
from tenants.events.models import Attendance, EventStatus, Registration, RegistrationStatus
from tests.conftest import both_backends
from tests.tenants.campaigns.factories import (
    link_event,
    make_campaign,
    make_employer,
    make_position,
    make_seeker,
    make_target,
)
from tests.tenants.factories import add_community, make_event
from tests.test_query_counts import count_queries

YEAR = date.today().year


def _actuals(app, scoped, street) -> dict[int, Decimal]:
    with scoped(street) as session:
        targets = session.query(Target).all()
        with count_queries(app) as statements:
            found = actuals(session, targets)
        assert len(statements) == 1, statements
        return found


def _jobs(scoped, street, make_user):
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    employer = make_employer(scoped, street)
    a = make_position(scoped, street, campaign, employer, openings=30)
    b = make_position(scoped, street, campaign, employer, openings=12, title="仓管")
    seekers = [make_seeker(scoped, street, campaign, phone=f"1370000000{i}") for i in range(3)]
    with scoped(street) as session:
        session.add_all(
            [
                JobMatch(seeker_id=seekers[0], position_id=a, status=MatchStatus.hired,
                         hired_on=date.today(), interview_at=utcnow()),
                JobMatch(seeker_id=seekers[1], position_id=b, status=MatchStatus.interview,
                         interview_at=utcnow()),
                JobMatch(seeker_id=seekers[2], position_id=a),
            ]
        )  # fmt: skip
        session.commit()
    keys = ["job_seekers", "job_openings", "job_employers", "job_interviews", "job_hires"]
    return {key: make_target(scoped, street, campaign, key) for key in keys}


def _relief(scoped, street):
    campaign = make_campaign(scoped, street, "winter", "relief", YEAR)
    community = add_community(scoped, street, "和平社区")
    inside = date(YEAR, 11, 3)
    with scoped(street) as session:
        one = Household(
            head_name="甲", phone="13700001111", grade="A", reason="大病", community_id=community
        )
        two = Household(
            head_name="乙", phone="13700002222", grade="B", reason="失业", community_id=community
        )
        session.add_all([one, two])
        session.flush()
        session.add_all(
            [
                Assistance(household_id=one.id, kind="money", amount=Decimal("1500.50"),
                           given_on=inside),
                Assistance(household_id=one.id, kind="goods", amount=Decimal("300"),
                           given_on=inside),
                # before the campaign: not its work
                Assistance(household_id=two.id, kind="money", amount=Decimal("999"),
                           given_on=date(YEAR, 3, 1)),
                Visit(household_id=one.id, visited_on=inside),
                Visit(household_id=two.id, visited_on=inside + timedelta(days=1)),
            ]
        )  # fmt: skip
        session.commit()
    keys = ["relief_households", "relief_amount", "relief_visits"]
    return {key: make_target(scoped, street, campaign, key) for key in keys}


def _activities(scoped, street, make_user):
    campaign = make_campaign(scoped, street, "autumn", "care", YEAR)
    held = make_event(scoped, street, starts_at=utcnow() - timedelta(days=1), capacity=20,
                      status=EventStatus.finished)  # fmt: skip
    coming = make_event(scoped, street, capacity=30)
    make_event(scoped, street, capacity=99, status=EventStatus.cancelled)  # not linked either
    link_event(scoped, street, campaign, held)
    link_event(scoped, street, campaign, coming)
    users = [make_user(street)[0] for _ in range(3)]
    with scoped(street) as session:
        session.add_all(
            [
                Registration(event_id=held, user_id=users[0], headcount=2),
                Registration(event_id=held, user_id=users[1]),
                Registration(event_id=coming, user_id=users[2],
                             status=RegistrationStatus.cancelled),
                Attendance(event_id=held, user_id=users[0], checked_in_at=utcnow()),
                Attendance(event_id=held, user_id=users[1]),  # registered, never came
            ]
        )  # fmt: skip
        session.commit()
    keys = ["events_held", "places_offered", "registrations", "participants"]
    targets = {key: make_target(scoped, street, campaign, key) for key in keys}
    targets["entered"] = make_target(scoped, street, campaign, None, name="托育托位")
    with scoped(street) as session:
        session.add_all(
            [
                TargetEntry(target_id=targets["entered"], entered_on=date.today(), value=20),
                TargetEntry(target_id=targets["entered"], entered_on=date.today(), value=5),
            ]
        )
        session.commit()
    return targets


@both_backends
def test_every_kpi_counts_its_linked_data_in_one_statement(app, make_street, make_user, scoped):
    street = make_street()
    targets = {
        **_jobs(scoped, street, make_user),
        **_relief(scoped, street),
        **_activities(scoped, street, make_user),
    }
    assert set(KPIS) <= set(targets)

    found = _actuals(app, scoped, street)

    assert {key: found[tid] for key, tid in targets.items()} == {
        "job_seekers": 3,
        "job_openings": 42,
        "job_employers": 1,
        "job_interviews": 2,
        "job_hires": 1,
        "relief_households": 1,
        "relief_amount": Decimal("1800.50"),
        "relief_visits": 2,
        "events_held": 1,
        "places_offered": 50,
        "registrations": 3,
        "participants": 1,
        "entered": 25,
    }


@both_backends
def test_another_streets_rows_never_count(app, make_street, make_user, scoped):
    ours, theirs = make_street(), make_street()
    _jobs(scoped, theirs, make_user)
    _relief(scoped, theirs)
    _activities(scoped, theirs, make_user)
    campaign = make_campaign(scoped, ours, "spring", "jobs", YEAR)
    keys = ["job_seekers", "relief_amount", "participants", "events_held"]
    for key in keys:
        make_target(scoped, ours, campaign, key)
    winter = make_campaign(scoped, ours, "winter", "relief", YEAR)
    make_target(scoped, ours, winter, "relief_visits")

    assert set(_actuals(app, scoped, ours).values()) == {0}


def test_no_targets_ask_nothing(app, make_street, scoped):
    street = make_street()
    with scoped(street) as session, count_queries(app) as statements:
        assert actuals(session, []) == {}
    assert statements == []
