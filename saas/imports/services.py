"""Imports (导入): upload a file, check it in a job, show every problem, write it all or nothing.

The admin picks what to import and uploads a file. :func:`upload` keeps it under the uploads
folder and makes an :class:`ImportJob`; the view starts :func:`validate_job` once the row is
committed. It reads the file a row at a time (``saas.imports.reader``), maps the headers by name,
reads each cell with its column's reader, finds duplicates within the file and, through the
importer's ``lookups``/``check``, against the street's records — all in bulk, never a query per
row — and stores the problems by row and column (:class:`ImportIssue`). Nothing is written.

On 确认导入, :func:`start_commit` moves the batch on and :func:`commit_job` reads the file again
(the street's records may have changed since), and writes the clean rows in chunks through the
importer's ``insert``, in ONE transaction: a problem found now, or any failure, rolls all of it
back and says why. Both jobs note their progress on the batch for the page's progress bar.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from saas.audit.services import record
from saas.auth.models import User
from saas.db import guarded_update, new_id, utcnow
from saas.errors import NotFound, ServiceError
from saas.imports import reader
from saas.imports.models import BatchStatus, ImportIssue, ImportJob, IssueKind, OnExisting
from saas.imports.spec import Column, Importer, cell_text, importers
from saas.listing import one_page
from saas.tenancy import current_tenant_id

log = logging.getLogger(__name__)

#: the language of templates, headers and the problems stored (the source strings')
SOURCE_LOCALE = "zh_Hans_CN"
#: problems kept per file to be shown and downloaded (all are counted)
MAX_ISSUES = 5_000
#: issues shown per page of the preview
PAGE = 50
#: clean rows written per call of an importer's ``insert``
CHUNK = 2_000
#: rows between two progress notes
PROGRESS_EVERY = 2_000
#: the biggest file accepted (bytes); a 100,000-row file of the templates is about 4 MB
MAX_FILE_BYTES = 20 * 1024 * 1024
#: days a batch's row and its problems are kept after it was last changed (see :func:`expire`)
FORGET_AFTER_DAYS = 90

#: progress of the commits running in this process: {batch id: rows done}. The commit's one
#: transaction cannot note it on the batch in the same transaction; on PostgreSQL another
#: connection does, on SQLite (one writer at a time, the embedded default: one process) this does
_LIVE: dict[int, int] = {}


def importer_or_404(key: str) -> Importer:
    found = importers().get(key)
    if found is None:
        raise NotFound(_("没有这种导入"))
    return found


def get_batch_or_404(session: Session, batch_id: int) -> ImportJob:
    """:raise NotFound: no such import in this street (another street's is the same)."""
    batch = session.scalar(select(ImportJob).where(ImportJob.id == batch_id))
    if batch is None or batch.kind not in importers():
        raise NotFound(_("导入记录不存在"))
    return batch


def upload_root() -> Path:
    root = current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads"
    return Path(root)


def batch_path(batch: ImportJob) -> Path:
    return upload_root() / batch.stored_path


def _discard_file(batch: ImportJob) -> None:
    """The uploaded file holds names and phones: once the batch can no longer be written (done,
    failed, or refused with its problems stored) it is not kept."""
    batch_path(batch).unlink(missing_ok=True)


def upload(
    session: Session, actor: User, importer: Importer, file: FileStorage | None, on_existing: str
) -> ImportJob:
    """Keep the uploaded file and make its batch (status validating); the caller commits, then
    starts :func:`validate_job`.

    :raise ServiceError: no file, not named .xlsx, bigger than MAX_FILE_BYTES, an unknown choice
    """
    if on_existing not in OnExisting.__members__:
        raise ServiceError(_("请选择如何处理已存在的记录"), "on_existing")
    if file is None or not file.filename:
        raise ServiceError(_("请选择要上传的 .xlsx 文件"), "file")
    name = file.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
    if not name.lower().endswith(".xlsx"):
        raise ServiceError(
            _("只能导入 .xlsx 文件（Excel 2007 及以上）；.xls、.csv 请先另存为 .xlsx"), "file"
        )
    tenant_id = current_tenant_id()
    relative = f"{tenant_id}/imports/{new_id()}-{secrets.token_hex(4)}.xlsx"
    path = upload_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("wb") as out:
        while chunk := file.stream.read(1024 * 1024):
            written += len(chunk)
            if written > MAX_FILE_BYTES:
                out.close()
                path.unlink(missing_ok=True)
                raise ServiceError(
                    _("文件不能超过 %(n)d MB", n=MAX_FILE_BYTES // (1024 * 1024)), "file"
                )
            out.write(chunk)
    batch = ImportJob(
        kind=importer.key,
        status=BatchStatus.validating,
        on_existing=on_existing,
        filename=name,
        stored_path=relative,
        created_by=actor.id,
    )
    session.add(batch)
    session.flush()
    record(session, "import.upload", actor.id, f"import:{batch.id}", {"kind": importer.key})
    return batch


def start_commit(session: Session, actor: User, batch: ImportJob) -> bool:
    """确认导入: the checked batch moves on to be written (the caller commits, then starts
    :func:`commit_job`). False when it was not waiting for that (a double click).

    :raise ServiceError: its file was deleted by :func:`expire` (upload it again)
    """
    if batch.status == BatchStatus.expired:
        raise ServiceError(_("已过期，请重新上传"))
    return guarded_update(
        session,
        batch,
        ImportJob.status == BatchStatus.ready,
        status=BatchStatus.committing,
        processed=0,
    )


def expire(session: Session) -> int:
    """The uploaded files of batches nobody has touched for IMPORT_KEEP_DAYS are deleted (they
    hold residents' names and phones): a batch waiting for 确认导入 becomes expired (upload
    again), a finished one keeps its status. A batch being checked or written is left alone.
    The rows of batches untouched for FORGET_AFTER_DAYS go, with their problems. Runs in the
    caller's scope (the periodic job: one street at a time); the caller commits. Returns how
    many files were deleted. Run again, it finds nothing more."""
    now = utcnow()
    keep = current_app.config.get("IMPORT_KEEP_DAYS", 7)
    touched = func.coalesce(ImportJob.finished_at, ImportJob.created_at)
    running = (BatchStatus.validating, BatchStatus.committing)
    stale = session.scalars(
        select(ImportJob).where(
            ImportJob.stored_path != "",
            ImportJob.status.not_in(running),
            touched < now - timedelta(days=keep),
        )
    ).all()
    deleted = 0
    for batch in stale:
        path, status = batch_path(batch), batch.status
        after = BatchStatus.expired if status == BatchStatus.ready else status
        # the database decides: a 确认导入 racing this one wins or loses whole
        if guarded_update(session, batch, ImportJob.status == status, status=after, stored_path=""):
            path.unlink(missing_ok=True)
            deleted += 1
    forget = touched < now - timedelta(days=FORGET_AFTER_DAYS)
    # a batch "running" for that long was left by a job that died: its file goes too
    for stored in session.scalars(
        select(ImportJob.stored_path).where(forget, ImportJob.stored_path != "")
    ):
        (upload_root() / stored).unlink(missing_ok=True)
    old = select(ImportJob.id).where(forget)
    session.execute(
        delete(ImportIssue)
        .where(ImportIssue.batch_id.in_(old))
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(ImportJob).where(forget).execution_options(synchronize_session=False))
    session.flush()
    return deleted


# --- reading and checking ------------------------------------------------------------------------


@dataclass
class Scan:
    """What one pass over a file found."""

    rows: int = 0
    error_rows: int = 0
    existing_rows: int = 0
    valid_rows: int = 0
    issues: list[dict] = field(default_factory=list)
    issue_count: int = 0

    def add(self, kind: str, row: int, column: str, value: Any, message: str) -> None:
        self.issue_count += 1
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(
                {
                    "kind": kind,
                    "row": row,
                    "column": column[:50],
                    "value": cell_text(value)[:100],
                    "message": str(message)[:300],
                }
            )


def _header_key(value: Any) -> str:
    """A header as matched: blanks, a required mark (*, （必填）) and the case ignored."""
    text = cell_text(value).replace(" ", "").replace("*", "").replace("＊", "")
    for mark in ("（必填）", "(必填)", "（选填）", "(选填)"):
        text = text.replace(mark, "")
    return text.lower()


def _map_headers(importer: Importer, header_row: list[Any]) -> dict[str, int]:
    """Column key → its index in the file, by the header's name (any order).

    :raise FileProblem: a required column is missing (named), or a header appears twice
    """
    wanted = {_header_key(c.header): c for c in importer.columns}
    found: dict[str, int] = {}
    for index, value in enumerate(header_row):
        key = _header_key(value)
        column = wanted.get(key)
        if column is None:
            continue
        if column.key in found:
            raise reader.FileProblem(_("表头“%(name)s”出现了两次", name=str(column.header)))
        found[column.key] = index
    missing = [str(c.header) for c in importer.columns if c.required and c.key not in found]
    if missing:
        raise reader.FileProblem(
            _(
                "缺少必填列：%(names)s。第一行应为表头，请下载模板对照填写",
                names="、".join(missing),
            )
        )
    return found


def scan(*args, **kwargs) -> Scan:
    """:func:`_scan` in Chinese: headers are matched against the template's (the templates are
    always Chinese, see views.template) and the problems stored in the street's language."""
    with force_locale(SOURCE_LOCALE):
        return _scan(*args, **kwargs)


def _scan(
    session: Session,
    actor: User,
    importer: Importer,
    path: Path,
    on_existing: str,
    progress: Callable[[int], None],
    sink: Callable[[Any, dict], None] | None = None,
) -> Scan:
    """Read and check every row of the file; each clean row that would go in is handed to
    ``sink(lookups, row)`` (the commit), in order. Memory: one row at a time, plus the unique keys seen.

    :raise FileProblem: what stops the file as a whole (see reader.inspect, _map_headers)
    """
    reader.inspect(path)
    lookups = importer.lookups(session, actor)
    result = Scan()
    rows = reader.rows(path)
    header = None
    for _number, values in rows:
        if any(cell_text(v) for v in values):
            header = values
            break
    if header is None:
        raise reader.FileProblem(_("文件是空的：没有表头，也没有数据"))
    mapping = _map_headers(importer, header)
    absent = [c for c in importer.columns if c.key not in mapping]
    present: list[tuple[Column, int]] = [(importer.column(k), i) for k, i in mapping.items()]
    seen: dict[str, dict[Any, int]] = {key: {} for key in importer.unique}
    refuse = on_existing == OnExisting.refuse
    for number, values in rows:
        cells = [values[i] if i < len(values) else "" for _c, i in present]
        if not any(cell_text(v) for v in cells):
            continue  # an empty row between others: Excel leaves them
        result.rows += 1
        clean: dict[str, Any] = {}
        problems = 0
        for (column, _index), raw in zip(present, cells, strict=True):
            if column.required and not cell_text(raw):
                result.add(IssueKind.error, number, str(column.header), raw, _("必填"))
                problems += 1
                continue
            try:
                clean[column.key] = column.read(raw)
            except ServiceError as error:
                result.add(IssueKind.error, number, str(column.header), raw, error.message)
                problems += 1
        for column in absent:
            clean[column.key] = column.read("")
        for key in importer.unique:
            value = clean.get(key)
            if not value:
                continue
            first = seen[key].setdefault(value, number)
            if first != number:
                column = importer.column(key)
                result.add(
                    IssueKind.error,
                    number,
                    str(column.header),
                    value,
                    _("与第 %(row)d 行重复", row=first),
                )
                problems += 1
        if not problems:
            checked = importer.check(lookups, clean)
            for key, message in checked.errors:
                column = importer.column(key)
                result.add(IssueKind.error, number, str(column.header), clean.get(key), message)
                problems += 1
            if not problems and checked.existing is not None:
                key, words = checked.existing
                column = importer.column(key)
                kind = IssueKind.error if refuse else IssueKind.existing
                result.add(kind, number, str(column.header), clean.get(key), words)
                if refuse:
                    problems += 1
                else:
                    result.existing_rows += 1
                    _tick(result, progress)
                    continue
        if problems:
            result.error_rows += 1
        else:
            result.valid_rows += 1
            if sink is not None:
                sink(lookups, clean)
        _tick(result, progress)
    if result.rows == 0:
        raise reader.FileProblem(_("文件中只有表头，没有数据行"))
    progress(result.rows)
    return result


def _tick(result: Scan, progress: Callable[[int], None]) -> None:
    if result.rows % PROGRESS_EVERY == 0:
        progress(result.rows)


def _store_issues(session: Session, batch: ImportJob, result: Scan) -> None:
    session.execute(delete(ImportIssue).where(ImportIssue.batch_id == batch.id))
    tenant_id = batch.tenant_id
    for start in range(0, len(result.issues), 1000):
        session.execute(
            insert(ImportIssue),
            [
                {"tenant_id": tenant_id, "id": new_id(), "batch_id": batch.id, **issue}
                for issue in result.issues[start : start + 1000]
            ],
        )


def _counts(batch: ImportJob, result: Scan) -> None:
    batch.rows = result.rows
    batch.processed = result.rows
    batch.error_rows = result.error_rows
    batch.existing_rows = result.existing_rows
    batch.valid_rows = result.valid_rows


# --- the two jobs ---------------------------------------------------------------------------------


def _load(batch_id: int, status: str) -> tuple[ImportJob, Importer, User] | None:
    from saas.extensions import db

    batch = db.session.scalar(select(ImportJob).where(ImportJob.id == batch_id))
    if batch is None or batch.status != status:
        return None  # gone, or already done by an earlier run of the same job
    importer = importers().get(batch.kind)
    actor = db.session.scalar(select(User).where(User.id == batch.created_by))
    if importer is None or actor is None:
        return None
    return batch, importer, actor


def validate_job(batch_id: int) -> None:
    """Read and check an uploaded file; nothing of it is written. Run by saas.imports.jobs."""
    from saas.extensions import db

    loaded = _load(batch_id, BatchStatus.validating)
    if loaded is None:
        return
    batch, importer, actor = loaded
    path = batch_path(batch)

    def progress(n: int) -> None:
        # nothing else is written by this job: the note commits at once, for the page to poll
        db.session.execute(update(ImportJob).where(ImportJob.id == batch_id).values(processed=n))
        db.session.commit()

    try:
        batch.rows = max(reader.inspect(path) - 1, 0)
        db.session.commit()
        result = scan(db.session, actor, importer, path, batch.on_existing, progress)
    except reader.FileProblem as problem:
        db.session.rollback()
        batch = db.session.scalar(select(ImportJob).where(ImportJob.id == batch_id))
        batch.status = BatchStatus.invalid
        batch.message = problem.message[:500]
        batch.finished_at = utcnow()
        _discard_file(batch)
        return
    batch = db.session.scalar(select(ImportJob).where(ImportJob.id == batch_id))
    _store_issues(db.session, batch, result)
    _counts(batch, result)
    batch.status = BatchStatus.invalid if result.error_rows else BatchStatus.ready
    if not result.valid_rows and not result.error_rows:
        batch.status = BatchStatus.invalid
        batch.message = _("文件中的记录都已存在，没有需要导入的行")
    batch.finished_at = utcnow()
    if batch.status == BatchStatus.invalid:
        _discard_file(batch)


def _note_progress(batch_id: int, n: int) -> None:
    """The commit's progress, outside its transaction (see _LIVE)."""
    from saas.extensions import db

    _LIVE[batch_id] = n
    if db.engine.dialect.name == "sqlite":
        return
    with Session(db.engine) as other:
        other.execute(update(ImportJob).where(ImportJob.id == batch_id).values(processed=n))
        other.commit()


def commit_job(batch_id: int) -> None:
    """Write a confirmed batch, all or nothing: the file is read and checked again and the clean
    rows written in chunks in one transaction; any problem rolls every row back."""
    from saas.extensions import db

    loaded = _load(batch_id, BatchStatus.committing)
    if loaded is None:
        return
    batch, importer, actor = loaded
    path = batch_path(batch)
    on_existing = batch.on_existing
    db.session.commit()  # the batch as loaded; the writes below are one transaction
    chunk: list[dict] = []
    held: list[Any] = []
    written = 0

    def flush_chunk() -> None:
        nonlocal written
        if chunk:
            written += importer.insert(db.session, actor, held[0], list(chunk))
            chunk.clear()

    def sink(lookups: Any, clean: dict) -> None:
        if not held:
            held.append(lookups)
        chunk.append(clean)
        if len(chunk) >= CHUNK:
            flush_chunk()

    try:
        result = scan(
            db.session,
            actor,
            importer,
            path,
            on_existing,
            lambda n: _note_progress(batch_id, n),
            sink,
        )
        if result.error_rows:
            raise _Changed(result)
        flush_chunk()
    except (reader.FileProblem, _Changed, Exception) as exc:
        db.session.rollback()
        _LIVE.pop(batch_id, None)
        batch = db.session.scalar(select(ImportJob).where(ImportJob.id == batch_id))
        batch.status = BatchStatus.failed
        batch.finished_at = utcnow()
        if isinstance(exc, _Changed):
            _store_issues(db.session, batch, exc.result)
            _counts(batch, exc.result)
            batch.message = _(
                "确认前数据已有变化，出现了新的问题，未写入任何数据；请查看问题后重新上传"
            )
        elif isinstance(exc, reader.FileProblem):
            batch.message = exc.message[:500]
        else:
            log.exception("import %s failed", batch_id)
            batch.message = _("导入失败，未写入任何数据；请稍后重试或联系平台")
        _discard_file(batch)
        return
    batch = db.session.scalar(select(ImportJob).where(ImportJob.id == batch_id))
    _counts(batch, result)
    batch.inserted = written
    batch.status = BatchStatus.done
    batch.finished_at = utcnow()
    _discard_file(batch)
    record(
        db.session,
        "import.commit",
        actor.id,
        f"import:{batch.id}",
        {"kind": importer.key, "rows": written},
    )
    _LIVE.pop(batch_id, None)


class _Changed(Exception):
    def __init__(self, result: Scan):
        super().__init__("new problems at commit")
        self.result = result


# --- what the pages show ----------------------------------------------------------------------------


def progress_of(batch: ImportJob) -> tuple[int, int]:
    """(rows done, rows in all) for the progress bar."""
    done = max(batch.processed or 0, _LIVE.get(batch.id, 0))
    total = max(batch.rows or 0, done, 1)
    return done, total


def issues_page(session: Session, batch: ImportJob, page: int) -> list[ImportIssue]:
    stmt = select(ImportIssue).where(ImportIssue.batch_id == batch.id)
    return list(
        session.scalars(one_page(stmt.order_by(ImportIssue.row, ImportIssue.id), page, PAGE))
    )


def issue_count(session: Session, batch: ImportJob) -> int:
    return session.scalar(
        select(func.count()).select_from(ImportIssue).where(ImportIssue.batch_id == batch.id)
    )


def all_issues(session: Session, batch: ImportJob) -> list[ImportIssue]:
    stmt = select(ImportIssue).where(ImportIssue.batch_id == batch.id)
    return list(session.scalars(stmt.order_by(ImportIssue.row, ImportIssue.id)))


def recent_batches(session: Session, limit: int = 20) -> list[ImportJob]:
    known = list(importers())
    stmt = select(ImportJob).where(ImportJob.kind.in_(known))
    return list(session.scalars(stmt.order_by(ImportJob.created_at.desc()).limit(limit)))


def template_rows(importer: Importer) -> tuple[list[str], list[list[str]]]:
    """The notes sheet of a template: one line per column."""
    headers = [_("列名"), _("是否必填"), _("填写说明")]
    rows = [
        [str(c.header), _("必填") if c.required else _("选填"), str(c.note)]
        for c in importer.columns
    ]
    rows.append(
        [
            _("说明"),
            "",
            _(
                "第一行为表头，列的顺序可以调整；每个文件最多 %(n)s 行；"
                "只读取单元格的值，公式不会被计算",
                n=f"{reader.MAX_ROWS:,}",
            ),
        ]
    )
    return headers, rows
