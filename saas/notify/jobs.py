"""Delivering an outbox row. Safe to run twice, or in two workers at once: sends once."""

from __future__ import annotations

import logging

from sqlalchemy import select

from saas.auth.models import User
from saas.db import utcnow
from saas.extensions import db
from saas.jobs import RETRY_INTERVALS, enqueue_now
from saas.notify import senders
from saas.notify.models import Channel, Notification, NotificationStatus
from saas.tenancy import all_tenants

log = logging.getLogger(__name__)

MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1


def deliver(notification_id: int) -> str:
    """Send each channel not yet marked sent, marking each as it goes; returns the final status.

    The row is locked (``FOR UPDATE``) around each send and its mark, so a second worker running
    the same job waits and then finds the channel marked; each commit lets go of the lock, so the
    row is locked again and looked at afresh before the next step.
    """
    session = db.session
    note = _lock(notification_id)
    if note is None or note.status != NotificationStatus.pending:
        return note.status if note else "missing"
    try:
        for channel, mark, send in _channels(note):
            if getattr(note, mark) is not None:
                continue  # sent by an earlier run
            user = session.scalar(select(User).where(User.id == note.user_id))
            address = user.phone if channel == Channel.sms else user.email
            if not address:
                continue  # no e-mail address any more: nothing to send
            send().send(f"{note.idempotency_key}-{channel}", address, note.title, note.body)
            setattr(note, mark, utcnow())
            session.commit()
            note = _lock(notification_id)
            if note is None or note.status != NotificationStatus.pending:
                return note.status if note else "missing"
    except Exception as exc:
        session.rollback()
        note = _lock(notification_id)
        if note is None or note.status != NotificationStatus.pending:
            return note.status if note else "missing"  # another run finished it meanwhile
        note.attempts += 1
        note.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if note.attempts >= MAX_ATTEMPTS:
            note.status = NotificationStatus.failed
            log.warning("notification %s failed for good: %s", notification_id, note.last_error)
            session.commit()
            return NotificationStatus.failed
        session.commit()
        raise  # rq retries it after its back-off
    note.status = NotificationStatus.sent
    note.sent_at = utcnow()
    session.commit()
    return NotificationStatus.sent


def _channels(note: Notification):
    """(channel, the column marking it sent, its sender factory) for each channel asked for."""
    wanted = note.channel_list
    if Channel.sms in wanted:
        yield Channel.sms, "sms_sent_at", senders.sms_sender
    if Channel.email in wanted:
        yield Channel.email, "email_sent_at", senders.email_sender


def _lock(notification_id: int) -> Notification | None:
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )


def sweep() -> int:
    """Re-enqueue outbox rows left pending for over a minute (their job was lost). Returns count.

    Without Redis nothing retries a failed try but this sweep, so then rows with failed tries are
    taken at once too; with it they wait for rq's back-off (``stale_pending``).
    """
    from datetime import timedelta

    from flask import current_app

    from saas.jobs import queue
    from saas.notify.services import RETRY_WINDOW, delivery_job_id, stale_pending

    app = current_app._get_current_object()
    window = RETRY_WINDOW if queue(app) is not None else timedelta(0)
    with all_tenants():
        rows = stale_pending(db.session, retry_window=window)
    db.session.rollback()
    for tenant_id, notification_id in rows:
        job_id = delivery_job_id(tenant_id, notification_id)
        enqueue_now(app, "saas.notify.jobs:deliver", tenant_id, notification_id, job_id=job_id)
    return len(rows)
