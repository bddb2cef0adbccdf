"""The demo street's accounts: an admin, a staff member who is the grid worker of two grids, a
volunteer with a history, and more residents so the dashboard has something to show. Names are
invented; every account's password is the published demo password."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.services import create_user
from saas.demo import PASSWORD
from saas.notify.services import notify
from saas.streets.models import Tenant
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
    return [f"{role} {phone}" for phone, _name, role, _c, _p in ACCOUNTS]


def _grid_workers(session: Session) -> None:
    staff = session.scalar(select(User).where(User.phone == ACCOUNTS[1][0]))
    for grid in session.scalars(select(Grid).where(Grid.name.in_(STAFF_GRIDS))):
        if grid.worker_id is None:
            grid.worker_id = staff.id
            staff.is_grid_worker = True
    session.flush()
