"""Asking for a big export, finding one's own, and forgetting them after a week. The job that
builds the file is ``saas.exports.jobs``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.db import utcnow
from saas.errors import NotFound
from saas.exports.models import ExportJob, ExportStatus
from saas.jobs import enqueue_after_commit

BUILD = "saas.exports.jobs:build"
#: the 我的导出 page lists this many of the person's latest exports
RECENT = 20
#: an expired export's row stays this long on 我的导出 (its file is gone already)
FORGET_AFTER_DAYS = 30


def export_dir() -> Path:
    """``<instance>/exports`` (``EXPORT_DIR`` overrides it); one folder per street below it."""
    root = current_app.config.get("EXPORT_DIR") or Path(current_app.instance_path) / "exports"
    return Path(root)


def file_of(export: ExportJob) -> Path | None:
    """The built file of ``export``, or None if it has none (not built, expired, removed)."""
    if not export.stored_path:
        return None
    path = export_dir() / export.stored_path
    return path if path.is_file() else None


def request_export(
    session: Session, owner: User, path: str, query: str, filename: str, rows: int
) -> ExportJob:
    """Record ``owner``'s export of ``path?query`` and queue the job that builds it.

    The same export asked for again while the first is still being built is the first one (a
    double click makes one file).
    """
    waiting = session.scalar(
        select(ExportJob).where(
            ExportJob.owner_id == owner.id,
            ExportJob.path == path,
            ExportJob.query == query,
            ExportJob.status == ExportStatus.pending,
        )
    )
    if waiting is not None:
        return waiting
    keep = current_app.config.get("EXPORT_KEEP_DAYS", 7)
    export = ExportJob(
        owner_id=owner.id,
        path=path[:300],
        query=query,
        filename=filename[:200],
        rows=rows,
        expires_at=utcnow() + timedelta(days=keep),
    )
    session.add(export)
    session.flush()
    enqueue_after_commit(BUILD, owner.tenant_id, export.id, long=True)
    return export


def recent_exports(session: Session, owner: User) -> list[ExportJob]:
    """``owner``'s latest exports, newest first."""
    stmt = (
        select(ExportJob)
        .where(ExportJob.owner_id == owner.id)
        .order_by(ExportJob.id.desc())
        .limit(RECENT)
    )
    return list(session.scalars(stmt))


def get_own_export_or_404(session: Session, owner: User, export_id: int) -> ExportJob:
    """``owner``'s export ``export_id``.

    :raise NotFound: it doesn't exist, is another person's, or another street's
    """
    export = session.scalar(
        select(ExportJob).where(ExportJob.id == export_id, ExportJob.owner_id == owner.id)
    )
    if export is None:
        raise NotFound("导出文件不存在")
    return export


def expire(session: Session) -> int:
    """Delete the files of exports past ``expires_at`` and mark them expired; forget the rows of
    those expired for FORGET_AFTER_DAYS. Runs under whatever scope the caller chose (the
    periodic job: every street). Returns how many files were expired."""
    now = utcnow()
    due = list(
        session.scalars(
            select(ExportJob).where(
                ExportJob.expires_at <= now, ExportJob.status != ExportStatus.expired
            )
        )
    )
    for export in due:
        path = file_of(export)
        if path is not None:
            path.unlink(missing_ok=True)
        export.status = ExportStatus.expired
        export.stored_path = ""
    session.execute(
        delete(ExportJob).where(
            ExportJob.status == ExportStatus.expired,
            ExportJob.expires_at <= now - timedelta(days=FORGET_AFTER_DAYS),
        )
    )
    session.flush()
    return len(due)
