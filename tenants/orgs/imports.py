"""What importing units and merchants share (tenants.alliance.imports, tenants.merchants.imports):
the street's organisation records looked up in bulk, the columns every organisation has, and the
organisation record a row becomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.db import new_id, utcnow
from saas.errors import ServiceError
from saas.imports.spec import Checked, Column, cell_text, insert_many, read_phone, read_text
from saas.tenancy import current_tenant_id
from tenants.orgs.models import Organisation, OrgKind
from tenants.orgs.records import clean_credit_code, clean_tags
from tenants.structure.models import Community


@dataclass
class OrgLookups:
    """The street's records an organisation row is checked against (three queries)."""

    #: names of organisations of the importer's kind (unique per kind)
    names: set[str]
    #: every organisation's credit code → its name (unique in the street, whatever the kind)
    credit_codes: dict[str, str]
    #: contact phones of organisations of the kind → name
    phones: dict[str, str]
    communities: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)


def org_lookups(session: Session, kind: str) -> OrgLookups:
    names: set[str] = set()
    phones: dict[str, str] = {}
    codes: dict[str, str] = {}
    for name, org_kind, code, phone in session.execute(
        select(
            Organisation.name,
            Organisation.kind,
            Organisation.credit_code,
            Organisation.contact_phone,
        )
    ):
        if code:
            codes[code] = name
        if org_kind == kind:
            names.add(name)
            if phone:
                phones.setdefault(phone, name)
    communities = dict(
        session.execute(
            select(Community.name, Community.id).where(Community.archived_at.is_(None))
        ).all()
    )
    return OrgLookups(names, codes, phones, communities)


def read_credit_code(value) -> str | None:
    """统一社会信用代码, checked with python-stdnum's ``cn.uscc`` (check character included)."""
    return clean_credit_code(cell_text(value))


def read_tags(value) -> str:
    return clean_tags(cell_text(value))


def read_count(maximum: int):
    def read(value) -> int:
        text = cell_text(value)
        if not text:
            return 0
        if not text.isascii() or not text.isdigit() or int(text) > maximum:
            raise ServiceError(_("应为 0 到 %(n)d 之间的整数", n=maximum))
        return int(text)

    return read


def credit_code_column() -> Column:
    return Column(
        "credit_code",
        _l("统一社会信用代码"),
        False,
        read_credit_code,
        "91110000600037341L",
        _l("18 位，末位为校验码；可不填"),
    )


def contact_name_column(limit: int, example: Any) -> Column:
    return Column("contact_name", _l("联系人"), False, read_text(limit), example)


def contact_phone_column(example: str) -> Column:
    return Column(
        "contact_phone", _l("联系电话"), False, read_phone, example, _l("11 位中国大陆手机号")
    )


def address_column(limit: int, example: Any) -> Column:
    return Column("address", _l("地址"), False, read_text(limit), example)


def community_column() -> Column:
    return Column(
        "community",
        _l("所在社区"),
        False,
        read_text(50),
        "",
        _l("本街道社区的全称；不填为全街道"),
    )


def tags_column(example: Any, note: Any = "") -> Column:
    return Column("tags", _l("标签"), False, read_tags, example, note)


def insert_orgs(
    session: Session,
    found: OrgLookups,
    rows: list[dict],
    kind: OrgKind,
    own: Callable[[dict], dict] = lambda row: {},
) -> list[dict]:
    """Insert the organisation records (active) clean rows become, in one ``insert_many``;
    returns their values in row order (a merchant's profile names its record's id). ``own(row)``:
    the kind's own values (a unit's type and party organisation), none by default."""
    tenant_id = current_tenant_id()
    now = utcnow()
    values = []
    for row in rows:
        values.append(
            {
                "tenant_id": tenant_id,
                "id": new_id(),
                "kind": kind,
                "name": row["name"],
                "org_type": "",
                "credit_code": row["credit_code"],
                "party_org": "",
                "party_members": 0,
                "contact_name": row["contact_name"],
                "contact_phone": row["contact_phone"],
                "address": row["address"],
                "community_id": found.communities.get(row["community"]),
                "tags": row["tags"],
                "is_active": True,
                "created_at": now,
            }
            | own(row)
        )
    insert_many(session, Organisation, values)
    return values


def check_org(found: OrgLookups, row: dict, by_phone: bool, duplicate_name: str) -> Checked:
    """A row's community, and whether it is an organisation the street has (by credit code,
    by name, and for merchants by contact phone)."""
    checked = Checked()
    community = row.get("community")
    if community and community not in found.communities:
        checked.errors.append(("community", _("本街道没有这个社区，请填写社区的全称")))
    code = row.get("credit_code")
    if code and code in found.credit_codes:
        checked.existing = (
            "credit_code",
            _("该统一社会信用代码已登记：%(name)s", name=found.credit_codes[code]),
        )
    elif row["name"] in found.names:
        checked.existing = ("name", duplicate_name)
    elif by_phone and row.get("contact_phone") and row["contact_phone"] in found.phones:
        checked.existing = (
            "contact_phone",
            _("该联系电话已登记：%(name)s", name=found.phones[row["contact_phone"]]),
        )
    return checked
