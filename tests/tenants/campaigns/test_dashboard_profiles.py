"""相亲结缘 profiles: a resident signed up for a matchmaking campaign's event writes their own;
the office reads an event's; nobody else reads or writes any (other residents, org accounts, the
event's co-hosting merchants, another street, events of other themes)."""

from __future__ import annotations

from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.notify.models import Notification
from tenants.campaigns.models import SignupProfile
from tenants.events.models import Registration
from tests.tenants.campaigns.factories import link_event, make_campaign
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)

GOOD = {"gender": "female", "age_band": "25_29", "occupation": "工程师", "about": "喜欢爬山"}


def _matchmaking(scoped, street, **event_kw) -> int:
    campaign = make_campaign(scoped, street, "summer", "matchmaking", 2025)
    event = make_event(scoped, street, title="社区交友会", kind="campaign", **event_kw)
    link_event(scoped, street, campaign, event)
    return event


def _register(scoped, street, event_id: int, user_id: int, status: str = "registered") -> None:
    with scoped(street) as session:
        session.add(Registration(event_id=event_id, user_id=user_id, status=status))
        session.commit()


def _url(street, event_id: int, what: str = "profile") -> str:
    return f"/{street.slug}/campaigns/events/{event_id}/{what}"


def test_a_registered_resident_fills_in_their_profile(app, make_street, make_user, scoped):
    street = make_street()
    event = _matchmaking(scoped, street)
    user_id, phone = make_user(street, name="小林")
    _register(scoped, street, event, user_id)
    client = signed_in(app, street.slug, phone)

    mine = client.get(f"/{street.slug}/campaigns/matchmaking").get_data(as_text=True)
    assert "社区交友会" in mine and _url(street, event) in mine and "未填写交友资料" in mine
    assert client.get(_url(street, event)).status_code == 200
    response = client.post(_url(street, event), data=GOOD)
    assert response.status_code == 302
    with scoped(street) as session:
        profile = session.scalar(select(SignupProfile))
        assert (profile.user_id, profile.gender, profile.occupation) == (
            user_id,
            "female",
            "工程师",
        )
    # the form shows what was saved, and a second save changes the same row
    assert "工程师" in client.get(_url(street, event)).get_data(as_text=True)
    assert client.post(_url(street, event), data={**GOOD, "occupation": "教师"}).status_code == 302
    with scoped(street) as session:
        assert session.scalars(select(SignupProfile.occupation)).all() == ["教师"]
    assert "已填写交友资料" in client.get(f"/{street.slug}/campaigns/matchmaking").get_data(
        as_text=True
    )


