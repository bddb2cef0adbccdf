"""Rows of the grid module made inside a street's scope, for its tests."""

from __future__ import annotations

import io

from PIL import Image

from tenants.grid.models import Department, ItemCategory, ItemLevel
from tenants.structure.models import Building, Community, Grid


def make_place(scoped, street, community="和平社区", grid="第一网格", worker_id=None):
    """A community with one grid (worked by ``worker_id``) and one building: their ids."""
    with scoped(street) as session:
        c = Community(name=community)
        session.add(c)
        session.flush()
        g = Grid(community_id=c.id, name=grid, worker_id=worker_id)
        session.add(g)
        session.flush()
        b = Building(grid_id=g.id, name="1号楼")
        session.add(b)
        session.commit()
        return c.id, g.id, b.id


def make_category(scoped, street, name="环境卫生", hours=120, level="一般") -> int:
    with scoped(street) as session:
        lvl = ItemLevel(name=f"{level}{hours}", deadline_hours=hours)
        session.add(lvl)
        session.flush()
        category = ItemCategory(name=name, level_id=lvl.id)
        session.add(category)
        session.commit()
        return category.id


def make_department(scoped, street, name="城管办", supervisor_id=None) -> int:
    with scoped(street) as session:
        department = Department(name=name, supervisor_id=supervisor_id)
        session.add(department)
        session.commit()
        return department.id


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A real JPEG carrying EXIF with a GPS block (what a phone's camera writes)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (31.0, 14.0, 30.0), 3: "E", 4: (121.0, 28.0, 12.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()
