"""Volunteers from a spreadsheet (志愿者导入): what the join page gives, for a whole register.

Each row becomes a volunteer's account in their community, with a passport numbered as the
passport module numbers them. The account has no usable password: the volunteer sets one with
the 忘记密码 page's SMS code (hashing 100,000 passwords would take an hour, and a password on paper
is no secret). The phone is the account's key: a phone registered already is an existing record
(skipped or refused, as the admin chose), a phone twice in the file is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.counters import take_values
from saas.db import new_id, utcnow
from saas.imports.spec import (
    Checked,
    Column,
    Importer,
    cell_text,
    insert_many,
    read_name,
    read_phone,
    read_yes_no,
)
from saas.streets.models import Tenant
from saas.tenancy import current_tenant_id
from tenants.passport.models import Passport
from tenants.passport.services import passport_prefix
from tenants.structure.models import Community


@dataclass
class Lookups:
    communities: dict[str, int]
    phones: set[str]
    passport_prefix: str


def lookups(session: Session, actor: User) -> Lookups:
    """The street's communities by name and the phones registered, in two queries."""
    communities = dict(
        session.execute(
            select(Community.name, Community.id).where(Community.archived_at.is_(None))
        ).all()
    )
    phones = set(session.scalars(select(User.phone)))
    tenant = session.scalar(select(Tenant).where(Tenant.id == current_tenant_id()))
    return Lookups(communities, phones, passport_prefix(tenant))


def check(found: Lookups, row: dict) -> Checked:
    checked = Checked()
    if row["community"] not in found.communities:
        checked.errors.append(("community", _("本街道没有这个社区，请填写社区的全称")))
    if row["phone"] in found.phones:
        checked.existing = ("phone", _("该手机号已在本街道注册"))
    return checked


def insert_rows(session: Session, actor: User, found: Lookups, rows: list[dict]) -> int:
    """The accounts and their passports, two INSERTs of many rows each."""
    tenant_id = current_tenant_id()
    now = utcnow()
    users = []
    for row in rows:
        users.append(
            {
                "tenant_id": tenant_id,
                "id": new_id(),
                "phone": row["phone"],
                "name": row["name"],
                # no password yet: the volunteer sets one with an SMS code (忘记密码)
                "password_hash": "",
                "role": Role.volunteer,
                "is_party_member": row["party_member"],
                "community_id": found.communities[row["community"]],
                "created_at": now,
                "password_changed_at": now,
            }
        )
        found.phones.add(row["phone"])
    insert_many(session, User, users)
    first = take_values(session, "passport", len(users))
    insert_many(
        session,
        Passport,
        [
            {
                "tenant_id": tenant_id,
                "id": new_id(),
                "user_id": user["id"],
                "community_id": user["community_id"],
                "number": f"{found.passport_prefix}-{first + index:06d}",
                "balance": 0,
                "hours_total": 0,
                "hours_year": 0,
                "hours_year_of": now.year,
                "created_at": now,
            }
            for index, user in enumerate(users)
        ],
    )
    return len(users)


VOLUNTEERS = Importer(
    key="volunteers",
    label=_l("志愿者"),
    summary=_l(
        "每行一名志愿者：开通账号并发放志愿护照；志愿者用手机号在“忘记密码”页设置密码后登录。"
    ),
    columns=(
        Column(
            "name",
            _l("姓名"),
            True,
            read_name(50, _l("请填写姓名")),
            _l("张三"),
            _l("不超过 50 个字"),
        ),
        Column(
            "phone",
            _l("手机号"),
            True,
            read_phone,
            "13900000005",
            _l("11 位中国大陆手机号，不能与已注册的重复"),
        ),
        Column(
            "community",
            _l("所在社区"),
            True,
            cell_text,
            _l("示范社区"),
            _l("本街道社区的全称"),
        ),
        Column(
            "party_member",
            _l("是否党员"),
            False,
            read_yes_no,
            _l("否"),
            _l("以下之一：%(names)s；不填为否", names="是、否"),
        ),
    ),
    lookups=lookups,
    check=check,
    insert=insert_rows,
    list_endpoint="passport.passports",
    unique=("phone",),
)
