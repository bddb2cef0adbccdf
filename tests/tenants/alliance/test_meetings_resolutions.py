"""A meeting's page: attendance, minutes (escaped), resolutions with one owner; overdue ones on the
dashboard and told to their owner once a day; a unit sees and closes only its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from saas.db import utcnow
from saas.notify.models import Notification
from tenants.alliance.models import Meeting, MeetingInvite, Resolution
from tests.conftest import both_backends
from tests.tenants.alliance.factories import make_unit, unit_with_account
from tests.tenants.factories import assert_statements_do_not_grow, signed_in


def _today() -> date:
    """The street's day (Asia/Shanghai): between 16:00 and 24:00 UTC it is already tomorrow there,
    and the overdue job counts by the street's calendar."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _meeting(scoped, street, units=(), title="第四季度联席会议", **kw) -> int:
    with scoped(street) as session:
        meeting = Meeting(title=title, starts_at=kw.pop("starts_at", utcnow()), **kw)
        session.add(meeting)
        session.flush()
        session.add_all(MeetingInvite(meeting_id=meeting.id, organisation_id=u) for u in units)
        session.commit()
        return meeting.id


def _resolution(scoped, street, meeting_id, due_in_days=-3, unit=None, user=None, **kw) -> int:
    with scoped(street) as session:
        resolution = Resolution(
            meeting_id=meeting_id,
            text=kw.pop("text", "协调加装电梯"),
            owner_organisation_id=unit,
            owner_user_id=user,
            due_on=_today() + timedelta(days=due_in_days),
            **kw,
        )
        session.add(resolution)
        session.commit()
        return resolution.id


def test_attendance_minutes_and_a_resolution_from_the_meetings_page(admin, street, scoped):
    unit = make_unit(scoped, street)
    meeting = _meeting(scoped, street, [unit])
    with scoped(street) as session:
        invite = session.scalar(select(MeetingInvite.id))
    url = f"/alpha/alliance/meetings/{meeting}"
    assert admin.post(url + "/attendance", data={f"attended-{invite}": "yes"}).status_code == 302
    script = '<script>alert("x")</script>第一项'
    assert admin.post(url + "/minutes", data={"minutes": script}).status_code == 302
    page = admin.get(url).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;第一项" in page
    due = (_today() + timedelta(days=14)).isoformat()
    response = admin.post(
        url + "/resolutions", data={"text": "组织义诊", "owner": f"unit:{unit}", "due_on": due}
    )
    assert response.status_code == 302
    page = admin.get(url).get_data(as_text=True)
    assert "组织义诊" in page and 'tag-warn">已逾期' not in page
    with scoped(street) as session:
        assert session.scalar(select(MeetingInvite.attended)) is True
        stored = session.scalar(select(Resolution))
        assert (stored.owner_organisation_id, stored.owner_user_id) == (unit, None)


def test_a_resolution_due_in_the_past_is_recorded_with_a_warning(admin, street, scoped):
    """Decision: allowed (minutes are often typed up days later), with a warning that it is
    overdue already; it shows as overdue at once."""
    meeting = _meeting(scoped, street)
    yesterday = (_today() - timedelta(days=1)).isoformat()
    response = admin.post(
        f"/alpha/alliance/meetings/{meeting}/resolutions",
        data={"text": "补录的决议", "owner": f"user:{street.admin_id}", "due_on": yesterday},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "截止日期早于今天，该决议已逾期" in page
    listed = admin.get("/alpha/alliance/resolutions?overdue=1").get_data(as_text=True)
    assert "补录的决议" in listed and 'tag-warn">已逾期' in listed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "", "owner": "user:{admin}"}, "请填写决议内容"),
        ({"text": "x" * 301, "owner": "user:{admin}"}, "Field cannot be longer"),
        ({"text": "事项", "owner": ""}, "请选择负责单位或负责人"),
        ({"text": "事项", "owner": "unit:{other}"}, "所选单位不存在或不是本街道的共建单位"),
        ({"text": "事项", "owner": "user:{volunteer}"}, "负责人须是本街道的工作人员"),
        ({"text": "事项", "owner": "user:{admin}", "due_on": ""}, "请填写有效的日期"),
    ],
)
def test_bad_resolutions_are_refused(admin, street, make_street, make_user, scoped, data, message):
    other = make_unit(scoped, make_street("bravo"), "乙街道单位")
    volunteer, _ = make_user(street)
    meeting = _meeting(scoped, street)
    posted = {"due_on": _today().isoformat()} | {
        key: value.format(admin=street.admin_id, other=other, volunteer=volunteer)
        for key, value in data.items()
    }
    response = admin.post(f"/alpha/alliance/meetings/{meeting}/resolutions", data=posted)
    assert response.status_code == 422
    if "longer" not in message:
        assert message in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalars(select(Resolution)).all() == []


def test_overdue_resolutions_are_a_todo_on_the_admins_home(admin, street, scoped):
    meeting = _meeting(scoped, street)
    _resolution(scoped, street, meeting, -2, user=street.admin_id)
    _resolution(scoped, street, meeting, -1, user=street.admin_id, text="第二项")
    _resolution(scoped, street, meeting, 3, user=street.admin_id, text="未到期")
    _resolution(scoped, street, meeting, -5, user=street.admin_id, text="做完了的事", status="done")
    home = admin.get("/alpha/dashboard").get_data(as_text=True)
    assert "2 项会议决议已逾期" in home
    assert "/alpha/alliance/resolutions?overdue=1" in home
    listed = admin.get("/alpha/alliance/resolutions?overdue=1").get_data(as_text=True)
    assert "第二项" in listed and "未到期" not in listed and "做完了的事" not in listed


