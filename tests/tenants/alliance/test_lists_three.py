"""The three lists: needs, resources (a unit manages only its own), projects and their moves."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tenants.alliance.lists.services import allowed_moves
from tenants.alliance.models import Need, Post, Project, ProjectPartner, Resource
from tests.conftest import both_backends
from tests.tenants.alliance.factories import make_unit, unit_with_account
from tests.tenants.factories import add_community, assert_statements_do_not_grow, signed_in

ROWS = {"HX-Request": "true"}
DUE = (date.today() + timedelta(days=30)).isoformat()


def _need(scoped, street, community, title="独居老人义诊", tags="医疗义诊", status="open"):
    with scoped(street) as session:
        need = Need(title=title, community_id=community, tags=tags, status=status)
        session.add(need)
        session.commit()
        return need.id


def _resource(scoped, street, unit, title="义诊队", tags="医疗义诊", kind="skills"):
    with scoped(street) as session:
        resource = Resource(organisation_id=unit, kind=kind, title=title, tags=tags)
        session.add(resource)
        session.commit()
        return resource.id


def _status(scoped, street, model, row_id):
    with scoped(street) as session:
        return session.scalar(select(model.status).where(model.id == row_id))


# --- needs --------------------------------------------------------------------------------------


def test_needs_are_posted_and_bad_ones_refused(admin, scoped, street, community):
    good = {"title": "楼道照明维修", "community": str(community), "tags": "维修", "description": ""}
    for change, message in [
        ({"title": ""}, "请填写需求名称"),
        ({"title": "需" * 101}, "需求名称不能超过 100 个字"),
        ({"community": ""}, "请选择本街道的社区"),
        ({"community": "12345678901234567890123"}, "请选择本街道的社区"),
        ({"tags": "、".join(f"标签{i}" for i in range(11))}, "标签最多 10 个"),
        ({"description": "说" * 2001}, "需求说明不能超过 2000 个字"),
    ]:
        response = admin.post("/alpha/alliance/needs/new", data={**good, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True)
    assert admin.post("/alpha/alliance/needs/new", data=good).status_code == 302
    twin = admin.post("/alpha/alliance/needs/new", data=good)
    assert twin.status_code == 422 and "本社区已有同名的需求" in twin.get_data(as_text=True)
    html = {**good, "title": "<b>粗体</b>需求"}
    assert admin.post("/alpha/alliance/needs/new", data=html).status_code == 302
    page = admin.get("/alpha/alliance/needs").get_data(as_text=True)
    assert "&lt;b&gt;粗体&lt;/b&gt;需求" in page and "<b>粗体</b>" not in page


def test_community_staff_post_and_see_only_their_communitys_needs(
    app, make_user, scoped, street, community
):
    other = add_community(scoped, street, "清泉社区")
    theirs = _need(scoped, street, other, "清泉的需求")
    _need(scoped, street, community, "朝阳的需求")
    _staff, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    page = staff.get("/alpha/alliance/needs", headers=ROWS).get_data(as_text=True)
    assert "朝阳的需求" in page and "清泉的需求" not in page
    assert staff.get(f"/alpha/alliance/needs/{theirs}").status_code == 404
    refused = staff.post(
        "/alpha/alliance/needs/new", data={"title": "越权", "community": str(other)}
    )
    assert refused.status_code == 422 and "您只能选择本社区" in refused.get_data(as_text=True)


def test_a_need_is_closed_and_reopened(admin, scoped, street, community):
    need = _need(scoped, street, community)
    admin.post(f"/alpha/alliance/needs/{need}/close")
    assert _status(scoped, street, Need, need) == "closed"
    admin.post(f"/alpha/alliance/needs/{need}/close", data={"reopen": "1"})
    assert _status(scoped, street, Need, need) == "open"


# --- resources ----------------------------------------------------------------------------------


def test_a_unit_manages_only_its_own_resources(app, make_user, scoped, street):
    mine, _user, phone = unit_with_account(scoped, street, make_user, "区供电公司")
    theirs = make_unit(scoped, street, "区人民医院")
    their_resource = _resource(scoped, street, theirs, "义诊队")
    unit = signed_in(app, "alpha", phone)

    form = {
        "kind": "venue",
        "title": "会议室",
        "tags": "场地",
        "description": "",
        "is_available": "y",
    }
    # naming another unit is ignored: a unit adds to its own list only
    assert (
        unit.post(
            "/alpha/alliance/unit/resources/new", data={**form, "organisation": str(theirs)}
        ).status_code
        == 302
    )
    with scoped(street) as session:
        added = session.scalar(select(Resource).where(Resource.title == "会议室"))
        assert added.organisation_id == mine
    page = unit.get("/alpha/alliance/unit/resources").get_data(as_text=True)
    assert "会议室" in page and "义诊队" not in page

    assert unit.get(f"/alpha/alliance/unit/resources/{their_resource}/edit").status_code == 404
    stolen = unit.post(
        f"/alpha/alliance/unit/resources/{their_resource}/edit", data={**form, "title": "改掉"}
    )
    assert stolen.status_code == 404
    with scoped(street) as session:
        assert session.get(Resource, (street.id, their_resource)).title == "义诊队"

    edited = unit.post(
        f"/alpha/alliance/unit/resources/{added.id}/edit", data={**form, "is_available": ""}
    )
    assert edited.status_code == 302
    with scoped(street) as session:
        assert session.get(Resource, (street.id, added.id)).is_available is False
    # the office's lists are not a unit's
    assert unit.get("/alpha/alliance/resources").status_code == 403
    assert unit.get(f"/alpha/alliance/resources/{their_resource}/edit").status_code == 403


def test_a_merchant_or_a_volunteer_has_no_resource_list(app, make_user, scoped, street):
    _m, _u, phone = unit_with_account(scoped, street, make_user, "老街面馆", kind="merchant")
    assert signed_in(app, "alpha", phone).get("/alpha/alliance/unit/resources").status_code == 403
    _v, vphone = make_user(street, "volunteer")
    assert signed_in(app, "alpha", vphone).get("/alpha/alliance/unit/resources").status_code == 403


def test_bad_resources_are_refused(admin, scoped, street):
    unit = make_unit(scoped, street, "区供电公司")
    good = {"organisation": str(unit), "kind": "funds", "title": "共建资金", "tags": "维修"}
    for change, message in [
        ({"title": ""}, "请填写资源名称"),
        ({"title": "资" * 101}, "资源名称不能超过 100 个字"),
        ({"kind": "gold"}, "请选择资源类型"),
        ({"organisation": ""}, "请选择本街道的共建单位"),
        ({"organisation": "99999999"}, "请选择本街道的共建单位"),
        ({"tags": "一个特别特别特别长的标签名"}, "每个标签不超过 12 个字"),
    ]:
        response = admin.post("/alpha/alliance/resources/new", data={**good, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True)
    assert admin.post("/alpha/alliance/resources/new", data=good).status_code == 302
    twin = admin.post("/alpha/alliance/resources/new", data=good)
    assert twin.status_code == 422 and "该单位已有同名的资源" in twin.get_data(as_text=True)


def test_the_resources_list_filters_and_exports(admin, scoped, street):
    a = make_unit(scoped, street, "区供电公司")
    b = make_unit(scoped, street, "区人民医院")
    _resource(scoped, street, a, "电工维修", "维修", "skills")
    _resource(scoped, street, b, "会议室", "场地", "venue")
    page = admin.get("/alpha/alliance/resources?kind=venue", headers=ROWS).get_data(as_text=True)
    assert "会议室" in page and "电工维修" not in page
    sheet = load_workbook(io.BytesIO(admin.get(f"/alpha/alliance/resources.xlsx?unit={a}").data))
    rows = list(sheet.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "区供电公司" and rows[1][1] == "技能"


# --- projects -----------------------------------------------------------------------------------


def _form(unit_ids, owner, **kw):
    data = {"title": "银龄健康守护", "owner": str(owner), "due_on": DUE, "unit": unit_ids}
    data.update(kw)
    return data


def test_a_project_is_formed_from_a_need_with_units_and_resources(admin, scoped, street, community):
    need = _need(scoped, street, community)
    a = make_unit(scoped, street, "区人民医院", tags="医疗义诊")
    b = make_unit(scoped, street, "区供电公司")
    resource = _resource(scoped, street, a)
    response = admin.post(
        f"/alpha/alliance/needs/{need}/project",
        data={**_form([str(a), str(b)], street.admin_id), f"resource_{a}": str(resource)},
    )
    assert response.status_code == 302
    assert _status(scoped, street, Need, need) == "matched"
    with scoped(street) as session:
        project = session.scalar(select(Project))
        partners = {
            p.organisation_id: p.resource_id for p in session.scalars(select(ProjectPartner))
        }
    assert project.status == "planned" and project.need_id == need
    assert partners == {a: resource, b: None}
    page = admin.get(f"/alpha/alliance/projects/{project.id}").get_data(as_text=True)
    assert "区人民医院" in page and "义诊队" in page
    # the need is taken up: a second project from it is refused
    again = admin.post(
        f"/alpha/alliance/needs/{need}/project", data=_form([str(a)], street.admin_id)
    )
    assert again.status_code == 422 and "已对接或已关闭" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "请填写项目名称"),
        ({"title": "项" * 101}, "项目名称不能超过 100 个字"),
        ({"owner": ""}, "请选择负责的工作人员"),
        ({"due_on": ""}, "请填写完成期限"),
        ({"due_on": "2025-02-30"}, "完成期限的日期格式不正确"),
        ({"due_on": "<script>"}, "完成期限的日期格式不正确"),
        ({"unit": []}, "请至少选择一个共建单位"),
        ({"unit": ["abc"]}, "请选择本街道的共建单位"),
    ],
)
def test_bad_projects_are_refused_and_the_need_stays_open(
    admin, scoped, street, community, change, message
):
    need = _need(scoped, street, community)
    unit = make_unit(scoped, street, "区人民医院", tags="医疗义诊")
    response = admin.post(
        f"/alpha/alliance/needs/{need}/project",
        data={**_form([str(unit)], street.admin_id), **change},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _status(scoped, street, Need, need) == "open"
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 0


def test_a_volunteer_cannot_own_a_project(admin, make_user, scoped, street, community):
    need = _need(scoped, street, community)
    unit = make_unit(scoped, street, "区人民医院")
    volunteer, _phone = make_user(street, "volunteer")
    response = admin.post(
        f"/alpha/alliance/needs/{need}/project", data=_form([str(unit)], volunteer)
    )
    assert response.status_code == 422 and "请选择负责的工作人员" in response.get_data(as_text=True)


@both_backends
def test_matching_a_need_to_another_streets_unit_or_resource_is_refused(
    app, make_street, scoped, street, community
):
    bravo = make_street("bravo")
    their_unit = make_unit(scoped, bravo, "乙街道单位")
    their_resource = _resource(scoped, bravo, their_unit)
    my_unit = make_unit(scoped, street, "甲街道单位")
    need = _need(scoped, street, community)
    admin = signed_in(app, "alpha", street.admin_phone)

    by_unit = admin.post(
        f"/alpha/alliance/needs/{need}/project", data=_form([str(their_unit)], street.admin_id)
    )
    assert by_unit.status_code == 422 and "请选择本街道的共建单位" in by_unit.get_data(as_text=True)
    by_resource = admin.post(
        f"/alpha/alliance/needs/{need}/project",
        data={**_form([str(my_unit)], street.admin_id), f"resource_{my_unit}": str(their_resource)},
    )
    assert by_resource.status_code == 422
    assert "请选择该单位自己的资源" in by_resource.get_data(as_text=True)
    # nor may a resource be filed under another street's unit
    filed = admin.post(
        "/alpha/alliance/resources/new",
        data={"organisation": str(their_unit), "kind": "venue", "title": "场地"},
    )
    assert filed.status_code == 422
    assert _status(scoped, street, Need, need) == "open"
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 0
        assert session.scalar(select(func.count()).select_from(Resource)) == 0


def test_the_allowed_moves_are_one_table():
    assert allowed_moves("planned") == {"in_progress", "dropped"}
    assert allowed_moves("in_progress") == {"done", "dropped"}
    assert allowed_moves("done") == {"in_progress"}
    assert allowed_moves("dropped") == set()
    assert allowed_moves("nonsense") == set()


def test_project_moves_done_needs_people_served_and_dropped_is_final(
    admin, scoped, street, community
):
    need = _need(scoped, street, community)
    unit = make_unit(scoped, street, "区人民医院")
    admin.post(f"/alpha/alliance/needs/{need}/project", data=_form([str(unit)], street.admin_id))
    with scoped(street) as session:
        project = session.scalar(select(Project.id))
    url = f"/alpha/alliance/projects/{project}/move"

    skipped = admin.post(url, data={"status": "done", "people_served": "10"})
    assert skipped.status_code == 422 and "不能从“计划中”改为“已完成”" in skipped.get_data(
        as_text=True
    )
    assert admin.post(url, data={"status": "in_progress"}).status_code == 302
    for served, message in [
        ("", "标记完成时请填写服务人数"),
        ("-3", "服务人数请填写 0 到 1000000 之间的整数"),
        ("十", "服务人数请填写 0 到 1000000 之间的整数"),
        ("99999999999", "服务人数请填写 0 到 1000000 之间的整数"),
    ]:
        refused = admin.post(url, data={"status": "done", "people_served": served, "outcome": "好"})
        assert refused.status_code == 422, served
        assert message in refused.get_data(as_text=True)
    assert _status(scoped, street, Project, project) == "in_progress"
    too_long = admin.post(
        url, data={"status": "done", "people_served": "5", "outcome": "长" * 2001}
    )
    assert too_long.status_code == 422 and "成效说明不能超过 2000 个字" in too_long.get_data(
        as_text=True
    )
    done = admin.post(url, data={"status": "done", "people_served": "120", "outcome": "<i>好</i>"})
    assert done.status_code == 302
    with scoped(street) as session:
        row = session.get(Project, (street.id, project))
        assert (row.status, row.people_served, row.outcome) == ("done", 120, "<i>好</i>")
        assert row.finished_at is not None
    page = admin.get(f"/alpha/alliance/projects/{project}").get_data(as_text=True)
    assert "&lt;i&gt;好&lt;/i&gt;" in page

    assert admin.post(url, data={"status": "in_progress"}).status_code == 302  # reopened
    assert admin.post(url, data={"status": "dropped", "outcome": "经费取消"}).status_code == 302
    assert _status(scoped, street, Need, need) == "open"  # the need is free again
    for to in ("planned", "in_progress", "done"):
        final = admin.post(url, data={"status": to, "people_served": "1"})
        assert final.status_code == 422
    assert _status(scoped, street, Project, project) == "dropped"
    assert "项目已终止" in admin.get(f"/alpha/alliance/projects/{project}").get_data(as_text=True)


def test_the_projects_list_filters_exports_and_the_dashboard_counts(
    app, admin, make_user, scoped, street, community
):
    other = add_community(scoped, street, "清泉社区")
    unit = make_unit(scoped, street, "区人民医院")
    mine = _need(scoped, street, community, "朝阳需求")
    theirs = _need(scoped, street, other, "清泉需求")
    for need, title in ((mine, "朝阳项目"), (theirs, "清泉项目")):
        admin.post(
            f"/alpha/alliance/needs/{need}/project",
            data=_form([str(unit)], street.admin_id, title=title),
        )
    page = admin.get(f"/alpha/alliance/projects?community={other}", headers=ROWS)
    assert "清泉项目" in page.get_data(as_text=True)
    assert "朝阳项目" not in page.get_data(as_text=True)
    sheet = load_workbook(
        io.BytesIO(admin.get("/alpha/alliance/projects.xlsx?status=planned").data)
    )
    rows = list(sheet.active.iter_rows(values_only=True))
    assert len(rows) == 3 and {r[0] for r in rows[1:]} == {"朝阳项目", "清泉项目"}
    assert rows[1][3] == "区人民医院" and rows[1][6] == "计划中"

    dashboard = admin.get("/alpha/dashboard").get_data(as_text=True)
    assert "alliance-projects-title" in dashboard

    _staff, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    listed = staff.get("/alpha/alliance/projects", headers=ROWS).get_data(as_text=True)
    assert "朝阳项目" in listed and "清泉项目" not in listed
    with scoped(street) as session:
        their_project = session.scalar(select(Project.id).where(Project.title == "清泉项目"))
    assert staff.get(f"/alpha/alliance/projects/{their_project}").status_code == 404
    assert (
        staff.post(
            f"/alpha/alliance/projects/{their_project}/move", data={"status": "dropped"}
        ).status_code
        == 404
    )


def test_the_project_panel_counts_what_the_viewer_sees(app, make_user, scoped, street, community):
    from tenants.alliance.lists.dashboard import projects_panel

    other = add_community(scoped, street, "清泉社区")
    for community_id, status in ((community, "done"), (other, "planned"), (other, "planned")):
        need = _need(scoped, street, community_id, f"需求{status}{community_id}{date.today()}x")
        with scoped(street) as session:
            session.add(Project(title="p", need_id=need, status=status))
            session.commit()
    _staff, _phone = make_user(street, "staff", community_id=community)
    with scoped(street) as session:
        from saas.auth.models import User

        admin = session.get(User, (street.id, street.admin_id))
        staff = session.get(User, (street.id, _staff))
        whole = dict((k, n) for k, _l, n in projects_panel(session, admin)["counts"])
        theirs = dict((k, n) for k, _l, n in projects_panel(session, staff)["counts"])
    assert whole == {"planned": 2, "in_progress": 0, "done": 1, "dropped": 0}
    assert theirs == {"planned": 0, "in_progress": 0, "done": 1, "dropped": 0}


# --- constant statements ------------------------------------------------------------------------


@both_backends
@pytest.mark.parametrize(
    "url", ["/alpha/alliance/needs", "/alpha/alliance/projects", "/alpha/alliance/resources",
            "/alpha/alliance/posts/manage"],
)  # fmt: skip
def test_the_lists_run_the_same_statements_at_ten_times_the_rows(
    app, street, community, scoped, url
):
    admin = signed_in(app, "alpha", street.admin_phone)
    made = []

    def grow(n):
        while len(made) < n:
            i = len(made)
            unit = make_unit(scoped, street, f"单位{i}", tags="维修")
            with scoped(street) as session:
                need = Need(title=f"需求{i}", community_id=community, tags="维修")
                resource = Resource(organisation_id=unit, kind="skills", title=f"资源{i}")
                session.add_all([need, resource, Post(title=f"岗位{i}", slots=3)])
                session.flush()
                project = Project(title=f"项目{i}", need_id=need.id, owner_id=street.admin_id)
                session.add(project)
                session.flush()
                session.add(
                    ProjectPartner(
                        project_id=project.id, organisation_id=unit, resource_id=resource.id
                    )
                )
                session.commit()
            made.append(i)

    assert_statements_do_not_grow(app, admin, url, grow, 20, 14)


def test_the_need_page_runs_the_same_statements_whatever_the_candidates(
    app, street, community, scoped
):
    admin = signed_in(app, "alpha", street.admin_phone)
    need = _need(scoped, street, community, "主需求", "维修")
    made = []

    def grow(n):
        while len(made) < n:
            i = len(made)
            unit = make_unit(scoped, street, f"单位{i}", tags="维修", community_id=community)
            _resource(scoped, street, unit, f"资源{i}", "维修")
            with scoped(street) as session:
                project = Project(title=f"项目{i}", status="done")
                session.add(project)
                session.flush()
                session.add(ProjectPartner(project_id=project.id, organisation_id=unit))
                session.commit()
            made.append(i)

    assert_statements_do_not_grow(app, admin, f"/alpha/alliance/needs/{need}", grow, 20, 16)
