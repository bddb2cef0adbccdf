"""The demo street's structure: two communities with two grids each, and at full size four more,
11 grids in all (a real street has 6–12 communities). Every grid has its buildings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.demo import demo_scale
from saas.streets.models import Tenant
from tenants.structure.models import Building, Community, Grid

STRUCTURE = {"朝阳社区": ["朝阳一网格", "朝阳二网格"], "清泉社区": ["清泉一网格", "清泉二网格"]}
#: the communities a street of real size adds (with the two above: 6 communities, 11 grids)
MORE = {
    "和平社区": ["和平一网格", "和平二网格"],
    "桃园社区": ["桃园一网格", "桃园二网格"],
    "滨河社区": ["滨河一网格", "滨河二网格"],
    "新华社区": ["新华网格"],
}
BUILDINGS = ["1号楼", "2号楼", "3号楼"]
#: the generated grids' buildings: a real grid holds 300–500 households
MORE_BUILDINGS = [f"{n}号楼" for n in range(1, 9)]


def communities(scale: float) -> dict[str, list[str]]:
    """The communities and grids of the demo street at ``scale``."""
    return {**STRUCTURE, **MORE} if scale > 0 else dict(STRUCTURE)


def load_demo(session: Session, tenant: Tenant) -> None:
    """Add what is missing of the structure (idempotent). Runs in the street's scope."""
    found = {c.name: c for c in session.scalars(select(Community))}
    for position, (name, grids) in enumerate(communities(demo_scale()).items(), start=1):
        community = found.get(name)
        if community is None:
            community = Community(name=name, position=position)
            session.add(community)
            session.flush()
            found[name] = community
        buildings = BUILDINGS if name in STRUCTURE else MORE_BUILDINGS
        existing = set(session.scalars(select(Grid.name).where(Grid.community_id == community.id)))
        for grid_position, grid_name in enumerate(grids, start=1):
            if grid_name not in existing:
                grid = Grid(community_id=community.id, name=grid_name, position=grid_position)
                session.add(grid)
                session.flush()
                for building_position, building in enumerate(buildings, start=1):
                    session.add(
                        Building(grid_id=grid.id, name=building, position=building_position)
                    )
    session.flush()
