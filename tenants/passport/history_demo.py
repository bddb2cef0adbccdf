"""The passport's history in the demo street: the points of every confirmed attendance, dated by
when it was confirmed, and what volunteers bought with them over the year.

The fixed demo logins were paid through ``ledger.post_entry`` (by the passport's receiver, when
the events demo confirmed their hours), which dates an entry now: their entries for attendance
get the attendance's time here, and their lots the expiry of that time. The generated volunteers
(``DEMO_SCALE`` above 0) get their whole history at once: each one's year is played in order in
memory by the ledger's rules (points per hour of the event's kind, the party members' bonus, a lot
per earning with the street's expiry, spending the oldest lots first, a balance never below zero),
then written many rows to a statement, with the passport's balance equal to the sum of its
entries and its lots' remainders adding up to it. Runs after the rewards' demo (it buys them).

Idempotent: only volunteers without a passport get a generated history, and the dates of an
entry already dated are left alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.counters import Counter, next_value
from saas.db import new_id, utcnow
from saas.demo import bulk_insert
from saas.streets.models import Tenant
from saas.ui import street_today, street_zone
from tenants.events.models import Attendance, Event, PointsMode
from tenants.passport.ledger import expiry_for
from tenants.passport.models import (
    EntryKind,
    Passport,
    PointEntry,
    PointLot,
    PointRule,
    Redemption,
    RedemptionStatus,
    Reward,
)
from tenants.passport.rewards import new_code
from tenants.passport.services import DEFAULT_POINTS_PER_HOUR, passport_prefix

#: after earning, how likely a volunteer is to spend (most save up for a while)
SPEND_CHANCE = 0.3
#: a redemption younger than this is still waiting for its hand-over
HAND_OVER_DAYS = 5


def load_history(session: Session, tenant: Tenant) -> None:
    """Date the fixed logins' attendance points; give the rest their year (street's scope)."""
    _date_attendance_entries(session, tenant)
    _generated_history(session, tenant)
    session.flush()


def _date_attendance_entries(session: Session, tenant: Tenant) -> None:
    confirmed = dict(
        session.execute(
            select(Attendance.id, Attendance.confirmed_at).where(
                Attendance.confirmed_at.is_not(None)
            )
        ).all()
    )
    # read as plain rows: on a second run thousands are dated already and nothing is loaded
    undated = [
        (entry_id, confirmed[int(key.split(":", 1)[1])])
        for entry_id, key, created_at in session.execute(
            select(PointEntry.id, PointEntry.source_key, PointEntry.created_at).where(
                PointEntry.source_key.like("attendance:%")
            )
        )
        if confirmed.get(int(key.split(":", 1)[1])) not in (None, created_at)
    ]
    if not undated:
        return
    entries = {
        e.id: e
        for e in session.scalars(
            select(PointEntry).where(PointEntry.id.in_([i for i, _ in undated]))
        )
    }
    lots = {
        lot.entry_id: lot
        for lot in session.scalars(select(PointLot).where(PointLot.entry_id.in_(list(entries))))
    }
    for entry_id, when in undated:
        entries[entry_id].created_at = when
        lot = lots.get(entry_id)
        if lot is not None:
            lot.created_at = when
            lot.expires_at = expiry_for(tenant, when)


class _Lot:
    __slots__ = ("row", "remaining")

    def __init__(self, row: dict) -> None:
        self.row, self.remaining = row, row["points"]


def _generated_history(session: Session, tenant: Tenant) -> None:
    have = set(session.scalars(select(Passport.user_id)))
    volunteers = [
        u
        for u in session.execute(
            select(User.id, User.community_id, User.is_party_member).where(
                User.role == Role.volunteer
            )
        )
        if u.id not in have
    ]
    if not volunteers:
        return
    who = {u.id for u in volunteers}
    paid = set(
        session.scalars(
            select(PointEntry.source_key).where(PointEntry.source_key.like("attendance:%"))
        )
    )
    attended = defaultdict(list)
    for row in session.execute(
        select(
            Attendance.id,
            Attendance.user_id,
            Attendance.hours,
            Attendance.confirmed_at,
            Event.kind,
            Event.points_mode,
            Event.points_value,
            Event.title,
            Event.starts_at,
        )
        .join(Event, Event.id == Attendance.event_id)
        .where(Attendance.confirmed_at.is_not(None), Attendance.hours > 0)
        .order_by(Attendance.confirmed_at)
    ):
        if row.user_id in who and f"attendance:{row.id}" not in paid:
            attended[row.user_id].append(row)
    rules = dict(session.execute(select(PointRule.event_kind, PointRule.points_per_hour)).all())
    bonus = int((tenant.settings or {}).get("party_bonus_percent", 0))
    rewards = session.scalars(
        select(Reward).where(Reward.is_active.is_(True)).order_by(Reward.price)
    ).all()
    stock = {r.id: r.stock for r in rewards}
    admin = session.scalar(select(User.id).where(User.role == Role.admin))
    codes = set(session.scalars(select(Redemption.code)))
    prefix = passport_prefix(tenant)
    first = _reserve_numbers(session, len(volunteers))
    now, this_year = utcnow(), street_today().year
    passports, entries, lots, redemptions = [], [], [], []
    for number, user in enumerate(volunteers, start=first):
        rng = random.Random(f"demo-ledger-{number}")
        passport_id = new_id()
        balance, open_lots, hours_total, hours_year = 0, [], Decimal(0), Decimal(0)
        bought: dict[int, int] = defaultdict(int)
        history = attended.get(user.id, [])
        for index, row in enumerate(history):
            hours_total += row.hours
            if _local_year(row.starts_at) == this_year:
                hours_year += row.hours
            points = _points(row, rules, bonus, user.is_party_member)
            if points <= 0:
                continue
            balance += points
            entry = _entry(tenant, passport_id, points, EntryKind.earn, f"attendance:{row.id}",
                           row.title, balance, row.confirmed_at)  # fmt: skip
            entries.append(entry)
            lot = {
                "tenant_id": tenant.id,
                "id": new_id(),
                "passport_id": passport_id,
                "entry_id": entry["id"],
                "points": points,
                "remaining": points,
                "expires_at": expiry_for(tenant, row.confirmed_at),
                "created_at": row.confirmed_at,
            }
            lots.append(lot)
            open_lots.append(_Lot(lot))
            if rng.random() >= SPEND_CHANCE:
                continue
            later = history[index + 1].confirmed_at if index + 1 < len(history) else now
            when = min(row.confirmed_at + timedelta(hours=rng.randint(2, 96)), later, now)
            when -= timedelta(minutes=1)
            choice = [
                r
                for r in rewards
                if r.price <= balance
                and stock[r.id] > 0
                and r.community_id in (None, user.community_id)
                and (r.per_person_limit is None or bought[r.id] < r.per_person_limit)
            ]
            if not choice:
                continue
            reward = rng.choice(choice)
            stock[reward.id] -= 1
            bought[reward.id] += 1
            balance -= reward.price
            redemption_id = new_id()
            entries.append(
                _entry(
                    tenant,
                    passport_id,
                    -reward.price,
                    EntryKind.redeem,
                    f"redemption:{redemption_id}",
                    f"兑换：{reward.name}",
                    balance,
                    when,
                    actor_id=user.id,
                )  # fmt: skip
            )
            handed = when < now - timedelta(days=HAND_OVER_DAYS)
            redemptions.append(
                {
                    "tenant_id": tenant.id,
                    "id": redemption_id,
                    "reward_id": reward.id,
                    "passport_id": passport_id,
                    "code": _code(codes),
                    "points": reward.price,
                    "status": RedemptionStatus.verified if handed else RedemptionStatus.issued,
                    "created_at": when,
                    "verified_at": when + timedelta(hours=rng.randint(1, 48)) if handed else None,
                    "verified_by": (reward.provider_id or admin) if handed else None,
                    "lots_expire_at": _spend(open_lots, reward.price),
                }
            )
        passports.append(
            {
                "tenant_id": tenant.id,
                "id": passport_id,
                "user_id": user.id,
                "community_id": user.community_id,
                "number": f"{prefix}-{number:06d}",
                "balance": balance,
                "hours_total": hours_total,
                "hours_year": hours_year,
                "hours_year_of": this_year,
                "created_at": history[0].confirmed_at if history else now,
            }
        )
        for lot in open_lots:
            lot.row["remaining"] = lot.remaining
    bulk_insert(session, Passport, passports)
    bulk_insert(session, PointEntry, entries)
    bulk_insert(session, PointLot, lots)
    bulk_insert(session, Redemption, redemptions)
    for reward in rewards:
        if stock[reward.id] != reward.stock:
            reward.stock = stock[reward.id]


def _points(row, rules: dict, bonus: int, party: bool) -> int:
    """As the passport's receiver pays: the event's points, or its kind's rule per hour."""
    if row.points_mode == PointsMode.fixed:
        points = row.points_value or 0
    else:
        per_hour = row.points_value
        if per_hour is None:
            per_hour = rules.get(row.kind, rules.get("", DEFAULT_POINTS_PER_HOUR))
        points = int((row.hours * per_hour).to_integral_value(ROUND_DOWN))
    if party and bonus:
        points += points * bonus // 100
    return points


