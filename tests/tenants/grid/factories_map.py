"""Rows the map's tests share: open items placed straight in a grid (no loop), a PNG plan."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

from PIL import Image

from saas.db import utcnow
from tenants.grid.models import GridItem

_numbers = itertools.count(1)


def add_items(scoped, street, category_id, community_id, grid_id, statuses, overdue=False):
    """One item per status in ``statuses`` (in ``grid_id``; None: no grid); ``overdue``: their
    deadline passed yesterday. Returns their ids."""
    ids = []
    with scoped(street) as session:
        for status in statuses:
            item = GridItem(number=f"WG20300101-{next(_numbers):04d}", category_id=category_id,
                            description="井盖破损", community_id=community_id, grid_id=grid_id,
                            reporter_role="staff", status=status,
                            due_at=utcnow() - timedelta(days=1) if overdue else None)  # fmt: skip
            if status in ("assigned", "in_progress", "done", "checked", "closed"):
                item.handler_kind, item.handler_user_id = "staff", street.admin_id
            session.add(item)
            session.flush()
            ids.append(item.id)
        session.commit()
    return ids


def plan_png(size=(800, 500)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (240, 236, 220)).save(out, "PNG")
    return out.getvalue()
