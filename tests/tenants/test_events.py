"""Staff pages of the events engine (活动): create, edit, publish, cancel, finish, the list,
attendance confirmation and entered hours, and the reminder job."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from saas.audit.models import AuditEntry
from saas.auth.models import User
from saas.db import utcnow
from saas.notify.models import Notification
from saas.streets.models import Tenant
from tenants.events.models import (
    Attendance,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from tenants.passport.models import Passport, PointEntry
from tests.conftest import both_backends, login
from tests.tenants.factories import add_community, assert_statements_do_not_grow, make_event
from tests.test_query_counts import count_queries

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def staff(client, street):
    """The street's admin, signed in."""
    login(client, street.slug, street.admin_phone)
    return street


def sign_up(scoped, street, event_id: int, user_id: int, status=RegistrationStatus.registered):
    with scoped(street) as session:
        registration = Registration(
            event_id=event_id,
            user_id=user_id,
            status=status,
            waitlist_position=None if status == RegistrationStatus.registered else 1,
        )
        session.add(registration)
        if status == RegistrationStatus.registered:
            event = session.scalar(select(Event).where(Event.id == event_id))
            event.seats_taken += 1
        session.commit()
        return registration.id


def get_event(scoped, street, event_id: int) -> Event:
    with scoped(street) as session:
        event = session.scalar(select(Event).where(Event.id == event_id))
        session.expunge(event)
        return event