def _entry(tenant, passport_id, delta, kind, key, reason, balance, when, actor_id=None) -> dict:
    return {
        "tenant_id": tenant.id,
        "id": new_id(),
        "passport_id": passport_id,
        "delta": delta,
        "kind": kind,
        "reason": reason[:200],
        "source_key": key,
        "actor_id": actor_id,
        "balance_after": balance,
        "created_at": when,
    }


def _spend(open_lots: list[_Lot], points: int) -> datetime | None:
    """Take ``points`` from the oldest lots, as the ledger does; the earliest expiry taken."""
    earliest = None
    for lot in open_lots:
        if points == 0:
            break
        if lot.remaining == 0:
            continue
        taken = min(points, lot.remaining)
        lot.remaining -= taken
        points -= taken
        expires = lot.row["expires_at"]
        if expires is not None and (earliest is None or expires < earliest):
            earliest = expires
    return earliest


def _code(taken: set[str]) -> str:
    code = new_code()
    while code in taken:
        code = new_code()
    taken.add(code)
    return code


def _reserve_numbers(session: Session, count: int) -> int:
    """The first of ``count`` passport numbers, taken from the street's counter at once."""
    first = next_value(session, "passport")
    if count > 1:
        session.execute(
            update(Counter)
            .where(Counter.name == "passport")
            .values(value=Counter.value + count - 1)
        )
    return first


def _local_year(when: datetime) -> int:
    return when.astimezone(street_zone()).year
