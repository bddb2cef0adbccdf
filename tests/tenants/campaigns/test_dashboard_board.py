"""A campaign's dashboard: progress per target, weekly participation, its events, the .xlsx export
and the year's list; office only; a constant number of statements whatever the data."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook

from saas.db import utcnow
from tenants.campaigns.dashboard import weeks_of
from tenants.campaigns.jobs_models import JobMatch, MatchStatus
from tenants.campaigns.relief_models import Assistance, Household, Visit
from tenants.events.models import Attendance, Registration
from tests.conftest import both_backends
from tests.tenants.campaigns.factories import (
    link_event,
    make_campaign,
    make_employer,
    make_position,
    make_seeker,
    make_target,
)
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)
from tests.test_query_counts import count_queries

YEAR = 2025


def _at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)  # 10:00 in Shanghai


def _chart(body: str, kind: str) -> dict:
    found = re.search(r'data-chart="' + kind + r'"[^>]*data-chart-data="([^"]*)"', body)
    assert found, kind
    return json.loads(found.group(1).replace("&#34;", '"').replace("&quot;", '"'))


def _jobs_campaign(scoped, street, make_user):
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR, name="春·助企帮招")
    seekers_target = make_target(scoped, street, campaign, "job_seekers", 4, name="求职登记")
    make_target(scoped, street, campaign, "job_hires", 10, name="成功入职")
    employer = make_employer(scoped, street)
    position = make_position(scoped, street, campaign, employer, openings=20)
    seekers = [
        make_seeker(scoped, street, campaign, phone=f"1370000010{i}", created_at=_at(date(YEAR, 1, 1 + 7 * i)))
        for i in range(3)
    ]  # fmt: skip
    with scoped(street) as session:
        session.add(
            JobMatch(seeker_id=seekers[0], position_id=position, status=MatchStatus.hired,
                     hired_on=date(YEAR, 1, 20), interview_at=utcnow())
        )  # fmt: skip
        session.commit()
    fair = make_event(
        scoped, street, title="益企招聘会", kind="campaign", starts_at=_at(date(YEAR, 2, 10)),
        status="finished", capacity=50,
    )  # fmt: skip
    link_event(scoped, street, campaign, fair, job_fair=True)
    people = [make_user(street)[0] for _ in range(3)]
    with scoped(street) as session:
        for i, user_id in enumerate(people):
            session.add(
                Registration(event_id=fair, user_id=user_id, created_at=_at(date(YEAR, 2, 3)))
            )
            if i < 2:
                session.add(
                    Attendance(event_id=fair, user_id=user_id, checked_in_at=_at(date(YEAR, 2, 10)))
                )
        session.commit()  # fmt: skip
    return campaign, seekers_target


def test_weeks_cut_the_campaign_from_its_first_day():
    weeks = weeks_of(date(2025, 1, 1), date(2025, 3, 31))
    assert weeks.days[0] == date(2025, 1, 1)
    assert weeks.days[-1] == date(2025, 4, 1)
    assert len(weeks.labels) == 13  # 90 days: 12 whole weeks and a short one
    assert weeks.labels[1] == "01-08"
    long = weeks_of(date(2025, 1, 1), date(2027, 12, 31))
    assert len(long.labels) <= 53


@both_backends
def test_the_dashboard_shows_progress_participation_and_events(
    app, client, make_street, make_user, scoped
):
    street = make_street()
    campaign, _ = _jobs_campaign(scoped, street, make_user)
    client = signed_in(app, street.slug, street.admin_phone)
    body = client.get(f"/{street.slug}/campaigns/{campaign}/dashboard").get_data(as_text=True)

    kpis = _chart(body, "bar")
    assert kpis["labels"] == ["求职登记", "成功入职"]
    assert kpis["values"] == [75.0, 10.0]  # 3 of 4 seekers, 1 of 10 hires
    trend = _chart(body, "series")
    assert trend["labels"][:2] == ["01-01", "01-08"]
    by_name = {s["name"]: s["values"] for s in trend["series"]}
    assert by_name["求职登记（人）"][:4] == [1, 1, 1, 0]
    assert sum(by_name["成功入职（人）"]) == 1 and by_name["成功入职（人）"][2] == 1
    feb_3 = (date(YEAR, 2, 3) - date(YEAR, 1, 1)).days // 7
    assert by_name["活动报名（人次）"][feb_3] == 3 and sum(by_name["活动报名（人次）"]) == 3
    feb_10 = (date(YEAR, 2, 10) - date(YEAR, 1, 1)).days // 7
    assert by_name["活动参与（人次）"][feb_10] == 2
    # the tables beside the charts, for those who read
    assert 'id="kpi-table"' in body and "75.0%" in body
    assert 'id="trend-table"' in body and "2025-01-01 – 2025-01-07" in body
    assert "益企招聘会" in body


@both_backends
def test_relief_series_count_what_was_given_and_visited(app, make_street, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "winter", "relief", YEAR)
    community = add_community(scoped, street, "和平社区")
    with scoped(street) as session:
        home = Household(head_name="甲", phone="13700001111", grade="A", reason="大病",
                         community_id=community)  # fmt: skip
        session.add(home)
        session.flush()
        session.add_all(
            [
                Assistance(household_id=home.id, kind="money", amount=Decimal(800), given_on=date(YEAR, 10, 2)),
                Assistance(household_id=home.id, kind="goods", amount=Decimal(100), given_on=date(YEAR, 10, 3)),
                Assistance(household_id=home.id, kind="money", amount=Decimal(5), given_on=date(YEAR, 9, 3)),
                Visit(household_id=home.id, visited_on=date(YEAR, 10, 9)),
            ]
        )  # fmt: skip
        session.commit()
    client = signed_in(app, street.slug, street.admin_phone)
    body = client.get(f"/{street.slug}/campaigns/{campaign}/dashboard").get_data(as_text=True)
    by_name = {s["name"]: s["values"] for s in _chart(body, "series")["series"]}
    assert by_name["帮扶（次）"][:2] == [2, 0] and sum(by_name["帮扶（次）"]) == 2
    assert by_name["走访（次）"][:2] == [0, 1]


def test_the_export_has_three_sheets_with_chinese_headers(app, make_street, make_user, scoped):
    street = make_street()
    campaign, _ = _jobs_campaign(scoped, street, make_user)
    client = signed_in(app, street.slug, street.admin_phone)
    response = client.get(f"/{street.slug}/campaigns/{campaign}/dashboard.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["指标", "活动", "参与趋势"]
    kpis = list(book["指标"].values)
    assert kpis[0] == ("指标", "单位", "目标", "完成", "完成率（%）")
    assert kpis[1] == ("求职登记", "个", 4, 3, 75)
    events = list(book["活动"].values)
    assert events[0] == ("活动", "时间", "状态", "名额", "报名（人次）", "参与（人次）")
    assert events[1][0] == "益企招聘会" and events[1][3:] == (50, 3, 2)
    trend = list(book["参与趋势"].values)
    assert trend[0][:2] == ("周起", "周止") and "求职登记（人）" in trend[0]
    assert trend[1][:2] == ("2025-01-01", "2025-01-07")


def test_the_year_lists_its_campaigns_with_links(app, make_street, make_user, scoped):
    street = make_street()
    campaign, _ = _jobs_campaign(scoped, street, make_user)
    make_campaign(scoped, street, "spring", "jobs", YEAR - 1, name="去年的春季")
    client = signed_in(app, street.slug, street.admin_phone)
    body = client.get(f"/{street.slug}/campaigns/dashboard?year={YEAR}").get_data(as_text=True)
    assert f"/{street.slug}/campaigns/{campaign}/dashboard" in body
    assert "春·助企帮招" in body and "去年的春季" not in body
    assert "42.5%" in body  # (75 % + 10 %) / 2
    # a year that is not one shows this year; the menu links the page
    assert client.get(f"/{street.slug}/campaigns/dashboard?year=²").status_code == 200
    assert f'/{street.slug}/campaigns/dashboard"' in client.get(
        f"/{street.slug}/dashboard"
    ).get_data(as_text=True)


def test_only_the_office_opens_the_dashboard(app, make_street, make_user, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    _, phone = make_user(street)
    resident = signed_in(app, street.slug, phone)
    for url in (
        f"/{street.slug}/campaigns/{campaign}/dashboard",
        f"/{street.slug}/campaigns/{campaign}/dashboard.xlsx",
        f"/{street.slug}/campaigns/dashboard",
    ):
        assert resident.get(url).status_code == 403
    _, staff_phone = make_user(street, role="staff")
    assert (
        signed_in(app, street.slug, staff_phone)
        .get(f"/{street.slug}/campaigns/{campaign}/dashboard")
        .status_code
        == 200
    )
    other = make_street()
    outsider = signed_in(app, other.slug, other.admin_phone)
    assert outsider.get(f"/{other.slug}/campaigns/{campaign}/dashboard").status_code == 404


@both_backends
def test_the_dashboard_runs_as_many_statements_for_ten_times_the_data(
    app, make_street, make_user, scoped
):
    street = make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    employer = make_employer(scoped, street)
    position = make_position(scoped, street, campaign, employer)
    people = [make_user(street)[0] for _ in range(3)]
    made = {"n": 0}

    def grow(n: int) -> None:
        start = made["n"]
        for i in range(start, n):
            make_target(scoped, street, campaign, ["job_seekers", "job_hires", None][i % 3],
                        name=f"指标{i}")  # fmt: skip
            seeker = make_seeker(scoped, street, campaign, phone=f"1390000{i:04d}",
                                 created_at=_at(date(YEAR, 1, 1) + timedelta(days=5 * i)))  # fmt: skip
            event = make_event(scoped, street, title=f"活动{i}", kind="campaign",
                               starts_at=_at(date(YEAR, 1, 2) + timedelta(days=6 * i)))  # fmt: skip
            link_event(scoped, street, campaign, event)
            with scoped(street) as session:
                session.add(JobMatch(seeker_id=seeker, position_id=position,
                                     status=MatchStatus.hired, hired_on=date(YEAR, 3, 1)))  # fmt: skip
                for user_id in people:
                    session.add(Registration(event_id=event, user_id=user_id))
                    session.add(Attendance(event_id=event, user_id=user_id, checked_in_at=utcnow()))
                session.commit()
        made["n"] = max(start, n)

    client = signed_in(app, street.slug, street.admin_phone)
    urls = (
        f"/{street.slug}/campaigns/{campaign}/dashboard",
        f"/{street.slug}/campaigns/{campaign}/dashboard.xlsx",
        f"/{street.slug}/campaigns/dashboard?year={YEAR}",
    )

    def statements() -> list[int]:
        counts = []
        for url in urls:
            with count_queries(app) as seen:
                assert client.get(url).status_code == 200
            counts.append(len(seen))
        return counts

    grow(2)
    small = statements()
    body = assert_statements_do_not_grow(app, client, urls[0], grow, 20, 14)
    assert body.count("<tr>") >= 20
    assert statements() == small
    assert max(small) <= 14