def form_data(**changes) -> dict:
    data = {
        "title": "重阳节敬老探访",
        "kind": "volunteer",
        "community": "",
        "place": "街道党群服务中心",
        "starts_at": "2030-05-01T09:00",
        "ends_at": "2030-05-01T12:00",
        "signup_deadline": "2030-04-30T18:00",
        "capacity": "20",
        "waitlist_enabled": "y",
        "audience": "volunteers",
        "points_mode": "per_hour",
        "points_value": "",
        "description": "陪老人聊天、读报。",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# Create, edit, publish ---------------------------------------------------------------------------


@both_backends
def test_staff_create_an_event_in_local_time_stored_in_utc_and_publish_it(client, staff, scoped):
    assert client.get("/alpha/events/new").status_code == 200
    response = client.post("/alpha/events/new", data=form_data(publish="0"))
    assert response.status_code == 302
    with scoped(staff) as session:
        event = session.scalar(select(Event))
        assert event.starts_at == datetime(2030, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
        assert event.signup_deadline == datetime(2030, 4, 30, 10, 0, tzinfo=UTC)
        assert (event.status, event.capacity, event.published_at) == ("draft", 20, None)
        event_id = event.id
    assert response.headers["Location"] == f"/alpha/events/{event_id}"
    page = client.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert "重阳节敬老探访" in page and "2030-05-01 09:00" in page and "草稿" in page

    assert client.post(f"/alpha/events/{event_id}/publish").status_code == 302
    published = get_event(scoped, staff, event_id)
    assert published.status == "published" and published.published_at is not None
    # publishing again changes nothing
    client.post(f"/alpha/events/{event_id}/publish")
    assert get_event(scoped, staff, event_id).published_at == published.published_at


def test_save_and_publish_at_once(client, staff, scoped):
    client.post("/alpha/events/new", data=form_data(publish="1"))
    with scoped(staff) as session:
        assert session.scalar(select(Event.status)) == "published"


TOO_LONG = "长" * 121


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "请填写活动名称"),
        ({"title": TOO_LONG}, "活动名称不能超过 120 个字"),
        ({"points_value": "-5"}, "积分需在 0–10000 之间"),
        ({"points_value": "10001"}, "积分需在 0–10000 之间"),
        ({"points_value": "99999999999999999999999999"}, "积分需在 0–10000 之间"),
        ({"points_value": "²"}, "请填写整数"),
        ({"points_value": "1.5"}, "请填写整数"),
        ({"points_mode": "fixed", "points_value": ""}, "固定积分请填写分值"),
        ({"capacity": "0"}, "名额需在 1–10000 之间"),
        ({"capacity": "10001"}, "名额需在 1–10000 之间"),
        ({"capacity": "-3"}, "名额需在 1–10000 之间"),
        ({"capacity": "abc"}, "请填写整数"),
        ({"ends_at": "2030-05-01T08:00"}, "结束时间必须晚于开始时间"),
        ({"ends_at": "2030-05-01T09:00"}, "结束时间必须晚于开始时间"),
        ({"ends_at": "2030-07-01T09:00"}, "活动时长不能超过 31 天"),
        ({"signup_deadline": "2030-05-01T10:00"}, "报名截止时间不能晚于开始时间"),
        ({"starts_at": ""}, "请填写开始时间"),
        ({"starts_at": "明天上午"}, "请填写有效的日期和时间"),
        ({"starts_at": "0001-01-01T00:00"}, "请填写有效的日期和时间"),
        ({"kind": "party"}, "请选择活动类型"),
        ({"audience": "everyone"}, "请选择报名对象"),
        ({"community": "99999999999999999999999"}, "请选择本街道的社区"),
        ({"community": "²"}, "请选择本街道的社区"),
    ],
)
def test_bad_event_input_is_refused_with_a_message_and_nothing_lost(
    client, staff, scoped, changes, message
):
    response = client.post("/alpha/events/new", data=form_data(**changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert "街道党群服务中心" in body  # what was typed is still there
    with scoped(staff) as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_hostile_text_is_shown_as_text(client, staff, scoped):
    client.post("/alpha/events/new", data=form_data(title="<script>alert(1)</script>"))
    with scoped(staff) as session:
        event_id = session.scalar(select(Event.id))
    page = client.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_another_streets_community_is_refused(client, staff, make_street, scoped):
    other = make_street("bravo")
    foreign = add_community(scoped, other, "乙社区")
    response = client.post("/alpha/events/new", data=form_data(community=str(foreign)))
    assert response.status_code == 422 and "请选择本街道的社区" in response.get_data(as_text=True)


def test_edit_keeps_capacity_at_or_above_seats_taken(client, staff, make_user, scoped):
    event_id = make_event(scoped, staff, capacity=5)
    for _ in range(3):
        sign_up(scoped, staff, event_id, make_user(staff)[0])
    page = client.get(f"/alpha/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="5"' in page and "社区清洁" in page
    local = get_event(scoped, staff, event_id).starts_at.astimezone(SHANGHAI)
    data = form_data(
        title="社区清洁（改）",
        capacity="2",
        starts_at=local.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(local + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        signup_deadline="",
    )
    response = client.post(f"/alpha/events/{event_id}/edit", data=data)
    assert response.status_code == 422
    assert "已有 3 人报名，名额不能少于已报名人数" in response.get_data(as_text=True)
    event = get_event(scoped, staff, event_id)
    assert (event.title, event.capacity) == ("社区清洁", 5)  # nothing half-saved

    data["capacity"] = "3"
    assert client.post(f"/alpha/events/{event_id}/edit", data=data).status_code == 302
    event = get_event(scoped, staff, event_id)
    assert (event.title, event.capacity, event.seats_taken) == ("社区清洁（改）", 3, 3)


def test_more_seats_promote_the_waitlist_in_order(client, staff, make_user, scoped):
    from tenants.events.registration import register

    event_id = make_event(scoped, staff, capacity=1)
    users = [make_user(staff)[0] for _ in range(3)]
    with scoped(staff) as session:
        for user_id in users:
            user = session.scalar(select(User).where(User.id == user_id))
            event = session.scalar(select(Event).where(Event.id == event_id))
            register(session, user, event)
        session.commit()
    event = get_event(scoped, staff, event_id)
    local = event.starts_at.astimezone(SHANGHAI)
    data = form_data(
        capacity="2",
        starts_at=local.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(local + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        signup_deadline="",
    )
    assert client.post(f"/alpha/events/{event_id}/edit", data=data).status_code == 302
    with scoped(staff) as session:
        statuses = dict(session.execute(select(Registration.user_id, Registration.status)).all())
        promoted = session.scalar(select(Notification).where(Notification.kind == "event.promoted"))
        assert promoted.user_id == users[1] and "sms" in promoted.channels
    assert [statuses[u] for u in users] == ["registered", "registered", "waitlisted"]


def test_a_cancelled_event_cannot_be_edited_or_published(client, staff, scoped):
    event_id = make_event(scoped, staff, status=EventStatus.cancelled)
    response = client.post(f"/alpha/events/{event_id}/edit", data=form_data())
    assert response.status_code == 422 and "已取消或已结束的活动不能修改" in response.get_data(
        as_text=True
    )
    response = client.post(f"/alpha/events/{event_id}/publish")
    assert response.status_code == 422 and "不能发布" in response.get_data(as_text=True)


# Cancel and finish -------------------------------------------------------------------------------


@both_backends
def test_cancelling_an_event_notifies_everyone_registered_or_waitlisted_once(
    client, staff, make_user, scoped
):
    event_id = make_event(scoped, staff)
    registered = make_user(staff)[0]
    waiting = make_user(staff)[0]
    gone = make_user(staff)[0]
    sign_up(scoped, staff, event_id, registered)
    sign_up(scoped, staff, event_id, waiting, RegistrationStatus.waitlisted)
    sign_up(scoped, staff, event_id, gone, RegistrationStatus.cancelled)

    response = client.post(f"/alpha/events/{event_id}/cancel", data={"reason": "暴雨预警"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已通知 2 位报名者" in page
    client.post(f"/alpha/events/{event_id}/cancel")  # a second click tells nobody again
    with scoped(staff) as session:
        notes = session.scalars(
            select(Notification).where(Notification.kind == "event.cancelled")
        ).all()
        event = session.scalar(select(Event).where(Event.id == event_id))
        assert event.status == "cancelled" and event.cancelled_at is not None
        assert event.seats_taken == 1  # frees nothing further
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "event.cancel"))
    assert sorted(n.user_id for n in notes) == sorted([registered, waiting])
    assert all(n.channels == "sms" and "暴雨预警" in n.body for n in notes)


def test_finish_only_once_started(client, staff, scoped):
    later = make_event(scoped, staff)
    response = client.post(f"/alpha/events/{later}/finish")
    assert response.status_code == 422 and "活动尚未开始" in response.get_data(as_text=True)
    started = make_event(scoped, staff, starts_at=utcnow() - timedelta(hours=1))
    assert client.post(f"/alpha/events/{started}/finish").status_code == 302
    assert get_event(scoped, staff, started).status == "finished"
    response = client.post(f"/alpha/events/{started}/cancel")
    assert response.status_code == 422 and "已结束的活动不能取消" in response.get_data(as_text=True)


# The list ----------------------------------------------------------------------------------------


def test_list_filters_by_date_community_kind_and_status(client, staff, scoped):
    chaoyang = add_community(scoped, staff, "朝阳社区")
    may = datetime(2030, 5, 1, 1, 0, tzinfo=UTC)
    make_event(scoped, staff, title="五月清洁", starts_at=may, community_id=chaoyang)
    make_event(scoped, staff, title="六月会议", starts_at=may + timedelta(days=31), kind="meeting")
    make_event(scoped, staff, title="草稿活动", starts_at=may, status=EventStatus.draft)

    def titles(query: str, htmx: bool = False) -> str:
        headers = {"HX-Request": "true"} if htmx else {}
        return client.get(f"/alpha/events?{query}", headers=headers).get_data(as_text=True)

    everything = titles("")
    assert all(t in everything for t in ("五月清洁", "六月会议", "草稿活动"))
    in_may = titles("from=2030-05-01&to=2030-05-31", htmx=True)
    assert "五月清洁" in in_may and "六月会议" not in in_may
    assert "<html" not in in_may  # htmx gets the rows only
    assert "六月会议" not in titles(f"community={chaoyang}")
    street_wide = titles("community=street")
    assert "六月会议" in street_wide and "五月清洁" not in street_wide
    assert "六月会议" in titles("kind=meeting") and "五月清洁" not in titles("kind=meeting")
    drafts = titles("status=draft")
    assert "草稿活动" in drafts and "五月清洁" not in drafts
    # unreadable filters are ignored or match nothing, never a 500
    for query in ("from=²&to=x", "community=²", "kind=<b>", "page=99999999999999999999"):
        assert client.get(f"/alpha/events?{query}").status_code == 200


def test_staff_limited_to_a_community_see_theirs_and_street_wide_only(
    client, street, make_user, scoped
):
    mine = add_community(scoped, street, "朝阳社区")
    other = add_community(scoped, street, "清泉社区")
    own_event = make_event(scoped, street, title="朝阳活动", community_id=mine)
    street_event = make_event(scoped, street, title="全街道活动")
    other_event = make_event(scoped, street, title="清泉活动", community_id=other)
    _uid, phone = make_user(street, "staff", community_id=mine)
    login(client, "alpha", phone)

    page = client.get("/alpha/events").get_data(as_text=True)
    assert "朝阳活动" in page and "全街道活动" in page and "清泉活动" not in page
    assert client.get(f"/alpha/events/{own_event}").status_code == 200
    assert client.get(f"/alpha/events/{street_event}").status_code == 200
    assert client.get(f"/alpha/events/{other_event}").status_code == 404
    assert client.post(f"/alpha/events/{other_event}/cancel").status_code == 404
    response = client.post("/alpha/events/new", data=form_data(community=str(other)))
    assert response.status_code == 422 and "您只能为本社区或全街道创建活动" in response.get_data(
        as_text=True
    )
    assert get_event(scoped, street, other_event).status == "published"


def test_volunteers_and_org_accounts_cannot_open_staff_pages(client, street, make_user, scoped):
    event_id = make_event(scoped, street)
    for role in ("volunteer", "org"):
        _uid, phone = make_user(street, role)
        login(client, "alpha", phone)
        assert client.get("/alpha/events").status_code == 403
        assert client.get(f"/alpha/events/{event_id}").status_code == 403
        assert client.post(f"/alpha/events/{event_id}/cancel").status_code == 403
        client.post("/alpha/logout")
    assert get_event(scoped, street, event_id).status == "published"


@both_backends
def test_another_streets_event_is_404(client, make_street, scoped):
    a, b = make_street("alpha"), make_street("bravo")
    event_id = make_event(scoped, a, title="甲街道机密活动")
    login(client, b.slug, b.admin_phone)
    for method, path in [
        ("GET", ""),
        ("GET", "/edit"),
        ("POST", "/edit"),
        ("POST", "/publish"),
        ("POST", "/cancel"),
        ("POST", "/finish"),
        ("POST", "/attendance/confirm-all"),
        ("POST", "/attendance/enter"),
        ("POST", "/register"),
        ("POST", "/cancel-registration"),
    ]:
        response = client.open(f"/bravo/events/{event_id}{path}", method=method)
        assert response.status_code == 404, (method, path)
        assert "甲街道机密活动" not in response.get_data(as_text=True)
    assert get_event(scoped, a, event_id).status == "published"


# Attendance --------------------------------------------------------------------------------------


def past_event_with_attendance(scoped, street, make_user, hours="2", **kw) -> tuple[int, int, int]:
    """A 3-hour event that started 4 hours ago; one volunteer registered and checked out."""
    event_id = make_event(scoped, street, starts_at=utcnow() - timedelta(hours=4), **kw)
    user_id = make_user(street)[0]
    sign_up(scoped, street, event_id, user_id)
    with scoped(street) as session:
        attendance = Attendance(
            event_id=event_id,
            user_id=user_id,
            checked_in_at=utcnow() - timedelta(hours=4),
            checked_out_at=utcnow() - timedelta(hours=2) if hours is not None else None,
            hours=Decimal(hours) if hours is not None else None,
        )
        session.add(attendance)
        session.commit()
        return event_id, user_id, attendance.id


def balance(scoped, street, user_id: int) -> int:
    with scoped(street) as session:
        return session.scalar(select(Passport.balance).where(Passport.user_id == user_id)) or 0


@both_backends
def test_confirming_attendance_pays_once(client, staff, make_user, scoped):
    event_id, user_id, attendance_id = past_event_with_attendance(scoped, staff, make_user)
    page = client.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert "待确认" in page and "全部确认（1）" in page
    url = f"/alpha/events/{event_id}/attendance/{attendance_id}/confirm"
    response = client.post(url, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "已确认，发放 20 积分" in body and "<html" not in body
    client.post(url)  # a double click
    client.post(f"/alpha/events/{event_id}/attendance/confirm-all")
    assert balance(scoped, staff, user_id) == 20  # 2 hours × the default 10 per hour
    with scoped(staff) as session:
        assert session.scalar(select(func.count()).select_from(PointEntry)) == 1
        assert session.scalar(select(Passport.hours_total)) == 2


def test_confirm_all_confirms_every_attendance_with_hours(client, staff, make_user, scoped):
    event_id, first, _a = past_event_with_attendance(scoped, staff, make_user)
    second = make_user(staff)[0]
    open_one = make_user(staff)[0]
    with scoped(staff) as session:
        session.add(Attendance(event_id=event_id, user_id=second, hours=Decimal("1.5")))
        session.add(Attendance(event_id=event_id, user_id=open_one, checked_in_at=utcnow()))
        session.commit()
    response = client.post(
        f"/alpha/events/{event_id}/attendance/confirm-all", headers={"HX-Request": "true"}
    )
    assert "已确认 2 条签到记录" in response.get_data(as_text=True)
    assert (balance(scoped, staff, first), balance(scoped, staff, second)) == (20, 15)
    assert balance(scoped, staff, open_one) == 0


def test_confirming_an_open_checkin_is_refused(client, staff, make_user, scoped):
    event_id, _user, attendance_id = past_event_with_attendance(
        scoped, staff, make_user, hours=None
    )
    response = client.post(
        f"/alpha/events/{event_id}/attendance/{attendance_id}/confirm",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "尚未签退" in response.get_data(as_text=True)


def test_fixed_points_and_the_events_own_rate(client, staff, make_user, scoped):
    event_id, user_id, attendance_id = past_event_with_attendance(
        scoped, staff, make_user, points_mode="fixed", points_value=50
    )
    client.post(f"/alpha/events/{event_id}/attendance/{attendance_id}/confirm")
    assert balance(scoped, staff, user_id) == 50


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"hours": "1.5", "reason": ""}, "请填写原因"),
        ({"hours": "1.5", "reason": "   "}, "请填写原因"),
        ({"hours": "", "reason": "忘记签退"}, "请填写服务时长"),
        ({"hours": "-1", "reason": "忘记签退"}, "时长请填写数字"),
        ({"hours": "²", "reason": "忘记签退"}, "时长请填写数字"),
        ({"hours": "NaN", "reason": "忘记签退"}, "时长请填写数字"),
        ({"hours": "99999999999", "reason": "忘记签退"}, "时长请填写数字"),
        ({"hours": "3.5", "reason": "忘记签退"}, "时长不能超过活动时长（3 小时）"),
        ({"hours": "1", "reason": "长" * 201}, "原因不能超过 200 个字"),
    ],
)
def test_bad_hour_corrections_are_refused(client, staff, make_user, scoped, form, message):
    event_id, _user, attendance_id = past_event_with_attendance(scoped, staff, make_user)
    response = client.post(
        f"/alpha/events/{event_id}/attendance/{attendance_id}/hours",
        data=form,
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with scoped(staff) as session:
        assert session.scalar(select(Attendance.hours)) == 2
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "attendance.correct")
            )
            == 0
        )


def test_correcting_hours_is_audit_logged_and_closed_once_confirmed(
    client, staff, make_user, scoped
):
    event_id, user_id, attendance_id = past_event_with_attendance(scoped, staff, make_user)
    url = f"/alpha/events/{event_id}/attendance/{attendance_id}/hours"
    response = client.post(url, data={"hours": "2.5", "reason": "提前到场布置"})
    assert response.status_code == 302
    with scoped(staff) as session:
        row = session.scalar(select(Attendance))
        assert (row.hours, row.reason) == (Decimal("2.5"), "提前到场布置")
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.correct"))
        assert entry.actor_id == staff.admin_id
        assert entry.detail["from"] == "2.00" and entry.detail["to"] == "2.5"
    client.post(f"/alpha/events/{event_id}/attendance/{attendance_id}/confirm")
    assert balance(scoped, staff, user_id) == 25
    response = client.post(url, data={"hours": "3", "reason": "再改"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "时长已确认并发放积分，不能再修改" in page
    assert balance(scoped, staff, user_id) == 25


def test_an_attendance_of_another_event_is_404(client, staff, make_user, scoped):
    event_id, _user, attendance_id = past_event_with_attendance(scoped, staff, make_user)
    other = make_event(scoped, staff)
    for path in ("confirm", "hours"):
        url = f"/alpha/events/{other}/attendance/{attendance_id}/{path}"
        assert client.post(url, data={"hours": "1", "reason": "x"}).status_code == 404
    assert client.post(f"/alpha/events/{event_id}/attendance/1/confirm").status_code == 404


@both_backends
def test_entered_hours_need_a_reason_and_earn_points_only_if_the_street_says_so(
    client, staff, make_user, scoped
):
    event_id = make_event(scoped, staff, starts_at=utcnow() - timedelta(hours=4))
    absent = make_user(staff, name="补录人")[0]
    sign_up(scoped, staff, event_id, absent)
    page = client.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert "补录服务时长" in page and "补录人" in page
    url = f"/alpha/events/{event_id}/attendance/enter"
    hx = {"HX-Request": "true"}

    response = client.post(url, data={"user": str(absent), "hours": "2"}, headers=hx)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写原因" in body
    assert 'value="2"' in body  # what was typed is kept

    response = client.post(url, data={"user": str(absent), "hours": "2", "reason": "纸质签到表"})
    assert response.status_code == 302
    with scoped(staff) as session:
        row = session.scalar(select(Attendance))
        assert (row.source, row.hours, row.reason) == ("entered", 2, "纸质签到表")
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.enter"))
        attendance_id = row.id
    again = client.post(url, data={"user": str(absent), "hours": "2", "reason": "再补"}, headers=hx)
    assert again.status_code == 422 and "此人已有签到记录" in again.get_data(as_text=True)
    client.post(f"/alpha/events/{event_id}/attendance/{attendance_id}/confirm")
    assert balance(scoped, staff, absent) == 0  # entered hours: honour, not points
    with scoped(staff) as session:
        assert session.scalar(select(Passport.hours_total)) == 2

    # a street that lets entered hours earn points
    with scoped(staff) as session:
        tenant = session.get(Tenant, staff.id)
        tenant.settings = {"entered_hours_earn_points": True}
        session.commit()
    second = make_user(staff)[0]
    sign_up(scoped, staff, event_id, second)
    client.post(url, data={"user": str(second), "hours": "1", "reason": "纸质签到表"})
    with scoped(staff) as session:
        row = session.scalar(select(Attendance).where(Attendance.user_id == second))
    client.post(f"/alpha/events/{event_id}/attendance/{row.id}/confirm")
    assert balance(scoped, staff, second) == 10


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("", "请选择已报名本活动的人员"),
        ("²", "请选择已报名本活动的人员"),
        ("waitlisted", "请选择已报名本活动的人员"),
    ],
)
def test_hours_are_entered_only_for_registered_people(
    client, staff, make_user, scoped, user, message
):
    event_id = make_event(scoped, staff, starts_at=utcnow() - timedelta(hours=4))
    waiting = make_user(staff)[0]
    sign_up(scoped, staff, event_id, waiting, RegistrationStatus.waitlisted)
    value = str(waiting) if user == "waitlisted" else user
    response = client.post(
        f"/alpha/events/{event_id}/attendance/enter",
        data={"user": value, "hours": "1", "reason": "补录"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_hours_cannot_be_entered_before_the_event(client, staff, make_user, scoped):
    event_id = make_event(scoped, staff)
    user_id = make_user(staff)[0]
    sign_up(scoped, staff, event_id, user_id)
    response = client.post(
        f"/alpha/events/{event_id}/attendance/enter",
        data={"user": str(user_id), "hours": "1", "reason": "补录"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "活动尚未开始" in response.get_data(as_text=True)


def test_auto_confirm_pays_when_hours_are_recorded(client, staff, make_user, scoped):
    from tenants.events.attendance import maybe_auto_confirm

    event_id, user_id, attendance_id = past_event_with_attendance(scoped, staff, make_user)
    with scoped(staff) as session:
        tenant = session.get(Tenant, staff.id)
        row = session.scalar(select(Attendance))
        assert maybe_auto_confirm(session, tenant, row) is None  # off by default
        tenant.settings = {"auto_confirm": True}
        assert maybe_auto_confirm(session, tenant, row).notes == ["发放 20 积分"]
        session.commit()
    assert balance(scoped, staff, user_id) == 20
    # entered hours are confirmed on entry too
    other = make_user(staff)[0]
    sign_up(scoped, staff, event_id, other)
    client.post(
        f"/alpha/events/{event_id}/attendance/enter",
        data={"user": str(other), "hours": "1", "reason": "纸质签到表"},
    )
    with scoped(staff) as session:
        entered = session.scalar(select(Attendance).where(Attendance.user_id == other))
        assert entered.confirmed_at is not None and entered.confirmed_by is None


# Reminders ---------------------------------------------------------------------------------------


def run_reminders(app) -> int:
    from saas.jobs import run_job

    with app.app_context():
        return run_job("tenants.events.jobs:send_reminders", None)


@both_backends
def test_reminders_go_once_to_the_registered_of_events_within_24_hours(
    app, make_street, make_user, scoped
):
    a, b = make_street("alpha"), make_street("bravo")
    soon = make_event(scoped, a, title="明早义诊", starts_at=utcnow() + timedelta(hours=20))
    later = make_event(scoped, a, title="后天义诊", starts_at=utcnow() + timedelta(hours=30))
    draft = make_event(scoped, a, starts_at=utcnow() + timedelta(hours=5), status=EventStatus.draft)
    b_soon = make_event(scoped, b, title="乙街道活动", starts_at=utcnow() + timedelta(hours=2))
    registered, waiting = make_user(a)[0], make_user(a)[0]
    b_user = make_user(b)[0]
    for event_id in (soon, later, draft):
        sign_up(scoped, a, event_id, registered)
    sign_up(scoped, a, soon, waiting, RegistrationStatus.waitlisted)
    sign_up(scoped, b, b_soon, b_user)

    assert run_reminders(app) == 2
    assert run_reminders(app) == 0  # a second run sends nothing
    with scoped(a) as session:
        notes = session.scalars(
            select(Notification).where(Notification.kind == "event.reminder")
        ).all()
        assert [(n.user_id, n.channels) for n in notes] == [(registered, "sms")]
        # 20 hours ahead is later today or tomorrow, depending on the hour the test runs
        assert re.fullmatch(r"活动(今天|明天) \d\d:\d\d 开始", notes[0].title)
        assert "明早义诊" in notes[0].body
        reminded = dict(session.execute(select(Event.id, Event.reminded_at)).all())
        assert reminded[soon] is not None and reminded[later] is None and reminded[draft] is None
    with scoped(b) as session:
        note = session.scalar(select(Notification).where(Notification.kind == "event.reminder"))
        assert note.user_id == b_user and note.tenant_id == b.id


def test_a_reminder_says_when_the_event_starts():
    from tenants.events.jobs import reminder_title

    now = datetime(2030, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

    def title(**ahead) -> str:
        return str(reminder_title(now + timedelta(**ahead), now, SHANGHAI))

    assert title(minutes=30) == "活动将在 30 分钟后开始"
    assert title(seconds=20) == "活动将在 1 分钟后开始"
    assert title(hours=5) == "活动今天 14:00 开始"
    assert title(hours=16) == "活动明天 01:00 开始"  # 01:00 Shanghai the next day
    assert title(hours=14, minutes=59) == "活动今天 23:59 开始"


def test_the_reminder_job_marks_long_ended_events_finished(app, make_street, scoped):
    a = make_street("alpha")
    ended = make_event(scoped, a, starts_at=utcnow() - timedelta(days=2))
    just_ended = make_event(scoped, a, starts_at=utcnow() - timedelta(hours=4))
    run_reminders(app)
    assert get_event(scoped, a, ended).status == "finished"
    assert get_event(scoped, a, just_ended).status == "published"  # check-outs still to come


def test_a_new_start_time_means_a_new_reminder(client, staff, scoped):
    event_id = make_event(scoped, staff, reminded_at=utcnow())
    local = datetime(2030, 5, 1, 9, 0)
    data = form_data(
        starts_at=local.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(local + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        capacity="10",
    )
    assert client.post(f"/alpha/events/{event_id}/edit", data=data).status_code == 302
    assert get_event(scoped, staff, event_id).reminded_at is None


# SQL statements per page -------------------------------------------------------------------------


def _grow(scoped, street, make_user, n: int) -> None:
    community = add_community(scoped, street, f"社区{utcnow().timestamp()}")
    for i in range(n):
        event_id = make_event(scoped, street, title=f"活动{i}", community_id=community)
        sign_up(scoped, street, event_id, make_user(street)[0])
        sign_up(scoped, street, event_id, make_user(street)[0], RegistrationStatus.waitlisted)


@both_backends
def test_statements_on_the_staff_list_do_not_grow_with_events(
    app, client, staff, make_user, scoped
):
    page = assert_statements_do_not_grow(
        app, client, "/alpha/events", partial(_grow, scoped, staff, make_user), more=8, most=10
    )
    assert page.count('<tr id="event-') == 10


@both_backends
def test_statements_on_the_detail_page_do_not_grow_with_people(
    app, client, staff, make_user, scoped
):
    event_id, _u, _a = past_event_with_attendance(scoped, staff, make_user)
    with count_queries(app) as small:
        assert client.get(f"/alpha/events/{event_id}").status_code == 200
    for _ in range(5):
        user_id = make_user(staff)[0]
        sign_up(scoped, staff, event_id, user_id)
        with scoped(staff) as session:
            session.add(Attendance(event_id=event_id, user_id=user_id, hours=Decimal(1)))
            session.commit()
        sign_up(scoped, staff, event_id, make_user(staff)[0], RegistrationStatus.waitlisted)
    with count_queries(app) as large:
        assert client.get(f"/alpha/events/{event_id}").status_code == 200
    assert len(large) == len(small), "\n".join(large)


# Demo data ---------------------------------------------------------------------------------------


def test_demo_events_give_the_demo_volunteer_a_history_and_load_twice(app, client):
    from saas.demo import PASSWORD
    from saas.demo import load_demo as load_street
    from saas.extensions import db
    from saas.tenancy import tenant_scope
    from tenants.events.demo import EVENTS as DEMO_EVENTS
    from tenants.events.demo import load_demo

    with app.app_context():
        load_street(db.session)
        db.session.commit()
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        with tenant_scope(tenant.id):
            volunteer = db.session.scalar(select(User).where(User.phone == "13900000005"))
            passport = db.session.scalar(select(Passport).where(Passport.user_id == volunteer.id))
            # the street's demo already ran the events demo (with the other modules' demos)
            assert passport.hours_total == 9  # 3 + 2 + 4 hours of past events
            # the events demo's own events (modules built on the engine add theirs: member days)
            own = (
                select(func.count())
                .select_from(Event)
                .where(Event.title.in_([e[0] for e in DEMO_EVENTS]))
            )
            before = (passport.balance, db.session.scalar(own))
            load_demo(db.session, tenant)  # once more: nothing changes
            db.session.commit()
            db.session.refresh(passport)
            after = (passport.balance, db.session.scalar(own))
            assert after == before and before[1] == 8
        db.session.remove()
    login(client, "demo", "13900000005", PASSWORD)
    client.post("/demo/privacy/agree", data={"version": "1"})  # the seed made the account
    page = client.get("/demo/activities").get_data(as_text=True)
    assert "周末便民义诊" in page and "已报名" in page and "候补第 1 位" in page
    client.post("/demo/logout")
    login(client, "demo", "13900000001", PASSWORD)
    client.post("/demo/privacy/agree", data={"version": "1"})
    assert "朝阳社区环境清洁日" in client.get("/demo/events").get_data(as_text=True)


def test_correcting_an_open_checkin_closes_it(client, staff, make_user, scoped):
    event_id, _user, attendance_id = past_event_with_attendance(
        scoped, staff, make_user, hours=None
    )
    url = f"/alpha/events/{event_id}/attendance/{attendance_id}/hours"
    assert client.post(url, data={"hours": "1", "reason": "忘记签退"}).status_code == 302
    with scoped(staff) as session:
        row = session.scalar(select(Attendance))
        assert row.hours == 1 and row.checked_out_at is not None and not row.auto_closed
        assert row.checked_out_at >= row.checked_in_at


def test_hours_count_toward_the_year_the_event_took_place(app, make_street, make_user, scoped):
    from tenants.events.attendance import confirm_attendance
    from tenants.events.models import Attendance
    from tenants.passport.services import passport_for

    street = make_street("alpha")
    user_id, _phone = make_user(street, "volunteer")
    this_year = utcnow().year
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        user = session.scalar(select(User).where(User.id == user_id))
        passport = passport_for(session, user, tenant)
        passport.hours_year, passport.hours_year_of, passport.hours_total = 5, this_year, 5
        # 31 December, 20:00 in Beijing last year: still last year's, even confirmed today
        last_year = datetime(this_year - 1, 12, 31, 12, 0, tzinfo=UTC)
        event = Event(
            title="跨年守岁",
            starts_at=last_year,
            ends_at=last_year + timedelta(hours=3),
            status="finished",
        )
        session.add(event)
        session.flush()
        attendance = Attendance(
            event_id=event.id, user_id=user_id, hours=3, source="recorded", checked_in_at=last_year
        )
        session.add(attendance)
        session.flush()
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        confirm_attendance(session, admin, tenant, attendance)
        session.commit()
        session.refresh(passport)
        assert (passport.hours_total, passport.hours_year, passport.hours_year_of) == (
            8,
            5,
            this_year,
        )
