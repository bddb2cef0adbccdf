"""Merchants from a spreadsheet (商户导入): each row an organisation record of kind merchant and
its profile, as the merchant form makes them (open, not a model merchant). A merchant is an
existing record when its credit code is registered in the street, its name among the merchants,
or its contact phone is a merchant's."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.cache import forget_street
from saas.db import new_id
from saas.imports.spec import (
    Checked,
    Column,
    Importer,
    insert_many,
    read_choice,
    read_name,
    read_text,
)
from saas.tenancy import current_tenant_id
from tenants.merchants.directory import (
    ADDRESS_MAX,
    CATEGORIES,
    CONTACT_MAX,
    DIRECTORY_KEY,
    HOURS_MAX,
    NAME_MAX,
    PANEL_KEY,
)
from tenants.merchants.models import Circle, Merchant, MerchantStatus
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
    tags_column,
)
from tenants.orgs.models import OrgKind


def lookups(session: Session, actor: User) -> OrgLookups:
    found = org_lookups(session, OrgKind.merchant)
    found.extra["circles"] = dict(session.execute(select(Circle.name, Circle.id)).all())
    return found


def check(found: OrgLookups, row: dict) -> Checked:
    checked = check_org(found, row, True, _("已有同名的商户"))
    if row["circle"] and row["circle"] not in found.extra["circles"]:
        checked.errors.append(("circle", _("本街道没有这个商圈，请填写商圈的全称")))
    return checked


def insert_rows(session: Session, actor: User, found: OrgLookups, rows: list[dict]) -> int:
    organisations = insert_orgs(session, found, rows, OrgKind.merchant)
    profiles = [
        {
            "tenant_id": organisation["tenant_id"],
            "id": new_id(),
            "organisation_id": organisation["id"],
            "circle_id": found.extra["circles"].get(row["circle"]),
            "category": row["category"],
            "opening_hours": row["opening_hours"],
            "is_model": False,
            "pledge": "",
            "status": MerchantStatus.open,
            "created_at": organisation["created_at"],
        }
        for organisation, row in zip(organisations, rows, strict=True)
    ]
    insert_many(session, Merchant, profiles)
    tenant_id = current_tenant_id()
    forget_street(DIRECTORY_KEY, tenant_id)
    forget_street(PANEL_KEY, tenant_id)
    return len(organisations)


MERCHANTS = Importer(
    key="merchants",
    label=_l("商户"),
    summary=_l("每行一个商户（营业中）；统一社会信用代码、店名或联系电话已登记的视为已有记录。"),
    columns=(
        Column(
            "name",
            _l("店名"),
            True,
            read_name(NAME_MAX, _l("请填写店名")),
            _l("示范便利店"),
            _l("不超过 100 个字，不能与已有的商户同名"),
        ),
        Column(
            "category",
            _l("行业类别"),
            True,
            read_choice(CATEGORIES),
            _l("超市便利"),
            _l(
                "以下之一：%(names)s",
                names="餐饮、超市便利、理发美容、维修服务、药店诊所、教育培训、生活服务、其他",
            ),
        ),
        credit_code_column(),
        contact_name_column(CONTACT_MAX, _l("王五")),
        contact_phone_column("13900000007"),
        address_column(ADDRESS_MAX, _l("示范路 2 号")),
        community_column(),
        Column("circle", _l("所属商圈"), False, read_text(60), "", _l("本街道商圈的全称；可不填")),
        Column("opening_hours", _l("营业时间"), False, read_text(HOURS_MAX), "8:00-22:00"),
        tags_column(_l("便民、送货上门")),
    ),
    lookups=lookups,
    check=check,
    insert=insert_rows,
    list_endpoint="merchants_directory.merchant_list",
    unique=("name", "credit_code", "contact_phone"),
)
