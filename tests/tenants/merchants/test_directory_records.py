"""The office's business circles and merchants: forms and their bad input, the list, its filters
and export, who sees which merchant and which phone, the audit log."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from saas.audit.models import AuditEntry
from tenants.merchants.models import Circle, Merchant
from tenants.orgs.models import Organisation, OrgKind
from tests.conftest import both_backends
from tests.tenants.alliance.factories import make_unit
from tests.tenants.factories import add_community, assert_statements_do_not_grow, signed_in

VALID_CODE = "91110000600037341L"
CONTACT = "13912345678"
PLEDGE = "明码标价，不卖过期商品；为老人免费送货上门。"


def make_circle(scoped, street, name: str = "建设路商圈", **kw) -> int:
    with scoped(street) as session:
        circle = Circle(name=name, **kw)
        session.add(circle)
        session.commit()
        return circle.id


def make_merchant(scoped, street, name: str = "阳光便利店", circle_id=None, **kw) -> int:
    """A merchant's organisation record and profile; ``kw`` goes to the profile, except the
    organisation's ``contact_phone``, ``community_id`` and ``address``."""
    org_kw = {k: kw.pop(k) for k in ("contact_phone", "community_id", "address") if k in kw}
    with scoped(street) as session:
        organisation = Organisation(kind=OrgKind.merchant, name=name, contact_name="店长", **org_kw)
        session.add(organisation)
        session.flush()
        session.add(Merchant(organisation_id=organisation.id, circle_id=circle_id,
                             category=kw.pop("category", "grocery"), **kw))  # fmt: skip
        session.commit()
        return organisation.id


def _form(**kw) -> dict:
    return {
        "name": "阳光便利店",
        "category": "grocery",
        "circle": "",
        "community": "",
        "address": "建设路 20 号",
        "opening_hours": "每天 7:00–23:00",
        "status": "open",
        "contact_name": "周店长",
        "contact_phone": CONTACT,
        "is_model": "y",
        "pledge": PLEDGE,
        "credit_code": "",
        "tags": "日用百货, 代收快递",
        **kw,
    }


def _merchants(scoped, street):
    with scoped(street) as session:
        rows = session.execute(
            select(Organisation, Merchant).join(
                Merchant, Merchant.organisation_id == Organisation.id
            )
        ).all()
        session.expunge_all()
        return [tuple(r) for r in rows]


# --- circles ----------------------------------------------------------------------------------


def test_the_office_registers_and_edits_a_circle(admin, street, scoped, community):
    response = admin.post(
        "/alpha/merchants/circles/new",
        data={
            "name": " 建设路商圈 ",
            "area": "建设路东段",
            "community": str(community),
            "member_day": "３１",
        },  # fmt: skip
    )
    assert response.status_code == 302
    with scoped(street) as session:
        circle = session.scalar(select(Circle))
        assert (circle.name, circle.member_day, circle.community_id) == (
            "建设路商圈",
            31,
            community,
        )
        circle_id = circle.id
    page = admin.get("/alpha/merchants/circles").get_data(as_text=True)
    assert "建设路商圈" in page and "每月 31 日" in page
    form = admin.get(f"/alpha/merchants/circles/{circle_id}/edit").get_data(as_text=True)
    assert "最后一天" in form  # the hint: a day past a month's end is its last day
    response = admin.post(
        f"/alpha/merchants/circles/{circle_id}/edit",
        data={"name": "建设路商圈", "area": "建设路全段", "community": "", "member_day": ""},
    )
    assert response.status_code == 302
    with scoped(street) as session:
        circle = session.scalar(select(Circle).where(Circle.id == circle_id))
        assert circle.member_day == 27 and circle.community_id is None
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["merchants.circle_create", "merchants.circle_update"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "请填写商圈名称"),
        ({"name": "   "}, "请填写商圈名称"),
        ({"name": "圈" * 61}, "不能超过 60 个字"),
        ({"member_day": "0"}, "1 到 31"),
        ({"member_day": "32"}, "1 到 31"),
        ({"member_day": "²"}, "1 到 31"),
        ({"member_day": "9" * 25}, "1 到 31"),
        ({"community": "999999"}, "请选择本街道的社区"),
        ({"area": "<b>" * 100}, "不能超过 200 个字"),
    ],
)
def test_bad_circles_are_refused_with_what_was_typed(admin, scoped, street, data, message):
    form = {"name": "建设路商圈", "area": "<i>东段</i>", "community": "", "member_day": "27",
            **data}  # fmt: skip
    response = admin.post("/alpha/merchants/circles/new", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert "&lt;i&gt;东段&lt;/i&gt;" in body or "area" in data  # kept, and escaped
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Circle)) == 0


