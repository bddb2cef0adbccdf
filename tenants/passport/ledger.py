"""The points ledger (积分账本): append-only entries, a cached balance, lots for expiry.

Every change of points goes through ``post_entry``, which in one transaction locks the passport
row, refuses a source already paid, moves the balance with a guarded UPDATE (and a CHECK behind
it), appends the entry, and keeps the lots: positive entries open a lot, negative ones spend the
oldest lots first. The caller commits; a refusal raises and the caller rolls back, so nothing is
half-written.

Invariants (checked by the tests after every race):

- ``passport.balance`` equals the sum of the passport's entries (``ledger_sum``);
- the open lots' ``remaining`` add up to the balance, because every positive entry opens a lot
  and every negative one takes the same number of points from the lots;
- a source key is paid once per street (a unique key; the check under the row lock answers a
  double click with ``None`` instead of an error).

Lots and expiry. A lot's expiry is fixed when it is opened, from the street's setting at that
moment (changing the setting later does not touch lots already open). Expiry falls at the end
of a day in the street's time zone, so everything earned on one day expires at one instant and
"N points expire on <date>" is one sum. Spending takes the oldest lots first (by lot id, which
follows the order the entries were written under the passport's lock); the daily job writes one
``expire`` entry for what is left of each lot past its date (source key ``expire:<lot id>``).

Refunds. A refund (a redemption cancelled before hand-over) opens a new lot, but with the expiry of
the points it gives back: a spend reports the earliest expiry among the lots it drew from
(``entry.spent_lots_expire_at``), the redemption keeps it, and the refund passes it as
``expires_at``. Redeeming the day before the expiry and cancelling the day after therefore does
not keep points alive: if the date has passed, the next daily run expires the refunded lot. (The
earliest date is the conservative choice when a spend drew from lots of different dates.)
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from saas.db import utcnow
from saas.errors import ServiceError
from saas.streets.models import Tenant
from saas.ui import street_zone
from tenants.passport.models import EntryKind, Passport, PointEntry, PointLot

#: the longest expiry period an admin may choose, in months
MAX_EXPIRY_MONTHS = 120


#: ``post_entry``'s default: a new lot expires by the street's rule
_BY_RULE = object()


class InsufficientPoints(ServiceError):
    """The balance would go below zero."""


class Expiring(NamedTuple):
    """Points of one passport that expire at one instant (the end of a day)."""

    points: int
    expires_at: datetime


def _end_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)


def _lock_passport(session: Session, passport_id: int) -> Passport:
    """The passport row, locked until commit (``FOR UPDATE``: concurrent changes queue here).

    ``populate_existing``: an object already loaded earlier in the transaction is refreshed with
    what the lock saw, so nothing after the lock works from a stale copy.
    """
    passport = session.scalar(
        select(Passport)
        .where(Passport.id == passport_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if passport is None:
        raise ServiceError(_("志愿护照不存在"))
    return passport


def expiry_for(tenant: Tenant, earned_at: datetime) -> datetime | None:
    """When points earned at ``earned_at`` expire under the street's setting (None: never).

    ``points_expiry``: "off"; "next_year_end" (31 December of the year after earning, 23:59:59
    local time); "months" (``points_expiry_months`` after earning, at the end of that local day;
    the 31st of a shorter month becomes its last day).
    """
    settings = tenant.settings or {}
    mode = settings.get("points_expiry", "off")
    zone = street_zone()
    local = earned_at.astimezone(zone)
    if mode == "next_year_end":
        return _end_of_local_day(date(local.year + 1, 12, 31), zone)
    if mode == "months":
        try:
            months = int(settings.get("points_expiry_months", 12))
        except (TypeError, ValueError):
            months = 12
        months = min(max(months, 1), MAX_EXPIRY_MONTHS)
        month_index = local.month - 1 + months
        year, month = local.year + month_index // 12, month_index % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        return _end_of_local_day(date(year, month, day), zone)
    return None


def post_entry(
    session: Session,
    passport_id: int,
    delta: int,
    kind: EntryKind,
    source_key: str,
    reason: str = "",
    actor_id: int | None = None,
    tenant: Tenant | None = None,
    lot_id: int | None = None,
    expires_at: datetime | None | object = _BY_RULE,
) -> PointEntry | None:
    """Append one entry and move the balance with it. Returns None if ``source_key`` was paid.

    :param tenant: the street, for the expiry of a new lot; looked up from the passport if not
        given (so no caller can open a lot exempt from the street's expiry rule)
    :param lot_id: for an expire entry, the lot it closes
    :param expires_at: for a positive entry, its lot's expiry instead of the street's rule (a
        refund gives back points with the expiry they had). A negative entry reports on
        ``entry.spent_lots_expire_at`` the earliest expiry among the lots it spent.
    :raise InsufficientPoints: the balance would go below zero (nothing is written)
    :raise ServiceError: a zero delta, or no such passport in this street
    """
    if delta == 0:
        raise ServiceError(_("积分变动不能为 0"))
    passport = _lock_passport(session, passport_id)
    paid = session.scalar(select(PointEntry.id).where(PointEntry.source_key == source_key))
    if paid is not None:
        return None
    balance = session.execute(
        update(Passport)
        .where(Passport.id == passport.id, Passport.balance + delta >= 0)
        .values(balance=Passport.balance + delta)
        .returning(Passport.balance)
        .execution_options(synchronize_session=False)
    ).scalar()
    if balance is None:
        raise InsufficientPoints(_("积分不足"))
    # keep the locked object in step without another SELECT, and without marking it changed
    # (which would write the same balance again at the next flush)
    set_committed_value(passport, "balance", balance)
    entry = PointEntry(
        passport_id=passport.id,
        delta=delta,
        kind=kind,
        reason=reason[:200],
        source_key=source_key,
        actor_id=actor_id,
        balance_after=balance,
        created_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    if delta > 0:
        if tenant is None or tenant.id != passport.tenant_id:
            tenant = session.get(Tenant, passport.tenant_id)
        session.add(
            PointLot(
                passport_id=passport.id,
                entry_id=entry.id,
                points=delta,
                remaining=delta,
                expires_at=(
                    expiry_for(tenant, entry.created_at) if expires_at is _BY_RULE else expires_at
                ),
                created_at=entry.created_at,
            )
        )
    else:
        entry.spent_lots_expire_at = _spend_lots(session, passport.id, -delta, lot_id)
    session.flush()
    return entry


def _spend_lots(
    session: Session, passport_id: int, points: int, lot_id: int | None
) -> datetime | None:
    """Take ``points`` from the open lots, oldest first (or from one lot, for an expiry), and
    return the earliest expiry among the lots taken from (None if none of them expires).

    Runs under the passport's lock, so the lots cannot change underneath; ``populate_existing``
    makes sure lots loaded earlier in the transaction are read again.
    """
    stmt = select(PointLot).where(PointLot.passport_id == passport_id, PointLot.remaining > 0)
    if lot_id is not None:
        stmt = stmt.where(PointLot.id == lot_id)
    stmt = stmt.order_by(PointLot.id).execution_options(populate_existing=True)
    earliest = None
    for lot in session.scalars(stmt):
        if points == 0:
            break
        taken = min(points, lot.remaining)
        lot.remaining -= taken
        points -= taken
        if lot.expires_at is not None and (earliest is None or lot.expires_at < earliest):
            earliest = lot.expires_at
    # A balance with no lots behind it (rows written before lots existed) just goes down.
    return earliest


def ledger_sum(session: Session, passport_id: int) -> int:
    """The sum of a passport's entries: what its cached balance must equal (tests, audits).

    Never on a page: pages read the cached balance.
    """
    return session.scalar(
        select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
            PointEntry.passport_id == passport_id
        )
    )


def _open_lots_with_expiry(lot, passport_id):
    return (lot.passport_id == passport_id, lot.remaining > 0, lot.expires_at.is_not(None))


def expiring(session: Session, passport_id: int, limit: int = 3) -> list[Expiring]:
    """The points that will expire next, soonest first, one line per expiry instant.

    What the volunteer sees as "N points expire on <date>". Only open lots are read (the ones
    spending has not emptied), so it stays small however long the history.
    """
    stmt = (
        select(func.sum(PointLot.remaining), PointLot.expires_at)
        .where(*_open_lots_with_expiry(PointLot, passport_id))
        .group_by(PointLot.expires_at)
        .order_by(PointLot.expires_at)
        .limit(limit)
    )
    return [Expiring(int(points), expires_at) for points, expires_at in session.execute(stmt)]


def next_expiry_columns(passport):
    """Two scalar subqueries for a SELECT of ``passport`` (the Passport entity or an alias):
    when its next points expire, and how many (both NULL when nothing is due to expire).

    For ``/me``, which must not spend a statement of its own on this.
    """
    first, lot = aliased(PointLot), aliased(PointLot)
    soonest = (
        select(func.min(first.expires_at))
        .where(*_open_lots_with_expiry(first, passport.id))
        .correlate(passport)
        .scalar_subquery()
    )
    points = (
        select(func.sum(lot.remaining))
        .where(*_open_lots_with_expiry(lot, passport.id), lot.expires_at <= soonest)
        .correlate(passport)
        .scalar_subquery()
    )
    return soonest, points


def expire_due_lots(session: Session, now: datetime | None = None, limit: int | None = None) -> int:
    """Write an expire entry for what is left of every lot past its date (at most ``limit`` lots,
    so a caller can commit in batches and hold few passport locks at a time). Returns how many.

    Run by the daily job in each street's scope; safe to run twice (source key per lot, and a
    lot emptied by its expiry is no longer due). Passports are locked in id order, so two runs
    at once queue instead of deadlocking.
    """
    now = now or utcnow()
    due = session.execute(
        select(PointLot.id, PointLot.passport_id)
        .where(PointLot.remaining > 0, PointLot.expires_at.is_not(None), PointLot.expires_at <= now)
        .order_by(PointLot.passport_id, PointLot.id)
        .limit(limit)
    ).all()
    written = 0
    for lot_id, passport_id in due:
        written += _expire_lot(session, lot_id, passport_id) is not None
    return written


def _expire_lot(session: Session, lot_id: int, passport_id: int) -> PointEntry | None:
    _lock_passport(session, passport_id)
    # read again under the lock: a redemption may have spent some of it meanwhile
    remaining = session.scalar(select(PointLot.remaining).where(PointLot.id == lot_id))
    if not remaining:
        return None
    return post_entry(
        session,
        passport_id,
        -remaining,
        EntryKind.expire,
        f"expire:{lot_id}",
        reason=_("积分到期"),
        lot_id=lot_id,
    )


def end_of_local_day(day: date) -> datetime:
    """The last second of ``day`` in the streets' time zone, in UTC."""
    return _end_of_local_day(day, street_zone())


def start_of_local_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in the streets' time zone, in UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=street_zone()).astimezone(UTC)
