"""Micro-wishes (微心愿): posted, approved, claimed by one, fulfilled, confirmed and paid once."""

from __future__ import annotations

import io
from functools import partial

import pytest
from sqlalchemy import func, select

from saas.auth.models import User
from saas.extensions import db
from saas.notify.models import Notification
from saas.streets.models import Tenant
from tenants.passport.ledger import ledger_sum
from tenants.passport.models import Passport, PointEntry
from tenants.wishes import services
from tenants.wishes.models import Wish, WishStatus
from tests.conftest import both_backends, pg_only
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    png_bytes,
    signed_in,
)
from tests.tenants.test_races import race

pytestmark = pytest.mark.usefixtures("uploads")


@pytest.fixture
def people(app, street, community, make_user):
    """A wisher and two volunteers who may claim: name → (client, user id)."""
    made = {}
    for name in ("王阿姨", "李志愿", "赵志愿"):
        user_id, phone = make_user(street, "volunteer", name=name, community_id=community)
        made[name] = (signed_in(app, "alpha", phone), user_id)
    return made


def wish_form(community_id, **changes):
    return {
        "title": "想要一套初中数学辅导书",
        "description": "孩子上初二，数学跟不上",
        "category": "学习用品",
        "community": str(community_id),
        **changes,
    }


def the_wish(scoped, street, wish_id: int | None = None) -> Wish:
    """The wish ``wish_id``, or the newest one."""
    with scoped(street) as session:
        stmt = select(Wish) if wish_id is None else select(Wish).where(Wish.id == wish_id)
        wish = session.scalar(stmt.order_by(Wish.id.desc()))
        session.expunge(wish)
        return wish


def titles(scoped, street, user_id) -> list[str]:
    with scoped(street) as session:
        return list(
            session.scalars(
                select(Notification.title)
                .where(Notification.user_id == user_id, Notification.kind != "welcome")
                .order_by(Notification.id)
            )
        )


def add_wish(scoped, street, community_id, status=WishStatus.approved, **kw) -> int:
    with scoped(street) as session:
        wish = Wish(title="修理门锁", community_id=community_id, status=status, points=20, **kw)
        session.add(wish)
        session.commit()
        return wish.id


