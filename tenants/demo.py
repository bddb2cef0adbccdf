"""The demo street: slug ``demo``, 示范街道. Loaded by ``make run`` and ``flask seed-demo``.

Idempotent: what exists is left alone, what is missing is added. Names are invented.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.services import create_user
from saas.extensions import db
from saas.notify.services import notify
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope
from tenants.events.demo import load_demo as load_events_demo
from tenants.passport.demo import load_demo as load_passport_demo
from tenants.passport.reward_demo import load_demo as load_rewards_demo
from tenants.structure.models import Building, Community, Grid
from tenants.wishes.demo import load_demo as load_wishes_demo

SLUG = "demo"
PASSWORD = "demo1234"  # noqa: S105 (the published demo login)
STRUCTURE = {"朝阳社区": ["朝阳一网格", "朝阳二网格"], "清泉社区": ["清泉一网格", "清泉二网格"]}
ACCOUNTS = [
    ("13900000001", "王晓明", Role.admin, None, False),
    ("13900000002", "李娜", Role.staff, "朝阳社区", False),
    ("13900000005", "张建国", Role.volunteer, "朝阳社区", True),
]
#: more residents, so the dashboard has something to show (they log in with the same password)
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
BUILDINGS = ["1号楼", "2号楼", "3号楼"]
#: grids whose 网格员 is the demo staff account
STAFF_GRIDS = ["朝阳一网格", "朝阳二网格"]
LOGINS = (
    "admin 13900000001, staff 13900000002, volunteer 13900000005, "
    "merchant 13900000301 (password demo1234)"
)


def load_demo(session: Session) -> bool:
    """Returns True if the street was created now."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == SLUG))
    created = tenant is None
    if created:
        tenant = Tenant(slug=SLUG, name="示范街道", district="示范区", city="示范市")
        session.add(tenant)
        session.flush()
    with tenant_scope(tenant.id):
        communities = _structure(session)
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
        # order matters: point rules before attendance is confirmed, points before redemptions
        load_passport_demo(session, tenant)
        load_events_demo(session, tenant)
        load_wishes_demo(session, tenant)
        load_rewards_demo(session, tenant)
    return created


def _grid_workers(session: Session) -> None:
    staff = session.scalar(select(User).where(User.phone == ACCOUNTS[1][0]))
    for grid in session.scalars(select(Grid).where(Grid.name.in_(STAFF_GRIDS))):
        if grid.worker_id is None:
            grid.worker_id = staff.id
            staff.is_grid_worker = True
    session.flush()


def _structure(session: Session) -> dict[str, Community]:
    found = {c.name: c for c in session.scalars(select(Community))}
    for position, (name, grids) in enumerate(STRUCTURE.items(), start=1):
        community = found.get(name)
        if community is None:
            community = Community(name=name, position=position)
            session.add(community)
            session.flush()
            found[name] = community
        existing = set(session.scalars(select(Grid.name).where(Grid.community_id == community.id)))
        for grid_position, grid_name in enumerate(grids, start=1):
            if grid_name not in existing:
                grid = Grid(community_id=community.id, name=grid_name, position=grid_position)
                session.add(grid)
                session.flush()
                for building_position, building in enumerate(BUILDINGS, start=1):
                    session.add(
                        Building(grid_id=grid.id, name=building, position=building_position)
                    )
    session.flush()
    return found


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Load even when APP_ENV=production.")
@with_appcontext
def seed_demo(force: bool) -> None:
    """Load the demo street (idempotent)."""
    if current_app.config["APP_ENV"] == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")
    created = load_demo(db.session)
    db.session.commit()
    click.echo("demo street loaded" if created else "demo street already present")
    click.echo(f"logins: {LOGINS} — /{SLUG}/login")
