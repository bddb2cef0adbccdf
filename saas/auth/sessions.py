"""How long a login lasts, per role.

Office roles work on shared desktops: short idle and absolute limits. Volunteers on their own phones
may tick "remember me" and stay signed in for weeks. Times are seconds.
"""

from __future__ import annotations

import secrets
import time

from flask.sessions import SessionMixin

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

#: role → (idle timeout, absolute lifetime)
LIMITS: dict[str, tuple[int, int]] = {
    "operator": (30 * MINUTE, 8 * HOUR),
    "admin": (30 * MINUTE, 12 * HOUR),
    "staff": (30 * MINUTE, 12 * HOUR),
    "org": (2 * HOUR, 7 * DAY),
    "volunteer": (2 * HOUR, 1 * DAY),
}
#: with "remember me" (volunteers and org accounts on their own phones)
REMEMBERED: dict[str, tuple[int, int]] = {
    "org": (14 * DAY, 30 * DAY),
    "volunteer": (30 * DAY, 90 * DAY),
}
#: seen_at is rewritten at most this often, so most responses do not reset the cookie
TOUCH_EVERY = MINUTE


#: what outlives a login or logout: the visitor's choices, nothing about who they are
KEPT_ACROSS_LOGINS = ("lang", "elder")


def renew_session(session: SessionMixin) -> None:
    """Empty the session at login, logout or expiry, keeping only the chosen language and
    长辈模式 (a person's way of reading, not their account)."""
    kept = {key: session[key] for key in KEPT_ACROSS_LOGINS if key in session}
    session.clear()
    session.update(kept)


def sign_in(user, remember: bool = False) -> None:
    """A fresh session for ``user`` (at login, sign-up, or a password change that rotated the
    token): nothing of the old one is kept but the language.

    It also notes the privacy-notice version the person has agreed to, read once here so that
    every later request can tell, without a query, whether they must see the notice again.
    """
    from flask import session
    from flask_login import login_user

    from saas.extensions import db
    from saas.streets.privacy import SESSION_KEY, agreed_version

    renew_session(session)
    login_user(user)
    start_session(session, user.role, remember, time.time())
    if user.role != "operator":  # platform operators belong to no street, and agree to none
        session[SESSION_KEY] = agreed_version(db.session, user)


def may_remember(role: str) -> bool:
    return role in REMEMBERED


def start_session(session: SessionMixin, role: str, remember: bool, now: float) -> None:
    remember = remember and may_remember(role)
    session.permanent = remember
    session["auth_at"] = int(now)
    session["seen_at"] = int(now)
    session["remember"] = remember
    # names this login, so that logging out can end it alone (a copy of the cookie included)
    session["sid"] = secrets.token_urlsafe(12)


def session_id(session: SessionMixin) -> str | None:
    """The login's id; None in a cookie made before logins had one."""
    sid = session.get("sid")
    return sid if isinstance(sid, str) else None


def session_ends_at(user, session: SessionMixin) -> int:
    """The latest moment this login can last to (its absolute limit): a revoked id is kept
    until then, and no longer."""
    auth_at = session.get("auth_at")
    _idle, absolute = limits_for(user.role, bool(session.get("remember")))
    return (auth_at if isinstance(auth_at, int) else int(time.time())) + absolute


def session_revoked(user, session: SessionMixin) -> bool:
    """Whether this login was ended by a logout (see ``User.revoked_sessions``)."""
    revoked = user.revoked_sessions
    return bool(revoked) and session_id(session) in revoked


def limits_for(role: str, remembered: bool) -> tuple[int, int]:
    if remembered and role in REMEMBERED:
        return REMEMBERED[role]
    return LIMITS.get(role, LIMITS["admin"])


def session_expired(user, session: SessionMixin, now: float) -> bool:
    auth_at, seen_at = session.get("auth_at"), session.get("seen_at")
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return True
    idle, absolute = limits_for(user.role, bool(session.get("remember")))
    return now - seen_at > idle or now - auth_at > absolute


def touch_session(session: SessionMixin, now: float) -> None:
    if now - session.get("seen_at", 0) >= TOUCH_EVERY:
        session["seen_at"] = int(now)
