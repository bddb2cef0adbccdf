"""导出 Excel on the office lists that had none: events, accounts, wishes. Each takes the list's
filters, as its page reads them (odd values ignored, never a 500), and big ones go to a job like
every export (tests/tenants/test_export_jobs.py)."""

from __future__ import annotations

import pytest

from tests.conftest import both_backends
from tests.tenants.factories import add_community, make_event, signed_in
from tests.tenants.test_exports import sheet_rows

ODD = ["%00x", "-1", "9" * 40, "'; DROP TABLE users; --", "%25", "=1+1"]


@pytest.fixture
def events(scoped, street, community):
    other = add_community(scoped, street, "东风社区")
    make_event(scoped, street, title="社区清洁", community_id=community)
    make_event(scoped, street, title="=SUM(A1)", community_id=other, kind="alliance")
    make_event(scoped, street, title="全街道讲座", status="draft")
    return other


@both_backends
def test_events_export_takes_the_list_filters(admin, events):
    rows = sheet_rows(admin.get("/alpha/events/export.xlsx"))
    assert rows[0][:4] == ["活动", "类型", "社区", "开始时间"]
    assert {r[0] for r in rows[1:]} == {"社区清洁", "=SUM(A1)", "全街道讲座"}
    rows = sheet_rows(admin.get(f"/alpha/events/export.xlsx?community={events}"))
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [("=SUM(A1)", "联盟共建", "东风社区")]
    rows = sheet_rows(admin.get("/alpha/events/export.xlsx?status=draft&community=street"))
    assert [(r[0], r[2], r[9]) for r in rows[1:]] == [("全街道讲座", "全街道", "草稿")]
    assert "/alpha/events/export.xlsx" in admin.get("/alpha/events").get_data(as_text=True)


def test_accounts_export_takes_the_filters_and_masks_phones_for_staff(
    app, admin, street, community, make_user
):
    make_user(street, "volunteer", name="张三", phone="13900000005", community_id=community)
    make_user(street, "volunteer", name="李四", is_party_member=True)
    rows = sheet_rows(admin.get("/alpha/people/export.xlsx?role=volunteer"))
    assert rows[0][:3] == ["姓名", "手机号", "角色"]
    assert {(r[0], r[1]) for r in rows[1:]} >= {("张三", "13900000005")}
    assert [r[0] for r in sheet_rows(admin.get("/alpha/people/export.xlsx?party=1"))[1:]] == [
        "李四"
    ]
    _id, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    rows = sheet_rows(staff.get("/alpha/people/export.xlsx?q=张"))
    assert [(r[0], r[1]) for r in rows[1:]] == [("张三", "139****0005")]
    assert "/alpha/people/export.xlsx" in admin.get("/alpha/people").get_data(as_text=True)


def test_wishes_export_takes_the_filters(app, admin, street, community, scoped, make_user):
    from tenants.wishes.models import Wish

    user_id, _phone = make_user(street, "volunteer", name="王五", community_id=community)
    with scoped(street) as session:
        session.add_all(
            [
                Wish(title="一本字典", community_id=community, wisher_id=user_id),
                Wish(
                    title="一副老花镜",
                    community_id=community,
                    wisher_name="赵大爷",
                    status="approved",
                ),  # fmt: skip
            ]
        )
        session.commit()
    rows = sheet_rows(admin.get("/alpha/wishes/review/export.xlsx"))
    assert {(r[0], r[4]) for r in rows[1:]} == {("一本字典", "王五"), ("一副老花镜", "赵大爷")}
    rows = sheet_rows(admin.get("/alpha/wishes/review/export.xlsx?status=approved"))
    assert [r[0] for r in rows[1:]] == ["一副老花镜"]
    page = admin.get("/alpha/wishes/review").get_data(as_text=True)
    assert "/alpha/wishes/review/export.xlsx" in page


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize(
    "url",
    ["/alpha/events/export.xlsx", "/alpha/people/export.xlsx", "/alpha/wishes/review/export.xlsx"],
)
def test_odd_filters_are_never_a_500(admin, url, value):
    from urllib.parse import quote

    keys = ("from", "to", "community", "kind", "status", "role", "q", "party", "page")
    query = "&".join(f"{key}={quote(value)}" for key in keys)
    assert admin.get(f"{url}?{query}").status_code in (200, 400)


def test_volunteers_may_not_export_these(app, street, make_user):
    _id, phone = make_user(street, "volunteer")
    volunteer = signed_in(app, "alpha", phone)
    for url in ("/alpha/events/export.xlsx", "/alpha/people/export.xlsx",
                "/alpha/wishes/review/export.xlsx"):  # fmt: skip
        assert volunteer.get(url).status_code in (302, 403, 404)
