"""What the passport holds about a person: the card, its ledger and the rewards redeemed."""

from __future__ import annotations

from contextlib import suppress

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from saas.errors import ServiceError
from saas.modules import PersonalData
from saas.rights.services import delete_theirs
from tenants.passport.models import (
    EntryKind,
    Passport,
    PointEntry,
    Redemption,
    RedemptionStatus,
    Reward,
)
from tenants.passport.records_models import ServiceIdentity
from tenants.passport.rewards import cancel_redemption

_KIND = {
    "earn": _l("获得"),
    "redeem": _l("兑换"),
    "refund": _l("退回"),
    "adjust": _l("调整"),
    "expire": _l("过期"),
}
_REDEMPTION = {"issued": _l("待领取"), "verified": _l("已领取"), "cancelled": _l("已取消")}


def passport_rows(session, user) -> list[tuple]:
    return [
        (p.number, p.balance, p.hours_total, p.created_at)
        for p in session.scalars(select(Passport).where(Passport.user_id == user.id))
    ]


def ledger_rows(session, user) -> list[tuple]:
    entries = session.scalars(
        select(PointEntry)
        .join(Passport, Passport.id == PointEntry.passport_id)
        .where(Passport.user_id == user.id)
        .order_by(PointEntry.id)
    )
    return [
        (e.created_at, e.delta, str(_KIND.get(e.kind, e.kind)), e.reason, e.balance_after)
        for e in entries
    ]


def redemption_rows(session, user) -> list[tuple]:
    rows = session.execute(
        select(Reward.name, Redemption)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Passport, Passport.id == Redemption.passport_id)
        .where(Passport.user_id == user.id)
        .order_by(Redemption.created_at)
    )
    return [
        (name, r.code, r.points, str(_REDEMPTION.get(r.status, r.status)), r.created_at)
        for name, r in rows
    ]


def identity_rows(session, user) -> list[tuple]:
    return [
        (str(_l("居民身份证")) if i.kind == "ric" else i.kind, i.number_masked, i.updated_at)
        for i in session.scalars(select(ServiceIdentity).where(ServiceIdentity.user_id == user.id))
    ]


def erase(session, user) -> None:
    """The ledger is anonymised, not removed: every line stays (deltas, balances after, sources),
    so the passport's balance, the street's points issued and spent and its reports are
    unchanged; it belongs to an erased account now. The words an admin typed for an adjustment
    (which may name the person) are replaced."""
    passport_ids = select(Passport.id).where(Passport.user_id == user.id).scalar_subquery()
    session.execute(
        update(PointEntry)
        .where(PointEntry.passport_id.in_(passport_ids), PointEntry.kind == EntryKind.adjust)
        .values(reason="人工调整（已匿名）")  # data: stored in the source language
        .execution_options(synchronize_session=False)
    )
    # a reward bought but not collected is cancelled as the person's own cancel would: the
    # points back to the passport (a refund entry), the item back in stock for someone else
    issued = session.execute(
        select(Redemption, Reward)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Passport, Passport.id == Redemption.passport_id)
        .where(Passport.user_id == user.id, Redemption.status == RedemptionStatus.issued)
        .order_by(Redemption.id)
    ).all()
    for redemption, reward in issued:
        with suppress(ServiceError):  # handed over meanwhile: collected, it stays
            cancel_redemption(session, user, redemption, reward)
    # the ID document is the person's alone: nothing the street counts is made of it
    delete_theirs(session, ServiceIdentity, user)


PERSONAL = (
    PersonalData(
        "passport",
        _l("志愿护照"),
        (_l("护照号"), _l("积分余额"), _l("累计服务时长（小时）"), _l("办理时间")),
        passport_rows,
        erase,
    ),
    PersonalData(
        "points",
        _l("积分流水"),
        (_l("时间"), _l("积分"), _l("类型"), _l("说明"), _l("余额")),
        ledger_rows,
    ),
    PersonalData(
        "redemptions",
        _l("积分兑换"),
        (_l("奖品"), _l("兑换码"), _l("积分"), _l("状态"), _l("兑换时间")),
        redemption_rows,
    ),
    PersonalData(
        "service_identity",
        _l("证件信息"),
        (_l("证件类型"), _l("证件号码"), _l("登记时间")),
        identity_rows,
    ),
)
