"""The demo street's alliance units: a dozen with invented names, of every type, with agreements
in every state, and the unit login 13900000003 for 星海科技有限公司. At ``DEMO_SCALE`` 1 about
120 more are generated, so the street has ~130 units as a real one does (the articles count 82
signed agreements). Idempotent: units are found by name, the login by phone."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.services import create_user
from saas.db import new_id, utcnow
from saas.demo import PASSWORD, bulk_insert, demo_scale
from saas.streets.models import Tenant
from saas.ui import street_today
from tenants.alliance.models import Agreement
from tenants.orgs.models import OrgAccount, Organisation, OrgKind, OrgType
from tenants.structure.models import Community

UNIT_LOGIN = "13900000003"
UNIT_CONTACT = "顾明轩"
#: name, type, community (None: the street), tags, party members, agreement: days from today to
#: its end (None: no agreement; "future": signed, not started yet)
UNITS = [
    ("星海科技有限公司", OrgType.private, "朝阳社区", "技能培训、志愿服务", 18, 200),
    ("示范区税务局第三分局", OrgType.government, None, "政策宣讲", 42, 320),
    ("城投建设集团有限公司", OrgType.state_owned, "清泉社区", "环境整治、维修", 65, 20),
    ("示范区人民医院", OrgType.institution, "朝阳社区", "医疗义诊", 120, 400),
    ("清泉实验小学", OrgType.institution, "清泉社区", "教育辅导", 36, -45),
    ("暖阳社会工作服务中心", OrgType.social, "朝阳社区", "助老服务、心理疏导", 6, 28),
    ("绿叶环保公益协会", OrgType.social, "清泉社区", "环境整治", 4, None),
    ("汇通物流有限公司", OrgType.private, None, "物资运输", 9, -10),
    ("明德律师事务所", OrgType.new_sector, "朝阳社区", "法律咨询", 7, 150),
    ("示范区供电公司", OrgType.state_owned, None, "维修、安全检查", 80, 5),
    ("新城物业服务有限公司", OrgType.new_sector, "清泉社区", "维修、环境整治", 11, "future"),
    ("示范区图书馆", OrgType.institution, None, "文化活动、教育辅导", 15, 90),
]
#: units generated at scale 1 (with the dozen above: ~130 units)
FULL_SIZE = 120
_PLACES = "东方华夏金桥海川云帆恒信瑞丰博远嘉禾鸿运天成启明晨光宏达百川立信同心致远锦程润泽"
_TRADES = {
    OrgType.private: ("科技有限公司", "贸易有限公司", "餐饮管理有限公司", "信息技术有限公司"),
    OrgType.state_owned: ("建设集团分公司", "水务有限公司", "燃气有限公司"),
    OrgType.institution: ("中学", "幼儿园", "卫生服务中心", "职业技术学校"),
    OrgType.social: ("志愿者协会", "社会工作服务中心", "公益发展中心"),
    OrgType.new_sector: ("会计师事务所", "商会", "律师事务所", "设计工作室"),
    OrgType.government: ("市场监督管理所", "司法所", "派出所"),
}
_TAGS = ("政策宣讲", "医疗义诊", "法律咨询", "环境整治", "教育辅导", "维修", "助老服务", "文化活动")


def load_demo(session: Session, tenant: Tenant) -> list[str]:
    communities = dict(session.execute(select(Community.name, Community.id)).all())
    existing = set(session.scalars(select(Organisation.name).where(
        Organisation.kind == OrgKind.alliance)))  # fmt: skip
    today = street_today()
    for index, (name, org_type, community, tags, members, ends) in enumerate(UNITS):
        if name in existing:
            continue
        unit = Organisation(
            kind=OrgKind.alliance,
            name=name,
            org_type=org_type,
            party_org=f"中共{name}支部委员会",
            party_members=members,
            contact_name=f"联络员{index + 1}号" if index else UNIT_CONTACT,
            contact_phone=UNIT_LOGIN if index == 0 else f"1590000{index:04d}",
            address=f"示范区建设路 {100 + index * 7} 号",
            community_id=communities.get(community) if community else None,
            tags=tags,
            # joined over the last year and a half, so the reports' level of units has a history
            created_at=utcnow() - timedelta(days=540 - index * 30),
        )
        session.add(unit)
        session.flush()
        if ends is None:
            continue
        if ends == "future":
            starts = today + timedelta(days=10)
            session.add(Agreement(organisation_id=unit.id, signed_on=today - timedelta(days=5),
                                  starts_on=starts, ends_on=starts + timedelta(days=730),
                                  summary="物业共管、楼道环境整治"))  # fmt: skip
        else:
            end = today + timedelta(days=ends)
            session.add(Agreement(organisation_id=unit.id, signed_on=end - timedelta(days=372),
                                  starts_on=end - timedelta(days=365), ends_on=end,
                                  summary="共建共享，资源互通，服务社区居民"))  # fmt: skip
    session.flush()
    _unit_login(session)
    _generated(session, tenant, communities, existing, today)
    return [f"org {UNIT_LOGIN}"]


def _unit_login(session: Session) -> None:
    unit_id = session.scalar(select(Organisation.id).where(
        Organisation.kind == OrgKind.alliance, Organisation.name == UNITS[0][0]))  # fmt: skip
    user = session.scalar(select(User).where(User.phone == UNIT_LOGIN))
    if user is None:
        user = create_user(
            session, phone=UNIT_LOGIN, name=UNIT_CONTACT, password=PASSWORD, role=Role.org
        )
    if user.role != Role.org:
        return
    if session.scalar(select(OrgAccount.id).where(OrgAccount.user_id == user.id)) is None:
        session.add(OrgAccount(user_id=user.id, organisation_id=unit_id))
        session.flush()


def _generated(session, tenant, communities: dict, existing: set, today) -> None:
    count = int(FULL_SIZE * demo_scale())
    units, agreements = [], []
    types = list(_TRADES)
    # names depend on the index alone (not on what exists), so a second run finds them all
    names = {u[0] for u in UNITS}
    community_ids = [None, *communities.values()]
    now = utcnow()
    for index in range(count):
        rng = random.Random(f"demo-unit-{index}")
        org_type = types[index % len(types)]
        name = rng.choice(_PLACES) + rng.choice(_PLACES) + rng.choice(_TRADES[org_type])
        if name in names:
            name = f"{name[:-2]}{index}号{name[-2:]}" if len(name) > 2 else f"{name}{index}"
        if name in names:
            continue
        names.add(name)
        if name in existing:
            continue
        unit_id = new_id()
        units.append({
            "id": unit_id, "tenant_id": tenant.id, "kind": OrgKind.alliance.value, "name": name,
            "org_type": org_type.value, "credit_code": None,
            "party_org": f"中共{name}支部委员会", "party_members": rng.randint(0, 60),
            "contact_name": "联络员", "contact_phone": f"15{rng.randint(100000000, 999999999)}",
            "address": f"示范区{rng.choice(_PLACES)}路 {rng.randint(1, 300)} 号",
            "community_id": rng.choice(community_ids),
            "tags": "、".join(rng.sample(_TAGS, rng.randint(1, 3))),
            "is_active": True, "created_at": now - timedelta(days=rng.randint(1, 540)),
        })  # fmt: skip
        # about two in three have signed (the articles: 82 signed of the street's units)
        if rng.random() < 0.66:
            end = today + timedelta(days=rng.randint(-200, 700))
            agreements.append({
                "id": new_id(), "tenant_id": tenant.id, "organisation_id": unit_id,
                "signed_on": end - timedelta(days=740), "starts_on": end - timedelta(days=730),
                "ends_on": end, "summary": "共建共享，服务社区", "attachment": "",
                "attachment_name": "", "created_at": now,
            })  # fmt: skip
    bulk_insert(session, Organisation, units)
    bulk_insert(session, Agreement, agreements)
