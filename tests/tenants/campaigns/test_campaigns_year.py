"""The year view 四季如花: four seasons with their campaigns' progress in a constant number of
statements; the four-theme template and last year's copy, each once per season."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from tenants.campaigns.models import Campaign, Outline, Target, TargetEntry
from tenants.campaigns.yearplan import shift_year
from tests.tenants.campaigns.factories import make_campaign, make_target
from tests.tenants.factories import assert_statements_do_not_grow, signed_in

YEAR = 2031


def test_year_view_shows_four_seasons_with_progress(app, make_street, scoped):
    street = make_street()
    spring = make_campaign(scoped, street, "spring", "jobs", YEAR, name="春·助企帮招")
    target = make_target(scoped, street, spring, None, 20, name="资助学生")
    with scoped(street) as session:
        session.add(TargetEntry(target_id=target, entered_on=date(YEAR, 1, 5), value=Decimal(5)))
        session.commit()
    client = signed_in(app, street.slug, street.admin_phone)
    page = client.get(f"/{street.slug}/campaigns?year={YEAR}").get_data(as_text=True)
    assert "春·助企帮招" in page
    assert "5/20" in page and "25%" in page
    assert 'value="25"' in page
    # the three other seasons offer to create theirs
    assert page.count("本季还没有活动") == 3
    assert "season=summer" in page
    assert f"year={YEAR + 1}" in page and f"year={YEAR - 1}" in page


def test_odd_years_fall_back_to_this_year(app, make_street):
    street = make_street()
    client = signed_in(app, street.slug, street.admin_phone)
    for raw in ("²", "9" * 25, "1999", "abc", "-1"):
        assert client.get(f"/{street.slug}/campaigns?year={raw}").status_code == 200


def test_year_view_statements_do_not_grow(app, make_street, scoped):
    street = make_street()
    client = signed_in(app, street.slug, street.admin_phone)
    seasons = ["spring", "summer", "autumn", "winter"]
    made = {"n": 0}

    def grow(n):
        with scoped(street) as session:
            have = session.scalar(select(func.count(Campaign.id)).where(Campaign.year == YEAR))
        for season in seasons[have : min(4, n)]:
            make_campaign(scoped, street, season, "jobs", YEAR)
        with scoped(street) as session:
            ids = session.scalars(select(Campaign.id).where(Campaign.year == YEAR)).all()
        for campaign_id in ids:
            for _i in range(n):
                made["n"] += 1
                make_target(scoped, street, campaign_id, "job_seekers", 5, name=f"t{made['n']}")
                entered = make_target(scoped, street, campaign_id, None, 5, name=f"e{made['n']}")
                with scoped(street) as session:
                    session.add(
                        TargetEntry(target_id=entered, entered_on=date(YEAR, 1, 1), value=1)
                    )
                    session.commit()

    assert_statements_do_not_grow(app, client, f"/{street.slug}/campaigns?year={YEAR}", grow,
                                  10, 16)  # fmt: skip


def _post(client, street, what, year=YEAR):
    return client.post(f"/{street.slug}/campaigns/{what}", data={"year": str(year)})


def test_template_creates_the_missing_seasons_once(app, make_street, scoped):
    street = make_street()
    make_campaign(scoped, street, "summer", "custom", YEAR, custom_theme="助残共融", name="夏·自定")
    client = signed_in(app, street.slug, street.admin_phone)
    response = _post(client, street, "template")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已创建：春·助企帮招、秋·养老托育、冬·纾困解难" in page
    assert "夏季已有活动，已跳过" in page
    with scoped(street) as session:
        rows = session.scalars(select(Campaign).where(Campaign.year == YEAR)).all()
        assert sorted(c.name for c in rows) == [
            "冬·纾困解难",
            "夏·自定",
            "春·助企帮招",
            "秋·养老托育",
        ]
        spring = next(c for c in rows if c.season == "spring")
        targets = session.scalars(select(Target).where(Target.campaign_id == spring.id)).all()
        assert {t.kpi for t in targets} == {
            "job_seekers", "job_openings", "job_interviews", "job_hires"
        }  # fmt: skip
        assert session.scalar(select(func.count()).select_from(Outline)) == 8
        winter = next(c for c in rows if c.season == "winter")
        entered = session.scalar(
            select(Target).where(Target.campaign_id == winter.id, Target.kpi.is_(None))
        )
        assert entered.source == "entered" and entered.target_value == 27
    # a second click makes nothing more
    page = client.get(_post(client, street, "template").headers["Location"]).get_data(as_text=True)
    assert "春、夏、秋、冬季已有活动，已跳过" in page
    with scoped(street) as session:
        assert session.scalar(select(func.count(Campaign.id))) == 4


def test_template_refuses_a_year_out_of_range(app, make_street, scoped):
    street = make_street()
    client = signed_in(app, street.slug, street.admin_phone)
    for year in ("1999", "2101", "abc", "9" * 25):
        page = client.get(_post(client, street, "template", year).headers["Location"]).get_data(
            as_text=True
        )
        assert "年份须在 2000–2100 之间" in page
    with scoped(street) as session:
        assert session.scalar(select(func.count(Campaign.id))) == 0


def test_copy_previous_year_with_targets_and_outlines(app, make_street, scoped):
    street = make_street()
    # 2028 is a leap year: a campaign ending on Feb 29 ends on Feb 28 in 2029
    old = make_campaign(
        scoped, street, "spring", "jobs", 2028, starts_on=date(2028, 1, 10),
        ends_on=date(2028, 2, 29), owner_id=street.admin_id,
    )  # fmt: skip
    target = make_target(scoped, street, old, "job_hires", 100)
    with scoped(street) as session:
        session.scalar(select(Target).where(Target.id == target)).reached_at = func.now()
        session.add(Outline(campaign_id=old, title="招聘会", month=2))
        session.commit()
    make_campaign(scoped, street, "summer", "matchmaking", 2028)
    make_campaign(scoped, street, "summer", "matchmaking", 2029, name="已有夏季")
    client = signed_in(app, street.slug, street.admin_phone)
    page = client.get(_post(client, street, "copy", 2029).headers["Location"]).get_data(
        as_text=True
    )
    assert "已创建：spring·jobs" in page and "夏季已有活动，已跳过" in page
    with scoped(street) as session:
        new = session.scalar(
            select(Campaign).where(Campaign.year == 2029, Campaign.season == "spring")
        )
        assert (new.starts_on, new.ends_on) == (date(2029, 1, 10), date(2029, 2, 28))
        assert new.status == "draft" and new.owner_id == street.admin_id
        copied = session.scalar(select(Target).where(Target.campaign_id == new.id))
        assert copied.kpi == "job_hires" and copied.target_value == 100
        assert copied.reached_at is None
        assert (
            session.scalar(select(Outline.title).where(Outline.campaign_id == new.id)) == "招聘会"
        )
    # nothing to copy from an empty year
    page = client.get(_post(client, street, "copy", 2040).headers["Location"]).get_data(
        as_text=True
    )
    assert "2039 年没有一季一品活动可以复制" in page


def test_shift_year():
    assert shift_year(date(2028, 2, 29)) == date(2029, 2, 28)
    assert shift_year(date(2027, 3, 1)) == date(2028, 3, 1)


def test_residents_and_units_do_not_see_the_office_pages(app, make_street, make_user):
    street = make_street()
    _uid, phone = make_user(street, "volunteer")
    client = signed_in(app, street.slug, phone)
    assert client.get(f"/{street.slug}/campaigns").status_code in (302, 403, 404)
    assert client.post(f"/{street.slug}/campaigns/template", data={"year": YEAR}).status_code in (
        302, 403, 404,
    )  # fmt: skip
