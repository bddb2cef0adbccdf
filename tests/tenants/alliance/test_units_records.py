"""The office's alliance units: creating and editing a record, the list, its filters and export,
who sees which unit and which phone."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from saas.audit.models import AuditEntry
from tenants.orgs.models import Organisation, OrgKind
from tests.conftest import both_backends
from tests.tenants.alliance.factories import add_agreement, make_unit, unit_with_account
from tests.tenants.factories import add_community, assert_statements_do_not_grow, signed_in

VALID_CODE = "91110000600037341L"
CONTACT = "13912345678"


def _form(**kw) -> dict:
    return {
        "name": "星海科技有限公司",
        "org_type": "private",
        "credit_code": "",
        "party_org": "中共星海科技有限公司支部委员会",
        "party_members": "18",
        "contact_name": "顾明轩",
        "contact_phone": CONTACT,
        "address": "建设路 100 号",
        "community": "",
        "tags": "技能培训, 志愿服务",
        **kw,
    }


def _units(scoped, street) -> list[Organisation]:
    with scoped(street) as session:
        units = session.scalars(
            select(Organisation).where(Organisation.kind == OrgKind.alliance)
        ).all()
        session.expunge_all()
        return list(units)


@both_backends
def test_the_admin_registers_a_unit_and_the_log_names_it(admin, street, scoped):
    response = admin.post(
        "/alpha/alliance/units/new", data=_form(credit_code=" 91110000600037341l ")
    )
    assert response.status_code == 302
    [unit] = _units(scoped, street)
    assert unit.credit_code == VALID_CODE  # normalised to upper case
    assert unit.tags == "技能培训、志愿服务"
    assert unit.party_members == 18 and unit.contact_phone == CONTACT
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "星海科技有限公司" in page and CONTACT in page
    with scoped(street) as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "alliance.unit_create")
        )
        assert entry.target == f"alliance_unit:{unit.id}"
    log = admin.get("/alpha/audit").get_data(as_text=True)
    assert "登记共建单位" in log and f"/alpha/alliance/units/{unit.id}" in log


@both_backends
def test_a_duplicate_name_is_refused_with_the_input_kept(admin, street, scoped):
    make_unit(scoped, street, "星海科技有限公司")
    response = admin.post("/alpha/alliance/units/new", data=_form(address="留在表单里的地址"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "已有同名的共建单位" in page and "留在表单里的地址" in page
    assert len(_units(scoped, street)) == 1


def test_a_merchant_of_the_same_name_is_no_duplicate(admin, street, scoped):
    make_unit(scoped, street, "星海科技有限公司", kind=OrgKind.merchant)
    assert admin.post("/alpha/alliance/units/new", data=_form()).status_code == 302


def test_renaming_onto_another_unit_is_refused(admin, street, scoped):
    make_unit(scoped, street, "星海科技有限公司")
    other = make_unit(scoped, street, "汇通物流有限公司")
    response = admin.post(f"/alpha/alliance/units/{other}/edit", data=_form())
    assert response.status_code == 422 and "已有同名的共建单位" in response.get_data(as_text=True)


def test_two_saves_racing_on_one_name_end_in_a_message_not_a_500(app, street, scoped, monkeypatch):
    """The second save passed the check before the first committed: the constraint decides."""
    from saas.auth.models import User
    from tenants.alliance import units

    make_unit(scoped, street, "星海科技有限公司")
    monkeypatch.setattr(units, "_check_unique", lambda *a, **k: None)
    with scoped(street) as session:
        actor = session.scalar(select(User).where(User.id == street.admin_id))
        with pytest.raises(units.ServiceError) as refused:
            units.save_unit(session, actor, units.UnitInput(name="星海科技有限公司",
                                                            org_type="private"))  # fmt: skip
        assert "已有同名的共建单位" in refused.value.message


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341X",  # wrong check character
        "9111000060003734",  # too short
        "91110000600037341LL",  # too long
        "<script>alert(1)</script>",
    ],
)
def test_a_malformed_credit_code_is_refused(admin, street, scoped, code):
    response = admin.post("/alpha/alliance/units/new", data=_form(credit_code=code))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "统一社会信用代码不正确" in page
    assert "<script>alert(1)</script>" not in page
    assert _units(scoped, street) == []


def test_a_credit_code_names_one_organisation_of_the_street(admin, street, scoped):
    make_unit(scoped, street, "老街面馆", kind=OrgKind.merchant, credit_code=VALID_CODE)
    response = admin.post("/alpha/alliance/units/new", data=_form(credit_code=VALID_CODE))
    assert response.status_code == 422 and "老街面馆" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "请填写单位名称"),
        ("name", "名" * 101, "不能超过 100 个字"),
        ("org_type", "spaceship", "请选择单位类型"),
        ("party_members", "-1", "党员人数应为 0 到 100000"),
        ("party_members", "100001", "党员人数应为 0 到 100000"),
        ("party_members", "十", "党员人数应为 0 到 100000"),
        ("contact_phone", "12345", "请输入 11 位中国大陆手机号"),
        ("community", "999999", "请选择本街道的社区"),
        ("tags", "、".join(f"标签{i}" for i in range(11)), "标签最多 10 个"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(admin, street, scoped, field, value, message):
    response = admin.post("/alpha/alliance/units/new", data=_form(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _units(scoped, street) == []


def test_html_in_a_name_is_shown_as_text(admin, street, scoped):
    hostile = "<img src=x onerror=alert(1)>单位"
    assert admin.post("/alpha/alliance/units/new", data=_form(name=hostile)).status_code == 302
    [unit] = _units(scoped, street)
    for url in ("/alpha/alliance/units", f"/alpha/alliance/units/{unit.id}"):
        page = admin.get(url).get_data(as_text=True)
        assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;单位" in page


# --- who sees what ------------------------------------------------------------------------------


@pytest.fixture
def two_communities(scoped, street):
    return add_community(scoped, street, "朝阳社区"), add_community(scoped, street, "清泉社区")


def test_community_staff_see_and_edit_only_their_communitys_units(
    app, street, scoped, make_user, two_communities
):
    mine, other = two_communities
    own = make_unit(scoped, street, "朝阳单位", community_id=mine, contact_phone=CONTACT)
    foreign = make_unit(scoped, street, "清泉单位", community_id=other)
    _uid, phone = make_user(street, "staff", community_id=mine)
    staff = signed_in(app, "alpha", phone)
    listing = staff.get("/alpha/alliance/units").get_data(as_text=True)
    assert "朝阳单位" in listing and "清泉单位" not in listing
    assert staff.get(f"/alpha/alliance/units/{own}").status_code == 200
    for url in (f"/alpha/alliance/units/{foreign}", f"/alpha/alliance/units/{foreign}/edit"):
        assert staff.get(url).status_code == 404
    assert staff.post(f"/alpha/alliance/units/{foreign}/edit", data=_form()).status_code == 404
    # a unit they register is their community's, whatever the form says
    response = staff.post(
        "/alpha/alliance/units/new", data=_form(name="新单位", community=str(other))
    )
    assert response.status_code == 422 and "只能登记本社区的共建单位" in response.get_data(
        as_text=True
    )
    assert staff.post("/alpha/alliance/units/new", data=_form(name="新单位")).status_code == 302
    assert {u.name: u.community_id for u in _units(scoped, street)}["新单位"] == mine


def test_phones_are_whole_for_the_admin_only(app, admin, street, scoped, make_user, community):
    unit = make_unit(scoped, street, "星海科技有限公司", community_id=community,
                     contact_phone=CONTACT)  # fmt: skip
    _uid, phone = make_user(street, "staff")
    staff = signed_in(app, "alpha", phone)
    masked = "139****5678"
    for url in ("/alpha/alliance/units", f"/alpha/alliance/units/{unit}"):
        assert CONTACT in admin.get(url).get_data(as_text=True)
        page = staff.get(url).get_data(as_text=True)
        assert CONTACT not in page and masked in page
    assert CONTACT in _export_cells(admin)
    cells = _export_cells(staff)
    assert CONTACT not in cells and masked in cells


def _export_cells(client, query: str = "") -> list:
    response = client.get("/alpha/alliance/units/export.xlsx" + query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row]


def test_the_list_filters_and_its_export_keeps_them(admin, street, scoped, community):
    active = make_unit(scoped, street, "生效单位", org_type="private", community_id=community)
    add_agreement(scoped, street, active, ends_in_days=200)
    expiring = make_unit(scoped, street, "将到期单位", org_type="state_owned")
    add_agreement(scoped, street, expiring, ends_in_days=10)
    expired = make_unit(scoped, street, "已到期单位", org_type="private")
    add_agreement(scoped, street, expired, ends_in_days=-3)
    make_unit(scoped, street, "未签单位", org_type="social")

    def names(query: str) -> set[str]:
        page = admin.get("/alpha/alliance/units" + query).get_data(as_text=True)
        return {n for n in ("生效单位", "将到期单位", "已到期单位", "未签单位") if n in page}

    assert names("") == {"生效单位", "将到期单位", "已到期单位", "未签单位"}
    assert names("?status=active") == {"生效单位"}
    assert names("?status=expiring") == {"将到期单位"}
    assert names("?status=expired") == {"已到期单位"}
    assert names("?status=none") == {"未签单位"}
    assert names("?type=private") == {"生效单位", "已到期单位"}
    assert names(f"?community={community}") == {"生效单位"}
    assert names("?community=street") == {"将到期单位", "已到期单位", "未签单位"}
    assert names("?q=到期") == {"将到期单位", "已到期单位"}
    assert names("?q=%25") == {"生效单位", "将到期单位", "已到期单位", "未签单位"}
    cells = _export_cells(admin, "?status=expiring")
    assert "将到期单位" in cells and "生效单位" not in cells and "即将到期" in cells


def test_a_renewed_unit_takes_the_status_of_its_agreement_ending_last(admin, street, scoped):
    unit = make_unit(scoped, street, "续签单位")
    add_agreement(scoped, street, unit, ends_in_days=-400)
    add_agreement(scoped, street, unit, ends_in_days=5)
    add_agreement(scoped, street, unit, ends_in_days=300)
    page = admin.get("/alpha/alliance/units?status=active").get_data(as_text=True)
    assert "续签单位" in page
    assert "续签单位" not in admin.get("/alpha/alliance/units?status=expiring").get_data(
        as_text=True
    )


def test_a_volunteer_or_a_unit_cannot_open_the_office_pages(app, street, scoped, make_user):
    unit, _uid, phone = unit_with_account(scoped, street, make_user)
    _vid, vphone = make_user(street, "volunteer")
    for who in (phone, vphone):
        client = signed_in(app, "alpha", who)
        for url in ("/alpha/alliance/units", f"/alpha/alliance/units/{unit}",
                    "/alpha/alliance/units/export.xlsx", "/alpha/alliance/units/new"):  # fmt: skip
            assert client.get(url).status_code == 403


def test_another_streets_unit_is_not_found(app, make_street, street, scoped):
    beta = make_street("beta")
    theirs = make_unit(scoped, beta, "乙街道单位")
    admin = signed_in(app, "alpha", street.admin_phone)
    for url in (f"/alpha/alliance/units/{theirs}", f"/alpha/alliance/units/{theirs}/edit"):
        assert admin.get(url).status_code == 404
    assert admin.post(f"/alpha/alliance/units/{theirs}/edit", data=_form()).status_code == 404


@both_backends
def test_the_list_runs_the_same_statements_at_1x_and_10x(app, admin, street, scoped, community):
    made = {"n": 0}

    def grow(n: int) -> None:
        while made["n"] < n:
            made["n"] += 1
            unit = make_unit(scoped, street, f"单位{made['n']:03d}", community_id=community,
                             org_type="private", contact_phone=CONTACT)  # fmt: skip
            add_agreement(scoped, street, unit, ends_in_days=made["n"] * 7 - 20)

    assert_statements_do_not_grow(app, admin, "/alpha/alliance/units", grow, 20, 8)


@both_backends
def test_a_units_page_runs_the_same_statements_whatever_its_history(
    app, admin, street, scoped, make_user
):
    from tenants.events.models import Registration
    from tests.tenants.factories import make_event

    unit, user_id, _phone = unit_with_account(scoped, street, make_user)
    made = {"n": 0}

    def grow(n: int) -> None:
        while made["n"] < n:
            made["n"] += 1
            add_agreement(scoped, street, unit, ends_in_days=made["n"] * 30)
            event = make_event(scoped, street, title=f"共建活动{made['n']}", audience="alliance")
            with scoped(street) as session:
                session.add(Registration(event_id=event, user_id=user_id, headcount=3))
                session.commit()

    assert_statements_do_not_grow(app, admin, f"/alpha/alliance/units/{unit}", grow, 10, 14)