def test_a_duplicate_circle_name_is_refused(admin, scoped, street):
    make_circle(scoped, street, "建设路商圈")
    response = admin.post("/alpha/merchants/circles/new",
                          data={"name": "建设路商圈", "member_day": "27"})  # fmt: skip
    assert response.status_code == 422 and "已有同名的商圈" in response.get_data(as_text=True)


# --- merchants: the form ----------------------------------------------------------------------


@both_backends
def test_the_office_registers_a_model_merchant_and_the_log_names_it(admin, street, scoped):
    circle = make_circle(scoped, street)
    response = admin.post(
        "/alpha/merchants/records/new",
        data=_form(circle=str(circle), credit_code=" 91110000600037341l "),
    )
    assert response.status_code == 302
    [(organisation, profile)] = _merchants(scoped, street)
    assert organisation.kind == "merchant" and organisation.credit_code == VALID_CODE
    assert organisation.tags == "日用百货、代收快递"
    assert profile.is_model and profile.pledge == PLEDGE and profile.circle_id == circle
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "阳光便利店" in page and CONTACT in page and PLEDGE in page
    log = admin.get("/alpha/audit").get_data(as_text=True)
    assert "登记商户" in log and "阳光便利店" in log


def test_a_pledge_of_100000_characters_is_refused_and_nothing_else_is_lost(admin, scoped, street):
    response = admin.post(
        "/alpha/merchants/records/new", data=_form(pledge="诚" * 100_000, name="老街坊面馆")
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "承诺不能超过 500 个字" in body
    assert 'value="老街坊面馆"' in body and 'value="建设路 20 号"' in body
    assert "每天 7:00–23:00" in body and CONTACT in body
    assert _merchants(scoped, street) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "请填写店名"),
        ({"name": "店" * 101}, "不能超过 100 个字"),
        ({"category": ""}, "请选择行业类别"),
        ({"category": "casino"}, "请选择行业类别"),
        ({"status": "closed"}, "请选择经营状态"),
        ({"pledge": ""}, "党员示范商户须填写公开承诺"),
        ({"pledge": "诺" * 501}, "承诺不能超过 500 个字"),
        ({"credit_code": "91110000600037341X"}, "统一社会信用代码不正确"),
        ({"credit_code": "ABC"}, "统一社会信用代码不正确"),
        ({"contact_phone": "12345"}, "手机号"),
        ({"circle": "999999"}, "请选择本街道的商圈"),
        ({"community": "999999"}, "请选择本街道的社区"),
        ({"tags": "一、二、三、四、五、六、七、八、九、十、十一"}, "标签最多"),
    ],
)
def test_bad_merchants_are_refused_with_what_was_typed(admin, scoped, street, data, message):
    response = admin.post(
        "/alpha/merchants/records/new", data=_form(address="<script>x</script>", **data)
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x" not in body
    assert _merchants(scoped, street) == []


def test_html_is_kept_as_text_and_shown_escaped(admin, scoped, street, client):
    response = admin.post("/alpha/merchants/records/new",
                          data=_form(name="<b>粗体</b>店", pledge="<script>alert(1)</script>"))  # fmt: skip
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;粗体&lt;/b&gt;店" in page and "<script>alert" not in page
    public = client.get("/alpha/merchants").get_data(as_text=True)
    assert "&lt;b&gt;粗体&lt;/b&gt;店" in public


def test_a_duplicate_name_or_credit_code_is_refused(admin, scoped, street):
    make_merchant(scoped, street, "阳光便利店")
    make_unit(scoped, street, "星海科技有限公司", credit_code=VALID_CODE)
    response = admin.post("/alpha/merchants/records/new", data=_form())
    assert response.status_code == 422 and "已有同名的商户" in response.get_data(as_text=True)
    response = admin.post("/alpha/merchants/records/new",
                          data=_form(name="新店", credit_code=VALID_CODE))  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "星海科技有限公司" in body
    # an alliance unit may share a merchant's name: names are unique per kind
    make_unit(scoped, street, "老街坊面馆")
    assert admin.post("/alpha/merchants/records/new",
                      data=_form(name="老街坊面馆")).status_code == 302  # fmt: skip


def test_editing_keeps_the_profile_and_logs_the_fields(admin, scoped, street):
    merchant = make_merchant(scoped, street, "老街坊面馆", category="food")
    form = admin.get(f"/alpha/merchants/records/{merchant}/edit").get_data(as_text=True)
    assert 'value="老街坊面馆"' in form
    response = admin.post(
        f"/alpha/merchants/records/{merchant}/edit",
        data=_form(name="老街坊面馆", category="food", is_model="", pledge="", status="paused"),
    )
    assert response.status_code == 302
    [(organisation, profile)] = _merchants(scoped, street)
    assert profile.status == "paused" and not profile.is_model
    with scoped(street) as session:
        entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert entry.action == "merchants.merchant_update" and "status" in entry.detail["fields"]


def test_a_record_without_profile_gets_one_when_edited(admin, scoped, street):
    organisation = make_unit(scoped, street, "无档案商户", kind=OrgKind.merchant)
    assert admin.get(f"/alpha/merchants/records/{organisation}").status_code == 200
    response = admin.post(f"/alpha/merchants/records/{organisation}/edit",
                          data=_form(name="无档案商户", is_model=""))  # fmt: skip
    assert response.status_code == 302
    assert [p.category for _o, p in _merchants(scoped, street)] == ["grocery"]


def test_an_alliance_unit_is_not_a_merchant(admin, scoped, street):
    unit = make_unit(scoped, street, "星海科技有限公司")
    assert admin.get(f"/alpha/merchants/records/{unit}").status_code == 404
    assert admin.get(f"/alpha/merchants/{unit}").status_code == 404


# --- the list, masking, community-limited staff ----------------------------------------------


def test_the_list_filters_and_masks_phones_for_staff(app, admin, scoped, street, make_user):
    east = make_circle(scoped, street, "建设路商圈")
    west = make_circle(scoped, street, "清泉里商圈")
    make_merchant(scoped, street, "阳光便利店", east, is_model=True, pledge=PLEDGE,
                  contact_phone=CONTACT)  # fmt: skip
    make_merchant(scoped, street, "老街坊面馆", east, category="food")
    make_merchant(scoped, street, "清泉早点铺", west, category="food", status="paused")
    page = admin.get(f"/alpha/merchants/records?circle={east}").get_data(as_text=True)
    assert "阳光便利店" in page and "老街坊面馆" in page and "清泉早点铺" not in page
    assert CONTACT in page
    page = admin.get("/alpha/merchants/records?model=1").get_data(as_text=True)
    assert "阳光便利店" in page and "老街坊面馆" not in page
    page = admin.get("/alpha/merchants/records?category=food&status=paused").get_data(as_text=True)
    assert "清泉早点铺" in page and "老街坊面馆" not in page
    page = admin.get("/alpha/merchants/records?q=早点").get_data(as_text=True)
    assert "清泉早点铺" in page and "阳光便利店" not in page
    _sid, phone = make_user(street, "staff")
    staff = signed_in(app, "alpha", phone)
    page = staff.get("/alpha/merchants/records").get_data(as_text=True)
    assert "139****5678" in page and CONTACT not in page
    merchant = [o.id for o, _p in _merchants(scoped, street) if o.name == "阳光便利店"][0]
    detail = staff.get(f"/alpha/merchants/records/{merchant}").get_data(as_text=True)
    assert "139****5678" in detail and CONTACT not in detail  # the invite form too
    edit = staff.get(f"/alpha/merchants/records/{merchant}/edit")
    assert edit.status_code == 200


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_the_export_follows_the_filters_and_masks_for_staff(
    app, admin, scoped, street, make_user, who
):
    circle = make_circle(scoped, street)
    make_merchant(scoped, street, "阳光便利店", circle, is_model=True, pledge=PLEDGE,
                  contact_phone=CONTACT)  # fmt: skip
    make_merchant(scoped, street, "百姓平价超市", None)
    client = admin
    if who == "staff":
        _sid, phone = make_user(street, "staff")
        client = signed_in(app, "alpha", phone)
    response = client.get(f"/alpha/merchants/records/export.xlsx?circle={circle}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "店名" and len(rows) == 2
    assert rows[1][0] == "阳光便利店" and PLEDGE in rows[1]
    assert (CONTACT in rows[1]) == (who == "admin")
    assert ("139****5678" in rows[1]) == (who == "staff")


def test_community_staff_see_and_register_their_communitys_merchants(
    app, scoped, street, make_user
):
    mine = add_community(scoped, street, "朝阳社区")
    other = add_community(scoped, street, "清泉社区")
    make_merchant(scoped, street, "本社区店", community_id=mine)
    theirs = make_merchant(scoped, street, "外社区店", community_id=other)
    _sid, phone = make_user(street, "staff", community_id=mine)
    staff = signed_in(app, "alpha", phone)
    page = staff.get("/alpha/merchants/records").get_data(as_text=True)
    assert "本社区店" in page and "外社区店" not in page
    assert staff.get(f"/alpha/merchants/records/{theirs}").status_code == 404
    assert staff.get(f"/alpha/merchants/records/{theirs}/edit").status_code == 404
    assert staff.post(f"/alpha/merchants/records/{theirs}/invite",
                      data={"name": "甲", "phone": "13912340000"}).status_code == 404  # fmt: skip
    response = staff.post("/alpha/merchants/records/new",
                          data=_form(name="新开店", community=str(other)))  # fmt: skip
    assert response.status_code == 422 and "只能登记本社区的商户" in response.get_data(as_text=True)
    response = staff.post("/alpha/merchants/records/new", data=_form(name="新开店", community=""))
    assert response.status_code == 302
    with scoped(street) as session:
        community = session.scalar(
            select(Organisation.community_id).where(Organisation.name == "新开店")
        )
        assert community == mine
    circle = make_circle(scoped, street, "外社区商圈", community_id=other)
    assert staff.get(f"/alpha/merchants/circles/{circle}/edit").status_code == 404
    assert "外社区商圈" not in staff.get("/alpha/merchants/circles").get_data(as_text=True)


def test_volunteers_and_visitors_cannot_open_the_office_pages(app, client, scoped, street,
                                                              make_user):  # fmt: skip
    merchant = make_merchant(scoped, street)
    _uid, phone = make_user(street, "volunteer")
    volunteer = signed_in(app, "alpha", phone)
    for url in ("/alpha/merchants/records", "/alpha/merchants/circles",
                f"/alpha/merchants/records/{merchant}", "/alpha/merchants/records/export.xlsx"):  # fmt: skip
        assert volunteer.get(url).status_code == 403
        assert client.get(url).status_code == 302  # to the login page


def test_odd_query_strings_are_not_errors(admin, scoped, street):
    make_merchant(scoped, street)
    for query in ("circle=²", "circle=" + "9" * 25, "page=²", "page=" + "9" * 25,
                  "status=²", "model=²", "q=%25_"):  # fmt: skip
        assert admin.get(f"/alpha/merchants/records?{query}").status_code == 200, query
        assert admin.get(f"/alpha/merchants/records/export.xlsx?{query}").status_code == 200


def test_the_list_runs_the_same_statements_at_1x_and_10x(app, admin, scoped, street):
    circle = make_circle(scoped, street)
    made = [0]

    def grow(n: int) -> None:
        while made[0] < n:
            made[0] += 1
            make_merchant(scoped, street, f"商户{made[0]:03d}", circle, contact_phone=CONTACT)

    assert_statements_do_not_grow(app, admin, "/alpha/merchants/records", grow, 20, 12)
    assert_statements_do_not_grow(app, admin, "/alpha/merchants/circles", grow, 30, 12)
