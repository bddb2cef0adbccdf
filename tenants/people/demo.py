"""The demo street's accounts: an admin, a staff member who is the grid worker of two grids, a
volunteer with a history, and more residents so the dashboard has something to show; at full
size (``DEMO_SCALE`` 1) about 2,000 generated volunteers across the communities. Names are
invented (a common surname and one or two common given-name characters drawn at random), and
every account's password is the published demo password."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.passwords import hash_password
from saas.auth.services import create_user
from saas.db import new_id, utcnow
from saas.demo import PASSWORD, bulk_insert, demo_scale
from saas.notify.services import notify
from saas.streets.models import Tenant
from tenants.structure import demo as structure_demo
from tenants.structure.models import Community, Grid

ACCOUNTS = [
    ("13900000001", "王晓明", Role.admin, None, False),
    ("13900000002", "李娜", Role.staff, "朝阳社区", False),
    ("13900000005", "张建国", Role.volunteer, "朝阳社区", True),
]
#: more residents (they log in with the same password)
VOLUNTEERS = [
    ("13900000101", "陈思远", "朝阳社区", True),
    ("13900000102", "刘芳", "朝阳社区", False),
    ("13900000103", "赵磊", "清泉社区", True),
    ("13900000104", "孙悦", "清泉社区", False),
    ("13900000105", "周敏", "清泉社区", False),
]
WELCOME = {
    Role.admin: "这是示范街道：组织架构、人员账号和操作日志都可以随意试用。",
    Role.staff: "您负责朝阳社区的两个网格。",
    Role.volunteer: "感谢加入志愿服务！活动、积分和街道的消息都会发到这里。",
}
#: grids whose 网格员 is the demo staff account
STAFF_GRIDS = ["朝阳一网格", "朝阳二网格"]


def load_demo(session: Session, tenant: Tenant) -> list[str]:
    """Add the accounts that are missing (idempotent). Runs in the street's scope."""
    communities = {c.name: c for c in session.scalars(select(Community))}
    extra = [(phone, name, Role.volunteer, c, party) for phone, name, c, party in VOLUNTEERS]
    for phone, name, role, community, party in ACCOUNTS + extra:
        if session.scalar(select(User.id).where(User.phone == phone)) is None:
            user = create_user(
                session,
                phone=phone,
                name=name,
                password=PASSWORD,
                role=role,
                community_id=communities[community].id if community else None,
                is_party_member=party,
            )
            notify(session, user, "welcome", f"欢迎来到{tenant.name}", WELCOME[role])
    session.flush()
    _grid_workers(session)
    _generated(session, tenant, communities)
    return [f"{role} {phone}" for phone, _name, role, _c, _p in ACCOUNTS]


def _grid_workers(session: Session) -> None:
    staff = session.scalar(select(User).where(User.phone == ACCOUNTS[1][0]))
    for grid in session.scalars(select(Grid).where(Grid.name.in_(STAFF_GRIDS))):
        if grid.worker_id is None:
            grid.worker_id = staff.id
            staff.is_grid_worker = True
    session.flush()


# --- a street of real size --------------------------------------------------------------------

#: volunteers generated at scale 1 (a real street counts thousands; 9,000 in the articles)
FULL_SIZE = 2000
#: common surnames, the most common more than once (roughly as often as they occur)
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
    "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏辉晨欣怡婷雪梅琳淑珍海峰波亮林云飞佳慧"
#: mobile prefixes of the three carriers; 139 is left to the fixed demo logins
PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "150", "151", "152", "155",
            "156", "157", "158", "159", "176", "177", "180", "182", "185", "186", "187", "188",
            "189", "199")  # fmt: skip
#: a community's share of the volunteers (the two older communities are the larger ones)
WEIGHTS = {"朝阳社区": 5, "清泉社区": 4}


@dataclass(frozen=True)
class Person:
    """One generated volunteer; the same index gives the same person on every machine."""

    phone: str
    name: str
    community: str
    is_party_member: bool
    #: days before today they joined (the "new volunteers" chart has twelve months of them)
    joined_days_ago: int
    #: how keen: most come now and then, a few come to nearly everything (ranks differ)
    activity: float


def person(index: int, phone: str, community_names: list[str]) -> Person:
    rng = random.Random(f"demo-person-{index}")
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    weights = [WEIGHTS.get(name, 3) for name in community_names]
    return Person(
        phone=phone,
        name=rng.choice(SURNAMES) + given,
        community=rng.choices(community_names, weights)[0],
        is_party_member=rng.random() < 0.22,
        joined_days_ago=int(rng.triangular(3, 900, 60)),
        activity=min(rng.paretovariate(1.6), 12.0),
    )


def generated_people(count: int, community_names: list[str]) -> list[Person]:
    """The first ``count`` generated volunteers (a larger count keeps the smaller's people)."""
    rng = random.Random("demo-phones")
    seen: set[str] = set()
    people = []
    for index in range(count):
        phone = ""
        while not phone or phone in seen:
            phone = rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}"
        seen.add(phone)
        people.append(person(index, phone, community_names))
    return people


def size(scale: float) -> int:
    return round(FULL_SIZE * scale)


def _generated(session: Session, tenant: Tenant, communities: dict[str, Community]) -> None:
    """Add the generated volunteers that are missing, many rows to a statement. They share one
    password hash (hashing 2,000 passwords would take most of a minute), and no welcome message."""
    scale = demo_scale()
    names = [name for name in structure_demo.communities(scale) if name in communities]
    people = generated_people(size(scale), names)
    if not people:
        return
    existing = set(session.scalars(select(User.phone).where(User.role == Role.volunteer)))
    missing = [p for p in people if p.phone not in existing]
    if not missing:
        return
    password_hash = hash_password(PASSWORD)
    now = utcnow()
    bulk_insert(
        session,
        User,
        (
            {
                "tenant_id": tenant.id,
                "id": new_id(),
                "phone": p.phone,
                "name": p.name,
                "password_hash": password_hash,
                "role": Role.volunteer,
                "is_party_member": p.is_party_member,
                "community_id": communities[p.community].id,
                "created_at": now - timedelta(days=p.joined_days_ago, minutes=index % 600),
                # a fresh password: PASSWORD_MAX_AGE_DAYS would send them to change it first
                "password_changed_at": now,
            }
            for index, p in enumerate(missing)
        ),
    )


def fixed_phones() -> set[str]:
    """The fixed demo accounts' phones: their histories are written by hand, never generated."""
    return {a[0] for a in ACCOUNTS} | {v[0] for v in VOLUNTEERS}
