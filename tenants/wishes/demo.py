"""Demo micro-wishes for the demo street: one at every step, so each page has something to show.

The demo volunteer (13900000005) fulfilled one wish (confirmed, 20 points in the ledger) and is
on another. Idempotent: a wish whose title exists is left alone. Names are invented.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.streets.models import Tenant
from tenants.structure.models import Community
from tenants.wishes import services
from tenants.wishes.models import Wish

ADMIN = "13900000001"
VOLUNTEER = "13900000005"

#: (title, category, community, wisher's phone or None, name when staff post for them,
#:  how far it got, the claimer's phone, description)
WISHES = [
    ("给独居老人换一个厨房灯泡", "维修帮助", "朝阳社区", "13900000102", "", "confirmed",
     VOLUNTEER, "厨房灯坏了两个星期，自己够不着。"),
    ("周末有人陪我下象棋", "陪伴服务", "朝阳社区", "13900000102", "", "claimed",
     VOLUNTEER, "退休在家，想找人周末下下棋、聊聊天。"),
    ("想要一套初二数学辅导书", "学习用品", "清泉社区", None, "孙奶奶", "approved",
     None, "孙子上初二，数学成绩跟不上，家里没有辅导书。"),
    ("给孩子买一个新书包", "学习用品", "朝阳社区", "13900000102", "", "approved",
     None, "孩子的书包背带断了。"),
    ("帮忙修一下漏水的水龙头", "维修帮助", "清泉社区", "13900000104", "", "fulfilled",
     "13900000103", "卫生间水龙头一直滴水。"),
    ("冬天需要一床厚棉被", "生活物资", "清泉社区", None, "钱大爷", "pending",
     None, "老人独居，家里的被子太薄。"),
    ("想学用智能手机挂号", "陪伴服务", "朝阳社区", None, "吴奶奶", "rejected",
     None, "不会用手机挂号，每次都要排队。"),
]  # fmt: skip
NOTES = {
    "confirmed": "已换上新的节能灯泡，顺便检查了电线。",
    "fulfilled": "已更换水龙头阀芯，不再漏水。",
}
REJECT_REASON = "社区卫生服务站每周三有智能手机挂号培训，已帮老人报名。"


def load_demo(session: Session, tenant: Tenant) -> None:
    """Add the demo wishes that are missing (run inside the street's scope)."""
    communities = {c.name: c.id for c in session.scalars(select(Community))}
    phones = {ADMIN} | {w[3] for w in WISHES if w[3]} | {w[6] for w in WISHES if w[6]}
    users = {u.phone: u for u in session.scalars(select(User).where(User.phone.in_(phones)))}
    admin = users.get(ADMIN)
    if admin is None:
        return
    existing = set(session.scalars(select(Wish.title)))
    for title, category, community, wisher, name, step, claimer, text in WISHES:
        if title in existing or community not in communities:
            continue
        poster = users.get(wisher) if wisher else admin
        if poster is None:
            continue
        wish = services.post_wish(
            session,
            poster,
            tenant,
            title=title,
            description=text,
            category=category,
            community_id=communities[community],
            wisher_name=name,
        )
        if step == "pending":
            continue
        if step == "rejected":
            services.reject(session, admin, tenant, wish, REJECT_REASON)
            continue
        services.approve(session, admin, tenant, wish)
        if step == "approved" or users.get(claimer) is None:
            continue
        services.claim(session, users[claimer], tenant, wish)
        if step == "claimed":
            continue
        services.fulfil(session, users[claimer], tenant, wish, NOTES[step])
        if step == "confirmed":
            services.confirm(session, admin, tenant, wish)
    session.flush()
