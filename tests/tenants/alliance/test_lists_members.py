"""In-service party members (双报到) and vanguard posts (先锋岗位): what a member, a staff member
and someone racing them would notice."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from saas.auth.models import User
from saas.extensions import db
from saas.notify.models import Notification
from tenants.alliance.lists import members
from tenants.alliance.models import MemberReport, Post, PostClaim
from tests.conftest import both_backends, pg_only
from tests.tenants.alliance.factories import make_unit
from tests.tenants.factories import add_community, assert_statements_do_not_grow, signed_in
from tests.tenants.test_races import race


def _member(app, street, make_user, community, phone=None, party=True):
    user_id, phone = make_user(
        street, "volunteer", phone=phone, is_party_member=party, community_id=community
    )
    return user_id, signed_in(app, street.slug, phone)


def _report_form(community_id, **kw):
    data = {
        "community": str(community_id),
        "organisation": "",
        "work_unit": "区人民医院",
        "specialties": ["医疗义诊", "政策宣讲"],
        "other_specialties": "",
        "availability": "周末",
    }
    data.update(kw)
    return data


def _report(scoped, street, user_id):
    with scoped(street) as session:
        return session.scalar(select(MemberReport).where(MemberReport.user_id == user_id))


def _post(scoped, street, community=None, slots=2, title="楼栋宣讲员", specialties="政策宣讲"):
    with scoped(street) as session:
        post = Post(title=title, community_id=community, slots=slots, specialties=specialties)
        session.add(post)
        session.commit()
        return post.id


def _confirmed(scoped, street, user_id, community):
    with scoped(street) as session:
        session.add(
            MemberReport(
                user_id=user_id,
                community_id=community,
                work_unit="区人民医院",
                specialties="政策宣讲",
                availability="周末",
                status="confirmed",
            )
        )
        session.commit()


# --- the report ---------------------------------------------------------------------------------


def test_a_party_member_reports_and_only_party_members_see_the_page(
    app, street, community, make_user, scoped
):
    user_id, client = _member(app, street, make_user, community)
    page = client.get("/alpha/alliance/report").get_data(as_text=True)
    assert "在职党员双报到" in page and "医疗义诊" in page
    home = client.get("/alpha/me").get_data(as_text=True)
    assert "/alpha/alliance/report" in home  # the menu entry

    response = client.post("/alpha/alliance/report", data=_report_form(community))
    assert response.status_code == 302
    report = _report(scoped, street, user_id)
    assert report.status == "pending" and report.specialties == "医疗义诊、政策宣讲"

    _other, plain = _member(app, street, make_user, community, party=False)
    assert plain.get("/alpha/alliance/report").status_code == 403
    assert "/alpha/alliance/report" not in plain.get("/alpha/me").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"community": ""}, "请选择本街道的社区"),
        ({"work_unit": ""}, "请选择或填写工作单位"),
        ({"work_unit": "单" * 101}, "工作单位不能超过 100 个字"),
        ({"specialties": [], "other_specialties": ""}, "请至少选择或填写一项特长"),
        ({"other_specialties": "很长的特长名字超过十二个字了"}, "每个标签不超过"),
        ({"availability": ""}, "请填写可服务时间"),
        ({"availability": "周" * 101}, "可服务时间不能超过 100 个字"),
        ({"organisation": "999999"}, "请选择本街道的共建单位"),
        ({"community": "abc"}, "请选择本街道的社区"),
    ],
)
def test_a_bad_report_is_refused_with_what_was_typed_kept(
    app, street, community, make_user, scoped, change, message
):
    user_id, client = _member(app, street, make_user, community)
    response = client.post("/alpha/alliance/report", data={**_report_form(community), **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert _report(scoped, street, user_id) is None
    if "availability" not in change:
        assert 'value="周末"' in page  # nothing typed is lost


def test_html_is_kept_as_text_and_shown_escaped(app, street, community, make_user, scoped):
    user_id, client = _member(app, street, make_user, community)
    form = _report_form(community, work_unit="<script>alert(1)</script>")
    assert client.post("/alpha/alliance/report", data=form).status_code == 302
    admin = signed_in(app, "alpha", street.admin_phone)
    page = admin.get("/alpha/alliance/reports").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_one_report_per_person_and_a_confirmed_one_goes_back_to_pending(
    app, street, community, make_user, scoped
):
    unit = make_unit(scoped, street, "区供电公司")
    user_id, client = _member(app, street, make_user, community)
    client.post("/alpha/alliance/report", data=_report_form(community))
    client.post("/alpha/alliance/report", data=_report_form(community, organisation=str(unit)))
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(MemberReport)) == 1
        report = session.scalar(select(MemberReport))
        assert report.organisation_id == unit and report.work_unit == "区供电公司"
        report.status = "confirmed"
        session.commit()
    client.post("/alpha/alliance/report", data=_report_form(community, organisation=str(unit)))
    assert _report(scoped, street, user_id).status == "confirmed"  # unchanged: stays
    client.post("/alpha/alliance/report", data=_report_form(community, availability="工作日晚上"))
    assert _report(scoped, street, user_id).status == "pending"


def test_staff_confirm_and_reject_and_the_member_is_told(app, street, community, make_user, scoped):
    user_id, client = _member(app, street, make_user, community)
    client.post("/alpha/alliance/report", data=_report_form(community))
    report_id = _report(scoped, street, user_id).id
    admin = signed_in(app, "alpha", street.admin_phone)

    dashboard = admin.get("/alpha/dashboard").get_data(as_text=True)
    assert "1 条双报到待确认" in dashboard

    refused = admin.post(f"/alpha/alliance/reports/{report_id}/reject", data={"reason": ""})
    assert "请填写理由" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert _report(scoped, street, user_id).status == "pending"

    admin.post(f"/alpha/alliance/reports/{report_id}/reject", data={"reason": "请补充工作单位"})
    assert _report(scoped, street, user_id).status == "rejected"
    page = client.get("/alpha/alliance/report").get_data(as_text=True)
    assert "未通过" in page and "请补充工作单位" in page

    # fixed and sent again, then confirmed; a second confirm changes nothing
    client.post("/alpha/alliance/report", data=_report_form(community, availability="周六"))
    assert _report(scoped, street, user_id).status == "pending"
    admin.post(f"/alpha/alliance/reports/{report_id}/confirm")
    again = admin.post(f"/alpha/alliance/reports/{report_id}/confirm")
    assert "已处理过了" in admin.get(again.headers["Location"]).get_data(as_text=True)
    with scoped(street) as session:
        kinds = session.scalars(
            select(Notification.kind).where(Notification.user_id == user_id)
        ).all()
    assert "alliance.report_rejected" in kinds and kinds.count("alliance.report_confirmed") == 1


def test_community_staff_see_and_decide_only_their_communitys_reports(
    app, street, community, make_user, scoped
):
    other = add_community(scoped, street, "清泉社区")
    mine, _c1 = _member(app, street, make_user, community)
    theirs, _c2 = _member(app, street, make_user, other)
    _c1.post("/alpha/alliance/report", data=_report_form(community, work_unit="朝阳单位"))
    _c2.post("/alpha/alliance/report", data=_report_form(other, work_unit="清泉单位"))
    _staff, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    page = staff.get("/alpha/alliance/reports").get_data(as_text=True)
    assert "朝阳单位" in page and "清泉单位" not in page
    their_report = _report(scoped, street, theirs).id
    assert staff.post(f"/alpha/alliance/reports/{their_report}/confirm").status_code == 404
    assert _report(scoped, street, theirs).status == "pending"
    assert "1 条双报到待确认" in staff.get("/alpha/dashboard").get_data(as_text=True)


def test_the_reports_list_filters_and_exports_with_its_filters(
    app, street, community, make_user, scoped
):
    unit = make_unit(scoped, street, "区供电公司")
    _a, c1 = _member(app, street, make_user, community, phone="13700000001")
    _b, c2 = _member(app, street, make_user, community)
    c1.post("/alpha/alliance/report", data=_report_form(community, organisation=str(unit)))
    c2.post("/alpha/alliance/report", data=_report_form(community, work_unit="某律师事务所"))
    admin = signed_in(app, "alpha", street.admin_phone)
    rows_only = {"HX-Request": "true"}
    page = admin.get(f"/alpha/alliance/reports?unit={unit}", headers=rows_only).get_data(
        as_text=True
    )
    assert "区供电公司" in page and "某律师事务所" not in page
    other = admin.get("/alpha/alliance/reports?unit=other", headers=rows_only).get_data(
        as_text=True
    )
    assert "区供电公司" not in other and "某律师事务所" in other

    response = admin.get(f"/alpha/alliance/reports.xlsx?unit={unit}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][3] == "区供电公司" and rows[1][1] == "13700000001"

    _staff, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    rows = list(
        load_workbook(io.BytesIO(staff.get("/alpha/alliance/reports.xlsx").data)).active.iter_rows(
            values_only=True
        )
    )
    assert "13700000001" not in [r[1] for r in rows] and "137****0001" in [r[1] for r in rows]


@both_backends
def test_the_reports_list_runs_the_same_statements_at_ten_times_the_rows(
    app, street, community, make_user, scoped
):
    unit = make_unit(scoped, street, "区供电公司")
    admin = signed_in(app, "alpha", street.admin_phone)
    made = []

    def grow(n):
        while len(made) < n:
            user_id, _phone = make_user(street, "volunteer", is_party_member=True)
            with scoped(street) as session:
                session.add(
                    MemberReport(
                        user_id=user_id,
                        community_id=community,
                        organisation_id=unit if len(made) % 2 else None,
                        work_unit="某单位",
                        specialties="维修",
                    )
                )
                session.commit()
            made.append(user_id)

    assert_statements_do_not_grow(app, admin, "/alpha/alliance/reports", grow, 20, 14)


# --- posts --------------------------------------------------------------------------------------


def test_staff_publish_a_post_and_bad_posts_are_refused(app, street, community, scoped):
    admin = signed_in(app, "alpha", street.admin_phone)
    good = {
        "title": "楼栋宣讲员",
        "description": "每月一次",
        "community": str(community),
        "specialties": "政策宣讲",
        "slots": "3",
    }
    for change, message in [
        ({"title": ""}, "请填写岗位名称"),
        ({"title": "岗" * 101}, "岗位名称不能超过 100 个字"),
        ({"slots": "0"}, "名额请填写 1 到 500 之间的整数"),
        ({"slots": "501"}, "名额请填写 1 到 500 之间的整数"),
        ({"slots": "三"}, "名额请填写 1 到 500 之间的整数"),
        ({"slots": "9" * 40}, "名额请填写 1 到 500 之间的整数"),
        ({"community": "999999"}, "请选择本街道的社区"),
        ({"description": "说" * 2001}, "岗位说明不能超过 2000 个字"),
    ]:
        response = admin.post("/alpha/alliance/posts/new", data={**good, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True)
    assert admin.post("/alpha/alliance/posts/new", data=good).status_code == 302
    twin = admin.post("/alpha/alliance/posts/new", data=good)
    assert twin.status_code == 422 and "已有同名的开放岗位" in twin.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 1


def test_a_confirmed_member_sees_matching_posts_first_claims_and_withdraws(
    app, street, community, make_user, scoped
):
    other = add_community(scoped, street, "清泉社区")
    user_id, client = _member(app, street, make_user, community)
    # not yet reported: nothing to claim
    assert "请先完成双报到" in client.get("/alpha/alliance/posts").get_data(as_text=True)
    _confirmed(scoped, street, user_id, community)
    plain = _post(scoped, street, community, title="环境巡查员", specialties="环境整治")
    match = _post(scoped, street, None, title="楼栋宣讲员", specialties="政策宣讲")
    elsewhere = _post(scoped, street, other, title="清泉岗位")
    page = client.get("/alpha/alliance/posts").get_data(as_text=True)
    assert page.index("楼栋宣讲员") < page.index("环境巡查员") and "清泉岗位" not in page

    assert client.post(f"/alpha/alliance/posts/{elsewhere}/claim").status_code == 404
    client.post(f"/alpha/alliance/posts/{match}/claim")
    again = client.post(f"/alpha/alliance/posts/{match}/claim", follow_redirects=True)
    assert "您已认领该岗位" in again.get_data(as_text=True)
    with scoped(street) as session:
        assert session.get(Post, (street.id, match)).claimed == 1

    admin = signed_in(app, "alpha", street.admin_phone)
    detail = admin.get(f"/alpha/alliance/posts/{match}").get_data(as_text=True)
    assert "测试用户" in detail and "区人民医院" in detail

    client.post(f"/alpha/alliance/posts/{match}/withdraw")
    with scoped(street) as session:
        assert session.get(Post, (street.id, match)).claimed == 0
        assert session.scalar(select(func.count()).select_from(PostClaim)) == 0
    assert client.post(f"/alpha/alliance/posts/{match}/withdraw").status_code == 404
    assert plain


def test_two_slots_three_claims_two_claimed(app, street, community, make_user, scoped):
    post = _post(scoped, street, community, slots=2)
    clients = []
    for _i in range(3):
        user_id, client = _member(app, street, make_user, community)
        _confirmed(scoped, street, user_id, community)
        clients.append(client)
    for client in clients:
        client.post(f"/alpha/alliance/posts/{post}/claim")
    full = clients[2].get("/alpha/alliance/posts").get_data(as_text=True)
    assert "名额已满" in full
    with scoped(street) as session:
        assert session.get(Post, (street.id, post)).claimed == 2
        assert session.scalar(select(func.count()).select_from(PostClaim)) == 2


def test_a_closed_post_cannot_be_claimed(app, street, community, make_user, scoped):
    post = _post(scoped, street, community)
    user_id, client = _member(app, street, make_user, community)
    _confirmed(scoped, street, user_id, community)
    admin = signed_in(app, "alpha", street.admin_phone)
    admin.post(f"/alpha/alliance/posts/{post}/open", data={"open": "0"})
    page = client.post(f"/alpha/alliance/posts/{post}/claim", follow_redirects=True)
    assert "该岗位已停止认领" in page.get_data(as_text=True)


@pg_only
def test_three_members_racing_for_two_slots_get_exactly_two(
    app, street, community, make_user, scoped
):
    post_id = _post(scoped, street, community, slots=2)
    ids = []
    for _i in range(3):
        user_id, _phone = make_user(street, "volunteer", is_party_member=True)
        _confirmed(scoped, street, user_id, community)
        ids.append(user_id)
    # one member racing themself too (a double tap): refused by the unique key, not a crash
    ids.append(ids[0])

    def claim(i):
        member = db.session.scalar(select(User).where(User.id == ids[i]))
        return members.claim_post(db.session, member, post_id)

    results = race(app, street, len(ids), claim)
    won = [r for r in results if isinstance(r, Post)]
    assert len(won) == 2
    with scoped(street) as session:
        assert session.get(Post, (street.id, post_id)).claimed == 2
        assert session.scalar(select(func.count()).select_from(PostClaim)) == 2
