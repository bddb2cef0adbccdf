"""What the modules built on organisation records share: the organisation an account acts for,
tags as people type them, and the unified social credit code (统一社会信用代码)."""

from __future__ import annotations

import re

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select, true
from sqlalchemy.orm import Session
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from saas.auth.models import Role, User
from saas.errors import ServiceError
from saas.text import fold
from tenants.orgs.models import OrgAccount, Organisation

#: tags on one record, and the longest tag
TAGS_MAX, TAG_MAX = 10, 12
_TAG_SPLIT = re.compile(r"[、,，;；/\s]+")


def organisation_of(session: Session, user: User) -> Organisation | None:
    """The organisation an org account acts for; None for other accounts and unlinked ones."""
    if user.role != Role.org:
        return None
    return session.scalar(
        select(Organisation)
        .join(OrgAccount, OrgAccount.organisation_id == Organisation.id)
        .where(OrgAccount.user_id == user.id)
    )


def organisation_of_kind(session: Session, user: User, kind: str) -> Organisation | None:
    """The organisation of ``kind`` an org account acts for (None for another kind, an unlinked
    account, anyone else), read once per request: the menu's entries, the home's choice and the
    page itself all ask, and every module built on these records asks the same lookup."""
    organisation = acting_organisation(session, user)
    return organisation if organisation is not None and organisation.kind == kind else None


def acting_organisation(session: Session, user: User) -> Organisation | None:
    """:func:`organisation_of`, read once per request."""
    if getattr(user, "role", None) != Role.org:
        return None
    cache = g.setdefault("_organisation_of", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = organisation_of(session, user)
    return cache[user.id]


def clean_tags(raw: str | None, field: str = "tags") -> str:
    """Tags as typed ("政策宣讲, 医疗义诊；法律咨询") → "政策宣讲、医疗义诊、法律咨询": split on
    any usual separator, blanks and repeats dropped, order kept.

    :raise ServiceError: more than ``TAGS_MAX`` tags, or one longer than ``TAG_MAX``
    """
    tags: list[str] = []
    for tag in _TAG_SPLIT.split(raw or ""):
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise ServiceError(_("标签最多 %(n)d 个", n=TAGS_MAX), field)
    if any(len(tag) > TAG_MAX for tag in tags):
        raise ServiceError(_("每个标签不超过 %(n)d 个字", n=TAG_MAX), field)
    return "、".join(tags)


def tag_set(tags: str) -> set[str]:
    return {tag for tag in tags.split("、") if tag}


def clean_credit_code(raw: str | None, field: str = "credit_code") -> str | None:
    """A unified social credit code in upper case (python-stdnum's ``cn.uscc``, check character
    included), None when none was given. Full-width characters, blanks and dashes are dropped.

    :raise ServiceError: not 18 characters with the right check character
    """
    code = re.sub(r"[\s-]+", "", fold(raw)).upper()
    if not code:
        return None
    try:
        return uscc.validate(code)
    except ValidationError as exc:
        raise ServiceError(
            _("统一社会信用代码不正确：应为 18 位数字或大写字母，末位为校验码"), field
        ) from exc


def check_unique(
    session: Session,
    kind: str,
    name: str,
    credit_code: str | None,
    organisation_id: int | None,
    duplicate_name: str,
) -> None:
    """Before saving an organisation record: its name is its kind's alone, its credit code the
    street's (the unique keys say the same when two saves race).

    :raise ServiceError: another organisation of ``kind`` has the name (``duplicate_name`` is
        the message), or another organisation of the street has the credit code
    """
    others = Organisation.id != organisation_id if organisation_id else true()
    taken = session.scalar(
        select(Organisation.id).where(Organisation.kind == kind, Organisation.name == name, others)
    )
    if taken is not None:
        raise ServiceError(duplicate_name, "name")
    if credit_code:
        holder = session.scalar(
            select(Organisation.name).where(Organisation.credit_code == credit_code, others)
        )
        if holder is not None:
            raise ServiceError(
                _("该统一社会信用代码已登记为“%(name)s”", name=holder), "credit_code"
            )
