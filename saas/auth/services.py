"""Accounts: create, authenticate, change password, enable/disable, change role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User, new_auth_token
from saas.auth.passwords import burn_time, hash_password, password_problem, verify_password
from saas.auth.phone import normalise_phone
from saas.db import utcnow
from saas.errors import Forbidden, NotFound, ServiceError
from saas.text import fold, other_digits

if TYPE_CHECKING:
    from saas.platform.models import Operator


def clean_phone(raw: str | None) -> str:
    phone = normalise_phone(raw)
    if phone is None:
        raise ServiceError(other_digits(fold(raw)) or _("请输入 11 位中国大陆手机号"), "phone")
    return phone


def clean_name(raw: str | None, field: str = "name", max_length: int = 50) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise ServiceError(_("请填写姓名"), field)
    if len(name) > max_length:
        raise ServiceError(_("不能超过 %(n)d 个字", n=max_length), field)
    return name


def check_password_pair(password: str, confirm: str | None) -> None:
    problem = password_problem(password or "")
    if problem:
        raise ServiceError(problem, "password")
    if confirm is not None and password != confirm:
        raise ServiceError(_("两次输入的密码不一致"), "password_confirm")


def create_user(
    session: Session,
    *,
    phone: str,
    name: str,
    password: str,
    role: Role,
    email: str | None = None,
    community_id: int | None = None,
    is_party_member: bool = False,
    is_grid_worker: bool = False,
    actor: User | None = None,
    language: str = "zh",
) -> User:
    """A new account in the current street; refuses a phone already registered there.

    :param language: what its notifications are written in, "zh" or "en" (the page's language
        for someone joining by themselves)
    """
    phone = clean_phone(phone)
    name = clean_name(name)
    check_password_pair(password, None)
    if session.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise ServiceError(_("该手机号已在本街道注册"), "phone")
    user = User(
        phone=phone,
        name=name,
        email=(email or "").strip() or None,
        password_hash=hash_password(password),
        role=role,
        community_id=community_id,
        is_party_member=is_party_member,
        is_grid_worker=is_grid_worker,
        language=language if language in ("zh", "en") else "zh",
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # the same phone registered at the same moment
        session.rollback()
        raise ServiceError(_("该手机号已在本街道注册"), "phone") from exc
    record(
        session,
        "user.create",
        actor.id if actor else user.id,
        f"user:{user.id}",
        {"role": str(role)},
    )
    return user


class AccountDisabled(Forbidden):
    """The password was right but an admin has disabled the account."""


def authenticate(session: Session, phone: str | None, password: str) -> User | None:
    """The enabled account with this phone and password in the current street, or None.

    :raise AccountDisabled: the password is right but the account is disabled (said only to
        someone who knows the password, so it reveals nothing to a guesser).
    """
    phone = normalise_phone(phone)
    user = None
    if phone:
        user = session.scalar(select(User).where(User.phone == phone))
    if user is None:
        burn_time(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if not user.is_enabled:
        raise AccountDisabled(_("该账号已停用，请联系街道管理员"))
    return user


def user_for_phone(session: Session, phone: str | None) -> User | None:
    phone = normalise_phone(phone)
    return session.scalar(select(User).where(User.phone == phone)) if phone else None


def change_password(session: Session, user: User, current: str, new: str, confirm: str) -> None:
    """Ends every other session of the account (the token in their cookies no longer matches)."""
    if not verify_password(user.password_hash, current):
        raise ServiceError(_("当前密码不正确"), "current_password")
    check_password_pair(new, confirm)
    if new == current:
        raise ServiceError(_("新密码不能与当前密码相同"), "password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(session, user)
    record(session, "password.change", user.id, f"user:{user.id}")
    session.flush()


#: how many ended sessions an account remembers; a logout past that ends all its sessions
MAX_REVOKED_SESSIONS = 20


def end_all_sessions(session: Session, account: User | Operator) -> None:
    """Every cookie of the account stops working: the token they carry changes."""
    account.auth_token = new_auth_token()
    if isinstance(account, User):
        account.revoked_sessions = None  # the new token already refuses every old cookie
    session.flush()


def end_session(
    session: Session, user: User, session_id: str | None, ends_at: int, now: int
) -> None:
    """Logging out: the session ``session_id`` ends, and so does any copy of its cookie.

    Office accounts (admin, staff) sit at shared desktops: every session of the account ends.
    Volunteers and units keep their other phones signed in: the id joins the account's revoked
    sessions until ``ends_at``, when the session would have ended anyway. The list is pruned here
    and holds at most ``MAX_REVOKED_SESSIONS``; when full, or for a cookie from before sessions
    had ids, every session ends instead.

    :param ends_at: the session's absolute end (``saas.auth.sessions.session_ends_at``), Unix time
    :param now: Unix time
    """
    if user.role in (Role.admin, Role.staff) or not session_id:
        end_all_sessions(session, user)
        return
    # two phones logging out at the same moment: the second reads the first's entry
    session.refresh(user, ["revoked_sessions"], with_for_update=True)
    live = {sid: end for sid, end in (user.revoked_sessions or {}).items() if end > now}
    if len(live) >= MAX_REVOKED_SESSIONS:
        end_all_sessions(session, user)
        return
    user.revoked_sessions = {**live, session_id: ends_at}
    session.flush()


def get_user_or_404(session: Session, user_id: int) -> User:
    """:raise NotFound: no such account in this street."""
    user = session.scalar(select(User).where(User.id == user_id))
    if user is None:
        raise NotFound(_("账号不存在"))
    return user


def _lock_admins(session: Session, actor: User, refusal: str) -> None:
    """Lock the street's enabled admins and check ``actor`` is still one of them.

    Two admins disabling or demoting each other at the same moment queue here; the second finds
    it is no longer an admin, so a street always keeps one.
    """
    admins = session.scalars(
        select(User.id)
        .where(User.role == Role.admin, User.is_enabled.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if actor.id not in admins:
        raise Forbidden(refusal)


def set_enabled(session: Session, actor: User, user: User, enabled: bool) -> None:
    _lock_admins(session, actor, _("只有街道管理员可以停用账号"))
    if user.id == actor.id and not enabled:
        raise ServiceError(_("不能停用自己的账号"))
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    end_all_sessions(session, user)
    record(session, "user.enable" if enabled else "user.disable", actor.id, f"user:{user.id}")
    session.flush()


def change_role(session: Session, actor: User, user: User, role: Role) -> None:
    _lock_admins(session, actor, _("只有街道管理员可以变更角色"))
    if user.id == actor.id:
        raise ServiceError(_("不能变更自己的角色"))
    if user.role == role:
        return
    before = user.role
    user.role = role
    end_all_sessions(session, user)
    record(session, "user.role", actor.id, f"user:{user.id}", {"from": before, "to": str(role)})
    session.flush()
