"""Agreements (联建协议): their status from their dates, the form, the attachment, the reminder
30 days before the end."""

from __future__ import annotations

import io
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from saas.notify.models import Notification
from tenants.alliance.models import Agreement
from tenants.alliance.units import AgreementStatus, agreement_status
from tests.conftest import both_backends
from tests.tenants.alliance.factories import add_agreement, make_unit, unit_with_account
from tests.tenants.factories import png_bytes, signed_in

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("ends_in", "status"),
    [
        (-1, AgreementStatus.expired),  # ended yesterday
        (0, AgreementStatus.expiring),  # ends today: still in force, its last day
        (29, AgreementStatus.expiring),
        (30, AgreementStatus.expiring),
        (31, AgreementStatus.active),
    ],
)
def test_the_status_at_the_boundaries(ends_in, status):
    ends = TODAY + timedelta(days=ends_in)
    assert agreement_status(TODAY - timedelta(days=300), ends, TODAY) == status


def test_an_agreement_not_yet_begun():
    starts = TODAY + timedelta(days=1)
    assert agreement_status(starts, starts + timedelta(days=365), TODAY) == "not_started"
    assert agreement_status(TODAY, TODAY + timedelta(days=365), TODAY) == "active"


@both_backends
@pytest.mark.parametrize(
    ("ends_in", "status"),
    [(-1, "expired"), (0, "expiring"), (29, "expiring"), (30, "expiring"), (31, "active")],
)
def test_the_lists_filter_agrees_at_the_boundaries(admin, street, scoped, ends_in, status):
    """The SQL filter reads the same rules as the page: every boundary falls the same way."""
    from saas.ui import street_today

    unit = make_unit(scoped, street, "边界单位")
    with scoped(street) as session:
        ends = street_today() + timedelta(days=ends_in)
        session.add(Agreement(organisation_id=unit, signed_on=ends - timedelta(days=400),
                              starts_on=ends - timedelta(days=365), ends_on=ends))  # fmt: skip
        session.commit()
    for candidate in ("active", "expiring", "expired"):
        page = admin.get(f"/alpha/alliance/units?status={candidate}").get_data(as_text=True)
        assert ("边界单位" in page) == (candidate == status), candidate
    detail = admin.get(f"/alpha/alliance/units/{unit}").get_data(as_text=True)
    assert f"agreement-{status}" in detail


def _agreement_form(**kw) -> dict:
    return {
        "signed_on": "2025-01-01",
        "starts_on": "2025-01-10",
        "ends_on": "2027-01-09",
        "summary": "共建共享，服务社区",
        **kw,
    }


def _agreements(scoped, street) -> list[Agreement]:
    with scoped(street) as session:
        rows = session.scalars(select(Agreement)).all()
        session.expunge_all()
        return list(rows)


