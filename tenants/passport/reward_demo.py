"""Demo rewards for the demo street: two communities' 爱心超市 and a merchant, with redemptions.

The merchant is an org account (13900000301, password demo1234) that verifies its own codes. The
demo volunteer (13900000005) redeems what their balance allows: one reward already handed over,
one code waiting. Run after the modules that give the volunteer points (events, wishes).
At real size (``DEMO_SCALE`` above 0) every community's 爱心超市 has a shelf of its own, stocked
for a street of thousands. Every reward has a picture drawn for it (demo_pictures), stored as an
uploaded one is; a picture whose file is gone (a fresh instance folder) is drawn again.
Idempotent: what exists is left alone. Names are invented.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.services import create_user
from saas.demo import PASSWORD, demo_scale
from saas.streets.models import Tenant
from tenants.passport import rewards as services
from tenants.passport.demo_pictures import draw
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
#: at real size, each community's shelf: (name, description, price, stock at scale 1, limit, motif)
SHELF = [
    ("纯棉毛巾两条装", "吸水柔软的纯棉毛巾。", 20, 60, 2, "towel"),
    ("土鸡蛋 30 枚", "周边农户的散养土鸡蛋。", 40, 40, 1, "eggs"),
    ("食用油 5 L", "非转基因压榨菜籽油。", 80, 25, 1, "oil"),
    ("晴雨两用伞", "折叠晴雨伞，防晒防雨。", 35, 30, 1, "umbrella"),
    ("不锈钢保温杯", "500 ml 保温杯，保温 12 小时。", 60, 30, 1, "cup"),
    ("家庭急救手册", "常见急症的家庭处理方法，图文版。", 15, 50, None, "book"),
]
#: each reward's picture: what is drawn on it
MOTIFS = {
    "环保购物袋": "bag",
    "洗衣液 2 kg": "bottle",
    "大米 5 kg": "sack",
    "小盆绿萝": "plant",
    "便利店 10 元代金券": "ticket",
    **{name: motif for name, *_rest, motif in SHELF},
}
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
    _shelves(session, communities, existing)
    _redeem(session, tenant, existing)
    _pictures(tenant, existing.values())
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


def _shelves(session: Session, communities: dict[str, int], existing: dict[str, Reward]) -> None:
    """Each community's own shelf, at real size: one row per community and item."""
    scale = demo_scale()
    if scale <= 0:
        return
    for community, community_id in communities.items():
        for name, text, price, stock, limit, _motif in SHELF:
            title = f"{name}（{community}）"
            if title in existing:
                continue
            reward = Reward(
                name=title,
                description=text,
                price=price,
                stock=max(1, round(stock * scale)),
                per_person_limit=limit,
                community_id=community_id,
            )
            session.add(reward)
            existing[title] = reward
    session.flush()


def _pictures(tenant: Tenant, rewards) -> None:
    """Draw the picture of every demo reward that has none (or whose file is gone)."""
    for reward in rewards:
        motif = MOTIFS.get(reward.name.split("（")[0])
        if motif is None or services.picture_path(tenant.id, reward.picture) is not None:
            continue
        reward.picture = services.store_picture(tenant.id, (draw(motif, reward.name), "png"))
