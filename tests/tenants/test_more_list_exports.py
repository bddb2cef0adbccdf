"""导出 Excel on the office lists that still had none: 奖品管理, 先锋岗位 (and a post's claimants),
招聘会, 走访提醒, 交友报名者资料, 一季一品数据看板, 走访分组, 走访进度, 商圈, 发送失败的通知.

Each export holds the rows its page shows with the page's filters, follows the page's access
rules (a volunteer is refused; another community's staff get what the page gives them: their
own rows, or nothing), and odd filter values are never a 500. Big ones go to a job like every
export built with ``saas.xlsx.download`` (tests/tenants/test_export_jobs.py)."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from saas.audit.models import AuditEntry
from tests.tenants.campaigns.factories import link_event, make_campaign
from tests.tenants.campaigns.factories_relief import make_grid, make_household
from tests.tenants.factories import add_community, make_event, signed_in
from tests.tenants.grid.factories_visits import make_group, make_subject
from tests.tenants.test_exports import sheet_rows

ODD = ["%00x", "-1", "9" * 40, "'; DROP TABLE users; --", "%25", "=1+1", "²"]
REFUSED = (302, 403, 404)


@pytest.fixture
def east(scoped, street):
    """A second community of the street (the page's other community)."""
    return add_community(scoped, street, "东风社区")


@pytest.fixture
def staff_of(app, street, make_user):
    """``staff_of(community_id)``: a client of a staff member limited to that community."""

    def make(community_id: int | None):
        _id, phone = make_user(street, "staff", community_id=community_id)
        return signed_in(app, "alpha", phone)

    return make


@pytest.fixture
def volunteer(app, street, make_user):
    _id, phone = make_user(street, "volunteer")
    return signed_in(app, "alpha", phone)


def names(response, column: int = 0) -> list:
    return [row[column] for row in sheet_rows(response)[1:]]


# --- 奖品管理 -----------------------------------------------------------------------------------


def test_rewards_export_takes_the_filters_and_the_staffs_community(
    admin, scoped, street, community, east, staff_of, volunteer
):
    from tenants.passport.models import Reward

    with scoped(street) as session:
        session.add_all(
            [
                Reward(name="环保袋", price=10, stock=5, community_id=community),
                Reward(name="=雨伞", price=30, stock=0, community_id=east, is_active=False),
            ]
        )
        session.commit()
    rows = sheet_rows(admin.get("/alpha/rewards/manage/export.xlsx"))
    assert rows[0][:4] == ["名称", "提供方", "积分", "库存"]
    assert {(r[0], r[2], r[7]) for r in rows[1:]} == {("环保袋", 10, "上架"), ("=雨伞", 30, "下架")}
    assert names(admin.get("/alpha/rewards/manage/export.xlsx?status=inactive")) == ["=雨伞"]
    assert names(admin.get(f"/alpha/rewards/manage/export.xlsx?community={community}")) == [
        "环保袋"
    ]
    # a community's staff manage their community's items only, whatever they ask for
    staff = staff_of(east)
    assert names(staff.get("/alpha/rewards/manage/export.xlsx")) == ["=雨伞"]
    assert names(staff.get(f"/alpha/rewards/manage/export.xlsx?community={community}")) == []
    assert volunteer.get("/alpha/rewards/manage/export.xlsx").status_code in REFUSED
    assert "/alpha/rewards/manage/export.xlsx" in admin.get("/alpha/rewards/manage").text


# --- 先锋岗位 and a post's claimants ----------------------------------------------------------


def _post(scoped, street, title, community=None, is_open=True) -> int:
    from tenants.alliance.models import Post

    with scoped(street) as session:
        post = Post(title=title, community_id=community, slots=3, specialties="政策宣讲",
                    is_open=is_open)  # fmt: skip
        session.add(post)
        session.commit()
        return post.id


def test_posts_export_takes_the_filters_and_the_staffs_community(
    admin, scoped, street, community, east, staff_of, volunteer
):
    _post(scoped, street, "楼栋宣讲员", community)
    _post(scoped, street, "垃圾分类督导", east, is_open=False)
    _post(scoped, street, "全街道巡河", None)
    url = "/alpha/alliance/posts/manage/export.xlsx"
    rows = sheet_rows(admin.get(url))
    assert rows[0][:3] == ["岗位", "社区", "所需特长"]
    assert {(r[0], r[1]) for r in rows[1:]} == {
        ("楼栋宣讲员", "朝阳社区"),
        ("垃圾分类督导", "东风社区"),
        ("全街道巡河", "全街道"),
    }
    assert names(admin.get(f"{url}?state=closed")) == ["垃圾分类督导"]
    assert names(admin.get(f"{url}?community=street")) == ["全街道巡河"]
    assert names(admin.get(f"{url}?community={community}&state=open")) == ["楼栋宣讲员"]
    assert names(staff_of(east).get(url)) == ["垃圾分类督导"]
    assert volunteer.get(url).status_code in REFUSED
    assert url in admin.get("/alpha/alliance/posts/manage").text


def test_a_posts_claimants_export_masks_phones_for_staff(
    admin, scoped, street, community, east, staff_of, make_user, volunteer
):
    from tenants.alliance.models import PostClaim

    post = _post(scoped, street, "楼栋宣讲员", community)
    user_id, _phone = make_user(street, "volunteer", name="陈党员", phone="13900000007")
    with scoped(street) as session:
        session.add(PostClaim(post_id=post, user_id=user_id))
        session.commit()
    url = f"/alpha/alliance/posts/{post}/claims.xlsx"
    rows = sheet_rows(admin.get(url))
    assert rows[0] == ["姓名", "手机号", "工作单位", "特长", "认领时间"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("陈党员", "13900000007")]
    assert [(r[0], r[1]) for r in sheet_rows(staff_of(community).get(url))[1:]] == [
        ("陈党员", "139****0007")
    ]
    # the post's page is another community's staff's 404: so is its export
    assert staff_of(east).get(url).status_code == 404
    assert volunteer.get(url).status_code in REFUSED
    assert url in admin.get(f"/alpha/alliance/posts/{post}").text


# --- 招聘会 --------------------------------------------------------------------------------------


def test_fairs_export_lists_the_jobs_campaigns_events(admin, scoped, street, volunteer):
    campaign = make_campaign(scoped, street, "spring", "jobs", name="春风行动")
    fair = make_event(scoped, street, title="春季招聘会", kind="campaign")
    talk = make_event(scoped, street, title="求职讲座", kind="campaign")
    link_event(scoped, street, campaign, fair, job_fair=True)
    link_event(scoped, street, campaign, talk)
    make_event(scoped, street, title="不相干的活动")
    rows = sheet_rows(admin.get("/alpha/jobs/fairs/export.xlsx"))
    assert rows[0] == ["活动", "时间", "所属活动", "招聘会", "展位"]
    assert {(r[0], r[2], r[3], r[4]) for r in rows[1:]} == {
        ("春季招聘会", "春风行动", "是", 0),
        ("求职讲座", "春风行动", None, None),
    }
    assert volunteer.get("/alpha/jobs/fairs/export.xlsx").status_code in REFUSED
    assert "/alpha/jobs/fairs/export.xlsx" in admin.get("/alpha/jobs/fairs").text


# --- 走访提醒 (relief households due for a visit) ----------------------------------------------


def test_visits_due_export_takes_the_community_and_is_audit_logged(
    admin, scoped, street, community, east, staff_of, volunteer
):
    past, later = date.today() - timedelta(days=3), date.today() + timedelta(days=90)
    make_household(scoped, street, community, 1, head_name="张大爷", next_visit_on=past,
                   phone="13900000011")  # fmt: skip
    make_household(scoped, street, east, 2, head_name="李奶奶", next_visit_on=past)
    make_household(scoped, street, east, 3, head_name="不到期", next_visit_on=later)
    make_household(scoped, street, east, 4, head_name="已结束", next_visit_on=past,
                   status="closed")  # fmt: skip
    url = "/alpha/campaigns/relief/visits-due/export.xlsx"
    rows = sheet_rows(admin.get(url))
    assert rows[0][:5] == ["应走访日期", "状态", "户主", "身份证号", "联系电话"]
    assert {(r[2], r[1], r[7]) for r in rows[1:]} == {
        ("张大爷", "已逾期", "朝阳社区"),
        ("李奶奶", "已逾期", "东风社区"),
    }
    # phones masked as the households' own export masks them, the admin's included
    assert [r[4] for r in rows[1:] if r[2] == "张大爷"] == ["139****0011"]
    assert names(admin.get(f"{url}?community={east}"), 2) == ["李奶奶"]
    # a community's staff: their community's households only, whatever they ask for
    assert names(staff_of(east).get(url), 2) == ["李奶奶"]
    assert names(staff_of(east).get(f"{url}?community={community}"), 2) == []
    # the page is a 404 for street-wide staff and volunteers: so is the export
    assert staff_of(None).get(url).status_code == 404
    assert volunteer.get(url).status_code in REFUSED
    with scoped(street) as session:
        logged = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "campaigns.relief_households_export")
        )
    assert logged == 2 + 1 + 1  # one per household handed out, each time
    assert url in admin.get("/alpha/campaigns/relief/visits-due").text


