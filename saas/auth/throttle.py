"""Login throttling: enough to stop password guessing, too costly to use for locking someone out.

Counted in Flask-Limiter's storage (Redis when configured, so every web worker shares the count;
process memory while Redis is away, see saas.ratelimit), in three counters:

- per phone and address (``LOGIN_FAILURES_PER_PHONE_AND_ADDRESS``, 5 per 15 minutes): the strict
  one. Someone guessing from one place gets five tries, then waits.
- per phone alone (``LOGIN_FAILURES_PER_PHONE``, 50 per 15 minutes): the ceiling for a guesser
  spread over many addresses. When it was the only per-phone counter, at 5, anyone who knew the
  admin's phone could keep the admin locked out with five wrong tries every 15 minutes. Now a
  lock-out needs ten addresses at once, every 15 minutes, while the admin's own desk is refused
  only when the whole ceiling is spent. Fifty holds guessing to 4,800 tries a day on one account
  — against passwords of 8 characters or more and scrypt, and the per-address limit below still
  applies to each address — while a lower ceiling would make the lock-out cheap again.
- per address (``LOGIN_FAILURES_PER_ADDRESS``, 30 per 15 minutes): failures only, since many staff
  share one office NAT address; it stops one address trying many phones.

An IPv6 client is counted by its /64 network: one subscriber usually holds the whole /64, and
counting each address would give a guesser billions of fresh ones.

The per-phone counts are taken as a try starts, with one atomic hit each, so twenty requests sent
at once still get only five password checks. The right password clears the count of its own phone
and address; the phone-wide count is left alone, since someone else's guesses from elsewhere are
not forgiven by the owner logging in.

A signed-in account's change-password form (the current password can be guessed on a session
left open) has its own counter per account (``PASSWORD_CHECKS_PER_ACCOUNT``), so neither that form
nor the login can use up the other's tries.
"""

from __future__ import annotations

import ipaddress

from flask import current_app, request
from limits import RateLimitItem, parse

from saas.extensions import limiter


def _item(setting: str) -> RateLimitItem:
    return parse(current_app.config[setting])


def _address() -> str:
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def count_login_attempt(realm: str, phone: str | None) -> bool:
    """Count this try against the phone; False if it is over a limit (refuse it).

    :param realm: the street's id, or ``"platform"`` for the operators' login
    """
    counters = limiter.limiter
    address = _address()
    if not counters.test(_item("LOGIN_FAILURES_PER_ADDRESS"), "login-address", address):
        return False
    if not phone:
        return True
    pair = _item("LOGIN_FAILURES_PER_PHONE_AND_ADDRESS")
    if not counters.hit(pair, "login-phone-address", realm, phone, address):
        return False
    return counters.hit(_item("LOGIN_FAILURES_PER_PHONE"), "login-phone", realm, phone)


def login_failed(realm: str, phone: str | None) -> None:
    limiter.limiter.hit(_item("LOGIN_FAILURES_PER_ADDRESS"), "login-address", _address())


def login_succeeded(realm: str, phone: str | None) -> None:
    """The right password: this phone's earlier failures from this address no longer count."""
    if phone:
        pair = _item("LOGIN_FAILURES_PER_PHONE_AND_ADDRESS")
        limiter.limiter.clear(pair, "login-phone-address", realm, phone, _address())


def count_password_check(realm: str, account_id: int) -> bool:
    """Count a signed-in account's try at its current password; False if over the limit."""
    item = _item("PASSWORD_CHECKS_PER_ACCOUNT")
    return limiter.limiter.hit(item, "password-check", realm, str(account_id))


def password_check_succeeded(realm: str, account_id: int) -> None:
    item = _item("PASSWORD_CHECKS_PER_ACCOUNT")
    limiter.limiter.clear(item, "password-check", realm, str(account_id))
