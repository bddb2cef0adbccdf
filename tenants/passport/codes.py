"""The passport's code (护照二维码): a signed (street, passport) pair, and who it belongs to.

Staff scan it with the events engine's scanner to check a volunteer in; the engine asks whose a
code is through :data:`~tenants.events.signals.resolve_scanned_code`, and
:mod:`tenants.passport.receivers` answers with :func:`passport_holder`.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.errors import ServiceError
from saas.forms import MAX_ID
from saas.tenancy import current_tenant_id
from tenants.passport.models import Passport

#: a passport number typed by hand: the street's prefix and a sequence (DEMO-000123)
PASSPORT_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,15}-[0-9]{1,10}")
#: longer than any code we sign
MAX_TOKEN = 400


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="passport")


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def passport_token(tenant_id: int, passport_id: int) -> str:
    """What a volunteer's passport QR encodes: a signed (street, passport) pair, no expiry."""
    return _serializer().dumps([tenant_id, passport_id])


def read_passport_token(token: str) -> tuple[int, int] | None:
    """``(tenant_id, passport_id)`` from a genuine passport code, or None (forged, garbage)."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
        return None
    try:
        payload = _serializer().loads(token)
    except Exception:  # BadData, or a decoding error on garbage
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and all(map(_is_id, payload))):
        return None
    return payload[0], payload[1]


def passport_holder(session: Session, code: str) -> User | None:
    """The volunteer whose passport QR (or typed passport number) ``code`` is; None if ``code``
    is not a passport's at all.

    :raise ServiceError: another street's passport, an unknown passport, or a disabled account.
    """
    parsed = read_passport_token(code)
    if parsed is not None:
        tenant_id, passport_id = parsed
        if tenant_id != current_tenant_id():
            raise ServiceError(_("不是本街道的志愿护照"))
        passport = session.scalar(select(Passport).where(Passport.id == passport_id))
    elif PASSPORT_NUMBER.fullmatch(code.upper()):
        passport = session.scalar(select(Passport).where(Passport.number == code.upper()))
    else:
        return None
    if passport is None:
        raise ServiceError(_("找不到该志愿护照"))
    user = session.scalar(select(User).where(User.id == passport.user_id))
    if user is None or not user.is_enabled:
        raise ServiceError(_("该志愿者账号已停用"))
    return user