@both_backends
def test_the_whole_flow(app, admin, street, community, people, scoped, uploads):
    with scoped(street) as session:
        session.get(Tenant, street.id).settings = {"wish_points": 35}
        session.commit()
    wisher, wisher_id = people["王阿姨"]
    claimer, claimer_id = people["李志愿"]
    other, _other_id = people["赵志愿"]

    # posted by the resident: pending, seen by them and the office only
    response = wisher.post("/alpha/wishes/new", data=wish_form(community))
    wish = the_wish(scoped, street)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/alpha/wishes/{wish.id}"
    assert (wish.status, wish.wisher_id, wish.wisher_name, wish.posted_by) == (
        "pending",
        wisher_id,
        "王阿姨",
        wisher_id,
    )
    assert "待审核" in wisher.get(f"/alpha/wishes/{wish.id}").get_data(as_text=True)
    assert other.get(f"/alpha/wishes/{wish.id}").status_code == 404
    assert "初中数学辅导书" not in other.get("/alpha/wishes").get_data(as_text=True)
    assert "初中数学辅导书" in admin.get("/alpha/wishes/review").get_data(as_text=True)

    # approved: its points fixed from the street's setting; listed for claiming
    assert admin.post(f"/alpha/wishes/{wish.id}/approve").status_code == 302
    assert the_wish(scoped, street).points == 35
    listed = other.get("/alpha/wishes").get_data(as_text=True)
    assert "初中数学辅导书" in listed and "王**" in listed and "王阿姨" not in listed

    # claimed by one
    assert claimer.post(f"/alpha/wishes/{wish.id}/claim").status_code == 302
    late = other.post(f"/alpha/wishes/{wish.id}/claim")
    assert late.status_code == 422 and "该心愿已被他人认领" in late.get_data(as_text=True)
    assert the_wish(scoped, street).claimer_id == claimer_id

    # fulfilled with a note and a photo
    response = claimer.post(
        f"/alpha/wishes/{wish.id}/fulfil",
        data={"note": "已送达辅导书一套", "photo": (io.BytesIO(png_bytes()), "photo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    wish = the_wish(scoped, street)
    assert (wish.status, wish.fulfilment_note) == ("fulfilled", "已送达辅导书一套")
    assert wisher.get(f"/alpha/wishes/{wish.id}/photo").data == png_bytes()
    assert other.get(f"/alpha/wishes/{wish.id}/photo").status_code == 404

    # confirmed: the claimer earns the points, once
    assert admin.post(f"/alpha/wishes/{wish.id}/confirm").status_code == 302
    with scoped(street) as session:
        passport = session.scalar(select(Passport).where(Passport.user_id == claimer_id))
        entry = session.scalar(select(PointEntry).where(PointEntry.passport_id == passport.id))
        assert (entry.delta, entry.kind, entry.source_key, entry.reason) == (
            35,
            "earn",
            f"wish:{wish.id}",
            "想要一套初中数学辅导书",
        )
        assert passport.balance == ledger_sum(session, passport.id) == 35
    assert the_wish(scoped, street).status == "confirmed"

    assert titles(scoped, street, wisher_id) == [
        "心愿已通过审核：想要一套初中数学辅导书",
        "心愿已被认领：想要一套初中数学辅导书",
        "心愿已完成：想要一套初中数学辅导书",
        "心愿已实现：想要一套初中数学辅导书",
    ]
    assert titles(scoped, street, claimer_id) == ["获得 35 积分"]

    review = admin.get("/alpha/wishes/review").get_data(as_text=True)
    assert 'class="stats"' in review and "100%" in review and "data-chart-data" in review
    assert "vendor/echarts.min.js" in review


def test_staff_post_for_a_resident(admin, street, community, scoped):
    response = admin.post("/alpha/wishes/new", data=wish_form(community))
    assert response.status_code == 422 and "请填写居民姓名" in response.get_data(as_text=True)
    response = admin.post("/alpha/wishes/new", data=wish_form(community, wisher_name="刘奶奶"))
    assert response.status_code == 302
    wish = the_wish(scoped, street)
    assert (wish.wisher_id, wish.wisher_name, wish.posted_by) == (None, "刘奶奶", street.admin_id)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "请填写心愿"),
        ({"title": "愿" * 101}, "心愿不能超过100个字"),
        ({"category": "现金"}, "请选择类别"),
        ({"community": ""}, "请选择本街道的社区"),
        ({"community": "²"}, "请选择本街道的社区"),
        ({"community": "9" * 40}, "请选择本街道的社区"),
    ],
)
def test_wish_form_refusals(people, street, community, scoped, changes, message):
    client, _ = people["王阿姨"]
    response = client.post("/alpha/wishes/new", data=wish_form(community, **changes))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Wish)) == 0