@both_backends
def test_the_overdue_job_tells_each_owner_once_a_day(app, street, make_user, scoped):
    from saas.tenancy import all_tenants
    from tenants.alliance.meeting_jobs import notify_overdue

    unit, account, _ = unit_with_account(scoped, street, make_user)
    staff, _ = make_user(street, "staff", name="王干事")
    meeting = _meeting(scoped, street, [unit])
    _resolution(scoped, street, meeting, -2, unit=unit)
    _resolution(scoped, street, meeting, -1, user=staff, text="员工的")
    _resolution(scoped, street, meeting, 0, unit=unit, text="今天到期不算逾期")

    def run(now):
        with app.app_context(), all_tenants():
            return notify_overdue(now)

    now = utcnow()
    assert run(now) == 2
    assert run(now + timedelta(minutes=5)) == 0  # the same day: nothing again
    with scoped(street) as session:
        notes = session.scalars(
            select(Notification).where(Notification.kind == "alliance.resolution_overdue")
        ).all()
        assert sorted(n.user_id for n in notes) == sorted([account, staff])
    assert run(now + timedelta(days=1)) == 3  # the next day: told again (and today's is late)
    with scoped(street) as session:
        count = len(
            session.scalars(
                select(Notification).where(Notification.kind == "alliance.resolution_overdue")
            ).all()
        )
        assert count == 5


@both_backends
def test_a_unit_sees_and_closes_only_its_own(app, street, make_user, scoped):
    mine, _account, phone = unit_with_account(scoped, street, make_user, "共建单位甲")
    theirs = make_unit(scoped, street, "共建单位乙")
    own_meeting = _meeting(scoped, street, [mine], title="我们受邀的会")
    other_meeting = _meeting(
        scoped, street, [theirs], title="别人的会", starts_at=utcnow() + timedelta(days=3)
    )
    own = _resolution(scoped, street, own_meeting, 5, unit=mine, text="我们的决议")
    other = _resolution(scoped, street, other_meeting, 5, unit=theirs, text="别人的决议")
    client = signed_in(app, "alpha", phone)

    page = client.get("/alpha/alliance/unit/meetings").get_data(as_text=True)
    assert "我们受邀的会" in page and "我们的决议" in page
    assert "别人的会" not in page and "别人的决议" not in page
    assert client.get(f"/alpha/alliance/unit/meetings/{own_meeting}").status_code == 200
    assert client.get(f"/alpha/alliance/unit/meetings/{other_meeting}").status_code == 404
    refused = client.post(f"/alpha/alliance/unit/resolutions/{other}/done", data={"note": "x"})
    assert refused.status_code == 404
    assert client.get("/alpha/alliance/meetings").status_code == 403  # the office's list
    done = client.post(f"/alpha/alliance/unit/resolutions/{own}/done", data={"note": "已提交方案"})
    assert done.status_code == 302
    again = client.post(f"/alpha/alliance/unit/resolutions/{own}/done", data={"note": "再次"})
    assert again.status_code == 422 and "该决议已不是进行中状态" in again.get_data(as_text=True)
    with scoped(street) as session:
        rows = {r.id: r for r in session.scalars(select(Resolution))}
        assert (rows[own].status, rows[own].done_note) == ("done", "已提交方案")
        assert rows[other].status == "open"


def test_a_volunteer_or_a_merchant_has_no_unit_meetings(app, street, make_user, scoped):
    _id, volunteer = make_user(street)
    _unit, _user, merchant = unit_with_account(
        scoped, street, make_user, "老街面馆", kind="merchant"
    )
    for phone in (volunteer, merchant):
        assert (
            signed_in(app, "alpha", phone).get("/alpha/alliance/unit/meetings").status_code == 404
        )


def test_the_lists_run_the_same_statements_whatever_the_data(app, admin, street, scoped):
    units = [make_unit(scoped, street, f"单位{n}") for n in range(3)]

    def grow(n):
        for i in range(n):
            meeting = _meeting(
                scoped,
                street,
                units,
                starts_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i),
            )
            _resolution(scoped, street, meeting, -i, unit=units[i % 3])
            _resolution(scoped, street, meeting, i, user=street.admin_id)

    for url in ("/alpha/alliance/meetings", "/alpha/alliance/resolutions?overdue=1"):
        assert_statements_do_not_grow(app, admin, url, grow, 10, 12)


def test_the_exports_follow_the_filters(admin, street, scoped):
    from io import BytesIO

    from openpyxl import load_workbook

    unit = make_unit(scoped, street)
    meeting = _meeting(scoped, street, [unit])
    _resolution(scoped, street, meeting, -2, unit=unit, text="逾期的")
    _resolution(scoped, street, meeting, 4, unit=unit, text="没逾期的")
    response = admin.get("/alpha/alliance/resolutions.xlsx?overdue=1")
    sheet = load_workbook(BytesIO(response.data)).active
    texts = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert texts == ["逾期的"]
    response = admin.get("/alpha/alliance/meetings.xlsx?when=past")
    sheet = load_workbook(BytesIO(response.data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["第四季度联席会议"]
