"""How the audit log shows changes of the structure (its module declaration)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.modules import AuditAction, AuditTarget
from tenants.structure.models import Building, Community, Grid


def _names(model):
    def names(session, ids: list[int]) -> dict[int, str]:
        return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())

    return names


def _anchor(kind: str):
    def link(node_id: int, _detail: dict) -> str:
        return url_for("structure.tree") + f"#{kind}-{node_id}"

    return link


ACTIONS = (AuditAction("structure.change", _l("组织架构变更")),)
# the targets are named after the tables ("communities:12"), as the services write them
TARGETS = (
    AuditTarget("communities", _l("社区"), _anchor("community"), _names(Community)),
    AuditTarget("grids", _l("网格"), _anchor("grid"), _names(Grid)),
    AuditTarget("buildings", _l("楼栋"), _anchor("building"), _names(Building)),
)
