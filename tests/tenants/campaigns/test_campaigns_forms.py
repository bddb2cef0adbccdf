"""A campaign's form: clear Chinese refusals with the input kept (422), one campaign per season
of a year even when two saves race; and its targets' and entries' numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from saas.errors import ServiceError
from saas.ui import street_today
from tenants.campaigns import campaigns as services
from tenants.campaigns.models import Campaign, Target, TargetEntry
from tests.conftest import both_backends
from tests.tenants.campaigns.factories import make_campaign, make_target
from tests.tenants.factories import signed_in

YEAR = 2032


def _form(**kw) -> dict:
    return {
        "year": str(YEAR),
        "season": "spring",
        "theme": "jobs",
        "custom_theme": "",
        "name": "春·助企帮招",
        "starts_on": f"{YEAR}-01-01",
        "ends_on": f"{YEAR}-03-31",
        "description": "招工",
        "owner": "",
        **kw,
    }


def test_create_and_edit(app, make_street, scoped):
    street = make_street()
    client = signed_in(app, street.slug, street.admin_phone)
    assert client.get(f"/{street.slug}/campaigns/new?year={YEAR}&season=autumn").status_code == 200
    response = client.post(f"/{street.slug}/campaigns/new", data=_form(owner=str(street.admin_id)))
    assert response.status_code == 302
    with scoped(street) as session:
        campaign = session.scalar(select(Campaign))
        assert (campaign.name, campaign.owner_id, campaign.status) == (
            "春·助企帮招", street.admin_id, "draft",
        )  # fmt: skip
    edit = f"/{street.slug}/campaigns/{campaign.id}/edit"
    assert client.get(edit).status_code == 200
    assert client.post(edit, data=_form(name="春·助企帮招2")).status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(Campaign.name)) == "春·助企帮招2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": f"{YEAR}-01-01", "starts_on": f"{YEAR}-02-01"}, "结束日期不能早于开始日期"),
        ({"theme": "custom", "custom_theme": "  "}, "选择自定主题时，请填写主题名称"),
        ({"year": "1999"}, "年份须在 2000–2100 之间"),
        ({"year": "2101"}, "年份须在 2000–2100 之间"),
        ({"year": "²"}, "年份须在 2000–2100 之间"),
        ({"year": "9" * 25}, "年份须在 2000–2100 之间"),
        ({"name": ""}, "请填写活动名称"),
        ({"starts_on": "2032-13-40"}, "请填写有效的日期"),
        ({"owner": "99999"}, "请选择本街道的工作人员作为负责人"),
        ({"owner": "abc"}, "请选择本街道的工作人员作为负责人"),
        ({"season": "monsoon"}, "请选择季节"),
    ],
)
def test_refusals_keep_the_input(app, make_street, scoped, changes, message):
    street = make_street()
    client = signed_in(app, street.slug, street.admin_phone)
    data = _form(description="保留这段介绍", **changes)
    response = client.post(f"/{street.slug}/campaigns/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "保留这段介绍" in page
    with scoped(street) as session:
        assert session.scalar(select(func.count(Campaign.id))) == 0


def test_a_season_of_a_year_once(app, make_street, scoped):
    street = make_street()
    make_campaign(scoped, street, "spring", "jobs", YEAR)
    other = make_campaign(scoped, street, "summer", "matchmaking", YEAR)
    client = signed_in(app, street.slug, street.admin_phone)
    response = client.post(f"/{street.slug}/campaigns/new", data=_form(name="第二个春季"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"{YEAR} 年的春季已有一季一品活动，每季只能有一个" in page and "第二个春季" in page
    # moving another campaign onto the taken season is refused too
    response = client.post(f"/{street.slug}/campaigns/{other}/edit", data=_form())
    assert response.status_code == 422


@both_backends
def test_a_race_for_the_same_season_is_caught(app, make_street, scoped, monkeypatch):
    """Both saves pass the check before either is written: the unique key refuses the second,
    and the same message is shown."""
    street = make_street()
    make_campaign(scoped, street, "spring", "jobs", YEAR)
    monkeypatch.setattr(services, "_season_taken", lambda *a, **k: False)
    client = signed_in(app, street.slug, street.admin_phone)
    response = client.post(f"/{street.slug}/campaigns/new", data=_form(name="抢先"))
    assert response.status_code == 422
    assert "春季已有一季一品活动" in response.get_data(as_text=True)


def _target_form(**kw):
    return {"name": "求职登记", "source": "computed", "kpi": "job_seekers", "target_value": "230",
            "unit": "", **kw}  # fmt: skip


def test_targets_computed_and_entered(app, make_street, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    client = signed_in(app, street.slug, street.admin_phone)
    url = f"/{street.slug}/campaigns/{campaign}/targets/new"
    page = client.get(url).get_data(as_text=True)
    # the theme's KPIs (kpis_for) before the others'
    assert page.index('value="job_seekers"') < page.index('value="relief_households"')
    assert client.post(url, data=_target_form()).status_code == 302
    assert client.post(url, data=_target_form(name="资助学生", source="entered", kpi="",
                                              unit="名", target_value="２７")).status_code == 302  # fmt: skip
    with scoped(street) as session:
        rows = {t.name: t for t in session.scalars(select(Target))}
    assert rows["求职登记"].unit == "人" and rows["求职登记"].target_value == 230
    assert rows["资助学生"].kpi is None and rows["资助学生"].target_value == 27
    edit = f"/{street.slug}/campaigns/{campaign}/targets/{rows['资助学生'].id}/edit"
    assert client.get(edit).status_code == 200
    assert client.post(edit, data=_target_form(name="资助学生", source="entered", kpi="",
                                               unit="名", target_value="30.5")).status_code == 302  # fmt: skip
    remove = f"/{street.slug}/campaigns/{campaign}/targets/{rows['求职登记'].id}/remove"
    assert client.post(remove).status_code == 302
    with scoped(street) as session:
        assert [(t.name, t.target_value) for t in session.scalars(select(Target))] == [
            ("资助学生", 30.5)
        ]
    # an entered target goes with its entries
    with scoped(street) as session:
        session.add(TargetEntry(target_id=rows["资助学生"].id, entered_on=street_today(), value=3))
        session.commit()
    assert client.post(edit.replace("/edit", "/remove")).status_code == 302
    with scoped(street) as session:
        assert session.scalars(select(TargetEntry)).all() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target_value": "0"}, "目标值须大于 0"),
        ({"target_value": "-5"}, "目标值须大于 0"),
        ({"target_value": "abc"}, "目标值须是数字"),
        ({"target_value": "1e9999"}, "目标值须是数字"),
        ({"target_value": "1.234"}, "目标值最多保留两位小数"),
        ({"target_value": "٣"}, "目标值须是数字"),
        ({"target_value": "9" * 25}, "目标值过大"),
        ({"target_value": ""}, "请填写目标值"),
        ({"kpi": ""}, "请选择自动统计的指标"),
        ({"kpi": "nonsense"}, "请选择自动统计的指标"),
        ({"source": "entered", "kpi": "", "unit": ""}, "手工填报的指标请填写单位"),
        ({"name": ""}, "请填写指标名称"),
    ],
)
def test_target_refusals(app, make_street, scoped, changes, message):
    street = make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    client = signed_in(app, street.slug, street.admin_phone)
    response = client.post(
        f"/{street.slug}/campaigns/{campaign}/targets/new", data=_target_form(**changes)
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(func.count(Target.id))) == 0


def test_the_same_target_name_twice(app, make_street, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "spring", "jobs", YEAR)
    make_target(scoped, street, campaign, "job_seekers", name="求职登记")
    client = signed_in(app, street.slug, street.admin_phone)
    response = client.post(f"/{street.slug}/campaigns/{campaign}/targets/new", data=_target_form())
    assert response.status_code == 422
    assert "本活动已有同名指标" in response.get_data(as_text=True)


def test_entries(app, make_street, scoped):
    street = make_street()
    campaign = make_campaign(scoped, street, "winter", "relief", YEAR)
    target = make_target(scoped, street, campaign, None, 27, name="资助学生")
    computed = make_target(scoped, street, campaign, "relief_visits", 5)
    client = signed_in(app, street.slug, street.admin_phone)
    url = f"/{street.slug}/campaigns/{campaign}/targets/{target}/entries"
    today = street_today()
    assert client.get(url).status_code == 200
    for changes, message in [
        ({"entered_on": (today + timedelta(days=1)).isoformat()}, "日期不能晚于今天"),
        ({"value": "0"}, "完成数须大于 0"),
        ({"value": "x"}, "完成数须是数字"),
        ({"entered_on": ""}, "请填写日期"),
    ]:
        data = {"entered_on": today.isoformat(), "value": "3", "note": "第一批", **changes}
        response = client.post(url, data=data)
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True)
        assert "第一批" in response.get_data(as_text=True)
    data = {"entered_on": today.isoformat(), "value": "３", "note": "第一批"}
    assert client.post(url, data=data).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "第一批" in page and "3/27" in page
    assert client.get(url + ".xlsx").status_code == 200
    # a computed target takes no entries
    response = client.post(
        f"/{street.slug}/campaigns/{campaign}/targets/{computed}/entries",
        data={"entered_on": today.isoformat(), "value": "3"},
    )
    assert response.status_code == 422
    assert "该指标自动统计，不能手工填报" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(func.sum(TargetEntry.value))) == 3


def test_parse_amount():
    assert services.parse_amount("１２.５", "v") == 12.5
    assert services.parse_amount("1,000", "v") == 1000
    for raw in ("0", "-1", "abc", "1e9999", "0.001", "NaN", "Infinity", "", None, "10²"):
        with pytest.raises(ServiceError):
            services.parse_amount(raw, "v")
