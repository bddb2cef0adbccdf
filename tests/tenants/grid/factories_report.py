"""Rows of area ``report`` made inside a street's scope: an item reported by someone, moved
along the loop, with photos."""

from __future__ import annotations

from saas.auth.models import User
from saas.db import utcnow
from tenants.grid.items import ItemInput, create_item
from tenants.grid.loop import advance
from tenants.grid.photos import clean_photo
from tests.tenants.grid.factories import jpeg_with_gps

#: the steps that take a reported item to each status (the handler: the street's admin)
PATH = {
    "reported": [],
    "accepted": ["accept"],
    "assigned": ["accept", "assign"],
    "in_progress": ["accept", "assign", "start"],
    "done": ["accept", "assign", "start", "done"],
    "checked": ["accept", "assign", "start", "done", "check"],
    "closed": ["accept", "assign", "start", "done", "check", "close"],
    "rejected": ["reject"],
}


def report_item(scoped, street, reporter_id, category, community, grid=None, building=None,
                status="reported", photos=0, anonymous=False, description="楼道堆放杂物",
                handler_id=None, notes=None):  # fmt: skip
    """An item ``reporter_id`` reported, moved to ``status`` by the street's admin; its id."""
    with scoped(street) as session:
        actor = session.get(User, (street.id, reporter_id))
        kept = [clean_photo(jpeg_with_gps(), "photos") for _ in range(photos)]
        item = create_item(session, actor, ItemInput(category, description, community, grid,
                                                     building, "2单元门口", anonymous, kept))  # fmt: skip
        for kind in PATH[status]:
            changes = {}
            if kind == "assign":
                changes = {"handler_kind": "staff", "handler_user_id": handler_id or street.admin_id,
                           "assigned_at": utcnow(), "due_at": utcnow()}  # fmt: skip
            advance(session, item, kind, street.admin_id, (notes or {}).get(kind, ""), **changes)
        session.commit()
        return item.id
