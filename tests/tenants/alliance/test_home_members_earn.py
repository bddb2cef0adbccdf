"""Members a unit named earn their own hours and points once staff confirm the unit's attendance
(area "home": tenants/alliance/receivers.py on the engine's attendance_confirmed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from saas.auth.models import User
from saas.db import utcnow
from saas.streets.models import Tenant
from tenants.alliance.home import cancel_signup, join_event
from tenants.events.attendance import (
    confirm_all,
    confirm_one,
    correct_confirmed_hours,
    enter_hours,
)
from tenants.events.models import Attendance, Event, HoursSource
from tenants.passport.models import Passport, PointEntry
from tests.conftest import both_backends
from tests.tenants.alliance.factories import add_agreement, unit_with_account
from tests.tenants.factories import make_event


def _setup(scoped, street, make_user, earn_entered=False):
    event_id = make_event(scoped, street, title="联盟共建日", audience="alliance", points_value=10)
    unit_id, unit_user, _phone = unit_with_account(scoped, street, make_user)
    add_agreement(scoped, street, unit_id)
    a, _ = make_user(street, name="王芳")
    b, _ = make_user(street, name="李强")
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        tenant.settings = {**(tenant.settings or {}), "entered_hours_earn_points": earn_entered}
        session.commit()
    return event_id, unit_id, unit_user, a, b


def _join(scoped, street, unit_user, event_id, members, headcount=3):
    with scoped(street) as session:
        actor = session.scalar(select(User).where(User.id == unit_user))
        event = session.scalar(select(Event).where(Event.id == event_id))
        registration = join_event(session, actor, event, headcount, members, "")
        session.commit()
        return registration.id


def _started(scoped, street, event_id):
    """The event began an hour ago (staff enter hours only once it started)."""
    with scoped(street) as session:
        session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(hours=2))
        )
        session.commit()


def _staff_confirm_unit(scoped, street, event_id, unit_user, hours="2"):
    """Staff enter the unit's hours (补录) and confirm them, through the engine's services."""
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        event = session.scalar(select(Event).where(Event.id == event_id))
        attendance = enter_hours(session, admin, tenant, event, unit_user, hours, "单位集体参加")
        confirmation = confirm_one(session, admin, tenant, event, attendance)
        session.commit()
        return confirmation


def _earned(scoped, street, user_id):
    with scoped(street) as session:
        passport = session.scalar(select(Passport).where(Passport.user_id == user_id))
        attendances = session.scalars(select(Attendance).where(Attendance.user_id == user_id)).all()
        entries = (
            session.scalars(select(PointEntry).where(PointEntry.passport_id == passport.id)).all()
            if passport
            else []
        )
        return passport, attendances, entries


@both_backends
def test_named_members_get_their_own_attendance_hours_and_points_once(
    app, street, make_user, scoped
):
    event_id, _unit, unit_user, a, b = _setup(scoped, street, make_user)
    outsider, _ = make_user(street, name="未被点名")
    _join(scoped, street, unit_user, event_id, [a, b])
    _started(scoped, street, event_id)

    confirmation = _staff_confirm_unit(scoped, street, event_id, unit_user, "2")
    assert confirmation.done
    assert any("2 名志愿者各记 2 小时" in note for note in confirmation.notes)
    for member in (a, b):
        passport, attendances, entries = _earned(scoped, street, member)
        assert len(attendances) == 1
        attendance = attendances[0]
        assert attendance.hours == Decimal("2") and attendance.source == HoursSource.unit
        assert attendance.reason == "随单位参加：共建单位甲" and attendance.confirmed_at
        assert passport.hours_total == Decimal("2") and passport.balance == 20
        assert [e.delta for e in entries] == [20]
    assert _earned(scoped, street, outsider)[0] is None

    # confirming again (a retried job, confirm-all) pays nobody twice
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        event = session.scalar(select(Event).where(Event.id == event_id))
        assert confirm_all(session, admin, tenant, event) == 0
        unit_attendance = session.scalar(select(Attendance).where(Attendance.user_id == unit_user))
        assert not confirm_one(session, admin, tenant, event, unit_attendance)
        session.commit()
    for member in (a, b):
        passport, attendances, entries = _earned(scoped, street, member)
        assert len(attendances) == 1 and passport.balance == 20 and len(entries) == 1


def test_a_member_with_an_attendance_of_their_own_keeps_it(app, street, make_user, scoped):
    event_id, _unit, unit_user, a, b = _setup(scoped, street, make_user)
    _join(scoped, street, unit_user, event_id, [a, b])
    _started(scoped, street, event_id)
    with scoped(street) as session:  # a checked in themselves and is still there
        session.add(Attendance(event_id=event_id, user_id=a, checked_in_at=utcnow()))
        session.commit()
    _staff_confirm_unit(scoped, street, event_id, unit_user, "2")
    passport_a, attendances_a, _ = _earned(scoped, street, a)
    assert len(attendances_a) == 1 and attendances_a[0].hours is None and passport_a is None
    passport_b, _, _ = _earned(scoped, street, b)
    assert passport_b.balance == 20


def test_members_earn_points_even_where_hours_entered_by_staff_do_not(
    app, street, make_user, scoped
):
    """A street that pays nothing for hours staff type in (补录) still pays the members a unit
    named: staff confirmed the unit came, with them; their hours are the unit's (随单位)."""
    event_id, _unit, unit_user, a, _b = _setup(scoped, street, make_user, earn_entered=False)
    _join(scoped, street, unit_user, event_id, [a])
    _started(scoped, street, event_id)
    _staff_confirm_unit(scoped, street, event_id, unit_user, "1.5")
    passport, attendances, entries = _earned(scoped, street, a)
    assert passport.hours_total == Decimal("1.5") and passport.balance == 15 and len(entries) == 1


