"""/<slug>/imports: pick what to import, download its template, upload, watch the check, see the
problems by row and column, confirm, watch the write, go to the list (the street's admin)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import admin_only
from saas.errors import ServiceError
from saas.extensions import db
from saas.forms import parse_page
from saas.imports import jobs, services
from saas.imports.models import BatchStatus, IssueKind, OnExisting
from saas.imports.spec import headers, importers
from saas.ui import render
from saas.xlsx import Sheet, download, sheets_response

bp = Blueprint("imports", __name__, url_prefix="/<slug:tenant>")


def _importer(key: str):
    return services.importer_or_404(key)


@bp.route("/imports")
@admin_only
def index():
    chosen = request.args.get("kind", "")
    return render(
        "imports/index.html",
        importers=list(importers().values()),
        chosen=chosen if chosen in importers() else "",
        batches=services.recent_batches(db.session),
        labels={k: i.label for k, i in importers().items()},
        error=None,
        on_existing=OnExisting.skip,
    )


@bp.route("/imports/<importer>/template.xlsx")
@admin_only
@download
def template(importer: str):
    found = _importer(importer)
    # in Chinese whatever the page's language: the file's headers are matched against these
    with force_locale(services.SOURCE_LOCALE):
        notes_headers, notes = services.template_rows(found)
        example = [str(c.example) for c in found.columns]
        return sheets_response(
            _("%(label)s导入模板.xlsx", label=found.label),
            [
                Sheet(str(found.label), headers(found), [example]),
                Sheet(_("填写说明"), notes_headers, notes),
            ],
        )


@bp.route("/imports/<importer>", methods=["POST"])
@admin_only
def upload(importer: str):
    found = _importer(importer)
    on_existing = request.form.get("on_existing", "")
    try:
        batch = services.upload(
            db.session, current_user, found, request.files.get("file"), on_existing
        )
    except ServiceError as error:
        db.session.rollback()
        return (
            render(
                "imports/index.html",
                importers=list(importers().values()),
                chosen=found.key,
                batches=services.recent_batches(db.session),
                labels={k: i.label for k, i in importers().items()},
                error=error.message,
                on_existing=on_existing,
            ),
            422,
        )
    db.session.commit()
    _start(jobs.VALIDATE, batch)
    return redirect(url_for("imports.batch", batch_id=batch.id))


def _start(func_path: str, batch) -> None:
    batch_id, tenant_id = batch.id, g.tenant.id
    try:
        jobs.start(func_path, tenant_id, batch_id)
    except Exception:  # Redis refused it: say so rather than leave the bar running for ever
        db.session.rollback()
        batch = services.get_batch_or_404(db.session, batch_id)
        batch.status = BatchStatus.invalid if func_path == jobs.VALIDATE else BatchStatus.failed
        batch.message = _("任务队列暂时不可用，未写入任何数据；请稍后重新上传")
        db.session.commit()


@bp.route("/imports/batches/<int:batch_id>")
@admin_only
def batch(batch_id: int):
    found = services.get_batch_or_404(db.session, batch_id)
    importer = importers()[found.kind]
    page = parse_page(request.args.get("page"))
    done, total = services.progress_of(found)
    context = {
        "batch": found,
        "importer": importer,
        "done": done,
        "total": total,
        "percent": min(100, done * 100 // total),
        "page": page,
        "page_size": services.PAGE,
        "statuses": BatchStatus,
        "kinds": IssueKind,
        "max_issues": services.MAX_ISSUES,
        "keep_days": current_app.config.get("IMPORT_KEEP_DAYS", 7),
    }
    if request.headers.get("HX-Request") == "true" and request.args.get("poll"):
        if found.running:
            return render("imports/batch.html", "progress", **context)
        # finished: the whole page again (htmx follows with a full load)
        return "", 200, {"HX-Refresh": "true"}
    issues = [] if found.running else services.issues_page(db.session, found, page)
    count = 0 if found.running else services.issue_count(db.session, found)
    return render("imports/batch.html", issues=issues, issue_count=count, **context)


@bp.route("/imports/batches/<int:batch_id>/issues.xlsx")
@admin_only
@download
def issues_file(batch_id: int):
    found = services.get_batch_or_404(db.session, batch_id)
    kinds = {IssueKind.error: _("错误"), IssueKind.existing: _("已存在")}
    rows = [
        [issue.row, issue.column, issue.value, issue.message, kinds.get(issue.kind, "")]
        for issue in services.all_issues(db.session, found)
    ]
    return sheets_response(
        _("导入问题-%(name)s", name=found.filename),
        [Sheet(_("问题"), [_("行号"), _("列"), _("单元格内容"), _("问题"), _("类型")], rows)],
    )


@bp.route("/imports/batches/<int:batch_id>/commit", methods=["POST"])
@admin_only
def commit(batch_id: int):
    found = services.get_batch_or_404(db.session, batch_id)
    try:
        started = services.start_commit(db.session, current_user, found)
    except ServiceError as error:  # its file expired
        flash(error.message, "error")
        return redirect(url_for("imports.batch", batch_id=batch_id))
    if not started:
        flash(_("这个文件现在不能导入"), "error")
        return redirect(url_for("imports.batch", batch_id=batch_id))
    db.session.commit()
    _start(jobs.COMMIT, found)
    return redirect(url_for("imports.batch", batch_id=batch_id))
