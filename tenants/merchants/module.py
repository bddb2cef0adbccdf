"""Merchant alliance (商圈联盟): built on organisation records (tenants.orgs), the events engine
and the passport's rewards (vouchers).

Four areas, each its own files and blueprint: circles, merchants and the public directory
(``directory``), the member day, offers and settlement (``memberday``), popular-merchant voting
(``voting``), the merchant's own home and joint events (``home``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import (
    OFFICE,
    VOLUNTEER,
    AuditAction,
    AuditTarget,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
)

# --- area "voting": popular-merchant voting (最受欢迎商户评选) -----------------------------------
from tenants.merchants import voting
from tenants.merchants.voting_demo import load_demo as load_voting_demo


def _vote_round_link(round_id: int, _detail: dict) -> str:
    from flask import url_for

    return url_for("merchants_voting.round_detail", round_id=round_id)


VOTING_BLUEPRINTS = ("tenants.merchants.voting_views:bp",)
VOTING_MENU = (
    MenuEntry("merchants_voting.rounds", _l("商户评选"), "merchants", OFFICE, 40, icon="评"),
    MenuEntry("merchants_voting.vote_rounds", _l("商户评选"), "merchants", VOLUNTEER, 40,
              icon="评"),
)  # fmt: skip
VOTING_PANELS = (
    Panel(voting.PANEL_KEY, "merchants/voting/_panel.html", voting.panel_data, OFFICE, 620),
)
# after the directory's seeder: the candidates are the demo merchants, found by kind
VOTING_DEMO = (DemoSeeder(load_voting_demo),)
VOTING_AUDIT = (
    AuditAction("merchants.vote_round_create", _l("创建商户评选")),
    AuditAction("merchants.vote_round_update", _l("修改商户评选")),
    AuditAction("merchants.vote_candidate_add", _l("添加候选商户")),
    AuditAction("merchants.vote_candidate_remove", _l("移出候选商户")),
)
VOTING_AUDIT_TARGETS = (
    AuditTarget("vote_round", _l("商户评选"), _vote_round_link, voting.round_names),
)
# --- end of area "voting" ----------------------------------------------------------------------

MODULE = Module(
    name="merchants",
    label=_l("商圈联盟"),
    summary=_l(
        "商圈和商户：党员示范商户公开承诺，居民在手机上查找商户；每月会员日商户提供优惠和积分兑换券，"
        "到店扫码核销；商居联合活动；最受欢迎商户评选；每月结算。"
    ),
    models=("tenants.merchants.models",),
    menu_groups=(MenuGroup("merchants", _l("商圈"), 600),),
    blueprints=(*VOTING_BLUEPRINTS,),
    menu=(*VOTING_MENU,),
    panels=(*VOTING_PANELS,),
    demo=(*VOTING_DEMO,),
    audit_actions=(*VOTING_AUDIT,),
    audit_targets=(*VOTING_AUDIT_TARGETS,),
)
