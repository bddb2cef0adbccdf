"""Delivering an outbox row. Safe to run twice, or in two workers at once: sends once.

No row lock is held while a gateway is talked to (a volunteer opening the message would wait for
it, past ``lock_timeout``): a short locked transaction takes a lease on the channel, the send runs
with no transaction open, a second short one marks the channel sent and ends the lease.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from saas.auth.models import User
from saas.db import utcnow
from saas.extensions import db
from saas.jobs import JOB_TIMEOUT, RETRY_INTERVALS, enqueue_now
from saas.notify import preferences, senders
from saas.notify.models import Channel, Notification, NotificationStatus
from saas.tenancy import all_tenants

log = logging.getLogger(__name__)

MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1
#: what ``deliver`` answers when another run holds the lease on a channel and is still sending
SENDING = "sending"
#: how long a lease lasts: longer than any send may take. The senders' own timeouts are 15-20 s a
#: step; rq kills a job after ``JOB_TIMEOUT``, so a lease this long outlives the run that took it.
LEASE = timedelta(seconds=JOB_TIMEOUT)
#: how long a run waits for another run's send to end (most take a second) before answering SENDING
WAIT_FOR_LEASE = 5.0
_POLL = 0.2


def deliver(notification_id: int) -> str:
    """Send each channel not yet marked sent, marking each as it goes; returns the final status,
    or ``SENDING`` when another run is still sending a channel (it will finish the row).

    For each channel: a short transaction locks the row (``FOR UPDATE``), looks at it afresh and
    takes the channel's lease (``sending_until``, ``sending_by``), then commits; the send runs with
    no lock held; a second short transaction marks the channel sent and ends the lease. Another
    run finding a live lease leaves the row alone: it waits a little for the send to end (then
    finds the channel marked), else returns ``SENDING``. A lease whose holder died is taken over
    when it runs out, or at once when the holder was a process of this machine that is gone.
    A failed send ends the lease, counts a try and re-raises, so rq retries after its back-off.
    """
    session = db.session
    holder = _holder()
    try:
        note = _lock(notification_id)
        if note is None or note.status != NotificationStatus.pending:
            return note.status if note else "missing"
        for channel, mark, send in _channels(note):
            claimed = _claim(notification_id, channel, mark, holder)
            if claimed is None:
                continue  # sent by an earlier run, or nowhere to send it
            if isinstance(claimed, str):
                return claimed  # finished elsewhere meanwhile, or still being sent by another run
            send().send(*claimed)
            _mark_sent(notification_id, mark, holder)
        note = _lock(notification_id)
        if note is None or note.status != NotificationStatus.pending:
            return note.status if note else "missing"
    except Exception as exc:
        session.rollback()
        note = _lock(notification_id)
        if note is None or note.status != NotificationStatus.pending:
            return note.status if note else "missing"  # another run finished it meanwhile
        if note.sending_by == holder:
            _end_lease(note)
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


def _claim(notification_id: int, channel: str, mark: str, holder: str):
    """Take the lease on one channel, in a short transaction of its own.

    Returns the arguments of its send; None when there is nothing to send (marked already, or no
    address any more); or the status to stop with: the row is no longer pending, or another run
    still holds the lease after ``WAIT_FOR_LEASE`` seconds (``SENDING``).
    """
    session = db.session
    deadline = time.monotonic() + WAIT_FOR_LEASE
    while True:
        note = _lock(notification_id)
        if note is None or note.status != NotificationStatus.pending:
            return note.status if note else "missing"
        if getattr(note, mark) is not None:
            session.commit()
            return None
        if not _leased_by_another(note, holder):
            break
        session.commit()  # lets go of the row: the other run marks it when its send is done
        if time.monotonic() >= deadline:
            return SENDING
        time.sleep(_POLL)
    user = session.scalar(select(User).where(User.id == note.user_id))
    address = user.phone if channel == Channel.sms else user.email
    if not address:
        session.commit()
        return None  # no e-mail address any more: nothing to send
    if note.sending_by and note.sending_by != holder:
        log.warning(
            "notification %s: taking over the lease of %s", notification_id, note.sending_by
        )
    note.sending_until = utcnow() + LEASE
    note.sending_by = holder
    claimed = (f"{note.idempotency_key}-{channel}", address, note.title, note.body)
    session.commit()
    return claimed


def _mark_sent(notification_id: int, mark: str, holder: str) -> None:
    session = db.session
    note = _lock(notification_id)
    if note is not None:
        setattr(note, mark, utcnow())
        if note.sending_by == holder:  # not if another run took it over meanwhile
            _end_lease(note)
    session.commit()


def _end_lease(note: Notification) -> None:
    note.sending_until = None
    note.sending_by = None


def _channels(note: Notification) -> list[tuple[str, str, Callable[[], senders.Sender]]]:
    """(channel, the column marking it sent, its sender factory) for each channel the recipient
    accepts for the note's kind now: a channel turned off since it was written is not used, one
    turned on is. A kind no longer registered goes out as it was written.

    What it finds is written back to ``note.channels`` (what the failed list shows); the caller's
    transaction carries it.
    """
    user = db.session.scalar(select(User).where(User.id == note.user_id))
    wanted = preferences.channels_for(user, note.kind) if user is not None else []
    if wanted is None:
        wanted = note.channel_list
    note.channels = ",".join(wanted)
    found = []
    if Channel.sms in wanted:
        found.append((Channel.sms, "sms_sent_at", senders.sms_sender))
    if Channel.email in wanted:
        found.append((Channel.email, "email_sent_at", senders.email_sender))
    return found


def _lock(notification_id: int) -> Notification | None:
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )


# ---------------------------------------------------------------------------------------------
# Who holds a lease, and whether it is known to be dead


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _this_machine() -> str:
    """This kernel's boot and this process's pid namespace: where a process id means something.
    Empty where they cannot be read (not Linux): a lease there ends only when it runs out."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return ""
    return f"{boot}:{namespace}" if boot else ""


_MACHINE = _this_machine()


def _holder() -> str:
    """This run's name on a lease: machine, process id, and a token (two threads, two runs)."""
    return f"{_MACHINE}/{os.getpid()}/{secrets.token_hex(4)}"


def _leased_by_another(note: Notification, holder: str) -> bool:
    if note.sending_until is None or note.sending_until <= utcnow():
        return False  # none, or ran out: its run died, or outlived any send
    return note.sending_by != holder and not _holder_gone(note.sending_by or "")


def _holder_gone(holder: str) -> bool:
    """Whether a lease's holder is known to be dead: a process of this machine (same kernel boot,
    same pid namespace) that no longer runs, e.g. a worker killed mid-send. A holder elsewhere, or
    a pid reused since, counts as alive: its lease is left to run out."""
    machine, _, rest = holder.partition("/")
    pid = rest.partition("/")[0]
    if not _MACHINE or machine != _MACHINE or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False  # this process: another thread of it is sending
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's process
    # a process killed whose parent died too may stay a zombie, never reaped: dead all the same
    stat = _read(f"/proc/{pid}/stat")
    return not stat or stat.rpartition(")")[2].split()[:1] == ["Z"]


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
