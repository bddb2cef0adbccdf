"""/<slug>/grid/items/<id>: a grid item's page. A first version (office only: the item and its
timeline) that the area "loop" grows into the office's working page; other areas link here."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from sqlalchemy import select

from saas.auth.access import office
from saas.errors import NotFound
from saas.extensions import db
from saas.ui import render
from tenants.grid.loop import STATUS_LABELS, STEPS
from tenants.grid.models import GridItem, ItemStep

bp = Blueprint("grid_loop", __name__, url_prefix="/<slug:tenant>", template_folder="templates")


@bp.route("/grid/items/<int:item_id>")
@office
def item_detail(item_id: int):
    item = db.session.scalar(select(GridItem).where(GridItem.id == item_id))
    if item is None:
        raise NotFound(_("事项不存在"))
    steps = db.session.scalars(
        select(ItemStep).where(ItemStep.item_id == item.id).order_by(ItemStep.created_at)
    ).all()
    return render("grid/loop/detail.html", item=item, steps=steps, status_labels=STATUS_LABELS,
                  steps_labels={k: s.label for k, s in STEPS.items()})  # fmt: skip
