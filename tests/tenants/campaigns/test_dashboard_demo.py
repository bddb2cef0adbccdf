"""The module's demo data: this year's four campaigns by today's date, their activities with
sign-ups and attendance, the jobs and relief registries at the reference street's figures; fast,
and loaded twice without doubling."""

from __future__ import annotations

import time
from decimal import Decimal

from sqlalchemy import func, select
from stdnum.cn import ric

from saas.streets.models import Tenant
from saas.ui import street_today
from tenants.campaigns import demo
from tenants.campaigns.jobs_models import Booth, Employer, JobMatch, JobPosition, JobSeeker
from tenants.campaigns.kpis import actuals
from tenants.campaigns.models import Campaign, CampaignEvent, Outline, Target
from tenants.campaigns.relief_models import Assistance, Household, Visit
from tenants.events.models import Attendance, Event, Registration
from tenants.passport.models import Passport
from tests.conftest import both_backends

TABLES = (Campaign, Target, Outline, CampaignEvent, Event, Registration, Attendance, Employer,
          JobPosition, JobSeeker, JobMatch, Booth, Household, Assistance, Visit)  # fmt: skip


def _load_street(app) -> int:
    from saas.demo import load_demo
    from saas.extensions import db
    from saas.tenancy import all_tenants

    with app.app_context(), all_tenants():
        load_demo(db.session, 0.05)  # 100 generated volunteers take part
        db.session.commit()
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        db.session.remove()
    return tenant_id


def _counts(session) -> dict[str, int]:
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


@both_backends
def test_the_demo_campaigns_and_registries(app, scoped):
    tenant_id = _load_street(app)  # every module's seeders, this one last
    with scoped(tenant_id) as session:
        first = _counts(session)
        today = street_today()
        campaigns = session.scalars(select(Campaign).where(Campaign.year == today.year)).all()
        assert {c.season for c in campaigns} == {"spring", "summer", "autumn", "winter"}
        for campaign in campaigns:
            expected = (
                "closed"
                if campaign.ends_on < today
                else "launched"
                if campaign.starts_on <= today
                else "draft"
            )
            assert campaign.status == expected
        # activities: finished ones with sign-ups and attendance, later ones published
        statuses = session.execute(
            select(Event.status, func.count())
            .join(CampaignEvent, CampaignEvent.event_id == Event.id)
            .group_by(Event.status)
        ).all()
        assert dict(statuses).get("finished", 0) > 0
        assert first["Attendance"] > 0 and first["Registration"] >= first["Attendance"]
        # the passports count the confirmed hours
        assert session.scalar(select(func.sum(Passport.hours_total))) > 0
        if any(c.season == "spring" and c.starts_on <= today for c in campaigns):
            assert 35 <= first["Employer"] <= 40 and first["JobSeeker"] == 230
            openings = session.scalar(select(func.sum(JobPosition.openings)))
            assert 760 <= openings <= 840
            assert session.scalar(select(func.count()).where(JobMatch.status == "hired")) == 100
            assert (
                session.scalar(select(func.count()).where(JobMatch.interview_at.is_not(None)))
                == 300
            )
            assert (
                session.scalar(select(func.count()).where(Employer.organisation_id.is_not(None)))
                > 0
            )
        assert first["Household"] == 92
        assert {g for (g,) in session.execute(select(Household.grade).distinct())} == {
            "A",
            "B",
            "C",
        }
        aid = session.scalar(
            select(func.sum(Assistance.amount)).where(Assistance.description == "助学金")
        )
        assert aid == Decimal(48000)
        assert (
            session.scalar(
                select(func.count(func.distinct(Assistance.household_id))).where(
                    Assistance.description == "助学金"
                )
            )
            == 27
        )
        overdue = session.scalar(select(func.count()).where(Household.next_visit_on < today))
        assert 0 < overdue < 92
        # only the keyed hash and a mask: never a whole number
        masked = session.scalars(select(Household.id_number_masked)).all()
        assert all(m[4:14] == "*" * 10 and len(m) == 18 for m in masked)
        # the KPIs read it all in one statement
        found = actuals(session, session.scalars(select(Target)).all())
        assert any(value > 0 for value in found.values())
    _load_street(app)
    with scoped(tenant_id) as session:
        assert _counts(session) == first


def test_the_seeder_is_fast_and_its_id_numbers_pass_cn_ric(app, scoped):
    import random

    rng = random.Random(1)
    for _ in range(50):
        assert ric.is_valid(demo.demo_id_number(rng))
    tenant_id = _load_street(app)
    from saas.extensions import db

    with scoped(tenant_id) as session:
        # a new year's data is made again from nothing: time the seeder alone
        for model in (Booth, JobMatch, JobSeeker, JobPosition, Employer, Visit, Assistance,
                      Household):  # fmt: skip
            session.query(model).delete()
        ids = session.scalars(select(CampaignEvent.event_id)).all()
        session.query(CampaignEvent).delete()
        session.query(Attendance).where(Attendance.event_id.in_(ids)).delete()
        session.query(Registration).where(Registration.event_id.in_(ids)).delete()
        session.query(Event).where(Event.id.in_(ids)).delete()
        session.query(Outline).delete()
        for target in session.scalars(select(Target)):
            session.delete(target)
        session.flush()
        session.query(Campaign).delete()
        session.commit()
        tenant = session.get(Tenant, tenant_id)
        started = time.perf_counter()
        demo.load_demo(db.session, tenant)
        session.commit()
        assert time.perf_counter() - started < 2
        assert session.scalar(select(func.count()).select_from(Household)) == 92
