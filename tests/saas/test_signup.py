"""Self-serve sign-up at /signup: a street and its first admin, or a clear refusal and nothing."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from saas.auth.models import User
from saas.streets.models import Tenant
from tests.conftest import both_backends, pg_only

GOOD = {
    "street_name": "示范街道",
    "slug": "shifan",
    "district": "示范区",
    "admin_name": "王晓明",
    "phone": "13912345678",
    "password": "good-pass-1",
    "password_confirm": "good-pass-1",
    "agree_privacy": "y",
    "csrf_token": "",
}


def signup(client, **changes):
    return client.post("/signup", data={**GOOD, **changes})


def tenant_count(unscoped) -> int:
    with unscoped() as session:
        return session.scalar(select(func.count()).select_from(Tenant))


@both_backends
def test_signup_opens_the_street_and_lands_the_admin_on_the_dashboard(client, unscoped):
    response = signup(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/shifan/"

    home = client.get("/shifan/")
    assert home.status_code == 302
    assert home.headers["Location"] == "/shifan/dashboard"
    dashboard = client.get("/shifan/dashboard")
    body = dashboard.get_data(as_text=True)
    assert dashboard.status_code == 200
    assert "工作台" in body and "示范街道" in body and "王晓明" in body

    with unscoped() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "shifan"))
        admin = session.scalar(select(User).where(User.tenant_id == tenant.id))
        assert (tenant.name, tenant.district) == ("示范街道", "示范区")
        assert (admin.role, admin.phone, admin.name) == ("admin", "13912345678", "王晓明")


def test_the_admin_is_greeted_in_the_inbox(client):
    signup(client)
    inbox = client.get("/shifan/inbox").get_data(as_text=True)
    assert "欢迎使用联建通" in inbox


def test_the_signup_page_renders(client):
    response = client.get("/signup")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in ("street_name", "slug", "district", "admin_name", "phone", "password"):
        assert f'name="{name}"' in body


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ShiFan", "只能使用小写字母、数字和连字符"),
        ("shi范jie", "只能使用小写字母、数字和连字符"),
        ("shi fan", "只能使用小写字母、数字和连字符"),
        ("-shifan", "不能以连字符开头"),
        ("shifan-", "不能以连字符开头或结尾"),
        ("sh", "3–40 个字符"),
        ("a" * 41, "不能超过40个字符"),
        ("", "请填写访问地址"),
        ("platform", "保留词"),
        ("static", "保留词"),
        ("signup", "保留词"),
        ("login", "保留词"),
        ("api", "保留词"),
        ("healthz", "保留词"),
    ],
)
def test_unusable_slugs_are_refused_with_a_message(client, unscoped, slug, message):
    response = signup(client, slug=slug)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert tenant_count(unscoped) == 0


def test_a_taken_slug_is_refused(client, make_street, unscoped):
    make_street("shifan")
    response = signup(client, phone="13912340000")
    assert response.status_code == 422
    assert "访问地址“shifan”已被使用" in response.get_data(as_text=True)
    assert tenant_count(unscoped) == 1


def test_slug_suggestion_from_the_street_name(client, make_street):
    response = client.get("/signup/slug", query_string={"street_name": "示范街道"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="shifan"' in body and "“shifan”可以使用" in body

    make_street("shifan")
    body = client.get("/signup/slug", query_string={"street_name": "示范街道"}).get_data(
        as_text=True
    )
    assert 'value="shifan-2"' in body and "“shifan-2”可以使用" in body


def test_htmx_slug_check_answers_with_the_field_only(client, make_street):
    make_street("xiangyang")
    response = client.get(
        "/signup/slug",
        query_string={"street_name": "", "slug": "xiangyang"},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and 'id="slug-field"' in body
    assert "访问地址“xiangyang”已被使用" in body
    typed = client.get("/signup/slug", query_string={"slug": "Bad"}, headers={"HX-Request": "true"})
    assert "只能使用小写字母" in typed.get_data(as_text=True)


def test_a_typed_slug_is_kept_while_the_name_changes(client):
    body = client.get(
        "/signup/slug",
        query_string={"street_name": "向阳街道", "slug": "my-street", "slug_suggested": "shifan"},
    ).get_data(as_text=True)
    assert 'value="my-street"' in body


@pytest.mark.parametrize("phone", ["139 1234 5678", "+86 139-1234-5678", "+8613912345678"])
def test_phone_is_normalised(client, unscoped, phone):
    assert signup(client, phone=phone).status_code == 302
    with unscoped() as session:
        assert session.scalar(select(User.phone)) == "13912345678"
    client.post("/shifan/logout")
    login = client.post("/shifan/login", data={"phone": "13912345678", "password": "good-pass-1"})
    assert login.status_code == 302


@pytest.mark.parametrize("phone", ["1391234567", "139123456789", "23912345678", "电话号码"])
def test_a_phone_of_the_wrong_shape_is_refused(client, unscoped, phone):
    response = signup(client, phone=phone)
    assert response.status_code == 422
    assert "请输入 11 位中国大陆手机号" in response.get_data(as_text=True)
    assert tenant_count(unscoped) == 0


def test_a_short_password_is_refused(client, unscoped):
    response = signup(client, password="short", password_confirm="short")
    assert response.status_code == 422
    assert "密码至少需要 8 个字符" in response.get_data(as_text=True)
    assert tenant_count(unscoped) == 0


def test_a_mismatched_confirmation_is_refused(client, unscoped):
    response = signup(client, password_confirm="other-pass-1")
    assert response.status_code == 422
    assert "两次输入的密码不一致" in response.get_data(as_text=True)
    assert tenant_count(unscoped) == 0


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("street_name", "请填写街道名称"),
        ("district", "请填写所属区县"),
        ("admin_name", "请填写管理员姓名"),
        ("phone", "请填写手机号"),
        ("password", "请填写密码"),
    ],
)
def test_missing_fields_are_named(client, unscoped, field, message):
    response = signup(client, **{field: ""})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert tenant_count(unscoped) == 0


def test_a_refused_signup_keeps_what_was_typed_but_not_the_password(client):
    body = signup(client, password_confirm="other-pass-1").get_data(as_text=True)
    assert 'value="示范街道"' in body and 'value="shifan"' in body
    assert "good-pass-1" not in body


SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize("field", ["street_name", "district", "admin_name", "city"])
def test_html_in_every_name_field_is_shown_escaped(client, field):
    assert signup(client, **{field: SCRIPT + "示范"}).status_code == 302
    paths = ("/shifan/dashboard", "/shifan/people", "/shifan/inbox", "/shifan/audit")
    pages = [client.get(p).get_data(as_text=True) for p in paths]
    client.post("/shifan/logout")
    pages.append(client.get("/shifan/").get_data(as_text=True))
    text = "\n".join(pages)
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;示范" in text


def test_html_in_a_refused_signup_is_escaped(client):
    body = signup(client, street_name=SCRIPT, slug="Bad<b>").get_data(as_text=True)
    assert SCRIPT not in body and "<b>" not in body
    assert "&lt;script&gt;" in body


def test_a_signed_in_admin_who_signs_up_again_becomes_the_new_streets_admin(client, make_street):
    old = make_street("laojie")
    client.post(f"/{old.slug}/login", data={"phone": old.admin_phone, "password": "secret-pass-1"})
    assert signup(client).status_code == 302
    assert client.get("/shifan/dashboard").status_code == 200
    # the old street's session ended with the new sign-up
    assert client.get(f"/{old.slug}/dashboard").status_code == 302


@pg_only
def test_two_signups_for_the_same_slug_at_once_open_one_street(app, unscoped):
    barrier = threading.Barrier(2)
    results: dict[int, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            with app.app_context():
                client = app.test_client()
                barrier.wait(timeout=10)
                response = signup(client, admin_name=f"管理员{n}", phone=f"1391234000{n}")
                results[n] = (response.status_code, response.get_data(as_text=True))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    statuses = sorted(code for code, _ in results.values())
    assert statuses == [302, 422], statuses
    loser = next(body for code, body in results.values() if code == 422)
    assert "访问地址“shifan”已被使用" in loser

    with unscoped() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 1
        admins = session.scalars(select(User.name)).all()
        assert len(admins) == 1


def test_a_long_name_suggests_a_valid_slug_when_taken(client, make_street):
    # 38 letters then a hyphen: cutting for "-2" must not leave "--2"
    name = "a" * 37 + " bc"
    make_street("a" * 37 + "-bc")
    body = client.get("/signup/slug", query_string={"street_name": name}).get_data(as_text=True)
    assert 'value="' + "a" * 37 + '-2"' in body
    assert "可以使用" in body


def test_too_many_signups_from_one_address_are_slowed_down(client, unscoped):
    for _ in range(20):
        assert signup(client, slug="Bad").status_code == 422
    response = signup(client)
    assert response.status_code == 429
    assert "操作过于频繁" in response.get_data(as_text=True)
    assert tenant_count(unscoped) == 0
