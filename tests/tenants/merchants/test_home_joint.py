"""Joint events (商居联合活动) with co-hosting merchants, counts per merchant, party members among
merchants' staff, and 商圈联席会议 through the party alliance's meetings (area "home")."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from saas.auth.models import User
from saas.db import utcnow
from saas.notify.models import Notification
from tenants.alliance.models import Meeting, MeetingInvite
from tenants.events.models import Attendance, EventStatus, Registration
from tenants.merchants.home_models import MerchantMember
from tenants.merchants.models import EventHost
from tenants.passport.models import Passport
from tests.conftest import both_backends
from tests.tenants.alliance.factories import make_unit, unit_with_account
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)
from tests.tenants.merchants.home_factories import make_merchant

EVENTS = "/alpha/merchants/events"
HX = {"HX-Request": "true"}  # the rows only (the page also has the chooser of every event)
COUNTS = "/alpha/merchants/events/counts"


def hosts_url(event_id: int) -> str:
    return f"/alpha/merchants/events/{event_id}/hosts"


def hosts_of(scoped, street, event_id):
    with scoped(street) as session:
        return set(
            session.scalars(select(EventHost.organisation_id).where(EventHost.event_id == event_id))
        )


@both_backends
def test_staff_set_an_events_hosts_and_it_shows_on_the_merchants_home(
    app, admin, street, make_user, scoped
):
    org, _user, phone = make_merchant(scoped, street, make_user)
    rival, _ru, _rp = make_merchant(scoped, street, make_user, "隔壁茶铺")
    event_id = make_event(scoped, street, title="老街义剪")
    form = admin.get(hosts_url(event_id)).get_data(as_text=True)
    assert "老街面馆" in form and "隔壁茶铺" in form
    done = admin.post(hosts_url(event_id), data={"hosts": [str(org), str(rival)]})
    assert done.status_code == 302
    assert hosts_of(scoped, street, event_id) == {org, rival}
    listed = admin.get(EVENTS, headers=HX).get_data(as_text=True)
    assert "老街义剪" in listed and "老街面馆、隔壁茶铺" in listed
    assert "老街义剪" in signed_in(app, "alpha", phone).get("/alpha/merchants/home").get_data(
        as_text=True
    )
    # fewer hosts, then none: it is no longer a joint event
    admin.post(hosts_url(event_id), data={"hosts": [str(rival)]})
    assert hosts_of(scoped, street, event_id) == {rival}
    admin.post(hosts_url(event_id), data={})
    assert hosts_of(scoped, street, event_id) == set()
    assert "老街义剪" not in admin.get(EVENTS, headers=HX).get_data(as_text=True)


def test_another_streets_merchant_a_unit_or_junk_cannot_co_host(
    app, admin, street, make_street, make_user, scoped
):
    other = make_street("bravo")
    theirs = make_unit(scoped, other, "乙街道商户", kind="merchant")
    unit = make_unit(scoped, street, "共建单位甲")
    org, _u, _p = make_merchant(scoped, street, make_user)
    event_id = make_event(scoped, street)
    for bad in (str(theirs), str(unit), "99999", "²", "1" * 25):
        response = admin.post(hosts_url(event_id), data={"hosts": [str(org), bad]})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "所选商户不存在或不是本街道的商户" in page
        assert f'value="{org}" checked' in page  # the choice is kept
    assert hosts_of(scoped, street, event_id) == set()


def test_another_streets_event_is_not_found(app, street, make_street, make_user, scoped):
    other = make_street("bravo")
    their_event = make_event(scoped, other, title="乙街道活动")
    org, _u, _p = make_merchant(scoped, street, make_user)
    admin = signed_in(app, "alpha", street.admin_phone)
    assert admin.get(hosts_url(their_event)).status_code == 404
    assert admin.post(hosts_url(their_event), data={"hosts": [str(org)]}).status_code == 404
    with scoped(other) as session:
        assert session.scalars(select(EventHost)).all() == []


def test_a_cancelled_event_takes_no_hosts(admin, street, make_user, scoped):
    org, _u, _p = make_merchant(scoped, street, make_user)
    event_id = make_event(scoped, street, status=EventStatus.cancelled)
    response = admin.post(hosts_url(event_id), data={"hosts": [str(org)]})
    assert response.status_code == 422 and "活动已取消" in response.get_data(as_text=True)


def test_merchants_and_volunteers_do_not_set_hosts(app, street, make_user, scoped):
    org, _u, phone = make_merchant(scoped, street, make_user)
    event_id = make_event(scoped, street)
    _v, volunteer = make_user(street)
    for who in (phone, volunteer):
        client = signed_in(app, "alpha", who)
        assert client.post(hosts_url(event_id), data={"hosts": [str(org)]}).status_code == 403
        assert client.get(EVENTS).status_code == 403
    assert hosts_of(scoped, street, event_id) == set()


def test_staff_of_one_community_see_only_its_and_the_streets_events(app, street, make_user, scoped):
    mine, theirs = (
        add_community(scoped, street, "朝阳社区"),
        add_community(scoped, street, "向阳社区"),
    )
    org, _u, _p = make_merchant(scoped, street, make_user)
    _id, phone = make_user(street, "staff", community_id=mine)
    here = make_event(scoped, street, title="朝阳活动", community_id=mine)
    there = make_event(scoped, street, title="向阳活动", community_id=theirs)
    with scoped(street) as session:
        session.add_all([EventHost(event_id=e, organisation_id=org) for e in (here, there)])
        session.commit()
    staff = signed_in(app, "alpha", phone)
    page = staff.get(EVENTS).get_data(as_text=True)
    assert "朝阳活动" in page and "向阳活动" not in page
    assert staff.get(hosts_url(there)).status_code == 404
    counts = staff.get(COUNTS).get_data(as_text=True)
    assert '<td class="num">1</td>' in counts  # one event counted, not two


def _participants(scoped, street, event_id, n_registered, n_attended, make_user, headcount=1):
    users = [make_user(street)[0] for _ in range(n_registered)]
    with scoped(street) as session:
        for i, user_id in enumerate(users):
            session.add(Registration(event_id=event_id, user_id=user_id, headcount=headcount))
            if i < n_attended:
                session.add(
                    Attendance(event_id=event_id, user_id=user_id, hours=2,
                               confirmed_at=utcnow())
                )  # fmt: skip
        session.commit()


@both_backends
def test_counts_per_merchant_and_their_export(admin, street, make_user, scoped):
    org, _u, _p = make_merchant(scoped, street, make_user)
    rival, _ru, _rp = make_merchant(scoped, street, make_user, "隔壁茶铺", circle="新街商圈")
    first = make_event(scoped, street, title="一")
    second = make_event(scoped, street, title="二")
    cancelled = make_event(scoped, street, title="三", status=EventStatus.cancelled)
    _participants(scoped, street, first, 3, 2, make_user)
    _participants(scoped, street, second, 2, 1, make_user, headcount=3)
    _participants(scoped, street, cancelled, 4, 4, make_user)
    with scoped(street) as session:
        session.add_all(
            [
                EventHost(event_id=first, organisation_id=org),
                EventHost(event_id=second, organisation_id=org),
                EventHost(event_id=second, organisation_id=rival),
                EventHost(event_id=cancelled, organisation_id=rival),
            ]
        )
        session.commit()
    response = admin.get(COUNTS + ".xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ("商户", "商圈", "联合活动", "报名", "报名人数", "签到人数")
    assert rows[1:] == [
        ("老街面馆", "老街商圈", 2, 5, 9, 3),
        ("隔壁茶铺", "新街商圈", 1, 2, 6, 1),
    ]
    # filtered by circle, in the page and in the file
    page = admin.get(COUNTS + "?circle=" + str(_circle_of(scoped, street, rival))).get_data(
        as_text=True
    )
    assert "隔壁茶铺" in page and "老街面馆" not in page
    joint = load_workbook(io.BytesIO(admin.get(EVENTS + ".xlsx?q=二").data)).active
    assert [tuple(r) for r in joint.iter_rows(values_only=True)][1][3] == "老街面馆、隔壁茶铺"


def _circle_of(scoped, street, org_id):
    from tenants.merchants.models import Merchant

    with scoped(street) as session:
        return session.scalar(select(Merchant.circle_id).where(Merchant.organisation_id == org_id))


@pytest.mark.parametrize("url", [EVENTS, COUNTS, "/alpha/merchants/party-members"])
def test_the_lists_run_the_same_statements_whatever_the_data(
    app, admin, street, make_user, scoped, monkeypatch, url
):
    # growing takes seconds (accounts): the street's row is read on every request instead
    monkeypatch.setitem(app.config, "TENANT_CACHE_SECONDS", 0)
    counter = {"n": 0}

    def grow(n):
        for _ in range(n):
            counter["n"] += 1
            org, _u, _p = make_merchant(scoped, street, make_user, f"商户{counter['n']}")
            event_id = make_event(scoped, street, title=f"活动{counter['n']}")
            _participants(scoped, street, event_id, 1, 1, make_user)
            member_id, _ = make_user(street, is_party_member=True)
            with scoped(street) as session:
                session.add(EventHost(event_id=event_id, organisation_id=org))
                session.add(MerchantMember(organisation_id=org, user_id=member_id))
                session.commit()

    assert_statements_do_not_grow(app, admin, url, grow, more=10, most=20)


# --- party members among merchants' staff ---------------------------------------------------------


def test_staff_link_a_party_member_to_a_merchant(app, admin, street, make_user, scoped):
    org, _u, phone = make_merchant(scoped, street, make_user)
    member_id, member_phone = make_user(street, name="王党员", is_party_member=True)
    _plain, plain_phone = make_user(street, name="李群众")
    for bad, message in (
        ({"organisation": str(org), "phone": plain_phone}, "本街道没有这个手机号的党员志愿者"),
        ({"organisation": str(org), "phone": "12345"}, "本街道没有这个手机号的党员志愿者"),
        ({"organisation": "²", "phone": member_phone}, "请选择本街道的商户"),
    ):
        response = admin.post("/alpha/merchants/party-members", data=bad)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page and bad["phone"] in page  # the input is kept
    assert (
        admin.post(
            "/alpha/merchants/party-members", data={"organisation": str(org), "phone": member_phone}
        ).status_code
        == 302
    )
    with scoped(street) as session:
        session.execute(
            Passport.__table__.update().where(Passport.user_id == member_id).values(hours_total=3)
        )
        assert session.scalar(select(MerchantMember.organisation_id)) == org
    page = admin.get("/alpha/merchants/party-members").get_data(as_text=True)
    assert "王党员" in page and member_phone in page  # the admin sees phones whole
    assert "王党员" in signed_in(app, "alpha", phone).get("/alpha/merchants/home").get_data(
        as_text=True
    )
    assert admin.post(f"/alpha/merchants/party-members/{member_id}/remove").status_code == 302
    with scoped(street) as session:
        assert session.scalars(select(MerchantMember)).all() == []
    assert admin.post(f"/alpha/merchants/party-members/{member_id}/remove").status_code == 404


# --- 商圈联席会议: the alliance's meetings, inviting merchants ---------------------------------------


def test_staff_invite_merchants_and_units_to_a_circle_meeting(
    app, admin, street, make_user, scoped
):
    org, merchant_user, phone = make_merchant(scoped, street, make_user)
    unit, unit_user, _up = unit_with_account(scoped, street, make_user, "共建单位甲")
    page = admin.get("/alpha/merchants/meetings/new").get_data(as_text=True)
    assert "老街面馆" in page and "共建单位甲" in page
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    response = admin.post(
        "/alpha/merchants/meetings/new",
        data={"title": "老街商圈联席会议", "kind": "joint", "on": day, "at": "19:00",
              "place": "商会", "units": [str(org), str(unit)]},
    )  # fmt: skip
    assert response.status_code == 302
    with scoped(street) as session:
        meeting = session.scalar(select(Meeting))
        assert set(session.scalars(select(MeetingInvite.organisation_id))) == {org, unit}
        links = dict(session.execute(select(Notification.user_id, Notification.link)).all())
    assert links[merchant_user] == "/alpha/merchants/home#merchant-meetings"
    assert links[unit_user] == "/alpha/alliance/unit/meetings"
    assert "老街商圈联席会议" in signed_in(app, "alpha", phone).get(
        "/alpha/merchants/home"
    ).get_data(as_text=True)
    # the office keeps it with the alliance's meetings (attendance, minutes, resolutions)
    assert "老街面馆" in admin.get(f"/alpha/alliance/meetings/{meeting.id}").get_data(as_text=True)


def test_a_circle_meeting_refuses_another_streets_merchant(app, admin, street, make_street, scoped):
    theirs = make_unit(scoped, make_street("bravo"), "乙街道商户", kind="merchant")
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    response = admin.post(
        "/alpha/merchants/meetings/new",
        data={"title": "会", "kind": "joint", "on": day, "at": "19:00", "units": [str(theirs)]},
    )
    assert response.status_code == 422
    assert "所选单位不存在或不是本街道的共建单位、商户" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalars(select(Meeting)).all() == []
        assert session.scalars(select(User).where(User.name == "乙街道商户")).all() == []
