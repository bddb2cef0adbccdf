"""随手拍 on the phone (/<slug>/report): a resident reports with photos and gets the item's
number; bad photos, other streets' ids and HTML are refused or shown as text, nothing typed lost."""

from __future__ import annotations

import io

from sqlalchemy import select

from tenants.grid.models import GridItem, ItemPhoto
from tenants.grid.photos import store
from tests.conftest import both_backends
from tests.tenants.factories import signed_in
from tests.tenants.grid.factories import jpeg_with_gps, make_category, make_place


def _setup(app, make_street, make_user, scoped):
    street = make_street()
    community, grid, building = make_place(scoped, street)
    category = make_category(scoped, street)
    uid, phone = make_user(street, name="王小明", community_id=community)
    client = signed_in(app, street.slug, phone)
    return street, client, uid, {"category": category, "community": community, "grid": grid,
                                 "building": building}  # fmt: skip


def _post(client, slug, ids, files=(), **values):
    data = {"category": ids["category"], "description": "路灯不亮，晚上很黑",
            "community": ids["community"], "grid": ids["grid"], "building": ids["building"],
            "place": "2单元门口", **values}  # fmt: skip
    data["photos"] = [(io.BytesIO(body), name) for body, name in files]
    return client.post(f"/{slug}/report", data=data, content_type="multipart/form-data")


def test_a_visitor_is_sent_to_log_in(app, client, make_street):
    street = make_street()
    response = client.get(f"/{street.slug}/report")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@both_backends
def test_a_resident_reports_with_a_photo_and_sees_the_number(app, make_street, make_user, scoped):
    street, client, uid, ids = _setup(app, make_street, make_user, scoped)
    page = client.get(f"/{street.slug}/report").get_data(as_text=True)
    assert 'accept="image/*"' in page and "capture" in page and "multiple" in page
    assert "环境卫生" in page and "不向其他居民显示我的名字" in page
    response = _post(client, street.slug, ids, [(jpeg_with_gps(), "a.jpg")], anonymous="y")
    assert response.status_code == 302
    with scoped(street) as session:
        item = session.scalar(select(GridItem))
        assert item.reporter_id == uid and item.reporter_role == "resident" and item.anonymous
        assert (item.grid_id, item.building_id, item.place) == (ids["grid"], ids["building"],
                                                                "2单元门口")  # fmt: skip
        photo = session.scalar(select(ItemPhoto))
        assert b"PhoneMaker" not in store().get(street.id, photo.key)
        number = item.number
    assert response.headers["Location"].endswith(f"/my-reports/{item.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert number in page and "已上报" in page


def _refused(client, street, ids, files, message, scoped):
    response = _post(client, street.slug, ids, files, description="<b>楼下</b>积水严重")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "&lt;b&gt;楼下&lt;/b&gt;积水严重" in page  # the typed text stays, as text
    assert "2单元门口" in page
    with scoped(street) as session:
        assert session.scalar(select(GridItem)) is None


def test_a_30_mb_photo_is_refused_next_to_the_field(app, make_street, make_user, scoped):
    street, client, _uid, ids = _setup(app, make_street, make_user, scoped)
    big = b"\xff\xd8\xff\xe0" + b"\0" * (30 * 1024 * 1024)
    _refused(client, street, ids, [(big, "big.jpg")], "照片不能超过 10 MB", scoped)


def test_a_renamed_exe_and_an_svg_are_refused(app, make_street, make_user, scoped):
    street, client, _uid, ids = _setup(app, make_street, make_user, scoped)
    exe = b"MZ\x90\x00" + b"\0" * 500
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    _refused(client, street, ids, [(exe, "photo.jpg")], "JPEG、PNG 或 WebP", scoped)
    _refused(client, street, ids, [(svg, "photo.svg")], "JPEG、PNG 或 WebP", scoped)
    _refused(client, street, ids, [(jpeg_with_gps(), f"{n}.jpg") for n in range(4)],
             "最多上传 3 张照片", scoped)  # fmt: skip


def test_missing_choices_are_said_next_to_their_fields(app, make_street, make_user, scoped):
    street, client, _uid, ids = _setup(app, make_street, make_user, scoped)
    response = _post(client, street.slug, ids, category="", description="  ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择事项类别" in page or "请描述问题" in page


def test_another_streets_category_grid_and_building_are_refused(app, make_street, make_user,
                                                                 scoped):  # fmt: skip
    street, client, _uid, ids = _setup(app, make_street, make_user, scoped)
    other = make_street()
    o_community, o_grid, o_building = make_place(scoped, other, "乙社区")
    o_category = make_category(scoped, other, "乙类别")
    for field, value, message in [
        ("category", o_category, "请选择事项类别"),
        ("community", o_community, "请选择所在社区"),
        ("grid", o_grid, "请选择本社区的网格"),
        ("building", o_building, "请选择本网格的楼栋"),
    ]:
        response = _post(client, street.slug, ids, **{field: value})
        assert response.status_code == 422, field
        assert message in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(GridItem)) is None


def test_the_grids_follow_the_community_chosen(app, make_street, make_user, scoped):
    street, client, _uid, ids = _setup(app, make_street, make_user, scoped)
    other_community, other_grid, _b = make_place(scoped, street, "幸福社区", "幸福一网格")
    response = client.get(f"/{street.slug}/report?community={other_community}",
                          headers={"HX-Request": "true"})  # fmt: skip
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "幸福一网格" in fragment and "第一网格" not in fragment
    # without script: the refresh button re-renders the form with the text kept
    response = client.post(f"/{street.slug}/report", data={
        "refresh": "1", "community": other_community, "description": "我写的内容"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "幸福一网格" in page and "我写的内容" in page
    # odd ids are not a 500
    assert client.get(f"/{street.slug}/report?community=²&grid=9" + "9" * 25).status_code == 200


def test_an_archived_category_is_not_offered(app, make_street, make_user, scoped):
    from saas.db import utcnow
    from tenants.grid.models import ItemCategory

    street, client, _uid, ids = _setup(app, make_street, make_user, scoped)
    make_category(scoped, street, "旧类别", hours=24)
    with scoped(street) as session:
        old = session.scalar(select(ItemCategory).where(ItemCategory.name == "旧类别"))
        old.archived_at = utcnow()
        session.commit()
    page = client.get(f"/{street.slug}/report").get_data(as_text=True)
    assert "环境卫生" in page and "旧类别" not in page
