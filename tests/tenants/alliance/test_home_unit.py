"""The unit's own home (area "home"): where a unit account lands, what it shows, joining an event
with named members, cancelling, the member search, and the street's agreement rule."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from saas.streets.models import Tenant
from tenants.alliance.models import (
    Meeting,
    MeetingInvite,
    Need,
    Resolution,
    Resource,
    UnitMember,
)
from tenants.events.models import Registration, RegistrationStatus
from tenants.orgs.models import OrgKind
from tests.conftest import both_backends, login
from tests.tenants.alliance.factories import add_agreement, make_unit, unit_with_account
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)

HOME = "/alpha/alliance/unit"


def join_url(event_id: int) -> str:
    return f"/alpha/alliance/unit/events/{event_id}/join"


def csrf_off(app):
    app.config["WTF_CSRF_ENABLED"] = False


def _unit(scoped, street, make_user, name="共建单位甲", **kw):
    unit_id, user_id, phone = unit_with_account(scoped, street, make_user, name, **kw)
    add_agreement(scoped, street, unit_id)
    return unit_id, user_id, phone


def _registration(scoped, street, event_id, user_id):
    with scoped(street) as session:
        return session.scalar(
            select(Registration).where(
                Registration.event_id == event_id, Registration.user_id == user_id
            )
        )


def _members(scoped, street, registration_id):
    with scoped(street) as session:
        return set(
            session.scalars(
                select(UnitMember.user_id).where(UnitMember.registration_id == registration_id)
            )
        )


# --- landing and the page ------------------------------------------------------------------------


def test_an_alliance_unit_lands_on_its_own_home_and_a_merchant_on_its_own(
    app, client, street, make_user, scoped
):
    _unit_id, _user, phone = _unit(scoped, street, make_user)
    response = login(client, "alpha", phone)
    assert response.headers["Location"].endswith(HOME)
    page = client.get(HOME).get_data(as_text=True)
    assert "共建单位甲" in page and "联建协议有效" in page
    assert 'href="/alpha/alliance/unit"' in page  # its menu entry

    _m, _u, merchant = unit_with_account(
        scoped, street, make_user, "老街面馆", kind=OrgKind.merchant
    )
    other = app.test_client()
    # the merchant alliance gives merchants a home of their own (before the generic /org)
    assert login(other, "alpha", merchant).headers["Location"].endswith("/alpha/merchants/home")
    assert other.get(HOME).status_code == 404
    assert 'href="/alpha/alliance/unit"' not in other.get("/alpha/org").get_data(as_text=True)

    _n, unlinked = make_user(street, "org")
    third = app.test_client()
    assert login(third, "alpha", unlinked).headers["Location"].endswith("/alpha/org")


def test_the_home_shows_the_units_own_rows_only(app, client, street, make_user, scoped):
    community = add_community(scoped, street, "朝阳社区")
    unit_id, _user, phone = _unit(
        scoped, street, make_user, community_id=community, tags="医疗义诊、法律咨询"
    )
    other_id = make_unit(scoped, street, "共建单位乙", tags="医疗义诊")
    now = date.today()
    with scoped(street) as session:
        session.add_all(
            [
                Resource(organisation_id=unit_id, kind="venue", title="本单位会议室"),
                Resource(organisation_id=other_id, kind="goods", title="乙单位的物资"),
                Need(title="老人义诊", tags="医疗义诊", community_id=None),
                Need(title="楼道照明", tags="维修", community_id=community),
                Need(title="外社区维修", tags="维修", community_id=None),
            ]
        )
        from saas.db import utcnow

        past = Meeting(title="上次联席会议", starts_at=utcnow() - timedelta(days=7))
        coming = Meeting(title="下次联席会议", starts_at=utcnow() + timedelta(days=7))
        theirs = Meeting(title="乙单位的会议", starts_at=utcnow() + timedelta(days=3))
        session.add_all([past, coming, theirs])
        session.flush()
        session.add_all(
            [
                MeetingInvite(meeting_id=past.id, organisation_id=unit_id, attended=True),
                MeetingInvite(meeting_id=coming.id, organisation_id=unit_id),
                MeetingInvite(meeting_id=theirs.id, organisation_id=other_id),
                Resolution(
                    meeting_id=past.id,
                    text="修缮活动室",
                    owner_organisation_id=unit_id,
                    due_on=now - timedelta(days=1),
                ),
                Resolution(
                    meeting_id=past.id,
                    text="乙单位的决议",
                    owner_organisation_id=other_id,
                    due_on=now + timedelta(days=9),
                ),
            ]
        )
        session.commit()
    login(client, "alpha", phone)
    page = client.get(HOME).get_data(as_text=True)
    assert "本单位会议室" in page and "乙单位的物资" not in page
    assert "老人义诊" in page and "标签相同：医疗义诊" in page
    assert "楼道照明" in page and "外社区维修" not in page
    assert page.index("下次联席会议") < page.index("上次联席会议")
    assert "乙单位的会议" not in page
    assert "修缮活动室" in page and "已逾期" in page and "乙单位的决议" not in page


def test_the_agreement_status_is_shown(client, street, make_user, scoped):
    unit_id, _user, phone = unit_with_account(scoped, street, make_user)
    login(client, "alpha", phone)
    assert "尚未签订联建协议" in client.get(HOME).get_data(as_text=True)
    add_agreement(scoped, street, unit_id, ends_in_days=-3)
    assert "联建协议已到期" in client.get(HOME).get_data(as_text=True)
    add_agreement(scoped, street, unit_id, ends_in_days=10)
    assert "联建协议即将到期" in client.get(HOME).get_data(as_text=True)


# --- joining with named members ------------------------------------------------------------------


@both_backends
def test_a_unit_joins_with_named_volunteers_and_other_names(app, client, street, make_user, scoped):
    csrf_off(app)
    event = make_event(scoped, street, title="联盟共建日", audience="alliance")
    _unit_id, user_id, phone = _unit(scoped, street, make_user)
    a, _ = make_user(street, name="王芳")
    b, _ = make_user(street, name="李强")
    login(client, "alpha", phone)
    response = client.post(
        join_url(event),
        data={
            "headcount": "4",
            "member_ids": [str(a), str(b), str(a)],  # a repeat is ignored
            "other_names": "赵师傅\n\n赵师傅",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    registration = _registration(scoped, street, event, user_id)
    assert registration.headcount == 4 and registration.member_names == "赵师傅"
    assert _members(scoped, street, registration.id) == {a, b}
    page = client.get(HOME).get_data(as_text=True)
    assert "王芳" in page and "李强" in page and "赵师傅" in page and "已报名（4 人）" in page


def test_bad_join_input_is_refused_and_kept(app, client, street, make_user, scoped, make_street):
    csrf_off(app)
    event = make_event(scoped, street, audience="alliance")
    _unit_id, user_id, phone = _unit(scoped, street, make_user)
    a, _ = make_user(street, name="王芳")
    b, _ = make_user(street, name="李强")
    office, _ = make_user(street, "staff", name="工作人员")
    beta = make_street("beta")
    stranger, _ = make_user(beta, name="乙街道居民")
    login(client, "alpha", phone)

    too_many = client.post(
        join_url(event),
        data={
            "headcount": "1",
            "member_ids": [str(a), str(b)],
            "other_names": "<script>x</script>",
        },
    )
    body = too_many.get_data(as_text=True)
    assert too_many.status_code == 422 and "名单有 3 人，多于报名人数 1" in body
    assert "王芳" in body and "李强" in body and "&lt;script&gt;" in body  # nothing lost, escaped

    for bad in (stranger, office, 99999999, "abc"):
        refused = client.post(join_url(event), data={"headcount": "5", "member_ids": [str(bad)]})
        assert refused.status_code == 422
        assert "不是本街道的志愿者" in refused.get_data(as_text=True)
        assert "乙街道居民" not in refused.get_data(as_text=True)
    for headcount in ("0", "501", "", "五"):
        refused = client.post(join_url(event), data={"headcount": headcount})
        assert refused.status_code == 422 and "1–500" in refused.get_data(as_text=True)
    assert _registration(scoped, street, event, user_id) is None


def test_a_unit_acts_only_on_its_own_signups(app, client, street, make_user, scoped):
    csrf_off(app)
    event = make_event(scoped, street, audience="alliance")
    _mine, _me, phone = _unit(scoped, street, make_user)
    _theirs, them, their_phone = _unit(scoped, street, make_user, "共建单位乙")
    a, _ = make_user(street, name="王芳")
    other = signed_in(app, "alpha", their_phone)
    assert (
        other.post(join_url(event), data={"headcount": "2", "member_ids": [str(a)]}).status_code
        == 302
    )
    theirs = _registration(scoped, street, event, them)

    login(client, "alpha", phone)
    assert "王芳" not in client.get(HOME).get_data(as_text=True)
    response = client.post(f"/alpha/alliance/unit/signups/{theirs.id}/cancel")
    assert response.status_code == 404
    assert _registration(scoped, street, event, them).status == RegistrationStatus.registered

    # its own: cancelled while open, and the members it named are dropped
    cancelled = other.post(f"/alpha/alliance/unit/signups/{theirs.id}/cancel")
    assert cancelled.status_code == 302
    assert _registration(scoped, street, event, them).status == RegistrationStatus.cancelled
    assert _members(scoped, street, theirs.id) == set()


def test_a_merchant_cannot_use_the_units_pages(app, client, street, make_user, scoped):
    csrf_off(app)
    event = make_event(scoped, street, audience="public")
    _m, _u, merchant = unit_with_account(
        scoped, street, make_user, "老街面馆", kind=OrgKind.merchant
    )
    login(client, "alpha", merchant)
    assert client.get(join_url(event)).status_code == 404
    assert client.post(join_url(event), data={"headcount": "1"}).status_code == 404


# --- the member search ---------------------------------------------------------------------------


def test_the_search_finds_the_streets_volunteers_with_masked_phones_only(
    app, client, street, make_user, scoped, make_street
):
    event = make_event(scoped, street, audience="alliance")
    _unit_id, _user, phone = _unit(scoped, street, make_user)
    make_user(street, phone="13712345678", name="王芳芳")
    make_user(street, "staff", phone="13712340000", name="王芳工作人员")
    disabled, _ = make_user(street, phone="13712341111", name="王芳停用")
    with scoped(street) as session:
        from saas.auth.models import User

        session.get(User, (street.id, disabled)).is_enabled = False
        session.commit()
    beta = make_street("beta")
    make_user(beta, phone="13712349999", name="王芳乙街道")
    make_user(beta, phone="13700005678", name="乙街道同尾号")
    login(client, "alpha", phone)

    def search(q):
        return client.get(
            join_url(event), query_string={"q": q}, headers={"HX-Request": "true"}
        ).get_data(as_text=True)

    found = search("王芳")
    assert "王芳芳" in found and "137****5678" in found
    assert "13712345678" not in found
    assert "工作人员" not in found and "王芳停用" not in found and "乙街道" not in found
    tail = search("5678")
    assert "王芳芳" in tail and "乙街道同尾号" not in tail and "13712345678" not in tail
    for refused in ("13712345678", "王", "345678", "%%", "_"):
        text = search(refused)
        assert "王芳芳" not in text and ("后 4 位" in text or "至少 2 个字" in text)


def test_the_search_returns_twenty_at_most(app, client, street, make_user, scoped):
    event = make_event(scoped, street, audience="alliance")
    _unit_id, _user, phone = _unit(scoped, street, make_user)
    for i in range(25):
        make_user(street, name=f"志愿者{i:02d}")
    login(client, "alpha", phone)
    found = client.get(
        join_url(event), query_string={"q": "志愿者"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert len(re.findall(r'name="member_ids"', found)) == 20


# --- the street's agreement rule -----------------------------------------------------------------


def _rule(scoped, street, on: bool):
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        tenant.settings = {**(tenant.settings or {}), "alliance_active_agreements_only": on}
        session.commit()


@both_backends
def test_with_the_rule_on_a_unit_whose_agreement_expired_is_refused_and_told_why(
    app, client, street, make_user, scoped
):
    csrf_off(app)
    alliance = make_event(scoped, street, title="联盟共建日", audience="alliance")
    public = make_event(scoped, street, title="公益集市", audience="public")
    unit_id, user_id, phone = unit_with_account(scoped, street, make_user)
    add_agreement(scoped, street, unit_id, ends_in_days=-5)
    ended = (date.today() - timedelta(days=5)).isoformat()
    login(client, "alpha", phone)

    _rule(scoped, street, True)
    refused = client.post(join_url(alliance), data={"headcount": "2"})
    assert refused.status_code == 422
    assert f"贵单位的联建协议已于 {ended} 到期，续签后才能报名联盟活动" in refused.get_data(
        as_text=True
    )
    # the engine's own sign-up route meets the same rule
    engine = client.post(
        f"/alpha/events/{alliance}/register",
        data={"headcount": "2"},
        headers={"HX-Request": "true"},
    )
    assert "续签后才能报名联盟活动" in engine.get_data(as_text=True)
    assert _registration(scoped, street, alliance, user_id) is None
    # public events are not the alliance's to restrict
    assert client.post(join_url(public), data={"headcount": "2"}).status_code == 302

    _rule(scoped, street, False)
    assert client.post(join_url(alliance), data={"headcount": "2"}).status_code == 302


def test_with_the_rule_on_a_unit_without_an_agreement_is_told_to_sign_one(
    app, client, street, make_user, scoped
):
    csrf_off(app)
    alliance = make_event(scoped, street, audience="alliance")
    _unit_id, _user, phone = unit_with_account(scoped, street, make_user)
    _rule(scoped, street, True)
    login(client, "alpha", phone)
    refused = client.post(join_url(alliance), data={"headcount": "2"})
    assert "贵单位尚未签订联建协议" in refused.get_data(as_text=True)


def test_the_admin_sets_the_rule(app, client, street, make_user, scoped):
    login(client, "alpha", street.admin_phone)
    page = client.get("/alpha/alliance/settings")
    assert "只允许联建协议有效的单位报名联盟活动" in page.get_data(as_text=True)
    assert client.post("/alpha/alliance/settings", data={"active_only": "y"}).status_code == 302
    with scoped(street) as session:
        assert session.get(Tenant, street.id).settings["alliance_active_agreements_only"] is True
    _s, staff = make_user(street, "staff")
    staff_client = signed_in(app, "alpha", staff)
    assert staff_client.get("/alpha/alliance/settings").status_code == 403


# --- a constant number of statements -------------------------------------------------------------


def test_the_home_runs_the_same_statements_at_1x_and_10x(app, client, street, make_user, scoped):
    community = add_community(scoped, street, "朝阳社区")
    unit_id, user_id, phone = _unit(
        scoped, street, make_user, community_id=community, tags="医疗义诊"
    )
    volunteers = [make_user(street, name=f"成员{i}")[0] for i in range(10)]
    login(client, "alpha", phone)

    def grow(n):
        from saas.db import utcnow
        from tenants.events.models import Attendance, Event

        with scoped(street) as session:
            for i in range(n):
                event = Event(
                    title=f"共建活动{i}",
                    starts_at=utcnow() + timedelta(days=i + 1),
                    ends_at=utcnow() + timedelta(days=i + 1, hours=2),
                    audience="alliance",
                    status="published",
                )
                past = Event(
                    title=f"往期活动{i}",
                    starts_at=utcnow() - timedelta(days=i + 1),
                    ends_at=utcnow() - timedelta(days=i + 1) + timedelta(hours=2),
                    audience="alliance",
                    status="finished",
                )
                session.add_all([event, past])
                session.flush()
                for e in (event, past):
                    reg = Registration(event_id=e.id, user_id=user_id, headcount=3)
                    session.add(reg)
                    session.flush()
                    member = volunteers[i % len(volunteers)]
                    session.add(
                        UnitMember(registration_id=reg.id, organisation_id=unit_id, user_id=member)
                    )
                session.add(
                    Attendance(
                        event_id=past.id,
                        user_id=volunteers[i % len(volunteers)],
                        hours=2,
                        source="entered",
                        confirmed_at=utcnow(),
                    )
                )
                meeting = Meeting(title=f"会议{i}", starts_at=utcnow() + timedelta(days=i))
                session.add(meeting)
                session.flush()
                session.add(MeetingInvite(meeting_id=meeting.id, organisation_id=unit_id))
                session.add(
                    Resolution(
                        meeting_id=meeting.id,
                        text=f"决议{i}",
                        owner_organisation_id=unit_id,
                        due_on=date.today(),
                    )
                )
                session.add(Resource(organisation_id=unit_id, kind="skills", title=f"资源{i}"))
                session.add(Need(title=f"需求{i}", tags="医疗义诊"))
                session.add(Need(title=f"社区需求{i}", community_id=community))
                # another event still open to the unit
                session.add(
                    Event(
                        title=f"可报名{i}",
                        starts_at=utcnow() + timedelta(days=i + 2),
                        ends_at=utcnow() + timedelta(days=i + 2, hours=2),
                        audience="alliance",
                        status="published",
                    )
                )
            session.commit()

    page = assert_statements_do_not_grow(app, client, HOME, grow, 10, 20)
    assert "共建活动" in page and "可报名" in page and "成员" in page


@both_backends
def test_another_streets_unit_gets_404_for_this_streets_ids(
    app, client, street, make_user, scoped, make_street
):
    event = make_event(scoped, street, audience="alliance")
    _mine, me, phone = _unit(scoped, street, make_user)
    assert (
        signed_in(app, "alpha", phone).post(join_url(event), data={"headcount": "1"}).status_code
        == 302
    )
    registration = _registration(scoped, street, event, me)
    beta = make_street("beta")
    _theirs, _them, their_phone = _unit(scoped, beta, make_user, "乙街道单位")
    login(client, "beta", their_phone)
    assert client.get(f"/beta/alliance/unit/events/{event}/join").status_code == 404
    assert (
        client.post(f"/beta/alliance/unit/events/{event}/join", data={"headcount": "1"}).status_code
        == 404
    )
    assert client.post(f"/beta/alliance/unit/signups/{registration.id}/cancel").status_code == 404
    assert _registration(scoped, street, event, me).status == RegistrationStatus.registered