# --- 相亲结缘 registrants' profiles -------------------------------------------------------------


def test_profiles_export_holds_the_pages_rows_and_is_audit_logged(
    admin, scoped, street, community, east, staff_of, make_user, volunteer
):
    from tenants.campaigns.models import SignupProfile
    from tenants.events.models import Registration

    campaign = make_campaign(scoped, street, "summer", "matchmaking", 2025)
    event = make_event(scoped, street, title="社区交友会", kind="campaign", community_id=community)
    link_event(scoped, street, campaign, event)
    one, _p = make_user(street, name="小林")
    two, _p = make_user(street, name="小王")
    with scoped(street) as session:
        session.add_all(
            [
                Registration(event_id=event, user_id=one, status="registered"),
                Registration(event_id=event, user_id=two, status="waitlisted"),
                SignupProfile(
                    event_id=event,
                    user_id=one,
                    gender="female",
                    age_band="25_29",
                    occupation="工程师",
                    about="=喜欢爬山",
                ),  # fmt: skip
            ]
        )
        session.commit()
    url = f"/alpha/campaigns/events/{event}/profiles.xlsx"
    rows = sheet_rows(admin.get(url))
    assert rows[0] == ["姓名", "报名", "性别", "年龄段", "职业", "自我介绍"]
    assert rows[1][0] == "小林" and rows[1][4:] == ["工程师", "=喜欢爬山"]
    assert rows[2][:3] == ["小王", "候补", "未填写资料"]
    assert len(names(staff_of(community).get(url))) == 2
    assert staff_of(east).get(url).status_code == 404  # not an event they manage
    assert volunteer.get(url).status_code in REFUSED
    with scoped(street) as session:
        logged = session.scalars(
            select(AuditEntry.target).where(AuditEntry.action == "campaigns.profiles_export")
        ).all()
    assert logged == [f"event:{event}", f"event:{event}"]
    assert url in admin.get(f"/alpha/campaigns/events/{event}/profiles").text


