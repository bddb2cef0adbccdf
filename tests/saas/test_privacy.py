"""Each street's privacy notice (隐私政策): public, edited by its admin in versions; /join and
/signup record who agreed to which version; a signed-in person behind the version in force is
shown it again, before anything else, and their agreement is recorded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.auth.models import User
from saas.extensions import db
from saas.streets import privacy
from saas.streets.models import PrivacyConsent, PrivacyNotice, Tenant
from saas.tenancy import all_tenants, tenant_scope
from tests.conftest import PASSWORD, both_backends, login
from tests.test_query_counts import count_queries

NEW_TEXT = "第二版隐私政策。\n\n我们只收集必要的信息。\n第二行。"


@pytest.fixture
def street(make_street):
    return make_street("alpha", name="甲街道")


@pytest.fixture
def admin(app, street):
    client = app.test_client()
    assert login(client, "alpha", street.admin_phone).status_code == 302
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def publish(admin, body: str = NEW_TEXT, slug: str = "alpha"):
    return admin.post(f"/{slug}/settings/privacy", data={"body": body})


def consents(scoped, street) -> list[tuple[int, int, str]]:
    with scoped(street) as session:
        rows = session.scalars(select(PrivacyConsent).order_by(PrivacyConsent.agreed_at))
        return [(c.user_id, c.version, c.via) for c in rows]


def asked_to_agree(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith(
        "/alpha/privacy/agree"
    )


def community(scoped, street) -> int:
    from tenants.structure.models import Community

    with scoped(street) as session:
        row = Community(name="朝阳社区")
        session.add(row)
        session.commit()
        return row.id


JOIN = {
    "phone": "13600000001",
    "name": "张志愿",
    "password": "join-pass-1",
    "password_confirm": "join-pass-1",
    "party_member": "y",
}
SIGNUP = {
    "street_name": "示范街道",
    "slug": "shifan",
    "district": "示范区",
    "city": "示范市",
    "admin_name": "王晓明",
    "phone": "13912345678",
    "password": "good-pass-1",
    "password_confirm": "good-pass-1",
}


# --- the notice -----------------------------------------------------------------------------------


def test_a_new_street_has_the_default_notice_as_version_1(client, street, scoped):
    page = text(client.get("/alpha/privacy"))
    assert "甲街道隐私政策" in page and "第 1 版" in page
    assert "我们收集的信息" in page and "撤回同意" in page
    with scoped(street) as session:
        [notice] = session.scalars(select(PrivacyNotice)).all()
        assert (notice.version, notice.body) == (1, privacy.DEFAULT_NOTICE)
        assert session.get(Tenant, street.id).privacy_version == 1
    # every street page links to it
    assert 'href="/alpha/privacy"' in text(client.get("/alpha/login"))


def test_the_default_is_public_before_a_street_exists(client):
    page = text(client.get("/privacy"))
    assert "默认隐私政策（第 1 版）" in page and "我们收集的信息" in page
    assert 'href="/privacy"' in text(client.get("/signup"))


@both_backends
def test_the_admin_publishes_a_new_version_and_keeps_the_old(admin, client, street, scoped):
    page = text(admin.get("/alpha/settings/privacy"))
    assert "现行版本：第 1 版" in page and "我们收集的信息" in page  # the text to edit
    response = publish(admin)
    assert response.status_code == 302
    assert "已发布第 2 版隐私政策" in text(admin.get(response.headers["Location"]))

    public = text(client.get("/alpha/privacy"))
    assert "第 2 版" in public and "我们只收集必要的信息。" in public
    assert "<p>第二版隐私政策。</p>" in public and "我们只收集必要的信息。<br>第二行。" in public
    old = text(client.get("/alpha/privacy?v=1"))
    assert "我们收集的信息" in old and "已被替换的旧版本" in old
    assert client.get("/alpha/privacy?v=3").status_code == 404
    assert client.get("/alpha/privacy?v=abc").status_code == 404

    with scoped(street) as session:
        versions = session.scalars(select(PrivacyNotice.version).order_by(PrivacyNotice.version))
        assert list(versions) == [1, 2]
        assert session.get(Tenant, street.id).privacy_version == 2
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.publish"))
        assert entry.one().detail == {"version": 2}
    history = text(admin.get("/alpha/settings/privacy"))
    assert "第 2 版" in history and 'href="/alpha/privacy?v=1"' in history


def test_publishing_the_same_text_makes_no_version(admin, street, scoped):
    response = publish(admin, privacy.DEFAULT_NOTICE.replace("\n", "\r\n") + "\n\n")
    assert response.status_code == 302
    assert "内容没有变化" in text(admin.get("/alpha/settings/privacy"))
    with scoped(street) as session:
        assert session.get(Tenant, street.id).privacy_version == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "请填写隐私政策内容"),
        (" \n\n ", "请填写隐私政策内容"),
        ("长" * 20_001, "不能超过 20000 个字"),
    ],
)
def test_an_empty_or_huge_notice_is_refused_and_the_text_kept(admin, street, scoped, body, message):
    response = publish(admin, body)
    assert response.status_code == 422 and message in text(response)
    if body.strip():
        assert body in text(response)  # nothing typed is lost
    with scoped(street) as session:
        assert session.get(Tenant, street.id).privacy_version == 1


def test_markup_in_the_notice_is_shown_as_text(admin, client, street, make_user):
    hostile = (
        '<script>alert("x")</script>\n<b onclick="x()">粗体</b>\n\n<a href="javascript:x">链接</a>'
    )
    assert publish(admin, hostile).status_code == 302
    for page in (text(client.get("/alpha/privacy")), text(admin.get("/alpha/settings/privacy"))):
        assert "<script>alert" not in page and "<b onclick" not in page
        assert '<a href="javascript' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;<br>&lt;b" in text(
        client.get("/alpha/privacy")
    )
    _user, phone = make_user(street, consented=False)
    volunteer = app_client_signed_in(client, phone)
    agree_page = text(volunteer.get("/alpha/privacy/agree"))
    assert "&lt;script&gt;" in agree_page and "<script>alert" not in agree_page


def app_client_signed_in(client, phone: str):
    assert login(client, "alpha", phone).status_code == 302
    return client


def test_only_the_admin_edits_it(app, street, make_user):
    _user, phone = make_user(street, role="staff")
    staff = app.test_client()
    login(staff, "alpha", phone)
    assert staff.get("/alpha/settings/privacy").status_code == 403
    assert publish(staff).status_code == 403
    anonymous = app.test_client().post("/alpha/settings/privacy", data={"body": NEW_TEXT})
    assert anonymous.status_code == 302 and "/alpha/login" in anonymous.headers["Location"]


@both_backends
def test_another_streets_admin_cannot_touch_this_streets_notice(app, street, make_street, scoped):
    bravo = make_street("bravo", name="乙街道")
    theirs = app.test_client()
    assert login(theirs, "bravo", bravo.admin_phone).status_code == 302
    assert publish(theirs, "乙街道的第二版", slug="bravo").status_code == 302

    # their session is worthless here: alpha's login page, and alpha's notice unchanged
    for response in (theirs.get("/alpha/settings/privacy"), publish(theirs, "篡改")):
        assert response.status_code == 302 and "/alpha/login" in response.headers["Location"]
    # bravo's version 2 is not alpha's
    assert theirs.get("/alpha/privacy?v=2").status_code == 404
    assert "乙街道的第二版" in text(theirs.get("/bravo/privacy"))
    assert "乙街道的第二版" not in text(theirs.get("/alpha/privacy"))
    with scoped(street) as session:
        assert session.get(Tenant, street.id).privacy_version == 1
        assert [n.version for n in session.scalars(select(PrivacyNotice))] == [1]


def test_the_settings_page_is_linked_from_the_structure_page(admin, street):
    assert 'href="/alpha/settings/privacy"' in text(admin.get("/alpha/structure"))


def test_privacy_is_not_a_street_address(client):
    response = client.post("/signup", data={**SIGNUP, "slug": "privacy", "agree_privacy": "y"})
    assert response.status_code == 422 and "/privacy" not in response.headers.get("Location", "")


# --- consent at /join and /signup -----------------------------------------------------------------


@both_backends
def test_join_without_the_box_is_refused_and_keeps_what_was_typed(app, client, street, scoped):
    community_id = community(scoped, street)
    page = text(client.get("/alpha/join"))
    assert "我已阅读并同意" in page and 'href="/alpha/privacy"' in page

    response = client.post("/alpha/join", data={**JOIN, "community": str(community_id)})
    page = text(response)
    assert response.status_code == 422 and "请阅读并勾选同意《隐私政策》" in page
    assert 'value="13600000001"' in page and 'value="张志愿"' in page
    assert re.search(rf'<option[^>]*selected[^>]*value="{community_id}"', page) or re.search(
        rf'<option[^>]*value="{community_id}"[^>]*selected', page
    )
    assert re.search(r'<input[^>]*\bchecked\b[^>]*name="party_member"', page)
    with scoped(street) as session:
        assert session.scalars(select(User).where(User.role == "volunteer")).all() == []

    response = client.post(
        "/alpha/join", data={**JOIN, "community": str(community_id), "agree_privacy": "y"}
    )
    assert response.status_code == 302
    with scoped(street) as session:
        volunteer = session.scalar(select(User.id).where(User.role == "volunteer"))
    assert (volunteer, 1, "join") in consents(scoped, street)
    assert client.get("/alpha/inbox").status_code == 200  # not asked again


@both_backends
def test_signup_without_the_box_is_refused_and_keeps_what_was_typed(client, unscoped):
    response = client.post("/signup", data=SIGNUP)
    page = text(response)
    assert response.status_code == 422 and "请阅读并勾选同意《隐私政策》" in page
    for value in ("示范街道", "shifan", "示范区", "示范市", "王晓明", "13912345678"):
        assert f'value="{value}"' in page
    with unscoped() as session:
        assert session.scalars(select(Tenant)).all() == []

    response = client.post("/signup", data={**SIGNUP, "agree_privacy": "y"})
    assert response.status_code == 302
    with unscoped() as session:
        tenant = session.scalar(select(Tenant))
        admin = session.scalar(select(User))
        consent = session.scalar(select(PrivacyConsent))
        assert (consent.user_id, consent.version, consent.via) == (admin.id, 1, "signup")
        assert session.scalar(select(PrivacyNotice.version)) == tenant.privacy_version == 1
    assert client.get("/shifan/dashboard").status_code == 200  # not asked again


# --- asked again at the next login ----------------------------------------------------------------


@both_backends
def test_a_changed_notice_is_shown_at_the_next_login_and_recorded(
    app, admin, street, make_user, scoped
):
    user_id, phone = make_user(street)
    assert consents(scoped, street) == [(street.admin_id, 1, "signup"), (user_id, 1, "join")]
    publish(admin)

    volunteer = app.test_client()
    response = login(volunteer, "alpha", phone)
    assert response.status_code == 302
    response = volunteer.get(response.headers["Location"])
    assert asked_to_agree(response)
    page = text(volunteer.get(response.headers["Location"]))
    assert "《隐私政策》已更新" in page and "第 2 版" in page and "我们只收集必要的信息" in page
    # nothing else opens before agreeing; the notice, logout and the language do
    for path in ("/alpha/me", "/alpha/inbox", "/alpha/activities"):
        assert asked_to_agree(volunteer.get(path))
    assert volunteer.get("/alpha/privacy").status_code == 200

    response = volunteer.post("/alpha/privacy/agree", data={"version": "2", "next": "/alpha/inbox"})
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/inbox"
    assert (user_id, 2, "login") in consents(scoped, street)
    assert volunteer.get("/alpha/inbox").status_code == 200
    # and the next login does not ask again
    again = app.test_client()
    login(again, "alpha", phone)
    assert again.get("/alpha/inbox").status_code == 200


def test_a_signed_in_session_is_asked_at_its_next_page(app, admin, street, make_user, scoped):
    _user_id, phone = make_user(street)
    volunteer = app.test_client()
    login(volunteer, "alpha", phone)
    assert volunteer.get("/alpha/inbox").status_code == 200
    publish(admin)
    response = volunteer.get("/alpha/inbox")
    assert asked_to_agree(response) and "next=/alpha/inbox" in response.headers["Location"]
    # an htmx request is sent to the page too, whole
    response = volunteer.get("/alpha/inbox/badge", headers={"HX-Request": "true"})
    assert response.headers.get("HX-Redirect", "").startswith("/alpha/privacy/agree")
    # the admin who published it has read it: recorded, and not asked
    assert admin.get("/alpha/dashboard").status_code == 200
    assert (street.admin_id, 2, "publish") in consents(scoped, street)


def test_the_agree_page_does_not_load_the_inbox_badge(app, street, make_user):
    """The badge's htmx request would be sent back to this very page, for ever."""
    _user_id, phone = make_user(street, consented=False)
    client = app.test_client()
    login(client, "alpha", phone)
    page = text(client.get("/alpha/privacy/agree"))
    assert "我已阅读并同意" in page and "inbox-badge" not in page


