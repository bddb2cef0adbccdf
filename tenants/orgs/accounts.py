"""Accounts made for an organisation's contact (单位账号 / 商户账号), by the street office.

The party alliance invites its units' contacts and the merchant alliance its merchants' the same
way: one ``org`` account per phone, linked (OrgAccount) to the organisation, told by SMS where to
log in. Who may invite, and what the audit log says, is each module's own rule; the account
itself is made here, once.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.phone import normalise_phone
from saas.auth.services import clean_name, create_user
from saas.errors import ServiceError
from saas.notify.services import notify
from saas.streets.models import Tenant
from tenants.orgs.models import OrgAccount, Organisation


def invite_contact(
    session: Session,
    actor: User,
    tenant: Tenant,
    organisation: Organisation,
    *,
    phone: str,
    name: str,
    notification_kind: str,
) -> User:
    """Give ``organisation``'s contact an ``org`` account acting for it, and tell them by SMS
    (a notification of ``notification_kind``) where to log in. The caller checks that ``actor``
    may, and writes its own audit line.

    The account gets a random password nobody knows, as an account made for someone else
    should: the contact sets their own with the SMS code of 忘记密码 at ``/<slug>/login`` (the
    message says so). An unlinked org account with the phone is linked instead.

    :raise ServiceError: (field ``phone``) a malformed phone; the phone belongs to a volunteer or
        office account (never converted silently), or already acts for another organisation, or
        for this one
    """
    clean = normalise_phone(phone)
    if clean is None:
        raise ServiceError(_("请输入 11 位中国大陆手机号"), "phone")
    name = clean_name(name or organisation.contact_name)
    existing = session.scalar(select(User).where(User.phone == clean))
    if existing is not None and existing.role != Role.org:
        raise ServiceError(
            _("该手机号已注册为本街道的志愿者或工作人员账号，不能直接改为单位账号；请换一个手机号"),
            "phone",
        )
    if existing is not None:
        linked = session.scalar(
            select(Organisation)
            .join(OrgAccount, OrgAccount.organisation_id == Organisation.id)
            .where(OrgAccount.user_id == existing.id)
        )
        if linked is not None and linked.id == organisation.id:
            raise ServiceError(_("该手机号已是本单位的账号"), "phone")
        if linked is not None:
            raise ServiceError(
                _("该手机号已是其他单位（%(name)s）的账号", name=linked.name), "phone"
            )
        user = existing
    else:
        user = create_user(
            session,
            phone=clean,
            name=name,
            password=secrets.token_urlsafe(24),
            role=Role.org,
            actor=actor,
        )
    session.add(OrgAccount(user_id=user.id, organisation_id=organisation.id))
    try:
        session.flush()
    except IntegrityError as exc:  # linked by someone else at this moment
        session.rollback()
        raise ServiceError(_("该手机号已是其他单位的账号"), "phone") from exc
    login = f"/{tenant.slug}/login"
    notify(
        session,
        user,
        notification_kind,
        _l("%(street)s邀请您使用%(unit)s的单位账号", street=tenant.name, unit=organisation.name),
        _l(
            "请打开 %(login)s ，用本手机号登录；首次登录请点“忘记密码”，"
            "用短信验证码设置您自己的密码。",
            login=login,
        ),
        link=login,
    )
    return user
