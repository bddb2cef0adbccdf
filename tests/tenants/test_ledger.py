"""The points ledger: exact balances, one payment per source, oldest-first spending, expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from saas.auth.models import User
from saas.db import utcnow
from saas.extensions import db
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import all_tenants
from tenants.passport import ledger
from tenants.passport.jobs import expire_points
from tenants.passport.ledger import InsufficientPoints, expire_due_lots, ledger_sum, post_entry
from tenants.passport.models import EntryKind, Passport, PointEntry, PointLot
from tenants.passport.services import passport_for
from tests.conftest import both_backends

SHANGHAI = ZoneInfo("Asia/Shanghai")


def set_expiry(scoped, street, mode: str, months: int | None = None) -> None:
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        settings = dict(tenant.settings or {}, points_expiry=mode)
        if months is not None:
            settings["points_expiry_months"] = months
        tenant.settings = settings
        session.commit()


def new_passport(scoped, street, make_user) -> int:
    user_id, _ = make_user(street)
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        passport = passport_for(session, user, session.get(Tenant, street.id))
        session.commit()
        return passport.id


def post(scoped, street, passport_id, delta, key, kind=None):
    kind = kind or (EntryKind.earn if delta > 0 else EntryKind.redeem)
    with scoped(street) as session:
        entry = post_entry(session, passport_id, delta, kind, key)
        session.commit()
        return None if entry is None else entry.id


def state(scoped, street, passport_id) -> tuple[int, int, list[int]]:
    """(cached balance, sum of entries, what is left in each lot, oldest first)."""
    with scoped(street) as session:
        balance = session.scalar(select(Passport.balance).where(Passport.id == passport_id))
        lots = session.scalars(
            select(PointLot.remaining)
            .where(PointLot.passport_id == passport_id)
            .order_by(PointLot.id)
        ).all()
        return balance, ledger_sum(session, passport_id), list(lots)


def lots(scoped, street, passport_id) -> list[PointLot]:
    with scoped(street) as session:
        rows = session.scalars(
            select(PointLot).where(PointLot.passport_id == passport_id).order_by(PointLot.id)
        ).all()
        session.expunge_all()
        return list(rows)


@both_backends
def test_a_source_is_paid_once_and_the_balance_follows_the_entries(app, street, scoped, make_user):
    passport_id = new_passport(scoped, street, make_user)
    assert post(scoped, street, passport_id, 30, "attendance:1") is not None
    assert post(scoped, street, passport_id, 30, "attendance:1") is None  # a double click
    assert post(scoped, street, passport_id, -10, "redemption:1") is not None
    assert state(scoped, street, passport_id) == (20, 20, [20])


@both_backends
def test_spending_more_than_the_balance_writes_nothing(app, street, scoped, make_user):
    passport_id = new_passport(scoped, street, make_user)
    post(scoped, street, passport_id, 10, "earn:1")
    with scoped(street) as session, pytest.raises(InsufficientPoints):
        post_entry(session, passport_id, -11, EntryKind.redeem, "redemption:1")
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(PointEntry)) == 1
    assert state(scoped, street, passport_id) == (10, 10, [10])


@both_backends
def test_points_are_spent_oldest_first_and_only_what_is_left_expires(
    app, street, scoped, make_user
):
    passport_id = new_passport(scoped, street, make_user)
    set_expiry(scoped, street, "months", 1)
    post(scoped, street, passport_id, 10, "earn:1")  # expires in a month
    set_expiry(scoped, street, "months", 12)
    post(scoped, street, passport_id, 10, "earn:2")  # expires in a year
    post(scoped, street, passport_id, -15, "redemption:1")
    assert state(scoped, street, passport_id) == (5, 5, [0, 5])

    first, second = lots(scoped, street, passport_id)
    assert first.expires_at < second.expires_at
    with scoped(street) as session:
        # the first lot's date passes: it was spent entirely, nothing of it is left to expire
        assert expire_due_lots(session, first.expires_at + timedelta(seconds=1)) == 0
        session.commit()
    assert state(scoped, street, passport_id) == (5, 5, [0, 5])
    with scoped(street) as session:
        assert expire_due_lots(session, second.expires_at + timedelta(seconds=1)) == 1
        session.commit()
        entry = session.scalar(select(PointEntry).where(PointEntry.kind == EntryKind.expire))
        assert (entry.delta, entry.source_key) == (-5, f"expire:{second.id}")
    assert state(scoped, street, passport_id) == (0, 0, [0, 0])


@both_backends
def test_next_year_end_expiry_is_idempotent(app, street, scoped, make_user):
    passport_id = new_passport(scoped, street, make_user)
    set_expiry(scoped, street, "next_year_end")
    post(scoped, street, passport_id, 40, "earn:1")
    (lot,) = lots(scoped, street, passport_id)
    local = lot.expires_at.astimezone(SHANGHAI)
    earned_year = utcnow().astimezone(SHANGHAI).year
    assert (local.year, local.month, local.day, local.hour) == (earned_year + 1, 12, 31, 23)

    with scoped(street) as session:
        assert expire_due_lots(session, lot.expires_at - timedelta(seconds=1)) == 0
        assert expire_due_lots(session, lot.expires_at + timedelta(seconds=1)) == 1
        session.commit()
    with scoped(street) as session:
        assert expire_due_lots(session, lot.expires_at + timedelta(days=5)) == 0  # a second run
        session.commit()
    assert state(scoped, street, passport_id) == (0, 0, [0])


def test_expiry_dates_follow_the_setting(app):
    class Street:
        settings: dict = {}

    street = Street()
    earned = datetime(2026, 1, 31, 2, 0, tzinfo=SHANGHAI).astimezone(UTC)  # 31 Jan local
    with app.app_context():
        street.settings = {"points_expiry": "off"}
        assert ledger.expiry_for(street, earned) is None
        street.settings = {"points_expiry": "months", "points_expiry_months": 1}
        # 31 January + 1 month: the last day of February, at the end of the local day
        expected = datetime(2026, 2, 28, 23, 59, 59, tzinfo=SHANGHAI)
        assert ledger.expiry_for(street, earned) == expected
        street.settings = {"points_expiry": "months", "points_expiry_months": 14}
        assert ledger.expiry_for(street, earned).astimezone(SHANGHAI).date() == date(2027, 3, 31)
        street.settings = {"points_expiry": "next_year_end"}
        # 31 Dec 2025 16:30 UTC is already 1 Jan 2026 in Shanghai: earned in 2026
        new_year = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
        assert ledger.expiry_for(street, new_year).astimezone(SHANGHAI).date() == date(2027, 12, 31)
        # a hostile stored value does not break earning
        street.settings = {"points_expiry": "months", "points_expiry_months": "x"}
        assert ledger.expiry_for(street, earned).astimezone(SHANGHAI).date() == date(2027, 1, 31)


@both_backends
def test_a_refund_opens_a_lot_that_follows_the_street_rule(app, street, scoped, make_user):
    """A refund is a new lot whose expiry counts from the refund (see the ledger's docstring),
    even when the caller does not pass the street."""
    passport_id = new_passport(scoped, street, make_user)
    set_expiry(scoped, street, "months", 6)
    post(scoped, street, passport_id, 10, "earn:1")
    post(scoped, street, passport_id, -10, "redemption:1")
    post(scoped, street, passport_id, 10, "refund:1", kind=EntryKind.refund)
    earned, refunded = lots(scoped, street, passport_id)
    assert (earned.remaining, refunded.remaining) == (0, 10)
    assert refunded.expires_at is not None and refunded.expires_at >= earned.expires_at
    assert state(scoped, street, passport_id) == (10, 10, [0, 10])


@both_backends
def test_expiring_groups_the_points_of_one_day(app, street, scoped, make_user):
    passport_id = new_passport(scoped, street, make_user)
    set_expiry(scoped, street, "next_year_end")
    post(scoped, street, passport_id, 7, "earn:1")
    post(scoped, street, passport_id, 5, "earn:2")
    post(scoped, street, passport_id, -3, "redemption:1")
    with scoped(street) as session:
        (soon,) = ledger.expiring(session, passport_id)
    assert soon.points == 9
    assert soon.expires_at.astimezone(SHANGHAI).month == 12


@both_backends
def test_the_daily_job_expires_every_street_once(app, make_street, scoped, make_user):
    a, b, c = make_street("alpha"), make_street("bravo"), make_street("charlie")
    passports = {}
    for street in (a, b, c):
        set_expiry(scoped, street, "months", 2)
        passports[street.slug] = new_passport(scoped, street, make_user)
        post(scoped, street, passports[street.slug], 25, "earn:1")
    post(scoped, a, passports["alpha"], -5, "redemption:1")
    with scoped(c) as session:
        session.get(Tenant, c.id).status = TenantStatus.suspended
        session.commit()

    later = utcnow() + timedelta(days=75)
    with app.app_context(), all_tenants():
        assert expire_points(now=later) == 2  # the suspended street waits
        assert expire_points(now=later) == 0  # a second run changes nothing
        db.session.remove()

    assert state(scoped, a, passports["alpha"]) == (0, 0, [0])
    assert state(scoped, b, passports["bravo"]) == (0, 0, [0])
    assert state(scoped, c, passports["charlie"]) == (25, 25, [25])
    with scoped(b) as session:
        entries = session.scalars(select(PointEntry).where(PointEntry.kind == "expire")).all()
        assert [(e.delta, e.tenant_id) for e in entries] == [(-25, b.id)]


@both_backends
def test_the_job_runs_through_run_job(app, street, scoped, make_user):
    from saas.jobs import run_job

    passport_id = new_passport(scoped, street, make_user)
    set_expiry(scoped, street, "off")
    post(scoped, street, passport_id, 5, "earn:1")
    with app.app_context():
        assert run_job("tenants.passport.jobs:expire_points", None) == 0
    assert state(scoped, street, passport_id) == (5, 5, [5])


@both_backends
def test_a_cancelled_redemption_refunds_points_with_the_expiry_they_had(
    app, street, scoped, make_user
):
    from tenants.passport.models import Reward
    from tenants.passport.rewards import cancel_redemption, redeem

    passport_id = new_passport(scoped, street, make_user)
    set_expiry(scoped, street, "months", 1)
    post(scoped, street, passport_id, 100, "earn:1")
    [earned] = lots(scoped, street, passport_id)
    with scoped(street) as session:
        reward = Reward(name="环保袋", price=10, stock=5)
        session.add(reward)
        session.flush()
        owner = session.scalar(
            select(User)
            .join(Passport, Passport.user_id == User.id)
            .where(Passport.id == passport_id)
        )
        redemption = redeem(session, owner, passport_id, reward)
        session.commit()
        assert redemption.lots_expire_at == earned.expires_at
        # the day after the points' date, the volunteer cancels
        cancel_redemption(session, owner, redemption, reward)
        session.commit()
    refunded = lots(scoped, street, passport_id)[-1]
    assert refunded.expires_at == earned.expires_at and refunded.remaining == 10
    with scoped(street) as session:
        assert expire_due_lots(session, now=earned.expires_at + timedelta(days=1)) == 2
        session.commit()
    assert state(scoped, street, passport_id) == (0, 0, [0, 0])


def test_the_daily_job_expires_in_batches(app, street, scoped, make_user, monkeypatch):
    import tenants.passport.jobs as jobs

    monkeypatch.setattr(jobs, "BATCH", 2)
    set_expiry(scoped, street, "months", 1)
    passports = [new_passport(scoped, street, make_user) for _ in range(5)]
    for n, passport_id in enumerate(passports):
        post(scoped, street, passport_id, 10, f"earn:{n}")
    [lot] = lots(scoped, street, passports[0])
    with app.app_context(), all_tenants():
        assert expire_points(now=lot.expires_at + timedelta(days=1)) == 5
        db.session.remove()
    for passport_id in passports:
        assert state(scoped, street, passport_id) == (0, 0, [0])