def test_an_account_made_by_the_admin_is_asked_at_its_first_login(app, street, make_user, scoped):
    user_id, phone = make_user(street, role="org", consented=False)
    client = app.test_client()
    login(client, "alpha", phone)
    response = client.get("/alpha/org")
    assert asked_to_agree(response)
    page = text(client.get(response.headers["Location"]))
    assert "请阅读并同意甲街道的《隐私政策》" in page and "第 1 版" in page
    assert client.post("/alpha/privacy/agree", data={"version": "1"}).status_code == 302
    assert consents(scoped, street)[-1] == (user_id, 1, "login")
    assert client.get("/alpha/org").status_code == 200


def test_agreeing_to_a_version_no_longer_in_force_asks_again(app, admin, street, make_user, scoped):
    user_id, phone = make_user(street, consented=False)
    client = app.test_client()
    login(client, "alpha", phone)
    assert "第 1 版" in text(client.get("/alpha/privacy/agree"))
    publish(admin)  # while the page was open
    response = client.post("/alpha/privacy/agree", data={"version": "1"})
    assert response.status_code == 409
    assert "隐私政策刚刚更新" in text(response) and "第 2 版" in text(response)
    assert [c for c in consents(scoped, street) if c[0] == user_id] == []
    assert client.post("/alpha/privacy/agree", data={"version": "2"}).status_code == 302
    assert [c for c in consents(scoped, street) if c[0] == user_id] == [(user_id, 2, "login")]


