"""Merchant alliance (商圈联盟): built on organisation records (tenants.orgs), the events engine
and the passport's rewards (vouchers).

Four areas, each its own files and blueprint: circles, merchants and the public directory
(``directory``), the member day, offers and settlement (``memberday``), popular-merchant voting
(``voting``), the merchant's own home and joint events (``home``).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import (
    ADMIN,
    GUEST,
    OFFICE,
    VOLUNTEER,
    AuditAction,
    AuditTarget,
    DemoSeeder,
    Home,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    PeriodicJob,
)
from saas.notify.kinds import SMS, NotificationKind
from tenants.merchants import directory, voting
from tenants.merchants.directory_demo import load_demo as load_directory_demo
from tenants.merchants.figures import FIGURES
from tenants.merchants.home import is_merchant
from tenants.merchants.imports import MERCHANTS
from tenants.merchants.memberday_demo import load_demo as load_memberday_demo
from tenants.merchants.personal import PERSONAL
from tenants.merchants.voting_demo import load_demo as load_voting_demo

# --- area "directory": circles, merchants, their accounts (office), the public directory --------


def _merchant_link(organisation_id: int, _detail: dict) -> str:
    return url_for("merchants_directory.merchant_detail", organisation_id=organisation_id)


def _circle_link(_circle_id: int, _detail: dict) -> str:
    return url_for("merchants_directory.circles")


DIRECTORY_BLUEPRINTS = ("tenants.merchants.directory_views:bp",)
DIRECTORY_MENU = (
    MenuEntry("merchants_directory.circles", _l("商圈"), "merchants", OFFICE, 10, icon="圈"),
    MenuEntry("merchants_directory.merchant_list", _l("商户"), "merchants", OFFICE, 11, icon="商"),
    # residents on their phones, signed in or not: the public directory
    MenuEntry(
        "merchants_directory.public_list", _l("商户名录"), "merchants", VOLUNTEER | GUEST, 10,
        icon="商",
    ),
)  # fmt: skip
DIRECTORY_PANELS = (
    Panel(directory.PANEL_KEY, "merchants/directory/_panel.html", directory.panel_data, OFFICE,
          600),
)  # fmt: skip
DIRECTORY_DEMO = (DemoSeeder(load_directory_demo),)
DIRECTORY_KINDS = (NotificationKind("merchants.account_invited", _l("开通商户账号"), (SMS,)),)
DIRECTORY_AUDIT = (
    AuditAction("merchants.circle_create", _l("登记商圈")),
    AuditAction("merchants.circle_update", _l("修改商圈")),
    AuditAction("merchants.merchant_create", _l("登记商户")),
    AuditAction("merchants.merchant_update", _l("修改商户")),
    AuditAction("merchants.account_invite", _l("开通商户账号")),
)
DIRECTORY_TARGETS = (
    AuditTarget("merchant", _l("商户"), _merchant_link, directory.merchant_names),
    AuditTarget("merchant_circle", _l("商圈"), _circle_link, directory.circle_names),
)
# --- end of area "directory" -------------------------------------------------------------------


# --- area "voting": popular-merchant voting (最受欢迎商户评选) -----------------------------------


def _vote_round_link(round_id: int, _detail: dict) -> str:
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

# --- area "memberday": member days, offers, reminders, settlement --------------------------------
MEMBERDAY_ORG = frozenset({"org"})
MEMBERDAY_BLUEPRINTS = ("tenants.merchants.memberday_views:bp",)
MEMBERDAY_MENU = (
    MenuEntry("merchants_memberday.member_days", _l("会员日"), "merchants", OFFICE, 30, icon="会"),
    MenuEntry("merchants_memberday.statements", _l("商户结算"), "merchants", OFFICE, 70,
              icon="结"),
    MenuEntry("merchants_memberday.settlement_settings", _l("商户结算设置"), "settings", ADMIN, 60,
              icon="结"),
    MenuEntry("merchants_memberday.offers", _l("会员日优惠"), "merchants", MEMBERDAY_ORG, 30,
              icon="会", visible=is_merchant),
    MenuEntry("merchants_memberday.my_statements", _l("结算单"), "merchants", MEMBERDAY_ORG, 70,
              icon="结", visible=is_merchant),
    MenuEntry("merchants_memberday.resident_page", _l("商圈会员日"), "merchants", VOLUNTEER, 30,
              icon="会"),
)  # fmt: skip
# after the directory's seeder: the offers are the demo merchants'
MEMBERDAY_DEMO = (DemoSeeder(load_memberday_demo),)
MEMBERDAY_PERIODIC = (
    PeriodicJob("merchants-member-days", "tenants.merchants.memberday_jobs:create_member_days",
                86400),
    # hourly, so the day before is never missed; reminded_at keeps it to once per member day
    PeriodicJob("merchants-member-day-reminders",
                "tenants.merchants.memberday_jobs:remind_member_days", 3600),
    # daily: from the 1st on, last month's missing statements are made (the unique key: once)
    PeriodicJob("merchants-statements", "tenants.merchants.memberday_jobs:make_monthly_statements",
                86400),
    # daily: from the 1st on, last month's kept pledges (the ledger's key: once a member a month)
    PeriodicJob("merchants-pledges", "tenants.merchants.memberday_jobs:pay_kept_pledges", 86400),
)  # fmt: skip
MEMBERDAY_KINDS = (
    NotificationKind("merchants.member_day_tomorrow", _l("明天是商圈会员日"), (SMS,)),
    NotificationKind("merchants.offer_withdrawn", _l("会员日优惠被撤下")),
)
MEMBERDAY_AUDIT = (
    AuditAction("merchants.offer_withdraw", _l("撤下会员日优惠")),
    AuditAction("merchants.statements_make", _l("生成商户结算单")),
    AuditAction("merchants.statement_confirm", _l("确认商户结算单")),
)
# --- end of area "memberday" ---------------------------------------------------------------------


# --- area "home": the merchant's own home, joint events, party members, 商圈联席会议 -------------
HOME_ORG = frozenset({"org"})
HOME_MODELS = ("tenants.merchants.home_models",)
HOME_BLUEPRINTS = ("tenants.merchants.home_views:bp",)
HOME_MENU = (
    MenuEntry("merchants_home.merchant", _l("我的商户"), "merchants", HOME_ORG, 10, icon="店",
              visible=is_merchant),
    MenuEntry("merchants_home.events", _l("商居联合活动"), "merchants", OFFICE, 40, icon="联"),
    MenuEntry("merchants_home.counts", _l("联合活动统计"), "merchants", OFFICE, 41, icon="统"),
    MenuEntry("merchants_home.party_members", _l("商户党员"), "merchants", OFFICE, 42, icon="党"),
    MenuEntry("merchants_home.new_meeting", _l("商圈联席会议"), "merchants", OFFICE, 43,
              icon="会"),
)  # fmt: skip
# before tenants/orgs' generic org home (order 100): merchants land on their own home; alliance
# units keep theirs (order 50, visible only to them)
HOME_HOMES = (Home("merchants_home.merchant", HOME_ORG, 60, visible=is_merchant),)
HOME_AUDIT = (
    AuditAction("merchants.event_hosts", _l("设置联合商户")),
    AuditAction("merchants.party_member_link", _l("登记商户党员")),
    AuditAction("merchants.party_member_unlink", _l("取消商户党员关联")),
)
# --- end of area "home" ----------------------------------------------------------------------------

MODULE = Module(
    name="merchants",
    label=_l("商圈联盟"),
    summary=_l(
        "商圈和商户：党员示范商户公开承诺，居民在手机上查找商户；每月会员日商户提供优惠和积分兑换券，"
        "到店扫码核销；商居联合活动；最受欢迎商户评选；每月结算。"
    ),
    models=("tenants.merchants.models", *HOME_MODELS),
    menu_groups=(MenuGroup("merchants", _l("商圈"), 600),),
    blueprints=(
        *DIRECTORY_BLUEPRINTS,
        *VOTING_BLUEPRINTS,
        *MEMBERDAY_BLUEPRINTS,
        *HOME_BLUEPRINTS,
    ),
    menu=(
        *DIRECTORY_MENU,
        *VOTING_MENU,
        *MEMBERDAY_MENU,
        *HOME_MENU,
    ),
    panels=(
        *DIRECTORY_PANELS,
        *VOTING_PANELS,
    ),
    demo=(
        *DIRECTORY_DEMO,
        *MEMBERDAY_DEMO,
        *VOTING_DEMO,
    ),
    notification_kinds=(
        *DIRECTORY_KINDS,
        *MEMBERDAY_KINDS,
    ),
    audit_actions=(
        *DIRECTORY_AUDIT,
        *VOTING_AUDIT,
        *MEMBERDAY_AUDIT,
        *HOME_AUDIT,
    ),
    audit_targets=(
        *DIRECTORY_TARGETS,
        *VOTING_AUDIT_TARGETS,
    ),
    periodic=(*MEMBERDAY_PERIODIC,),
    homes=(*HOME_HOMES,),
    personal_data=PERSONAL,
    figures=FIGURES,
    importers=(MERCHANTS,),
)
