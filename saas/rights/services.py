"""Personal-data rights (个人信息保护法 第四十五、四十七条) and retention, as plain services.

- A person's copy of their data: every module's :class:`saas.modules.PersonalData` sheets, as
  .xlsx (one sheet per declaration) or JSON.
- Deletion (注销): the person asks (their password again), the admin confirms or refuses with a
  reason; on confirm :func:`erase_account` runs every module's ``erase`` and anonymises the
  account. Rows stay, so ledgers, hours and the street's totals are unchanged.
- Retention: the street keeps audit entries ``audit_days`` (≥ 180) and anonymises volunteers'
  accounts unused for ``inactive_days`` (off by default); :func:`retention_plan` is the dry run,
  :func:`apply_retention` the daily job's work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from saas.audit.models import AuditEntry
from saas.audit.services import MIN_RETENTION_DAYS, audit_retention_days, purge, record
from saas.auth.models import Role, User, new_auth_token
from saas.auth.passwords import hash_password, verify_password
from saas.db import utcnow
from saas.errors import NotFound, ServiceError
from saas.modules import personal_data
from saas.notify.models import Notification
from saas.notify.services import notify
from saas.rights.models import DeletionRequest, DeletionStatus
from saas.streets.cache import fresh_for_update
from saas.streets.models import PrivacyConsent, Tenant
from saas.xlsx import Sheet

#: what an erased account is called wherever its name was shown: data, stored as written (not
#: in the language of whoever happened to confirm the erasure)
ERASED_NAME = "已注销用户"
#: the longest a street may keep audit entries or idle accounts (ten years)
MAX_RETENTION_DAYS = 3650
#: accounts erased per street per run of the daily job (the rest wait for the next run)
ERASE_BATCH = 200
#: accounts shown as a sample on the dry-run page
SAMPLE = 20

ROLE_LABELS = {
    "admin": _l("街道管理员"),
    "staff": _l("社区工作人员"),
    "org": _l("单位账号"),
    "volunteer": _l("志愿者"),
}
STATUS_LABELS = {
    DeletionStatus.pending: _l("待处理"),
    DeletionStatus.confirmed: _l("已注销"),
    DeletionStatus.refused: _l("已拒绝"),
    DeletionStatus.withdrawn: _l("已撤回"),
}


# --- a person's copy of their data ---------------------------------------------------------------


def account_rows(session: Session, user: User) -> list[tuple]:
    """The account itself (账号信息)."""
    return [
        (
            user.name,
            user.phone,
            user.email or "",
            str(ROLE_LABELS.get(user.role, user.role)),
            _("是") if user.is_party_member else _("否"),
            user.language,
            user.created_at,
            user.last_login_at,
        )
    ]


def consent_rows(session: Session, user: User) -> list[tuple]:
    """The versions of the street's privacy notice the person agreed to (隐私政策同意记录)."""
    consents = session.scalars(
        select(PrivacyConsent)
        .where(PrivacyConsent.user_id == user.id)
        .order_by(PrivacyConsent.agreed_at)
    )
    return [(c.version, c.via, c.agreed_at) for c in consents]


def notification_rows(session: Session, user: User) -> list[tuple]:
    """The person's inbox (我的通知)."""
    rows = session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    )
    return [(n.created_at, n.title, n.body, n.read_at) for n in rows]


def delete_theirs(session: Session, model: type, user: User) -> None:
    """Delete every row of ``model`` whose ``user_id`` is ``user``'s, in one statement: for a
    module's ``erase`` when those rows are the person's alone and nothing is counted from them."""
    session.execute(
        delete(model).where(model.user_id == user.id).execution_options(synchronize_session=False)
    )


def erase_notifications(session: Session, user: User) -> None:
    """Their inbox goes: messages to them may name them, and nobody else reads them."""
    delete_theirs(session, Notification, user)


def request_rows(session: Session, user: User) -> list[tuple]:
    """Their deletion requests (注销申请), so a refused one and its reason are in the copy."""
    requests = session.scalars(
        select(DeletionRequest)
        .where(DeletionRequest.user_id == user.id)
        .order_by(DeletionRequest.requested_at)
    )
    return [
        (r.requested_at, str(STATUS_LABELS.get(r.status, r.status)), r.decided_at, r.reason)
        for r in requests
    ]


