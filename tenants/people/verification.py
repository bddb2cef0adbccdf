"""SMS codes that prove a volunteer's phone is theirs before /<slug>/join makes the account.

A street turns this on in its settings (``settings["join_sms_verification"]``; off when absent, so
a street that never chose keeps the join form it had). The code itself is never stored: the
visitor's signed session keeps its HMAC (keyed with the app's secret, so the cookie's reader cannot
try the million codes offline) with the street, the phone, a random nonce and the expiry. What a
replayed or discarded cookie could reset lives in the rate limiter's storage (Redis when
configured, shared by every worker): the wrong tries of each code (by its nonce), the 60-second gap
between sends to a phone, and the hourly sends per phone in a street (twice that over every
street) and per address.

Sending answers the same whether the number is registered or not (it does not even look): the
account check comes only at registration, after the code proved the phone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
import time
from collections.abc import MutableMapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from limits import RateLimitItem, parse
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.auth.phone import mask_phone
from saas.auth.services import clean_phone
from saas.errors import Forbidden, ServiceError
from saas.extensions import limiter
from saas.notify.senders import sms_sender
from saas.streets.cache import fresh_for_update
from saas.streets.models import Tenant
from saas.text import fold, other_digits

log = logging.getLogger(__name__)

#: the street's switch in ``tenants.settings``
SETTING = "join_sms_verification"
#: where the pending code sits in the visitor's session
SESSION_KEY = "join_code"
#: how long a code is good for, and how soon the same phone may be sent another (seconds)
LIFETIME = 10 * 60
RESEND_AFTER = 60
#: wrong tries a code survives; the next needs a new code
MAX_TRIES = 5
CODE_DIGITS = 6
#: sends per phone in one street (twice that over every street together) and per address
DEFAULT_PER_PHONE = "5 per hour"
DEFAULT_PER_ADDRESS = "20 per hour"

_CODE_SHAPE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")


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


# --- the limits, in the rate limiter's storage -------------------------------------------------


def _limit(setting: str, default: str) -> RateLimitItem:
    return parse(current_app.config.get(setting) or default)


def _all_streets_item(per_street: RateLimitItem) -> RateLimitItem:
    """Sends to one phone from every street together: twice what one street may send."""
    return type(per_street)(per_street.amount * 2, per_street.multiples, per_street.namespace)


def _resend_item() -> RateLimitItem:
    return parse(f"1 per {RESEND_AFTER} seconds")


def _tries_item() -> RateLimitItem:
    return parse(f"{MAX_TRIES} per {LIFETIME} seconds")


def _seconds_until(item: RateLimitItem, *identifiers: str) -> int:
    reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def resend_wait(phone: str) -> int:
    """Seconds until ``phone`` may be sent another code (0: now)."""
    item = _resend_item()
    if limiter.limiter.test(item, "join-code-resend", phone):
        return 0
    return min(RESEND_AFTER, _seconds_until(item, "join-code-resend", phone))


# --- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeSent:
    #: 138****1234: where it went, as the page may show it
    masked_phone: str
    #: seconds before another may be asked for
    resend_after: int


class CodeRefused(ServiceError):
    """No code was sent; ``wait`` is how many seconds the page should keep the button off."""

    def __init__(self, message: str, field: str | None = "code", wait: int = 0):
        super().__init__(message, field)
        self.wait = wait


def _digest(tenant_id: int, phone: str, nonce: str, code: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    message = f"join-code|{tenant_id}|{phone}|{nonce}|{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def send_code(
    codes: MutableMapping, tenant: Tenant, raw_phone: str | None, address: str
) -> CodeSent:
    """Text a new 6-digit code to the phone and keep its HMAC in ``codes`` (the visitor's session).

    The answer is the same for a registered and an unregistered number. A new code replaces the
    visitor's earlier one.

    :param codes: the visitor's session (or any mapping that travels with the visitor)
    :param address: the visitor's network address, for the per-address limit
    :raise ServiceError: not a mainland mobile number (field ``phone``)
    :raise CodeRefused: too soon after the last code to this phone, too many this hour from the
        phone or the address, or the SMS gateway failed
    """
    phone = clean_phone(raw_phone)
    strategy = limiter.limiter
    per_phone = _limit("JOIN_CODES_PER_PHONE", DEFAULT_PER_PHONE)
    per_address = _limit("JOIN_CODES_PER_ADDRESS", DEFAULT_PER_ADDRESS)
    if not strategy.test(per_address, "join-code-address", address):
        raise CodeRefused(_("获取验证码过于频繁，请稍后再试"))
    # one atomic hit each: twenty requests sent at once still get one code per minute
    if not strategy.hit(_resend_item(), "join-code-resend", phone):
        wait = resend_wait(phone)
        raise CodeRefused(_("请 %(n)d 秒后再重新获取", n=wait), wait=wait)
    # per street, so another street cannot use up this one's sends to the phone; and a cap over
    # every street, so opening streets does not multiply what one phone can be sent
    # (tested, then counted: the resend gap above lets one request a minute per phone this far)
    hourly = (
        (per_phone, "join-code-phone", f"{tenant.id}:{phone}"),
        (_all_streets_item(per_phone), "join-code-phone-all", phone),
    )
    for item, key, identifier in hourly:
        if not strategy.test(item, key, identifier):
            strategy.clear(_resend_item(), "join-code-resend", phone)  # a refusal holds no gap
            minutes = math.ceil(_seconds_until(item, key, identifier) / 60)
            raise CodeRefused(_("该手机号获取验证码次数过多，请 %(n)d 分钟后再试", n=minutes))
    for item, key, identifier in hourly:
        strategy.hit(item, key, identifier)
    strategy.hit(per_address, "join-code-address", address)

    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    nonce = secrets.token_urlsafe(16)
    try:
        sms_sender().send(
            f"join-code-{nonce}",
            phone,
            # fixed words only: a street's name is whatever its sign-up typed, and must not
            # become a text the platform sends to strangers
            _("志愿者注册验证码"),
            _("验证码 %(code)s，10 分钟内有效。如非本人操作，请忽略本短信。", code=code),
        )
    except Exception:  # whatever the gateway raised: the visitor may try again at once
        log.exception("join code: the SMS to %s could not be sent", mask_phone(phone))
        strategy.clear(_resend_item(), "join-code-resend", phone)
        raise CodeRefused(_("短信发送失败，请稍后再试")) from None
    codes[SESSION_KEY] = {
        "t": tenant.id,
        "p": phone,
        "n": nonce,
        "h": _digest(tenant.id, phone, nonce, code),
        "e": int(time.time()) + LIFETIME,
    }
    return CodeSent(mask_phone(phone), RESEND_AFTER)


def pending_phone(codes: MutableMapping, tenant: Tenant) -> str | None:
    """The phone the visitor's live code was sent to in this street, if any."""
    pending = codes.get(SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("t") != tenant.id:
        return None
    if not isinstance(pending.get("e"), int) or pending["e"] <= time.time():
        return None
    phone = pending.get("p")
    return phone if isinstance(phone, str) else None


# --- checking ---------------------------------------------------------------------------------


def _clean_code(raw: str | None) -> str:
    # NFKC: full-width digits from a Chinese keyboard are digits too
    code = "".join(fold(raw).split())
    if not code:
        raise ServiceError(_("请填写短信验证码"), "code")
    if not _CODE_SHAPE.fullmatch(code):
        raise ServiceError(other_digits(code) or _("验证码为 6 位数字"), "code")
    return code


def check_code(
    codes: MutableMapping | None, tenant: Tenant, phone: str, raw_code: str | None
) -> None:
    """Refuse unless ``raw_code`` is the live code sent to ``phone`` for this street.

    Each try is counted before it is checked, in the limiter's storage under the code's nonce
    (a replayed cookie cannot reset it); after ``MAX_TRIES`` the code is dropped.

    :raise ServiceError: (field ``code``) missing, malformed, not asked for, for another phone,
        expired, wrong, or tried too often
    """
    code = _clean_code(raw_code)
    pending = codes.get(SESSION_KEY) if codes is not None else None
    if not isinstance(pending, dict) or pending.get("t") != tenant.id:
        raise ServiceError(_("请先获取短信验证码"), "code")
    if pending.get("p") != phone:
        raise ServiceError(_("手机号与接收验证码的号码不一致，请重新获取"), "code")
    nonce, digest, expires = pending.get("n"), pending.get("h"), pending.get("e")
    if not (isinstance(nonce, str) and isinstance(digest, str) and isinstance(expires, int)):
        codes.pop(SESSION_KEY, None)
        raise ServiceError(_("请先获取短信验证码"), "code")
    if expires <= time.time():
        codes.pop(SESSION_KEY, None)
        raise ServiceError(_("验证码已过期，请重新获取"), "code")
    tries = _tries_item()
    if not limiter.limiter.hit(tries, "join-code-try", nonce):
        codes.pop(SESSION_KEY, None)
        raise ServiceError(_("验证码错误次数过多，请重新获取"), "code")
    if hmac.compare_digest(digest, _digest(tenant.id, phone, nonce, code)):
        return
    left = limiter.limiter.get_window_stats(tries, "join-code-try", nonce).remaining
    if left <= 0:
        codes.pop(SESSION_KEY, None)
        raise ServiceError(_("验证码错误次数过多，请重新获取"), "code")
    raise ServiceError(_("验证码不正确，还可再试 %(n)d 次", n=left), "code")


def use_code(codes: MutableMapping | None) -> None:
    """The account is made: the code is spent (and worthless in a copy of the old cookie)."""
    pending = codes.pop(SESSION_KEY, None) if codes is not None else None
    if isinstance(pending, dict) and isinstance(pending.get("n"), str):
        limiter.limiter.hit(_tries_item(), "join-code-try", pending["n"], cost=MAX_TRIES)