def test_another_streets_community_is_refused(people, street, community, scoped, make_street):
    bravo = make_street("bravo")
    theirs = add_community(scoped, bravo, "乙社区")
    client, _ = people["王阿姨"]
    response = client.post("/alpha/wishes/new", data=wish_form(theirs, title="<script>x</script>"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "请选择本街道的社区" in body
    assert "<script>x" not in body and "&lt;script&gt;x" in body


def test_reject_needs_a_reason(admin, people, street, community, scoped):
    wisher, wisher_id = people["王阿姨"]
    wisher.post("/alpha/wishes/new", data=wish_form(community))
    wish = the_wish(scoped, street)
    for reason in ("", "   "):
        response = admin.post(f"/alpha/wishes/{wish.id}/reject", data={"reason": reason})
        assert response.status_code == 422
        assert "请填写未通过的理由" in response.get_data(as_text=True)
    long = admin.post(f"/alpha/wishes/{wish.id}/reject", data={"reason": "理" * 201})
    assert long.status_code == 422 and "理由不能超过 200 个字" in long.get_data(as_text=True)
    assert "理" * 201 in long.get_data(as_text=True)  # what was typed stays
    assert the_wish(scoped, street).status == "pending"

    response = admin.post(f"/alpha/wishes/{wish.id}/reject", data={"reason": "请联系社区办理"})
    assert response.status_code == 302
    wish = the_wish(scoped, street)
    assert (wish.status, wish.reject_reason) == ("rejected", "请联系社区办理")
    assert titles(scoped, street, wisher_id) == ["心愿未通过审核：想要一套初中数学辅导书"]
    assert "请联系社区办理" in wisher.get(f"/alpha/wishes/{wish.id}").get_data(as_text=True)
    # decided once: it cannot be approved afterwards
    assert admin.post(f"/alpha/wishes/{wish.id}/approve").status_code == 422


def test_a_volunteer_cannot_review(people, street, community, scoped):
    wisher, _ = people["王阿姨"]
    wisher.post("/alpha/wishes/new", data=wish_form(community))
    wish = the_wish(scoped, street)
    volunteer, _ = people["李志愿"]
    for client in (wisher, volunteer):
        assert client.get("/alpha/wishes/review").status_code == 403
        assert client.post(f"/alpha/wishes/{wish.id}/approve").status_code == 403
        assert (
            client.post(f"/alpha/wishes/{wish.id}/reject", data={"reason": "x"}).status_code == 403
        )
    assert the_wish(scoped, street).status == "pending"


def test_staff_of_one_community_review_only_its_wishes(app, street, community, scoped, make_user):
    other = add_community(scoped, street, "清泉社区")
    theirs = add_wish(scoped, street, other, status=WishStatus.pending, wisher_name="某居民")
    mine = add_wish(scoped, street, community, status=WishStatus.pending, wisher_name="某居民")
    _staff_id, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    assert staff.post(f"/alpha/wishes/{theirs}/approve").status_code == 403
    assert staff.post(f"/alpha/wishes/{mine}/approve").status_code == 302


def test_confirming_twice_pays_once(admin, people, street, community, scoped):
    claimer, claimer_id = people["李志愿"]
    wish_id = add_wish(scoped, street, community, wisher_name="某居民")
    claimer.post(f"/alpha/wishes/{wish_id}/claim")
    claimer.post(f"/alpha/wishes/{wish_id}/fulfil", data={"note": "已修好"})
    assert admin.post(f"/alpha/wishes/{wish_id}/confirm").status_code == 302
    again = admin.post(f"/alpha/wishes/{wish_id}/confirm")
    assert again.status_code == 422 and "该心愿已确认过了" in again.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalars(select(PointEntry.delta)).all() == [20]
        assert session.scalar(select(Passport.balance)) == 20
    assert titles(scoped, street, claimer_id) == ["获得 20 积分"]


def test_claim_rules(app, admin, people, street, community, scoped, make_user):
    wisher, wisher_id = people["王阿姨"]
    claimer, claimer_id = people["李志愿"]
    other, _ = people["赵志愿"]
    own = add_wish(scoped, street, community, wisher_id=wisher_id, posted_by=wisher_id)
    response = wisher.post(f"/alpha/wishes/{own}/claim")
    assert response.status_code == 422 and "不能认领自己发布的心愿" in response.get_data(
        as_text=True
    )

    # an org account (alliance unit) may claim; staff who are not party members may not
    _org_id, org_phone = make_user(street, "org", name="共建单位")
    assert signed_in(app, "alpha", org_phone).post(f"/alpha/wishes/{own}/claim").status_code == 302
    listed = add_wish(scoped, street, community, wisher_name="某居民")
    assert admin.post(f"/alpha/wishes/{listed}/claim").status_code == 403

    # a pending wish is not there to claim
    pending = add_wish(scoped, street, community, status=WishStatus.pending, wisher_name="某")
    assert claimer.post(f"/alpha/wishes/{pending}/claim").status_code == 404

    # only the claimer reports it fulfilled; a bad photo is refused, the note kept
    claimer.post(f"/alpha/wishes/{listed}/claim")
    assert other.post(f"/alpha/wishes/{listed}/fulfil", data={"note": "x"}).status_code == 403
    response = claimer.post(
        f"/alpha/wishes/{listed}/fulfil",
        data={"note": "已修好门锁", "photo": (io.BytesIO(b"not an image"), "x.jpg")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "请上传 PNG、JPEG 或 WebP 格式的图片" in body
    assert "已修好门锁" in body
    response = claimer.post(f"/alpha/wishes/{listed}/fulfil", data={"note": ""})
    assert response.status_code == 422 and "请填写完成情况" in response.get_data(as_text=True)
    assert the_wish(scoped, street, listed).status == "claimed"

    # giving a claim up lists it again
    assert claimer.post(f"/alpha/wishes/{listed}/release").status_code == 302
    assert other.post(f"/alpha/wishes/{listed}/claim").status_code == 302


def test_another_streets_wish_is_404(app, street, community, scoped, make_street, people):
    wish_id = add_wish(scoped, street, community, wisher_name="某居民")
    bravo = make_street("bravo")
    other = signed_in(app, "bravo", bravo.admin_phone)
    assert other.get(f"/bravo/wishes/{wish_id}").status_code == 404
    for step in ("claim", "approve", "confirm", "release", "fulfil"):
        assert (
            other.post(f"/bravo/wishes/{wish_id}/{step}", data={"reason": "x"}).status_code == 404
        )
    assert other.post(f"/bravo/wishes/{wish_id}/reject", data={"reason": "x"}).status_code == 404
    assert the_wish(scoped, street).status == "approved"


@pg_only
def test_two_claimers_at_once_one_wins(app, street, community, scoped, make_user):
    wish_id = add_wish(scoped, street, community, wisher_name="某居民")
    claimers = [make_user(street, "volunteer")[0] for _ in range(2)]

    def claim(i):
        tenant = db.session.get(Tenant, street.id)
        user = db.session.scalar(select(User).where(User.id == claimers[i]))
        wish = services.get_wish_or_404(db.session, wish_id)
        services.claim(db.session, user, tenant, wish)
        return "claimed"

    results = race(app, street, 2, claim)
    assert results.count("claimed") == 1
    [refused] = [r for r in results if r != "claimed"]
    assert refused.message == "该心愿已被他人认领"
    wish = the_wish(scoped, street)
    assert wish.status == "claimed" and wish.claimer_id in claimers


@pg_only
def test_two_staff_confirming_at_once_pay_once(app, street, community, scoped, make_user):
    claimer_id, _ = make_user(street, "volunteer")
    wish_id = add_wish(
        scoped,
        street,
        community,
        status=WishStatus.fulfilled,
        claimer_id=claimer_id,
        wisher_name="某居民",
    )

    def confirm(i):
        tenant = db.session.get(Tenant, street.id)
        admin = db.session.scalar(select(User).where(User.id == street.admin_id))
        wish = services.get_wish_or_404(db.session, wish_id)
        return services.confirm(db.session, admin, tenant, wish)

    results = race(app, street, 4, confirm)
    assert results.count(20) == 1
    with scoped(street) as session:
        assert session.scalars(select(PointEntry.delta)).all() == [20]
        passport = session.scalar(select(Passport))
        assert passport.balance == ledger_sum(session, passport.id) == 20


def test_figures_count_by_community(app, street, community, scoped, make_user):
    other = add_community(scoped, street, "清泉社区")
    for status in ("pending", "rejected", "approved", "claimed", "fulfilled", "confirmed"):
        add_wish(scoped, street, community, status=status, wisher_name="某")
    add_wish(scoped, street, other, status="confirmed", wisher_name="某")
    with scoped(street) as session:
        admin = session.scalar(select(User).where(User.id == street.admin_id))
        figures = services.figures(session, admin)
    assert (figures.total.posted, figures.total.approved) == (7, 5)
    # 已实现 is what the list calls 已实现: confirmed; one marked done but unconfirmed is 待确认
    assert (figures.total.claimed, figures.total.fulfilled, figures.total.awaiting) == (4, 2, 1)
    by = dict(figures.by_community)
    assert by["朝阳社区"].rate == 0.25 and by["清泉社区"].rate == 1.0


# --- statements per page -------------------------------------------------------------------------


def _grow(scoped, street, community_id, claimer_id, n):
    with scoped(street) as session:
        for i in range(n):
            for status in ("pending", "approved", "fulfilled"):
                session.add(
                    Wish(
                        title=f"心愿{i}",
                        community_id=community_id,
                        status=status,
                        wisher_name=f"居民{i}",
                        claimer_id=claimer_id if status == "fulfilled" else None,
                    )
                )
        session.commit()


@both_backends
@pytest.mark.parametrize("page", ["/wishes", "/wishes/review"])
def test_statements_per_page_do_not_grow(app, admin, people, street, community, scoped, page):
    client, claimer_id = people["李志愿"]
    viewer = admin if page == "/wishes/review" else client
    url = f"/alpha{page}"
    grow = partial(_grow, scoped, street, community, claimer_id)
    assert_statements_do_not_grow(app, viewer, url, grow, more=10, most=14)


def test_demo_wishes_load_twice_without_doubling(app, scoped, unscoped):
    from saas.demo import load_demo as load_street
    from tenants.wishes.demo import WISHES, load_demo

    with unscoped() as session:
        load_street(session)
        session.commit()
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        tenant_id = tenant.id
    for _ in range(2):
        with scoped(tenant_id) as session:
            load_demo(session, session.get(Tenant, tenant_id))
            session.commit()
    with scoped(tenant_id) as session:
        statuses = dict(session.execute(select(Wish.title, Wish.status)).all())
        volunteer = session.scalar(select(User).where(User.phone == "13900000005"))
        passport = session.scalar(select(Passport).where(Passport.user_id == volunteer.id))
        paid = session.scalars(
            select(PointEntry.source_key).where(PointEntry.source_key.like("wish:%"))
        ).all()
        assert passport.balance == ledger_sum(session, passport.id) >= 20
    assert len(statuses) == len(WISHES)
    assert set(statuses.values()) == {s.value for s in WishStatus}
    assert len(paid) == 1


def test_the_lists_answer_htmx_with_their_fragments(admin, people, street, community, scoped):
    other = add_community(scoped, street, "清泉社区")
    add_wish(scoped, street, community, wisher_name="某")
    with scoped(street) as session:
        session.add(
            Wish(title="清泉的心愿", community_id=other, status="approved", wisher_name="某")
        )
        session.commit()
    client, _ = people["李志愿"]
    hx = {"HX-Request": "true"}
    body = client.get("/alpha/wishes", query_string={"community": other}, headers=hx).get_data(
        as_text=True
    )
    assert "<html" not in body and "清泉的心愿" in body and "修理门锁" not in body
    body = admin.get(
        "/alpha/wishes/review", query_string={"status": "approved", "community": other}, headers=hx
    ).get_data(as_text=True)
    assert "<html" not in body and "清泉的心愿" in body and "修理门锁" not in body


def test_staff_cannot_confirm_a_wish_they_claimed_themselves(admin, street, community, scoped):
    wish_id = add_wish(scoped, street, community, wisher_name="某居民")
    with scoped(street) as session:  # the admin is a party member and claims it
        session.scalar(select(User).where(User.id == street.admin_id)).is_party_member = True
        session.commit()
    assert admin.post(f"/alpha/wishes/{wish_id}/claim").status_code == 302
    admin.post(f"/alpha/wishes/{wish_id}/fulfil", data={"note": "自己办好了"})
    refused = admin.post(f"/alpha/wishes/{wish_id}/confirm")
    assert refused.status_code == 422
    assert "不能确认自己认领的心愿" in refused.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalars(select(PointEntry.delta)).all() == []
