"""Writing notifications and reading the inbox. Delivery is in ``saas.notify.jobs``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.db import utcnow
from saas.errors import NotFound
from saas.jobs import enqueue_after_commit
from saas.notify.models import Notification, NotificationStatus

DELIVER = "saas.notify.jobs:deliver"
INBOX_PAGE = 20


def notify(
    session: Session,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    channels: tuple[str, ...] = (),
) -> Notification:
    """Write one message to ``user`` in the current transaction; it is sent after commit.

    :param channels: besides the in-app inbox: "sms", "email" (e-mail only if the user has one)
    """
    wanted = [c for c in channels if c == "sms" or (c == "email" and user.email)]
    note = Notification(
        user_id=user.id,
        kind=kind,
        title=title[:200],
        body=body,
        link=link,
        channels=",".join(wanted),
    )
    session.add(note)
    session.flush()
    enqueue_after_commit(DELIVER, user.tenant_id, note.id)
    return note


def inbox(session: Session, user: User, before_id: int | None = None) -> list[Notification]:
    """The user's messages, newest first, a page at a time (keyset on id)."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    stmt = stmt.order_by(Notification.id.desc()).limit(INBOX_PAGE)
    return list(session.scalars(stmt))


def unread_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    note = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if note is None:
        raise NotFound("通知不存在")
    if note.read_at is None:
        note.read_at = utcnow()
        session.flush()
    return note


def mark_all_read(session: Session, user: User) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def failed_notifications(session: Session) -> list[Notification]:
    stmt = (
        select(Notification)
        .where(Notification.status == NotificationStatus.failed)
        .order_by(Notification.id.desc())
        .limit(200)
    )
    return list(session.scalars(stmt))


def resend(session: Session, notification_id: int) -> Notification:
    """Put a failed notification back in the outbox with fresh tries."""
    note = session.scalar(select(Notification).where(Notification.id == notification_id))
    if note is None:
        raise NotFound("通知不存在")
    note.status = NotificationStatus.pending
    note.attempts = 0
    note.last_error = ""
    session.flush()
    enqueue_after_commit(DELIVER, note.tenant_id, note.id)
    return note


def stale_pending(session: Session, older_than: timedelta = timedelta(minutes=1)):
    """(tenant_id, id) of outbox rows still pending after ``older_than``: their job went missing."""
    cutoff = utcnow() - older_than
    stmt = select(Notification.tenant_id, Notification.id).where(
        Notification.status == NotificationStatus.pending, Notification.created_at < cutoff
    )
    return list(session.execute(stmt.limit(5000)))
