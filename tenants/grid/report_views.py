"""Phone pages of area ``report``: /<slug>/report (随手拍, also the grid worker's 上报事项),
/<slug>/my-reports (the reporter's own items, their timeline, the follow-up), /<slug>/reports (the
street's items as residents see them), /<slug>/grid/photos/<id> (a photo, to those who may see its
item) and /<slug>/grid/worker (the grid worker's home and checks)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import require_role, signed_in
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.forms import attach_error, parse_id, parse_page
from saas.ui import render
from saas.views import submit_form
from tenants.grid import report
from tenants.grid.items import MAX_PHOTOS, ItemInput
from tenants.grid.loop import STATUS_LABELS, STEPS
from tenants.grid.photos import MAX_UPLOAD_BYTES, store
from tenants.grid.report_forms import CheckForm, FollowUpForm, ReportForm

bp = Blueprint("grid_report", __name__, url_prefix="/<slug:tenant>", template_folder="templates")

#: three photos of up to 10 MB each and the form around them: a 30 MB photo reaches the form and
#: is refused in words next to its field, with everything typed kept (not a 413 page)
REPORT_REQUEST_MAX = MAX_PHOTOS * MAX_UPLOAD_BYTES + 2 * 1024 * 1024

reporter = require_role("volunteer", "staff", "admin")


@bp.url_value_preprocessor
def _allow_photos(endpoint: str | None, _values: dict | None) -> None:
    """Raise the request size limit for the report form only (before the CSRF check reads it)."""
    if endpoint == "grid_report.new_report":
        request.max_content_length = REPORT_REQUEST_MAX


def _labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "step_labels": {kind: step.label for kind, step in STEPS.items()},
        "reporter_notes": report.REPORTER_NOTES,
    }


# --- 随手拍: the report form ------------------------------------------------------------------------


def _fill_choices(form: ReportForm, choices: report.PlaceChoices) -> None:
    pick = SelectChoice("", _("请选择"))
    form.category.choices = [pick] + [SelectChoice(str(c.id), c.name) for c in choices.categories]
    form.community.choices = [pick] + [SelectChoice(str(c.id), c.name) for c in choices.communities]
    form.grid.choices = [SelectChoice("", _("不清楚"))] + [
        SelectChoice(str(x.id), x.name) for x in choices.grids
    ]
    form.building.choices = [SelectChoice("", _("不选"))] + [
        SelectChoice(str(b.id), b.name) for b in choices.buildings
    ]


@bp.route("/report", methods=["GET", "POST"])
@reporter
def new_report():
    form = ReportForm()
    source = request.form if request.method == "POST" else request.args
    community_id = parse_id(source.get("community"))
    if request.method == "GET" and "community" not in request.args:
        community_id = current_user.community_id
    grid_id = parse_id(source.get("grid"))
    _fill_choices(form, report.place_choices(db.session, community_id, grid_id))
    if request.method == "GET":
        form.community.data, form.grid.data = community_id, grid_id
        form.building.data = parse_id(request.args.get("building"))
    if request.method == "POST" and request.form.get("refresh"):
        # without script: the place's selects were changed, the grids offered follow
        return render("grid/report/new.html", form=form, photo_retry=False)
    submitted = submit_form(
        form,
        lambda: report.submit_report(
            db.session,
            current_user,
            ItemInput(
                category_id=form.category.data,
                description=form.description.data or "",
                community_id=form.community.data,
                grid_id=form.grid.data,
                building_id=form.building.data,
                place=form.place.data or "",
                anonymous=bool(form.anonymous.data),
            ),
            request.files.getlist("photos"),
        ),
    )
    if submitted.done:
        item = submitted.result
        flash(_("已上报，事项编号 %(number)s。处理进展可在“我的上报”查看。", number=item.number),
              "success")  # fmt: skip
        return redirect(url_for("grid_report.my_report", item_id=item.id))
    photo_retry = request.method == "POST" and any(
        f.filename for f in request.files.getlist("photos")
    )
    return render("grid/report/new.html", "place", form=form,
                  photo_retry=photo_retry), submitted.status  # fmt: skip


# --- the reporter's own items -------------------------------------------------------------------


@bp.route("/my-reports")
@signed_in
def my_reports():
    page = parse_page(request.args.get("page"))
    rows, total = report.my_reports(db.session, current_user, page)
    return render("grid/report/mine.html", rows=rows, total=total, page=page,
                  page_size=report.PAGE, **_labels())  # fmt: skip


def _my_report_page(item_id: int, form: FollowUpForm | None = None, status: int = 200):
    view = report.my_report_view(db.session, current_user, item_id)
    return render("grid/report/detail.html", view=view,
                  form=form or FollowUpForm(formdata=None), **_labels()), status  # fmt: skip


@bp.route("/my-reports/<int:item_id>")
@signed_in
def my_report(item_id: int):
    return _my_report_page(item_id)


@bp.route("/my-reports/<int:item_id>/follow-up", methods=["POST"])
@signed_in
def follow_up(item_id: int):
    report.my_report_or_404(db.session, current_user, item_id)  # anyone else: 404
    form = FollowUpForm()
    answer = {"yes": True, "no": False}.get(form.satisfied.data or "")
    submitted = submit_form(
        form,
        lambda: report.follow_up(
            db.session, current_user, item_id, answer, form.reason.data or ""
        ),  # fmt: skip
    )
    if submitted.done:
        flash(_("感谢您的评价") if answer else _("已转回重新办理，办结后会再请您评价"), "success")
        return redirect(url_for("grid_report.my_report", item_id=item_id))
    return _my_report_page(item_id, form, submitted.status)


# --- the street's items, as residents see them ---------------------------------------------------


@bp.route("/reports")
@signed_in
def public_list():
    args = request.args
    filters = report.PublicFilters(parse_id(args.get("community")), parse_id(args.get("category")))
    page = parse_page(args.get("page"))
    rows, total = report.public_items(db.session, current_user, filters, page)
    choices = report.place_choices(db.session, None, None)
    return render("grid/report/public.html", "rows", rows=rows, total=total, page=page,
                  page_size=report.PAGE, filters=filters, choices=choices,
                  public_status=report.public_status)  # fmt: skip


# --- photos ------------------------------------------------------------------------------------------


@bp.route("/grid/photos/<int:photo_id>")
@signed_in
def photo(photo_id: int):
    row = report.photo_for_viewer(db.session, current_user, photo_id)
    data = store().get(g.tenant.id, row.key)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the grid worker's phone home ------------------------------------------------------------------


def _worker() -> None:
    if not report.is_grid_worker(current_user):
        abort(404)


def _worker_page(form: CheckForm | None = None, failed_item: int | None = None,
                 error: str | None = None, status: int = 200):  # fmt: skip
    home = report.worker_home(db.session, current_user)
    return render("grid/report/worker.html", home=home, form=form or CheckForm(formdata=None),
                  failed_item=failed_item, error=error, **_labels()), status  # fmt: skip


@bp.route("/grid/worker")
@signed_in
def worker_home():
    _worker()
    return _worker_page()


@bp.route("/grid/worker/items/<int:item_id>/check", methods=["POST"])
@signed_in
def check(item_id: int):
    _worker()
    form = CheckForm()
    verdict = {"pass": True, "fail": False}.get(request.form.get("result", ""))
    if not form.validate_on_submit():
        return _worker_page(form, item_id, None, 422)
    try:
        report.check_item(db.session, current_user, item_id, verdict, form.note.data or "")
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as error:
        db.session.rollback()
        if error.field:
            attach_error(form, error)
            return _worker_page(form, item_id, None, 422)
        return _worker_page(form, item_id, error.message, 422)
    db.session.commit()
    flash(_("核查通过，已请上报人回访") if verdict else _("已退回办理人重新办理"), "success")
    return redirect(url_for("grid_report.worker_home"))
