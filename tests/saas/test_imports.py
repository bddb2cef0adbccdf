"""Imports: template, upload, the check by row and column, the all-or-nothing write, and every
bad input the issue names (each a clear Chinese report, nothing half-imported)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from saas.auth.models import User
from saas.imports.models import ImportIssue, ImportJob
from tenants.passport.models import Passport
from tenants.structure.models import Community
from tests.conftest import both_backends, login

HEADERS = ["姓名", "手机号", "所在社区", "是否党员"]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if headers is not None:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def street(make_street, scoped, client):
    return street_with_communities(make_street, scoped, client)


def street_with_communities(make_street, scoped, client):
    """Street alpha with 东风社区 and 西湖社区, its admin signed in on ``client``."""
    street = make_street("alpha")
    with scoped(street) as session:
        session.add_all([Community(name="东风社区"), Community(name="西湖社区")])
        session.commit()
    assert login(client, street.slug, street.admin_phone).status_code == 302
    return street


def upload(client, street, data: bytes, name="志愿者.xlsx", on_existing="skip", kind="volunteers"):
    return client.post(
        f"/{street.slug}/imports/{kind}",
        data={"file": (io.BytesIO(data), name), "on_existing": on_existing},
        content_type="multipart/form-data",
    )


def batch_of(scoped, street) -> ImportJob:
    with scoped(street) as session:
        batch = session.scalar(select(ImportJob).order_by(ImportJob.created_at.desc()))
        session.expunge(batch)
        return batch


def issues_of(scoped, street, batch_id) -> list[tuple[int, str, str]]:
    with scoped(street) as session:
        return [
            (i.row, i.column, i.message)
            for i in session.scalars(
                select(ImportIssue)
                .where(ImportIssue.batch_id == batch_id)
                .order_by(ImportIssue.row, ImportIssue.id)
            )
        ]


def volunteers(scoped, street) -> int:
    with scoped(street) as session:
        return session.scalar(
            select(func.count()).select_from(User).where(User.role == "volunteer")
        )


@both_backends
def test_template_has_chinese_headers_an_example_and_notes(client, street):
    response = client.get(f"/{street.slug}/imports/volunteers/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    first, notes = workbook.worksheets
    assert [c.value for c in first[1]] == HEADERS
    assert first.max_row == 2  # one example row
    assert notes.title == "填写说明"
    assert "必填" in [c.value for c in notes["B"]]


@both_backends
def test_a_good_file_is_checked_then_written_all_at_once(app, client, street, scoped):
    data = xlsx(
        [
            ["张三", "13900000005", "东风社区", "是"],
            ["李四", 13900000006, "西湖社区", ""],
        ]
    )
    response = upload(client, street, data)
    assert response.status_code == 302
    batch = batch_of(scoped, street)
    assert response.headers["Location"].endswith(f"/imports/batches/{batch.id}")
    assert batch.status == "ready" and batch.rows == 2 and batch.valid_rows == 2
    assert volunteers(scoped, street) == 0  # nothing written before 确认导入

    page = client.get(f"/{street.slug}/imports/batches/{batch.id}").get_data(as_text=True)
    assert "确认导入" in page

    response = client.post(f"/{street.slug}/imports/batches/{batch.id}/commit")
    assert response.status_code == 302
    batch = batch_of(scoped, street)
    assert batch.status == "done" and batch.inserted == 2
    with app.app_context():  # names and phones are not kept once written
        from saas.imports.services import batch_path

        assert not batch_path(batch).exists()
    with scoped(street) as session:
        people = {u.phone: u for u in session.scalars(select(User).where(User.role == "volunteer"))}
        assert set(people) == {"13900000005", "13900000006"}
        assert people["13900000005"].is_party_member
        assert people["13900000005"].password_hash == ""  # set later with an SMS code
        numbers = session.scalars(select(Passport.number).order_by(Passport.number)).all()
        assert numbers == ["ALPHA-000001", "ALPHA-000002"]
    page = client.get(f"/{street.slug}/imports/batches/{batch.id}").get_data(as_text=True)
    assert "已导入 2 条记录" in page and f"/{street.slug}/passports" in page
    # a second 确认导入 (a double click) writes nothing more
    client.post(f"/{street.slug}/imports/batches/{batch.id}/commit")
    assert volunteers(scoped, street) == 2


@both_backends
def test_every_error_is_shown_by_row_and_column_and_nothing_is_written(client, street, scoped):
    data = xlsx(
        [
            ["张三", "1390000000", "东风社区", ""],  # row 2: phone too short
            ["", "13900000007", "东风社区", ""],  # row 3: no name
            ["王五", "13900000008", "南山社区", "也许"],  # row 4: community, party member
            ["赵六", "13900000008", "东风社区", ""],  # row 5: same phone as row 4
            ["钱七", "13900000009", "东风社区", ""],  # a good row
        ]
    )
    upload(client, street, data)
    batch = batch_of(scoped, street)
    assert batch.status == "invalid" and batch.error_rows == 4 and batch.valid_rows == 1
    assert issues_of(scoped, street, batch.id) == [
        (2, "手机号", "请输入 11 位中国大陆手机号"),
        (3, "姓名", "必填"),
        (4, "是否党员", "请填写以下之一：是、否"),
        (5, "手机号", "与第 4 行重复"),
    ]
    page = client.get(f"/{street.slug}/imports/batches/{batch.id}").get_data(as_text=True)
    assert "第 2 行" in page and "确认导入</button>" not in page
    # the errors as a file, for a big one
    response = client.get(f"/{street.slug}/imports/batches/{batch.id}/issues.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == ["行号", "列", "单元格内容", "问题", "类型"]
    assert sheet.max_row == 5
    # the commit is refused while there are errors
    client.post(f"/{street.slug}/imports/batches/{batch.id}/commit")
    assert volunteers(scoped, street) == 0


@both_backends
def test_community_is_checked_once_the_cells_are_right(client, street, scoped):
    upload(client, street, xlsx([["王五", "13900000008", "南山社区", ""]]))
    batch = batch_of(scoped, street)
    assert issues_of(scoped, street, batch.id) == [
        (2, "所在社区", "本街道没有这个社区，请填写社区的全称")
    ]


@both_backends
def test_existing_records_are_skipped_or_refused_as_chosen(client, street, scoped, make_user):
    make_user(street, phone="13900000005")
    rows = [["张三", "13900000005", "东风社区", ""], ["李四", "13900000006", "东风社区", ""]]
    upload(client, street, xlsx(rows), on_existing="refuse")
    refused = batch_of(scoped, street)
    assert refused.status == "invalid" and refused.error_rows == 1
    assert issues_of(scoped, street, refused.id) == [(2, "手机号", "该手机号已在本街道注册")]

    upload(client, street, xlsx(rows), on_existing="skip")
    skipped = batch_of(scoped, street)
    assert skipped.status == "ready" and skipped.existing_rows == 1 and skipped.valid_rows == 1
    page = client.get(f"/{street.slug}/imports/batches/{skipped.id}").get_data(as_text=True)
    assert "已存在，将跳过" in page and "重复记录：跳过" in page
    client.post(f"/{street.slug}/imports/batches/{skipped.id}/commit")
    assert volunteers(scoped, street) == 2


@both_backends
def test_a_record_made_between_check_and_commit_stops_the_whole_write(
    client, street, scoped, make_user
):
    rows = [["张三", "13900000005", "东风社区", ""], ["李四", "13900000006", "东风社区", ""]]
    upload(client, street, xlsx(rows), on_existing="refuse")
    batch = batch_of(scoped, street)
    assert batch.status == "ready"
    make_user(street, phone="13900000006")  # registered meanwhile
    client.post(f"/{street.slug}/imports/batches/{batch.id}/commit")
    batch = batch_of(scoped, street)
    assert batch.status == "failed" and "未写入任何数据" in batch.message
    assert volunteers(scoped, street) == 1  # the one made meanwhile: none of the file


# --- bad input ------------------------------------------------------------------------------


def refused_with(client, street, scoped, data: bytes, name="志愿者.xlsx") -> str:
    response = upload(client, street, data, name=name)
    if response.status_code == 422:
        return response.get_data(as_text=True)
    assert response.status_code == 302
    batch = batch_of(scoped, street)
    assert batch.status == "invalid"
    assert volunteers(scoped, street) == 0
    page = client.get(f"/{street.slug}/imports/batches/{batch.id}").get_data(as_text=True)
    assert batch.message and batch.message in page.replace("&#34;", '"')
    return batch.message


@both_backends
def test_a_file_that_is_not_xlsx(client, street, scoped):
    text = refused_with(client, street, scoped, b"name,phone\n", name="志愿者.csv")
    assert "只能导入 .xlsx 文件" in text


@both_backends
def test_an_exe_renamed_xlsx(client, street, scoped):
    message = refused_with(client, street, scoped, b"MZ\x90\x00" + b"\x00" * 500)
    assert message == "文件不是 Excel 工作簿（.xlsx），请用模板填写后上传"


@both_backends
def test_a_zip_that_is_no_workbook(client, street, scoped):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    message = refused_with(client, street, scoped, buffer.getvalue())
    assert "不是 Excel 工作簿" in message


@both_backends
def test_an_empty_file_and_a_header_without_rows(client, street, scoped):
    assert refused_with(client, street, scoped, b"") == "文件是空的"
    assert refused_with(client, street, scoped, xlsx([], headers=None)) == (
        "文件是空的：没有表头，也没有数据"
    )
    assert refused_with(client, street, scoped, xlsx([])) == "文件中只有表头，没有数据行"


@both_backends
def test_missing_headers_are_named_and_reordered_ones_are_mapped(client, street, scoped):
    message = refused_with(client, street, scoped, xlsx([["张三"]], headers=["姓名"]))
    assert message == "缺少必填列：手机号、所在社区。第一行应为表头，请下载模板对照填写"
    # reordered, with a required mark and full-width spaces: read by name
    reordered = xlsx(
        [["东风社区", "13900000005", "张三"]], headers=["所在社区", "手机号*", "姓　名"]
    )
    upload(client, street, reordered)
    assert batch_of(scoped, street).status == "ready"


@both_backends
def test_full_width_digits_spaces_and_excel_numbers_are_read(client, street, scoped):
    rows = [
        ["　张　三　", "１３９ ０００ ０００ ０５", "东风社区", "是"],
        ["李四", 13900000006.0, " 东风社区 ", "否"],
    ]
    upload(client, street, xlsx(rows))
    batch = batch_of(scoped, street)
    assert batch.status == "ready", issues_of(scoped, street, batch.id)
    client.post(f"/{street.slug}/imports/batches/{batch.id}/commit")
    with scoped(street) as session:
        people = dict(
            session.execute(select(User.phone, User.name).where(User.role == "volunteer")).all()
        )
    assert people == {"13900000005": "张 三", "13900000006": "李四"}


@both_backends
def test_formulas_are_not_evaluated_and_text_starting_with_equals_stays_text(
    client, street, scoped
):
    rows = [
        ['=HYPERLINK("http://x","点我")', "13900000005", "东风社区", ""],
        ["<script>alert(1)</script>'; DROP TABLE users;--", "13900000006", "东风社区", ""],
    ]
    data = xlsx(rows)
    upload(client, street, data)
    batch = batch_of(scoped, street)
    # openpyxl writes "=…" as a formula with no cached value: read as empty, so 姓名 is missing
    assert issues_of(scoped, street, batch.id) == [(2, "姓名", "必填")]
    # the same text stored as text (as a user's cell of text would be) is kept as text
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(["=1+1", "13900000005", "东风社区", ""])
    sheet["A2"].data_type = "s"
    sheet.append(rows[1][:1] + ["13900000006", "东风社区", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(client, street, buffer.getvalue())
    batch = batch_of(scoped, street)
    assert batch.status == "ready", issues_of(scoped, street, batch.id)
    client.post(f"/{street.slug}/imports/batches/{batch.id}/commit")
    with scoped(street) as session:
        names = set(session.scalars(select(User.name).where(User.role == "volunteer")))
    assert names == {"=1+1", rows[1][0]}
    page = client.get(f"/{street.slug}/passports").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@both_backends
def test_more_rows_than_the_limit_are_refused_without_reading_them_all(
    client, street, scoped, monkeypatch
):
    from saas.imports import reader

    monkeypatch.setattr(reader, "MAX_ROWS", 50)
    message = refused_with(
        client, street, scoped, xlsx([["张三", f"139{n:08d}", "东风社区", ""] for n in range(60)])
    )
    assert re.fullmatch(r"文件超过 50 行，无法导入；请分成多个文件，每个不超过 50 行", message)


def test_the_row_count_stops_early_on_a_million_rows(tmp_path):
    """A sheet of 1,000,000 rows is refused once the count passes the limit: the stream is read
    only that far (a fifth of the XML here)."""
    from saas.imports import reader

    path = tmp_path / "big.xlsx"
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData>" + row * 1_000_000 + b"</sheetData></worksheet>",
        )
    with pytest.raises(reader.FileProblem) as refused:
        reader.inspect(path)
    assert "100,000" in refused.value.message


@both_backends
def test_only_the_admin_imports(client, street, make_user):
    _user_id, phone = make_user(street, role="staff")
    client.post(f"/{street.slug}/logout")
    login(client, street.slug, phone)
    assert client.get(f"/{street.slug}/imports").status_code in (302, 403, 404)
    assert client.get(f"/{street.slug}/imports/volunteers/template.xlsx").status_code in (
        302,
        403,
        404,
    )


@both_backends
def test_an_unknown_importer_is_404(client, street):
    assert client.get(f"/{street.slug}/imports/nothing/template.xlsx").status_code == 404
    assert upload(client, street, xlsx([]), kind="nothing").status_code == 404


# --- the pages: every importer, the progress bar, constant statements, off the request ---------


@both_backends
def test_every_importer_has_a_template_and_a_list(app, client, street):
    from flask import url_for

    from saas.imports.spec import importers

    with app.test_request_context(f"/{street.slug}/imports"):
        found = importers(app)
        assert set(found) >= {"volunteers", "alliance_units", "merchants"}
        for importer in found.values():
            url_for(importer.list_endpoint, tenant=street.slug)
    for key in found:
        response = client.get(f"/{street.slug}/imports/{key}/template.xlsx")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
    page = client.get(f"/{street.slug}/imports").get_data(as_text=True)
    assert page.count('enctype="multipart/form-data"') == len(found)
    for list_url in ("/passports", "/alliance/units", "/merchants/records"):
        assert "从 Excel 导入" in client.get(f"/{street.slug}{list_url}").get_data(as_text=True)


@both_backends
def test_the_progress_bar_polls_while_running_and_refreshes_when_done(client, street, scoped):
    upload(client, street, xlsx([["张三", "13900000005", "东风社区", ""]]))
    batch = batch_of(scoped, street)
    with scoped(street) as session:
        running = session.scalar(select(ImportJob).where(ImportJob.id == batch.id))
        running.status, running.processed, running.rows = "validating", 2000, 8000
        session.commit()
    url = f"/{street.slug}/imports/batches/{batch.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and 'value="25"' in page
    assert "已检查 2000 / 8000 行" in page and f'href="{url}">刷新</a>' in page  # without script
    block = client.get(url + "?poll=1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert block.lstrip().startswith('<div class="card import-progress"')
    with scoped(street) as session:
        session.scalar(select(ImportJob).where(ImportJob.id == batch.id)).status = "ready"
        session.commit()
    done = client.get(url + "?poll=1", headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"


@both_backends
def test_the_preview_runs_a_constant_number_of_statements(app, client, street, scoped):
    from tests.tenants.factories import assert_statements_do_not_grow

    upload(client, street, xlsx([["张三", "1", "东风社区", ""]]))
    batch = batch_of(scoped, street)

    def grow(n: int) -> None:
        with scoped(street) as session:
            session.add_all(
                ImportIssue(batch_id=batch.id, kind="error", row=3 + i, column="姓名", message="x")
                for i in range(n)
            )
            session.commit()

    assert_statements_do_not_grow(
        app, client, f"/{street.slug}/imports/batches/{batch.id}", grow, 120, 12
    )


@both_backends
def test_without_redis_the_upload_answers_before_the_check_runs(
    app, client, street, scoped, monkeypatch
):
    """The embedded default runs the check in a thread of the server: the upload's answer does
    not wait for it (here the check waits until the answer has come)."""
    import threading
    import time

    from saas.imports import services

    answered = threading.Event()
    check = services.validate_job

    def waiting_check(batch_id):
        assert answered.wait(10), "the upload waited for the check"
        check(batch_id)

    monkeypatch.setattr(services, "validate_job", waiting_check)
    monkeypatch.setitem(app.config, "LONG_JOBS_IN_THREAD", True)
    response = upload(client, street, xlsx([["张三", "13900000005", "东风社区", ""]]))
    answered.set()
    assert response.status_code == 302
    for _ in range(100):
        if batch_of(scoped, street).status != "validating":
            break
        time.sleep(0.1)
    assert batch_of(scoped, street).status == "ready"


@both_backends
def test_the_bulk_insert_refuses_another_streets_rows(street, make_street, scoped):
    from saas.db import new_id, utcnow
    from saas.imports.spec import insert_many

    other = make_street("bravo")
    row = {
        "tenant_id": other.id,
        "id": new_id(),
        "phone": "13900000099",
        "name": "x",
        "password_hash": "",
        "role": "volunteer",
        "created_at": utcnow(),
        "password_changed_at": utcnow(),
    }
    with scoped(street) as session, pytest.raises(Exception) as refused:
        insert_many(session, User, [row])
    assert "tenant_id" in str(refused.value)
    with scoped(street) as session:
        insert_many(session, User, [dict(row, tenant_id=street.id)])
        session.commit()
    with scoped(street) as session:
        imported = session.scalar(select(User).where(User.phone == "13900000099"))
        assert imported.auth_token and imported.language == "zh"  # defaults filled in


# --- expiry: uploaded files left unconfirmed ------------------------------------------------------


def _age(scoped, street, batch_id, days, **values):
    """Make the batch look last touched ``days`` ago (and set ``values``)."""
    from datetime import timedelta

    from sqlalchemy import update

    from saas.db import utcnow

    when = utcnow() - timedelta(days=days)
    with scoped(street) as session:
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == batch_id)
            .values(**{"created_at": when, "finished_at": when, **values})
        )
        session.commit()


def _file_exists(app, batch) -> bool:
    from saas.imports.services import upload_root

    with app.app_context():
        return bool(batch.stored_path) and (upload_root() / batch.stored_path).exists()


def _expire(app):
    from saas.jobs import run_job

    with app.app_context():
        return run_job("saas.imports.jobs:expire_all", None)


def _batch(scoped, street, batch_id) -> ImportJob | None:
    with scoped(street) as session:
        found = session.scalar(select(ImportJob).where(ImportJob.id == batch_id))
        if found is not None:
            session.expunge(found)
        return found


@both_backends
def test_a_batch_left_unconfirmed_loses_its_file_and_cannot_be_written(app, client, street, scoped):
    rows = [["张三", "13900000005", "东风社区", ""]]
    made = []
    for _ in range(4):
        upload(client, street, xlsx(rows))
        made.append(batch_of(scoped, street))
    stale, fresh, checking, writing = made
    assert all(b.status == "ready" and _file_exists(app, b) for b in made)
    _age(scoped, street, stale.id, 8)
    _age(scoped, street, fresh.id, 6)
    # jobs still running (however long ago they started) keep their file
    _age(scoped, street, checking.id, 30, status="validating", finished_at=None)
    _age(scoped, street, writing.id, 30, status="committing", finished_at=None)

    assert _expire(app) == 1
    expired = _batch(scoped, street, stale.id)
    assert expired.status == "expired" and expired.stored_path == ""
    assert not _file_exists(app, stale)
    assert _batch(scoped, street, fresh.id).status == "ready" and _file_exists(app, fresh)
    assert _batch(scoped, street, checking.id).status == "validating"
    assert _batch(scoped, street, writing.id).status == "committing"
    assert _file_exists(app, checking) and _file_exists(app, writing)

    url = f"/{street.slug}/imports/batches/{stale.id}"
    page = client.get(url).get_data(as_text=True)
    assert "已过期，请重新上传" in page and "确认导入</button>" not in page
    response = client.post(url + "/commit")
    assert response.status_code == 302
    assert "已过期，请重新上传" in client.get(url).get_data(as_text=True)
    assert _batch(scoped, street, stale.id).status == "expired"
    assert volunteers(scoped, street) == 0
    listing = client.get(f"/{street.slug}/imports").get_data(as_text=True)
    assert "已过期，请重新上传" in listing

    # run again: nothing more
    assert _expire(app) == 0
    assert _batch(scoped, street, fresh.id).status == "ready" and _file_exists(app, fresh)
    assert _batch(scoped, street, checking.id).status == "validating"
    # the fresh one still goes in
    client.post(f"/{street.slug}/imports/batches/{fresh.id}/commit")
    assert volunteers(scoped, street) == 1


@both_backends
def test_old_batches_are_forgotten_with_their_problems(app, client, street, scoped):
    upload(client, street, xlsx([["", "13900000005", "东风社区", ""]]))
    old = batch_of(scoped, street)
    assert old.status == "invalid" and issues_of(scoped, street, old.id)
    upload(client, street, xlsx([["张三", "13900000006", "东风社区", ""]]))
    kept = batch_of(scoped, street)
    _age(scoped, street, old.id, 91)
    _age(scoped, street, kept.id, 89)

    _expire(app)
    assert _batch(scoped, street, old.id) is None
    assert issues_of(scoped, street, old.id) == []
    assert _batch(scoped, street, kept.id).status == "expired"
    assert not _file_exists(app, kept)
    assert client.get(f"/{street.slug}/imports/batches/{old.id}").status_code == 404
