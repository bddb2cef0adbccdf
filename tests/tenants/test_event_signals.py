"""The events engine's signals: each is sent once, with its documented arguments, inside the
transaction of the change, so a receiver's writes commit with it and a receiver's refusal undoes
it. The passport's points (tests/tenants/test_events.py and friends) are paid this way."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, inspect, select

from saas.audit.models import AuditEntry
from saas.audit.services import record
from saas.db import utcnow
from saas.errors import ServiceError
from tenants.events import signals
from tenants.events.jobs import send_reminders
from tenants.events.models import Attendance, Event, EventStatus, Registration
from tenants.passport.models import PointEntry
from tests.conftest import both_backends, login
from tests.tenants.factories import make_event, signed_in


def snapshot(value):
    """A row as it was when the signal was sent (its columns), since the request that sent it
    ends before the test looks; anything else as it is."""
    value = value._get_current_object() if hasattr(value, "_get_current_object") else value
    state = inspect(value, raiseerr=False)
    if state is None or not hasattr(state, "mapper"):
        return value
    return SimpleNamespace(**{c.key: getattr(value, c.key) for c in state.mapper.column_attrs})


@contextmanager
def listening(signal, answer=None):
    """Every send of ``signal`` while inside, as (sender, kwargs) snapshots; the receiver
    returns ``answer`` (or calls it when it is callable)."""
    heard = []

    def receiver(sender, **kwargs):
        heard.append((snapshot(sender), {k: snapshot(v) for k, v in kwargs.items()}))
        return answer(sender, **kwargs) if callable(answer) else answer

    with signal.connected_to(receiver):
        yield heard


def attended(scoped, street, make_user, hours="2", role="volunteer") -> tuple[int, int, int]:
    """A 3-hour event that started 4 hours ago with one registered volunteer checked out."""
    event_id = make_event(scoped, street, starts_at=utcnow() - timedelta(hours=4))
    user_id = make_user(street, role)[0]
    with scoped(street) as session:
        session.add(Registration(event_id=event_id, user_id=user_id, status="registered"))
        row = Attendance(
            event_id=event_id,
            user_id=user_id,
            checked_in_at=utcnow() - timedelta(hours=4),
            checked_out_at=utcnow() - timedelta(hours=2),
            hours=Decimal(hours),
        )
        session.add(row)
        session.commit()
        return event_id, user_id, row.id


def confirm_url(event_id: int, attendance_id: int) -> str:
    return f"/alpha/events/{event_id}/attendance/{attendance_id}/confirm"


@both_backends
def test_attendance_confirmed_is_sent_once_with_its_hours(admin, street, make_user, scoped):
    event_id, user_id, attendance_id = attended(scoped, street, make_user)
    with listening(signals.attendance_confirmed, "单位时长已记入") as heard:
        first = admin.post(confirm_url(event_id, attendance_id), headers={"HX-Request": "true"})
        admin.post(confirm_url(event_id, attendance_id), headers={"HX-Request": "true"})
    assert len(heard) == 1
    sender, kwargs = heard[0]
    assert sender.id == attendance_id
    assert kwargs["hours"] == Decimal("2") and kwargs["source"] == "recorded"
    assert kwargs["user"].id == user_id and kwargs["event"].id == event_id
    assert kwargs["actor"].id == street.admin_id and kwargs["tenant"].id == street.id
    # every receiver's sentence is shown to the staff member: the passport's and ours
    body = first.get_data(as_text=True)
    assert "已确认，发放 20 积分，单位时长已记入" in body


@both_backends
def test_a_receivers_refusal_undoes_the_confirmation(admin, street, make_user, scoped):
    event_id, _user_id, attendance_id = attended(scoped, street, make_user)

    def refuse(sender, **kwargs):
        raise ServiceError("单位账号已停用，不能记入时长")

    with listening(signals.attendance_confirmed, refuse):
        response = admin.post(confirm_url(event_id, attendance_id), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "单位账号已停用" in response.get_data(as_text=True)
    with scoped(street) as session:
        row = session.scalar(select(Attendance).where(Attendance.id == attendance_id))
        assert row.confirmed_at is None  # nothing half-done: not confirmed, no points
        assert session.scalar(select(func.count()).select_from(PointEntry)) == 0
    # once the refusal is gone, the same confirmation goes through and pays
    admin.post(confirm_url(event_id, attendance_id))
    with scoped(street) as session:
        assert session.scalar(select(func.sum(PointEntry.delta))) == 20


def test_a_receivers_writes_commit_with_the_change(admin, street, make_user, scoped):
    event_id, _user_id, attendance_id = attended(scoped, street, make_user)

    def note(sender, *, session, actor, **kwargs):
        record(session, "sample.credited", actor.id, target=f"attendance:{sender.id}")

    with listening(signals.attendance_confirmed, note):
        admin.post(confirm_url(event_id, attendance_id))
    with scoped(street) as session:
        targets = session.scalars(
            select(AuditEntry.target).where(AuditEntry.action == "sample.credited")
        ).all()
    assert targets == [f"attendance:{attendance_id}"]


def test_corrections_and_entered_hours_are_published(admin, street, make_user, scoped):
    event_id, _user_id, attendance_id = attended(scoped, street, make_user)
    late = make_user(street)[0]
    with scoped(street) as session:
        session.add(Registration(event_id=event_id, user_id=late, status="registered"))
        session.commit()
    with listening(signals.attendance_corrected) as heard:
        admin.post(
            f"/alpha/events/{event_id}/attendance/{attendance_id}/hours",
            data={"hours": "1.5", "reason": "提前离开"},
        )
        admin.post(
            f"/alpha/events/{event_id}/attendance/enter",
            data={"user": str(late), "hours": "1", "reason": "补录"},
        )
    assert [(k["previous_hours"], s.hours, k["reason"]) for s, k in heard] == [
        (Decimal("2.00"), Decimal("1.5"), "提前离开"),
        (None, Decimal("1"), "补录"),
    ]


def test_sign_ups_cancellations_and_promotions_are_published(app, street, make_user, scoped):
    event_id = make_event(scoped, street, capacity=1)
    first_id, first = make_user(street)
    second_id, second = make_user(street)
    one, two = signed_in(app, "alpha", first), signed_in(app, "alpha", second)
    with listening(signals.registration_changed) as heard:
        one.post(f"/alpha/events/{event_id}/register")
        two.post(f"/alpha/events/{event_id}/register")
        one.post(f"/alpha/events/{event_id}/cancel-registration")
    seen = [(k["user"].id, k["previous_status"], s.status) for s, k in heard]
    assert seen == [
        (first_id, None, "registered"),
        (second_id, None, "waitlisted"),
        (first_id, "registered", "cancelled"),
        (second_id, "waitlisted", "registered"),  # promoted into the freed seat
    ]
    assert all(k["event"].id == event_id for _s, k in heard)


def test_publish_cancel_and_finish_are_published_once(admin, street, scoped):
    draft = make_event(scoped, street, status=EventStatus.draft)
    started = make_event(scoped, street, starts_at=utcnow() - timedelta(hours=1))
    with (
        listening(signals.event_published) as published,
        listening(signals.event_cancelled) as cancelled,
        listening(signals.event_finished) as finished,
    ):
        admin.post(f"/alpha/events/{draft}/publish")
        admin.post(f"/alpha/events/{draft}/publish")
        admin.post(f"/alpha/events/{draft}/cancel", data={"reason": "天气原因"})
        admin.post(f"/alpha/events/{draft}/cancel", data={"reason": "天气原因"})
        admin.post(f"/alpha/events/{started}/finish")
        admin.post(f"/alpha/events/{started}/finish")
    assert [s.id for s, _k in published] == [draft]
    assert [(s.id, k["reason"]) for s, k in cancelled] == [(draft, "天气原因")]
    assert [(s.id, k["actor"].id) for s, k in finished] == [(started, street.admin_id)]


def test_the_closing_job_publishes_the_events_it_finishes(app, street, scoped):
    from saas.jobs import run_job

    ended = make_event(scoped, street, starts_at=utcnow() - timedelta(days=2), title="早已结束")
    with listening(signals.event_finished) as finished, app.app_context():
        run_job("tenants.events.jobs:send_reminders", None)
    assert [(s.id, k["actor"]) for s, k in finished] == [(ended, None)]
    with scoped(street) as session:
        assert session.scalar(select(Event.status).where(Event.id == ended)) == "finished"
    assert send_reminders  # the job the scheduler runs under the name event-reminders


def test_a_scanned_code_is_resolved_by_the_modules(app, street, make_user, scoped):
    """A code the engine does not know is asked of the modules; the passport is one of them,
    and another module can add its own kind of code."""
    from saas.auth.models import User

    event_id = make_event(scoped, street, starts_at=utcnow() - timedelta(minutes=30))
    user_id = make_user(street)[0]
    with scoped(street) as session:
        session.add(Registration(event_id=event_id, user_id=user_id, status="registered"))
        session.commit()

    def member_card(code, *, session, **kwargs):
        if code == "member:42":
            return session.scalar(select(User).where(User.id == user_id))
        return None

    client = app.test_client()
    login(client, "alpha", street.admin_phone)
    url = f"/alpha/events/{event_id}/scans"
    unknown = client.post(url, json=[{"nonce": "n" * 12, "code": "member:42", "mode": "in"}])
    assert unknown.get_json()["results"][0]["message"] == "无法识别的二维码"
    with signals.resolve_scanned_code.connected_to(member_card):
        known = client.post(url, json=[{"nonce": "m" * 12, "code": "member:42", "mode": "in"}])
    assert known.get_json()["results"][0]["result"] == "ok"
    with scoped(street) as session:
        assert session.scalar(select(Attendance.user_id)) == user_id


@pytest.mark.parametrize(
    "signal",
    [
        signals.registration_changed,
        signals.attendance_confirmed,
        signals.attendance_corrected,
        signals.event_published,
        signals.event_cancelled,
        signals.event_finished,
        signals.resolve_scanned_code,
    ],
)
def test_every_signal_documents_its_sender_and_arguments(signal):
    assert "sender" in signal.__doc__ and "session" in signal.__doc__


def test_a_units_confirmed_attendance_issues_it_no_passport(admin, street, make_user, scoped):
    """Only volunteers hold passports: a unit account's hours are the alliance's to credit."""
    from tenants.passport.models import Passport

    event_id, user_id, attendance_id = attended(scoped, street, make_user, role="org")
    response = admin.post(confirm_url(event_id, attendance_id), headers={"HX-Request": "true"})
    assert "已确认" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(Attendance.confirmed_at)) is not None
        assert session.scalar(select(func.count()).select_from(Passport)) == 0
        assert session.scalar(select(func.count()).select_from(PointEntry)) == 0
