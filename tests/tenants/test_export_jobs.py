"""Big exports built by a job (saas.exports): past the threshold the click answers at once, a
job replays the same export view as the same person, the inbox offers the file, only its owner
may download it, and it expires. The volunteers' passports list is the export used here; every
export view decorated with saas.xlsx.download behaves the same."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from saas.db import utcnow
from saas.exports.jobs import build, expire_all
from saas.exports.models import ExportJob, ExportStatus
from saas.exports.services import export_dir, file_of, request_export
from saas.notify.models import Notification
from saas.tenancy import all_tenants
from saas.xlsx import MIMETYPE
from tests.conftest import both_backends
from tests.tenants.factories import add_community, signed_in
from tests.tenants.test_exports import passport_of

EXPORT = "/alpha/passports/export.xlsx"


@pytest.fixture
def threshold(app, monkeypatch):
    """Exports of more than two rows go to a job."""
    monkeypatch.setitem(app.config, "EXPORT_JOB_THRESHOLD", 2)


@pytest.fixture
def volunteers(street, community, make_user, scoped):
    """Three volunteers of 朝阳社区 (one named like an injection) and one of 东风社区."""
    other = add_community(scoped, street, "东风社区")
    made = {}
    for name, where in (("张三", community), ("张四", community), ("' OR 1=1 --", community),
                        ("李五", other)):  # fmt: skip
        user_id, phone = make_user(street, "volunteer", name=name, community_id=where)
        passport_of(scoped, street, user_id)
        made[name] = (user_id, phone)
    return made


def exports_of(unscoped) -> list[ExportJob]:
    with unscoped() as session:
        rows = list(session.scalars(select(ExportJob).order_by(ExportJob.id)))
        session.expunge_all()
        return rows


def workbook_names(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_a_small_export_still_downloads_at_once(admin, volunteers, threshold, unscoped):
    response = admin.get(EXPORT + "?q=张")
    assert response.status_code == 200 and response.mimetype == MIMETYPE
    assert workbook_names(response.data) == ["张三", "张四"]
    assert exports_of(unscoped) == []


@both_backends
def test_a_big_export_is_a_job_a_notification_and_a_file_for_its_owner(
    app, admin, street, volunteers, threshold, unscoped, make_street, make_user
):
    response = admin.get(EXPORT)
    assert response.status_code == 302 and response.location.endswith("/alpha/exports")
    page = admin.get("/alpha/exports").get_data(as_text=True)
    assert "导出数据较多，文件生成后将发送到消息中心" in page
    [export] = exports_of(unscoped)
    assert export.status == ExportStatus.ready and export.owner_id == street.admin_id
    assert export.rows == 4 and export.filename == "志愿护照.xlsx"
    assert f"/alpha/exports/{export.id}" in page  # 我的导出 links the file
    with unscoped() as session:
        note = session.scalar(select(Notification).where(Notification.kind == "export.ready"))
        assert note.user_id == street.admin_id and note.link == f"/alpha/exports/{export.id}"
    assert "导出文件已生成" in admin.get("/alpha/inbox").get_data(as_text=True)

    response = admin.get(f"/alpha/exports/{export.id}")
    assert response.status_code == 200 and response.mimetype == MIMETYPE
    assert response.headers["Cache-Control"] == "private, no-store"
    assert unquote(response.headers["Content-Disposition"].split("UTF-8''")[1]) == "志愿护照.xlsx"
    assert sorted(workbook_names(response.data)) == sorted(volunteers)

    # nobody else: another office account of the street, another street's admin
    _id, phone = make_user(street, "staff")
    assert signed_in(app, "alpha", phone).get(f"/alpha/exports/{export.id}").status_code == 404
    beta = make_street("beta")
    other = signed_in(app, "beta", beta.admin_phone)
    assert other.get(f"/beta/exports/{export.id}").status_code == 404
    assert other.get(f"/alpha/exports/{export.id}").status_code == 302  # alpha's login page


def test_the_file_holds_the_filtered_rows_seen_by_the_person_who_asked(
    app, street, community, volunteers, threshold, unscoped, make_user
):
    _id, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)  # limited to 朝阳社区: 李五 is not theirs
    assert staff.get(EXPORT).status_code == 302
    [export] = exports_of(unscoped)
    data = staff.get(f"/alpha/exports/{export.id}").data
    assert sorted(workbook_names(data)) == sorted(["张三", "张四", "' OR 1=1 --"])
    admin = signed_in(app, "alpha", street.admin_phone)
    assert admin.get(EXPORT + "?q=张").status_code == 200  # two rows: at once
    assert admin.get(EXPORT + "?q=%20").status_code == 302
    last = exports_of(unscoped)[-1]
    assert last.query == "q=%20" and last.rows == 4


@pytest.mark.parametrize(
    "query", ["q=%27%20OR%201%3D1%20--", "q=" + "x" * 3000, "page=-1&community=abc", "q=%25%5C"]
)
def test_odd_filters_are_never_a_500(admin, volunteers, threshold, unscoped, query):
    response = admin.get(f"{EXPORT}?{query}")
    assert response.status_code in (200, 302)
    for export in exports_of(unscoped):
        assert export.status == ExportStatus.ready


def test_the_progress_page_polls_while_a_file_is_being_made(app, admin, street, scoped, unscoped):
    from saas.auth.models import User

    with scoped(street) as session:
        owner = session.scalar(select(User).where(User.id == street.admin_id))
        with app.test_request_context():
            first = request_export(session, owner, EXPORT, "", "志愿护照.xlsx", 9)
            again = request_export(session, owner, EXPORT, "", "志愿护照.xlsx", 9)
        assert again is first  # a double click makes one file
        session.info.pop("after_commit_jobs", None)  # the job is not run: it stays pending
        session.commit()
        first_id = first.id
    page = admin.get("/alpha/exports").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and "生成中" in page and "刷新" in page
    fragment = admin.get("/alpha/exports", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="exports"')
    assert admin.get(f"/alpha/exports/{first_id}").status_code == 404  # not ready yet


def test_a_person_who_lost_the_right_gets_no_file(app, street, scoped, unscoped, volunteers):
    user_id, phone = volunteers["张三"]
    with scoped(street) as session:
        session.add(ExportJob(owner_id=user_id, path=EXPORT, query="", filename="x.xlsx",
                               expires_at=utcnow() + timedelta(days=7)))  # fmt: skip
        session.commit()
    [export] = exports_of(unscoped)
    with app.app_context():
        from saas.jobs import run_job

        assert run_job("saas.exports.jobs:build", street.id, export.id) == "failed"
        assert run_job("saas.exports.jobs:build", street.id, export.id) == "nothing to do"
    [export] = exports_of(unscoped)
    assert export.status == ExportStatus.failed and export.stored_path == ""
    with unscoped() as session:
        note = session.scalar(select(Notification).where(Notification.kind == "export.failed"))
        assert note.user_id == user_id and note.link == "/alpha/exports"


def test_expiry_removes_the_files(app, admin, volunteers, threshold, unscoped):
    admin.get(EXPORT)
    admin.get(EXPORT + "?q=%20")
    first, second = exports_of(unscoped)
    with app.app_context():
        path = file_of(first)
        assert path is not None and path.is_relative_to(export_dir())
        with all_tenants():
            from saas.extensions import db

            db.session.get(ExportJob, (first.tenant_id, first.id)).expires_at = utcnow()
            db.session.commit()
        assert expire_all() == 1
        assert not path.exists() and file_of(second) is not None
    first, second = exports_of(unscoped)
    assert first.status == ExportStatus.expired and second.status == ExportStatus.ready
    assert admin.get(f"/alpha/exports/{first.id}").status_code == 404
    assert "已过期" in admin.get("/alpha/exports").get_data(as_text=True)
    with app.app_context():
        with all_tenants():
            db.session.get(ExportJob, (first.tenant_id, first.id)).expires_at = utcnow() - (
                timedelta(days=31)
            )
            db.session.commit()
        expire_all()
    assert [e.id for e in exports_of(unscoped)] == [second.id]


def test_build_is_not_run_twice(app, admin, volunteers, threshold, unscoped, street):
    admin.get(EXPORT)
    [export] = exports_of(unscoped)
    with app.app_context():
        from saas.jobs import run_job

        assert run_job("saas.exports.jobs:build", street.id, export.id) == "nothing to do"
    assert build  # the job's function, by its path above


def test_without_redis_a_big_export_answers_before_its_file_is_made(
    app, admin, volunteers, threshold, unscoped, monkeypatch
):
    """The embedded default runs jobs in-process: a big export's job runs in a thread (as an
    import's), so the click does not wait for the file."""
    import threading

    import saas.jobs
    from saas.exports import jobs

    answered = threading.Event()
    done = threading.Event()
    real_build = jobs.build
    real_run = saas.jobs._run_logged

    def waiting_build(export_id):
        assert answered.wait(10), "the click waited for the file"
        return real_build(export_id)

    def run_then_done(*args):
        """Done once the thread's job has committed (run_job commits after build returns)."""
        try:
            real_run(*args)
        finally:
            done.set()

    monkeypatch.setattr(jobs, "build", waiting_build)
    monkeypatch.setattr(saas.jobs, "_run_logged", run_then_done)
    monkeypatch.setitem(app.config, "LONG_JOBS_IN_THREAD", True)
    response = admin.get(EXPORT)
    answered.set()
    assert response.status_code == 302 and response.location.endswith("/alpha/exports")
    assert done.wait(10)
    [export] = exports_of(unscoped)
    assert export.status == ExportStatus.ready and export.rows == 4
