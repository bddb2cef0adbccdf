"""Alliance units from a spreadsheet (共建单位导入): each row an organisation record of kind
alliance, as the unit form makes it. A unit is an existing record when its credit code is
registered in the street (whatever the kind) or its name among the units."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.cache import forget_street
from saas.db import new_id, utcnow
from saas.errors import ServiceError
from saas.imports.spec import (
    Checked,
    Column,
    Importer,
    cell_text,
    insert_many,
    read_phone,
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
    check_org,
    org_lookups,
    read_count,
    read_credit_code,
    read_name,
    read_tags,
    remember_inserted,
)
from tenants.orgs.models import Organisation, OrgKind


def _read_type(value) -> str:
    text = cell_text(value)
    for key, label in TYPE_LABELS.items():
        if text == str(label):
            return str(key)
    raise ServiceError(
        _("请填写以下之一：%(names)s", names="、".join(str(v) for v in TYPE_LABELS.values()))
    )


def lookups(session: Session, actor: User) -> OrgLookups:
    return org_lookups(session, OrgKind.alliance)


def check(found: OrgLookups, row: dict) -> Checked:
    return check_org(found, row, False, _("已有同名的共建单位"))


def insert_rows(session: Session, actor: User, found: OrgLookups, rows: list[dict]) -> int:
    tenant_id = current_tenant_id()
    now = utcnow()
    values = []
    for row in rows:
        values.append(
            {
                "tenant_id": tenant_id,
                "id": new_id(),
                "kind": OrgKind.alliance,
                "name": row["name"],
                "org_type": row["org_type"],
                "credit_code": row["credit_code"],
                "party_org": row["party_org"],
                "party_members": row["party_members"],
                "contact_name": row["contact_name"],
                "contact_phone": row["contact_phone"],
                "address": row["address"],
                "community_id": found.communities.get(row["community"]),
                "tags": row["tags"],
                "is_active": True,
                "created_at": now,
            }
        )
        remember_inserted(found, row)
    insert_many(session, Organisation, values)
    forget_street(PANEL_KEY, tenant_id)
    return len(values)


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
            _read_type,
            _l("民企"),
            _l("以下之一：%(names)s", names="机关、国企、民企、事业单位、社会组织、两新组织"),
        ),
        Column(
            "credit_code",
            _l("统一社会信用代码"),
            False,
            read_credit_code,
            "91110000600037341L",
            _l("18 位，末位为校验码；可不填"),
        ),
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
        Column("contact_name", _l("联系人"), False, read_text(CONTACT_MAX), _l("李四")),
        Column(
            "contact_phone",
            _l("联系电话"),
            False,
            read_phone,
            "13900000006",
            _l("11 位中国大陆手机号"),
        ),
        Column("address", _l("地址"), False, read_text(ADDRESS_MAX), _l("示范路 1 号")),
        Column(
            "community",
            _l("所在社区"),
            False,
            read_text(50),
            "",
            _l("本街道社区的全称；不填为全街道"),
        ),
        Column(
            "tags",
            _l("标签"),
            False,
            read_tags,
            _l("政策宣讲、医疗义诊"),
            _l("能做什么、关心什么，用顿号或逗号分隔"),
        ),
    ),
    lookups=lookups,
    check=check,
    insert=insert_rows,
    list_endpoint="alliance_units.unit_list",
    unique=("name", "credit_code"),
)
