"""The dashboard's trends and the monthly report read the same figures (saas.figures): the same
numbers for the same month, today's counted at once on the dashboard, a constant number of
statements; and the report of one community chosen by the admin or street-wide staff."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from saas.auth.models import User
from saas.cache import forget
from saas.db import utcnow
from saas.figures.reports import MONTHLY, build
from saas.figures.store import Period, refresh
from saas.ui import street_today, street_zone
from tenants.events import dashboard as event_figures
from tenants.passport import dashboard as passport_figures
from tenants.passport.models import EntryKind, Passport
from tests.conftest import both_backends
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)
from tests.tenants.test_dashboard import _confirmed, _entry, _volunteer
from tests.test_query_counts import dashboard_budget

#: the dashboard's series → the figure the report shows for it
SAME = {
    ("passport", "issued"): "passport.points_issued",
    ("passport", "redeemed"): "passport.points_spent",
    ("passport", "volunteers"): "people.new_volunteers",
    ("events", "hours"): "events.hours",
    ("events", "held"): "events.held",
}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=street_zone()).astimezone(UTC)


def _month(day: date) -> Period:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return Period(day.replace(day=1), following - timedelta(days=1))


def _activity(session, community: int | None, when: datetime, hours: str, points: int) -> None:
    """A volunteer who joined at ``when``, their confirmed hours at an event ending then, points
    earned and spent then."""
    person = _volunteer(session, community, created_at=when)
    passport = Passport(user_id=person.id, community_id=community, number=f"P{person.id}")
    session.add(passport)
    session.flush()
    _confirmed(session, person, when, hours)
    _entry(session, passport, EntryKind.earn, points, when)
    _entry(session, passport, EntryKind.redeem, -(points // 2), when)


def _keep(scoped, street) -> None:
    with scoped(street) as session:
        refresh(session, street.id, street_today() - timedelta(days=400), street_today())
        session.commit()


def _dashboard(session, viewer, now) -> dict[str, list]:
    passport = passport_figures.trends(session, viewer, now)
    events = event_figures.trends(session, viewer, now)
    panels = {"passport": passport, "events": events}
    return {key: panels[panel][series] for (panel, series), key in SAME.items()}


def _report(session, viewer, month: Period, community: int | None = None) -> dict[str, Decimal]:
    report = build(session, viewer, MONTHLY, month, community)
    return {line.figure.key: line.current for group in report.groups for line in group.lines}


@both_backends
def test_the_dashboard_and_the_monthly_report_show_the_same_numbers(
    app, street, scoped, make_user, community
):
    other = add_community(scoped, street, "清泉社区")
    today = street_today()
    last_month = today.replace(day=1) - timedelta(days=10)
    with scoped(street) as session:
        for day, hour, where, hours, points in [
            (last_month, 10, community, "2", 40),
            (last_month, 15, other, "3.5", 20),
            (last_month - timedelta(days=60), 9, None, "1", 10),
            (today.replace(day=1), 9, community, "4", 30),
        ]:
            _activity(session, where, _at(day, hour), hours, points)
        # today, a moment ago: counted live on the dashboard
        _activity(session, other, utcnow() - timedelta(minutes=1), "1.5", 8)
        session.commit()
    make_event(scoped, street, starts_at=utcnow() - timedelta(minutes=1), community_id=community)
    make_event(scoped, street, starts_at=utcnow() + timedelta(hours=1))  # not held yet
    _keep(scoped, street)
    staff_id, _phone = make_user(street, "staff", community_id=community)

    now = utcnow()
    with scoped(street) as session:
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        staff = session.scalar(select(User).where(User.id == staff_id))
        for viewer in (admin, staff):
            dashboard = _dashboard(session, viewer, now)
            for index, month in ((-2, _month(last_month)), (-1, _month(today))):
                report = _report(session, viewer, month)
                for key, series in dashboard.items():
                    assert Decimal(str(series[index])) == report[key], (viewer.role, month, key)
        street_month = _report(session, admin, _month(last_month))
        # the admin's report of 朝阳社区 is what its own staff see
        assert _report(session, admin, _month(today), community) == _report(
            session, staff, _month(today)
        )
    assert street_month["events.hours"] == Decimal("5.5")
    assert street_month["passport.points_issued"] == 60


@both_backends
def test_a_check_in_today_moves_the_dashboard_at_once(app, street, scoped, community):
    _keep(scoped, street)  # the hourly job ran before the check-in
    with scoped(street) as session:
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        before = event_figures.trends(session, admin, utcnow())["hours"][-1]
        _activity(session, community, utcnow() - timedelta(seconds=5), "2.5", 10)
        session.commit()
        after = event_figures.trends(session, admin, utcnow())
    assert after["hours"][-1] == before + 2.5
    # the kept days are not rewritten by the dashboard
    _keep(scoped, street)
    with scoped(street) as session:
        report = _report(session, admin, _month(street_today()))
    assert report["events.hours"] == Decimal(str(after["hours"][-1]))


@both_backends
def test_the_dashboard_runs_the_same_statements_at_one_and_ten_times_the_data(
    app, admin, street, scoped, community
):
    def grow(n: int) -> None:
        with scoped(street) as session:
            for i in range(n):
                when = utcnow() - timedelta(days=31 * (i % 12), minutes=1)
                _activity(session, community if i % 2 else None, when, "2", 6)
            session.commit()
        make_event(scoped, street, starts_at=utcnow() - timedelta(minutes=2))
        _keep(scoped, street)
        with app.app_context():
            forget()  # measure the view that computes the figures

    assert_statements_do_not_grow(app, admin, "/alpha/dashboard", grow, 20, dashboard_budget(app))


# The report of one community --------------------------------------------------------------------


def _new_volunteers_row(html: str) -> str:
    return html.split('id="figure-people-new_volunteers"')[1].split("</tr>")[0]


def test_the_admin_chooses_a_communitys_report(app, admin, street, scoped, community):
    other = add_community(scoped, street, "清泉社区")
    gone = add_community(scoped, street, "旧社区", archived=True)
    march = date(2026, 3, 10)
    with scoped(street) as session:
        for where in (community, other, other):
            _volunteer(session, where, created_at=_at(march, 12))
        session.commit()
    with scoped(street) as session:
        refresh(session, street.id, date(2026, 3, 1), date(2026, 3, 31))
        session.commit()

    street_page = admin.get("/alpha/reports/monthly?month=2026-03").get_data(as_text=True)
    assert '<select name="community">' in street_page and "清泉社区" in street_page
    assert "旧社区" not in street_page
    assert ">3<" in _new_volunteers_row(street_page)
    assert 'id="figure-alliance-resources"' in street_page

    page = admin.get(f"/alpha/reports/monthly?month=2026-03&community={other}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ">2<" in _new_volunteers_row(html)
    assert 'id="figure-alliance-resources"' not in html  # a street-only figure
    assert f'<option value="{other}" selected>' in html
    # the period links keep the community
    assert (
        f"month=2026-02&amp;community={other}" in html
        or f"community={other}&amp;month=2026-02" in html
    )

    sheet = load_workbook(
        io.BytesIO(admin.get(f"/alpha/reports/monthly/export?month=2026-03&community={other}").data)
    ).active
    by_label = {row[1]: row for row in sheet.iter_rows(values_only=True)}
    assert by_label["新增志愿者"][3] == 2 and "新增资源" not in by_label

    # an archived, unknown or odd community: the street's report
    for odd in (gone, 999999, "x", "-1"):
        html = admin.get(f"/alpha/reports/monthly?month=2026-03&community={odd}").get_data(
            as_text=True
        )
        assert ">3<" in _new_volunteers_row(html), odd


def test_a_communitys_staff_cannot_choose_another(app, make_user, street, scoped, community):
    other = add_community(scoped, street, "清泉社区")
    with scoped(street) as session:
        for where in (community, other, other):
            _volunteer(session, where, created_at=_at(date(2026, 3, 10), 12))
        session.commit()
        refresh(session, street.id, date(2026, 3, 1), date(2026, 3, 31))
        session.commit()
    _id, phone = make_user(street, "staff", community_id=community)
    html = (
        signed_in(app, "alpha", phone)
        .get(f"/alpha/reports/monthly?month=2026-03&community={other}")
        .get_data(as_text=True)
    )
    assert '<select name="community">' not in html and "清泉社区" not in html
    assert ">1<" in _new_volunteers_row(html)  # their own community's one volunteer


def test_the_panels_read_declared_figures(app):
    from saas.figures.store import declared
    from saas.modules import installed

    with app.app_context():
        keys = {d.figure.key for d in declared()}
        listed = {k for m in installed(app) for p in m.panels for k in p.figures}
    assert set(SAME.values()) <= listed <= keys