def personal_sheets(session: Session, user: User) -> list[Sheet]:
    """Everything the street holds about ``user``: one sheet per module's declaration."""
    return [
        Sheet(str(p.label), [str(h) for h in p.headers], p.rows(session, user))
        for p in personal_data()
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def personal_json(session: Session, user: User) -> dict:
    """The same as :func:`personal_sheets`, as JSON: ``{key: {label, rows: [{header: value}]}}``."""
    data: dict[str, Any] = {"exported_at": utcnow().isoformat()}
    for sheet, declared in zip(personal_sheets(session, user), personal_data(), strict=True):
        data[declared.key] = {
            "label": sheet.title,
            "rows": [
                {h: _plain(v) for h, v in zip(sheet.headers, row, strict=False)}
                for row in sheet.rows
            ],
        }
    return data


# --- deletion ------------------------------------------------------------------------------------


def pending_request(session: Session, user: User) -> DeletionRequest | None:
    return session.scalar(
        select(DeletionRequest).where(
            DeletionRequest.user_id == user.id,
            DeletionRequest.status == DeletionStatus.pending,
        )
    )


def latest_request(session: Session, user: User) -> DeletionRequest | None:
    return session.scalar(
        select(DeletionRequest)
        .where(DeletionRequest.user_id == user.id)
        .order_by(DeletionRequest.requested_at.desc(), DeletionRequest.id.desc())
        .limit(1)
    )


def may_ask_deletion(user: User) -> bool:
    """Volunteers ask for themselves; office and unit accounts are closed by the street's admin
    (their records are the street's work, not only their own)."""
    return user.role == Role.volunteer


def request_deletion(session: Session, user: User, password: str) -> DeletionRequest:
    """The person asks for their data to be deleted, confirming with their password.

    :raise ServiceError: not a volunteer, a wrong password (field ``password``), or a request
        already waiting
    """
    if not may_ask_deletion(user):
        raise ServiceError(_("工作人员与单位账号请联系街道管理员注销"))
    if not verify_password(user.password_hash, password or ""):
        raise ServiceError(_("密码不正确"), "password")
    # the account row locked: two clicks make one request
    session.scalar(select(User.id).where(User.id == user.id).with_for_update())
    if pending_request(session, user) is not None:
        raise ServiceError(_("您已提交注销申请，请等待街道管理员处理"))
    request = DeletionRequest(user_id=user.id, status=DeletionStatus.pending)
    session.add(request)
    session.flush()
    record(session, "deletion.request", user.id, f"user:{user.id}", {"request": request.id})
    return request


def withdraw_request(session: Session, user: User) -> DeletionRequest:
    """The person changes their mind while the request waits.

    :raise ServiceError: nothing waiting
    """
    request = pending_request(session, user)
    if request is None:
        raise ServiceError(_("没有待处理的注销申请"))
    request.status = DeletionStatus.withdrawn
    request.decided_at = utcnow()
    record(session, "deletion.withdraw", user.id, f"user:{user.id}", {"request": request.id})
    session.flush()
    return request


def count_pending(session: Session, user: User) -> int:
    """The admin's to-do: requests waiting for a decision."""
    return session.scalar(
        select(func.count(DeletionRequest.id)).where(
            DeletionRequest.status == DeletionStatus.pending
        )
    )


@dataclass
class RequestLine:
    request: DeletionRequest
    name: str
    phone: str


def list_requests(session: Session, status: str | None = None, limit: int = 100) -> list:
    """The requests with their accounts' names and phones, newest first, in one query."""
    stmt = (
        select(DeletionRequest, User.name, User.phone)
        .join(User, User.id == DeletionRequest.user_id)
        .order_by(DeletionRequest.requested_at.desc(), DeletionRequest.id.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(DeletionRequest.status == status)
    return [RequestLine(r, name, phone) for r, name, phone in session.execute(stmt)]


def get_request_or_404(session: Session, request_id: int | None) -> DeletionRequest:
    """:raise NotFound: no such request in this street"""
    found = (
        session.scalar(select(DeletionRequest).where(DeletionRequest.id == request_id))
        if request_id
        else None
    )
    if found is None:
        raise NotFound(_("注销申请不存在"))
    return found


def _locked_pending(session: Session, request: DeletionRequest) -> DeletionRequest:
    locked = session.scalar(
        select(DeletionRequest)
        .where(DeletionRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None or locked.status != DeletionStatus.pending:
        raise ServiceError(_("该申请已处理"))
    return locked


def confirm_request(session: Session, admin: User, request: DeletionRequest) -> User:
    """The admin confirms: the account is erased (:func:`erase_account`).

    :raise ServiceError: already decided or withdrawn
    """
    request = _locked_pending(session, request)
    user = session.scalar(select(User).where(User.id == request.user_id))
    request.status = DeletionStatus.confirmed
    request.decided_by = admin.id
    request.decided_at = utcnow()
    erase_account(session, user)
    record(session, "deletion.confirm", admin.id, f"user:{user.id}", {"request": request.id})
    session.flush()
    return user


def refuse_request(
    session: Session, admin: User, request: DeletionRequest, reason: str
) -> DeletionRequest:
    """The admin refuses, saying why (e.g. a reward still to be handed over); the person is told.

    :raise ServiceError: no reason (field ``reason``), or already decided
    """
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写拒绝原因"), "reason")
    if len(reason) > 200:
        raise ServiceError(_("原因不能超过 200 个字"), "reason")
    request = _locked_pending(session, request)
    request.status = DeletionStatus.refused
    request.decided_by = admin.id
    request.decided_at = utcnow()
    request.reason = reason
    user = session.scalar(select(User).where(User.id == request.user_id))
    record(
        session,
        "deletion.refuse",
        admin.id,
        f"user:{request.user_id}",
        {"request": request.id, "reason": reason},
    )
    notify(
        session,
        user,
        "deletion.refused",
        _l("您的注销申请未通过"),
        _l("街道管理员说明的原因：%(reason)s", reason=reason),
    )
    session.flush()
    return request


def erased_phone(user_id: int) -> str:
    """What an erased account's phone becomes: 11 characters that are no mobile number (a 0
    first), so the real number can register again and nobody can sign in with this."""
    return f"0{user_id % 10**10:010d}"


def erase_account(session: Session, user: User) -> None:
    """Erase ``user``'s personal data: every module's ``erase``, then the account.

    The row stays (ledger lines, hours, registrations and votes point to it, so the street's
    balances and totals are unchanged): the name becomes 已注销用户, the phone a placeholder
    (the number may register again), the e-mail goes, the password cannot be used, every
    session ends and the account is disabled. Idempotent.
    """
    if user.erased_at is not None:
        return
    for declared in personal_data():
        if declared.erase is not None:
            declared.erase(session, user)
    user.name = ERASED_NAME
    user.phone = erased_phone(user.id)
    user.email = None
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # known to nobody
    user.auth_token = new_auth_token()  # every session's cookie stops matching
    user.revoked_sessions = None
    user.is_enabled = False
    user.notification_prefs = {}
    user.erased_at = utcnow()
    session.flush()


# --- retention -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    #: audit entries are kept this many days (≥ 180)
    audit_days: int
    #: volunteers' accounts unused this many days are anonymised; None: never
    inactive_days: int | None


def retention_of(tenant: Tenant) -> Retention:
    """The street's retention settings (``Tenant.settings["retention"]``), with the defaults:
    the deployment's ``AUDIT_RETENTION_DAYS`` (365: the Cybersecurity Law's six months, and a
    whole year for a yearly review) and no anonymising of idle accounts."""
    stored = (tenant.settings or {}).get("retention") or {}
    inactive = stored.get("inactive_days")
    return Retention(
        audit_days=audit_retention_days(
            tenant.settings, current_app.config["AUDIT_RETENTION_DAYS"]
        ),
        inactive_days=inactive if isinstance(inactive, int) and inactive > 0 else None,
    )


def _days(raw: str | None, field: str, optional: bool) -> int | None:
    raw = (raw or "").strip()
    if not raw and optional:
        return None
    if not raw.isdigit() or len(raw) > 5:
        raise ServiceError(_("请填写天数（整数）"), field)
    days = int(raw)
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise ServiceError(
            _(
                "天数须在 %(low)d 到 %(high)d 之间",
                low=MIN_RETENTION_DAYS,
                high=MAX_RETENTION_DAYS,
            ),
            field,
        )
    return days


def save_retention(
    session: Session, admin: User, tenant: Tenant, audit_days: str, inactive_days: str
) -> Retention:
    """The admin sets the street's retention (from the form's text).

    :raise ServiceError: not a whole number of days between 180 and 3650 (the field named)
    """
    audit = _days(audit_days, "audit_days", optional=False)
    inactive = _days(inactive_days, "inactive_days", optional=True)
    fresh_for_update(session, tenant)  # not a cached copy: another setting may just have changed
    before = retention_of(tenant)
    settings = dict(tenant.settings or {})
    settings["retention"] = {"audit_days": audit, "inactive_days": inactive}
    tenant.settings = settings  # a new dict: the JSON column sees the change
    record(
        session,
        "settings.change",
        admin.id,
        "tenant",
        {
            "op": "retention",
            "from": f"{before.audit_days}/{before.inactive_days or '-'}",
            "to": f"{audit}/{inactive or '-'}",
        },
    )
    session.flush()
    return retention_of(tenant)


def _idle_accounts(cutoff: datetime):
    """Volunteers not yet erased whose last sign-in (or creation, if they never signed in) is
    before ``cutoff``; disabled accounts included."""
    return (
        User.role == Role.volunteer,
        User.erased_at.is_(None),
        or_(
            User.last_login_at < cutoff,
            (User.last_login_at.is_(None)) & (User.created_at < cutoff),
        ),
    )


@dataclass
class Plan:
    """What retention would do now (the dry run)."""

    retention: Retention
    audit_cutoff: datetime
    audit_count: int
    audit_oldest: datetime | None
    accounts_cutoff: datetime | None
    accounts_count: int
    accounts_sample: list[User]


def retention_plan(session: Session, tenant: Tenant) -> Plan:
    """The dry run: how many audit entries would be deleted and which accounts anonymised (a
    count and a sample), in three queries; nothing is changed."""
    retention = retention_of(tenant)
    now = utcnow()
    audit_cutoff = now - timedelta(days=retention.audit_days)
    audit_count, oldest = session.execute(
        select(func.count(AuditEntry.id), func.min(AuditEntry.created_at)).where(
            AuditEntry.created_at < audit_cutoff
        )
    ).one()
    accounts_cutoff, count, sample = None, 0, []
    if retention.inactive_days:
        accounts_cutoff = now - timedelta(days=retention.inactive_days)
        idle = _idle_accounts(accounts_cutoff)
        count = session.scalar(select(func.count(User.id)).where(*idle))
        sample = list(
            session.scalars(
                select(User)
                .where(*idle)
                .order_by(func.coalesce(User.last_login_at, User.created_at))
                .limit(SAMPLE)
            )
        )
    return Plan(retention, audit_cutoff, audit_count, oldest, accounts_cutoff, count, sample)


def apply_retention(session: Session, tenant: Tenant) -> tuple[int, int]:
    """Apply the street's retention now, in its scope: audit entries past ``audit_days``
    deleted (the log's one allowed purge), idle volunteers' accounts erased (at most
    ERASE_BATCH a run). Returns (entries deleted, accounts erased)."""
    retention = retention_of(tenant)
    deleted = purge(session, retention.audit_days, [tenant.id])
    erased = 0
    if retention.inactive_days:
        cutoff = utcnow() - timedelta(days=retention.inactive_days)
        users = list(
            session.scalars(
                select(User).where(*_idle_accounts(cutoff)).order_by(User.id).limit(ERASE_BATCH)
            )
        )
        for user in users:
            erase_account(session, user)
        erased = len(users)
        if erased:
            record(
                session,
                "retention.erase",
                None,
                "tenant",
                {"accounts": erased, "days": retention.inactive_days},
                actor_kind="system",
            )
    session.flush()
    return deleted, erased
