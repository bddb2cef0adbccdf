"""The reporter's own items (/my-reports), the follow-up (回访), the street's items in public
(/reports), and who may see a photo (/grid/photos/<id>)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from saas.auth.models import User
from saas.db import utcnow
from tenants.grid.models import DepartmentMember, GridItem, ItemPhoto, ItemStep
from tenants.structure.models import Grid
from tests.conftest import both_backends
from tests.tenants.factories import assert_statements_do_not_grow, signed_in
from tests.tenants.grid.factories import make_category, make_department, make_place
from tests.tenants.grid.factories_report import report_item


@pytest.fixture
def world(app, make_street, make_user, scoped):
    street = make_street()
    community, grid, building = make_place(scoped, street)
    category = make_category(scoped, street, hours=48)
    uid, phone = make_user(street, name="王小明", community_id=community)
    return street, community, grid, building, category, uid, phone


def test_my_reports_show_status_timeline_and_photos_not_staff(app, world, scoped):
    street, community, grid, building, category, uid, phone = world
    item = report_item(scoped, street, uid, category, community, grid, building, "done", photos=1,
                       description="<script>alert(1)</script>楼道堆物",
                       notes={"assign": "内部：请城管张队长处理", "done": "已清理完毕"})  # fmt: skip
    client = signed_in(app, street.slug, phone)
    page = client.get(f"/{street.slug}/my-reports").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;楼道堆物" in page and "<script>alert" not in page
    assert "已办结" in page and "派单" in page and "已清理完毕" in page
    assert "张队长" not in page and "管理员" not in page  # staff notes and names stay inside
    with scoped(street) as session:
        photo_id = session.scalar(select(ItemPhoto.id))
    assert f"/grid/photos/{photo_id}" in page
    resp = client.get(f"/{street.slug}/my-reports/{item}")
    detail = resp.get_data(as_text=True)
    assert "已清理完毕" in detail and "张队长" not in detail


def test_someone_elses_report_is_404(app, world, make_user, scoped):
    street, community, grid, building, category, uid, _phone = world
    item = report_item(scoped, street, uid, category, community, grid)
    _other, other_phone = make_user(street)
    client = signed_in(app, street.slug, other_phone)
    assert client.get(f"/{street.slug}/my-reports/{item}").status_code == 404
    response = client.post(f"/{street.slug}/my-reports/{item}/follow-up", data={"satisfied": "yes"})
    assert response.status_code == 404


def test_my_reports_run_constant_statements(app, world, scoped):
    street, community, grid, building, category, uid, phone = world
    client = signed_in(app, street.slug, phone)

    def grow(n):
        for _ in range(n):
            report_item(scoped, street, uid, category, community, grid, building, "in_progress",
                        photos=1)  # fmt: skip

    assert_statements_do_not_grow(app, client, f"/{street.slug}/my-reports", grow, 8, 30)


@both_backends
def test_follow_up_satisfied_closes_the_item(app, world, scoped):
    street, community, grid, building, category, uid, phone = world
    item = report_item(scoped, street, uid, category, community, grid, status="checked")
    client = signed_in(app, street.slug, phone)
    assert "回访" in client.get(f"/{street.slug}/my-reports/{item}").get_data(as_text=True)
    response = client.post(f"/{street.slug}/my-reports/{item}/follow-up", data={"satisfied": "yes"})
    assert response.status_code == 302
    with scoped(street) as session:
        row = session.get(GridItem, (street.id, item))
        assert row.status == "closed" and row.satisfied is True and row.closed_at
    # a second answer: the item is no longer awaiting it
    response = client.post(f"/{street.slug}/my-reports/{item}/follow-up", data={"satisfied": "no",
                                                                                "reason": "x"})  # fmt: skip
    assert response.status_code == 422 and "不能" in response.get_data(as_text=True)


def test_not_satisfied_needs_a_reason_and_reopens_with_a_new_deadline(app, world, scoped):
    street, community, grid, building, category, uid, phone = world
    item = report_item(scoped, street, uid, category, community, grid, status="checked")
    client = signed_in(app, street.slug, phone)
    url = f"/{street.slug}/my-reports/{item}/follow-up"
    response = client.post(url, data={"satisfied": "no", "reason": " "})
    assert response.status_code == 422 and "请说明不满意的原因" in response.get_data(as_text=True)
    response = client.post(url, data={})
    assert response.status_code == 422 and "请选择是否满意" in response.get_data(as_text=True)
    before = utcnow()
    assert client.post(url, data={"satisfied": "no", "reason": "还是有垃圾"}).status_code == 302
    with scoped(street) as session:
        row = session.get(GridItem, (street.id, item))
        assert row.status == "assigned" and row.satisfied is False
        assert row.handler_user_id == street.admin_id  # the handler is kept
        expected = before + timedelta(hours=48)
        assert abs((row.due_at - expected).total_seconds()) < 60
        step = session.scalar(select(ItemStep).where(ItemStep.kind == "reopen"))
        assert step.note == "还是有垃圾" and step.actor_id == uid


def test_a_follow_up_before_the_check_is_refused(app, world, scoped):
    street, community, grid, building, category, uid, phone = world
    item = report_item(scoped, street, uid, category, community, grid, status="done")
    client = signed_in(app, street.slug, phone)
    response = client.post(f"/{street.slug}/my-reports/{item}/follow-up", data={"satisfied": "yes"})
    assert response.status_code == 422
    with scoped(street) as session:
        assert session.get(GridItem, (street.id, item)).status == "done"


def test_public_list_never_names_an_anonymous_reporter(app, world, make_user, scoped):
    street, community, grid, building, category, uid, phone = world
    report_item(scoped, street, uid, category, community, grid, anonymous=True, photos=1,
                description="秘密描述")  # fmt: skip
    named, _p = make_user(street, name="李四光", community_id=community)
    report_item(scoped, street, named, category, community, grid, status="closed")
    worker, _w = make_user(street, role="staff", name="赵网格", is_grid_worker=True)
    report_item(scoped, street, worker, category, community, grid)
    _viewer, viewer_phone = make_user(street, name="旁观者")
    client = signed_in(app, street.slug, viewer_phone)
    page = client.get(f"/{street.slug}/reports").get_data(as_text=True)
    assert "匿名居民" in page and "王小明" not in page and "王*" not in page
    assert "李**" in page and "李四光" not in page
    assert "网格员" in page and "赵网格" not in page
    assert "秘密描述" not in page and "/grid/photos/" not in page
    assert "已办结" in page and "已上报" in page and "2单元门口" in page and "环境卫生" in page
    # filters; odd input is not a 500
    assert client.get(f"/{street.slug}/reports?community=²&category=" + "9" * 25).status_code == 200
    # the reporter sees their own marked, linked to the full page
    mine = signed_in(app, street.slug, phone).get(f"/{street.slug}/reports").get_data(as_text=True)
    assert "/my-reports/" in mine


def test_public_list_runs_constant_statements(app, world, make_user, scoped):
    street, community, grid, building, category, uid, phone = world
    client = signed_in(app, street.slug, phone)
    counter = {"n": 0}

    def grow(n):
        for _ in range(n):
            counter["n"] += 1
            other, _p = make_user(street, name=f"居民{counter['n']}")
            report_item(scoped, street, other, category, community, grid)

    assert_statements_do_not_grow(app, client, f"/{street.slug}/reports", grow, 8, 20)


# --- photos ------------------------------------------------------------------------------------


def test_photos_are_served_only_to_those_who_may_see_the_item(app, world, make_user, scoped):
    street, community, grid, building, category, uid, phone = world
    other_community, _g, _b = make_place(scoped, street, "别的社区", "别的网格")
    # street-wide staff see every item: the handler is a staff member of another community
    handler, handler_phone = make_user(street, role="staff", name="办理人",
                                       community_id=other_community)  # fmt: skip
    item = report_item(scoped, street, uid, category, community, grid, status="assigned",
                       photos=1, handler_id=handler)  # fmt: skip
    with scoped(street) as session:
        photo_id = session.scalar(select(ItemPhoto.id))
    url = f"/{street.slug}/grid/photos/{photo_id}"

    def status(who_phone):
        return signed_in(app, street.slug, who_phone).get(url).status_code

    response = signed_in(app, street.slug, phone).get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"].startswith("private")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert status(street.admin_phone) == 200
    assert status(handler_phone) == 200
    _s, same_staff = make_user(street, role="staff", community_id=community)
    _s, other_staff = make_user(street, role="staff", community_id=other_community)
    _v, other_resident = make_user(street)
    # a grid worker who is a volunteer (staff see their community anyway)
    worker, worker_phone = make_user(street, is_grid_worker=True)
    assert status(same_staff) == 200
    assert status(other_staff) == 404
    assert status(other_resident) == 404
    assert status(worker_phone) == 404
    with scoped(street) as session:
        session.get(Grid, (street.id, grid)).worker_id = worker
        session.commit()
    assert status(worker_phone) == 200
    # a department's member, once the item is the department's
    department = make_department(scoped, street)
    member, member_phone = make_user(street, role="staff", community_id=other_community)
    assert status(member_phone) == 404
    with scoped(street) as session:
        session.add(DepartmentMember(department_id=department, user_id=member))
        row = session.get(GridItem, (street.id, item))
        row.handler_kind, row.handler_user_id = "department", None
        row.handler_department_id = department
        session.commit()
    assert status(member_phone) == 200
    assert status(handler_phone) == 404  # no longer the handler
    assert app.test_client().get(url).status_code == 302  # a visitor: the login page
    assert signed_in(app, street.slug, phone).get(
        f"/{street.slug}/grid/photos/{photo_id + 1}").status_code == 404  # fmt: skip


def test_a_photo_of_a_users_item_in_another_street_is_404(app, world, make_street, make_user,
                                                          scoped):  # fmt: skip
    street, community, grid, building, category, uid, phone = world
    report_item(scoped, street, uid, category, community, grid, photos=1)
    with scoped(street) as session:
        photo_id = session.scalar(select(ItemPhoto.id))
    other = make_street()
    client = signed_in(app, other.slug, other.admin_phone)
    assert client.get(f"/{other.slug}/grid/photos/{photo_id}").status_code == 404
    with scoped(street) as session:
        assert session.get(User, (street.id, uid)) is not None
