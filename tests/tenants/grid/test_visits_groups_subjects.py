"""Visit groups (the admin's settings) and subjects (the office): names unique, archive not
delete, the usual 八必访 groups in one click; a subject's place checked (a grid of another
community, a building of another grid, another street's ids refused), phone normalised, HTML
shown as text; the list's filters, paging and constant statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from saas.ui import street_today
from tenants.grid.models import VisitGroup, VisitSubject
from tests.conftest import both_backends
from tests.tenants.factories import assert_statements_do_not_grow, signed_in
from tests.tenants.grid.factories import make_place
from tests.tenants.grid.factories_visits import make_group, make_subject, make_subjects, make_visit


def _groups(scoped, street):
    with scoped(street) as session:
        return {g.name: (g.frequency, g.archived_at is not None)
                for g in session.scalars(select(VisitGroup))}  # fmt: skip


@both_backends
def test_the_admin_keeps_the_groups(app, admin, street, scoped, make_user):
    page = admin.get("/alpha/grid/visit-groups")
    assert page.status_code == 200 and "添加常用分组" in page.get_data(as_text=True)
    assert admin.post("/alpha/grid/visit-groups/usual").status_code == 302
    assert admin.post("/alpha/grid/visit-groups/usual").status_code == 302  # twice: once
    groups = _groups(scoped, street)
    assert len(groups) == 8 and groups["独居老人"] == ("weekly", False)
    assert groups["困难群众"] == ("monthly", False) and groups["优抚对象"] == ("quarterly", False)
    # names unique; empty, oversized and unknown frequencies refused, the input kept
    for data, message in (
        ({"name": "独居老人", "frequency": "monthly"}, "已有同名分组"),
        ({"name": "  ", "frequency": "monthly"}, "请填写分组名称"),
        ({"name": "长" * 31, "frequency": "monthly"}, "不能超过 30 个字"),
        ({"name": "新分组", "frequency": "daily"}, "请选择走访频次"),
    ):
        response = admin.post("/alpha/grid/visit-groups", data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and message in body, data
    assert (
        admin.post(
            "/alpha/grid/visit-groups", data={"name": "<b>孤寡</b>", "frequency": "weekly"}
        ).status_code
        == 302
    )
    body = admin.get("/alpha/grid/visit-groups").get_data(as_text=True)
    assert "&lt;b&gt;孤寡&lt;/b&gt;" in body and "<b>孤寡</b>" not in body
    # archive rather than delete; the name stays taken; restore brings it back
    with scoped(street) as session:
        gid = session.scalar(select(VisitGroup.id).where(VisitGroup.name == "留守儿童"))
    assert admin.post(f"/alpha/grid/visit-groups/{gid}/archive").status_code == 302
    assert _groups(scoped, street)["留守儿童"] == ("monthly", True)
    response = admin.post(
        "/alpha/grid/visit-groups", data={"name": "留守儿童", "frequency": "weekly"}
    )
    assert response.status_code == 422
    admin.post(f"/alpha/grid/visit-groups/{gid}/restore")
    assert _groups(scoped, street)["留守儿童"] == ("monthly", False)
    response = admin.post(f"/alpha/grid/visit-groups/{gid}/edit",
                          data={"name": "留守儿童", "frequency": "weekly"})  # fmt: skip
    assert response.status_code == 302
    assert _groups(scoped, street)["留守儿童"] == ("weekly", False)
    # staff (even of a community) may not change the groups
    _uid, phone = make_user(street, "staff", community_id=None)
    staff = signed_in(app, "alpha", phone)
    for method, url in (("GET", "/alpha/grid/visit-groups"), ("POST", "/alpha/grid/visit-groups/usual"),
                        ("POST", f"/alpha/grid/visit-groups/{gid}/archive"),
                        ("GET", f"/alpha/grid/visit-groups/{gid}/edit")):  # fmt: skip
        assert staff.open(url, method=method).status_code == 404, url


@pytest.fixture
def place(scoped, street, make_user):
    worker_id, worker_phone = make_user(street, "staff", is_grid_worker=True, name="网格员甲")
    c1, g1, b1 = make_place(scoped, street, "和平社区", "第一网格", worker_id=worker_id)
    c2, g2, b2 = make_place(scoped, street, "滨河社区", "第二网格")
    with scoped(street) as session:
        from tenants.structure.models import Building, Grid

        g1b = Grid(community_id=c1, name="第三网格")
        session.add(g1b)
        session.flush()
        b1b = Building(grid_id=g1b.id, name="9号楼")
        session.add(b1b)
        session.commit()
        g1b_id, b1b_id = g1b.id, b1b.id
    group = make_group(scoped, street)
    return {"c1": c1, "g1": g1, "b1": b1, "c2": c2, "g2": g2, "b2": b2, "g1b": g1b_id,
            "b1b": b1b_id, "group": group, "worker_id": worker_id, "worker_phone": worker_phone}  # fmt: skip


def _form(place, **kw):
    return {"group": place["group"], "name": "李大爷", "community": place["c1"],
            "grid": place["g1"], "building": place["b1"], "address": "2 单元 301",
            "phone": "+86 139-1234-5678", "note": "", **kw}  # fmt: skip


@both_backends
def test_a_subject_is_checked_and_kept(app, admin, street, scoped, make_street, place):
    other = make_street("bravo")
    oc, og, ob = make_place(scoped, other, "乙社区", "乙网格")
    other_group = make_group(scoped, other, "乙分组")
    bad = [
        ({"name": ""}, "请填写姓名"),
        ({"name": "长" * 41}, "不能超过 40 个字"),
        ({"group": ""}, "请选择走访分组"),
        ({"group": other_group}, "请选择走访分组"),
        ({"community": oc}, "请选择本街道的社区"),
        ({"grid": place["g2"]}, "请选择所选社区的网格"),  # a grid of another community
        ({"grid": og}, "请选择所选社区的网格"),
        ({"building": place["b1b"]}, "请选择所选网格的楼栋"),  # a building of another grid
        ({"building": ob}, "请选择所选网格的楼栋"),
        ({"phone": "12345"}, "请输入 11 位中国大陆手机号"),
        ({"grid": "²"}, "请选择所选社区的网格"),
    ]
    for change, message in bad:
        response = admin.post("/alpha/grid/visit-subjects/new", data=_form(place, **change))
        body = response.get_data(as_text=True)
        assert response.status_code == 422, change
        assert message in body, change
        assert "2 单元 301" in body  # nothing typed is lost
    response = admin.post("/alpha/grid/visit-subjects/new",
                          data=_form(place, note="<script>alert(1)</script>"))  # fmt: skip
    assert response.status_code == 302
    with scoped(street) as session:
        subject = session.scalar(select(VisitSubject))
        assert subject.phone == "13912345678" and subject.building_id == place["b1"]
        sid = subject.id
    body = admin.get(f"/alpha/grid/visit-subjects/{sid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body


@both_backends
def test_community_staff_attach_only_their_communitys_residents(
    app, street, scoped, make_user, place
):
    _uid, phone = make_user(street, "staff", community_id=place["c1"])
    staff = signed_in(app, "alpha", phone)
    response = staff.post("/alpha/grid/visit-subjects/new",
                          data=_form(place, community=place["c2"], grid=place["g2"],
                                     building=place["b2"]))  # fmt: skip
    assert response.status_code == 422 and "只能登记本社区的走访对象" in response.get_data(
        as_text=True
    )
    assert staff.post("/alpha/grid/visit-subjects/new", data=_form(place)).status_code == 302
    # a street-wide grid worker visits but does not keep the list
    worker = signed_in(app, "alpha", place["worker_phone"])
    assert worker.get("/alpha/grid/visit-subjects/new").status_code == 404
    assert worker.get("/alpha/grid/visit-subjects").status_code == 200


def test_the_list_filters_and_pages(app, admin, street, scoped, place):
    today = street_today()
    a = make_subject(scoped, street, place["group"], place["c1"], place["g1"], name="甲对象")
    b = make_subject(scoped, street, place["group"], place["c2"], place["g2"], name="乙对象")
    weekly = make_group(scoped, street, "重点人员", "weekly")
    c = make_subject(scoped, street, weekly, place["c1"], place["g1"], name="丙对象")
    make_visit(scoped, street, a, today)

    def names(query):
        return {n for n in ("甲对象", "乙对象", "丙对象")
                if n in admin.get("/alpha/grid/visit-subjects?" + query).get_data(as_text=True)}  # fmt: skip

    assert names("") == {"甲对象", "乙对象", "丙对象"}
    assert names(f"group={weekly}") == {"丙对象"}
    assert names(f"community={place['c2']}") == {"乙对象"}
    assert names(f"grid={place['g1']}") == {"甲对象", "丙对象"}
    assert names(f"worker={place['worker_id']}") == {"甲对象", "丙对象"}
    assert names("worker=none") == {"乙对象"}
    assert names("due=due") == {"乙对象", "丙对象"}
    assert names("due=done") == {"甲对象"}
    assert names("q=乙") == {"乙对象"}
    assert names("group=²&grid=99999999999999999999999&page=-1") == {"甲对象", "乙对象", "丙对象"}
    assert b and c


@both_backends
def test_the_list_and_the_phone_list_run_constant_statements(app, admin, street, scoped, place):
    worker = signed_in(app, "alpha", place["worker_phone"])
    n = {"made": 0}

    def grow(total):
        make_subjects(scoped, street, place["group"], place["c1"], place["g1"], total - n["made"],
                      prefix=f"批{total}")  # fmt: skip
        n["made"] = total

    assert_statements_do_not_grow(app, admin, "/alpha/grid/visit-subjects", grow, 20, 20)
    n2 = {"made": 0}

    def grow_worker(total):
        make_subjects(scoped, street, place["group"], place["c1"], place["g1"], total - n2["made"],
                      prefix=f"户{total}")  # fmt: skip
        n2["made"] = total

    assert_statements_do_not_grow(app, worker, "/alpha/grid/visits", grow_worker, 20, 20)
    assert_statements_do_not_grow(app, admin, "/alpha/grid/visits/by-worker", grow, 30, 20)


def test_archived_subjects_leave_the_lists(app, admin, street, scoped, place):
    sid = make_subject(scoped, street, place["group"], place["c1"], place["g1"], name="归档对象")
    assert admin.post(f"/alpha/grid/visit-subjects/{sid}/archive").status_code == 302
    assert "归档对象" not in admin.get("/alpha/grid/visit-subjects").get_data(as_text=True)
    assert "归档对象" in admin.get("/alpha/grid/visit-subjects?archived=1").get_data(as_text=True)
    response = admin.post(f"/alpha/grid/visit-subjects/{sid}/visits",
                          data={"visited_on": street_today().isoformat(), "found": "好"})  # fmt: skip
    assert response.status_code == 404 or response.status_code == 422
    _ = timedelta
