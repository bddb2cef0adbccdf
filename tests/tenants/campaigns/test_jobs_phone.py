"""The jobs registry on phones: residents register and follow their matches; an employer's
account posts and closes its own positions; job fairs' booths and their public page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from saas.db import utcnow
from tenants.campaigns.jobs_models import Booth, JobPosition, JobSeeker
from tenants.events.models import Registration
from tests.tenants.alliance.factories import link_account, make_unit
from tests.tenants.campaigns.factories import (
    link_event,
    make_employer,
    make_position,
    make_seeker,
)
from tests.tenants.campaigns.factories_jobs import launched_jobs_campaign, make_match
from tests.tenants.factories import (
    assert_statements_do_not_grow,
    make_event,
    signed_in,
)


@pytest.fixture
def street(make_street):
    return make_street("alpha")


def test_resident_registers_once_and_sees_only_their_own(app, client, street, scoped, make_user):
    campaign = launched_jobs_campaign(scoped, street)
    employer = make_employer(scoped, street, "星海科技")
    position = make_position(scoped, street, campaign, employer, title="质检员", pay_min=4000)
    make_position(scoped, street, campaign, employer, title="已停岗位", status="closed")
    other = make_seeker(scoped, street, campaign, "13700000055", name="别人的名字")
    make_match(scoped, street, other, position)
    # anyone reads the open positions
    body = client.get(f"/{street.slug}/jobs").get_data(as_text=True)
    assert "质检员" in body and "4000 元/月起" in body and "已停岗位" not in body
    assert "登录后登记求职" in body

    _uid, phone = make_user(street, "volunteer", name="王小明")
    resident = signed_in(app, street.slug, phone)
    body = resident.get(f"/{street.slug}/jobs").get_data(as_text=True)
    assert "王小明" in body and phone in body  # prefilled
    url = f"/{street.slug}/jobs/register"
    r = resident.post(url, data={"name": "王小明", "phone": phone, "age_band": ""})
    assert r.status_code == 422 and "请选择年龄段" in r.get_data(as_text=True)
    r = resident.post(url, data={"name": "王小明", "phone": phone, "age_band": "under_25",
                                 "wanted": "质检"})  # fmt: skip
    assert r.status_code == 302
    r = resident.post(url, data={"name": "王小明", "phone": phone, "age_band": "under_25"})
    assert r.status_code == 422 and "你已在本季助企帮招中登记过求职" in r.get_data(as_text=True)
    with scoped(street) as session:
        mine = session.scalar(select(JobSeeker).where(JobSeeker.phone == phone))
        assert mine.created_by is None and mine.campaign_id == campaign
    make_match(scoped, street, mine.id, position, status="interview",
               interview_at=utcnow() + timedelta(days=1))  # fmt: skip
    body = resident.get(f"/{street.slug}/jobs").get_data(as_text=True)
    assert "我的求职登记" in body and "已安排面试" in body
    assert "别人的名字" not in body and "13700000055" not in body


def test_resident_page_statements_do_not_grow(app, street, scoped, make_user):
    campaign = launched_jobs_campaign(scoped, street)
    employer = make_employer(scoped, street)
    _uid, phone = make_user(street, "volunteer")
    seeker = make_seeker(scoped, street, campaign, phone, user_id=_uid)
    resident = signed_in(app, street.slug, phone)
    made = []

    def grow(n):
        while len(made) < n:
            p = make_position(scoped, street, campaign, employer, title=f"岗位{len(made)}")
            make_match(scoped, street, seeker, p)
            made.append(p)

    assert_statements_do_not_grow(app, resident, f"/{street.slug}/jobs", grow, 10, 30)


def _employer_account(scoped, street, make_user, name="星海机械厂"):
    unit = make_unit(scoped, street, name)
    user_id, phone = make_user(street, "org", name=name + "联系人")
    link_account(scoped, street, user_id, unit)
    employer = make_employer(scoped, street, name, organisation_id=unit)
    return unit, employer, user_id, phone


def test_employer_posts_and_closes_its_own(app, street, scoped, make_user):
    campaign = launched_jobs_campaign(scoped, street)
    _unit, employer, _uid, phone = _employer_account(scoped, street, make_user)
    other = make_employer(scoped, street, "别家公司")
    theirs = make_position(scoped, street, campaign, other, title="别家岗位")
    account = signed_in(app, street.slug, phone)
    assert "我的招聘岗位" in account.get(f"/{street.slug}/jobs/mine").get_data(as_text=True)
    r = account.post(f"/{street.slug}/jobs/mine/new",
                     data={"title": "装配工", "openings": "0", "pay_min": "3k"})  # fmt: skip
    assert r.status_code == 422 and "招聘人数至少为 1" in r.get_data(as_text=True)
    r = account.post(f"/{street.slug}/jobs/mine/new",
                     data={"title": "装配工", "openings": "3", "pay_min": "3k"})  # fmt: skip
    assert r.status_code == 302
    with scoped(street) as session:
        mine = session.scalar(select(JobPosition).where(JobPosition.title == "装配工"))
        assert mine.employer_id == employer and mine.campaign_id == campaign
    seeker = make_seeker(scoped, street, campaign, "13700000066", name="求职人甲")
    make_match(scoped, street, seeker, mine.id)
    body = account.get(f"/{street.slug}/jobs/mine").get_data(as_text=True)
    assert "已推荐 1 人" in body and "求职人甲" not in body and "别家岗位" not in body
    url = f"/{street.slug}/jobs/mine/{mine.id}/status"
    assert account.post(url, data={"status": "closed"}).status_code == 302
    assert account.post(f"/{street.slug}/jobs/mine/{theirs}/status",
                        data={"status": "closed"}).status_code == 404  # fmt: skip
    with scoped(street) as session:
        statuses = dict(session.execute(select(JobPosition.title, JobPosition.status)).all())
        assert statuses == {"装配工": "closed", "别家岗位": "open"}


def test_an_org_that_is_no_employer_has_no_jobs_page(app, street, scoped, make_user):
    unit = make_unit(scoped, street, "普通单位")
    user_id, phone = make_user(street, "org")
    link_account(scoped, street, user_id, unit)
    account = signed_in(app, street.slug, phone)
    assert account.get(f"/{street.slug}/jobs/mine").status_code == 404


def test_employer_page_statements_do_not_grow(app, street, scoped, make_user):
    campaign = launched_jobs_campaign(scoped, street)
    _unit, employer, _uid, phone = _employer_account(scoped, street, make_user)
    account = signed_in(app, street.slug, phone)
    made = []

    def grow(n):
        while len(made) < n:
            p = make_position(scoped, street, campaign, employer, title=f"岗位{len(made)}")
            s = make_seeker(scoped, street, campaign, f"1370000{len(made):04d}")
            make_match(scoped, street, s, p)
            made.append(p)

    assert_statements_do_not_grow(app, account, f"/{street.slug}/jobs/mine", grow, 10, 30)


# --- job fairs -------------------------------------------------------------------------------


def test_job_fair_booths_from_registered_units(app, client, street, scoped, make_user):
    campaign = launched_jobs_campaign(scoped, street)
    event = make_event(scoped, street, title="春风招聘会", kind="campaign")
    link_event(scoped, street, campaign, event)
    unit, employer, org_user, _phone = _employer_account(scoped, street, make_user)
    make_position(scoped, street, campaign, employer, title="仓管员")
    with scoped(street) as session:
        session.add(Registration(event_id=event, user_id=org_user, headcount=2))
        session.commit()
    admin = signed_in(app, street.slug, street.admin_phone)
    base = f"/{street.slug}/jobs/fairs"
    assert "设为招聘会" in admin.get(base).get_data(as_text=True)
    assert admin.get(f"{base}/{event}/booths").status_code == 404  # not a fair yet
    assert client.get(f"{base}/{event}").status_code == 404
    assert admin.post(f"{base}/{event}/mark", data={"on": "1"}).status_code == 302
    body = admin.get(f"{base}/{event}/booths").get_data(as_text=True)
    assert "一键为已报名单位设展位" in body and "星海机械厂" in body
    assert admin.post(f"{base}/{event}/booths/registered").status_code == 302
    assert admin.post(f"{base}/{event}/booths/registered").status_code == 302  # once
    with scoped(street) as session:
        assert session.scalar(select(Booth.employer_id)) == employer
        assert len(session.scalars(select(Booth)).all()) == 1
    # the same employer by hand: refused in words
    r = admin.post(f"{base}/{event}/booths", data={"employer": str(employer), "label": "A1"})
    assert r.status_code == 422 and "已在这场招聘会设有展位" in r.get_data(as_text=True)
    # anyone reads the fair, with the employers' open positions
    body = client.get(f"{base}/{event}").get_data(as_text=True)
    assert "春风招聘会" in body and "星海机械厂" in body and "仓管员" in body
    # the resident's page points to it
    assert "春风招聘会" in client.get(f"/{street.slug}/jobs").get_data(as_text=True)


def test_public_fair_statements_do_not_grow(app, client, street, scoped):
    campaign = launched_jobs_campaign(scoped, street)
    event = make_event(scoped, street, title="招聘会", kind="campaign")
    link_event(scoped, street, campaign, event, job_fair=True)
    made = []

    def grow(n):
        while len(made) < n:
            e = make_employer(scoped, street, f"企业{len(made)}")
            make_position(scoped, street, campaign, e, title=f"岗位{len(made)}")
            with scoped(street) as session:
                session.add(Booth(event_id=event, employer_id=e, label=f"A{len(made)}"))
                session.commit()
            made.append(e)

    url = f"/{street.slug}/jobs/fairs/{event}"
    client.get(url)  # the street's row is cached per process after its first request
    assert_statements_do_not_grow(app, client, url, grow, 10, 20)
    admin = signed_in(app, street.slug, street.admin_phone)
    assert_statements_do_not_grow(app, admin, url + "/booths", grow, 20, 30)
    assert_statements_do_not_grow(app, admin, f"/{street.slug}/jobs/fairs", grow, 20, 30)
