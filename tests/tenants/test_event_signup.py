"""Volunteers and organisations sign up for events on their phones: the list of activities, the
htmx sign-up and cancel buttons, the waitlist, and every refusal in words."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select

from saas.db import utcnow
from saas.notify.models import Notification
from tenants.events.models import Event, EventStatus, Registration, RegistrationStatus
from tenants.events.services import ACTIVITY_PAGE
from tests.conftest import both_backends, login
from tests.tenants.factories import assert_statements_do_not_grow, make_event

HX = {"HX-Request": "true"}


@pytest.fixture
def volunteer(client, street, make_user):
    """A volunteer of the street, signed in: (user id, phone)."""
    user_id, phone = make_user(street, "volunteer", name="张志愿")
    login(client, street.slug, phone)
    return user_id


def registrations(scoped, street, event_id: int) -> dict[int, tuple[str, int | None]]:
    with scoped(street) as session:
        rows = session.execute(
            select(Registration.user_id, Registration.status, Registration.waitlist_position).where(
                Registration.event_id == event_id
            )
        ).all()
    return {user_id: (status, position) for user_id, status, position in rows}


def seats(scoped, street, event_id: int) -> int:
    with scoped(street) as session:
        return session.scalar(select(Event.seats_taken).where(Event.id == event_id))


def notes(scoped, street, kind: str) -> list[Notification]:
    with scoped(street) as session:
        found = session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        ).all()
        session.expunge_all()
        return list(found)


def switch(client, phone: str) -> None:
    """Sign out whoever is signed in, and sign ``phone`` in."""
    client.post("/alpha/logout")
    assert login(client, "alpha", phone).status_code == 302


def signup(client, event_id: int, data: dict | None = None, htmx: bool = True):
    return client.post(
        f"/alpha/events/{event_id}/register", data=data or {}, headers=HX if htmx else {}
    )


def cancel(client, event_id: int, htmx: bool = True):
    return client.post(f"/alpha/events/{event_id}/cancel-registration", headers=HX if htmx else {})


# The list ----------------------------------------------------------------------------------------


@both_backends
def test_volunteers_see_the_published_upcoming_events_their_role_may_join(
    client, street, volunteer, scoped
):
    make_event(scoped, street, title="周末义诊", capacity=20)
    make_event(scoped, street, title="草稿活动", status=EventStatus.draft)
    make_event(scoped, street, title="联席会议", audience="alliance")
    make_event(scoped, street, title="会员日", audience="public")
    make_event(scoped, street, title="上周活动", starts_at=utcnow() - timedelta(days=7))
    make_event(scoped, street, title="已取消活动", status=EventStatus.cancelled)
    page = client.get("/alpha/activities").get_data(as_text=True)
    assert "周末义诊" in page and "会员日" in page
    assert "剩余 20 个名额" in page
    for hidden in ("草稿活动", "联席会议", "上周活动", "已取消活动"):
        assert hidden not in page


def test_org_accounts_see_events_for_units_and_the_public(client, street, make_user, scoped):
    make_event(scoped, street, title="志愿者专场")
    make_event(scoped, street, title="联席会议", audience="alliance")
    make_event(scoped, street, title="商户会员日", audience="merchants")
    _uid, phone = make_user(street, "org", name="共建单位甲")
    login(client, "alpha", phone)
    page = client.get("/alpha/activities").get_data(as_text=True)
    assert "联席会议" in page and "商户会员日" in page and "志愿者专场" not in page
    assert "参加人数" in page


def test_staff_opening_the_volunteers_list_are_sent_to_theirs_with_a_word(client, street):
    login(client, "alpha", street.admin_phone)
    response = client.get("/alpha/activities")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/events"
    page = client.get("/alpha/events").get_data(as_text=True)
    assert "志愿者和单位在手机上看到的页面" in page and "联系管理员" not in page


def test_more_activities_load_as_a_fragment(client, street, volunteer, scoped):
    for i in range(23):
        make_event(scoped, street, title=f"活动{i:02d}", starts_at=utcnow() + timedelta(days=i + 1))
    first = client.get("/alpha/activities").get_data(as_text=True)
    assert "活动00" in first and "活动09" in first and "活动10" not in first
    more = client.get("/alpha/activities?page=3", headers=HX).get_data(as_text=True)
    assert "活动20" in more and "活动22" in more and "<html" not in more


# Signing up --------------------------------------------------------------------------------------


@both_backends
def test_sign_up_swaps_the_card_and_twice_is_refused(client, street, volunteer, scoped):
    event_id = make_event(scoped, street, capacity=5)
    response = signup(client, event_id)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith("<article") and f'id="event-{event_id}"' in body
    assert "报名成功" in body and "已报名" in body and "取消报名" in body
    assert "剩余 4 个名额" in body

    again = signup(client, event_id)
    assert again.status_code == 422 and "您已报名该活动" in again.get_data(as_text=True)
    assert registrations(scoped, street, event_id) == {volunteer: ("registered", None)}
    assert seats(scoped, street, event_id) == 1
    assert [n.user_id for n in notes(scoped, street, "event.registered")] == [volunteer]


def test_without_htmx_the_buttons_go_back_to_the_list_with_a_message(
    client, street, volunteer, scoped
):
    event_id = make_event(scoped, street)
    response = signup(client, event_id, htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/alpha/activities#event-{event_id}"
    assert "报名成功" in client.get("/alpha/activities").get_data(as_text=True)
    assert cancel(client, event_id, htmx=False).status_code == 302
    assert "已取消报名" in client.get("/alpha/activities").get_data(as_text=True)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"signup_deadline": utcnow() - timedelta(hours=1)}, "报名已截止"),
        ({"starts_at": utcnow() - timedelta(hours=1)}, "报名已截止"),
        ({"status": EventStatus.cancelled}, "活动已取消，不能报名"),
        ({"status": EventStatus.finished}, "活动已结束，不能报名"),
        ({"audience": "alliance"}, "该活动不面向您的账号类型开放报名"),
        ({"audience": "merchants"}, "该活动不面向您的账号类型开放报名"),
        ({"capacity": 1, "seats_taken": 1, "waitlist_enabled": False}, "名额已满，该活动不设候补"),
    ],
)
def test_sign_ups_that_are_refused_say_why(client, street, volunteer, scoped, event, message):
    event_id = make_event(scoped, street, **event)
    response = signup(client, event_id)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert registrations(scoped, street, event_id) == {}


def test_a_draft_or_unknown_event_is_404(client, street, volunteer, scoped):
    draft = make_event(scoped, street, status=EventStatus.draft)
    assert signup(client, draft).status_code == 404
    assert signup(client, 99999999999).status_code == 404
    assert cancel(client, draft).status_code == 404


def test_staff_cannot_sign_up(client, street, scoped):
    event_id = make_event(scoped, street)
    login(client, "alpha", street.admin_phone)
    response = signup(client, event_id)
    assert response.status_code == 422
    assert "该活动不面向您的账号类型开放报名" in response.get_data(as_text=True)


# Cancelling and the waitlist ---------------------------------------------------------------------


@both_backends
def test_cancel_until_the_deadline(client, street, volunteer, scoped):
    event_id = make_event(scoped, street)
    signup(client, event_id)
    response = cancel(client, event_id)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "已取消报名" in body and ">报名</button>" in body
    assert registrations(scoped, street, event_id)[volunteer][0] == "cancelled"
    assert seats(scoped, street, event_id) == 0
    # signing up again after cancelling is fine
    assert signup(client, event_id).status_code == 200
    assert registrations(scoped, street, event_id)[volunteer][0] == "registered"

    with scoped(street) as session:
        event = session.scalar(select(Event).where(Event.id == event_id))
        event.signup_deadline = utcnow() - timedelta(minutes=1)
        session.commit()
    late = cancel(client, event_id)
    assert late.status_code == 422 and "报名已截止，不能取消" in late.get_data(as_text=True)
    assert registrations(scoped, street, event_id)[volunteer][0] == "registered"
    assert seats(scoped, street, event_id) == 1


def test_cancelling_without_a_registration_says_so(client, street, volunteer, scoped):
    event_id = make_event(scoped, street)
    response = cancel(client, event_id)
    assert response.status_code == 422 and "您没有报名该活动" in response.get_data(as_text=True)


@both_backends
def test_the_waitlist_is_promoted_in_order_with_a_notification(
    client, app, street, make_user, scoped
):
    event_id = make_event(scoped, street, capacity=1)
    people = [make_user(street, name=f"志愿者{i}") for i in range(4)]
    for _user_id, phone in people:
        switch(client, phone)
        signup(client, event_id)
    ids = [user_id for user_id, _phone in people]
    assert [registrations(scoped, street, event_id)[i] for i in ids] == [
        ("registered", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
    ]
    # the third in line sees their place
    switch(client, people[3][1])
    page = client.get("/alpha/activities").get_data(as_text=True)
    assert "候补第 3 位" in page and "名额已满，3 人候补中" in page
    assert [n.user_id for n in notes(scoped, street, "event.waitlisted")] == ids[1:]

    # the second in line leaves: nobody moves up yet, but the last one's place changes
    switch(client, people[1][1])
    cancel(client, event_id)
    switch(client, people[3][1])
    assert "候补第 2 位" in client.get("/alpha/activities").get_data(as_text=True)
    assert notes(scoped, street, "event.promoted") == []

    # the registered one leaves: the first still waiting is promoted and told (SMS too)
    switch(client, people[0][1])
    cancel(client, event_id)
    states = registrations(scoped, street, event_id)
    assert [states[i][0] for i in ids] == ["cancelled", "cancelled", "registered", "waitlisted"]
    promoted = notes(scoped, street, "event.promoted")
    assert [(n.user_id, n.channels) for n in promoted] == [(ids[2], "sms")]
    assert seats(scoped, street, event_id) == 1
    switch(client, people[3][1])
    assert "候补第 1 位" in client.get("/alpha/activities").get_data(as_text=True)


def test_a_cancelled_event_promotes_nobody(client, street, make_user, scoped):
    from tenants.events.registration import cancel_registration, register

    event_id = make_event(scoped, street, capacity=1)
    first, second = make_user(street)[0], make_user(street)[0]
    with scoped(street) as session:
        from saas.auth.models import User

        for user_id in (first, second):
            user = session.scalar(select(User).where(User.id == user_id))
            register(session, user, session.scalar(select(Event).where(Event.id == event_id)))
        session.commit()
        event = session.scalar(select(Event).where(Event.id == event_id))
        event.status = EventStatus.cancelled
        session.commit()
        user = session.scalar(select(User).where(User.id == first))
        registration = session.scalar(select(Registration).where(Registration.user_id == first))
        cancel_registration(session, user, registration)
        session.commit()
    assert registrations(scoped, street, event_id)[second][0] == "waitlisted"
    assert notes(scoped, street, "event.promoted") == []


def test_a_double_click_on_cancel_frees_one_seat(client, street, make_user, scoped):
    from saas.auth.models import User
    from tenants.events.registration import cancel_registration, register

    event_id = make_event(scoped, street, capacity=3)
    ids = [make_user(street)[0] for _ in range(2)]
    with scoped(street) as session:
        for user_id in ids:
            user = session.scalar(select(User).where(User.id == user_id))
            register(session, user, session.scalar(select(Event).where(Event.id == event_id)))
        session.commit()
        user = session.scalar(select(User).where(User.id == ids[0]))
        registration = session.scalar(select(Registration).where(Registration.user_id == ids[0]))
        stale = session.scalar(select(Registration).where(Registration.user_id == ids[0]))
        cancel_registration(session, user, registration)
        cancel_registration(session, user, stale)
        session.commit()
    assert seats(scoped, street, event_id) == 1


# Organisations -----------------------------------------------------------------------------------


@pytest.fixture
def org(client, street, make_user):
    user_id, phone = make_user(street, "org", name="共建单位甲")
    login(client, street.slug, phone)
    return user_id


@both_backends
def test_an_organisation_signs_up_with_a_headcount_and_named_members(client, street, org, scoped):
    event_id = make_event(scoped, street, audience="alliance", capacity=10)
    response = signup(client, event_id, {"headcount": "3", "member_names": "王一\n\n 李二 \n"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "已报名（3 人）" in body
    assert "剩余 7 个名额" in body
    with scoped(street) as session:
        registration = session.scalar(select(Registration))
        assert (registration.headcount, registration.member_names) == (3, "王一\n李二")
    assert seats(scoped, street, event_id) == 3
    switch(client, street.admin_phone)
    page = client.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert "共建单位甲" in page and "王一" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"headcount": ""}, "人数需在 1–500 之间"),
        ({"headcount": "0"}, "人数需在 1–500 之间"),
        ({"headcount": "501"}, "人数需在 1–500 之间"),
        ({"headcount": "-2"}, "人数需在 1–500 之间"),
        ({"headcount": "²"}, "请填写整数"),
        ({"headcount": "99999999999999999999999"}, "人数需在 1–500 之间"),
        ({"headcount": "1", "member_names": "王一\n李二"}, "名单有 2 人，多于报名人数 1"),
        ({"headcount": "1", "member_names": "长" * 51}, "每行填写一个姓名"),
    ],
)
def test_bad_organisation_sign_ups_are_refused(client, street, org, scoped, data, message):
    event_id = make_event(scoped, street, audience="alliance")
    response = signup(client, event_id, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    if data.get("headcount"):
        assert f'value="{data["headcount"]}"' in body  # what was typed is kept
    assert registrations(scoped, street, event_id) == {}


def test_an_organisation_too_large_for_the_seats_left_waits(client, street, org, scoped):
    event_id = make_event(scoped, street, audience="alliance", capacity=5, seats_taken=3)
    response = signup(client, event_id, {"headcount": "4"})
    assert "已进入候补名单" in response.get_data(as_text=True)
    assert registrations(scoped, street, event_id)[org] == ("waitlisted", 1)
    assert seats(scoped, street, event_id) == 3


# Isolation and SQL statements ------------------------------------------------------------------


@both_backends
def test_another_streets_event_cannot_be_signed_up_for(client, make_street, make_user, scoped):
    a, b = make_street("alpha"), make_street("bravo")
    event_id = make_event(scoped, a, title="甲街道机密活动")
    _uid, phone = make_user(b)
    login(client, "bravo", phone)
    for path in ("register", "cancel-registration"):
        response = client.post(f"/bravo/events/{event_id}/{path}", headers=HX)
        assert response.status_code == 404
        assert "甲街道机密活动" not in response.get_data(as_text=True)
    assert "甲街道机密活动" not in client.get("/bravo/activities").get_data(as_text=True)
    assert registrations(scoped, a, event_id) == {}


def _grow(scoped, street, make_user, volunteer_id: int, n: int) -> None:
    for i in range(n):
        event_id = make_event(scoped, street, title=f"活动{i}", capacity=1)
        with scoped(street) as session:
            others = [make_user(street)[0] for _ in range(2)]
            session.add(Registration(event_id=event_id, user_id=others[0]))
            session.add(
                Registration(
                    event_id=event_id,
                    user_id=others[1],
                    status=RegistrationStatus.waitlisted,
                    waitlist_position=1,
                )
            )
            session.add(
                Registration(
                    event_id=event_id,
                    user_id=volunteer_id,
                    status=RegistrationStatus.waitlisted,
                    waitlist_position=2,
                )
            )
            event = session.scalar(select(Event).where(Event.id == event_id))
            event.seats_taken = 1
            session.commit()


@both_backends
def test_statements_on_the_activities_page_do_not_grow_with_events(
    app, client, street, volunteer, make_user, scoped
):
    page = assert_statements_do_not_grow(
        app,
        client,
        "/alpha/activities",
        partial(_grow, scoped, street, make_user, volunteer),
        more=10,
        most=10,
    )
    # twelve events, each with the volunteer second in line: a full page of them
    assert page.count("候补第 2 位") == ACTIVITY_PAGE
