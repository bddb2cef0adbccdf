"""签到 / 签退: the event's rotating QR, the poster code, the staff scanner's offline queue, auto-close.

What a volunteer or staff member would notice, and what an attacker would try: an expired, forged
or voided code; another street's code or passport; a check-in to a cancelled or finished event; a
check-out before the check-in; an offline queue sent twice; hours beyond the event's length.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from saas.auth.models import User
from saas.db import utcnow
from saas.extensions import db
from saas.jobs import run_job
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope
from tenants.events import checkin
from tenants.events.models import (
    Attendance,
    Event,
    EventStatus,
    HoursSource,
    Registration,
    ScanNonce,
)
from tenants.passport import codes
from tenants.passport.models import Passport
from tests.conftest import both_backends, login, pg_only
from tests.tenants.factories import assert_statements_do_not_grow

# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def other(make_street):
    return make_street("bravo", name="乙街道")


def make_event(scoped, street, *, starts=None, hours=2, status=EventStatus.published) -> int:
    starts = starts or utcnow() - timedelta(minutes=30)
    with scoped(street) as session:
        event = Event(
            title="社区清洁日",
            place="朝阳公园",
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            status=status,
        )
        session.add(event)
        session.commit()
        return event.id


def make_volunteer(scoped, make_user, street, event_id=None, status="registered", name="李志愿"):
    """A volunteer with a passport; registered (or waitlisted) for ``event_id`` if given."""
    user_id, phone = make_user(street, name=name)
    with scoped(street) as session:
        passport = Passport(user_id=user_id, number=f"P-{uuid.uuid4().int % 10**6:06d}")
        session.add(passport)
        if event_id is not None:
            session.add(Registration(event_id=event_id, user_id=user_id, status=status))
        session.commit()
        return user_id, phone, passport.id


def token_for(scoped, street, event_id, mode="in", now=None, fixed=False) -> str:
    with scoped(street) as session:
        event = session.scalar(select(Event).where(Event.id == event_id))
        return checkin.checkin_token(event, mode, now=now, fixed=fixed)


def attendance(scoped, street, event_id, user_id) -> Attendance | None:
    with scoped(street) as session:
        row = session.scalar(
            select(Attendance).where(Attendance.event_id == event_id, Attendance.user_id == user_id)
        )
        if row is not None:
            session.expunge(row)
        return row


def set_status(scoped, street, event_id, status) -> None:
    with scoped(street) as session:
        session.scalar(select(Event).where(Event.id == event_id)).status = status
        session.commit()


def page(response) -> str:
    return response.get_data(as_text=True)


def scan(code, mode="in", **extra) -> dict:
    return {"nonce": uuid.uuid4().hex, "code": code, "mode": mode, **extra}


def passport_code(app, street, passport_id) -> str:
    with app.app_context():
        return codes.passport_token(street.id, passport_id)


# --- the rotating code ---------------------------------------------------------------------------


def test_rotating_token_changes_between_windows_and_expires_after_the_grace_window(street, scoped):
    event_id = make_event(scoped, street)
    t0 = datetime(2026, 5, 1, 2, 0, 5, tzinfo=UTC)
    first = token_for(scoped, street, event_id, now=t0)
    same_window = token_for(scoped, street, event_id, now=t0 + timedelta(seconds=20))
    next_window = token_for(scoped, street, event_id, now=t0 + timedelta(seconds=30))
    assert checkin.window_of(t0) == checkin.window_of(t0 + timedelta(seconds=20))
    assert first != next_window and same_window != next_window

    with scoped(street) as session:
        # the current window and the previous one are accepted
        assert checkin.read_checkin_token(session, first, now=t0).event.id == event_id
        code = checkin.read_checkin_token(session, first, now=t0 + timedelta(seconds=30))
        assert code.mode == "in" and not code.fixed
        # two windows later: a photo passed around no longer works
        with pytest.raises(checkin.TokenExpired, match="已过期"):
            checkin.read_checkin_token(session, first, now=t0 + timedelta(seconds=60))
        # a code from the future (a forged window) is refused too
        with pytest.raises(checkin.ServiceError, match="无效"):
            checkin.read_checkin_token(session, next_window, now=t0)


def test_an_expired_code_is_refused_on_the_phone(client, street, scoped, make_user):
    event_id = make_event(scoped, street)
    _, phone, _ = make_volunteer(scoped, make_user, street, event_id)
    login(client, "alpha", phone)
    old = token_for(scoped, street, event_id, now=utcnow() - timedelta(minutes=2))
    response = client.get(f"/alpha/checkin/{old}")
    assert response.status_code == 422 and "签到码已过期" in page(response)
    response = client.post(f"/alpha/checkin/{old}")
    assert response.status_code == 422 and "签到码已过期" in page(response)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),  # signature changed
        lambda t: "forged-token",
        lambda t: "W1sxLDIsImluIl0.abc.def",
        lambda t: "x" * 500,
        lambda t: "²",
    ],
)
def test_a_forged_code_is_refused(client, street, scoped, make_user, mangle):
    event_id = make_event(scoped, street)
    user_id, phone, _ = make_volunteer(scoped, make_user, street, event_id)
    login(client, "alpha", phone)
    forged = mangle(token_for(scoped, street, event_id))
    for method in (client.get, client.post):
        response = method(f"/alpha/checkin/{forged}")
        assert response.status_code in (404, 422)
        if response.status_code == 422:
            assert "签到码无效" in page(response)
    assert attendance(scoped, street, event_id, user_id) is None


def test_another_streets_code_is_refused(client, street, other, scoped, make_user):
    theirs = make_event(scoped, other)
    ours = make_event(scoped, street)
    user_id, phone, _ = make_volunteer(scoped, make_user, street, ours)
    login(client, "alpha", phone)
    response = client.post(f"/alpha/checkin/{token_for(scoped, other, theirs)}")
    assert response.status_code == 422 and "其他街道的签到码" in page(response)
    assert attendance(scoped, street, ours, user_id) is None


def test_a_volunteer_checks_in_and_out_through_the_event_qr(client, street, scoped, make_user):
    event_id = make_event(scoped, street)
    user_id, phone, _ = make_volunteer(scoped, make_user, street, event_id)

    # not signed in: the login page, which brings them back here
    token = token_for(scoped, street, event_id)
    response = client.get(f"/alpha/checkin/{token}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/alpha/login?next=/alpha/checkin/")

    login(client, "alpha", phone)
    response = client.get(f"/alpha/checkin/{token}")
    assert response.status_code == 200
    assert "社区清洁日" in page(response) and "确认签到" in page(response)
    assert attendance(scoped, street, event_id, user_id) is None  # opening the page changes nothing

    response = client.post(f"/alpha/checkin/{token}")
    assert response.status_code == 200 and "签到成功" in page(response)
    first = attendance(scoped, street, event_id, user_id)
    assert first.checked_in_at is not None and first.checked_out_at is None

    # twice: idempotent, says so
    response = client.post(f"/alpha/checkin/{token}")
    assert response.status_code == 200 and "已签到" in page(response)
    assert "您已于" in page(client.get(f"/alpha/checkin/{token}"))
    assert attendance(scoped, street, event_id, user_id).checked_in_at == first.checked_in_at

    out = token_for(scoped, street, event_id, mode="out")
    assert "确认签退" in page(client.get(f"/alpha/checkin/{out}"))
    response = client.post(f"/alpha/checkin/{out}")
    assert response.status_code == 200 and "签退成功" in page(response)
    done = attendance(scoped, street, event_id, user_id)
    assert done.checked_out_at is not None and done.source == HoursSource.recorded
    assert done.hours is not None and done.hours >= 0
    response = client.post(f"/alpha/checkin/{out}")
    assert "已签退" in page(response)


def test_the_confirm_button_outlives_the_code_for_the_person_who_opened_it(
    client, street, scoped, make_user
):
    event_id = make_event(scoped, street)
    user_id, phone, _ = make_volunteer(scoped, make_user, street, event_id)
    stranger_id, stranger_phone, _ = make_volunteer(scoped, make_user, street, event_id)
    opened = utcnow() - timedelta(seconds=95)  # the code has expired since
    token = token_for(scoped, street, event_id, now=opened)
    with scoped(street) as session:
        event = session.scalar(select(Event).where(Event.id == event_id))
        ticket = checkin.confirm_ticket(event, "in", user_id, now=opened)

    login(client, "alpha", stranger_phone)  # a ticket is no good to anyone else
    response = client.post(f"/alpha/checkin/{token}", data={"ticket": ticket})
    assert response.status_code == 422 and "已过期" in page(response)
    assert attendance(scoped, street, event_id, stranger_id) is None

    client.post("/alpha/logout")
    login(client, "alpha", phone)
    response = client.post(f"/alpha/checkin/{token}", data={"ticket": ticket})
    assert response.status_code == 200 and "签到成功" in page(response)


def test_the_poster_code_has_no_window_but_dies_with_a_reset(client, street, scoped, make_user):
    event_id = make_event(scoped, street)
    user_id, phone, _ = make_volunteer(scoped, make_user, street, event_id)
    fixed = token_for(scoped, street, event_id, fixed=True)
    with scoped(street) as session:
        code = checkin.read_checkin_token(session, fixed, now=utcnow() + timedelta(days=30))
        assert code.fixed

    login(client, "alpha", street.admin_phone)
    response = client.get(f"/alpha/events/{event_id}/checkin-poster")
    assert response.status_code == 200 and page(response).count("<svg") == 2
    response = client.post(f"/alpha/events/{event_id}/checkin-secret")
    assert response.status_code == 302
    client.post("/alpha/logout")

    login(client, "alpha", phone)
    response = client.post(f"/alpha/checkin/{fixed}")
    assert response.status_code == 422 and "已作废" in page(response)
    assert attendance(scoped, street, event_id, user_id) is None
    response = client.post(f"/alpha/checkin/{token_for(scoped, street, event_id, fixed=True)}")
    assert response.status_code == 200 and "签到成功" in page(response)


# --- refusals ------------------------------------------------------------------------------------


@both_backends
@pytest.mark.parametrize(
    ("status", "message"), [("cancelled", "活动已取消"), ("finished", "活动已结束")]
)
def test_no_check_in_to_a_cancelled_or_finished_event(
    client, street, scoped, make_user, status, message
):
    event_id = make_event(scoped, street)
    user_id, phone, passport_id = make_volunteer(scoped, make_user, street, event_id)
    set_status(scoped, street, event_id, status)
    login(client, "alpha", phone)
    token = token_for(scoped, street, event_id)
    assert message in page(client.get(f"/alpha/checkin/{token}"))
    response = client.post(f"/alpha/checkin/{token}")
    assert response.status_code == 422 and message in page(response)
    assert attendance(scoped, street, event_id, user_id) is None


def test_no_check_in_after_the_end_or_long_before_the_start(client, street, scoped, make_user):
    ended = make_event(scoped, street, starts=utcnow() - timedelta(hours=5))
    later = make_event(scoped, street, starts=utcnow() + timedelta(hours=5))
    for event_id, message in ((ended, "活动已结束"), (later, "签到尚未开始")):
        user_id, phone, _ = make_volunteer(scoped, make_user, street, event_id)
        login(client, "alpha", phone)
        response = client.post(f"/alpha/checkin/{token_for(scoped, street, event_id)}")
        assert response.status_code == 422 and message in page(response)
        assert attendance(scoped, street, event_id, user_id) is None
        client.post("/alpha/logout")


@pytest.mark.parametrize(
    ("status", "message"),
    [("waitlisted", "候补"), ("cancelled", "未报名"), (None, "未报名")],
)
def test_only_registered_people_check_in(client, street, scoped, make_user, status, message):
    event_id = make_event(scoped, street)
    if status is None:
        user_id, phone, _ = make_volunteer(scoped, make_user, street)
    else:
        user_id, phone, _ = make_volunteer(scoped, make_user, street, event_id, status=status)
    login(client, "alpha", phone)
    response = client.post(f"/alpha/checkin/{token_for(scoped, street, event_id)}")
    assert response.status_code == 422 and message in page(response)
    assert attendance(scoped, street, event_id, user_id) is None


@both_backends
def test_no_check_out_before_check_in(client, street, scoped, make_user):
    event_id = make_event(scoped, street)
    user_id, phone, passport_id = make_volunteer(scoped, make_user, street, event_id)
    login(client, "alpha", phone)
    out = token_for(scoped, street, event_id, mode="out")
    assert "尚未签到" in page(client.get(f"/alpha/checkin/{out}"))
    response = client.post(f"/alpha/checkin/{out}")
    assert response.status_code == 422 and "尚未签到，不能签退" in page(response)
    assert attendance(scoped, street, event_id, user_id) is None
    client.post("/alpha/logout")

    # through the staff scanner it is not refused for good: the check-in may still be in
    # another phone's offline queue, so the browser keeps the scan and sends it again
    login(client, "alpha", street.admin_phone)
    code = passport_code(client.application, street, passport_id)
    answer = client.post(f"/alpha/events/{event_id}/scans", json=[scan(code, "out")]).get_json()
    assert answer["results"][0]["result"] == "retry"
    assert "尚未签到" in answer["results"][0]["message"]
    assert attendance(scoped, street, event_id, user_id) is None


# --- hours ---------------------------------------------------------------------------------------


def test_hours_are_capped_at_the_event_length_and_rounded(street, scoped, make_user):
    starts = utcnow() - timedelta(hours=1)
    event_id = make_event(scoped, street, starts=starts, hours=2)
    long_id, *_ = make_volunteer(scoped, make_user, street, event_id)
    short_id, *_ = make_volunteer(scoped, make_user, street, event_id)
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        event = session.scalar(select(Event).where(Event.id == event_id))
        early = session.scalar(select(User).where(User.id == long_id))
        brief = session.scalar(select(User).where(User.id == short_id))
        # in an hour before the start, out an hour after the end: three hours on the clock
        checkin.check_in(session, early, event, starts - timedelta(hours=1))
        out = checkin.check_out(session, tenant, early, event, starts + timedelta(hours=3))
        assert out.result == "ok" and out.attendance.hours == Decimal("2.00")
        # twenty minutes: 0.33 hours
        checkin.check_in(session, brief, event, starts)
        out = checkin.check_out(session, tenant, brief, event, starts + timedelta(minutes=20))
        assert out.attendance.hours == Decimal("0.33")
        session.commit()
    assert attendance(scoped, street, event_id, long_id).hours == Decimal("2.00")


def test_waiting_for_the_start_is_not_service(street, scoped, make_user):
    """Check-in opens two hours early to let people queue; the hours start with the event."""
    starts = utcnow() - timedelta(minutes=30)
    event_id = make_event(scoped, street, starts=starts, hours=2)
    user_id, *_ = make_volunteer(scoped, make_user, street, event_id)
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        event = session.scalar(select(Event).where(Event.id == event_id))
        person = session.scalar(select(User).where(User.id == user_id))
        checkin.check_in(session, person, event, starts - timedelta(hours=1))
        out = checkin.check_out(session, tenant, person, event, starts + timedelta(minutes=30))
        # an hour and a half on the clock, of which half an hour at the event
        assert out.attendance.hours == Decimal("0.50")


def test_check_out_asks_the_street_for_auto_confirm(street, scoped, make_user, monkeypatch):
    from tenants.events import attendance as attendance_rules

    seen = []
    monkeypatch.setattr(
        attendance_rules,
        "maybe_auto_confirm",
        lambda session, tenant, row: seen.append((tenant.id, row.hours)),
        raising=False,
    )
    event_id = make_event(scoped, street)
    user_id, *_ = make_volunteer(scoped, make_user, street, event_id)
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        event = session.scalar(select(Event).where(Event.id == event_id))
        user = session.scalar(select(User).where(User.id == user_id))
        checkin.check_in(session, user, event, utcnow() - timedelta(minutes=30))
        checkin.check_out(session, tenant, user, event)
        checkin.check_out(session, tenant, user, event)  # already: not asked again
    assert seen == [(street.id, Decimal("0.50"))]


# --- the staff scanner ---------------------------------------------------------------------------


@both_backends
def test_an_offline_queue_sent_twice_checks_in_once(app, client, street, scoped, make_user):
    event_id = make_event(scoped, street, starts=utcnow() - timedelta(hours=1), hours=3)
    user_id, _, passport_id = make_volunteer(scoped, make_user, street, event_id)
    code = passport_code(app, street, passport_id)
    scanned = (utcnow() - timedelta(minutes=40)).replace(microsecond=0)
    batch = [
        scan(code, scanned_at=scanned.isoformat().replace("+00:00", "Z")),
        scan(code, scanned_at=scanned.isoformat()),  # the same person scanned twice offline
    ]
    login(client, "alpha", street.admin_phone)

    first = client.post(f"/alpha/events/{event_id}/scans", json=batch)
    assert first.status_code == 200
    results = first.get_json()["results"]
    assert [r["result"] for r in results] == ["ok", "already"]
    assert results[0]["name"] == "李志愿" and "签到成功" in results[0]["message"]

    again = client.post(f"/alpha/events/{event_id}/scans", json={"scans": batch})
    assert [r["result"] for r in again.get_json()["results"]] == ["already", "already"]
    assert [r["nonce"] for r in again.get_json()["results"]] == [s["nonce"] for s in batch]

    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 1
        assert session.scalar(select(func.count()).select_from(ScanNonce)) == 2
    # an offline scan keeps the time it was made
    assert attendance(scoped, street, event_id, user_id).checked_in_at == scanned


def test_scan_times_are_bounded(app, street, scoped):
    event_id = make_event(scoped, street, starts=datetime(2026, 6, 1, 1, 0, tzinfo=UTC))
    now = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    with scoped(street) as session:
        event = session.scalar(select(Event).where(Event.id == event_id))
        kept = datetime(2026, 6, 1, 0, 30, tzinfo=UTC)
        assert checkin.scan_time(kept.isoformat(), event, now) == kept
        assert checkin.scan_time(int(kept.timestamp() * 1000), event, now) == kept
        # in the future, the day before (Beijing time), naive, garbage: the server's time
        for raw in (
            "2026-06-01T05:00:00Z",
            "2026-05-31T15:00:00Z",
            "2026-06-01T01:00:00",
            "昨天",
            "2026-06-01T01:00:00\x00",
            10**30,
            True,
            None,
        ):
            assert checkin.scan_time(raw, event, now) == now, raw
        # 16:30 UTC the day before is already 00:30 on the event's day in Beijing
        early = datetime(2026, 5, 31, 16, 30, tzinfo=UTC)
        assert checkin.scan_time(early.isoformat(), event, now) == early


@both_backends
def test_a_passport_of_another_street_is_refused(app, client, street, other, scoped, make_user):
    event_id = make_event(scoped, street)
    # the same phone in both streets: only street A's passport may check in at A's event
    foreign_user, phone, foreign_passport = make_volunteer(scoped, make_user, other)
    own_user, _, _ = make_volunteer(scoped, make_user, street, event_id)
    foreign = passport_code(app, other, foreign_passport)
    login(client, "alpha", street.admin_phone)
    answer = client.post(
        f"/alpha/events/{event_id}/scans", json=[scan(foreign, walk_in=True)]
    ).get_json()
    assert answer["results"][0]["result"] == "refused"
    assert answer["results"][0]["message"] == "不是本街道的志愿护照"
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0
    with scoped(other) as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0

    # a code signed for A that names B's passport id does not reach it either
    forged = passport_code(app, street, foreign_passport)
    answer = client.post(f"/alpha/events/{event_id}/scans", json=[scan(forged)]).get_json()
    assert answer["results"][0]["result"] == "refused"
    assert "找不到" in answer["results"][0]["message"]


def test_scanner_refuses_strangers_unless_walk_ins_are_allowed(
    app, client, street, scoped, make_user
):
    event_id = make_event(scoped, street)
    user_id, _, passport_id = make_volunteer(scoped, make_user, street)  # not registered
    code = passport_code(app, street, passport_id)
    login(client, "alpha", street.admin_phone)
    url = f"/alpha/events/{event_id}/scans"
    refused = client.post(url, json=[scan(code)]).get_json()["results"][0]
    assert refused["result"] == "refused" and "未报名" in refused["message"]
    assert attendance(scoped, street, event_id, user_id) is None
    ok = client.post(url, json=[scan(code, walk_in=True)]).get_json()["results"][0]
    assert ok["result"] == "ok" and "现场签到" in ok["message"]
    # a passport number typed by hand works as well as the QR
    with scoped(street) as session:
        number = session.scalar(select(Passport.number).where(Passport.id == passport_id))
    full_width = number.lower().translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    out = client.post(url, json=[scan(full_width, "out")]).get_json()["results"][0]
    assert out["result"] == "ok" and "签退成功" in out["message"]  # typed in full width, too
    # no walk-in seat was taken
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Registration)) == 0


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        {"scans": "x"},
        [1, 2, 3],
        [{}] * 101,
        [{"nonce": "short", "code": "x", "mode": "in"}],
        [{"nonce": "a" * 65, "code": "x", "mode": "in"}],
        [{"nonce": "<script>alert(1)</script>", "code": "x", "mode": "in"}],
        [{"nonce": "abcdefgh1", "code": ["x"], "mode": "in"}],
        [{"nonce": "abcdefgh2", "code": "x" * 10_000, "mode": "sideways"}],
        [{"nonce": "abcdefgh3", "code": "AAA-1\x00", "mode": "in", "scanned_at": {"a": 1}}],
        [{"nonce": "abcdefgh4", "code": "W1s5OTk5OTk5OTk5OTk5OTk5OTk5OTk5LDFdXQ.x", "mode": "in"}],
    ],
)
def test_hostile_scans_are_refused_without_a_500(client, street, scoped, body):
    event_id = make_event(scoped, street)
    login(client, "alpha", street.admin_phone)
    url = f"/alpha/events/{event_id}/scans"
    if isinstance(body, str):
        response = client.post(url, data=body, content_type="application/json")
    else:
        response = client.post(url, json=body)
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert all(r["result"] == "refused" for r in response.get_json()["results"])
        # echoed only as JSON (so the browser can drop it from its queue), never as a page
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0


@pg_only
def test_the_same_queue_sent_from_two_tabs_at_once_counts_once(app, street, scoped, make_user):
    event_id = make_event(scoped, street)
    user_id, _, passport_id = make_volunteer(scoped, make_user, street, event_id)
    code = passport_code(app, street, passport_id)
    batch = [scan(code) for _ in range(3)]
    n = 8
    barrier = threading.Barrier(n)
    answers: list = [None] * n

    def send(i: int) -> None:
        with app.app_context(), tenant_scope(street.id):
            try:
                tenant = db.session.get(Tenant, street.id)
                admin = db.session.scalar(select(User).where(User.id == street.admin_id))
                event = db.session.scalar(select(Event).where(Event.id == event_id))
                barrier.wait()
                answers[i] = checkin.record_scans(db.session, tenant, admin, event, batch)
                db.session.commit()
            except Exception as error:  # reported below
                answers[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [a for a in answers if isinstance(a, Exception)], answers
    oks = [r for answer in answers for r in answer if r.result == "ok"]
    assert len(oks) == 1
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 1
        assert session.scalar(select(func.count()).select_from(ScanNonce)) == 3


# --- auto-close ----------------------------------------------------------------------------------


@both_backends
def test_open_check_ins_are_closed_at_the_events_end_and_flagged(
    app, client, street, other, scoped, make_user
):
    starts = utcnow() - timedelta(hours=4)
    ended = make_event(scoped, street, starts=starts, hours=2)
    running = make_event(scoped, street, starts=utcnow() - timedelta(minutes=30), hours=2)
    theirs = make_event(scoped, other, starts=starts, hours=2)
    forgot, *_ = make_volunteer(scoped, make_user, street, ended, name="忘签退")
    left, *_ = make_volunteer(scoped, make_user, street, ended, name="已签退")
    still, *_ = make_volunteer(scoped, make_user, street, running, name="还在场")
    elsewhere, *_ = make_volunteer(scoped, make_user, other, theirs)
    for s, event_id, user_id, out in (
        (street, ended, forgot, None),
        (street, ended, left, starts + timedelta(hours=1)),
        (street, running, still, None),
        (other, theirs, elsewhere, None),
    ):
        with scoped(s) as session:
            session.add(
                Attendance(
                    event_id=event_id,
                    user_id=user_id,
                    checked_in_at=starts - timedelta(minutes=30),
                    checked_out_at=out,
                    hours=Decimal("1.50") if out else None,
                )
            )
            session.commit()

    with app.app_context():  # as the scheduler runs it: every street in view
        assert run_job("tenants.events.checkin:close_open_checkins", None) == 2
        assert run_job("tenants.events.checkin:close_open_checkins", None) == 0  # once only

    closed = attendance(scoped, street, ended, forgot)
    assert closed.auto_closed is True
    assert closed.checked_out_at == starts + timedelta(hours=2)
    assert closed.hours == Decimal("2.00")  # 2.5 h on the clock, capped at the event's 2 h
    assert attendance(scoped, street, ended, left).auto_closed is False
    assert attendance(scoped, street, ended, left).hours == Decimal("1.50")
    assert attendance(scoped, street, running, still).checked_out_at is None
    assert attendance(scoped, other, theirs, elsewhere).auto_closed is True

    # staff see the flag
    login(client, "alpha", street.admin_phone)
    body = page(client.get(f"/alpha/events/{ended}/scanner"))
    assert "忘签退" in body and "自动签退" in body and "已签退" in body


# --- pages and who may open them -----------------------------------------------------------------


def test_staff_pages_are_for_the_office_only(client, street, scoped, make_user):
    event_id = make_event(scoped, street)
    _, phone, _ = make_volunteer(scoped, make_user, street, event_id)
    urls = [
        f"/alpha/events/{event_id}/checkin-screen",
        f"/alpha/events/{event_id}/checkin-poster",
        f"/alpha/events/{event_id}/scanner",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    login(client, "alpha", phone)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(f"/alpha/events/{event_id}/scans", json=[]).status_code == 403
    assert client.post(f"/alpha/events/{event_id}/checkin-secret").status_code == 403


def test_the_screen_shows_a_qr_that_redraws_itself(client, street, scoped, make_user):
    event_id = make_event(scoped, street)
    login(client, "alpha", street.admin_phone)
    body = page(client.get(f"/alpha/events/{event_id}/checkin-screen"))
    assert 'hx-trigger="every 10s"' in body and '<svg class="qr"' in body
    assert "请用手机扫码签到" in body and "style=" not in body.split("<svg", 1)[1][:400]
    fragment = client.get(
        f"/alpha/events/{event_id}/checkin-screen?mode=out", headers={"HX-Request": "true"}
    )
    text = page(fragment)
    assert fragment.status_code == 200 and text.lstrip().startswith('<section id="checkin-qr"')
    assert "请用手机扫码签退" in text and "<html" not in text

    scanner = page(client.get(f"/alpha/events/{event_id}/scanner"))
    assert "vendor/jsqr.js" in scanner and "checkin.js" in scanner
    assert "<script>" not in scanner  # the CSP allows no inline script


def test_the_scanner_assets_are_served_by_the_app(client):
    for path in ("/static/vendor/jsqr.js", "/static/checkin.js"):
        response = client.get(path)
        if path.endswith("jsqr.js") and response.status_code == 404:
            pytest.skip("run `make assets` to install the front-end packages")
        assert response.status_code == 200
        assert b"eval(" not in response.data and b"new Function" not in response.data


@pytest.mark.parametrize("page_path", ["checkin-screen", "scanner"])
def test_statements_per_page_do_not_grow_with_attendance(
    app, client, street, scoped, make_user, page_path
):
    event_id = make_event(scoped, street)
    login(client, "alpha", street.admin_phone)
    url = f"/alpha/events/{event_id}/{page_path}"

    def grow(n):
        with scoped(street) as session:
            for i in range(n):
                user = User(
                    phone=f"135{uuid.uuid4().int % 10**8:08d}",
                    name=f"志愿者{i}",
                    password_hash="x",
                    role="volunteer",
                )
                session.add(user)
                session.flush()
                session.add(Registration(event_id=event_id, user_id=user.id))
                session.add(Attendance(event_id=event_id, user_id=user.id, checked_in_at=utcnow()))
            session.commit()

    assert_statements_do_not_grow(app, client, url, grow, more=15, most=8)


def test_passport_tokens_name_their_street(app, street, other):
    with app.app_context():
        token = codes.passport_token(street.id, 42)
        assert codes.read_passport_token(token) == (street.id, 42)
        assert codes.read_passport_token(token + "x") is None
        assert codes.read_passport_token("not a token") is None
        assert codes.passport_token(other.id, 42) != token


# --- found in review ------------------------------------------------------------------------------


def test_staff_of_one_community_cannot_run_another_communitys_check_in(
    app, street, scoped, make_user
):
    from tenants.structure.models import Community

    with scoped(street) as session:
        mine, theirs = Community(name="甲社区"), Community(name="乙社区")
        session.add_all([mine, theirs])
        session.commit()
        mine_id, theirs_id = mine.id, theirs.id
    event_id = make_event(scoped, street)
    with scoped(street) as session:
        session.scalar(select(Event).where(Event.id == event_id)).community_id = theirs_id
        session.commit()
    _uid, phone = make_user(street, "staff", community_id=mine_id)
    staff = app.test_client()
    login(staff, street.slug, phone)
    base = f"/{street.slug}/events/{event_id}"
    for path in ("/checkin-screen", "/checkin-poster", "/scanner"):
        assert staff.get(base + path).status_code == 404, path
    assert staff.post(base + "/checkin-secret").status_code == 404
    assert staff.post(base + "/scans", json=[]).status_code == 404


def test_hours_entered_by_staff_are_not_reopened_by_a_scan(app, client, street, scoped, make_user):
    from tenants.events.attendance import confirm_attendance

    event_id = make_event(scoped, street)
    user_id, phone, _passport = make_volunteer(scoped, make_user, street, event_id)
    with scoped(street) as session:
        session.add(
            Attendance(event_id=event_id, user_id=user_id, hours=3, source=HoursSource.entered)
        )
        session.commit()
        row = session.scalar(select(Attendance).where(Attendance.user_id == user_id))
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        paid = confirm_attendance(session, admin, session.get(Tenant, street.id), row)
        assert paid and paid.notes == []  # entered hours earn no points here
        session.commit()
    login(client, street.slug, phone)
    code = token_for(scoped, street, event_id, "in")
    response = client.post(f"/{street.slug}/checkin/{code}")
    assert "已由工作人员登记" in page(response)
    settled = attendance(scoped, street, event_id, user_id)
    assert settled.checked_in_at is None and settled.source == HoursSource.entered
    with scoped(street) as session:  # confirming again pays nothing either
        row = session.scalar(select(Attendance).where(Attendance.user_id == user_id))
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        assert not confirm_attendance(session, admin, session.get(Tenant, street.id), row)


def test_a_check_out_that_arrives_before_its_check_in_is_kept_for_a_retry(
    app, client, street, scoped, make_user
):
    event_id = make_event(scoped, street)
    user_id, _phone, passport_id = make_volunteer(scoped, make_user, street, event_id)
    login(client, street.slug, street.admin_phone)
    code = passport_code(app, street, passport_id)
    url = f"/{street.slug}/events/{event_id}/scans"
    out = scan(code, "out")
    first = client.post(url, json=[out]).get_json()["results"]
    assert [r["result"] for r in first] == ["retry"]  # not refused, not used up
    # the other phone's check-in arrives, then the check-out is sent again
    assert client.post(url, json=[scan(code, "in")]).get_json()["results"][0]["result"] == "ok"
    again = client.post(url, json=[out]).get_json()["results"]
    assert [r["result"] for r in again] == ["ok"]
    assert attendance(scoped, street, event_id, user_id).checked_out_at is not None
    # and now it is used up: a replay changes nothing
    assert client.post(url, json=[out]).get_json()["results"][0]["result"] == "already"
