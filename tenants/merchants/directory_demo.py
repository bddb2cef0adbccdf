"""The demo street's business circles and merchants: two circles, sixteen merchants with invented
names across the categories (one paused, one gone from the alliance), six model merchants with
their pledges, and three merchant logins: the passport's demo merchant 13900000301 (阳光便利店,
which owns the demo's voucher) and two more. Idempotent: circles and merchants are found by name,
logins by phone. The other areas' seeders find these merchants by kind and name: keep the names.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.services import create_user
from saas.db import utcnow
from saas.demo import PASSWORD
from saas.streets.models import Tenant
from tenants.merchants.models import Circle, Merchant, MerchantStatus
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.structure.models import Community

#: name, area, community
CIRCLES = [
    ("建设路商圈", "建设路东段至人民广场的沿街商铺", "朝阳社区"),
    ("清泉里商圈", "清泉街与滨河路交汇处的社区底商", "清泉社区"),
]
_OPEN, _PAUSED, _LEFT = MerchantStatus.open, MerchantStatus.paused, MerchantStatus.left
#: name, category, circle (index), opening hours, tags, status, login (or None), pledge ("" when
#: not a model merchant)
MERCHANTS = [
    ("阳光便利店", "grocery", 0, "每天 7:00–23:00", "日用百货、代收快递", _OPEN, "13900000301",
     "明码标价，不卖过期商品；为老人免费送货上门；会员日积分券全场通用。"),
    ("老街坊面馆", "food", 0, "每天 6:30–20:30", "早餐、手擀面", _OPEN, None,
     "食材当天采购，后厨公开可看；为环卫工人免费提供热水和歇脚座位。"),
    ("惠民大药房", "pharmacy", 0, "每天 8:00–22:00", "免费测血压、医保定点", _OPEN, "13900000302",
     "执业药师在岗指导用药；为辖区老人免费测量血压血糖；不夸大宣传。"),
    ("巧手裁缝铺", "services", 0, "周一至周六 9:00–18:00", "改衣、修补", _OPEN, None, ""),
    ("靓丽美发工作室", "beauty", 0, "每天 9:30–21:00", "老人理发优惠", _OPEN, None, ""),
    ("顺心家电维修", "repair", 0, "每天 8:30–19:00", "上门维修", _OPEN, None,
     "先报价后维修，不换好件；孤寡老人家中小修免收上门费。"),
    ("启智课堂", "education", 0, "周一至周五 15:30–20:00", "作业辅导", _OPEN, None, ""),
    ("鲜果时光水果店", "grocery", 0, "每天 8:00–21:30", "时令水果", _PAUSED, None, ""),
    ("清泉早点铺", "food", 1, "每天 5:30–10:30", "豆浆油条、包子", _OPEN, "13900000303",
     "用油一天一换，欢迎居民监督；每周三为社区志愿者提供免费早餐。"),
    ("百姓平价超市", "grocery", 1, "每天 7:30–22:00", "粮油蔬菜", _OPEN, None, ""),
    ("仁心诊所", "pharmacy", 1, "每天 8:00–20:00", "社区医保、家庭医生", _OPEN, None,
     "合理检查、合理用药；每月为辖区居民开展一次免费健康讲座。"),
    ("快修锁匠铺", "repair", 1, "24 小时", "开锁换锁、公安备案", _OPEN, None, ""),
    ("书香文具店", "other", 1, "每天 8:00–20:00", "文具、复印", _OPEN, None, ""),
    ("福满楼家常菜", "food", 1, "每天 10:30–21:30", "家常菜、可订餐", _OPEN, None, ""),
    ("洁净洗衣坊", "services", 1, "每天 8:00–20:00", "干洗、改衣", _OPEN, None, ""),
    ("旧时光照相馆", "other", 1, "周二至周日 9:00–18:00", "证件照", _LEFT, None, ""),
]  # fmt: skip


def load_demo(session: Session, tenant: Tenant) -> list[str]:
    """Add the demo circles, merchants and merchant logins that are missing."""
    communities = dict(session.execute(select(Community.name, Community.id)).all())
    circles = {c.name: c for c in session.scalars(select(Circle))}
    for name, area, community in CIRCLES:
        if name not in circles:
            circle = Circle(name=name, area=area, community_id=communities.get(community))
            session.add(circle)
            circles[name] = circle
    session.flush()
    existing = {
        o.name: o
        for o in session.scalars(select(Organisation).where(Organisation.kind == OrgKind.merchant))
    }
    profiles = set(session.scalars(select(Merchant.organisation_id)))
    for index, row in enumerate(MERCHANTS):
        name, category, circle_index, hours, tags, status, login, pledge = row
        circle_name, _area, community = CIRCLES[circle_index]
        organisation = existing.get(name)
        if organisation is None:
            organisation = Organisation(
                kind=OrgKind.merchant,
                name=name,
                contact_name=f"{name[:2]}店长",
                contact_phone=login or f"1580000{index:04d}",
                address=f"示范区{'建设路' if circle_index == 0 else '清泉街'} {20 + index * 6} 号",
                community_id=communities.get(community),
                tags=tags,
                is_active=status != _LEFT,
                # joined over the last year, so the reports' level of merchants has a history
                created_at=utcnow() - timedelta(days=360 - index * 20),
            )
            session.add(organisation)
            session.flush()
        if organisation.id not in profiles:
            session.add(
                Merchant(
                    organisation_id=organisation.id,
                    circle_id=circles[circle_name].id,
                    category=category,
                    opening_hours=hours,
                    is_model=bool(pledge),
                    pledge=pledge,
                    status=status,
                )
            )
        if login:
            _login(session, login, organisation)
    session.flush()
    return ["merchant 13900000302", "merchant 13900000303"]


def _login(session: Session, phone: str, organisation: Organisation) -> None:
    """The merchant's login, made with the demo password if missing, linked if unlinked (the
    passport's demo merchant 13900000301 exists already: it is linked, never remade)."""
    user = session.scalar(select(User).where(User.phone == phone))
    if user is None:
        user = create_user(
            session, phone=phone, name=organisation.name, password=PASSWORD, role=Role.org
        )
    if user.role != Role.org:
        return
    if session.scalar(select(OrgAccount.id).where(OrgAccount.user_id == user.id)) is None:
        session.add(OrgAccount(user_id=user.id, organisation_id=organisation.id))
        session.flush()
