"""Redeeming rewards: neither stock nor balance goes below zero, however many press at once."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from saas.db import utcnow
from saas.errors import ServiceError
from saas.notify.services import notify
from tenants.passport.ledger import _lock_passport, post_entry
from tenants.passport.models import EntryKind, Redemption, RedemptionStatus, Reward

#: no 0/O, 1/I/L: read aloud at a counter
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class OutOfStock(ServiceError):
    pass


def redeem(session: Session, user, passport_id: int, reward: Reward) -> Redemption:
    """Buy ``reward`` with points; returns the redemption with its hand-over code.

    Order matters: the passport row is locked first (one redemption per passport at a time, so
    the per-person limit holds), then a guarded UPDATE takes one from stock, then the ledger
    entry moves the balance (guarded too). Any refusal raises; the caller rolls back.
    """
    if not reward.is_active:
        raise ServiceError(_("该奖品已下架"))
    _lock_passport(session, passport_id)
    if reward.per_person_limit:
        had = session.scalar(
            select(func.count())
            .select_from(Redemption)
            .where(
                Redemption.reward_id == reward.id,
                Redemption.passport_id == passport_id,
                Redemption.status != RedemptionStatus.cancelled,
            )
        )
        if had >= reward.per_person_limit:
            raise ServiceError(_("每人限兑 %(n)d 件", n=reward.per_person_limit))
    left = session.execute(
        update(Reward)
        .where(Reward.id == reward.id, Reward.stock >= 1)
        .values(stock=Reward.stock - 1)
        .returning(Reward.stock)
        .execution_options(synchronize_session=False)
    ).scalar()
    if left is None:
        raise OutOfStock(_("该奖品已兑完"))
    redemption = Redemption(
        reward_id=reward.id, passport_id=passport_id, code=new_code(), points=reward.price
    )
    session.add(redemption)
    session.flush()
    post_entry(
        session,
        passport_id,
        -reward.price,
        EntryKind.redeem,
        f"redemption:{redemption.id}",
        reason=_("兑换：%(name)s", name=reward.name),
        actor_id=user.id,
    )
    notify(
        session,
        user,
        "reward.issued",
        _("兑换码：%(code)s", code=redemption.code),
        _("凭兑换码领取“%(name)s”。", name=reward.name),
    )
    return redemption


def cancel_redemption(session: Session, user, redemption: Redemption, reward: Reward) -> None:
    """Before hand-over: the points come back (a refund entry) and the stock too."""
    if redemption.status != RedemptionStatus.issued:
        raise ServiceError(_("该兑换已处理，不能取消"))
    changed = session.execute(
        update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status == RedemptionStatus.issued)
        .values(status=RedemptionStatus.cancelled, cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise ServiceError(_("该兑换已处理，不能取消"))
    session.execute(
        update(Reward)
        .where(Reward.id == reward.id)
        .values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )
    post_entry(
        session,
        redemption.passport_id,
        redemption.points,
        EntryKind.refund,
        f"refund:{redemption.id}",
        reason=_("取消兑换：%(name)s", name=reward.name),
        actor_id=user.id,
    )
