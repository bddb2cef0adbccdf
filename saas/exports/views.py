"""/<slug>/exports: 我的导出 (the person's recent big exports and their state) and the download of
one, for its owner only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import signed_in
from saas.errors import NotFound
from saas.exports import services
from saas.exports.models import ExportStatus
from saas.extensions import db
from saas.ui import render
from saas.xlsx import MIMETYPE, ExportTooBig, disposition

bp = Blueprint("exports", __name__, url_prefix="/<slug:tenant>")


@bp.app_errorhandler(ExportTooBig)
def export_later(big: ExportTooBig):
    """The answer to an export too big for a request (``saas.xlsx.download``): nothing the view
    did is kept (the job runs it again), the export is recorded and queued, and the person is
    taken to 我的导出."""
    db.session.rollback()
    services.request_export(
        db.session,
        current_user,
        request.path,
        request.query_string.decode("utf-8", "replace"),
        big.filename,
        big.rows,
    )
    db.session.commit()
    flash(_("导出数据较多，文件生成后将发送到消息中心"), "info")
    return redirect(url_for("exports.mine"))


@bp.route("/exports")
@signed_in
def mine():
    exports = services.recent_exports(db.session, current_user)
    waiting = any(e.status == ExportStatus.pending for e in exports)
    return render("exports/mine.html", "list", exports=exports, waiting=waiting)


@bp.route("/exports/<int:export_id>")
@signed_in
def download(export_id: int):
    """The file, to its owner only: anyone else, another street's people included, gets 404."""
    export = services.get_own_export_or_404(db.session, current_user, export_id)
    path = services.file_of(export) if export.status == ExportStatus.ready else None
    if path is None:
        raise NotFound("导出文件不存在")
    response = send_file(path, mimetype=MIMETYPE, max_age=0, conditional=False)
    response.headers["Content-Disposition"] = disposition(export.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