# --- 一季一品数据看板 (the year's campaigns) ----------------------------------------------------


def test_campaigns_year_export_takes_the_year(admin, scoped, street, volunteer):
    make_campaign(scoped, street, "spring", "jobs", 2025, name="春风行动")
    make_campaign(scoped, street, "autumn", "care", 2024, name="金秋敬老")
    rows = sheet_rows(admin.get("/alpha/campaigns/dashboard/export.xlsx?year=2025"))
    assert rows[0][:3] == ["季节", "活动", "主题"]
    assert [r[1] for r in rows[1:]] == ["春风行动"]
    assert names(admin.get("/alpha/campaigns/dashboard/export.xlsx?year=2024"), 1) == ["金秋敬老"]
    assert volunteer.get("/alpha/campaigns/dashboard/export.xlsx").status_code in REFUSED
    page = admin.get("/alpha/campaigns/dashboard?year=2025").text
    assert "/alpha/campaigns/dashboard/export.xlsx?year=2025" in page


# --- 走访分组 and 走访进度 (grid duty visits) ---------------------------------------------------


@pytest.fixture
def visit_subjects(scoped, street, community, east, make_user):
    """A grid of each community, the first with a grid worker; a subject in each."""
    worker, _phone = make_user(street, "staff", name="网格员周", is_grid_worker=True,
                               community_id=community)  # fmt: skip
    north = make_grid(scoped, street, community, "一网格")
    south = make_grid(scoped, street, east, "二网格")
    from tenants.structure.models import Grid

    with scoped(street) as session:
        session.execute(Grid.__table__.update().where(Grid.id == north).values(worker_id=worker))
        session.commit()
    group = make_group(scoped, street, "独居老人", "monthly")
    make_group(scoped, street, "=退役军人", "quarterly")
    make_subject(scoped, street, group, community, north, name="王秀英")
    make_subject(scoped, street, group, east, south, name="赵桂兰")
    return group


