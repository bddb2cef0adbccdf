"""The dashboard (工作台): this week's events, twelve months of trends, community-limited staff,
figures cached per interval, statements that do not grow with the data."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from saas.auth.models import User
from saas.cache import forget, remember
from saas.db import utcnow
from saas.figures.store import refresh
from saas.ui import street_today
from tenants.events import dashboard as event_figures
from tenants.events.models import Attendance, Event, EventStatus
from tenants.passport import dashboard as passport_figures
from tenants.passport.models import EntryKind, Passport, PointEntry
from tenants.structure.services import street_figures
from tests.conftest import both_backends
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)
from tests.test_query_counts import dashboard_budget

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def _viewer(session, user_id: int) -> User:
    return session.scalar(select(User).where(User.id == user_id))


def _keep(session, street, first: date = date(2025, 6, 1), last: date | None = None) -> None:
    """Keep the figures of ``first``..``last`` (default: the street's today), as the hourly job
    and ``flask figures refresh --since`` do: the trends read the kept days up to yesterday
    (saas.figures), no longer the ledger."""
    refresh(session, street.id, first, last or street_today())
    session.commit()


# Events of today and this week ------------------------------------------------------------------


@both_backends
def test_today_and_this_week_on_the_dashboard_and_not_another_streets(
    app, admin, street, scoped, make_street
):
    today_noon = datetime.combine(
        utcnow().astimezone(SHANGHAI).date(), datetime.min.time(), tzinfo=SHANGHAI
    ) + timedelta(hours=12)
    event_id = make_event(scoped, street, title="今日义诊", place="社区广场", starts_at=today_noon)
    make_event(scoped, street, title="草稿活动", starts_at=today_noon, status=EventStatus.draft)
    other = make_street("beta")
    make_event(scoped, other, title="乙街道的活动", starts_at=today_noon)

    body = admin.get("/alpha/dashboard").get_data(as_text=True)

    assert "今日义诊" in body and "社区广场" in body and "报名 0/10" in body
    assert f'href="/alpha/events/{event_id}"' in body
    assert "乙街道的活动" not in body and "草稿活动" not in body


def test_the_week_is_the_rest_of_the_local_calendar_week(app, street, scoped):
    now = local(2026, 12, 9, 10, 0)  # a Wednesday morning in Shanghai
    ids = {
        "早上已开始": make_event(scoped, street, starts_at=local(2026, 12, 9, 8, 0)),
        "今晚": make_event(scoped, street, starts_at=local(2026, 12, 9, 23, 30)),
        "周日": make_event(scoped, street, starts_at=local(2026, 12, 13, 20, 0)),
        "下周一": make_event(scoped, street, starts_at=local(2026, 12, 14, 0, 0)),
        "昨天": make_event(scoped, street, starts_at=local(2026, 12, 8, 9, 0)),
    }
    with scoped(street) as session:
        panel = event_figures.upcoming_panel(session, _viewer(session, street.admin_id), now)

    assert [e.id for e in panel["today"]] == [ids["早上已开始"], ids["今晚"]]
    assert [e.id for e in panel["week"]] == [ids["周日"]]
    assert (panel["tomorrow_date"], panel["week_last_date"]) == ("2026-12-10", "2026-12-13")


# Trends over twelve months ----------------------------------------------------------------------


def _volunteer(session, community_id=None, created_at=None) -> User:
    user = User(
        phone=f"136{uuid.uuid4().int % 10**8:08d}",
        name="志愿者",
        password_hash="x",
        role="volunteer",
        community_id=community_id,
        created_at=created_at or utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def _history(session, community_id=None):
    """Rows across months around 2026-06-15 (Shanghai): attendance hours, events, points and
    volunteers, with one of each just inside and one just outside the twelve months."""
    person = _volunteer(session, community_id, created_at=local(2026, 6, 1, 0, 30))
    _volunteer(session, community_id, created_at=local(2025, 7, 1, 0, 0))  # first month
    _volunteer(session, community_id, created_at=local(2025, 6, 30, 23, 59))  # too old
    passport = Passport(user_id=person.id, community_id=community_id, number=f"P{person.id}")
    session.add(passport)
    session.flush()
    return person, passport


def _confirmed(session, person, when, hours) -> None:
    """A finished event ending at ``when`` and ``person``'s hours at it, confirmed then."""
    event = Event(
        title="服务",
        starts_at=when - timedelta(hours=3),
        ends_at=when,
        status=EventStatus.finished,
    )
    session.add(event)
    session.flush()
    session.add(
        Attendance(event_id=event.id, user_id=person.id, hours=Decimal(hours), confirmed_at=when)
    )


def _entry(session, passport, kind, delta, when, n=[0]):  # noqa: B006
    n[0] += 1
    session.add(
        PointEntry(
            passport_id=passport.id,
            delta=delta,
            kind=kind,
            source_key=f"test:{n[0]}",
            balance_after=1000,
            created_at=when,
        )
    )


@both_backends
def test_trends_count_the_right_months_in_the_streets_time_zone(app, street, scoped):
    now = local(2026, 6, 15, 12, 0)
    with scoped(street) as session:
        person, passport = _history(session)
        # 2026-05-31 20:00 UTC is already June 1st in Shanghai
        _confirmed(session, person, datetime(2026, 5, 31, 20, 0, tzinfo=UTC), "2.5")
        _confirmed(session, person, local(2026, 5, 31, 23, 0), "4")
        _confirmed(session, person, local(2025, 6, 30, 12, 0), "9")  # too old
        _entry(session, passport, EntryKind.earn, 30, local(2026, 6, 2, 9, 0))
        _entry(session, passport, EntryKind.earn, 20, local(2026, 6, 3, 9, 0))
        _entry(session, passport, EntryKind.redeem, -15, local(2026, 6, 4, 9, 0))
        _entry(session, passport, EntryKind.earn, 40, local(2025, 12, 1, 0, 0))
        _entry(session, passport, EntryKind.adjust, 99, local(2026, 6, 4, 9, 0))  # neither
        session.commit()
        _keep(session, street)
        viewer = _viewer(session, street.admin_id)
        events = event_figures.trends(session, viewer, now)
        points = passport_figures.trends(session, viewer, now)

    assert events["labels"][0] == "2025-07" and events["labels"][-1] == "2026-06"
    assert events["hours"][-1] == 2.5 and events["hours"][-2] == 4
    assert events["hours_total"] == 6.5
    # events held, by the month they started in Shanghai (June 1st 01:00, May 31st 20:00); the
    # 2025-06 one is too old
    assert events["held"][-2:] == [1, 1] and events["held_total"] == 2
    assert points["issued"][-1] == 50 and points["issued"][5] == 40  # 2025-12
    assert points["redeemed"][-1] == 15 and points["redeemed_total"] == 15
    assert points["issued_total"] == 90
    assert points["volunteers"][0] == 1 and points["volunteers"][-1] == 1
    assert points["volunteers_total"] == 2


def test_events_held_leave_out_drafts_cancelled_and_the_future(app, street, scoped):
    now = local(2026, 6, 15, 12, 0)
    make_event(scoped, street, starts_at=local(2026, 6, 10, 9, 0))
    make_event(scoped, street, starts_at=local(2026, 6, 11, 9, 0), status=EventStatus.finished)
    make_event(scoped, street, starts_at=local(2026, 6, 12, 9, 0), status=EventStatus.cancelled)
    make_event(scoped, street, starts_at=local(2026, 6, 12, 9, 0), status=EventStatus.draft)
    make_event(scoped, street, starts_at=local(2026, 6, 20, 9, 0))
    with scoped(street) as session:
        _keep(session, street)
        figures = event_figures.trends(session, _viewer(session, street.admin_id), now)
    assert figures["held"][-1] == 2


# Staff limited to one community -------------------------------------------------------------------


@both_backends
def test_community_staff_see_their_communitys_figures(app, street, scoped, make_user):
    mine = add_community(scoped, street, "朝阳社区")
    theirs = add_community(scoped, street, "清泉社区")
    now = local(2026, 6, 15, 12, 0)
    with scoped(street) as session:
        for community in (mine, theirs, theirs):
            person, passport = _history(session, community)
            _confirmed(session, person, local(2026, 6, 2, 12, 0), "3")
            _entry(session, passport, EntryKind.earn, 10, local(2026, 6, 2, 12, 0))
        session.commit()
        _keep(session, street)
    staff_id, staff_phone = make_user(street, "staff", community_id=mine)

    with scoped(street) as session:
        staff = _viewer(session, staff_id)
        admin = _viewer(session, street.admin_id)
        assert event_figures.trends(session, staff, now)["hours"][-1] == 3
        assert event_figures.trends(session, admin, now)["hours"][-1] == 9
        assert passport_figures.trends(session, staff, now)["issued"][-1] == 10
        assert passport_figures.trends(session, admin, now)["issued"][-1] == 30
        assert passport_figures.trends(session, staff, now)["volunteers_total"] == 2
        assert street_figures(session, mine)["volunteers"] == 3
        assert street_figures(session, None)["volunteers"] == 9

    body = signed_in(app, "alpha", staff_phone).get("/alpha/dashboard").get_data(as_text=True)

    def stat(label):
        return body.split(f'<span class="stat-label">{label}</span>')[0].rsplit(">", 2)[-2]

    assert "社区概况" in body and "清泉社区" not in body
    assert stat("社区").startswith("1") and stat("志愿者").startswith("3")


# Cached figures ---------------------------------------------------------------------------------


def test_a_cached_figure_is_served_within_the_interval_and_recomputed_after(
    app, street, scoped, make_user
):
    def volunteers(session):
        return street_figures(session)["volunteers"]

    with scoped(street) as session:
        key = ("test-figures", street.id, None)
        assert remember(key, lambda: volunteers(session), seconds=300, now=1000.0) == 0
    make_user(street, "volunteer")
    with scoped(street) as session:
        assert remember(key, lambda: volunteers(session), seconds=300, now=1299.0) == 0
        assert remember(key, lambda: volunteers(session), seconds=300, now=1300.0) == 1


def test_the_dashboard_reads_its_figures_back_within_the_interval(app, admin, street, scoped):
    from tests.test_query_counts import count_queries

    with scoped(street) as session:
        person, passport = _history(session)
        session.commit()
    with app.app_context():
        forget()
    with count_queries(app) as first:
        assert admin.get("/alpha/dashboard").status_code == 200
    with scoped(street) as session:
        _entry(session, session.merge(passport), EntryKind.earn, 70, utcnow())
        session.commit()
    with count_queries(app) as second:
        body = admin.get("/alpha/dashboard").get_data(as_text=True)

    # the panels' figures (the structure's, events', passport's, every module's) are not computed
    # again: the second view runs only statements the first ran too, and none that groups; the 70
    # points just issued are not counted yet
    assert len(second) < len(first) and set(second) <= set(first), "\n".join(second)
    assert not any("GROUP BY" in s for s in second)
    assert '<span class="stat-value">0</span><span class="stat-label">发放积分</span>' in body


def test_head_counts_follow_a_change_made_in_this_process_at_once(app, admin, street, make_user):
    assert "还没有社区" in admin.get("/alpha/dashboard").get_data(as_text=True)
    add_community_page = admin.post("/alpha/structure/communities", data={"name": "朝阳社区"})
    assert add_community_page.status_code in (200, 302)
    make_user(street, "volunteer")
    body = admin.get("/alpha/dashboard").get_data(as_text=True)
    assert "还没有社区" not in body
    assert '<span class="stat-value">1</span><span class="stat-label">社区</span>' in body
    assert '<span class="stat-value">1</span><span class="stat-label">志愿者</span>' in body


# Statements per view ------------------------------------------------------------------------------


@both_backends
def test_statements_per_dashboard_view_do_not_grow_with_the_history(app, street, scoped, make_user):
    mine = add_community(scoped, street, "朝阳社区")
    _, phone = make_user(street, "staff", community_id=mine)
    client = signed_in(app, "alpha", phone)
    today = utcnow()

    def grow(n: int) -> None:
        with scoped(street) as session:
            for i in range(n):
                person, passport = _history(session, mine)
                when = today - timedelta(days=30 * (i % 12))
                _confirmed(session, person, when, "2")
                _entry(session, passport, EntryKind.earn, 5, when)
                _entry(session, passport, EntryKind.redeem, -5, when)
            session.commit()
        make_event(scoped, street, starts_at=today + timedelta(minutes=5), community_id=mine)
        with app.app_context():
            forget()  # measure the view that computes the figures

    most = dashboard_budget(app)
    assert_statements_do_not_grow(app, client, "/alpha/dashboard", grow, more=12, most=most)


# Head counts link to the lists they count ---------------------------------------------------------


def test_each_head_count_links_to_a_list_of_as_many(app, admin, street, community, make_user):
    make_user(street, "volunteer", community_id=community, is_party_member=True, name="党员甲")
    make_user(street, "volunteer", community_id=community, name="群众乙")
    make_user(street, "staff", community_id=community, name="工作人员丙", is_party_member=True)
    body = admin.get("/alpha/dashboard").get_data(as_text=True)

    def linked(label):
        head = body.split(f'<span class="stat-label">{label}</span>')[0]
        href = head.rsplit('<a class="stat" href="', 1)[1].split('"', 1)[0]
        return href.replace("&amp;", "&"), int(head.rsplit(">", 2)[-2].split("<")[0])

    for label, names in [
        ("志愿者", {"党员甲", "群众乙"}),
        ("党员", {"党员甲", "工作人员丙"}),
        ("工作人员", {"管理员", "工作人员丙"}),
    ]:
        href, n = linked(label)
        page = admin.get(href).get_data(as_text=True)
        assert n == len(names), label
        assert f"共 {n} 人" in page, (label, href)
        for name in names:
            assert name in page
    assert linked("社区")[0] == "/alpha/structure"


def test_the_events_held_figure_links_to_a_list_of_as_many(app, admin, street, scoped, make_user):
    """举办活动 counts the events held (published or finished, begun) of the twelve months; its
    link is the event list's 已举办 filter over those days, which shows those events and no other:
    not a draft or a cancelled event of the same days, nor one still to come."""
    mine = add_community(scoped, street, "朝阳社区")
    theirs = add_community(scoped, street, "清泉社区")
    now = utcnow()
    for title, status, starts_at, community_id in [
        ("全街道义诊", EventStatus.published, now - timedelta(days=3), None),
        ("朝阳清洁日", EventStatus.finished, now - timedelta(days=40), mine),
        ("清泉探访", EventStatus.finished, now - timedelta(days=100), theirs),
        ("草稿讲座", EventStatus.draft, now - timedelta(days=2), None),
        ("取消的讲座", EventStatus.cancelled, now - timedelta(days=5), mine),
        ("稍后开始", EventStatus.published, now + timedelta(minutes=30), mine),
        ("一年多以前", EventStatus.finished, now - timedelta(days=400), mine),
    ]:
        make_event(
            scoped,
            street,
            title=title,
            status=status,
            starts_at=starts_at,
            community_id=community_id,
        )
    _, staff_phone = make_user(street, "staff", community_id=mine)
    staff = signed_in(app, "alpha", staff_phone)
    with scoped(street) as session:
        _keep(session, street, street_today() - timedelta(days=400))
    with app.app_context():
        forget()

    for client, shown in [
        (admin, {"全街道义诊", "朝阳清洁日", "清泉探访"}),
        (staff, {"朝阳清洁日"}),  # a community's staff: their community's own events
    ]:
        body = client.get("/alpha/dashboard").get_data(as_text=True)
        head = body.split('<span class="stat-label">举办活动（场）</span>')[0]
        href = head.rsplit('<a class="stat" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        n = int(head.rsplit('<span class="stat-value">', 1)[1].split("<")[0])
        page = client.get(href).get_data(as_text=True)
        rows = page.count('<tr id="event-')

        assert n == rows == len(shown), (href, n, rows)
        assert f"共 {n} 个活动" in page
        for title in shown:
            assert title in page
        for title in {"草稿讲座", "取消的讲座", "稍后开始", "一年多以前"}:
            assert title not in page, (href, title)
