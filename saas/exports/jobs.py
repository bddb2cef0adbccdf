"""The export job: the same export view run again, for the same person, path and query string,
with a job's row limit, writing its workbook to a file (``saas.xlsx.download``); and the hourly
job that deletes the files whose week is over."""

from __future__ import annotations

import logging
import os

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from saas import xlsx
from saas.auth.models import User
from saas.db import utcnow
from saas.exports.models import ExportJob, ExportStatus
from saas.exports.services import expire, export_dir
from saas.extensions import db
from saas.notify.services import notify
from saas.tenancy import all_tenants

log = logging.getLogger(__name__)

READY = "export.ready"
FAILED = "export.failed"


def build(export_id: int) -> str:
    """Build export ``export_id`` (in its street's scope, from ``saas.jobs.run_job``), tell its
    owner, and commit. Safe to run twice: a finished export is left alone."""
    export = db.session.scalar(select(ExportJob).where(ExportJob.id == export_id))
    if export is None or export.status != ExportStatus.pending:
        return "nothing to do"
    owner = db.session.scalar(select(User).where(User.id == export.owner_id))
    folder = export_dir() / str(export.tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{export.tenant_id}/{export.id}.xlsx"
    partial = folder / f"{export.id}.xlsx.part"
    run, token = xlsx.building_in_job(str(partial))
    error = ""
    try:
        if owner is None or not owner.is_active:
            raise PermissionError("owner gone")
        _replay(export, owner)
    except Exception as exc:  # anything the view raises ends this export, not the worker
        log.exception("export %s failed", export_id)
        error = exc.description if isinstance(exc, HTTPException) else type(exc).__name__
    finally:
        xlsx.end_run(token)
    export.finished_at = utcnow()
    if error or run.filename == "":
        partial.unlink(missing_ok=True)
        export.status = ExportStatus.failed
        export.error = (error or "no file")[:300]
        if owner is not None and owner.is_active:
            notify(
                db.session,
                owner,
                FAILED,
                _l("导出失败，请缩小筛选范围后重试"),
                export.filename,
                _link(export, "exports.mine"),
            )
        return "failed"
    os.replace(partial, folder / f"{export.id}.xlsx")
    export.stored_path = stored
    export.status = ExportStatus.ready
    export.filename = run.filename[:200]
    export.rows = run.rows
    export.size = (folder / f"{export.id}.xlsx").stat().st_size
    link = _link(export, "exports.download", export_id=export.id)
    notify(db.session, owner, READY, _l("导出文件已生成，点击下载"), export.filename, link)
    return "ready"


def _link(export: ExportJob, endpoint: str, **values) -> str:
    """A path in the export's street (the job has no request to take the street from)."""
    slug = export.path.split("/")[1]
    with current_app.test_request_context():
        return url_for(endpoint, tenant=slug, **values)


def _replay(export: ExportJob, owner: User) -> None:
    """Run the export's view as ``owner`` would have in the request.

    Only the URL's own steps run (the street from the slug, the blueprint's URL preprocessors)
    and then the view with its access decorators, so a person who lost the right to the list
    since gets no file. The browser's session checks do not apply to a job.
    """
    app = current_app._get_current_object()
    with app.test_request_context(export.path, query_string=export.query):
        if request.routing_exception is not None:
            raise request.routing_exception
        for name in (None, *reversed(request.blueprints)):
            for preprocess in app.url_value_preprocessors.get(name, ()):
                preprocess(request.endpoint, request.view_args)
        if g.get("tenant") is None or g.tenant.id != export.tenant_id:
            raise PermissionError("another street's path")
        g._login_user = owner  # flask-login's current_user for this context
        try:
            response = app.make_response(app.dispatch_request())
        finally:
            g.pop("_login_user", None)
        if response.status_code >= 300:
            raise PermissionError(f"the view answered {response.status_code}")


def expire_all() -> int:
    """The periodic job: every street's exports past their week lose their file."""
    with all_tenants():
        count = expire(db.session)
        db.session.commit()
    return count
