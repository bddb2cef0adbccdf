"""Rows the figures area's tests share: items put straight where a test needs them (the loop's
own tests take the steps; these only need an item's columns as the loop leaves them)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from saas.db import new_id, utcnow
from tenants.grid.models import GridItem

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def local(*args) -> datetime:
    """A time in Shanghai, as the UTC the database keeps."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def item_values(tenant_id: int, category_id: int, community_id: int, **kw) -> dict:
    """The columns of an item (assigned to nobody, reported now) for a bulk insert."""
    created = kw.pop("created_at", utcnow())
    return {
        "tenant_id": tenant_id,
        "id": new_id(),
        "number": f"WG{created:%Y%m%d}-{next(_numbers):05d}",
        "category_id": category_id,
        "description": "楼道堆放杂物",
        "community_id": community_id,
        "grid_id": None,
        "building_id": None,
        "place": "",
        "reporter_id": None,
        "reporter_role": "resident",
        "anonymous": False,
        "status": "reported",
        "tier": "grid",
        "created_at": created,
        **kw,
    }


def make_item(scoped, street, category_id: int, community_id: int, **kw) -> int:
    """One item; ``handler`` shortcuts: ``staff=user_id``, ``department=id``, ``unit=org_id``
    (status "assigned", assigned an hour ago, due in ``hours`` unless ``due_at`` is given)."""
    for kind, column in (("staff", "handler_user_id"), ("department", "handler_department_id"),
                         ("unit", "handler_org_id")):  # fmt: skip
        if kind in kw:
            kw["handler_kind"], kw[column] = kind, kw.pop(kind)
            kw.setdefault("status", "assigned")
            kw.setdefault("assigned_at", utcnow() - timedelta(hours=1))
            kw.setdefault("due_at", kw["assigned_at"] + timedelta(hours=kw.pop("hours", 24)))
    with scoped(street) as session:
        item = GridItem(
            **{
                k: v
                for k, v in item_values(street.id, category_id, community_id, **kw).items()
                if k != "tenant_id"
            }
        )
        session.add(item)
        session.commit()
        return item.id
