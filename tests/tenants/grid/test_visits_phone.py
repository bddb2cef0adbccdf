"""The grid worker's phone: due and overdue first, one tap to log a visit (no future date),
last_visited_on only moves forward, a follow-up opens a grid item in the subject's place; the
periods (street's calendar), the office's figures per worker and the period's reminder once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from saas.notify.models import Notification
from saas.ui import street_today
from tenants.grid.models import DutyVisit, GridItem, VisitReminder, VisitSubject
from tenants.grid.visits import period_key, period_start, previous_start
from tests.conftest import both_backends
from tests.tenants.factories import signed_in
from tests.tenants.grid.factories import make_category, make_place
from tests.tenants.grid.factories_visits import make_group, make_subject, make_visit


def test_periods_follow_the_calendar():
    day = date(2026, 12, 9)  # a Wednesday
    assert period_start("weekly", day) == date(2026, 12, 7)
    assert previous_start("weekly", day) == date(2026, 11, 30)
    assert period_start("monthly", day) == date(2026, 12, 1)
    assert previous_start("monthly", day) == date(2026, 11, 1)
    assert period_start("quarterly", day) == date(2026, 10, 1)
    assert previous_start("quarterly", day) == date(2026, 7, 1)
    assert previous_start("monthly", date(2026, 1, 15)) == date(2025, 12, 1)
    assert previous_start("quarterly", date(2026, 2, 1)) == date(2025, 10, 1)
    assert period_key("weekly", day) == "2026-W50"
    assert period_key("weekly", date(2027, 1, 1)) == "2026-W53"  # ISO week of its Monday
    assert period_key("monthly", day) == "2026-12"
    assert period_key("quarterly", day) == "2026-Q4"


def test_today_is_the_streets_date():
    # 2026-12-31 20:00 UTC is already 2027-01-01 in Shanghai: a new month, quarter and year
    from datetime import UTC

    assert street_today(datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == date(2027, 1, 1)


@pytest.fixture
def place(scoped, street, make_user):
    worker_id, phone = make_user(street, "staff", is_grid_worker=True, name="网格员甲")
    c1, g1, b1 = make_place(scoped, street, "和平社区", "第一网格", worker_id=worker_id)
    return {"c1": c1, "g1": g1, "b1": b1, "worker_id": worker_id, "phone": phone,
            "group": make_group(scoped, street, "独居老人", "monthly")}  # fmt: skip


def _backdate(scoped, street, subject_id, days):
    with scoped(street) as session:
        session.get(VisitSubject, (street.id, subject_id)).created_at = (
            datetime.now().astimezone() - timedelta(days=days)
        )
        session.commit()


@both_backends
def test_the_phone_lists_overdue_then_due_then_visited(app, street, scoped, place):
    today = street_today()
    args = (scoped, street, place["group"], place["c1"], place["g1"])
    visited = make_subject(*args, name="本月已访")
    make_visit(scoped, street, visited, today)
    due = make_subject(*args, name="上月已访")
    make_visit(scoped, street, due, period_start("monthly", today) - timedelta(days=1))
    overdue = make_subject(*args, name="久未走访")
    make_visit(scoped, street, overdue, previous_start("monthly", today) - timedelta(days=1))
    never_old = make_subject(*args, name="从未走访")
    _backdate(scoped, street, never_old, 70)
    make_subject(*args, name="新登记")  # attached this period, never visited: due, not overdue
    worker = signed_in(app, "alpha", place["phone"])
    body = worker.get("/alpha/grid/visits").get_data(as_text=True)
    order = [body.index(n) for n in ("从未走访", "久未走访", "新登记", "上月已访", "本月已访")]
    assert order == sorted(order)
    text = body.replace(" ", "")
    assert "已逾期" in body and "本月待访" in text
    with scoped(street) as session:
        from saas.auth.models import User
        from tenants.grid.visits import my_subjects

        mine = my_subjects(session, session.get(User, (street.id, place["worker_id"])))
    assert (mine.total, mine.due, mine.overdue) == (5, 4, 2)


@both_backends
def test_a_visit_is_logged_and_moves_the_last_visit_forward_only(app, street, scoped, place):
    today = street_today()
    sid = make_subject(scoped, street, place["group"], place["c1"], place["g1"])
    worker = signed_in(app, "alpha", place["phone"])
    url = f"/alpha/grid/visits/{sid}"
    page = worker.get(url)
    assert page.status_code == 200 and "王秀英" in page.get_data(as_text=True)
    tomorrow = today + timedelta(days=1)
    for data, message in (
        ({"visited_on": tomorrow.isoformat(), "found": "好"}, "走访日期不能晚于今天"),
        ({"visited_on": "", "found": "好"}, "请填写走访日期"),
        ({"visited_on": "2026-13-45", "found": "好"}, "请填写有效的日期"),
        ({"visited_on": today.isoformat(), "found": "  "}, "请填写走访了解到的情况"),
        ({"visited_on": today.isoformat(), "found": "长" * 1001}, "不能超过 1000 个字"),
    ):
        response = worker.post(url, data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    earlier = today - timedelta(days=3)
    assert worker.post(url, data={"visited_on": earlier.isoformat(),
                                  "found": "<i>精神</i>好"}).status_code == 302  # fmt: skip
    older = today - timedelta(days=10)
    assert (
        worker.post(url, data={"visited_on": older.isoformat(), "found": "补录"}).status_code == 302
    )
    with scoped(street) as session:
        subject = session.get(VisitSubject, (street.id, sid))
        assert subject.last_visited_on == earlier  # the older visit entered later left it
        visits = session.scalars(select(DutyVisit).order_by(DutyVisit.visited_on)).all()
        assert [v.visited_on for v in visits] == [older, earlier]
        assert all(v.visitor_id == place["worker_id"] and v.item_id is None for v in visits)
    body = worker.get(url).get_data(as_text=True)
    assert "&lt;i&gt;精神&lt;/i&gt;好" in body and "<i>精神" not in body


@both_backends
def test_a_follow_up_opens_a_grid_item_in_the_subjects_place(app, admin, street, scoped, place):
    category = make_category(scoped, street, "困难老人")
    sid = make_subject(scoped, street, place["group"], place["c1"], place["g1"], place["b1"])
    worker = signed_in(app, "alpha", place["phone"])
    today = street_today().isoformat()
    response = worker.post(f"/alpha/grid/visits/{sid}",
                           data={"visited_on": today, "found": "老人腿脚不便，楼道灯坏了",
                                 "needs_follow_up": "y", "category": "99999"})  # fmt: skip
    assert response.status_code == 422 and "请选择事项类别" in response.get_data(as_text=True)
    response = worker.post(f"/alpha/grid/visits/{sid}",
                           data={"visited_on": today, "found": "老人腿脚不便，楼道灯坏了",
                                 "needs_follow_up": "y", "category": str(category)})  # fmt: skip
    assert response.status_code == 302
    with scoped(street) as session:
        item = session.scalar(select(GridItem))
        visit = session.scalar(select(DutyVisit))
        assert visit.item_id == item.id and visit.needs_follow_up
        assert (item.community_id, item.grid_id, item.building_id) == (
            place["c1"], place["g1"], place["b1"])  # fmt: skip
        assert item.description == "老人腿脚不便，楼道灯坏了"
        assert item.reporter_id == place["worker_id"] and item.reporter_role == "grid_worker"
        assert item.category_id == category and item.status == "reported"
        assert "王秀英" not in item.description + item.place
    body = admin.get(f"/alpha/grid/visit-subjects/{sid}").get_data(as_text=True)
    assert f"/alpha/grid/items/{item.id}" in body
    # "需要跟进" without a category is only a mark
    worker.post(f"/alpha/grid/visits/{sid}",
                data={"visited_on": today, "found": "再看看", "needs_follow_up": "y"})  # fmt: skip
    with scoped(street) as session:
        assert session.scalar(select(GridItem.id).where(GridItem.id != item.id)) is None


@both_backends
def test_the_office_sees_due_and_overdue_per_worker(app, admin, street, scoped, make_user, place):
    args = (scoped, street, place["group"], place["c1"], place["g1"])
    old = make_subject(*args, name="甲")
    _backdate(scoped, street, old, 100)
    make_subject(*args, name="乙")
    done = make_subject(*args, name="丙")
    make_visit(scoped, street, done, street_today())
    c2, g2, _b2 = make_place(scoped, street, "滨河社区", "无人网格")
    make_subject(scoped, street, place["group"], c2, g2, name="丁")
    body = admin.get("/alpha/grid/visits/by-worker").get_data(as_text=True)
    assert "网格员甲" in body and "未配网格员" in body
    with scoped(street) as session:
        from saas.auth.models import User
        from tenants.grid.visits import due_by_worker

        rows, _today = due_by_worker(session, session.get(User, (street.id, street.admin_id)))
    got = {(r.worker, r.subjects, r.due, r.overdue) for r in rows}
    assert got == {("网格员甲", 3, 2, 1), (None, 1, 1, 0)}
    # community staff see their community's only; a grid worker alone does not read it
    _uid, phone = make_user(street, "staff", community_id=c2)
    staff_body = signed_in(app, "alpha", phone).get("/alpha/grid/visits/by-worker")
    assert "网格员甲" not in staff_body.get_data(as_text=True)
    worker = signed_in(app, "alpha", place["phone"])
    assert worker.get("/alpha/grid/visits/by-worker").status_code == 404


@both_backends
def test_the_reminder_goes_once_per_worker_and_period(app, street, scoped, make_user, place):
    from tenants.grid.visits_jobs import remind_visits_due

    weekly = make_group(scoped, street, "重点人员", "weekly")
    make_subject(scoped, street, place["group"], place["c1"], place["g1"], name="甲")
    make_subject(scoped, street, place["group"], place["c1"], place["g1"], name="乙")
    make_subject(scoped, street, weekly, place["c1"], place["g1"], name="丙")
    day = date(2030, 6, 3)  # a Monday, the first of nothing else
    with app.app_context():
        from saas.tenancy import all_tenants

        with all_tenants():
            assert remind_visits_due(day) == 2  # this month's and this week's
            assert remind_visits_due(day) == 0  # the same day again
            assert remind_visits_due(day + timedelta(days=2)) == 0  # later in the same week
            assert remind_visits_due(day + timedelta(days=7)) == 1  # a new week
    with scoped(street) as session:
        periods = sorted(session.scalars(select(VisitReminder.period)))
        assert periods == ["2030-06", "2030-W23", "2030-W24"]
        notes = session.scalars(select(Notification).where(Notification.kind == "grid.visit_due")
                                .order_by(Notification.id)).all()  # fmt: skip
        assert [n.user_id for n in notes] == [place["worker_id"]] * 3
        assert any("本月有 2 位" in n.title for n in notes)
        assert any("本周有 1 位" in n.title for n in notes)
        assert all(n.link == "/alpha/grid/visits" for n in notes)
