"""SMS codes that prove a volunteer's phone is theirs before /<slug>/join makes the account.

A street turns this on in its settings (``settings["join_sms_verification"]``; off when absent, so
a street that never chose keeps the join form it had). The codes, their limits and their storage
are ``saas.auth.codes``'s, shared with the forgotten-password page; this module is join's use of
them.

Sending answers the same whether the number is registered or not (it does not even look): the
account check comes only at registration, after the code proved the phone.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth import codes as sms_codes
from saas.auth.codes import CODE_DIGITS, LIFETIME, MAX_TRIES, RESEND_AFTER, CodeRefused, CodeSent
from saas.auth.models import Role, User
from saas.errors import Forbidden
from saas.streets.cache import fresh_for_update
from saas.streets.models import Tenant

__all__ = [
    "CODE_DIGITS",
    "LIFETIME",
    "MAX_TRIES",
    "RESEND_AFTER",
    "SESSION_KEY",
    "SETTING",
    "CodeRefused",
    "CodeSent",
    "check_code",
    "join_needs_sms",
    "pending_phone",
    "resend_wait",
    "send_code",
    "set_join_sms",
    "use_code",
]

#: the street's switch in ``tenants.settings``
SETTING = "join_sms_verification"


def _text(code: str) -> tuple[str, str]:
    return (
        _("志愿者注册验证码"),
        _("验证码 %(code)s，10 分钟内有效。如非本人操作，请忽略本短信。", code=code),
    )


JOIN = sms_codes.Purpose("join", _text)
#: where the pending code sits in the visitor's session
SESSION_KEY = JOIN.session_key


def join_needs_sms(tenant: Tenant) -> bool:
    """Whether the street asks volunteers who join to prove their phone with an SMS code."""
    return bool((tenant.settings or {}).get(SETTING, False))


def set_join_sms(session: Session, actor: User, tenant: Tenant, on: bool) -> bool:
    """Turn the street's SMS check at /join on or off; audit-logged. True if it changed.

    :raise Forbidden: the actor is not the street's admin
    """
    if actor.role != Role.admin:
        raise Forbidden(_("只有街道管理员可以修改设置"))
    on = bool(on)
    if join_needs_sms(tenant) == on:
        return False
    fresh_for_update(session, tenant)  # not a cached copy: another setting may just have changed
    if join_needs_sms(tenant) == on:
        return False
    tenant.settings = {**(tenant.settings or {}), SETTING: on}  # a new dict: the column sees it
    session.flush()
    record(session, "settings.change", actor.id, "tenant", {SETTING: on})
    return True


def send_code(
    codes: MutableMapping, tenant: Tenant, raw_phone: str | None, address: str
) -> CodeSent:
    """Text a join code to the phone (see ``saas.auth.codes.send_code``)."""
    return sms_codes.send_code(JOIN, codes, tenant, raw_phone, address)


def resend_wait(phone: str) -> int:
    return sms_codes.resend_wait(JOIN, phone)


def pending_phone(codes: MutableMapping, tenant: Tenant) -> str | None:
    return sms_codes.pending_phone(JOIN, codes, tenant)


def check_code(
    codes: MutableMapping | None, tenant: Tenant, phone: str, raw_code: str | None
) -> None:
    """:raise ServiceError: not the live join code for ``phone`` (see ``saas.auth.codes``)."""
    sms_codes.check_code(JOIN, codes, tenant, phone, raw_code)


def use_code(codes: MutableMapping | None) -> None:
    """The account is made: the code is spent."""
    sms_codes.use_code(JOIN, codes)
