"""The map of the grids (民情地图): who sees a community's map and its plan, the plan's upload
refusing what is not a picture, grids placed only on the plan, markers counted right, and a
constant number of statements whatever the items."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tenants.grid import gridmap
from tenants.grid.models import GridMap, GridPin
from tests.conftest import both_backends
from tests.tenants.factories import assert_statements_do_not_grow, signed_in
from tests.tenants.grid.factories import make_category, make_place
from tests.tenants.grid.factories_map import add_items, plan_png


@pytest.fixture
def place(app, make_street, make_user, scoped):
    """A street with two communities (one grid each), a staff member limited to the first, one
    to the second, a volunteer and an org account; the first community has a few open items."""
    street = make_street()
    c1, g1, _b1 = make_place(scoped, street, "朝阳社区", "朝阳一网格")
    c2, g2, _b2 = make_place(scoped, street, "清泉社区", "清泉一网格")
    category = make_category(scoped, street)
    _s1, staff1 = make_user(street, "staff", community_id=c1)
    _s2, staff2 = make_user(street, "staff", community_id=c2)
    _v, volunteer = make_user(street, "volunteer", community_id=c1)
    _o, org = make_user(street, "org")
    return {"street": street, "c1": c1, "g1": g1, "c2": c2, "g2": g2, "category": category,
            "staff1": staff1, "staff2": staff2, "volunteer": volunteer, "org": org}  # fmt: skip


def _upload(client, slug, community_id, data, filename="plan.png"):
    return client.post(f"/{slug}/grid/map/{community_id}/plan",
                       data={"plan": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")  # fmt: skip


@both_backends
def test_who_sees_which_community_map(app, place, make_street):
    s, slug = place["street"], place["street"].slug
    admin = signed_in(app, slug, s.admin_phone)
    assert admin.get(f"/{slug}/grid/map").status_code == 200  # two communities: the list
    for c in ("c1", "c2"):
        assert admin.get(f"/{slug}/grid/map/{place[c]}").status_code == 200
    staff1 = signed_in(app, slug, place["staff1"])
    index = staff1.get(f"/{slug}/grid/map")
    assert index.status_code == 302 and index.headers["Location"].endswith(f"/{place['c1']}")
    assert staff1.get(f"/{slug}/grid/map/{place['c1']}").status_code == 200
    assert staff1.get(f"/{slug}/grid/map/{place['c2']}").status_code == 404
    assert staff1.post(f"/{slug}/grid/map/{place['c2']}/pins",
                       data={"grid": place["g2"], "x": 1, "y": 1}).status_code == 404  # fmt: skip
    for who in ("volunteer", "org"):
        client = signed_in(app, slug, place[who])
        assert client.get(f"/{slug}/grid/map").status_code == 404
        assert client.get(f"/{slug}/grid/map/{place['c1']}").status_code == 404
        assert client.get(f"/{slug}/grid/map/{place['c1']}/plan.jpg").status_code == 404
    # another street's admin, with this street's community id, on their own street
    other = make_street()
    outsider = signed_in(app, other.slug, other.admin_phone)
    assert outsider.get(f"/{other.slug}/grid/map/{place['c1']}").status_code == 404
    assert _upload(outsider, other.slug, place["c1"], plan_png()).status_code == 404
    # the menu shows the map to the office only
    assert "民情地图" in admin.get(f"/{slug}/dashboard").get_data(as_text=True)


@both_backends
def test_a_plan_is_kept_clean_and_served_to_its_community_only(app, place, scoped):
    s, slug, c1 = place["street"], place["street"].slug, place["c1"]
    admin = signed_in(app, slug, s.admin_phone)
    response = _upload(admin, slug, c1, plan_png((3000, 2000)))
    assert response.status_code == 302
    with scoped(s) as session:
        plan = session.scalar(select(GridMap).where(GridMap.community_id == c1))
        assert (plan.width, plan.height) == (2400, 1600) and plan.image_key.endswith(".jpg")
    page = admin.get(f"/{slug}/grid/map/{c1}").get_data(as_text=True)
    assert f"/{slug}/grid/map/{c1}/plan.jpg" in page and "<script" not in page.split("<main")[1]
    image = admin.get(f"/{slug}/grid/map/{c1}/plan.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.data.startswith(b"\xff\xd8") and b"Exif" not in image.data[:200]
    assert (
        signed_in(app, slug, place["staff1"]).get(f"/{slug}/grid/map/{c1}/plan.jpg").status_code
        == 200
    )
    assert (
        signed_in(app, slug, place["staff2"]).get(f"/{slug}/grid/map/{c1}/plan.jpg").status_code
        == 404
    )
    # a community without a plan: the schematic, and no image
    assert admin.get(f"/{slug}/grid/map/{place['c2']}/plan.jpg").status_code == 404
    schematic = admin.get(f"/{slug}/grid/map/{place['c2']}").get_data(as_text=True)
    assert "自动生成的示意图" in schematic and "清泉一网格" in schematic and "1号楼" in schematic
    # back to the schematic: the file goes
    assert admin.post(f"/{slug}/grid/map/{c1}/plan/remove").status_code == 302
    assert admin.get(f"/{slug}/grid/map/{c1}/plan.jpg").status_code == 404


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"MZ\x90\x00" + b"\0" * 400, "plan.png", "JPEG、PNG 或 WebP"),  # a renamed .exe
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
            b"</script></svg>",
            "plan.png",
            "SVG",
        ),
        (b'<svg onload="alert(1)"/>', "plan.svg", "SVG"),
        (b"", "plan.png", "请选择平面图"),
    ],
)
def test_what_is_not_a_plan_is_refused_in_words(app, place, scoped, data, filename, message):
    s, slug, c1 = place["street"], place["street"].slug, place["c1"]
    admin = signed_in(app, slug, s.admin_phone)
    response = _upload(admin, slug, c1, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with scoped(s) as session:
        assert session.scalar(select(GridMap.id)) is None


def test_a_30_mb_plan_is_refused(app, place, scoped):
    s, slug, c1 = place["street"], place["street"].slug, place["c1"]
    admin = signed_in(app, slug, s.admin_phone)
    response = _upload(admin, slug, c1, b"\x89PNG\r\n\x1a\n" + b"\0" * (30 * 1024 * 1024))
    assert response.status_code == 413  # the request's limit, before anything is read
    with scoped(s) as session:  # and the service's own limit, for a larger request limit
        community = session.get(gridmap.Community, (s.id, c1))
        admin_user = session.get(gridmap.User, (s.id, s.admin_id))
        with pytest.raises(gridmap.ServiceError, match="10 MB"):
            gridmap.save_plan(session, admin_user, community, b"\0" * (30 * 1024 * 1024))


@both_backends
def test_grids_are_placed_on_the_plan_within_it(app, place, scoped):
    s, slug, c1, g1 = place["street"], place["street"].slug, place["c1"], place["g1"]
    staff1 = signed_in(app, slug, place["staff1"])
    url = f"/{slug}/grid/map/{c1}/pins"
    for x, y, field in (("10001", "5", "x"), ("-1", "5", "x"), ("5", "abc", "y"), ("", "5", "x"),
                        ("1e3", "5", "x"), ("5", "99999999999999999999", "y"), ("５", "٣", "y")):  # fmt: skip
        response = staff1.post(url, data={"grid": g1, "x": x, "y": y})
        assert response.status_code == 422, (x, y)
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page, (x, y)
        assert f'value="{x}"' in page or not x  # what was typed comes back
    response = staff1.post(url, data={"grid": place["g2"], "x": "5", "y": "5"})
    assert response.status_code == 422 and "请选择本社区的网格" in response.get_data(as_text=True)
    assert staff1.post(url, data={"grid": g1, "x": "１２３４", "y": "10000"}).status_code == 302
    assert staff1.post(url, data={"grid": g1, "x": "0", "y": "2500"}).status_code == 302
    with scoped(s) as session:
        pins = session.scalars(select(GridPin)).all()
        assert [(p.grid_id, p.x, p.y) for p in pins] == [(g1, 0, 2500)]


@both_backends
def test_markers_count_open_items_per_grid_and_status(app, place, scoped):
    s, slug, c1, g1, cat = (place["street"], place["street"].slug, place["c1"], place["g1"],
                            place["category"])  # fmt: skip
    newest = add_items(scoped, s, cat, c1, g1, ["reported"] * 3 + ["in_progress"] * 2)
    late = add_items(scoped, s, cat, c1, g1, ["assigned"] * 4, overdue=True)
    add_items(scoped, s, cat, c1, g1, ["closed", "rejected"])  # not open: not on the map
    loose = add_items(scoped, s, cat, c1, None, ["accepted"])
    add_items(scoped, s, cat, place["c2"], place["g2"], ["reported"])  # another community
    with scoped(s) as session:
        community = session.get(gridmap.Community, (s.id, c1))
        page = gridmap.map_page(session, community)
    spots = {spot.id: spot for spot in page.spots}
    assert spots[g1].counts == {"reported": 3, "in_progress": 2, "assigned": 4}
    assert spots[g1].overdue == 4 and spots[g1].total == 9
    assert len(spots[g1].markers) == gridmap.NEWEST == 8
    assert {m.id for m in spots[g1].markers} <= set(newest + late)
    assert sum(m.overdue for m in spots[g1].markers) <= 4
    assert spots[None].counts == {"accepted": 1} and spots[None].markers[0].id == loose[0]
    assert page.totals == {"reported": 3, "accepted": 1, "assigned": 4, "in_progress": 2}
    assert page.total == 10 and page.overdue == 4
    html = signed_in(app, slug, s.admin_phone).get(f"/{slug}/grid/map/{c1}").get_data(as_text=True)
    assert f"/{slug}/grid/items/{loose[0]}" in html  # a marker opens its item
    assert html.count(f"/{slug}/grid/items/") == 2 * (8 + 1)  # on the plan and in the list
    assert "已超期" in html and "图例" in html


@both_backends
def test_the_map_runs_constant_statements(app, place, scoped):
    s, slug, c1, cat = place["street"], place["street"].slug, place["c1"], place["category"]
    admin = signed_in(app, slug, s.admin_phone)
    state = {"n": 0}

    def grow(n):
        with scoped(s) as session:
            from tenants.structure.models import Building, Grid

            for _ in range(n):
                state["n"] += 1
                grid = Grid(community_id=c1, name=f"网格{state['n']}")
                session.add(grid)
                session.flush()
                session.add(Building(grid_id=grid.id, name="1号楼"))
                session.add(GridPin(grid_id=grid.id, x=state["n"] * 100, y=500))
                session.commit()
                add_items(scoped, s, cat, c1, grid.id, ["reported", "assigned", "done"] * 4)
        add_items(scoped, s, cat, c1, None, ["accepted"] * n)

    assert_statements_do_not_grow(app, admin, f"/{slug}/grid/map/{c1}", grow, 10, 25)
