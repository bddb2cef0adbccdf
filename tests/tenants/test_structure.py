"""The street's structure: communities → grids → buildings, managed by the admin."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.auth.models import User
from tenants.structure.models import Building, Community, Grid
from tests.conftest import both_backends, login

HX = {"HX-Request": "true"}


@pytest.fixture
def street(make_street):
    return make_street("alpha")


@pytest.fixture
def admin(app, street):
    client = app.test_client()
    assert login(client, "alpha", street.admin_phone).status_code == 302
    return client


def communities(scoped, street) -> list[tuple[str, bool]]:
    with scoped(street) as session:
        rows = session.scalars(select(Community).order_by(Community.position, Community.id))
        return [(c.name, c.archived_at is not None) for c in rows]


def node_id(scoped, street, model, name) -> int:
    with scoped(street) as session:
        return session.scalar(select(model.id).where(model.name == name))


def add_community(client, name, htmx=False):
    return client.post(
        "/alpha/structure/communities", data={"name": name}, headers=HX if htmx else {}
    )


@both_backends
def test_admin_creates_a_community(admin, street, scoped):
    response = add_community(admin, "朝阳社区")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/structure"
    page = admin.get("/alpha/structure").get_data(as_text=True)
    assert "已添加社区" in page and "朝阳社区" in page
    assert communities(scoped, street) == [("朝阳社区", False)]
    with scoped(street) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "structure.change"))
        assert entry.detail == {"op": "create"} and entry.actor_id == street.admin_id


def test_htmx_create_answers_with_the_tree(admin, street):
    response = add_community(admin, "朝阳社区", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="tree">') and "<html" not in body
    assert "朝阳社区" in body


def test_names_are_tidied_and_checked(admin, street, scoped):
    add_community(admin, "  朝阳   社区 ")
    assert communities(scoped, street) == [("朝阳 社区", False)]
    for name, message in (
        ("", "请填写名称"),
        ("   ", "请填写名称"),
        ("长" * 61, "不能超过 60 个字"),
    ):
        response = add_community(admin, name, htmx=True)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert len(communities(scoped, street)) == 1


def test_duplicate_community_name_is_refused(admin, street, scoped):
    add_community(admin, "朝阳社区")
    response = add_community(admin, "朝阳社区", htmx=True)
    assert response.status_code == 422
    assert "已有同名社区“朝阳社区”" in response.get_data(as_text=True)
    # without htmx: back to the page, the message shown there
    response = add_community(admin, " 朝阳社区 ")
    assert response.status_code == 302
    assert "已有同名社区" in admin.get("/alpha/structure").get_data(as_text=True)
    assert communities(scoped, street) == [("朝阳社区", False)]


def test_rename(admin, street, scoped):
    add_community(admin, "朝阳社区")
    add_community(admin, "清泉社区")
    cid = node_id(scoped, street, Community, "朝阳社区")
    response = admin.post(
        f"/alpha/structure/communities/{cid}/rename", data={"name": "新朝阳社区"}, headers=HX
    )
    assert response.status_code == 200 and "新朝阳社区" in response.get_data(as_text=True)
    response = admin.post(
        f"/alpha/structure/communities/{cid}/rename", data={"name": "清泉社区"}, headers=HX
    )
    assert response.status_code == 422
    assert "已有同名社区“清泉社区”" in response.get_data(as_text=True)
    response = admin.post(f"/alpha/structure/communities/{cid}/rename", data={}, headers=HX)
    assert response.status_code == 422 and "请填写名称" in response.get_data(as_text=True)
    assert [n for n, _ in communities(scoped, street)] == ["新朝阳社区", "清泉社区"]


@both_backends
def test_archive_and_restore(app, admin, street, scoped):
    add_community(admin, "朝阳社区")
    add_community(admin, "清泉社区")
    cid = node_id(scoped, street, Community, "清泉社区")
    response = admin.post(f"/alpha/structure/communities/{cid}/archive", headers=HX)
    assert response.status_code == 200
    assert "清泉社区" not in response.get_data(as_text=True)
    assert communities(scoped, street) == [("朝阳社区", False), ("清泉社区", True)]
    shown = admin.get("/alpha/structure?archived=1").get_data(as_text=True)
    assert "清泉社区" in shown and "已归档" in shown
    # volunteers joining see only active communities
    join = app.test_client().get("/alpha/join").get_data(as_text=True)
    assert "朝阳社区" in join and "清泉社区" not in join
    # an archived community takes no new grids
    response = admin.post(
        f"/alpha/structure/communities/{cid}/add", data={"name": "一网格"}, headers=HX
    )
    assert response.status_code == 422 and "已归档的社区不能再添加下级" in response.get_data(
        as_text=True
    )

    admin.post(f"/alpha/structure/communities/{cid}/restore", headers=HX)
    assert communities(scoped, street) == [("朝阳社区", False), ("清泉社区", False)]
    assert "清泉社区" in app.test_client().get("/alpha/join").get_data(as_text=True)


@both_backends
def test_reorder_up_and_down(admin, street, scoped):
    for name in ("一社区", "二社区", "三社区"):
        add_community(admin, name)
    three = node_id(scoped, street, Community, "三社区")
    one = node_id(scoped, street, Community, "一社区")
    admin.post(f"/alpha/structure/communities/{three}/up", headers=HX)
    assert [n for n, _ in communities(scoped, street)] == ["一社区", "三社区", "二社区"]
    admin.post(f"/alpha/structure/communities/{three}/up", headers=HX)
    assert [n for n, _ in communities(scoped, street)] == ["三社区", "一社区", "二社区"]
    # the first one cannot go further up; the last one not further down
    admin.post(f"/alpha/structure/communities/{three}/up", headers=HX)
    admin.post(f"/alpha/structure/communities/{one}/down", headers=HX)
    assert [n for n, _ in communities(scoped, street)] == ["三社区", "二社区", "一社区"]
    response = admin.post(f"/alpha/structure/communities/{one}/down", headers=HX)
    assert response.status_code == 200
    assert [n for n, _ in communities(scoped, street)] == ["三社区", "二社区", "一社区"]
    # the page lists them in that order, as does the join form
    page = admin.get("/alpha/structure").get_data(as_text=True)
    assert page.index("三社区") < page.index("二社区") < page.index("一社区")


def test_grids_and_buildings(admin, street, scoped, make_user):
    add_community(admin, "朝阳社区")
    add_community(admin, "清泉社区")
    cid = node_id(scoped, street, Community, "朝阳社区")
    other = node_id(scoped, street, Community, "清泉社区")
    response = admin.post(
        f"/alpha/structure/communities/{cid}/add", data={"name": "一网格"}, headers=HX
    )
    assert response.status_code == 200 and "一网格" in response.get_data(as_text=True)
    # the same grid name in another community is fine, twice in one is not
    admin.post(f"/alpha/structure/communities/{other}/add", data={"name": "一网格"}, headers=HX)
    response = admin.post(
        f"/alpha/structure/communities/{cid}/add", data={"name": "一网格"}, headers=HX
    )
    assert response.status_code == 422 and "已有同名网格“一网格”" in response.get_data(as_text=True)
    with scoped(street) as session:
        gid = session.scalar(select(Grid.id).where(Grid.community_id == cid))

    response = admin.post(f"/alpha/structure/grids/{gid}/add", data={"name": "1号楼"}, headers=HX)
    assert response.status_code == 200 and "1号楼" in response.get_data(as_text=True)
    with scoped(street) as session:
        building = session.scalar(select(Building))
        assert (building.name, building.grid_id) == ("1号楼", gid)
    bid = building.id
    admin.post(f"/alpha/structure/buildings/{bid}/rename", data={"name": "一号楼"}, headers=HX)
    assert node_id(scoped, street, Building, "一号楼") == bid
    # a building has nothing below it
    response = admin.post(
        f"/alpha/structure/buildings/{bid}/add", data={"name": "101室"}, headers=HX
    )
    assert response.status_code == 404
    response = admin.post(f"/alpha/structure/communities/{cid}/explode", headers=HX)
    assert response.status_code == 404


@both_backends
def test_assign_a_grid_worker(admin, street, scoped, make_user):
    staff_id, staff_phone = make_user(street, "staff", name="网格员小李")
    org_id, _ = make_user(street, "org", name="某公司")
    add_community(admin, "朝阳社区")
    cid = node_id(scoped, street, Community, "朝阳社区")
    admin.post(f"/alpha/structure/communities/{cid}/add", data={"name": "一网格"})
    gid = node_id(scoped, street, Grid, "一网格")

    page = admin.get("/alpha/structure").get_data(as_text=True)
    assert "网格员小李" in page and staff_phone not in page  # phones masked in the choice
    response = admin.post(
        f"/alpha/structure/grids/{gid}/worker", data={"worker_id": str(staff_id)}, headers=HX
    )
    assert response.status_code == 200
    assert "网格员：网格员小李" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(Grid.worker_id).where(Grid.id == gid)) == staff_id
        assert session.scalar(select(User.is_grid_worker).where(User.id == staff_id)) is True

    response = admin.post(
        f"/alpha/structure/grids/{gid}/worker", data={"worker_id": str(org_id)}, headers=HX
    )
    assert response.status_code == 422
    assert "请选择本街道的账号" in response.get_data(as_text=True)
    response = admin.post(f"/alpha/structure/grids/{gid}/worker", data={"worker_id": ""})
    assert response.status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(Grid.worker_id).where(Grid.id == gid)) is None


def test_a_worker_from_another_street_is_refused(admin, street, scoped, make_street, make_user):
    bravo = make_street("bravo")
    outsider, _ = make_user(bravo, "staff")
    add_community(admin, "朝阳社区")
    cid = node_id(scoped, street, Community, "朝阳社区")
    admin.post(f"/alpha/structure/communities/{cid}/add", data={"name": "一网格"})
    gid = node_id(scoped, street, Grid, "一网格")
    response = admin.post(
        f"/alpha/structure/grids/{gid}/worker", data={"worker_id": str(outsider)}, headers=HX
    )
    assert response.status_code == 422
    with scoped(street) as session:
        assert session.scalar(select(Grid.worker_id)) is None


def test_staff_and_volunteers_cannot_touch_the_structure(app, admin, street, scoped, make_user):
    add_community(admin, "朝阳社区")
    cid = node_id(scoped, street, Community, "朝阳社区")
    for role in ("staff", "volunteer", "org"):
        _, phone = make_user(street, role)
        client = app.test_client()
        login(client, "alpha", phone)
        assert client.get("/alpha/structure").status_code == 403, role
        assert add_community(client, "偷偷加的社区").status_code == 403, role
        response = client.post(
            f"/alpha/structure/communities/{cid}/rename", data={"name": "被改了"}
        )
        assert response.status_code == 403, role
        assert client.post(f"/alpha/structure/communities/{cid}/archive").status_code == 403
    assert communities(scoped, street) == [("朝阳社区", False)]
    anonymous = app.test_client().post("/alpha/structure/communities", data={"name": "x"})
    assert anonymous.status_code == 302 and "/alpha/login" in anonymous.headers["Location"]


def test_staff_sees_the_dashboard_but_not_the_structure_link(app, street, make_user):
    _, phone = make_user(street, "staff")
    client = app.test_client()
    login(client, "alpha", phone)
    body = client.get("/alpha/dashboard").get_data(as_text=True)
    assert "工作台" in body and "/alpha/structure" not in body


def test_dashboard_counts(admin, street, scoped, make_user):
    add_community(admin, "朝阳社区")
    add_community(admin, "清泉社区")
    cid = node_id(scoped, street, Community, "朝阳社区")
    make_user(street, "volunteer", community_id=cid, is_party_member=True)
    make_user(street, "volunteer", community_id=cid)
    make_user(street, "staff")
    body = admin.get("/alpha/dashboard").get_data(as_text=True)

    def stat(label):
        return body.split(f'<span class="stat-label">{label}</span>')[0].rsplit(">", 2)[-2]

    assert stat("社区").startswith("2")
    assert stat("志愿者").startswith("2")
    assert stat("党员").startswith("1")
    assert stat("工作人员").startswith("2")
    assert "&#34;values&#34;: [2, 0]" in body


def test_html_in_names_is_escaped(app, admin, street, scoped):
    evil = '<img src=x onerror="alert(1)">'
    add_community(admin, evil)
    cid = node_id(scoped, street, Community, evil)
    admin.post(f"/alpha/structure/communities/{cid}/add", data={"name": evil + "网格"})
    gid = node_id(scoped, street, Grid, evil + "网格")
    admin.post(f"/alpha/structure/grids/{gid}/add", data={"name": evil + "楼"})
    pages = [
        admin.get("/alpha/structure").get_data(as_text=True),
        admin.get("/alpha/dashboard").get_data(as_text=True),
        app.test_client().get("/alpha/join").get_data(as_text=True),
        add_community(admin, evil, htmx=True).get_data(as_text=True),
    ]
    for page in pages:
        assert "<img" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in pages[0]


def test_another_streets_nodes_are_not_found(admin, street, make_street, scoped):
    bravo = make_street("bravo")
    with scoped(bravo) as session:
        session.add(Community(name="乙社区"))
        session.commit()
    cid = node_id(scoped, bravo, Community, "乙社区")
    for action in ("rename", "archive", "up", "add"):
        response = admin.post(f"/alpha/structure/communities/{cid}/{action}", data={"name": "x"})
        assert response.status_code == 404
    assert communities(scoped, bravo) == [("乙社区", False)]


@both_backends
def test_replacing_a_grid_worker_drops_the_old_ones_mark(admin, street, scoped, make_user):
    first, _ = make_user(street, "staff", name="老网格员")
    second, _ = make_user(street, "volunteer", name="新网格员")
    disabled, _ = make_user(street, "staff", name="已停用的人")
    with scoped(street) as session:
        session.scalar(select(User).where(User.id == disabled)).is_enabled = False
        session.commit()
    add_community(admin, "朝阳社区")
    cid = node_id(scoped, street, Community, "朝阳社区")
    admin.post(f"/alpha/structure/communities/{cid}/add", data={"name": "一网格"})
    admin.post(f"/alpha/structure/communities/{cid}/add", data={"name": "二网格"})
    one, two = (node_id(scoped, street, Grid, n) for n in ("一网格", "二网格"))
    admin.post(f"/alpha/structure/grids/{one}/worker", data={"worker_id": str(first)})
    admin.post(f"/alpha/structure/grids/{two}/worker", data={"worker_id": str(first)})
    admin.post(f"/alpha/structure/grids/{one}/worker", data={"worker_id": str(second)})

    def marked():
        with scoped(street) as session:
            return set(session.scalars(select(User.name).where(User.is_grid_worker.is_(True))))

    assert marked() == {"老网格员", "新网格员"}  # still responsible for 二网格
    admin.post(f"/alpha/structure/grids/{two}/worker", data={"worker_id": ""})
    assert marked() == {"新网格员"}
    people = admin.get("/alpha/people").get_data(as_text=True)
    old_row = people.split(f'id="user-{first}"')[1].split("</tr>")[0]
    assert "网格员</span>" not in old_row

    response = admin.post(
        f"/alpha/structure/grids/{two}/worker", data={"worker_id": str(disabled)}, headers=HX
    )
    assert response.status_code == 422
    assert "已停用的人" not in admin.get("/alpha/structure").get_data(as_text=True)


def test_nodes_with_equal_positions_can_still_be_moved(admin, street, scoped):
    with scoped(street) as session:
        for name in ("甲社区", "乙社区", "丙社区"):
            session.add(Community(name=name))  # position 0 for all, as an import might leave them
        session.commit()
    before = [n for n, _ in communities(scoped, street)]
    first = node_id(scoped, street, Community, before[0])
    admin.post(f"/alpha/structure/communities/{first}/down", headers=HX)
    after = [n for n, _ in communities(scoped, street)]
    assert after == [before[1], before[0], before[2]]
    admin.post(f"/alpha/structure/communities/{first}/down", headers=HX)
    assert [n for n, _ in communities(scoped, street)] == [before[1], before[2], before[0]]


def test_the_archived_view_survives_an_htmx_action(app, make_street):
    street = make_street("alpha")
    client = app.test_client()
    login(client, street.slug, street.admin_phone)
    client.post("/alpha/structure/communities", data={"name": "旧社区"})
    page = client.get("/alpha/structure?archived=1").get_data(as_text=True)
    assert 'hx-vals=\'{"archived": "1"}\'' in page
    community_id = page.split('id="community-')[1].split('"')[0]
    # htmx sends the inherited hx-vals with the archive request
    tree = client.post(
        f"/alpha/structure/communities/{community_id}/archive",
        data={"archived": "1"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "旧社区" in tree and "已归档" in tree


def _street_of(admin, scoped, street, spec: dict) -> None:
    """Communities → grids → buildings, added through the pages as the admin would."""
    for community, grids in spec.items():
        add_community(admin, community)
        cid = node_id(scoped, street, Community, community)
        for grid, buildings in grids.items():
            admin.post(f"/alpha/structure/communities/{cid}/add", data={"name": grid})
            gid = node_id(scoped, street, Grid, grid)
            for building in buildings:
                admin.post(f"/alpha/structure/grids/{gid}/add", data={"name": building})


def test_every_row_has_one_menu_and_the_count_of_controls_stays_small(admin, street, scoped):
    _street_of(
        admin,
        scoped,
        street,
        {"朝阳社区": {f"第{g}网格": [f"{g}-{b}号楼" for b in range(1, 7)] for g in range(1, 3)}},
    )
    page = admin.get("/alpha/structure").get_data(as_text=True)
    tree = page.split('id="tree"', 1)[1]
    rows = tree.count('class="tree-row"')
    assert rows == 1 + 2 + 12
    assert tree.count('<details class="row-menu">') == rows  # one menu per row, nothing else
    assert tree.count("<summary") == rows
    assert "1 个社区，2 个网格，12 个楼栋" in tree


@both_backends
def test_search_shows_matches_where_they_sit(admin, street, scoped):
    _street_of(
        admin,
        scoped,
        street,
        {
            "朝阳社区": {"一网格": ["1号楼", "2号楼"], "二网格": ["3号楼"]},
            "向阳社区": {"三网格": ["3号楼", "100%楼"]},
        },
    )
    response = admin.get("/alpha/structure?q=3号", headers=HX)
    body = response.get_data(as_text=True)
    assert "<html" not in body and "找到 2 项" in body
    assert "朝阳社区" in body and "二网格" in body and "向阳社区" in body
    assert "一网格" not in body and "1号楼" not in body
    assert "<mark>3号</mark>楼" in body
    # a grid that matches keeps its buildings
    body = admin.get("/alpha/structure?q=三网格", headers=HX).get_data(as_text=True)
    assert "100%楼" in body and "朝阳社区" not in body
    # an action on a searched tree answers with the same search
    assert json.loads(body.split("hx-vals='", 1)[1].split("'", 1)[0]) == {"q": "三网格"}


def test_search_text_is_literal(admin, street, scoped):
    _street_of(admin, scoped, street, {"朝阳社区": {"一网格": ["100%楼", "A_1楼"]}})

    def search(q: str) -> str:
        response = admin.get("/alpha/structure", query_string={"q": q}, headers=HX)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert "找到 1 项" in search("%") and "100%楼" in search("%") and "A_1楼" not in search("%")
    assert "找到 1 项" in search("_") and "100%楼" not in search("_")
    evil = search("<script>alert(1)</script>")
    assert "<script>alert" not in evil and "&lt;script&gt;" in evil
    assert "没有名称包含" in evil and "朝阳社区" not in evil
