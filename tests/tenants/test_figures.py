"""Figures kept per day (saas.figures) and the monthly and quarterly reports that read them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from saas.auth.models import User
from saas.extensions import db
from saas.figures.models import STREET, DailyFigure
from saas.figures.reports import MONTHLY, QUARTERLY, default_period, parse_period
from saas.figures.store import Period, by_period, refresh, refresh_recent, totals
from saas.ui import street_today
from tests.conftest import both_backends
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)

# a month well in the past, so "today" never cuts it
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
FEBRUARY = Period(date(2026, 2, 1), date(2026, 2, 28))


def _noon(day: date) -> datetime:
    # 12:00 in the street's zone (UTC+8) is 04:00 UTC the same day
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)


def _volunteer_on(make_user, scoped, street, day: date, community: int | None, **kw) -> int:
    user_id, _phone = make_user(street, community_id=community, **kw)
    with scoped(street) as session:
        session.execute(update(User).where(User.id == user_id).values(created_at=_noon(day)))
        session.commit()
    return user_id


def _refresh(scoped, street, first: date, last: date) -> int:
    with scoped(street) as session:
        written = refresh(session, street.id, first, last)
        session.commit()
        return written


@pytest.fixture
def history(make_user, scoped, street, community):
    """Volunteers: one in January, two in February (one in 朝阳社区), three in March (two in
    朝阳社区, one of them a party member); an event held in February and two in March (one of
    朝阳社区); the figures refreshed from January to March."""
    other = add_community(scoped, street, "向阳社区")
    _volunteer_on(make_user, scoped, street, date(2026, 1, 10), other)
    _volunteer_on(make_user, scoped, street, date(2026, 2, 3), community)
    _volunteer_on(make_user, scoped, street, date(2026, 2, 20), other)
    _volunteer_on(make_user, scoped, street, date(2026, 3, 1), community)
    _volunteer_on(make_user, scoped, street, date(2026, 3, 31), community, is_party_member=True)
    _volunteer_on(make_user, scoped, street, date(2026, 3, 15), other)
    make_event(scoped, street, starts_at=_noon(date(2026, 2, 14)))
    make_event(scoped, street, starts_at=_noon(date(2026, 3, 5)))
    make_event(scoped, street, starts_at=_noon(date(2026, 3, 6)), community_id=community)
    _refresh(scoped, street, date(2026, 1, 1), date(2026, 3, 31))
    return {"community": community, "other": other}


@both_backends
def test_a_period_sums_its_days_and_reads_a_level_on_its_last_day(scoped, street, history):
    with scoped(street) as session:
        march = totals(session, MARCH.first, MARCH.last)
        feb, mar = by_period(session, [FEBRUARY, MARCH])["people.volunteers"]
        mine = totals(session, MARCH.first, MARCH.last, history["community"])
    assert march["people.new_volunteers"] == 3
    assert march["events.held"] == 2
    assert (feb, mar) == (3, 6)  # levels: registered by the period's last day
    assert march["people.party_members"] == 1  # joined on 31 March: counted on the last day
    assert mine["people.new_volunteers"] == 2
    assert mine["people.volunteers"] == 3
    assert mine["events.held"] == 1  # the street-wide event is the street's only


@both_backends
def test_a_day_is_the_streets_calendar_day(make_user, scoped, street, community):
    """23:30 on 31 March in the street (15:30 UTC) is March; 00:30 on 1 April (16:30 UTC the
    day before) is April."""
    for hour_utc in (15, 16):
        user_id, _ = make_user(street, community_id=community)
        with scoped(street) as session:
            at = datetime(2026, 3, 31, hour_utc, 30, tzinfo=UTC)
            session.execute(update(User).where(User.id == user_id).values(created_at=at))
            session.commit()
    _refresh(scoped, street, date(2026, 3, 31), date(2026, 4, 1))
    with scoped(street) as session:
        days = session.execute(
            select(DailyFigure.day, DailyFigure.value).where(
                DailyFigure.key == "people.new_volunteers", DailyFigure.community_id == STREET
            )
        ).all()
    assert sorted(days) == [(date(2026, 3, 31), 1), (date(2026, 4, 1), 1)]


def test_refresh_is_idempotent_and_replaces_what_changed(scoped, street, history):
    with scoped(street) as session:
        before = session.scalar(select(func.count()).select_from(DailyFigure))
    _refresh(scoped, street, date(2026, 1, 1), date(2026, 3, 31))
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(DailyFigure)) == before
        # a volunteer disabled: the levels drop when the days are computed again
        session.execute(update(User).where(User.role == "volunteer").values(is_enabled=False))
        session.commit()
    _refresh(scoped, street, date(2026, 3, 1), date(2026, 3, 31))
    with scoped(street) as session:
        assert totals(session, MARCH.first, MARCH.last)["people.volunteers"] == 0
        assert totals(session, FEBRUARY.first, FEBRUARY.last)["people.volunteers"] == 3


def test_the_hourly_job_refreshes_today_in_every_street(app, make_street, make_user, scoped):
    one, two = make_street("one"), make_street("two")
    make_user(one)
    with app.app_context():
        refresh_recent()
        db.session.remove()
    today = street_today()
    with scoped(one) as session:
        assert totals(session, today, today)["people.new_volunteers"] == 1
    with scoped(two) as session:
        assert totals(session, today, today)["people.new_volunteers"] == 0


def test_the_command_back_fills_one_street(app, make_street, make_user, scoped):
    one, two = make_street("one"), make_street("two")
    for street in (one, two):
        user_id, _ = make_user(street)
        with scoped(street) as session:
            at = _noon(street_today() - timedelta(days=30))
            session.execute(update(User).where(User.id == user_id).values(created_at=at))
            session.commit()
    since = (street_today() - timedelta(days=40)).isoformat()
    result = app.test_cli_runner().invoke(
        args=["figures", "refresh", "--since", since, "--street", "one"]
    )
    assert result.exit_code == 0, result.output
    assert "one:" in result.output
    first, last = street_today() - timedelta(days=40), street_today()
    with scoped(one) as session:
        assert totals(session, first, last)["people.new_volunteers"] == 1
    with scoped(two) as session:
        assert totals(session, first, last)["people.new_volunteers"] == 0
    bad = app.test_cli_runner().invoke(args=["figures", "refresh", "--street", "nowhere"])
    assert bad.exit_code != 0


def test_periods_default_to_last_month_and_quarter():
    assert default_period(MONTHLY, date(2026, 1, 15)) == Period(
        date(2025, 12, 1), date(2025, 12, 31)
    )
    assert default_period(QUARTERLY, date(2026, 5, 2)) == Period(
        date(2026, 1, 1), date(2026, 3, 31)
    )
    assert parse_period(QUARTERLY, "2026-Q4")[0] == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert parse_period(MONTHLY, "2024-02")[0] == Period(date(2024, 2, 1), date(2024, 2, 29))
    for odd in ("2026-13", "x", "2026-Q5", "99999-01", "2026-00"):
        period, problem = parse_period(MONTHLY, odd)
        assert problem and period == default_period(MONTHLY)


@both_backends
def test_the_monthly_report_shows_this_month_the_one_before_and_the_change(app, street, history):
    page = signed_in(app, "alpha", street.admin_phone).get("/alpha/reports/monthly?month=2026-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "甲街道" in html and "2026-03" in html and "2026-02" in html
    row = html.split('id="figure-people-new_volunteers"')[1].split("</tr>")[0]
    # 3 this month, 2 the month before: ↑ 1, +50.0%
    assert ">3<" in row and ">2<" in row and "↑ 1" in row and "+50.0%" in row
    assert 'data-chart="series"' in html


def test_community_staff_see_their_community_and_only_figures_allowed_per_community(
    app, make_user, street, history
):
    _id, phone = make_user(street, role="staff", community_id=history["community"])
    html = (
        signed_in(app, "alpha", phone)
        .get("/alpha/reports/monthly?month=2026-03")
        .get_data(as_text=True)
    )
    assert "朝阳社区" in html
    row = html.split('id="figure-people-new_volunteers"')[1].split("</tr>")[0]
    assert ">2<" in row and ">1<" in row  # 朝阳社区: two in March, one in February
    assert 'id="figure-alliance-resources"' not in html  # a street-only figure


def test_volunteers_cannot_open_reports(app, make_user, street):
    _id, phone = make_user(street)
    client = signed_in(app, "alpha", phone)
    assert client.get("/alpha/reports/monthly").status_code == 403
    assert client.get("/alpha/reports/quarterly/export").status_code == 403


def test_an_odd_period_shows_the_default_with_a_message(admin):
    page = admin.get("/alpha/reports/quarterly?quarter=2026-Q9")
    assert page.status_code == 200
    assert "季度格式应为" in page.get_data(as_text=True)


def test_the_quarterly_report_exports_to_xlsx_with_chinese_headers(admin, history):
    response = admin.get("/alpha/reports/quarterly/export?quarter=2026-Q1")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("模块", "指标", "单位", "本期（2026-Q1）", "上期（2025-Q4）")
    by_label = {row[1]: row for row in rows[1:]}
    assert by_label["新增志愿者"][3] == 6
    assert by_label["注册志愿者"][4] == 0


def test_the_report_runs_the_same_statements_whatever_the_history(
    app, admin, make_user, scoped, street, community
):
    """Ten times the volunteers and days of figures: the same statements."""
    made = {"n": 0}

    def grow(n: int) -> None:
        for _i in range(n):
            day = date(2026, 3, 1) - timedelta(days=7 * made["n"])
            _volunteer_on(make_user, scoped, street, day, community)
            made["n"] += 1
        _refresh(scoped, street, date(2025, 1, 1), date(2026, 3, 31))

    html = assert_statements_do_not_grow(
        app, admin, "/alpha/reports/monthly?month=2026-03", grow, 20, 8
    )
    assert "新增志愿者" in html


def test_the_demo_street_has_its_figures(app, unscoped, scoped):
    from saas.demo import load_demo

    with app.app_context():
        load_demo(db.session, scale=0)
        db.session.commit()
        db.session.remove()
    with unscoped() as session:
        rows = session.scalar(select(func.count()).select_from(DailyFigure))
    assert rows > 0
    assert Decimal(1)  # the demo's fixed history is enough to fill some days


def test_the_report_reads_in_english(admin, history):
    admin.get("/lang/en")
    page = admin.get("/alpha/reports/monthly?month=2026-03")
    assert page.status_code == 200
    assert "Monthly report" in page.get_data(as_text=True)
