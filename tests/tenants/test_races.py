"""The guarantees that must hold when many people press the button at once (PostgreSQL, threads).

After every race: the cached balance equals the sum of the passport's ledger entries, and an
event's seat count equals its registrations.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from saas.auth.models import Role, User
from saas.db import utcnow
from saas.errors import ServiceError
from saas.extensions import db
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope
from tenants.events.attendance import confirm_attendance
from tenants.events.models import (
    Attendance,
    Event,
    EventStatus,
    HoursSource,
    Registration,
    RegistrationStatus,
)
from tenants.events.registration import cancel_registration, register
from tenants.passport.ledger import ledger_sum, post_entry
from tenants.passport.models import EntryKind, Passport, PointEntry, Redemption, Reward
from tenants.passport.rewards import redeem
from tenants.passport.services import passport_for
from tests.conftest import pg_only


def race(app, street, n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released together; each in its own session and scope."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        with app.app_context(), tenant_scope(street.id):
            barrier.wait()
            try:
                results[i] = work(i)
                db.session.commit()
            except ServiceError as error:
                db.session.rollback()
                results[i] = error
            except Exception as error:  # reported below: a race must not crash anyone
                db.session.rollback()
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    crashed = [r for r in results if isinstance(r, Exception) and not isinstance(r, ServiceError)]
    assert not crashed, repr(crashed[:3])
    return results


def make_event(scoped, street, capacity=30, **kw) -> int:
    with scoped(street) as session:
        event = Event(
            title="社区清洁",
            starts_at=utcnow() + timedelta(days=2),
            ends_at=utcnow() + timedelta(days=2, hours=3),
            capacity=capacity,
            status=EventStatus.published,
            **kw,
        )
        session.add(event)
        session.commit()
        return event.id


def make_volunteers(scoped, street, n: int) -> list[int]:
    with scoped(street) as session:
        users = [
            User(phone=f"136{i:08d}", name=f"志愿者{i}", password_hash="x", role=Role.volunteer)
            for i in range(n)
        ]
        session.add_all(users)
        session.commit()
        return [u.id for u in users]


def seats_match(scoped, street, event_id) -> None:
    with scoped(street) as session:
        taken = session.scalar(select(Event.seats_taken).where(Event.id == event_id))
        held = session.scalar(
            select(func.coalesce(func.sum(Registration.headcount), 0)).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.registered,
            )
        )
    assert taken == held


def balances_match(scoped, street) -> None:
    with scoped(street) as session:
        for passport in session.scalars(select(Passport)):
            assert passport.balance == ledger_sum(session, passport.id) >= 0


@pg_only
def test_100_concurrent_signups_for_30_seats(app, make_street, scoped):
    street = make_street("alpha")
    event_id = make_event(scoped, street, capacity=30)
    volunteer_ids = make_volunteers(scoped, street, 100)

    def sign_up(i):
        user = db.session.scalar(select(User).where(User.id == volunteer_ids[i]))
        event = db.session.scalar(select(Event).where(Event.id == event_id))
        return register(db.session, user, event).status

    results = race(app, street, 100, sign_up)
    assert results.count(RegistrationStatus.registered) == 30
    assert results.count(RegistrationStatus.waitlisted) == 70
    with scoped(street) as session:
        positions = sorted(
            session.scalars(
                select(Registration.waitlist_position).where(
                    Registration.status == RegistrationStatus.waitlisted
                )
            )
        )
    assert positions == list(range(1, 71))  # one line, no two people in the same place
    seats_match(scoped, street, event_id)

    # three cancel: the first three in line move up, in order
    with scoped(street) as session:
        leaving = session.scalars(
            select(Registration).where(Registration.status == RegistrationStatus.registered)
        ).all()[:3]
        for registration in leaving:
            user = session.scalar(select(User).where(User.id == registration.user_id))
            cancel_registration(session, user, registration)
        session.commit()
        promoted = session.scalars(
            select(Registration.waitlist_position).where(Registration.promoted_at.is_not(None))
        ).all()
        assert len(promoted) == 3
        still = sorted(
            session.scalars(
                select(Registration.waitlist_position).where(
                    Registration.status == RegistrationStatus.waitlisted
                )
            )
        )
    assert still == list(range(4, 71))
    seats_match(scoped, street, event_id)


@pg_only
def test_50_concurrent_redemptions_against_a_balance_for_10(app, make_street, scoped):
    street = make_street("alpha")
    (volunteer_id,) = make_volunteers(scoped, street, 1)
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        user = session.scalar(select(User).where(User.id == volunteer_id))
        passport = passport_for(session, user, tenant)
        post_entry(session, passport.id, 100, EntryKind.earn, "seed", tenant=tenant)
        reward = Reward(name="环保袋", price=10, stock=1000)
        session.add(reward)
        session.commit()
        passport_id, reward_id = passport.id, reward.id

    def buy(i):
        user = db.session.scalar(select(User).where(User.id == volunteer_id))
        reward = db.session.scalar(select(Reward).where(Reward.id == reward_id))
        return redeem(db.session, user, passport_id, reward)

    results = race(app, street, 50, buy)
    assert sum(isinstance(r, Redemption) for r in results) == 10
    assert all(isinstance(r, (Redemption, ServiceError)) for r in results)
    with scoped(street) as session:
        assert session.scalar(select(Passport.balance).where(Passport.id == passport_id)) == 0
        assert session.scalar(select(Reward.stock).where(Reward.id == reward_id)) == 990
    balances_match(scoped, street)


@pg_only
def test_stock_never_goes_below_zero(app, make_street, scoped):
    street = make_street("alpha")
    volunteer_ids = make_volunteers(scoped, street, 20)
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        passports = {}
        for uid in volunteer_ids:
            user = session.scalar(select(User).where(User.id == uid))
            passports[uid] = passport_for(session, user, tenant).id
            post_entry(session, passports[uid], 50, EntryKind.earn, f"seed:{uid}", tenant=tenant)
        reward = Reward(name="电影票", price=20, stock=5)
        session.add(reward)
        session.commit()
        reward_id = reward.id

    def buy(i):
        uid = volunteer_ids[i]
        user = db.session.scalar(select(User).where(User.id == uid))
        reward = db.session.scalar(select(Reward).where(Reward.id == reward_id))
        return redeem(db.session, user, passports[uid], reward)

    results = race(app, street, 20, buy)
    assert sum(isinstance(r, Redemption) for r in results) == 5
    with scoped(street) as session:
        assert session.scalar(select(Reward.stock).where(Reward.id == reward_id)) == 0
    balances_match(scoped, street)


@pg_only
def test_the_same_attendance_confirmed_twice_at_once_pays_once(app, make_street, scoped):
    street = make_street("alpha")
    event_id = make_event(scoped, street)
    (volunteer_id,) = make_volunteers(scoped, street, 1)
    with scoped(street) as session:
        attendance = Attendance(
            event_id=event_id,
            user_id=volunteer_id,
            checked_in_at=utcnow(),
            checked_out_at=utcnow(),
            hours=2,
            source=HoursSource.recorded,
        )
        session.add(attendance)
        session.commit()
        attendance_id = attendance.id

    def confirm(i):
        tenant = db.session.get(Tenant, street.id)
        admin = db.session.scalar(select(User).where(User.id == street.admin_id))
        row = db.session.scalar(select(Attendance).where(Attendance.id == attendance_id))
        return confirm_attendance(db.session, admin, tenant, row)

    results = race(app, street, 8, confirm)
    assert sorted(map(bool, results)) == [False] * 7 + [True]  # one of the eight confirms
    with scoped(street) as session:
        entries = session.scalars(select(PointEntry)).all()
        assert [e.delta for e in entries] == [20]  # 2 hours × 10 points, paid once
        assert session.scalar(select(Passport.hours_total)) == 2
    balances_match(scoped, street)


@pg_only
def test_two_admins_disabling_each_other_leave_one(app, make_street, make_user, scoped):
    from saas.auth.services import get_user_or_404, set_enabled

    street = make_street("alpha")
    second_id, _phone = make_user(street, "admin")
    pairs = [(street.admin_id, second_id), (second_id, street.admin_id)]

    def disable(i):
        actor_id, target_id = pairs[i]
        actor = get_user_or_404(db.session, actor_id)
        set_enabled(db.session, actor, get_user_or_404(db.session, target_id), False)
        return "done"

    results = race(app, street, 2, disable)
    assert results.count("done") == 1
    with scoped(street) as session:
        enabled = session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.admin, User.is_enabled.is_(True))
        )
    assert enabled == 1


@pg_only
def test_two_taps_on_sign_up_again_after_cancelling_take_one_seat(app, make_street, scoped):
    street = make_street("alpha")
    event_id = make_event(scoped, street, capacity=30)
    (volunteer_id,) = make_volunteers(scoped, street, 1)
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == volunteer_id))
        event = session.scalar(select(Event).where(Event.id == event_id))
        registration = register(session, user, event)
        session.commit()
        cancel_registration(session, user, registration)
        session.commit()

    def sign_up_again(i):
        user = db.session.scalar(select(User).where(User.id == volunteer_id))
        event = db.session.scalar(select(Event).where(Event.id == event_id))
        return register(db.session, user, event).status

    results = race(app, street, 2, sign_up_again)
    assert results.count(RegistrationStatus.registered) == 1
    seats_match(scoped, street, event_id)


@pg_only
def test_a_newcomer_does_not_take_a_seat_someone_is_waiting_for(app, make_street, scoped):
    street = make_street("alpha")
    event_id = make_event(scoped, street, capacity=1)
    first, second, third = make_volunteers(scoped, street, 3)
    with scoped(street) as session:
        event = session.scalar(select(Event).where(Event.id == event_id))
        users = {
            u.id: u
            for u in session.scalars(select(User).where(User.id.in_([first, second, third])))
        }
        seated = register(session, users[first], event)
        assert register(session, users[second], event).status == RegistrationStatus.waitlisted
        session.commit()
        # the seat frees up and goes to the one waiting, not to whoever asks next
        cancel_registration(session, users[first], seated)
        session.commit()
        assert register(session, users[third], event).status == RegistrationStatus.waitlisted
        session.commit()
    seats_match(scoped, street, event_id)
