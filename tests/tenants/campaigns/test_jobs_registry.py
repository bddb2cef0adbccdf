"""The office's jobs registry: employers, positions, seekers and matches (助企帮招)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.errors import ServiceError
from saas.notify.models import Notification
from tenants.campaigns.jobs import positions as position_rules
from tenants.campaigns.jobs import seekers as seeker_rules
from tenants.campaigns.jobs_models import Employer, JobMatch, JobPosition, JobSeeker
from tests.conftest import login
from tests.tenants.alliance.factories import make_unit
from tests.tenants.campaigns.factories import (
    make_campaign,
    make_employer,
    make_position,
    make_seeker,
)
from tests.tenants.campaigns.factories_jobs import launched_jobs_campaign, make_match, one
from tests.tenants.factories import add_community, signed_in


@pytest.fixture
def street(make_street):
    return make_street("alpha")


@pytest.fixture
def admin(app, street):
    return signed_in(app, street.slug, street.admin_phone)


# --- employers -------------------------------------------------------------------------------


def test_employer_from_an_organisation_or_by_name(app, admin, street, scoped, make_street):
    unit = make_unit(scoped, street, "星海机械厂", contact_phone="13900000001")
    url = f"/{street.slug}/jobs/employers/new"
    r = admin.post(url, data={"organisation": str(unit), "name": "", "contact_name": "王经理",
                              "contact_phone": "+86 139-0000-0002"})  # fmt: skip
    assert r.status_code == 302
    r = admin.post(url, data={"name": " 宏远 物流 ", "contact_phone": "１３９０００００００３"})
    assert r.status_code == 302
    with scoped(street) as session:
        rows = {e.name: e for e in session.scalars(select(Employer))}
        assert rows["星海机械厂"].organisation_id == unit
        assert rows["星海机械厂"].contact_phone == "13900000002"
        assert rows["宏远 物流"].contact_phone == "13900000003"
        actions = set(session.scalars(select(AuditEntry.action)))
        assert "campaigns.job_employer_create" in actions

    # the same name again: a clear message, the input kept
    r = admin.post(url, data={"name": "宏远 物流", "contact_name": "李四"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "已有同名的用工企业：宏远 物流" in body and "李四" in body
    # the same organisation twice
    r = admin.post(url, data={"organisation": str(unit), "name": "另一个名字"})
    assert r.status_code == 422 and "这个单位已经登记为用工企业" in r.get_data(as_text=True)
    # another street's organisation id
    other = make_street("bravo")
    theirs = make_unit(scoped, other, "乙街道单位")
    r = admin.post(url, data={"organisation": str(theirs), "name": "乙"})
    assert r.status_code == 422 and "请选择本街道的共建单位或商户" in r.get_data(as_text=True)
    # a phone that is not a mobile
    r = admin.post(url, data={"name": "丙公司", "contact_phone": "12345"})
    assert r.status_code == 422 and "11 位中国大陆手机号" in r.get_data(as_text=True)


def test_employer_phone_masked_for_all_but_the_admin(app, admin, street, scoped, make_user):
    employer = make_employer(scoped, street, contact_phone="13912345678")
    _uid, phone = make_user(street, "staff")
    staff = signed_in(app, street.slug, phone)
    assert "13912345678" in admin.get(f"/{street.slug}/jobs/employers").get_data(as_text=True)
    body = staff.get(f"/{street.slug}/jobs/employers").get_data(as_text=True)
    assert "13912345678" not in body and "139****5678" in body
    # staff edit without retyping the number: it is kept, never shown
    r = staff.get(f"/{street.slug}/jobs/employers/{employer}/edit")
    assert "13912345678" not in r.get_data(as_text=True)
    r = staff.post(f"/{street.slug}/jobs/employers/{employer}/edit",
                   data={"name": "新名字", "contact_phone": ""})  # fmt: skip
    assert r.status_code == 302
    with scoped(street) as session:
        assert one(session, Employer, employer).contact_phone == "13912345678"
    # the export masks too
    r = staff.get(f"/{street.slug}/jobs/employers/export.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("sheet")


def test_community_staff_see_their_communitys_employers(app, street, scoped, make_user):
    east, west = add_community(scoped, street, "东社区"), add_community(scoped, street, "西社区")
    make_employer(scoped, street, "东边厂", community_id=east)
    west_id = make_employer(scoped, street, "西边厂", community_id=west)
    make_employer(scoped, street, "全街道厂")
    _uid, phone = make_user(street, "staff", community_id=east)
    staff = signed_in(app, street.slug, phone)
    body = staff.get(f"/{street.slug}/jobs/employers").get_data(as_text=True)
    assert "东边厂" in body and "全街道厂" in body and "西边厂" not in body
    assert staff.get(f"/{street.slug}/jobs/employers/{west_id}/edit").status_code == 404


# --- positions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("5000", 5000), ("５０００", 5000), ("3k", 3000), ("4.5K", 4500), ("1.2万", 12000),
     ("6,000元/月", 6000), ("", None)],
)  # fmt: skip
def test_pay_as_people_type_it(raw, value):
    assert position_rules.parse_pay(raw, "pay_min") == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [("-1", "月薪不能为负数"), ("abc", "请填写整数金额"), ("4500.5", "月薪请填写整数"),
     ("٣٠٠٠", "请用数字 0–9 填写"), ("99999999", "月薪不能超过")],
)  # fmt: skip
def test_pay_refused_in_words(raw, message):
    with pytest.raises(ServiceError) as refused:
        position_rules.parse_pay(raw, "pay_min")
    assert message in refused.value.message


def test_post_a_position_with_its_rules(app, admin, street, scoped):
    campaign = launched_jobs_campaign(scoped, street)
    employer = make_employer(scoped, street)
    url = f"/{street.slug}/jobs/positions/new"
    base = {"campaign": str(campaign), "employer": str(employer), "title": "操作工",
            "openings": "10", "pay_min": "4k", "pay_max": "６０００", "status": "open"}  # fmt: skip
    for change, message in [
        ({"openings": "0"}, "招聘人数至少为 1"),
        ({"openings": "-3"}, "招聘人数至少为 1"),
        ({"openings": "三"}, "招聘人数请填写整数"),
        ({"pay_min": "7000"}, "最高月薪不能低于最低月薪"),
        ({"title": ""}, "请填写岗位名称"),
        ({"employer": ""}, "请选择用工企业"),
    ]:
        r = admin.post(url, data=base | change)
        assert r.status_code == 422, change
        body = r.get_data(as_text=True)
        assert message in body, change
        assert "操作工" in body or change == {"title": ""}
    r = admin.post(url, data=base)
    assert r.status_code == 302
    with scoped(street) as session:
        position = session.scalar(select(JobPosition))
        assert (position.pay_min, position.pay_max, position.openings) == (4000, 6000, 10)
        assert position.campaign_id == campaign


def test_position_list_filters_and_export(app, admin, street, scoped):
    campaign = launched_jobs_campaign(scoped, street)
    a, b = make_employer(scoped, street, "甲厂"), make_employer(scoped, street, "乙厂")
    make_position(scoped, street, campaign, a, title="电焊工")
    make_position(scoped, street, campaign, b, title="保洁员", status="closed")
    url = f"/{street.slug}/jobs/positions"
    body = admin.get(url).get_data(as_text=True)
    assert "电焊工" in body and "保洁员" in body
    body = admin.get(f"{url}?employer={a}").get_data(as_text=True)
    assert "电焊工" in body and "保洁员" not in body
    body = admin.get(f"{url}?status=closed").get_data(as_text=True)
    assert "电焊工" not in body and "保洁员" in body
    body = admin.get(f"{url}?q=电焊").get_data(as_text=True)
    assert "电焊工" in body and "保洁员" not in body
    assert admin.get(f"{url}?page=²&employer=9999999999999999999999").status_code == 200
    r = admin.get(f"/{street.slug}/jobs/positions/export.xlsx?status=closed")
    assert r.status_code == 200 and r.mimetype.endswith("sheet")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.data)).active
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["保洁员"]


def test_another_jobs_campaign_is_selectable(app, admin, street, scoped):
    current = launched_jobs_campaign(scoped, street)
    last_year = make_campaign(scoped, street, year=date.today().year - 1, name="去年助企帮招")
    employer = make_employer(scoped, street)
    make_position(scoped, street, current, employer, title="今年岗位")
    make_position(scoped, street, last_year, employer, title="去年岗位")
    body = admin.get(f"/{street.slug}/jobs/positions").get_data(as_text=True)
    assert "今年岗位" in body and "去年岗位" not in body
    body = admin.get(f"/{street.slug}/jobs/positions?campaign={last_year}").get_data(as_text=True)
    assert "去年岗位" in body and "今年岗位" not in body


# --- seekers ---------------------------------------------------------------------------------


def test_staff_register_a_seeker_once_per_phone(app, admin, street, scoped, make_user):
    campaign = launched_jobs_campaign(scoped, street)
    community = add_community(scoped, street, "东社区")
    account, phone = make_user(street, "volunteer", phone="13700000077")
    url = f"/{street.slug}/jobs/seekers/new"
    data = {"campaign": str(campaign), "name": "张三", "phone": "137 0000 0077",
            "age_band": "25_34", "skills": "电工证", "wanted": "电工",
            "community": str(community)}  # fmt: skip
    assert admin.post(url, data=data).status_code == 302
    with scoped(street) as session:
        seeker = session.scalar(select(JobSeeker))
        assert seeker.user_id == account and seeker.phone == "13700000077"
    r = admin.post(url, data=data | {"name": "张三二"})
    assert r.status_code == 422
    assert "这个手机号已在本季助企帮招中登记过求职" in r.get_data(as_text=True)
    r = admin.post(url, data=data | {"age_band": "old"})
    assert r.status_code == 422 and "请选择年龄段" in r.get_data(as_text=True)


def test_the_unique_key_decides_a_race(app, street, scoped, monkeypatch):
    campaign = launched_jobs_campaign(scoped, street)
    make_seeker(scoped, street, campaign, phone="13700000001")
    monkeypatch.setattr(seeker_rules, "phone_taken", lambda *a: False)
    from saas.auth.models import User

    with scoped(street) as session:
        admin = one(session, User, street.admin_id)
        from tenants.campaigns.models import Campaign

        with pytest.raises(ServiceError) as refused:
            seeker_rules.register_seeker(
                session, admin, one(session, Campaign, campaign),
                seeker_rules.SeekerInput(name="李四", phone="13700000001", age_band="25_34"),
            )  # fmt: skip
        assert "已在本季助企帮招中登记过求职" in refused.value.message
        # the transaction goes on: the savepoint rolled back alone
        assert session.scalar(select(JobSeeker.name)) == "求职者"


def test_seeker_list_filters_masks_and_community(app, admin, street, scoped, make_user):
    campaign = launched_jobs_campaign(scoped, street)
    east, west = add_community(scoped, street, "东社区"), add_community(scoped, street, "西社区")
    employer = make_employer(scoped, street)
    position = make_position(scoped, street, campaign, employer)
    a = make_seeker(scoped, street, campaign, "13700000001", name="东一", community_id=east)
    make_seeker(scoped, street, campaign, "13700000002", name="西二", community_id=west,
                age_band="45_54")  # fmt: skip
    make_match(scoped, street, a, position)
    url = f"/{street.slug}/jobs/seekers"
    body = admin.get(url).get_data(as_text=True)
    assert "13700000001" in body and "东一" in body and "西二" in body
    assert "西二" not in admin.get(f"{url}?matches=active").get_data(as_text=True)
    assert "东一" not in admin.get(f"{url}?matches=none").get_data(as_text=True)
    assert "东一" not in admin.get(f"{url}?age_band=45_54").get_data(as_text=True)
    assert "西二" not in admin.get(f"{url}?community={east}").get_data(as_text=True)
    _uid, phone = make_user(street, "staff", community_id=east)
    staff = signed_in(app, street.slug, phone)
    body = staff.get(url).get_data(as_text=True)
    assert "东一" in body and "137****0001" in body and "13700000001" not in body
    assert "西二" not in body
    # a phone is searched only by who sees it whole
    assert "东一" not in staff.get(f"{url}?q=0001").get_data(as_text=True)
    assert "东一" in admin.get(f"{url}?q=0001").get_data(as_text=True)
    r = staff.get(f"/{street.slug}/jobs/seekers/export.xlsx")
    assert r.status_code == 200 and b"13700000001" not in r.data


# --- matches ---------------------------------------------------------------------------------


def _setup_match(scoped, street, make_user, openings=1):
    campaign = launched_jobs_campaign(scoped, street)
    employer = make_employer(scoped, street)
    position = make_position(scoped, street, campaign, employer, openings=openings, title="叉车工")
    account, phone = make_user(street, "volunteer")
    seeker = make_seeker(scoped, street, campaign, phone, user_id=account)
    return campaign, position, seeker, account


def test_put_forward_interview_hire_with_notifications(app, admin, street, scoped, make_user):
    campaign, position, seeker, account = _setup_match(scoped, street, make_user)
    base = f"/{street.slug}/jobs"
    r = admin.post(f"{base}/seekers/{seeker}/matches", data={"position": str(position)})
    assert r.status_code == 302
    r = admin.post(f"{base}/seekers/{seeker}/matches", data={"position": str(position)})
    assert r.status_code == 422 and "已经向这个岗位推荐过" in r.get_data(as_text=True)
    with scoped(street) as session:
        match = session.scalar(select(JobMatch))
    step = f"{base}/{campaign}/matches/{match.id}"
    r = admin.post(f"{step}/interview", data={"interview_at": "2099-13-01T09:00"})
    assert r.status_code == 422 and "请填写有效的日期和时间" in r.get_data(as_text=True)
    assert (
        admin.post(f"{step}/interview", data={"interview_at": "2030-05-01T09:00"}).status_code
        == 302
    )
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    r = admin.post(f"{step}/hire", data={"hired_on": tomorrow})
    assert r.status_code == 422 and "入职日期不能晚于今天" in r.get_data(as_text=True)
    assert tomorrow in r.get_data(as_text=True)  # the input is kept
    r = admin.post(f"{step}/hire", data={"hired_on": date.today().isoformat(), "back": "position"})
    assert r.status_code == 302 and f"/positions/{position}" in r.headers["Location"]
    # nothing after a hire
    r = admin.post(f"{step}/decline", data={})
    assert r.status_code == 422 and "不能再改为" in r.get_data(as_text=True)
    with scoped(street) as session:
        match = one(session, JobMatch, match.id)
        assert match.status == "hired" and match.hired_on == date.today()
        notes = session.scalars(select(Notification).where(Notification.user_id == account)).all()
        assert [n.kind for n in notes] == ["campaigns.job_match"] * 2
        actions = list(session.scalars(select(AuditEntry.action)))
        for action in ("campaigns.job_match_create", "campaigns.job_match_hire"):
            assert action in actions


def test_hires_never_exceed_openings(app, admin, street, scoped, make_user):
    campaign, position, seeker, _account = _setup_match(scoped, street, make_user, openings=1)
    other = make_seeker(scoped, street, campaign, "13700000099", name="第二人")
    first = make_match(scoped, street, seeker, position)
    second = make_match(scoped, street, other, position, status="interview")
    today = date.today().isoformat()
    base = f"/{street.slug}/jobs/{campaign}/matches"
    assert admin.post(f"{base}/{first}/hire", data={"hired_on": today}).status_code == 302
    r = admin.post(f"{base}/{second}/hire", data={"hired_on": today})
    assert r.status_code == 422 and "已全部入职" in r.get_data(as_text=True)


def test_no_hire_without_a_match(app, admin, street, scoped, make_user, make_street):
    campaign, position, seeker, _account = _setup_match(scoped, street, make_user)
    match = make_match(scoped, street, seeker, position)
    other_campaign = make_campaign(scoped, street, year=date.today().year - 1)
    today = date.today().isoformat()
    base = f"/{street.slug}/jobs"
    # no such match
    assert admin.post(f"{base}/{campaign}/matches/{match + 999}/hire",
                      data={"hired_on": today}).status_code == 404  # fmt: skip
    # another campaign's
    assert admin.post(f"{base}/{other_campaign}/matches/{match}/hire",
                      data={"hired_on": today}).status_code == 404  # fmt: skip
    # another street's
    bravo = make_street("bravo")
    theirs = signed_in(app, bravo.slug, bravo.admin_phone)
    assert theirs.post(f"/{bravo.slug}/jobs/{campaign}/matches/{match}/hire",
                       data={"hired_on": today}).status_code == 404  # fmt: skip
    with scoped(street) as session:
        assert one(session, JobMatch, match).status == "matched"


def test_put_forward_from_the_positions_page(app, admin, street, scoped, make_user):
    campaign, position, seeker, _account = _setup_match(scoped, street, make_user)
    url = f"/{street.slug}/jobs/positions/{position}/matches"
    r = admin.post(url, data={"seeker": ""})
    assert r.status_code == 422 and "请选择本季的求职者" in r.get_data(as_text=True)
    assert admin.post(url, data={"seeker": str(seeker)}).status_code == 302
    body = admin.get(f"/{street.slug}/jobs/positions/{position}").get_data(as_text=True)
    assert "已推荐" in body


def test_office_only(app, street, scoped, make_user):
    _uid, phone = make_user(street, "volunteer")
    resident = signed_in(app, street.slug, phone)
    for path in ("employers", "positions", "seekers", "fairs"):
        assert resident.get(f"/{street.slug}/jobs/{path}").status_code == 403
    assert login  # the shared helper is imported for the suite's style


def test_the_audit_log_names_the_registrys_targets(app, admin, street, scoped, make_user):
    campaign, position, seeker, _account = _setup_match(scoped, street, make_user)
    admin.post(f"/{street.slug}/jobs/employers/new", data={"name": "审计企业"})
    admin.post(f"/{street.slug}/jobs/seekers/{seeker}/matches", data={"position": str(position)})
    body = admin.get(f"/{street.slug}/audit").get_data(as_text=True)
    assert "审计企业" in body and "推荐求职者" in body and "求职者" in body
