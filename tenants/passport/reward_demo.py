"""Demo rewards for the demo street: two communities' 爱心超市 and a merchant, with redemptions.

The merchant is an org account (13900000301, password demo1234) that verifies its own codes. The
demo volunteer (13900000005) redeems what their balance allows: one reward already handed over,
one code waiting. Run after the modules that give the volunteer points (events, wishes).
Idempotent: what exists is left alone. Names are invented.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.services import create_user
from saas.demo import PASSWORD
from saas.streets.models import Tenant
from tenants.passport import rewards as services
from tenants.passport.models import Redemption, Reward
from tenants.passport.services import passport_for
from tenants.structure.models import Community

ADMIN = "13900000001"
VOLUNTEER = "13900000005"
MERCHANT = ("13900000301", "阳光便利店")

#: (name, description, price, stock, per-person limit, provider: a community's name or None for
#:  the merchant)
REWARDS = [
    ("环保购物袋", "可折叠帆布袋，印有街道志愿服务标识。", 10, 50, None, "朝阳社区"),
    ("洗衣液 2 kg", "爱心超市常备生活用品。", 30, 20, 2, "朝阳社区"),
    ("大米 5 kg", "东北大米一袋。", 50, 15, 1, "清泉社区"),
    ("小盆绿萝", "办公室、阳台都好养。", 15, 0, None, "清泉社区"),
    ("便利店 10 元代金券", "阳光便利店消费满 30 元可用。", 10, 30, 3, None),
]
#: what the demo volunteer redeems, in order, and whether it has been handed over
REDEEMED = [("环保购物袋", True), ("便利店 10 元代金券", False)]


def load_demo(session: Session, tenant: Tenant) -> list[str]:
    """Add the demo rewards and redemptions that are missing (inside the street's scope)."""
    communities = {c.name: c.id for c in session.scalars(select(Community))}
    merchant = _merchant(session)
    existing = {r.name: r for r in session.scalars(select(Reward))}
    for name, text, price, stock, limit, community in REWARDS:
        if name in existing or (community is not None and community not in communities):
            continue
        reward = Reward(
            name=name,
            description=text,
            price=price,
            stock=stock,
            per_person_limit=limit,
            community_id=communities[community] if community else None,
            provider_id=None if community else merchant.id,
        )
        session.add(reward)
        session.flush()
        existing[name] = reward
    _redeem(session, tenant, existing)
    session.flush()
    return [f"merchant {MERCHANT[0]}"]


def _merchant(session: Session) -> User:
    phone, name = MERCHANT
    user = session.scalar(select(User).where(User.phone == phone))
    if user is None:
        user = create_user(session, phone=phone, name=name, password=PASSWORD, role=Role.org)
    return user


def _redeem(session: Session, tenant: Tenant, rewards: dict[str, Reward]) -> None:
    volunteer = session.scalar(select(User).where(User.phone == VOLUNTEER))
    admin = session.scalar(select(User).where(User.phone == ADMIN))
    if volunteer is None or admin is None:
        return
    passport = passport_for(session, volunteer, tenant)
    if session.scalar(select(Redemption.id).where(Redemption.passport_id == passport.id)):
        return
    for name, handed_over in REDEEMED:
        reward = rewards.get(name)
        if reward is None or passport.balance < reward.price or reward.stock < 1:
            continue
        redemption = services.redeem(session, volunteer, passport.id, reward, tenant)
        if handed_over:
            found = services.find_for_hand_over(session, admin, redemption.code)
            services.verify_redemption(session, admin, tenant, found)
