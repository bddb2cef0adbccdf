"""Importing alliance units and merchants: credit codes checked with python-stdnum, duplicates
by credit code, name or (merchants) phone, within the file and against the street."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tenants.merchants.models import Circle, Merchant
from tenants.orgs.models import Organisation
from tests.conftest import both_backends
from tests.saas.test_imports import (
    batch_of,
    issues_of,
    street_with_communities,
    upload,
    xlsx,
)

UNIT_HEADERS = ["单位名称", "单位类型", "统一社会信用代码", "联系电话", "所在社区", "党员人数"]
MERCHANT_HEADERS = ["店名", "行业类别", "统一社会信用代码", "联系电话", "所属商圈"]
GOOD_CODE, OTHER_CODE = "91110000600037341L", "91310000MA1FL8LQ1X"


@pytest.fixture
def street(make_street, scoped, client):
    return street_with_communities(make_street, scoped, client)


@pytest.fixture
def circle(scoped, street):
    with scoped(street) as session:
        session.add(Circle(name="东风商圈", member_day=27))
        session.commit()


def orgs(scoped, street, kind):
    with scoped(street) as session:
        return set(session.scalars(select(Organisation.name).where(Organisation.kind == kind)))


@both_backends
def test_units_are_checked_then_written(client, street, scoped):
    rows = [
        ["甲公司", "民企", GOOD_CODE, "13900000005", "东风社区", "12"],
        ["乙公司", "外企", "911100001000000000", "139", "南山社区", "很多"],
        ["丙公司", "国企", GOOD_CODE, "", "", ""],
    ]
    upload(client, street, xlsx(rows, UNIT_HEADERS), kind="alliance_units")
    batch = batch_of(scoped, street)
    problems = issues_of(scoped, street, batch.id)
    assert [(r, c) for r, c, _m in problems] == [
        (3, "单位类型"),
        (3, "统一社会信用代码"),
        (3, "联系电话"),
        (3, "党员人数"),
        (4, "统一社会信用代码"),
    ]
    assert problems[1][2].startswith("统一社会信用代码不正确")
    assert problems[4][2] == "与第 2 行重复"

    upload(client, street, xlsx([rows[0]], UNIT_HEADERS), kind="alliance_units")
    batch = batch_of(scoped, street)
    assert batch.status == "ready"
    client.post(f"/{street.slug}/imports/batches/{batch.id}/commit")
    assert batch_of(scoped, street).status == "done"
    with scoped(street) as session:
        unit = session.scalar(select(Organisation).where(Organisation.name == "甲公司"))
        assert (unit.kind, unit.org_type, unit.credit_code, unit.party_members) == (
            "alliance",
            "private",
            GOOD_CODE,
            12,
        )
        assert unit.community_id is not None
    page = client.get(f"/{street.slug}/alliance/units").get_data(as_text=True)
    assert "甲公司" in page

    # the same code again, under another name: an existing record
    again = [["丁公司", "民企", GOOD_CODE, "", "", ""]]
    upload(client, street, xlsx(again, UNIT_HEADERS), kind="alliance_units", on_existing="skip")
    batch = batch_of(scoped, street)
    assert batch.status == "invalid"  # nothing left to import
    assert issues_of(scoped, street, batch.id) == [
        (2, "统一社会信用代码", "该统一社会信用代码已登记：甲公司")
    ]


@both_backends
def test_merchants_duplicates_by_phone_or_credit_code(client, street, scoped, circle):
    rows = [
        ["便利店", "超市便利", GOOD_CODE, "13900000005", "东风商圈"],
        ["面馆", "餐饮", "", "13900000005", ""],  # same phone as row 2
        ["理发店", "理发美容", GOOD_CODE, "", ""],  # same code as row 2
        ["药店", "药店诊所", OTHER_CODE, "", "西湖商圈"],  # no such circle
    ]
    upload(client, street, xlsx(rows, MERCHANT_HEADERS), kind="merchants")
    batch = batch_of(scoped, street)
    assert issues_of(scoped, street, batch.id) == [
        (3, "联系电话", "与第 2 行重复"),
        (4, "统一社会信用代码", "与第 2 行重复"),
        (5, "所属商圈", "本街道没有这个商圈，请填写商圈的全称"),
    ]
    upload(client, street, xlsx([rows[0]], MERCHANT_HEADERS), kind="merchants")
    batch = batch_of(scoped, street)
    client.post(f"/{street.slug}/imports/batches/{batch.id}/commit")
    assert batch_of(scoped, street).status == "done"
    with scoped(street) as session:
        profile = session.scalar(select(Merchant))
        assert profile.category == "grocery" and profile.circle_id is not None
    assert orgs(scoped, street, "merchant") == {"便利店"}

    # a merchant already registered with this phone is an existing record
    upload(
        client,
        street,
        xlsx([["新店", "餐饮", "", "13900000005", ""]], MERCHANT_HEADERS),
        kind="merchants",
        on_existing="refuse",
    )
    batch = batch_of(scoped, street)
    assert issues_of(scoped, street, batch.id) == [(2, "联系电话", "该联系电话已登记：便利店")]
