"""People in a street: volunteers join by themselves; the admin creates and manages accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.auth.models import User
from tests.conftest import PASSWORD, both_backends, login
from tests.tenants.factories import add_community


def join(client, community_id, slug="alpha", **changes):
    data = {
        "phone": "13600000001",
        "name": "张志愿",
        "community": str(community_id) if community_id is not None else "",
        "password": "join-pass-1",
        "password_confirm": "join-pass-1",
        "agree_privacy": "y",
        **changes,
    }
    return client.post(f"/{slug}/join", data=data)


def volunteers(scoped, street) -> list[User]:
    with scoped(street) as session:
        rows = session.scalars(select(User).where(User.role == "volunteer")).all()
        session.expunge_all()
        return list(rows)


@both_backends
def test_volunteer_joins_and_is_signed_in(client, street, community, scoped):
    page = client.get("/alpha/join").get_data(as_text=True)
    assert "加入甲街道志愿服务" in page and "朝阳社区" in page
    response = join(client, community, party_member="y", phone="+86 136-0000-0001")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/inbox"
    inbox = client.get("/alpha/inbox").get_data(as_text=True)
    assert "注册成功" in inbox and "欢迎加入甲街道志愿服务" in inbox
    [user] = volunteers(scoped, street)
    assert (user.phone, user.name, user.community_id) == ("13600000001", "张志愿", community)
    assert user.is_party_member is True
    with client.session_transaction() as sess:
        assert sess.permanent  # a volunteer on their own phone stays signed in
    # the new password works for the next login
    client.post("/alpha/logout")
    assert login(client, "alpha", "13600000001", "join-pass-1").status_code == 302


def test_signed_in_people_are_sent_on_from_the_join_page(client, street, community):
    join(client, community)
    response = client.get("/alpha/join")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/inbox"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"community": ""}, "请选择所在社区"),
        ({"community": "abc"}, "请选择所在社区"),
        ({"community": "²"}, "请选择所在社区"),
        ({"community": "9" * 30}, "请选择所在社区"),
        ({"community": "123456789"}, "请选择本街道的社区"),
        ({"phone": "1360000000"}, "请输入 11 位中国大陆手机号"),
        ({"phone": ""}, "请填写手机号"),
        ({"name": ""}, "请填写姓名"),
        ({"name": "名" * 51}, "不能超过50个字"),
        ({"password": "short", "password_confirm": "short"}, "密码至少需要 8 个字符"),
        ({"password_confirm": "other-pass-1"}, "两次输入的密码不一致"),
    ],
)
def test_join_refusals(client, street, community, scoped, changes, message):
    response = join(client, community, **changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert volunteers(scoped, street) == []
    assert client.get("/alpha/inbox").status_code == 302


def test_another_streets_community_is_refused(client, street, community, make_street, scoped):
    bravo = make_street("bravo")
    theirs = add_community(scoped, bravo, "乙社区")
    response = join(client, theirs)
    assert response.status_code == 422
    assert "请选择本街道的社区" in response.get_data(as_text=True)
    assert volunteers(scoped, street) == [] and volunteers(scoped, bravo) == []


def test_an_archived_community_is_refused(client, street, community, scoped):
    archived = add_community(scoped, street, "旧社区", archived=True)
    assert "旧社区" not in client.get("/alpha/join").get_data(as_text=True)
    response = join(client, archived)
    assert response.status_code == 422
    assert "请选择本街道的社区" in response.get_data(as_text=True)


def test_the_same_phone_twice_in_one_street_is_refused(app, street, community, scoped):
    assert join(app.test_client(), community).status_code == 302
    response = join(app.test_client(), community, name="另一个人", phone="136 0000 0001")
    assert response.status_code == 422
    assert "该手机号已在本街道注册" in response.get_data(as_text=True)
    assert [u.name for u in volunteers(scoped, street)] == ["张志愿"]


def test_the_same_phone_in_another_street_is_another_account(
    app, street, community, make_street, scoped
):
    bravo = make_street("bravo")
    theirs = add_community(scoped, bravo, "乙社区")
    assert join(app.test_client(), community).status_code == 302
    assert join(app.test_client(), theirs, slug="bravo", name="乙的志愿者").status_code == 302
    assert [u.name for u in volunteers(scoped, street)] == ["张志愿"]
    assert [u.name for u in volunteers(scoped, bravo)] == ["乙的志愿者"]


def test_html_in_a_volunteers_name_is_escaped(app, street, community):
    join(app.test_client(), community, name="<b>加粗</b>")
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    body = admin.get("/alpha/people").get_data(as_text=True)
    assert "<b>加粗</b>" not in body and "&lt;b&gt;加粗&lt;/b&gt;" in body


# --- the admin's account management -----------------------------------------------------------


@pytest.fixture
def admin(app, street):
    client = app.test_client()
    login(client, "alpha", street.admin_phone)
    return client


def new_account(client, **changes):
    data = {
        "name": "社区工作人员甲",
        "phone": "13500000001",
        "role": "staff",
        "community": "",
        "email": "",
        "password": "staff-pass-1",
        **changes,
    }
    return client.post("/alpha/people/new", data=data)


@both_backends
def test_admin_creates_staff_and_org_accounts(app, admin, street, community, scoped):
    assert "新建账号" in admin.get("/alpha/people/new").get_data(as_text=True)
    response = new_account(admin, community=str(community), email="staff@example.cn")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/people"
    assert "已创建账号：社区工作人员甲" in admin.get("/alpha/people").get_data(as_text=True)
    response = new_account(admin, name="共建单位乙", phone="13500000002", role="org")
    assert response.status_code == 302
    with scoped(street) as session:
        accounts = {u.name: u for u in session.scalars(select(User))}
        staff = accounts["社区工作人员甲"]
        assert (staff.role, staff.community_id, staff.email) == (
            "staff",
            community,
            "staff@example.cn",
        )
        assert accounts["共建单位乙"].role == "org"
        created = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.target != "")
        ).all()
        assert {e.actor_id for e in created if e.target != f"user:{street.admin_id}"} == {
            street.admin_id
        }
    staff_client = app.test_client()
    assert login(staff_client, "alpha", "13500000001", "staff-pass-1").status_code == 302
    # an account someone else made: its first login asks for the street's privacy notice first
    first = staff_client.get("/alpha/dashboard")
    assert first.status_code == 302 and first.headers["Location"].startswith("/alpha/privacy/agree")
    assert staff_client.post("/alpha/privacy/agree", data={"version": "1"}).status_code == 302
    assert staff_client.get("/alpha/dashboard").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phone": "13800000001"}, "该手机号已在本街道注册"),  # the admin's own phone
        ({"phone": "123"}, "请输入 11 位中国大陆手机号"),
        ({"name": " "}, "请填写姓名"),
        ({"password": "short"}, "密码至少需要 8 个字符"),
        ({"email": "not-an-email"}, "邮箱格式不正确"),
        ({"role": "volunteer"}, "请选择角色"),
        ({"role": "operator"}, "请选择角色"),
        ({"community": "123456789"}, "请选择本街道的社区"),
    ],
)
def test_account_form_refusals(admin, street, community, scoped, changes, message):
    response = new_account(admin, **changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(User).where(User.role != "admin")) is None


def test_staff_cannot_create_or_manage_accounts(app, street, make_user, scoped):
    staff_id, staff_phone = make_user(street, "staff")
    volunteer_id, _ = make_user(street, "volunteer")
    client = app.test_client()
    login(client, "alpha", staff_phone)
    assert client.get("/alpha/people/new").status_code == 403
    assert new_account(client).status_code == 403
    assert client.post(f"/alpha/people/{volunteer_id}/disable").status_code == 403
    assert client.post(f"/alpha/people/{staff_id}/role", data={"role": "admin"}).status_code == 403
    list_page = client.get("/alpha/people").get_data(as_text=True)
    assert "新建账号" not in list_page and "停用" not in list_page
    with scoped(street) as session:
        assert session.scalar(select(User.role).where(User.id == staff_id)) == "staff"
        assert session.scalar(select(User.is_enabled).where(User.id == volunteer_id)) is True


def test_volunteers_cannot_see_the_accounts_list(app, street, make_user):
    _, phone = make_user(street, "volunteer")
    client = app.test_client()
    login(client, "alpha", phone)
    assert client.get("/alpha/people").status_code == 403


@both_backends
def test_role_change_and_disable_are_in_the_audit_log(admin, street, make_user, scoped):
    user_id, _ = make_user(street, "staff")
    response = admin.post(f"/alpha/people/{user_id}/role", data={"role": "org"})
    assert response.status_code == 302
    assert "已保存" in admin.get("/alpha/people").get_data(as_text=True)
    admin.post(f"/alpha/people/{user_id}/disable")
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        assert (user.role, user.is_enabled) == ("org", False)
        entries = {
            e.action: e
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.target == f"user:{user_id}")
            )
        }
    assert entries["user.role"].detail == {"from": "staff", "to": "org"}
    assert entries["user.role"].actor_id == street.admin_id
    assert entries["user.disable"].actor_id == street.admin_id
    audit = admin.get("/alpha/audit").get_data(as_text=True)
    assert "变更角色" in audit and "停用账号" in audit
    page = admin.get("/alpha/people").get_data(as_text=True)
    row = page.split(f'id="user-{user_id}"')[1].split("</tr>")[0]
    assert "已停用" in row and "单位账号" in row


def test_the_admin_picks_a_role_on_the_list(admin, street, make_user):
    user_id, _ = make_user(street, "staff")
    page = admin.get("/alpha/people").get_data(as_text=True)
    row = page.split(f'id="user-{user_id}"')[1].split("</tr>")[0]
    assert f'action="/alpha/people/{user_id}/role"' in row and 'name="role"' in row


def test_admin_cannot_disable_or_demote_themselves(admin, street, scoped):
    admin.post(f"/alpha/people/{street.admin_id}/disable")
    assert "不能停用自己的账号" in admin.get("/alpha/people").get_data(as_text=True)
    admin.post(f"/alpha/people/{street.admin_id}/role", data={"role": "staff"})
    assert "不能变更自己的角色" in admin.get("/alpha/people").get_data(as_text=True)
    with scoped(street) as session:
        me = session.scalar(select(User).where(User.id == street.admin_id))
        assert (me.role, me.is_enabled) == ("admin", True)


def test_unknown_actions_and_roles_are_refused(admin, street, make_user):
    user_id, _ = make_user(street, "staff")
    assert admin.post(f"/alpha/people/{user_id}/delete").status_code == 400
    assert admin.post(f"/alpha/people/{user_id}/role", data={"role": "operator"}).status_code == 400
    assert admin.post("/alpha/people/123456789/disable").status_code == 404


@both_backends
def test_phones_are_masked_for_staff_but_not_for_the_admin(app, admin, street, make_user):
    _, staff_phone = make_user(street, "staff", phone="13800000099")
    make_user(street, "volunteer", phone="13812340001", name="志愿者")
    admin_page = admin.get("/alpha/people").get_data(as_text=True)
    assert "13812340001" in admin_page and "13800000099" in admin_page

    staff = app.test_client()
    login(staff, "alpha", staff_phone)
    staff_page = staff.get("/alpha/people").get_data(as_text=True)
    assert "138****0001" in staff_page and "13812340001" not in staff_page
    assert "13800000001" not in staff_page  # nor the admin's
    htmx = staff.get("/alpha/people?q=志愿", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "138****0001" in htmx and "13812340001" not in htmx


def test_staff_cannot_find_out_a_phone_number_by_searching(app, street, make_user):
    _, staff_phone = make_user(street, "staff")
    make_user(street, "volunteer", phone="13812340001", name="志愿者")
    staff = app.test_client()
    login(staff, "alpha", staff_phone)
    page = staff.get("/alpha/people?q=13812340001").get_data(as_text=True)
    assert "志愿者" not in page.split('id="people-rows"')[1]
    assert "志愿者" in staff.get("/alpha/people?q=志愿").get_data(as_text=True)


def test_list_filters_by_role_and_search(admin, street, make_user):
    make_user(street, "staff", name="工作人员甲", phone="13700000001")
    make_user(street, "volunteer", name="志愿者乙", phone="13700000002")
    page = admin.get("/alpha/people?role=volunteer").get_data(as_text=True)
    rows = page.split('id="people-rows"')[1]
    assert "志愿者乙" in rows and "工作人员甲" not in rows
    rows = admin.get("/alpha/people?q=甲").get_data(as_text=True).split('id="people-rows"')[1]
    assert "工作人员甲" in rows and "志愿者乙" not in rows
    rows = admin.get("/alpha/people?q=0002").get_data(as_text=True).split('id="people-rows"')[1]
    assert "志愿者乙" in rows and "工作人员甲" not in rows
    assert "共 1 人" in rows


def test_the_new_account_form_for_a_staff_limited_to_a_community(admin, street, community):
    page = admin.get("/alpha/people/new").get_data(as_text=True)
    assert "朝阳社区" in page and "不限" in page
    assert PASSWORD not in page


@both_backends
def test_searching_odd_characters_is_not_an_error(admin, street, make_user):
    make_user(street, "volunteer", name="100%志愿者")
    for query in ("\\", "%", "_", "100%", "a\\b", "'", '"', "<b>", "志愿者\\"):
        response = admin.get("/alpha/people", query_string={"q": query})
        assert response.status_code == 200, query
    rows = admin.get("/alpha/people", query_string={"q": "100%"}).get_data(as_text=True)
    assert "100%志愿者" in rows.split('id="people-rows"')[1]


def test_staff_limited_to_a_community_see_only_its_people(
    app, street, community, make_user, scoped
):
    other = add_community(scoped, street, "清泉社区")
    _, staff_phone = make_user(street, "staff", community_id=community)
    make_user(street, "volunteer", name="朝阳的志愿者", community_id=community)
    make_user(street, "volunteer", name="清泉的志愿者", community_id=other)
    staff = app.test_client()
    login(staff, "alpha", staff_phone)
    rows = staff.get("/alpha/people").get_data(as_text=True).split('id="people-rows"')[1]
    assert "朝阳的志愿者" in rows and "清泉的志愿者" not in rows


@both_backends
def test_the_list_counts_every_matching_account(admin, street, make_user):
    for n in range(3):
        make_user(street, "volunteer", name=f"志愿者{n}")
    rows = admin.get("/alpha/people").get_data(as_text=True).split('id="people-rows"')[1]
    assert "共 4 人" in rows  # the admin and three volunteers
    rows = admin.get("/alpha/people?role=volunteer").get_data(as_text=True)
    assert "共 3 人" in rows.split('id="people-rows"')[1]
