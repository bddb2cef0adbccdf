"""The points ledger (积分账本): append-only entries, a cached balance, lots for expiry.

Every change of points goes through ``post_entry``, which in one transaction locks the passport
row, refuses a source already paid, moves the balance with a guarded UPDATE (and a CHECK behind
it), appends the entry, and keeps the lots: positive entries open a lot, negative ones spend the
oldest lots first. The caller commits; a refusal raises and the caller rolls back, so nothing is
half-written.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from saas.db import utcnow
from saas.errors import ServiceError
from saas.streets.models import Tenant
from tenants.passport.models import EntryKind, Passport, PointEntry, PointLot


class InsufficientPoints(ServiceError):
    """The balance would go below zero."""


def _lock_passport(session: Session, passport_id: int) -> Passport:
    """The passport row, locked until commit (``FOR UPDATE``: concurrent changes queue here)."""
    passport = session.scalar(select(Passport).where(Passport.id == passport_id).with_for_update())
    if passport is None:
        raise ServiceError(_("志愿护照不存在"))
    return passport


def expiry_for(tenant: Tenant, earned_at: datetime) -> datetime | None:
    """When points earned at ``earned_at`` expire under the street's setting (None: never).

    ``points_expiry``: "off"; "next_year_end" (31 December of the year after earning);
    "months" (``points_expiry_months`` after earning).
    """
    settings = tenant.settings or {}
    mode = settings.get("points_expiry", "off")
    if mode == "next_year_end":
        return datetime(earned_at.year + 1, 12, 31, 23, 59, 59, tzinfo=UTC)
    if mode == "months":
        months = int(settings.get("points_expiry_months", 12))
        month_index = earned_at.month - 1 + months
        year, month = earned_at.year + month_index // 12, month_index % 12 + 1
        day = min(earned_at.day, calendar.monthrange(year, month)[1])
        return earned_at.replace(year=year, month=month, day=day)
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
) -> PointEntry | None:
    """Append one entry and move the balance with it. Returns None if ``source_key`` was paid.

    :param lot_id: for an expire entry, the lot it closes
    :raise InsufficientPoints: the balance would go below zero (nothing is written)
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
    passport.balance = balance  # keep the locked object in step without another SELECT
    entry = PointEntry(
        passport_id=passport.id,
        delta=delta,
        kind=kind,
        reason=reason[:200],
        source_key=source_key,
        actor_id=actor_id,
        balance_after=balance,
    )
    session.add(entry)
    session.flush()
    if delta > 0:
        expires_at = expiry_for(tenant, entry.created_at) if tenant is not None else None
        session.add(
            PointLot(
                passport_id=passport.id,
                entry_id=entry.id,
                points=delta,
                remaining=delta,
                expires_at=expires_at,
            )
        )
    else:
        _spend_lots(session, passport.id, -delta, lot_id)
    session.flush()
    return entry


def _spend_lots(session: Session, passport_id: int, points: int, lot_id: int | None) -> None:
    """Take ``points`` from the open lots, oldest first (or from one lot, for an expiry)."""
    stmt = select(PointLot).where(PointLot.passport_id == passport_id, PointLot.remaining > 0)
    if lot_id is not None:
        stmt = stmt.where(PointLot.id == lot_id)
    for lot in session.scalars(stmt.order_by(PointLot.id)):
        if points == 0:
            break
        taken = min(points, lot.remaining)
        lot.remaining -= taken
        points -= taken
    # A balance with no lots behind it (adjustments made before lots existed) just goes down.


def ledger_sum(session: Session, passport_id: int) -> int:
    """The sum of a passport's entries: what its cached balance must equal (tests, audits)."""
    return session.scalar(
        select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
            PointEntry.passport_id == passport_id
        )
    )


def expiring(session: Session, passport_id: int, limit: int = 3) -> list[PointLot]:
    """The next lots to expire, soonest first (the volunteer's "N points expire on date")."""
    stmt = (
        select(PointLot)
        .where(
            PointLot.passport_id == passport_id,
            PointLot.remaining > 0,
            PointLot.expires_at.is_not(None),
        )
        .order_by(PointLot.expires_at)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def expire_due_lots(session: Session, now: datetime | None = None) -> int:
    """Write an expire entry for what is left of every lot past its date. Returns how many.

    Run by the daily job in each street's scope; safe to run twice (source key per lot).
    """
    now = now or utcnow()
    due = session.execute(
        select(PointLot.id, PointLot.passport_id, PointLot.remaining).where(
            PointLot.remaining > 0, PointLot.expires_at.is_not(None), PointLot.expires_at <= now
        )
    ).all()
    written = 0
    for lot_id, passport_id, _remaining in due:
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
