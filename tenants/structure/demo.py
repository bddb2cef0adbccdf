"""The demo street's structure: two communities, two grids each, three buildings a grid."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.streets.models import Tenant
from tenants.structure.models import Building, Community, Grid

STRUCTURE = {"朝阳社区": ["朝阳一网格", "朝阳二网格"], "清泉社区": ["清泉一网格", "清泉二网格"]}
BUILDINGS = ["1号楼", "2号楼", "3号楼"]


def load_demo(session: Session, tenant: Tenant) -> None:
    """Add what is missing of the structure (idempotent). Runs in the street's scope."""
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