def test_agreeing_elsewhere_counts_here(app, street, make_user, scoped):
    _user_id, phone = make_user(street, consented=False)
    first, second = app.test_client(), app.test_client()
    login(first, "alpha", phone)
    login(second, "alpha", phone)
    first.post("/alpha/privacy/agree", data={"version": "1"})
    response = second.get("/alpha/privacy/agree?next=/alpha/me")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/me"
    assert second.get("/alpha/me").status_code == 200


def test_agreeing_twice_is_recorded_once(app, street, make_user, scoped):
    user_id, phone = make_user(street, consented=False)
    client = app.test_client()
    login(client, "alpha", phone)
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        user = session.get(User, (street.id, user_id))
        privacy.record_consent(session, tenant, user, 1, "login")
        privacy.record_consent(session, tenant, user, 1, "login")
        session.commit()
    assert [c for c in consents(scoped, street) if c[0] == user_id] == [(user_id, 1, "login")]


def test_the_check_costs_no_query_per_request(app, admin, street):
    admin.get("/alpha/inbox")
    with count_queries(app) as statements:
        assert admin.get("/alpha/inbox").status_code == 200
    assert not [s for s in statements if "privacy_" in s], statements


def test_a_street_made_without_a_notice_row_gets_one_when_someone_agrees(app, client, scoped):
    """The demo seed makes its street directly: its people agree to the default text."""
    from saas.auth.services import create_user

    with app.app_context():
        with all_tenants():
            tenant = Tenant(slug="direct", name="直建街道", district="某区")
            db.session.add(tenant)
            db.session.flush()
            tenant_id = tenant.id
        with tenant_scope(tenant_id):
            create_user(
                db.session, phone="13700000001", name="甲", password=PASSWORD, role="volunteer"
            )
            db.session.commit()
        db.session.remove()
    assert "我们收集的信息" in text(client.get("/direct/privacy"))
    login(client, "direct", "13700000001")
    assert client.get("/direct/inbox").status_code == 302
    assert "第 1 版" in text(client.get("/direct/privacy/agree"))
    assert client.post("/direct/privacy/agree", data={"version": "1"}).status_code == 302
    assert client.get("/direct/inbox").status_code == 200
    with scoped(tenant_id) as session:
        assert [n.version for n in session.scalars(select(PrivacyNotice))] == [1]
        assert session.scalar(select(PrivacyConsent.version)) == 1


def test_a_street_opened_from_the_cli_asks_its_admin_at_first_login(app, client, runner_env):
    result = runner_env.invoke(
        args=[
            "tenant",
            "create",
            "clistreet",
            "--name",
            "命令行街道",
            "--admin-phone",
            "13700000009",
            "--admin-password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    login(client, "clistreet", "13700000009")
    assert (
        client.get("/clistreet/dashboard")
        .headers["Location"]
        .startswith("/clistreet/privacy/agree")
    )


@pytest.fixture
def runner_env(app):
    return app.test_cli_runner()
