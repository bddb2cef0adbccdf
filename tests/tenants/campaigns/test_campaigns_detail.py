"""A campaign's page: targets with progress, outlines, activities with their registrations and
attendance; an event made from an outline or linked; launch told to residents and units; the
target-reached check; the residents' page and the dashboard panel."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from saas.db import utcnow
from saas.notify.models import Notification
from saas.ui import street_today
from tenants.campaigns.campaigns_jobs import check_targets
from tenants.campaigns.models import Campaign, CampaignEvent, Outline, Target, TargetEntry
from tenants.events.models import Attendance, Event, Registration
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.campaigns.factories import link_event, make_campaign, make_target
from tests.tenants.factories import assert_statements_do_not_grow, make_event, signed_in

YEAR = 2033


def _outline(scoped, street, campaign_id, title="招聘会", month=2) -> int:
    with scoped(street) as session:
        outline = Outline(campaign_id=campaign_id, title=title, month=month, description="设摊")
        session.add(outline)
        session.commit()
        return outline.id


def test_detail_shows_targets_outlines_and_activities(app, make_street, make_user, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    make_target(scoped, street, campaign, "registrations", 10, name="报名人次")
    _outline(scoped, street, campaign)
    event = make_event(scoped, street, title="春风招聘会")
    link_event(scoped, street, campaign, event)
    users = [make_user(street)[0] for _i in range(3)]
    with scoped(street) as session:
        for uid in users:
            session.add(Registration(event_id=event, user_id=uid, status="registered"))
        session.add(Attendance(event_id=event, user_id=users[0], checked_in_at=utcnow()))
        session.commit()
    client = signed_in(app, street.slug, street.admin_phone)
    page = client.get(f"/{street.slug}/campaigns/{campaign}").get_data(as_text=True)
    assert "报名人次" in page and "3/10" in page and "30%" in page
    assert "招聘会" in page and "2 月" in page
    assert "春风招聘会" in page
    row = page[page.index(f'id="event-{event}"') :]
    row = row[: row.index("</tr>")]
    assert '<td class="num">3</td>' in row and '<td class="num">1</td>' in row


def test_detail_statements_do_not_grow(app, make_street, make_user, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    client = signed_in(app, street.slug, street.admin_phone)
    uid = make_user(street)[0]

    def grow(n):
        for i in range(n):
            make_target(scoped, street, campaign, None, 5, name=f"t{uid}{i}{n}")
            _outline(scoped, street, campaign, f"o{i}{n}")
            event = make_event(scoped, street)
            link_event(scoped, street, campaign, event)
            with scoped(street) as session:
                session.add(Registration(event_id=event, user_id=uid, status="registered"))
                session.commit()

    assert_statements_do_not_grow(app, client, f"/{street.slug}/campaigns/{campaign}", grow,
                                  10, 18)  # fmt: skip


def test_create_event_from_an_outline(app, make_street, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    outline = _outline(scoped, street, campaign, "党建联盟益企招聘会", 2)
    no_month = _outline(scoped, street, campaign, "送岗上门", None)
    client = signed_in(app, street.slug, street.admin_phone)
    response = client.post(f"/{street.slug}/campaigns/{campaign}/outlines/{outline}/event")
    assert response.status_code == 302
    with scoped(street) as session:
        link = session.scalar(select(CampaignEvent))
        event = session.scalar(select(Event).where(Event.id == link.event_id))
        assert link.outline_id == outline and link.campaign_id == campaign
        assert (event.title, event.kind, event.status) == (
            "党建联盟益企招聘会",
            "campaign",
            "draft",
        )
        assert event.description == "设摊"
        assert event.starts_at.astimezone(street_zone()).date() == date(YEAR, 2, 1)
    assert response.headers["Location"].endswith(f"/{street.slug}/events/{event.id}/edit")
    client.post(f"/{street.slug}/campaigns/{campaign}/outlines/{no_month}/event")
    with scoped(street) as session:
        starts = session.scalar(select(Event.starts_at).where(Event.title == "送岗上门"))
        assert starts.astimezone(street_zone()).date() == date(YEAR, 1, 1)


def street_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def test_outlines_add_edit_remove(app, make_street, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "autumn", "care", YEAR)
    client = signed_in(app, street.slug, street.admin_phone)
    base = f"/{street.slug}/campaigns/{campaign}/outlines"
    response = client.post(base + "/new", data={"title": "", "month": "13", "description": "留"})
    assert response.status_code == 422 and "请填写活动名称" in response.get_data(as_text=True)
    response = client.post(base + "/new", data={"title": "太极", "month": "13"})
    assert response.status_code == 422 and "月份须在 1–12 之间" in response.get_data(as_text=True)
    assert client.post(base + "/new", data={"title": "太极拳班", "month": "7"}).status_code == 302
    with scoped(street) as session:
        outline = session.scalar(select(Outline))
    assert client.get(f"{base}/{outline.id}/edit").status_code == 200
    assert (
        client.post(f"{base}/{outline.id}/edit", data={"title": "太极班", "month": ""}).status_code
        == 302
    )
    with scoped(street) as session:
        assert session.scalar(select(Outline.month)) is None
    assert client.post(f"{base}/{outline.id}/remove").status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(func.count(Outline.id))) == 0


def test_link_and_unlink_events(app, make_street, scoped):
    street, other = make_street(), make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    second = make_campaign(scoped, street, "summer", "matchmaking", YEAR)
    event = make_event(scoped, street, title="可关联的活动")
    foreign = make_event(scoped, other, title="乙街道的活动")
    client = signed_in(app, street.slug, street.admin_phone)
    url = f"/{street.slug}/campaigns/{campaign}/link"
    page = client.get(url).get_data(as_text=True)
    assert "可关联的活动" in page and "乙街道的活动" not in page
    assert client.post(url, data={"event": str(foreign)}).status_code == 404
    assert client.post(url, data={"event": "²"}).status_code == 404
    response = client.post(url, data={"event": ""})
    assert response.status_code == 422 and "请选择要关联的活动" in response.get_data(as_text=True)
    assert client.post(url, data={"event": str(event)}).status_code == 302
    # an event belongs to one campaign at most
    response = client.post(f"/{street.slug}/campaigns/{second}/link", data={"event": str(event)})
    assert response.status_code == 422
    assert "该活动已关联到一季一品活动" in response.get_data(as_text=True)
    assert "可关联的活动" not in client.get(url).get_data(as_text=True).split("<form")[-1]
    unlink = f"/{street.slug}/campaigns/{campaign}/events/{event}/unlink"
    assert (
        client.post(f"/{street.slug}/campaigns/{second}/events/{event}/unlink").status_code == 404
    )
    assert client.post(unlink).status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(func.count(CampaignEvent.id))) == 0


def test_launch_tells_residents_and_units_once_then_close(
    app, make_street, make_user, scoped, monkeypatch
):
    import tenants.campaigns.campaigns_jobs as jobs

    monkeypatch.setattr(jobs, "BATCH", 2)  # several batches
    street, other = make_street(), make_street()
    residents = [make_user(street, "volunteer")[0] for _i in range(3)]
    staff = make_user(street, "staff")[0]
    _unit, account, _phone = unit_with_account(scoped, street, make_user)
    make_user(other, "volunteer")
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    client = signed_in(app, street.slug, street.admin_phone)
    response = client.post(f"/{street.slug}/campaigns/{campaign}/launch")
    assert response.status_code == 302
    with scoped(street) as session:
        told = session.scalars(
            select(Notification.user_id).where(Notification.kind == "campaigns.launched")
        ).all()
        assert session.scalar(select(Campaign.status)) == "launched"
    assert sorted(told) == sorted([*residents, account])
    assert staff not in told and street.admin_id not in told
    # once: a second click is refused, a retried job tells nobody twice
    page = client.get(
        client.post(f"/{street.slug}/campaigns/{campaign}/launch").headers["Location"]
    ).get_data(as_text=True)
    assert "该活动已启动或已结束" in page
    from saas.jobs import run_job

    with app.app_context():
        run_job("tenants.campaigns.campaigns_jobs:announce_launch", street.id, campaign)
    with scoped(street) as session:
        assert (
            session.scalar(
                select(func.count(Notification.id)).where(Notification.kind == "campaigns.launched")
            )
            == 4
        )
    assert client.post(f"/{street.slug}/campaigns/{campaign}/close").status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(Campaign.status)) == "closed"
    page = client.get(
        client.post(f"/{street.slug}/campaigns/{campaign}/close").headers["Location"]
    ).get_data(as_text=True)
    assert "只有进行中的活动可以结束" in page


def _reached(scoped, street):
    with scoped(street) as session:
        return {t.name: t.reached_at for t in session.scalars(select(Target))}


def test_target_reached_once_by_the_job_and_after_an_entry(app, make_street, make_user, scoped):
    street = make_street()
    staff, _phone = make_user(street, "staff")
    owned = make_campaign(scoped, street, "spring", "jobs", YEAR, owner_id=staff,
                          status="launched")  # fmt: skip
    ownerless = make_campaign(scoped, street, "summer", "jobs", YEAR, status="launched")
    draft = make_campaign(scoped, street, "autumn", "jobs", YEAR)
    make_target(scoped, street, owned, "registrations", 1, name="报名")
    make_target(scoped, street, ownerless, "registrations", 1, name="无主报名")
    make_target(scoped, street, draft, "registrations", 1, name="草稿报名")
    make_target(scoped, street, owned, "registrations", 50, name="远未完成")
    uid = make_user(street)[0]
    for campaign in (owned, ownerless, draft):
        event = make_event(scoped, street)
        link_event(scoped, street, campaign, event)
        with scoped(street) as session:
            session.add(Registration(event_id=event, user_id=uid, status="registered"))
            session.commit()
    with app.app_context():
        from saas.tenancy import all_tenants

        with all_tenants():
            assert check_targets() == 2
        with all_tenants():
            assert check_targets() == 0
    reached = _reached(scoped, street)
    assert reached["报名"] and reached["无主报名"]
    assert reached["草稿报名"] is None and reached["远未完成"] is None
    with scoped(street) as session:
        notes = session.execute(
            select(Notification.user_id, Notification.title).where(
                Notification.kind == "campaigns.target_reached"
            )
        ).all()
    assert sorted(uid for uid, _t in notes) == sorted([staff, street.admin_id])
    # an entry that reaches an entered target: told at once
    entered = make_target(scoped, street, owned, None, 5, name="资助学生")
    client = signed_in(app, street.slug, street.admin_phone)
    client.post(
        f"/{street.slug}/campaigns/{owned}/targets/{entered}/entries",
        data={"entered_on": street_today().isoformat(), "value": "5", "note": ""},
    )
    assert _reached(scoped, street)["资助学生"] is not None
    with scoped(street) as session:
        assert (
            session.scalar(
                select(func.count(Notification.id)).where(
                    Notification.kind == "campaigns.target_reached", Notification.user_id == staff
                )
            )
            == 2
        )


def test_residents_page_and_the_panel(app, make_street, make_user, scoped):
    street = make_street()
    year = street_today().year
    today = street_today()
    launched = make_campaign(scoped, street, "spring", "jobs", year, name="本年春",
                             status="launched", starts_on=today - timedelta(days=1),
                             ends_on=today + timedelta(days=1))  # fmt: skip
    make_campaign(scoped, street, "summer", "jobs", year, name="草稿夏")
    make_target(scoped, street, launched, None, 4, name="资助学生")
    with scoped(street) as session:
        target = session.scalar(select(Target.id))
        session.add(TargetEntry(target_id=target, entered_on=today, value=Decimal(1)))
        session.commit()
    published = make_event(scoped, street, title="已发布的招聘会")
    draft = make_event(scoped, street, title="草稿招聘会", status="draft")
    link_event(scoped, street, launched, published)
    link_event(scoped, street, launched, draft)
    _uid, phone = make_user(street, "volunteer")
    client = signed_in(app, street.slug, phone)
    page = client.get(f"/{street.slug}/seasons").get_data(as_text=True)
    assert "本年春" in page and "草稿夏" not in page
    assert "已发布的招聘会" in page and "草稿招聘会" not in page
    assert f"/{street.slug}/activities/{published}" in page
    assert "1/4" in page and "25%" in page
    admin = signed_in(app, street.slug, street.admin_phone)
    assert admin.get(f"/{street.slug}/seasons").status_code in (302, 403)
    dashboard = admin.get(f"/{street.slug}/dashboard").get_data(as_text=True)
    assert "本季一季一品" in dashboard and "本年春" in dashboard and "1/4" in dashboard
