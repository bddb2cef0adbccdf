"""SMS codes that prove a phone is the visitor's: sent, checked once, spent.

One machinery for every use: a volunteer joining a street (``tenants.people.verification``) and a
forgotten password (``saas.auth.recovery``). Each use is a :class:`Purpose`: its name keeps the
pending code, the counters and the HMAC apart, so a code sent to join cannot reset a password,
and sends for one use do not use up the other's.

The code itself is never stored: the visitor's signed session keeps its HMAC (keyed with the
app's secret, so the cookie's reader cannot try the million codes offline) with the street, the
phone, a random nonce and the expiry. What a replayed or discarded cookie could reset lives in the
rate limiter's storage (Redis when configured, shared by every worker): the wrong tries of each
code (by its nonce), the 60-second gap between sends to a phone, and the hourly sends per phone in
a street (twice that over every street) and per address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from limits import RateLimitItem, parse

from saas.auth.phone import mask_phone
from saas.auth.services import clean_phone
from saas.errors import ServiceError
from saas.extensions import limiter
from saas.notify.senders import sms_sender
from saas.streets.models import Tenant
from saas.text import fold, other_digits

log = logging.getLogger(__name__)

#: how long a code is good for, and how soon the same phone may be sent another (seconds)
LIFETIME = 10 * 60
RESEND_AFTER = 60
#: wrong tries a code survives; the next needs a new code
MAX_TRIES = 5
CODE_DIGITS = 6
#: sends per phone in one street (twice that over every street together) and per address
DEFAULT_PER_PHONE = "5 per hour"
DEFAULT_PER_ADDRESS = "20 per hour"


@dataclass(frozen=True)
class Purpose:
    """What a code is for."""

    #: ``join``, ``reset``: names the session key, the counters and the HMAC's domain
    name: str
    #: the SMS for a code: (subject, body), in fixed words only — a street's name is whatever its
    #: sign-up typed, and must not become a text the platform sends to strangers
    text: Callable[[str], tuple[str, str]]
    #: the settings holding the hourly sends per phone and per address
    per_phone_setting: str = "JOIN_CODES_PER_PHONE"
    per_address_setting: str = "JOIN_CODES_PER_ADDRESS"

    @property
    def session_key(self) -> str:
        return f"{self.name}_code"

    def counter(self, what: str) -> str:
        return f"{self.name}-code-{what}"


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


def resend_wait(purpose: Purpose, phone: str) -> int:
    """Seconds until ``phone`` may be sent another code for ``purpose`` (0: now)."""
    item = _resend_item()
    if limiter.limiter.test(item, purpose.counter("resend"), phone):
        return 0
    return min(RESEND_AFTER, _seconds_until(item, purpose.counter("resend"), phone))


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


def _digest(purpose: Purpose, tenant_id: int, phone: str, nonce: str, code: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    message = f"{purpose.name}-code|{tenant_id}|{phone}|{nonce}|{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def send_code(
    purpose: Purpose,
    codes: MutableMapping,
    tenant: Tenant,
    raw_phone: str | None,
    address: str,
    deliver: bool = True,
) -> CodeSent:
    """Text a new 6-digit code to the phone and keep its HMAC in ``codes`` (the visitor's session).

    A new code replaces the visitor's earlier one for the same purpose.

    :param codes: the visitor's session (or any mapping that travels with the visitor)
    :param address: the visitor's network address, for the per-address limit
    :param deliver: False when the phone must not be texted (no account to reset): everything
        else happens as for a real send — the limits count, the session holds a pending code,
        the answer is the same — but no SMS leaves and no code can ever match
    :raise ServiceError: not a mainland mobile number (field ``phone``)
    :raise CodeRefused: too soon after the last code to this phone, too many this hour from the
        phone or the address, or the SMS gateway failed
    """
    phone = clean_phone(raw_phone)
    strategy = limiter.limiter
    per_phone = _limit(purpose.per_phone_setting, DEFAULT_PER_PHONE)
    per_address = _limit(purpose.per_address_setting, DEFAULT_PER_ADDRESS)
    if not strategy.test(per_address, purpose.counter("address"), address):
        raise CodeRefused(_("获取验证码过于频繁，请稍后再试"))
    # one atomic hit each: twenty requests sent at once still get one code per minute
    if not strategy.hit(_resend_item(), purpose.counter("resend"), phone):
        wait = resend_wait(purpose, phone)
        raise CodeRefused(_("请 %(n)d 秒后再重新获取", n=wait), wait=wait)
    # per street, so another street cannot use up this one's sends to the phone; and a cap over
    # every street, so opening streets does not multiply what one phone can be sent
    # (tested, then counted: the resend gap above lets one request a minute per phone this far)
    hourly = (
        (per_phone, purpose.counter("phone"), f"{tenant.id}:{phone}"),
        (_all_streets_item(per_phone), purpose.counter("phone-all"), phone),
    )
    for item, key, identifier in hourly:
        if not strategy.test(item, key, identifier):
            strategy.clear(_resend_item(), purpose.counter("resend"), phone)  # no gap held
            minutes = math.ceil(_seconds_until(item, key, identifier) / 60)
            raise CodeRefused(_("该手机号获取验证码次数过多，请 %(n)d 分钟后再试", n=minutes))
    for item, key, identifier in hourly:
        strategy.hit(item, key, identifier)
    strategy.hit(per_address, purpose.counter("address"), address)

    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    nonce = secrets.token_urlsafe(16)
    if deliver:
        digest = _digest(purpose, tenant.id, phone, nonce, code)
        subject, body = purpose.text(code)
        try:
            sms_sender().send(f"{purpose.name}-code-{nonce}", phone, subject, body)
        except Exception:  # whatever the gateway raised: the visitor may try again at once
            log.exception(
                "%s code: the SMS to %s could not be sent", purpose.name, mask_phone(phone)
            )
            strategy.clear(_resend_item(), purpose.counter("resend"), phone)
            raise CodeRefused(_("短信发送失败，请稍后再试")) from None
    else:
        # not an HMAC of anything: no code typed can match it
        digest = secrets.token_hex(32)
    codes[purpose.session_key] = {
        "t": tenant.id,
        "p": phone,
        "n": nonce,
        "h": digest,
        "e": int(time.time()) + LIFETIME,
    }
    return CodeSent(mask_phone(phone), RESEND_AFTER)


def pending_phone(purpose: Purpose, codes: MutableMapping, tenant: Tenant) -> str | None:
    """The phone the visitor's live code was sent to in this street, if any."""
    pending = codes.get(purpose.session_key)
    if not isinstance(pending, dict) or pending.get("t") != tenant.id:
        return None
    if not isinstance(pending.get("e"), int) or pending["e"] <= time.time():
        return None
    phone = pending.get("p")
    return phone if isinstance(phone, str) else None


# --- checking ---------------------------------------------------------------------------------


def clean_code(raw: str | None) -> str:
    """The 6 ASCII digits typed, spaces dropped.

    NFKC first: full-width digits from a Chinese keyboard are digits too; then ASCII only, since
    ``isdigit`` alone also passes other scripts' digits.
    """
    code = "".join(fold(raw).split())
    if not code:
        raise ServiceError(_("请填写短信验证码"), "code")
    if len(code) != CODE_DIGITS or not (code.isascii() and code.isdigit()):
        raise ServiceError(other_digits(code) or _("验证码为 6 位数字"), "code")
    return code


def check_code(
    purpose: Purpose,
    codes: MutableMapping | None,
    tenant: Tenant,
    phone: str,
    raw_code: str | None,
) -> None:
    """Refuse unless ``raw_code`` is the live code sent to ``phone`` for this street and purpose.

    Each try is counted before it is checked, in the limiter's storage under the code's nonce
    (a replayed cookie cannot reset it); after ``MAX_TRIES`` the code is dropped.

    :raise ServiceError: (field ``code``) missing, malformed, not asked for, for another phone,
        expired, wrong, or tried too often
    """
    code = clean_code(raw_code)
    key = purpose.session_key
    pending = codes.get(key) if codes is not None else None
    if not isinstance(pending, dict) or pending.get("t") != tenant.id:
        raise ServiceError(_("请先获取短信验证码"), "code")
    if pending.get("p") != phone:
        raise ServiceError(_("手机号与接收验证码的号码不一致，请重新获取"), "code")
    nonce, digest, expires = pending.get("n"), pending.get("h"), pending.get("e")
    if not (isinstance(nonce, str) and isinstance(digest, str) and isinstance(expires, int)):
        codes.pop(key, None)
        raise ServiceError(_("请先获取短信验证码"), "code")
    if expires <= time.time():
        codes.pop(key, None)
        raise ServiceError(_("验证码已过期，请重新获取"), "code")
    tries = _tries_item()
    if not limiter.limiter.hit(tries, purpose.counter("try"), nonce):
        codes.pop(key, None)
        raise ServiceError(_("验证码错误次数过多，请重新获取"), "code")
    if hmac.compare_digest(digest, _digest(purpose, tenant.id, phone, nonce, code)):
        return
    left = limiter.limiter.get_window_stats(tries, purpose.counter("try"), nonce).remaining
    if left <= 0:
        codes.pop(key, None)
        raise ServiceError(_("验证码错误次数过多，请重新获取"), "code")
    raise ServiceError(_("验证码不正确，还可再试 %(n)d 次", n=left), "code")


def use_code(purpose: Purpose, codes: MutableMapping | None) -> None:
    """The code did its job: it is spent (and worthless in a copy of the old cookie)."""
    pending = codes.pop(purpose.session_key, None) if codes is not None else None
    if isinstance(pending, dict) and isinstance(pending.get("n"), str):
        limiter.limiter.hit(_tries_item(), purpose.counter("try"), pending["n"], cost=MAX_TRIES)