def test_a_cancelled_signup_leaves_members_nothing_to_earn(app, street, make_user, scoped):
    event_id, _unit, unit_user, a, b = _setup(scoped, street, make_user)
    registration_id = _join(scoped, street, unit_user, event_id, [a, b])
    with scoped(street) as session:
        actor = session.scalar(select(User).where(User.id == unit_user))
        cancel_signup(session, actor, registration_id)
        session.commit()
    # joined again, naming only b: a earns nothing from the old list
    _join(scoped, street, unit_user, event_id, [b])
    _started(scoped, street, event_id)
    _staff_confirm_unit(scoped, street, event_id, unit_user, "2")
    assert _earned(scoped, street, a)[1] == []
    assert _earned(scoped, street, b)[0].balance == 20


def _correct_unit(scoped, street, event_id, unit_user, hours):
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        event = session.scalar(select(Event).where(Event.id == event_id))
        unit_attendance = session.scalar(select(Attendance).where(Attendance.user_id == unit_user))
        correction = correct_confirmed_hours(
            session, admin, tenant, event, unit_attendance, hours, "签到表核对后更正"
        )
        session.commit()
        return correction


@both_backends
def test_correcting_the_units_hours_corrects_its_members(app, street, make_user, scoped):
    event_id, _unit, unit_user, a, b = _setup(scoped, street, make_user)
    _join(scoped, street, unit_user, event_id, [a, b])
    _started(scoped, street, event_id)
    _staff_confirm_unit(scoped, street, event_id, unit_user, "2")

    correction = _correct_unit(scoped, street, event_id, unit_user, "1.5")
    assert any("2 名志愿者的时长一并更正为 1.5 小时" in note for note in correction.notes)
    for member in (a, b):
        passport, attendances, entries = _earned(scoped, street, member)
        assert attendances[0].hours == Decimal("1.5") and attendances[0].source == HoursSource.unit
        # 20 paid, then settled by a new award of 15 and a reversal of the 20: never edited
        assert passport.hours_total == Decimal("1.5") and passport.balance == 15
        assert sorted(e.delta for e in entries) == [-20, 15, 20]