def test_visit_groups_export_is_the_admins(admin, visit_subjects, staff_of, community, volunteer):
    rows = sheet_rows(admin.get("/alpha/grid/visit-groups/export.xlsx"))
    assert rows[0] == ["分组", "走访频次", "走访对象", "状态"]
    assert {(r[0], r[2], r[3]) for r in rows[1:]} == {("独居老人", 2, "使用中"),
                                                      ("=退役军人", 0, "使用中")}  # fmt: skip
    # the groups are the admin's settings: anyone else gets the page's 404
    assert staff_of(community).get("/alpha/grid/visit-groups/export.xlsx").status_code == 404
    assert volunteer.get("/alpha/grid/visit-groups/export.xlsx").status_code in REFUSED
    assert "/alpha/grid/visit-groups/export.xlsx" in admin.get("/alpha/grid/visit-groups").text


def test_visits_by_worker_export_counts_what_the_viewer_sees(
    admin, visit_subjects, staff_of, community, east, volunteer
):
    url = "/alpha/grid/visits/by-worker/export.xlsx"
    rows = sheet_rows(admin.get(url))
    assert rows[0] == ["网格员", "走访对象", "本期待访（含逾期）", "已逾期"]
    assert {(r[0], r[1]) for r in rows[1:]} == {("网格员周", 1), ("未配网格员", 1)}
    # a community's staff count their community's subjects only
    assert [(r[0], r[1]) for r in sheet_rows(staff_of(east).get(url))[1:]] == [("未配网格员", 1)]
    assert [(r[0], r[1]) for r in sheet_rows(staff_of(community).get(url))[1:]] == [("网格员周", 1)]
    assert staff_of(None).get(url).status_code == 404
    assert volunteer.get(url).status_code in REFUSED
    assert url in admin.get("/alpha/grid/visits/by-worker").text


# --- 商圈 ----------------------------------------------------------------------------------------


def test_circles_export_is_what_the_page_shows_the_viewer(
    admin, scoped, street, community, east, staff_of, volunteer
):
    from tenants.merchants.models import Circle

    with scoped(street) as session:
        session.add_all(
            [
                Circle(name="朝阳商圈", area="朝阳路", community_id=community, member_day=27),
                Circle(name="东风商圈", area="东风街", community_id=east, member_day=8),
                Circle(name="步行街", area="中山路"),
            ]
        )
        session.commit()
    url = "/alpha/merchants/circles/export.xlsx"
    rows = sheet_rows(admin.get(url))
    assert rows[0][:4] == ["商圈名称", "范围", "社区", "每月会员日"]
    assert {(r[0], r[2], r[3]) for r in rows[1:]} == {
        ("朝阳商圈", "朝阳社区", 27),
        ("东风商圈", "东风社区", 8),
        ("步行街", "全街道", 27),
    }
    # a community's staff: their community's circles and the street's own
    assert sorted(names(staff_of(east).get(url))) == sorted(["东风商圈", "步行街"])
    assert volunteer.get(url).status_code in REFUSED
    assert url in admin.get("/alpha/merchants/circles").text


# --- 发送失败的通知 ------------------------------------------------------------------------------


def test_failed_notifications_export_is_the_admins(
    admin, scoped, street, community, staff_of, make_user, volunteer
):
    from saas.notify.models import Notification

    user_id, _phone = make_user(street, "volunteer", name="刘阿姨", phone="13900000021")
    with scoped(street) as session:
        session.add_all(
            [
                Notification(user_id=user_id, kind="welcome", title="停水通知", channels="sms",
                             status="failed", attempts=4, last_error="gateway down"),
                Notification(user_id=user_id, kind="welcome", title="已送达", status="sent"),
            ]
        )  # fmt: skip
        session.commit()
    url = "/alpha/notifications/failed/export.xlsx"
    rows = sheet_rows(admin.get(url))
    assert rows[0] == ["时间", "收件人", "手机号", "标题", "通道", "尝试次数", "错误"]
    assert [r[1:] for r in rows[1:]] == [
        ["刘阿姨", "13900000021", "停水通知", "sms", 4, "gateway down"]
    ]
    # the page is the admin's: staff get its 403, as volunteers do
    assert staff_of(community).get(url).status_code in REFUSED
    assert volunteer.get(url).status_code in REFUSED
    assert url in admin.get("/alpha/notifications/failed").text


