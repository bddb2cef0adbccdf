"""The staff's event detail page for a big event: the registered list, the waitlist and the
attendance table come a page at a time (htmx swaps one table), 全部确认 still confirms every
attendance, the 补录 picker lists a few people and finds the others, and the page runs the same
statements for 5 sign-ups as for 120."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy import func, select

from saas.auth.models import User
from saas.db import utcnow
from tenants.events.models import Attendance, Event, Registration, RegistrationStatus
from tests.conftest import both_backends
from tests.tenants.factories import make_event, signed_in
from tests.test_query_counts import count_queries

HX = {"HX-Request": "true"}
_PHONES = count(1)


def crowd(
    scoped,
    street,
    event_id: int,
    n: int,
    prefix: str = "报名者",
    status: str = RegistrationStatus.registered,
    hours: str | None = None,
    start: int = 1,
) -> list[int]:
    """``n`` people named ``prefix`` + 001…, signed up in that order, after those of any
    earlier call; with ``hours``, each has an attendance of that many hours, checked in in the
    same order."""
    base = utcnow() - timedelta(hours=5)
    with scoped(street) as session:
        users = [
            User(
                phone=f"136{next(_PHONES):08d}",
                name=f"{prefix}{i:03d}",
                password_hash="x",
                role="volunteer",
            )
            for i in range(start, start + n)
        ]
        session.add_all(users)
        session.flush()
        event = session.scalar(select(Event).where(Event.id == event_id))
        waiting = session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.event_id == event_id, Registration.status == "waitlisted")
        )
        for i, user in enumerate(users):
            waitlisted = status == RegistrationStatus.waitlisted
            session.add(
                Registration(
                    event_id=event_id,
                    user_id=user.id,
                    status=status,
                    waitlist_position=waiting + i + 1 if waitlisted else None,
                    created_at=base + timedelta(microseconds=i),
                )
            )
            if hours is not None:
                session.add(
                    Attendance(
                        event_id=event_id,
                        user_id=user.id,
                        checked_in_at=base + timedelta(microseconds=i),
                        checked_out_at=base + timedelta(microseconds=i, hours=1),
                        hours=Decimal(hours),
                    )
                )
        if status == RegistrationStatus.registered:
            event.seats_taken += n
        session.commit()
        return [user.id for user in users]


def past_event(scoped, street, **kw) -> int:
    """A 3-hour event that started 4 hours ago, with no seat limit."""
    return make_event(scoped, street, starts_at=utcnow() - timedelta(hours=4), capacity=None, **kw)


def rows_of(html: str, tbody: str) -> str:
    """The rows of one table of the whole page."""
    found = re.search(rf'<tbody id="{tbody}">(.*?)</tbody>', html, re.S)
    assert found, tbody
    return found.group(1)


def names(html: str, prefix: str) -> list[str]:
    return re.findall(rf"{prefix}\d{{3}}", html)


def expected(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(first, last + 1)]


@pytest.fixture
def big_event(scoped, street):
    """A past event: 120 registered (70 of them with an attendance), 60 on the waitlist."""
    event_id = past_event(scoped, street)
    crowd(scoped, street, event_id, 70, "签到者", hours="1.5")
    crowd(scoped, street, event_id, 50, "报名者")
    crowd(scoped, street, event_id, 60, "候补者", RegistrationStatus.waitlisted)
    return event_id


# Paging ------------------------------------------------------------------------------------------


@both_backends
def test_each_list_shows_one_page_its_count_and_links_to_the_next(admin, big_event):
    page = admin.get(f"/alpha/events/{big_event}").get_data(as_text=True)
    registered = rows_of(page, "registered-rows")
    assert names(registered, "签到者") == expected("签到者", 1, 50)
    assert "报名者" not in registered
    assert "共 120 人" in registered and "已报名（120）" in page
    assert f"/alpha/events/{big_event}?registered_page=2" in registered
    assert "上一页" not in registered

    waitlist = rows_of(page, "waitlist-rows")
    assert names(waitlist, "候补者") == expected("候补者", 1, 50)
    assert "共 60 人" in waitlist and "候补名单（60）" in page

    attendance = rows_of(page, "attendance-rows")
    assert names(attendance, "签到者") == expected("签到者", 1, 50)
    assert "共 70 条签到记录" in attendance
    assert "全部确认（70）" in page  # every attendance waiting, not the 50 shown

    last = admin.get(f"/alpha/events/{big_event}?registered_page=3&waitlist_page=2")
    html = last.get_data(as_text=True)
    assert names(rows_of(html, "registered-rows"), "报名者") == expected("报名者", 31, 50)
    waitlist = rows_of(html, "waitlist-rows")
    assert names(waitlist, "候补者") == expected("候补者", 51, 60)
    assert '<td class="num">51</td>' in waitlist  # places go on from the first page
    assert "下一页" not in waitlist
    # the links of one table keep the pages of the others
    assert "registered_page=3" in re.search(r'<a href="([^"]*)"', waitlist).group(1)


def test_a_page_of_one_table_comes_alone_for_htmx(admin, big_event):
    headers = {**HX, "HX-Target": "registered-rows"}
    response = admin.get(
        f"/alpha/events/{big_event}?registered_page=2&attendance_page=2", headers=headers
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "<tbody" not in body
    assert names(body, "签到者") == expected("签到者", 51, 70)
    assert names(body, "报名者") == expected("报名者", 1, 30)
    assert "候补者" not in body and "全部确认" not in body
    assert 'hx-target="#registered-rows"' in body and 'hx-push-url="true"' in body
    assert "attendance_page=2" in body  # the attendance table stays where it was

    body = admin.get(
        f"/alpha/events/{big_event}?attendance_page=2",
        headers={**HX, "HX-Target": "attendance-rows"},
    ).get_data(as_text=True)
    assert names(body, "签到者") == expected("签到者", 51, 70) and "报名者" not in body

    body = admin.get(
        f"/alpha/events/{big_event}?waitlist_page=2", headers={**HX, "HX-Target": "waitlist-rows"}
    ).get_data(as_text=True)
    assert names(body, "候补者") == expected("候补者", 51, 60) and "签到者" not in body

    # an htmx request for anything else (a history restore) gets the whole page
    whole = admin.get(f"/alpha/events/{big_event}", headers=HX).get_data(as_text=True)
    assert "<html" in whole and 'id="registered-rows"' in whole


@pytest.mark.parametrize("raw", ["0", "-1", "abc", str(10**30), "²", "1.5", "", " 2"])
@pytest.mark.parametrize("arg", ["registered_page", "waitlist_page", "attendance_page"])
def test_bad_page_numbers_show_the_first_page(admin, scoped, street, arg, raw):
    event_id = past_event(scoped, street)
    crowd(scoped, street, event_id, 3, "报名者")
    response = admin.get(f"/alpha/events/{event_id}", query_string={arg: raw})
    assert response.status_code == 200
    assert names(rows_of(response.get_data(as_text=True), "registered-rows"), "报名者") == [
        "报名者001",
        "报名者002",
        "报名者003",
    ]


@both_backends
@pytest.mark.parametrize("raw", ["0", "-1", "abc", str(10**30), "99999", "100000"])
def test_bad_and_far_pages_on_a_big_event_do_not_fail(admin, big_event, raw):
    for arg, tbody in [
        ("registered_page", "registered-rows"),
        ("waitlist_page", "waitlist-rows"),
        ("attendance_page", "attendance-rows"),
    ]:
        url = f"/alpha/events/{big_event}?{arg}={raw}"
        response = admin.get(url)
        assert response.status_code == 200, url
        part = admin.get(url, headers={**HX, "HX-Target": tbody})
        assert part.status_code == 200, url
    # a page past the end shows the last page
    far = admin.get(f"/alpha/events/{big_event}?registered_page=99999").get_data(as_text=True)
    assert names(rows_of(far, "registered-rows"), "报名者") == expected("报名者", 31, 50)


# Attendance actions --------------------------------------------------------------------------------


@both_backends
def test_confirm_all_confirms_every_page_and_keeps_the_page_shown(admin, scoped, street):
    event_id = past_event(scoped, street)
    crowd(scoped, street, event_id, 60, "签到者", hours="1")
    assert "全部确认（60）" in admin.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    response = admin.post(
        f"/alpha/events/{event_id}/attendance/confirm-all",
        data={"attendance_page": "2"},
        headers=HX,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "已确认 60 条签到记录" in body
    assert names(body, "签到者") == expected("签到者", 51, 60)
    assert "全部确认" not in body
    with scoped(street) as session:
        waiting = select(func.count()).select_from(Attendance)
        assert session.scalar(waiting.where(Attendance.confirmed_at.is_(None))) == 0


def test_a_row_action_on_a_later_page_comes_back_to_that_page(admin, scoped, street):
    event_id = past_event(scoped, street)
    crowd(scoped, street, event_id, 60, "签到者", hours="1")
    with scoped(street) as session:
        late = session.scalar(
            select(Attendance.id)
            .join(User, User.id == Attendance.user_id)
            .where(User.name == "签到者055")
        )
    url = f"/alpha/events/{event_id}/attendance/{late}"
    page = admin.get(f"/alpha/events/{event_id}?attendance_page=2").get_data(as_text=True)
    assert f'action="{url}/confirm"' in page and 'name="attendance_page" value="2"' in page

    body = admin.post(f"{url}/confirm", data={"attendance_page": "2"}, headers=HX).get_data(
        as_text=True
    )
    assert "已确认，发放 10 积分" in body and names(body, "签到者")[0] == "签到者051"
    assert "全部确认（59）" in body

    refused = admin.post(
        f"{url}/hours", data={"attendance_page": "2", "hours": "1", "reason": ""}, headers=HX
    )
    assert refused.status_code == 422 and "签到者055" in refused.get_data(as_text=True)

    plain = admin.post(f"{url}/confirm", data={"attendance_page": "2"})
    assert plain.status_code == 302
    assert plain.headers["Location"] == (f"/alpha/events/{event_id}?attendance_page=2#attendance")


# 补录: whom hours are entered for ------------------------------------------------------------------


def picker(html: str) -> list[str]:
    """The names the 补录 select lists."""
    select_ = re.search(r'<select name="user".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="\d+"[^>]*>([^（<]+)', select_)


def test_the_picker_lists_a_few_and_finds_anyone_by_name(admin, scoped, street):
    event_id = past_event(scoped, street)
    crowd(scoped, street, event_id, 2, "签到者", hours="1")
    ids = crowd(scoped, street, event_id, 120, "报名者")
    page = admin.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert picker(page) == expected("报名者", 1, 20)
    assert "只列出前 20 人" in page and "共 120 人没有签到记录" in page
    assert "签到者" not in "".join(picker(page))  # they have an attendance already

    search = {**HX, "HX-Target": "enter-candidates"}
    body = admin.get(f"/alpha/events/{event_id}?who=报名者077", headers=search).get_data(
        as_text=True
    )
    assert "<html" not in body and "<form" not in body
    assert picker(body) == ["报名者077"]
    assert f'<option value="{ids[76]}" selected>' in body  # the only match is picked
    assert "只列出前" not in body

    body = admin.get(f"/alpha/events/{event_id}?who=报名者11", headers=search).get_data(
        as_text=True
    )
    assert picker(body) == expected("报名者", 110, 119)
    assert "selected" not in body
    nobody = admin.get(f"/alpha/events/{event_id}?who=张三", headers=search)
    assert "没有符合条件的人员" in nobody.get_data(as_text=True)
    wildcard = admin.get(f"/alpha/events/{event_id}?who=%25", headers=search)
    assert len(picker(wildcard.get_data(as_text=True))) == 20  # % is not a pattern

    # the one found is entered; the picker then leaves them out
    url = f"/alpha/events/{event_id}/attendance/enter"
    data = {"user": str(ids[76]), "hours": "2", "reason": "纸质签到表"}
    done = admin.post(url, data=data, headers=HX).get_data(as_text=True)
    assert "已补录服务时长" in done and "共 119 人没有签到记录" in done


def test_a_refused_entry_keeps_the_person_picked_beyond_the_first_few(admin, scoped, street):
    event_id = past_event(scoped, street)
    ids = crowd(scoped, street, event_id, 40, "报名者")
    url = f"/alpha/events/{event_id}/attendance/enter"
    response = admin.post(url, data={"user": str(ids[35]), "hours": "2"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写原因" in body
    assert picker(body)[0] == "报名者036"
    assert f'<option value="{ids[35]}" selected>' in body and len(picker(body)) == 20


def test_only_admins_find_people_by_phone(app, admin, scoped, street, make_user):
    event_id = past_event(scoped, street)
    crowd(scoped, street, event_id, 3, "报名者")
    with scoped(street) as session:
        phone = session.scalar(select(User.phone).where(User.name == "报名者002"))
    search = {**HX, "HX-Target": "enter-candidates"}
    url = f"/alpha/events/{event_id}?who={phone[-6:]}"
    assert picker(admin.get(url, headers=search).get_data(as_text=True)) == ["报名者002"]
    assert phone in admin.get(url, headers=search).get_data(as_text=True)

    _id, staff_phone = make_user(street, "staff")
    staff = signed_in(app, "alpha", staff_phone)
    body = staff.get(url, headers=search).get_data(as_text=True)
    assert picker(body) == [] and phone not in body  # staff see masked phones, search names
    page = staff.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert phone not in page and f"{phone[:3]}****{phone[-4:]}" in page


def test_no_picker_before_the_event_or_once_it_is_cancelled(admin, scoped, street):
    upcoming = make_event(scoped, street, capacity=None)
    crowd(scoped, street, upcoming, 3, "报名者")
    page = admin.get(f"/alpha/events/{upcoming}").get_data(as_text=True)
    assert "补录服务时长" not in page and "报名者001" in page
    cancelled = past_event(scoped, street, status="cancelled")
    crowd(scoped, street, cancelled, 3, "候选者")
    assert "补录服务时长" not in admin.get(f"/alpha/events/{cancelled}").get_data(as_text=True)


def test_another_streets_event_gives_no_part_either(client, make_street, scoped):
    a, b = make_street("alpha"), make_street("bravo")
    event_id = past_event(scoped, a)
    crowd(scoped, a, event_id, 3, "甲街道人")
    other = signed_in(client.application, "bravo", b.admin_phone)
    for target in ("registered-rows", "waitlist-rows", "attendance-rows", "enter-candidates"):
        response = other.get(
            f"/bravo/events/{event_id}?who=甲&registered_page=2",
            headers={**HX, "HX-Target": target},
        )
        assert response.status_code == 404
        assert "甲街道人" not in response.get_data(as_text=True)


# Statements --------------------------------------------------------------------------------------


def _statements(app, client, url: str, headers: dict | None = None) -> list[str]:
    with count_queries(app) as statements:
        assert client.get(url, headers=headers or {}).status_code == 200
    return list(statements)


@both_backends
def test_statements_do_not_grow_with_registrations(app, admin, scoped, street):
    """5 sign-ups, then 120 (registered, waitlisted, checked in, and not): the same statements
    for the page and for each of its htmx parts."""
    event_id = past_event(scoped, street, waitlist_enabled=True)

    def grow(n: int, start: int) -> None:
        crowd(scoped, street, event_id, n // 2, "签到者", hours="1", start=start)
        crowd(scoped, street, event_id, n // 4, "报名者", start=start)
        crowd(scoped, street, event_id, n - n // 2 - n // 4, "候补者", "waitlisted", start=start)

    urls = [
        (f"/alpha/events/{event_id}", None),
        (f"/alpha/events/{event_id}?registered_page=2", {**HX, "HX-Target": "registered-rows"}),
        (f"/alpha/events/{event_id}?waitlist_page=2", {**HX, "HX-Target": "waitlist-rows"}),
        (f"/alpha/events/{event_id}?attendance_page=2", {**HX, "HX-Target": "attendance-rows"}),
        (f"/alpha/events/{event_id}?who=报名", {**HX, "HX-Target": "enter-candidates"}),
    ]
    grow(5, 1)
    small = [_statements(app, admin, url, headers) for url, headers in urls]
    grow(115, 100)
    large = [_statements(app, admin, url, headers) for url, headers in urls]
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Registration)) == 120
    for (url, _h), few, many in zip(urls, small, large, strict=True):
        assert len(many) == len(few), (url, "\n".join(many))
    assert len(large[0]) <= 10, "\n".join(large[0])
    assert all(len(part) <= 6 for part in large[1:]), [len(part) for part in large]
