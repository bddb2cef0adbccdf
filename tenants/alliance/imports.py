"""Alliance units from a spreadsheet (共建单位导入): each row an organisation record of kind
alliance, as the unit form makes it. A unit is an existing record when its credit code is
registered in the street (whatever the kind) or its name among the units."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.cache import forget_street
from saas.imports.spec import (
    Checked,
    Column,
    Importer,
    read_choice,
    read_name,
    read_text,
)
from saas.tenancy import current_tenant_id
from tenants.alliance.units import (
    ADDRESS_MAX,
    CONTACT_MAX,
    NAME_MAX,
    PANEL_KEY,
    PARTY_MEMBERS_MAX,
    PARTY_ORG_MAX,
    TYPE_LABELS,
)
from tenants.orgs.imports import (
    OrgLookups,
    address_column,
    check_org,
    community_column,
    contact_name_column,
    contact_phone_column,
    credit_code_column,
    insert_orgs,
    org_lookups,
    read_count,
    tags_column,
)
from tenants.orgs.models import OrgKind


def lookups(session: Session, actor: User) -> OrgLookups:
    return org_lookups(session, OrgKind.alliance)


def check(found: OrgLookups, row: dict) -> Checked:
    return check_org(found, row, False, _("已有同名的共建单位"))


def insert_rows(session: Session, actor: User, found: OrgLookups, rows: list[dict]) -> int:
    inserted = insert_orgs(
        session,
        found,
        rows,
        OrgKind.alliance,
        lambda row: {
            "org_type": row["org_type"],
            "party_org": row["party_org"],
            "party_members": row["party_members"],
        },
    )
    forget_street(PANEL_KEY, current_tenant_id())
    return len(inserted)


UNITS = Importer(
    key="alliance_units",
    label=_l("共建单位"),
    summary=_l("每行一个共建单位；统一社会信用代码或名称已登记的视为已有记录。"),
    columns=(
        Column(
            "name",
            _l("单位名称"),
            True,
            read_name(NAME_MAX, _l("请填写单位名称")),
            _l("示范科技有限公司"),
            _l("不超过 100 个字，不能与已有的共建单位同名"),
        ),
        Column(
            "org_type",
            _l("单位类型"),
            True,
            read_choice(TYPE_LABELS),
            _l("民企"),
            _l("以下之一：%(names)s", names="机关、国企、民企、事业单位、社会组织、两新组织"),
        ),
        credit_code_column(),
        Column(
            "party_org",
            _l("党组织名称"),
            False,
            read_text(PARTY_ORG_MAX),
            _l("中共示范科技有限公司支部委员会"),
        ),
        Column(
            "party_members",
            _l("党员人数"),
            False,
            read_count(PARTY_MEMBERS_MAX),
            "12",
            _l("整数，不填为 0"),
        ),
        contact_name_column(CONTACT_MAX, _l("李四")),
        contact_phone_column("13900000006"),
        address_column(ADDRESS_MAX, _l("示范路 1 号")),
        community_column(),
        tags_column(_l("政策宣讲、医疗义诊"), _l("能做什么、关心什么，用顿号或逗号分隔")),
    ),
    lookups=lookups,
    check=check,
    insert=insert_rows,
    list_endpoint="alliance_units.unit_list",
    unique=("name", "credit_code"),
)
