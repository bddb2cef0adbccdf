"""Login throttling: after N wrong passwords in a window, the next try is refused.

Counted per phone (in one street) and per address, in Flask-Limiter's storage (Redis when
configured, so every web worker shares the count). A phone's tries are counted as they start, with
one atomic hit, so twenty requests sent at once still get only N password checks; the right password
clears the phone's count. An address counts only failures (many staff share one office address).
"""

from __future__ import annotations

from flask import current_app, request
from limits import parse

from saas.extensions import limiter


def _items():
    cfg = current_app.config
    return parse(cfg["LOGIN_FAILURES_PER_PHONE"]), parse(cfg["LOGIN_FAILURES_PER_ADDRESS"])


def _address() -> str:
    return request.remote_addr or "unknown"


def count_login_attempt(realm: str, phone: str | None) -> bool:
    """Count this try against the phone; False if it is over the limit (refuse it)."""
    per_phone, per_address = _items()
    strategy = limiter.limiter
    if phone and not strategy.hit(per_phone, "login-phone", realm, phone):
        return False
    return strategy.test(per_address, "login-address", _address())


def login_failed(realm: str, phone: str | None) -> None:
    _per_phone, per_address = _items()
    limiter.limiter.hit(per_address, "login-address", _address())


def login_succeeded(realm: str, phone: str | None) -> None:
    """The right password: the phone's earlier failures no longer count against it."""
    if phone:
        per_phone, _ = _items()
        limiter.limiter.clear(per_phone, "login-phone", realm, phone)
