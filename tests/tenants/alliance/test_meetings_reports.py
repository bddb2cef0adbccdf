"""The members' monthly service report (per unit, in its inbox once a month, as .xlsx) and the
yearly evaluation (weights and stars set by the street, a constant number of statements)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from saas.notify.models import Notification
from saas.streets.models import Tenant
from tenants.alliance.models import (
    Meeting,
    MeetingInvite,
    MemberReport,
    Project,
    ProjectPartner,
    ReportDelivery,
    UnitMember,
)
from tenants.events.models import Attendance, Registration
from tests.conftest import both_backends
from tests.tenants.alliance.factories import make_unit, unit_with_account
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)

NOV = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _served(scoped, street, user_id, hours, starts_at=NOV, confirmed=True) -> int:
    event = make_event(scoped, street, title="服务", starts_at=starts_at, status="finished")
    with scoped(street) as session:
        session.add(
            Attendance(
                event_id=event,
                user_id=user_id,
                hours=Decimal(hours),
                confirmed_at=starts_at if confirmed else None,
            )
        )
        session.commit()
    return event


def _two_members(scoped, street, make_user, community):
    """A unit with a reported member (2.5 h + 1.5 h in November, 3 h in October) and a member it
    named on a sign-up (4 h in November); an unconfirmed attendance and a pending report
    count for nothing."""
    unit, _account, phone = unit_with_account(scoped, street, make_user, "共建单位甲")
    reported, _ = make_user(street, name="张党员")
    named, _ = make_user(street, name="李党员")
    pending, _ = make_user(street, name="王待审")
    _served(scoped, street, reported, "2.5")
    _served(scoped, street, reported, "1.5", NOV + timedelta(days=5))
    _served(scoped, street, reported, "3", datetime(2026, 10, 20, 2, tzinfo=UTC))
    signup_event = _served(scoped, street, named, "4")
    _served(scoped, street, named, "9", confirmed=False)
    _served(scoped, street, pending, "6")
    with scoped(street) as session:
        registration = Registration(event_id=signup_event, user_id=_account)
        session.add(registration)
        session.flush()
        session.add_all(
            [
                MemberReport(
                    user_id=reported,
                    community_id=community,
                    organisation_id=unit,
                    status="confirmed",
                ),
                MemberReport(
                    user_id=pending, community_id=community, organisation_id=unit, status="pending"
                ),
                UnitMember(registration_id=registration.id, organisation_id=unit, user_id=named),
            ]
        )
        session.commit()
    return unit, phone


def _sheet(response):
    assert response.status_code == 200, response.status_code
    return [list(row) for row in load_workbook(BytesIO(response.data)).active.values]


@both_backends
def test_the_monthly_report_of_a_unit_with_two_members(app, admin, street, make_user, scoped):
    community = add_community(scoped, street, "朝阳社区")
    unit, phone = _two_members(scoped, street, make_user, community)
    rows = _sheet(signed_in(app, "alpha", phone).get("/alpha/alliance/unit/report/2026-11.xlsx"))
    assert rows[0] == ["党员", "服务时长（小时）", "参加活动（次）"]
    assert rows[1:3] == [["张党员", 4, 2], ["李党员", 4, 1]]
    assert rows[3] == ["合计（2 人服务）", 8, 3]
    assert rows[4][:2] == ["居民评价", "暂无居民评价记录"]
    # the office's page and its export: the same numbers
    page = admin.get("/alpha/alliance/reports/service?month=2026-11").get_data(as_text=True)
    assert "共建单位甲" in page and "暂无居民评价记录" in page
    exported = _sheet(admin.get("/alpha/alliance/reports/service.xlsx?month=2026-11"))
    assert exported[1] == ["共建单位甲", 2, 2, 8, 3]
    office_copy = _sheet(admin.get(f"/alpha/alliance/reports/service/{unit}/2026-11.xlsx"))
    assert office_copy[1:4] == rows[1:4]
    october = _sheet(admin.get(f"/alpha/alliance/reports/service/{unit}/2026-10.xlsx"))
    assert october[1] == ["张党员", 3, 1]


def test_a_unit_downloads_only_its_own_report(app, street, make_user, scoped):
    _unit, _account, phone = unit_with_account(scoped, street, make_user)
    other = make_unit(scoped, street, "共建单位乙")
    client = signed_in(app, "alpha", phone)
    assert client.get("/alpha/alliance/unit/report/2026-13.xlsx").status_code == 404
    assert client.get("/alpha/alliance/unit/report/junk.xlsx").status_code == 404
    assert client.get(f"/alpha/alliance/reports/service/{other}/2026-11.xlsx").status_code == 403


@both_backends
def test_the_monthly_job_puts_the_report_in_each_units_inbox_once(app, street, make_user, scoped):
    from saas.tenancy import all_tenants
    from tenants.alliance.meeting_jobs import send_monthly_reports
    from tenants.orgs.models import Organisation

    unit, account, _ = unit_with_account(scoped, street, make_user)
    with scoped(street) as session:
        session.get(Organisation, (street.id, unit)).created_at = datetime(2026, 10, 1, tzinfo=UTC)
        session.commit()
    first_of_december = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 12-01 locally

    def run(now):
        with app.app_context(), all_tenants():
            return send_monthly_reports(now)

    assert run(first_of_december) == 1
    assert run(first_of_december + timedelta(hours=1)) == 0
    with scoped(street) as session:
        notes = session.scalars(
            select(Notification).where(Notification.kind == "alliance.monthly_report")
        ).all()
        assert [(n.user_id, n.link) for n in notes] == [
            (account, "/alpha/alliance/unit/report/2026-11.xlsx")
        ]
        assert session.scalars(select(ReportDelivery.month)).all() == ["2026-11"]


def _evaluation_data(scoped, street, make_user, community):
    """Four units with known numbers in 2026 (weights 10/20/1/5):
    甲: 2 events, 1 project, 11 h (8 in November, 3 in October), 1 meeting = 20+20+11+5 = 56
    乙: 0 events, 2 projects, 0 h, 2 meetings = 40+10 = 50
    丙: 1 event (and a cancelled one, and one in 2025) = 10
    丁: nothing = 0"""
    units = {}
    units["甲"], phone = _two_members(scoped, street, make_user, community)
    units["乙"] = make_unit(scoped, street, "共建单位乙")
    units["丙"], account_c, _ = unit_with_account(scoped, street, make_user, "共建单位丙")
    units["丁"] = make_unit(scoped, street, "共建单位丁")
    with scoped(street) as session:
        account_a = session.scalar(
            select(Registration.user_id).limit(1)
        )  # the sign-up _two_members made for 甲
    joined = make_event(scoped, street, title="共建日", starts_at=NOV, status="finished")
    cancelled = make_event(scoped, street, title="取消的", starts_at=NOV, status="finished")
    last_year = make_event(
        scoped, street, title="去年的", starts_at=NOV.replace(year=2025), status="finished"
    )
    done_at = datetime(2026, 6, 1, tzinfo=UTC)
    with scoped(street) as session:
        session.add_all(
            [
                Registration(event_id=joined, user_id=account_a),
                Registration(event_id=joined, user_id=account_c),
                Registration(event_id=cancelled, user_id=account_c, status="cancelled"),
                Registration(event_id=last_year, user_id=account_c),
            ]
        )
        projects = [Project(title=f"项目{n}", status="done", finished_at=done_at) for n in range(2)]
        unfinished = Project(title="进行中", status="in_progress")
        session.add_all([*projects, unfinished])
        meetings = [Meeting(title=f"会{n}", starts_at=NOV) for n in range(2)]
        session.add_all(meetings)
        session.flush()
        session.add_all(
            [
                ProjectPartner(project_id=projects[0].id, organisation_id=units["甲"]),
                ProjectPartner(project_id=projects[0].id, organisation_id=units["乙"]),
                ProjectPartner(project_id=projects[1].id, organisation_id=units["乙"]),
                ProjectPartner(project_id=unfinished.id, organisation_id=units["丁"]),
                MeetingInvite(
                    meeting_id=meetings[0].id, organisation_id=units["甲"], attended=True
                ),
                MeetingInvite(
                    meeting_id=meetings[0].id, organisation_id=units["乙"], attended=True
                ),
                MeetingInvite(
                    meeting_id=meetings[1].id, organisation_id=units["乙"], attended=True
                ),
                MeetingInvite(
                    meeting_id=meetings[1].id, organisation_id=units["丁"], attended=False
                ),
            ]
        )
        session.commit()
    return units


def test_the_evaluation_ranks_units_with_their_components_and_stars(
    admin, street, make_user, scoped
):
    community = add_community(scoped, street, "朝阳社区")
    _evaluation_data(scoped, street, make_user, community)
    rows = _sheet(admin.get("/alpha/alliance/evaluation.xlsx?year=2026"))
    assert rows[0] == [
        "排名",
        "单位",
        "参加活动",
        "完成项目",
        "党员服务时长",
        "出席会议",
        "得分",
        "星级",
    ]
    # default thresholds 20 / 50 / 100 / 200
    assert rows[1:] == [
        [1, "共建单位甲", 2, 1, 11, 1, 56, "★★★"],
        [2, "共建单位乙", 0, 2, 0, 2, 50, "★★★"],
        [3, "共建单位丙", 1, 0, 0, 0, 10, "★"],
        [4, "共建单位丁", 0, 0, 0, 0, 0, "★"],
    ]
    # the street weighs meetings more and moves the stars
    response = admin.post(
        "/alpha/alliance/evaluation?year=2026",
        data={
            "w_events": "10",
            "w_projects": "20",
            "w_hours": "1",
            "w_meetings": "30",
            "star2": "5",
            "star3": "40",
            "star4": "60",
            "star5": "100",
        },
    )
    assert response.status_code == 302
    rows = _sheet(admin.get("/alpha/alliance/evaluation.xlsx?year=2026"))
    assert [(r[1], r[6], r[7]) for r in rows[1:]] == [
        ("共建单位乙", 100, "★★★★★"),
        ("共建单位甲", 81, "★★★★"),
        ("共建单位丙", 10, "★★"),
        ("共建单位丁", 0, "★"),
    ]
    with scoped(street) as session:
        stored = session.get(Tenant, street.id).settings["alliance_evaluation"]
        assert stored["w_meetings"] == 30 and stored["thresholds"] == [5, 40, 60, 100]
    page = admin.get("/alpha/alliance/evaluation?year=2026").get_data(as_text=True)
    assert "★★★★★" in page and "共建单位乙" in page


def test_bad_rules_are_refused_and_kept(admin, street, scoped):
    good = {
        "w_events": "10",
        "w_projects": "20",
        "w_hours": "1",
        "w_meetings": "5",
        "star2": "20",
        "star3": "50",
        "star4": "100",
        "star5": "200",
    }
    for bad, message in [
        ({"w_events": "101"}, "权重须为 0 到 100 之间的整数"),
        ({"w_hours": "-1"}, "权重须为 0 到 100 之间的整数"),
        ({"star3": "20"}, "分数线须逐级递增"),
        ({"star5": "90"}, "分数线须逐级递增"),
        ({"star2": ""}, "请填写分数线"),
    ]:
        response = admin.post("/alpha/alliance/evaluation", data=good | bad)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, bad
        assert message in page, bad
    with scoped(street) as session:
        assert "alliance_evaluation" not in (session.get(Tenant, street.id).settings or {})


def test_only_the_admin_evaluates(app, street, make_user, scoped):
    _id, staff = make_user(street, "staff")
    client = signed_in(app, "alpha", staff)
    assert client.get("/alpha/alliance/evaluation").status_code == 403
    assert client.get("/alpha/alliance/reports/service").status_code == 200


def test_the_evaluation_and_the_report_run_the_same_statements_for_more_units(
    app, admin, street, make_user, scoped
):
    made = []

    def grow(n):
        for _ in range(n):
            made.append(make_unit(scoped, street, f"单位{len(made)}"))
            member, _ = make_user(street)
            _served(scoped, street, member, "2")
            with scoped(street) as session:
                community = session.scalar(select(MemberReport.community_id).limit(1))
            if community is None:
                community = add_community(scoped, street, f"社区{len(made)}")
            with scoped(street) as session:
                session.add(
                    MemberReport(
                        user_id=member,
                        community_id=community,
                        organisation_id=made[-1],
                        status="confirmed",
                    )
                )
                session.commit()

    assert_statements_do_not_grow(app, admin, "/alpha/alliance/evaluation?year=2026", grow, 10, 14)
    assert_statements_do_not_grow(
        app, admin, "/alpha/alliance/reports/service?month=2026-11", grow, 10, 12
    )