# --- big exports of audit-logged lists --------------------------------------------------------


@pytest.mark.parametrize(
    "url, action",
    [
        ("/alpha/campaigns/relief/visits-due/export.xlsx", "campaigns.relief_households_export"),
        ("/alpha/campaigns/relief/export.xlsx", "campaigns.relief_households_export"),
        ("/alpha/grid/visit-subjects/export.xlsx", "grid.visit_subjects_export"),
        ("/alpha/campaigns/events/{event}/profiles.xlsx", "campaigns.profiles_export"),
    ],
)
def test_a_big_audited_export_is_logged_once_by_the_job_that_builds_it(
    app, admin, scoped, street, community, east, make_user, monkeypatch, unscoped, url, action
):
    """Past the threshold the request's audit entries go with its rollback: the job that
    builds the file logs what it hands out, once."""
    from saas.exports.models import ExportJob, ExportStatus
    from tenants.events.models import Registration

    monkeypatch.setitem(app.config, "EXPORT_JOB_THRESHOLD", 1)
    past = date.today() - timedelta(days=3)
    for n in (1, 2):
        make_household(scoped, street, community, n, next_visit_on=past)
    grid = make_grid(scoped, street, community)
    group = make_group(scoped, street)
    for n in (1, 2):
        make_subject(
            scoped, street, group, community, grid, name=f"对象{n}", phone=f"1390000003{n}"
        )
    campaign = make_campaign(scoped, street, "summer", "matchmaking", 2025)
    event = make_event(scoped, street, title="社区交友会", kind="campaign")
    link_event(scoped, street, campaign, event)
    with scoped(street) as session:
        for n in (1, 2):
            user_id, _phone = make_user(street, name=f"报名者{n}")
            session.add(Registration(event_id=event, user_id=user_id, status="registered"))
        session.commit()
    response = admin.get(url.format(event=event))
    assert response.status_code == 302 and response.location.endswith("/alpha/exports")
    with unscoped() as session:
        export = session.scalar(select(ExportJob))
        assert (export.status, export.rows) == (ExportStatus.ready, 2)
        logged = session.scalars(select(AuditEntry.target).where(AuditEntry.action == action))
        logged = list(logged)
    # one entry per household or subject handed out; the profiles' one per export
    assert len(logged) == (1 if action == "campaigns.profiles_export" else 2)
    assert len(set(logged)) == len(logged)


# --- odd filter values -------------------------------------------------------------------------

URLS = [
    "/alpha/rewards/manage/export.xlsx",
    "/alpha/alliance/posts/manage/export.xlsx",
    "/alpha/jobs/fairs/export.xlsx",
    "/alpha/campaigns/relief/visits-due/export.xlsx",
    "/alpha/campaigns/dashboard/export.xlsx",
    "/alpha/grid/visit-groups/export.xlsx",
    "/alpha/grid/visits/by-worker/export.xlsx",
    "/alpha/merchants/circles/export.xlsx",
    "/alpha/notifications/failed/export.xlsx",
]


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("url", URLS)
def test_odd_filters_are_never_a_500(admin, url, value):
    keys = ("status", "community", "state", "year", "page", "q")
    query = "&".join(f"{key}={quote(value)}" for key in keys)
    assert admin.get(f"{url}?{query}").status_code in (200, 400)


@pytest.mark.parametrize("value", ODD)
def test_odd_values_on_the_exports_of_one_thing_are_never_a_500(
    admin, scoped, street, community, value
):
    post = _post(scoped, street, "楼栋宣讲员", community)
    for url in (f"/alpha/alliance/posts/{post}/claims.xlsx",
                f"/alpha/campaigns/events/{post}/profiles.xlsx"):  # fmt: skip
        assert admin.get(f"{url}?community={quote(value)}").status_code in (200, 400, 404)
