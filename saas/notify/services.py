"""Writing notifications and reading the inbox. Delivery is in ``saas.notify.jobs``."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import LazyString
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.db import utcnow
from saas.errors import NotFound
from saas.jobs import JOB_TIMEOUT, RETRY_INTERVALS, enqueue_after_commit
from saas.notify.kinds import require as require_kind
from saas.notify.models import Notification, NotificationStatus
from saas.notify.preferences import channels_for, speaking

DELIVER = "saas.notify.jobs:deliver"
INBOX_PAGE = 20


def delivery_job_id(tenant_id: int, notification_id: int) -> str:
    """One RQ job id per notification: the sweeper does not queue a copy of a waiting job."""
    return f"deliver-{tenant_id}-{notification_id}"


def notify(
    session: Session,
    user: User,
    kind: str,
    title: str | LazyString,
    body: str | LazyString = "",
    link: str = "",
) -> Notification:
    """Write one message to ``user`` in the current transaction; it is sent after commit.

    Title and body are written in the recipient's language, not the request's: pass them lazy
    (``lazy_gettext`` as ``_l``, or ``joined`` of such), and they are translated here. It goes
    to the inbox, and on the channels ``user`` accepts for ``kind`` when it is sent
    (``saas.notify.preferences``).

    :raise UnknownKind: no module registered ``kind`` (``saas.notify.kinds.register``)
    """
    require_kind(kind)
    with speaking(user):
        title, body = str(title), str(body)
    note = Notification(
        user_id=user.id,
        kind=kind,
        title=title[:200],
        body=body,
        link=link,
        channels=",".join(channels_for(user, kind) or ()),
    )
    session.add(note)
    session.flush()
    enqueue_after_commit(
        DELIVER, user.tenant_id, note.id, job_id=delivery_job_id(note.tenant_id, note.id)
    )
    return note


def joined(*parts: str | LazyString) -> LazyString:
    """Lazy strings put end to end, still lazy: ``+`` would translate them in the request's
    language on the spot."""
    return LazyString(lambda: "".join(str(part) for part in parts))


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


def count_failed(session: Session, _viewer=None) -> int:
    """Notifications that gave up, for the admin to look at and resend (a to-do)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.status == NotificationStatus.failed)
        )
        or 0
    )


def failed_notifications(session: Session, limit: int = 200) -> list[Notification]:
    """The newest ``limit`` notifications whose SMS or e-mail failed for good."""
    stmt = (
        select(Notification)
        .where(Notification.status == NotificationStatus.failed)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def recipients(session: Session, notes: list[Notification]) -> dict[int, tuple[str, str]]:
    """Who ``notes`` were for: user id → (name, phone), in one statement."""
    ids = {note.user_id for note in notes}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name, User.phone).where(User.id.in_(ids)))
    return {user_id: (name, phone or "") for user_id, name, phone in rows}


def resend(session: Session, notification_id: int) -> Notification:
    """Put a failed notification back in the outbox with fresh tries (a no-op unless it failed:
    a second click must not restart one already on its way)."""
    note = session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    if note is None:
        raise NotFound("通知不存在")
    if note.status != NotificationStatus.failed:
        return note
    note.status = NotificationStatus.pending
    note.attempts = 0
    note.last_error = ""
    session.flush()
    enqueue_after_commit(
        DELIVER, note.tenant_id, note.id, job_id=delivery_job_id(note.tenant_id, note.id)
    )
    return note


#: with rq, a row with failed tries is left to rq's back-off until all its retries could have run
RETRY_WINDOW = timedelta(seconds=sum(RETRY_INTERVALS) + JOB_TIMEOUT)


def stale_pending(
    session: Session,
    older_than: timedelta = timedelta(minutes=1),
    retry_window: timedelta = RETRY_WINDOW,
):
    """(tenant_id, id) of outbox rows whose job went missing: pending for over ``older_than`` with
    no failed try (never queued, Redis lost it, its worker died mid-run), or also ``retry_window``
    later with some. A row between failed tries has its retry waiting in rq's scheduler: queueing
    another would spend its tries without the back-off.
    """
    now = utcnow()
    stmt = select(Notification.tenant_id, Notification.id).where(
        Notification.status == NotificationStatus.pending,
        or_(
            and_(Notification.attempts == 0, Notification.created_at < now - older_than),
            Notification.created_at < now - older_than - retry_window,
        ),
    )
    return list(session.execute(stmt.order_by(Notification.created_at).limit(5000)))
