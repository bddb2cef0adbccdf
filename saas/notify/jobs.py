"""Delivering an outbox row. Safe to run twice, or in two workers at once: sends once."""

from __future__ import annotations

import logging

from sqlalchemy import select

from saas.auth.models import User
from saas.db import utcnow
from saas.extensions import db
from saas.jobs import RETRY_INTERVALS, enqueue_now
from saas.notify import senders
from saas.notify.models import Notification, NotificationStatus
from saas.tenancy import all_tenants

log = logging.getLogger(__name__)

MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1


def deliver(notification_id: int) -> str:
    """Send each channel not yet marked sent, marking each as it goes; returns the final status.

    The row is locked (``FOR UPDATE``) so a second worker running the same job waits and then
    finds it sent.
    """
    session = db.session
    note = session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    if note is None or note.status != NotificationStatus.pending:
        return note.status if note else "missing"
    user = session.scalar(select(User).where(User.id == note.user_id))
    try:
        if "sms" in note.channel_list and note.sms_sent_at is None:
            senders.sms_sender().send(
                f"{note.idempotency_key}-sms", user.phone, note.title, note.body
            )
            note.sms_sent_at = utcnow()
            session.commit()
            note = _relock(notification_id)
        if "email" in note.channel_list and note.email_sent_at is None and user.email:
            senders.email_sender().send(
                f"{note.idempotency_key}-email", user.email, note.title, note.body
            )
            note.email_sent_at = utcnow()
            session.commit()
            note = _relock(notification_id)
    except Exception as exc:
        session.rollback()
        note = _relock(notification_id)
        note.attempts += 1
        note.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if note.attempts >= MAX_ATTEMPTS:
            note.status = NotificationStatus.failed
            session.commit()
            log.warning("notification %s failed for good: %s", notification_id, note.last_error)
            return note.status
        session.commit()
        raise
    note.status = NotificationStatus.sent
    note.sent_at = utcnow()
    return note.status


def _relock(notification_id: int) -> Notification:
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )


def sweep() -> int:
    """Re-enqueue outbox rows left pending for over a minute (their job was lost). Returns count."""
    from flask import current_app

    from saas.notify.services import stale_pending

    with all_tenants():
        rows = stale_pending(db.session)
    db.session.rollback()
    app = current_app._get_current_object()
    for tenant_id, notification_id in rows:
        enqueue_now(app, "saas.notify.jobs:deliver", tenant_id, notification_id)
    return len(rows)