def test_bad_input_is_refused_next_to_its_field_and_kept(app, make_street, make_user, scoped):
    street = make_street()
    event = _matchmaking(scoped, street)
    user_id, phone = make_user(street)
    _register(scoped, street, event, user_id)
    client = signed_in(app, street.slug, phone)
    for data, message in (
        ({**GOOD, "gender": "robot"}, "请选择性别"),
        ({**GOOD, "age_band": "99"}, "请选择年龄段"),
        ({**GOOD, "occupation": ""}, "请填写职业"),
        ({**GOOD, "occupation": "长" * 41}, "职业最多 40 个字"),
        ({**GOOD, "about": "<b>我</b>" * 50}, "自我介绍最多 300 个字"),
    ):
        response = client.post(_url(street, event), data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and message in body
    with scoped(street) as session:
        assert session.scalar(select(SignupProfile)) is None
    # what was typed stays on the page; HTML is text
    body = client.post(_url(street, event), data={**GOOD, "gender": "x", "about": "<i>hi</i>"})
    assert "&lt;i&gt;hi&lt;/i&gt;" in body.get_data(as_text=True)


def test_only_a_resident_signed_up_for_a_matchmaking_event_reaches_the_form(
    app, make_street, make_user, scoped
):
    street = make_street()
    event = _matchmaking(scoped, street)
    other_theme = make_campaign(scoped, street, "spring", "jobs", 2025)
    fair = make_event(scoped, street, title="招聘会", kind="campaign")
    link_event(scoped, street, other_theme, fair)
    plain = make_event(scoped, street, title="社区清洁")
    signed_up, phone = make_user(street)
    for event_id in (event, fair, plain):
        _register(scoped, street, event_id, signed_up)
    client = signed_in(app, street.slug, phone)
    assert client.get(_url(street, fair)).status_code == 404  # not a matchmaking campaign's
    assert client.get(_url(street, plain)).status_code == 404  # no campaign's
    assert client.get(_url(street, 10**18)).status_code == 404
    # not signed up (or cancelled): 404, the same as not there
    stranger_id, stranger_phone = make_user(street)
    stranger = signed_in(app, street.slug, stranger_phone)
    assert stranger.get(_url(street, event)).status_code == 404
    assert stranger.post(_url(street, event), data=GOOD).status_code == 404
    cancelled_id, cancelled_phone = make_user(street)
    _register(scoped, street, event, cancelled_id, "cancelled")
    assert signed_in(app, street.slug, cancelled_phone).get(_url(street, event)).status_code == 404
    # on the waitlist: may write theirs
    waiting_id, waiting_phone = make_user(street)
    _register(scoped, street, event, waiting_id, "waitlisted")
    assert signed_in(app, street.slug, waiting_phone).get(_url(street, event)).status_code == 200
    # another street's resident
    other = make_street()
    _, other_phone = make_user(other)
    outsider = signed_in(app, other.slug, other_phone)
    assert outsider.get(_url(other, event)).status_code == 404


def test_the_office_reads_an_events_profiles_and_nobody_else_does(
    app, make_street, make_user, scoped
):
    street = make_street()
    community = add_community(scoped, street, "和平社区")
    elsewhere = add_community(scoped, street, "幸福社区")
    event = _matchmaking(scoped, street, community_id=community)
    writer_id, writer_phone = make_user(street, name="小林")
    _register(scoped, street, event, writer_id)
    signed_in(app, street.slug, writer_phone).post(
        _url(street, event), data={**GOOD, "about": "<script>x</script>喜欢爬山"}
    )
    silent_id, _ = make_user(street, name="小王")
    _register(scoped, street, event, silent_id)

    admin = signed_in(app, street.slug, street.admin_phone)
    body = admin.get(_url(street, event, "profiles")).get_data(as_text=True)
    assert "小林" in body and "工程师" in body and "25–29岁" in body
    assert "&lt;script&gt;x&lt;/script&gt;喜欢爬山" in body and "<script>x" not in body
    assert "小王" in body and "未填写资料" in body
    with scoped(street) as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "campaigns.profiles_view")
        )
        assert entry.target == f"event:{event}"
    # staff of the event's community read them; staff of another community: not their event
    _, staff_phone = make_user(street, role="staff", community_id=community)
    assert (
        signed_in(app, street.slug, staff_phone).get(_url(street, event, "profiles")).status_code
        == 200
    )
    _, far_phone = make_user(street, role="staff", community_id=elsewhere)
    assert (
        signed_in(app, street.slug, far_phone).get(_url(street, event, "profiles")).status_code
        == 404
    )
    # residents (even signed up), org accounts (a co-hosting merchant's too): refused
    _, resident_phone = make_user(street)
    _, org_phone = make_user(street, role="org")
    for phone in (writer_phone, resident_phone, org_phone):
        response = signed_in(app, street.slug, phone).get(_url(street, event, "profiles"))
        assert response.status_code == 403
        assert "工程师" not in response.get_data(as_text=True)
    org = signed_in(app, street.slug, org_phone)
    assert org.get(_url(street, event)).status_code == 403
    assert org.post(_url(street, event), data=GOOD).status_code == 403
    # another street's admin
    other = make_street()
    outsider = signed_in(app, other.slug, other.admin_phone)
    assert outsider.get(_url(other, event, "profiles")).status_code == 404
    # an event of another theme has no profiles page
    plain = make_event(scoped, street)
    assert admin.get(_url(street, plain, "profiles")).status_code == 404


def test_signing_up_for_a_matchmaking_event_sends_the_profile_link(
    app, make_street, make_user, scoped
):
    street = make_street()
    event = _matchmaking(scoped, street)
    plain = make_event(scoped, street)
    user_id, phone = make_user(street)
    client = signed_in(app, street.slug, phone)
    assert client.post(f"/{street.slug}/events/{event}/register").status_code in (200, 302)
    assert client.post(f"/{street.slug}/events/{plain}/register").status_code in (200, 302)
    with scoped(street) as session:
        notes = session.scalars(
            select(Notification).where(Notification.kind == "campaigns.matchmaking_profile")
        ).all()
    assert [n.link for n in notes] == [_url(street, event)]
    assert notes[0].user_id == user_id


def test_the_profile_lists_run_as_many_statements_for_ten_times_the_people(
    app, make_street, make_user, scoped
):
    street = make_street()
    event = _matchmaking(scoped, street)
    me, my_phone = make_user(street)
    people: list[int] = []

    def grow(n: int) -> None:
        while len(people) < n:
            user_id, _ = make_user(street, name=f"居民{len(people)}")
            _register(scoped, street, event, user_id)
            with scoped(street) as session:
                session.add(SignupProfile(event_id=event, user_id=user_id, **GOOD))
                extra = _matchmaking_event_for(scoped, street)
                session.add(Registration(event_id=extra, user_id=me))
                session.commit()
            people.append(user_id)

    admin = signed_in(app, street.slug, street.admin_phone)
    body = assert_statements_do_not_grow(app, admin, _url(street, event, "profiles"), grow, 20, 12)
    assert body.count("工程师") == 20
    people.clear()
    resident = signed_in(app, street.slug, my_phone)
    assert_statements_do_not_grow(
        app, resident, f"/{street.slug}/campaigns/matchmaking", grow, 20, 10
    )


def _matchmaking_event_for(scoped, street) -> int:
    from tenants.campaigns.models import Campaign, CampaignEvent

    with scoped(street) as session:
        campaign = session.scalar(select(Campaign.id).where(Campaign.theme == "matchmaking"))
    event = make_event(scoped, street, title="又一场交友会", kind="campaign")
    with scoped(street) as session:
        session.add(CampaignEvent(campaign_id=campaign, event_id=event))
        session.commit()
    return event