def test_an_agreement_ending_before_it_starts_is_refused(admin, street, scoped):
    unit = make_unit(scoped, street)
    response = admin.post(
        f"/alpha/alliance/units/{unit}/agreements",
        data=_agreement_form(ends_on="2025-01-09", summary="保留的摘要"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "结束日期不能早于开始日期" in page and "保留的摘要" in page
    assert _agreements(scoped, street) == []


def test_a_missing_date_is_refused(admin, street, scoped):
    unit = make_unit(scoped, street)
    response = admin.post(f"/alpha/alliance/units/{unit}/agreements",
                          data=_agreement_form(signed_on=""))  # fmt: skip
    assert response.status_code == 422 and "请填写签订日期" in response.get_data(as_text=True)


@both_backends
def test_the_database_refuses_an_end_before_the_start(street, scoped):
    from sqlalchemy.exc import IntegrityError

    unit = make_unit(scoped, street)
    with scoped(street) as session, pytest.raises(IntegrityError):
        session.add(Agreement(organisation_id=unit, signed_on=TODAY, starts_on=TODAY,
                              ends_on=TODAY - timedelta(days=1)))  # fmt: skip
        session.flush()


@pytest.mark.usefixtures("uploads")
def test_an_attachment_is_kept_and_served_to_the_office_and_the_units_own_accounts(
    app, admin, street, scoped, make_user
):
    unit, _uid, phone = unit_with_account(scoped, street, make_user)
    other_unit, _oid, other_phone = unit_with_account(scoped, street, make_user, "另一单位")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = admin.post(
        f"/alpha/alliance/units/{unit}/agreements",
        data=_agreement_form(attachment=(io.BytesIO(pdf), "联建协议 2025.pdf")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [agreement] = _agreements(scoped, street)
    assert agreement.attachment.endswith(".pdf") and "联建" not in agreement.attachment
    url = f"/alpha/alliance/agreements/{agreement.id}/attachment"
    for client in (admin, signed_in(app, "alpha", phone)):
        download = client.get(url)
        assert download.status_code == 200 and download.data == pdf
        assert download.mimetype == "application/pdf"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert quote("联建协议 2025.pdf") in disposition
    assert signed_in(app, "alpha", other_phone).get(url).status_code == 404
    _vid, volunteer = make_user(street, "volunteer")
    assert signed_in(app, "alpha", volunteer).get(url).status_code == 403
    assert other_unit


@pytest.mark.usefixtures("uploads")
@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "agreement.pdf"),  # HTML renamed .pdf
        (b"MZ\x90\x00 not a document", "agreement.png"),
        (b"GIF89a....", "agreement.jpg"),
    ],
)
def test_a_fake_document_is_refused_by_its_content(admin, street, scoped, content, name):
    unit = make_unit(scoped, street)
    response = admin.post(
        f"/alpha/alliance/units/{unit}/agreements",
        data=_agreement_form(attachment=(io.BytesIO(content), name)),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "附件须为 PDF、JPEG 或 PNG 文件" in response.get_data(as_text=True)
    assert _agreements(scoped, street) == []


@pytest.mark.usefixtures("uploads")
def test_a_png_scan_is_accepted_and_one_over_10_mb_refused(admin, street, scoped):
    unit = make_unit(scoped, street)
    ok = admin.post(
        f"/alpha/alliance/units/{unit}/agreements",
        data=_agreement_form(attachment=(io.BytesIO(png_bytes()), "scan.png")),
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    big = admin.post(
        f"/alpha/alliance/units/{unit}/agreements",
        data=_agreement_form(attachment=(io.BytesIO(png_bytes(10 * 1024 * 1024)), "big.png")),
        content_type="multipart/form-data",
    )
    assert big.status_code == 422 and "附件不能超过 10 MB" in big.get_data(as_text=True)
    assert len(_agreements(scoped, street)) == 1


def test_another_streets_agreement_and_unit_are_not_found(app, make_street, street, scoped):
    beta = make_street("beta")
    theirs = make_unit(scoped, beta, "乙街道单位")
    agreement = add_agreement(scoped, beta, theirs)
    admin = signed_in(app, "alpha", street.admin_phone)
    assert admin.get(f"/alpha/alliance/agreements/{agreement}/attachment").status_code == 404
    response = admin.post(f"/alpha/alliance/units/{theirs}/agreements", data=_agreement_form())
    assert response.status_code == 404


# --- the reminder 30 days before the end --------------------------------------------------------


def _run_job(app):
    from saas.tenancy import all_tenants
    from tenants.alliance.units_jobs import remind_expiring

    with app.app_context(), all_tenants():
        return remind_expiring()


def _ending_in(scoped, street, unit: int, days: int) -> None:
    """An agreement ending ``days`` after the street's today (not the machine's)."""
    from saas.ui import street_today

    add_agreement(scoped, street, unit, ends_on=street_today() + timedelta(days=days),
                  starts_on=street_today() - timedelta(days=300))  # fmt: skip


def _notes(scoped, street, user_id: int) -> list[Notification]:
    with scoped(street) as session:
        rows = session.scalars(
            select(Notification).where(
                Notification.user_id == user_id, Notification.kind == "alliance.agreement_expiring"
            )
        ).all()
        session.expunge_all()
        return list(rows)


@both_backends
def test_the_reminder_goes_once_to_the_admin_and_the_unit_and_nowhere_else(
    app, make_street, street, scoped, make_user
):
    unit, unit_user, _phone = unit_with_account(scoped, street, make_user, "将到期单位")
    _ending_in(scoped, street, unit, 30)
    later = make_unit(scoped, street, "还早的单位")
    _ending_in(scoped, street, later, 31)
    beta = make_street("beta")
    beta_unit, beta_user, _p = unit_with_account(scoped, beta, make_user, "乙街道单位")
    add_agreement(scoped, beta, beta_unit, ends_in_days=200)

    assert _run_job(app) == 1
    assert _run_job(app) == 0  # the second run sends nothing
    [admin_note] = _notes(scoped, street, street.admin_id)
    assert "将到期单位" in admin_note.title
    assert len(_notes(scoped, street, unit_user)) == 1
    assert _notes(scoped, beta, beta.admin_id) == []
    assert _notes(scoped, beta, beta_user) == []
    with scoped(street) as session:
        pending = session.scalar(select(Agreement).where(Agreement.organisation_id == later))
        assert pending.expiry_notified_at is None


def test_an_agreement_already_ended_is_not_announced(app, street, scoped):
    unit = make_unit(scoped, street)
    _ending_in(scoped, street, unit, -1)
    assert _run_job(app) == 0
    assert _notes(scoped, street, street.admin_id) == []
