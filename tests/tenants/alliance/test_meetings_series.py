"""Joint meetings: weekly series dates in the street's local time, invitations told once, bad input
refused with the user's input kept."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from saas.errors import ServiceError
from saas.notify.models import Notification
from tenants.alliance.meetings import weekly_dates
from tenants.alliance.models import Meeting, MeetingInvite
from tests.conftest import both_backends
from tests.tenants.alliance.factories import make_unit, unit_with_account

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _local(instants, zone=SHANGHAI):
    return [i.astimezone(zone).strftime("%Y-%m-%d %H:%M %a") for i in instants]


def test_weekly_dates_cross_a_month_and_a_year_boundary():
    dates = weekly_dates(date(2026, 12, 30), time(19, 0), SHANGHAI, occurrences=4)
    assert _local(dates) == [
        "2026-12-30 19:00 Wed",
        "2027-01-06 19:00 Wed",
        "2027-01-13 19:00 Wed",
        "2027-01-20 19:00 Wed",
    ]
    # stored in UTC: 19:00 in Shanghai is 11:00 UTC, every week (no daylight saving there)
    assert {d.strftime("%H:%M") for d in dates} == {"11:00"}


def test_weekly_dates_keep_the_local_time_across_a_change_of_clocks():
    berlin = ZoneInfo("Europe/Berlin")  # summer time ends on 2026-10-25
    dates = weekly_dates(date(2026, 10, 21), time(19, 0), berlin, occurrences=2)
    assert _local(dates, berlin) == ["2026-10-21 19:00 Wed", "2026-10-28 19:00 Wed"]
    assert [d.strftime("%H:%M") for d in dates] == ["17:00", "18:00"]  # UTC moved, local did not


def test_weekly_dates_until_an_end_date_include_it():
    dates = weekly_dates(date(2026, 12, 30), time(19, 0), SHANGHAI, until=date(2027, 1, 27))
    assert len(dates) == 5
    assert _local(dates)[-1] == "2027-01-27 19:00 Wed"


@pytest.mark.parametrize(
    ("occurrences", "until", "field"),
    [
        (0, None, "occurrences"),
        (1, None, "occurrences"),
        (53, None, "occurrences"),
        (None, date(2026, 12, 29), "until"),  # before the first meeting
        (None, date(2027, 1, 5), "until"),  # only one meeting before it
        (None, date(2028, 1, 5), "until"),  # 54 meetings
        (None, None, "occurrences"),
        (3, date(2027, 1, 20), "occurrences"),
    ],
)
def test_bad_series_are_refused(occurrences, until, field):
    with pytest.raises(ServiceError) as refused:
        weekly_dates(date(2026, 12, 30), time(19, 0), SHANGHAI, occurrences, until)
    assert refused.value.field == field


def _form(**kw):
    return {
        "title": "相约星期三",
        "kind": "wednesday",
        "on": "2026-12-30",
        "at": "19:00",
        "place": "党群服务中心",
        **kw,
    }


@both_backends
def test_a_weekly_series_is_one_row_per_week_and_each_unit_is_told_once(
    app, admin, street, make_user, scoped
):
    unit_a, account_a, _ = unit_with_account(scoped, street, make_user, "共建单位甲")
    unit_b, account_b, _ = unit_with_account(scoped, street, make_user, "共建单位乙")
    deputy, _ = make_user(street, "org", name="甲的副联系人")
    from tests.tenants.alliance.factories import link_account

    link_account(scoped, street, deputy, unit_a)
    response = admin.post(
        "/alpha/alliance/meetings/new",
        data=_form(units=[str(unit_a), str(unit_b)], weekly="y", occurrences="4"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with scoped(street) as session:
        meetings = session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        assert len(meetings) == 4
        assert {m.series_id for m in meetings} == {meetings[0].id}
        assert _local([m.starts_at for m in meetings])[:2] == [
            "2026-12-30 19:00 Wed",
            "2027-01-06 19:00 Wed",
        ]
        assert session.scalar(select(MeetingInvite.id).limit(1)) is not None
        assert len(session.scalars(select(MeetingInvite)).all()) == 8
        notes = session.scalars(
            select(Notification).where(Notification.kind == "alliance.meeting_invited")
        ).all()
        assert sorted(n.user_id for n in notes) == sorted([account_a, account_b, deputy])
        assert "共 4 次" in notes[0].body and "2027-01-20" in notes[0].body


def test_a_one_off_meeting_shows_its_local_time(admin, street, make_user, scoped):
    unit = make_unit(scoped, street)
    response = admin.post(
        "/alpha/alliance/meetings/new", data=_form(kind="joint", units=[str(unit)])
    )
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "2026-12-30 19:00" in page and "共建单位甲" in page


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"weekly": "y", "occurrences": "0"}, "重复次数须在 2 到 52 之间"),
        ({"weekly": "y", "occurrences": "53"}, "重复次数须在 2 到 52 之间"),
        ({"weekly": "y", "until": "2026-12-01"}, "结束日期不能早于第一次会议的日期"),
        ({"weekly": "y"}, "请填写重复次数或结束日期"),
        ({"title": ""}, "请填写会议名称"),
        ({"on": "2026-13-45"}, "请填写有效的日期"),
    ],
)
def test_bad_meetings_are_refused_and_the_input_kept(admin, street, scoped, extra, message):
    response = admin.post("/alpha/alliance/meetings/new", data=_form(place="三楼会议室", **extra))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "三楼会议室" in page  # nothing typed is lost
    with scoped(street) as session:
        assert session.scalars(select(Meeting)).all() == []


def test_another_streets_unit_or_a_merchant_cannot_be_invited(admin, street, make_street, scoped):
    other = make_street("bravo")
    theirs = make_unit(scoped, other, "乙街道单位")
    merchant = make_unit(scoped, street, "老街面馆", kind="merchant")
    for unit in (theirs, merchant, 99999):
        response = admin.post("/alpha/alliance/meetings/new", data=_form(units=[str(unit)]))
        assert response.status_code == 422
        assert "所选单位不存在或不是本街道的共建单位" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalars(select(Meeting)).all() == []


def test_units_and_volunteers_cannot_arrange_meetings(app, street, make_user, scoped):
    from tests.tenants.factories import signed_in

    _unit, _user, phone = unit_with_account(scoped, street, make_user)
    client = signed_in(app, "alpha", phone)
    assert client.get("/alpha/alliance/meetings/new").status_code == 403
    assert client.post("/alpha/alliance/meetings/new", data=_form()).status_code == 403
