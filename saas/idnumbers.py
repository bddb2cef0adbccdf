"""Resident ID numbers (居民身份证号): checked with python-stdnum, never stored as typed.

A module that needs to know a person's ID number keeps two things: :func:`id_number_hash`, an
HMAC-SHA256 of the normalised number keyed by a key derived from the app's ``SECRET_KEY`` for
the module's own ``purpose`` and mixed with the street's id (the same person's rows in two
streets, or in two registries, do not match), enough to find the same number entered twice; and
:func:`mask_id_number`, "3401**********1234", to show. The winter relief registry and the
volunteers' service records use it, each with its own purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app
from flask_babel import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from saas.errors import ServiceError
from saas.text import fold, other_digits
from saas.ui import street_today


def clean_id_number(raw: str | None, field: str = "id_number") -> str | None:
    """The 18-character ID number as typed, normalised (full-width digits and letters folded,
    spaces dropped, a lower-case x upper-cased), or None when nothing was typed.

    :raise ServiceError: on ``field``: wrong length, letters, a bad check digit, a birth date
        that does not exist or is in the future, an unknown region code
    """
    text = re.sub(r"\s+", "", fold(raw or "")).upper()
    if not text:
        return None
    if other_digits(text):
        raise ServiceError(other_digits(text), field)
    if len(text) != 18:
        raise ServiceError(_("身份证号应为 18 位"), field)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", text):
        raise ServiceError(_("身份证号只能由数字和末位的 X 组成"), field)
    try:
        number = ric.validate(text)
    except InvalidChecksum as exc:
        raise ServiceError(_("身份证号校验位不正确，请核对后重新填写"), field) from exc
    except InvalidComponent as exc:
        try:
            ric.get_birth_date(text)
        except InvalidComponent:
            raise ServiceError(_("身份证号中的出生日期不存在"), field) from exc
        raise ServiceError(_("身份证号前 6 位的地区码不正确"), field) from exc
    except ValidationError as exc:
        raise ServiceError(_("身份证号只能由数字和末位的 X 组成"), field) from exc
    if ric.get_birth_date(number) > street_today():
        raise ServiceError(_("身份证号中的出生日期晚于今天"), field)
    return number


def _key(purpose: bytes) -> bytes:
    """HMAC-SHA256(SECRET_KEY, purpose): a key for this purpose only (the secret key itself also
    signs sessions)."""
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, purpose, hashlib.sha256).digest()


def id_number_hash(purpose: bytes, tenant_id: int, number: str) -> str:
    """The keyed hash a normalised ID number is kept as (64 hex characters)."""
    message = f"{tenant_id}|{number}".encode()
    return hmac.new(_key(purpose), message, hashlib.sha256).hexdigest()


def mask_id_number(number: str) -> str:
    """ "340104199003071234" → "3401**********1234"."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
