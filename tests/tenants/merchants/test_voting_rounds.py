"""Staff run the rounds: the rules and the candidates until the round opens, live results with a
chart and an export, the list (paged, filtered, constant statements), the dashboard panel."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from saas.db import utcnow
from tenants.merchants.models import Candidate, Circle, Merchant, Vote, VotingRound
from tenants.orgs.models import OrgKind
from tests.conftest import both_backends, login
from tests.tenants.alliance.factories import make_unit
from tests.tenants.factories import assert_statements_do_not_grow
from tests.tenants.merchants.voting_rows import make_merchant, make_round, set_times


def _admin(app, street):
    client = app.test_client()
    assert login(client, street.slug, street.admin_phone).status_code == 302
    return client


def _local(delta: timedelta) -> str:
    from zoneinfo import ZoneInfo

    return (utcnow() + delta).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def _form(**kw) -> dict:
    return {
        "title": "2026年度最受欢迎商户评选",
        "circle": "",
        "starts_at": _local(timedelta(days=1)),
        "ends_at": _local(timedelta(days=31)),
        "votes_per_person": "3",
        **kw,
    }


@both_backends
def test_staff_create_a_round_and_bad_rules_come_back_with_the_input(app, make_street, scoped):
    street = make_street("alpha")
    admin = _admin(app, street)
    url = f"/{street.slug}/merchants/voting/new"
    assert admin.get(url).status_code == 200
    bad = [
        (_form(title=""), "请填写评选名称"),
        (_form(ends_at=_local(timedelta(hours=1))), "结束时间应晚于开始时间"),
        (_form(votes_per_person="0"), "每人可投 1–20 个商户"),
        (_form(votes_per_person="21"), "每人可投 1–20 个商户"),
        (_form(votes_per_person="²"), ""),
        (_form(starts_at="明天"), "请填写有效的日期和时间"),
        (_form(circle="9" * 25), "请选择本街道的商圈"),
    ]
    for data, message in bad:
        answer = admin.post(url, data=data)
        assert answer.status_code == 422, data
        page = answer.get_data(as_text=True)
        assert message in page
        assert data["title"] in page  # nothing typed is lost
    with scoped(street) as session:
        assert session.scalar(select(func.count(VotingRound.id))) == 0
    made = admin.post(url, data=_form())
    assert made.status_code == 302
    with scoped(street) as session:
        vround = session.scalar(select(VotingRound))
        assert vround.votes_per_person == 3 and vround.ends_at > vround.starts_at
    assert str(vround.id) in made.headers["Location"]


@both_backends
def test_candidates_are_merchants_of_the_street_and_fixed_once_the_round_opens(
    app, make_street, scoped
):
    a, b = make_street("alpha"), make_street("bravo")
    shop = make_merchant(scoped, a, "老街面馆")
    unit = make_unit(scoped, a, "区供电公司")  # an alliance unit, no merchant
    bare = make_unit(scoped, a, "无档案商户", kind=OrgKind.merchant)  # no merchant profile
    foreign = make_merchant(scoped, b, "乙街道商户")
    round_id = make_round(scoped, a, [], opens_in=timedelta(days=1))
    admin = _admin(app, a)
    add = f"/{a.slug}/merchants/voting/{round_id}/candidates"

    page = admin.get(f"/{a.slug}/merchants/voting/{round_id}").get_data(as_text=True)
    assert "老街面馆" in page and "区供电公司" not in page and "乙街道商户" not in page
    for other in (unit, bare, foreign, "abc", "9" * 25):
        refused = admin.post(add, data={"organisation": other})
        assert refused.status_code == 422
        assert "请选择本街道的商户" in refused.get_data(as_text=True)
    assert admin.post(add, data={"organisation": shop}).status_code == 302
    twice = admin.post(add, data={"organisation": shop})
    assert twice.status_code == 422 and "该商户已在候选名单中" in twice.get_data(as_text=True)

    # a circle's round takes that circle's merchants only
    with scoped(a) as session:
        circle = Circle(name="老街商圈")
        session.add(circle)
        session.flush()
        circle_id = circle.id
        session.execute(
            VotingRound.__table__.update()
            .where(VotingRound.id == round_id)
            .values(circle_id=circle_id)
        )
        session.commit()
    other_shop = make_merchant(scoped, a, "新区超市")
    refused = admin.post(add, data={"organisation": other_shop})
    assert "该商户不属于本轮评选的商圈" in refused.get_data(as_text=True)

    # once open: no candidate added or removed, no rule changed
    now = utcnow()
    set_times(scoped, a, round_id, now - timedelta(minutes=1), now + timedelta(days=7))
    with scoped(a) as session:
        candidate_id = session.scalar(select(Candidate.id))
        session.execute(
            Merchant.__table__.update()
            .where(Merchant.organisation_id == other_shop)
            .values(circle_id=circle_id)
        )
        session.commit()
    late = admin.post(add, data={"organisation": other_shop})
    assert late.status_code == 422 and "本轮评选已开始" in late.get_data(as_text=True)
    admin.post(f"/{a.slug}/merchants/voting/{round_id}/candidates/{candidate_id}/remove")
    edit = admin.post(f"/{a.slug}/merchants/voting/{round_id}/edit", data=_form(title="改名"))
    assert edit.status_code == 422
    assert "本轮评选已开始，规则不能再修改" in edit.get_data(as_text=True)
    assert admin.get(f"/{a.slug}/merchants/voting/{round_id}/edit").status_code == 302
    with scoped(a) as session:
        assert session.scalar(select(func.count(Candidate.id))) == 1
        assert session.scalar(select(VotingRound.title)) == "年度最受欢迎商户评选"


@both_backends
def test_rules_change_until_the_round_opens(app, make_street, scoped):
    street = make_street("alpha")
    round_id = make_round(scoped, street, [], opens_in=timedelta(days=2))
    admin = _admin(app, street)
    url = f"/{street.slug}/merchants/voting/{round_id}/edit"
    assert "年度最受欢迎商户评选" in admin.get(url).get_data(as_text=True)
    assert admin.post(url, data=_form(title="改过的名字", votes_per_person="5")).status_code == 302
    with scoped(street) as session:
        vround = session.scalar(select(VotingRound))
        assert (vround.title, vround.votes_per_person) == ("改过的名字", 5)


@both_backends
def test_staff_live_results_equal_the_votes(app, client, make_street, make_user, scoped):
    street = make_street("alpha")
    shops = [make_merchant(scoped, street, n) for n in ("甲面馆", "乙超市", "丙理发")]
    round_id = make_round(scoped, street, shops, n=2)
    for picks in ((0, 1), (0,), (0, 2), (1,)):
        resident = app.test_client()
        _uid, phone = make_user(street)
        login(resident, street.slug, phone)
        for i in picks:
            answer = resident.post(
                f"/{street.slug}/merchants/vote/{round_id}", data={"organisation_id": shops[i]}
            )
            assert answer.status_code == 302
    admin = _admin(app, street)
    page = admin.get(f"/{street.slug}/merchants/voting/{round_id}").get_data(as_text=True)
    assert "实时结果" in page and 'data-chart="bar"' in page
    with scoped(street) as session:
        cast = dict(
            session.execute(
                select(Vote.organisation_id, func.count(Vote.id)).group_by(Vote.organisation_id)
            ).all()
        )
    assert cast == {shops[0]: 3, shops[1]: 2, shops[2]: 1}
    assert '<span class="stat-value" id="round-total">6</span>' in page
    assert page.index("甲面馆") < page.index("乙超市") < page.index("丙理发")
    assert "50.0%" in page  # 3 of 6

    sheet = load_workbook(
        io.BytesIO(admin.get(f"/{street.slug}/merchants/voting/{round_id}/results.xlsx").data)
    ).active
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (1, "甲面馆", 3),
        (2, "乙超市", 2),
        (3, "丙理发", 1),
    ]

    dashboard = admin.get(f"/{street.slug}/dashboard").get_data(as_text=True)
    assert "商户评选进行中" in dashboard and "6 票 · 4 人投票" in dashboard


@both_backends
def test_the_rounds_list_filters_exports_and_runs_constant_statements(app, make_street, scoped):
    street = make_street("alpha")
    shop = make_merchant(scoped, street)
    admin = _admin(app, street)
    made = []

    def grow(n):
        while len(made) < n:
            opens = timedelta(days=-30 if len(made) % 2 else 1)
            made.append(
                make_round(scoped, street, [shop], opens_in=opens, title=f"评选{len(made)}")
            )

    assert_statements_do_not_grow(app, admin, f"/{street.slug}/merchants/voting", grow, 25, 14)
    upcoming = admin.get(f"/{street.slug}/merchants/voting?state=upcoming").get_data(as_text=True)
    assert "共 13 次评选" in upcoming
    sheet = load_workbook(
        io.BytesIO(admin.get(f"/{street.slug}/merchants/voting.xlsx?state=closed").data)
    ).active
    assert sheet.max_row == 1 + 12


def test_residents_and_org_accounts_cannot_open_the_office_pages(
    app, make_street, make_user, scoped
):
    street = make_street("alpha")
    round_id = make_round(scoped, street, [])
    _uid, phone = make_user(street)
    resident = app.test_client()
    login(resident, street.slug, phone)
    for url in ("/merchants/voting", f"/merchants/voting/{round_id}", "/merchants/voting/new"):
        assert resident.get(f"/{street.slug}{url}").status_code == 403
