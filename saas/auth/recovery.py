"""A forgotten password: an SMS code to the account's phone, then a new password.

The answer to "send me a code" is the same whether the street has an account with that phone or
not (no account enumeration): the limits count and a pending code is kept either way, but only a
real, enabled account's phone is texted. The code machinery, its limits and its uniform answers
are join's (``saas.auth.codes``), under their own purpose, so join codes and reset codes never
stand in for each other.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth import codes as sms_codes
from saas.auth.models import User, new_auth_token
from saas.auth.passwords import hash_password
from saas.auth.services import check_password_pair, clean_phone
from saas.db import utcnow
from saas.errors import ServiceError
from saas.streets.models import Tenant


def _text(code: str) -> tuple[str, str]:
    return (
        _("重置密码验证码"),
        _(
            "您正在重置登录密码，验证码 %(code)s，10 分钟内有效。请勿告诉他人；"
            "如非本人操作，请忽略本短信。",
            code=code,
        ),
    )


#: the same limits as join's codes (``JOIN_CODES_PER_PHONE`` / ``_PER_ADDRESS``), counted apart
RESET = sms_codes.Purpose("reset", _text)


def reset_phone(raw: str | None) -> str:
    """The typed phone as the account stores it (full-width digits folded: saas.text)."""
    return clean_phone(raw)


def _account(session: Session, phone: str) -> User | None:
    """The enabled account with this phone in the current street, or None."""
    user = session.scalar(select(User).where(User.phone == phone))
    return user if user is not None and user.is_enabled else None


def send_reset_code(
    session: Session, tenant: Tenant, codes: MutableMapping, raw_phone: str | None, address: str
) -> sms_codes.CodeSent:
    """Text a reset code to the phone if an enabled account of this street has it.

    The answer, the limits and the time taken are the same for any well-formed number.

    :raise ServiceError: not a mainland mobile number (field ``phone``)
    :raise CodeRefused: too soon, too many this hour, or the SMS gateway failed
    """
    phone = reset_phone(raw_phone)
    deliver = _account(session, phone) is not None
    return sms_codes.send_code(RESET, codes, tenant, phone, address, deliver=deliver)


def reset_password(
    session: Session,
    tenant: Tenant,
    codes: MutableMapping | None,
    *,
    phone: str | None,
    code: str | None,
    password: str,
    password_confirm: str,
) -> User:
    """Set a new password for the account whose phone the code was sent to.

    The new password is checked against the policy first (so a good code is not tried on a form
    that would be refused anyway), then the code. Every session of the account ends (a new
    ``auth_token``); the code is spent; the change is audit-logged.

    :raise ServiceError: with the form field it belongs to
    """
    phone = reset_phone(phone)
    check_password_pair(password, password_confirm)
    sms_codes.check_code(RESET, codes, tenant, phone, code)
    user = _account(session, phone)
    if user is None:
        # only when the account was disabled (or its phone changed) after the code was sent: a
        # phone with no account was never texted, and its pending code matches nothing
        sms_codes.use_code(RESET, codes)
        raise ServiceError(_("验证码已失效，请重新获取"), "code")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.auth_token = new_auth_token()
    record(session, "password.reset", user.id, f"user:{user.id}", {"via": "sms"})
    session.flush()
    sms_codes.use_code(RESET, codes)
    return user
