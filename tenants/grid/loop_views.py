"""/<slug>/grid/items…: the office's list of grid items (filtered, paged, exported), its queue
(待我处理), an office account's own items (我的待办), an alliance unit's items on the phone
(派给本单位的事项), and an item's page with the steps its status allows the viewer. Who sees
what is decided by tenants.grid.handling (visible_items, get_item_or_404): anyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import signed_in
from saas.auth.models import Role
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.forms import parse_page
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.grid import handling, loop
from tenants.grid.items import MAX_PHOTOS
from tenants.grid.loop_forms import StepForm
from tenants.grid.models import HandlerKind, ItemStatus, ReporterRole, Tier
from tenants.grid.photos import read_photo
from tenants.orgs.models import OrgKind
from tenants.orgs.records import organisation_of_kind

bp = Blueprint("grid_loop", __name__, url_prefix="/<slug:tenant>", template_folder="templates")

LABELS = {
    "status_labels": loop.STATUS_LABELS,
    "step_labels": {k: s.label for k, s in loop.STEPS.items()},
    "tier_labels": handling.TIER_LABELS,
    "reporter_labels": handling.REPORTER_LABELS,
    "handler_kind_labels": handling.HANDLER_KIND_LABELS,
}


def _office_or_404() -> None:
    """The office's pages: residents and org accounts get "not found", not "forbidden"."""
    if current_user.role not in (Role.admin, Role.staff):
        raise NotFound(_("页面不存在"))


def _filters() -> handling.ItemFilters:
    args = request.args
    return handling.ItemFilters(
        status=args.get("status", "")[:20],
        tier=args.get("tier", "")[:20],
        community=args.get("community", "")[:25],
        grid=args.get("grid", "")[:25],
        category=args.get("category", "")[:25],
        handler=args.get("handler", "")[:40],
        overdue=args.get("overdue", "")[:1],
        reporter_role=args.get("reporter_role", "")[:20],
        date_from=args.get("date_from", "")[:10],
        date_to=args.get("date_to", "")[:10],
        q=args.get("q", "")[:40],
    )


def _list_page(queue: bool):
    _office_or_404()
    filters = _filters()
    page = parse_page(request.args.get("page"))
    rows, total = handling.list_items(db.session, current_user, filters, page, queue=queue)
    return render(
        "grid/loop/list.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=handling.PAGE,
        filters=filters,
        queue=queue,
        choices=handling.list_choices(db.session, current_user),
        statuses=list(ItemStatus),
        tiers=list(Tier),
        reporter_roles=list(ReporterRole),
        **LABELS,
    )


@bp.route("/grid/items")
@signed_in
def item_list():
    return _list_page(queue=False)


@bp.route("/grid/queue")
@signed_in
def queue():
    """待我处理: the items waiting at the viewer's tier (小事不出网格、大事不出社区、难事不出街道)."""
    return _list_page(queue=True)


@bp.route("/grid/items/export.xlsx")
@signed_in
@download
def export_items():
    """The list (or the queue, with ``queue=1``) as its filters narrow it."""
    _office_or_404()
    filters = _filters()
    queue_only = request.args.get("queue") == "1"
    rows, total = handling.list_items(db.session, current_user, filters, 1, export_limit(),
                                      queue=queue_only)  # fmt: skip
    return workbook_response(
        _("网格事项") + ".xlsx",
        [_("编号"), _("上报时间"), _("类别"), _("社区"), _("网格"), _("地点"), _("问题描述"),
         _("上报人"), _("上报人身份"), _("层级"), _("状态"), _("承办"), _("办理时限"),
         _("是否超期")],
        (
            (
                r.item.number, r.item.created_at, r.category, r.community, r.grid or "",
                r.item.place, r.item.description, r.reporter or "",
                str(handling.REPORTER_LABELS.get(r.item.reporter_role, "")),
                str(handling.TIER_LABELS.get(r.item.tier, "")),
                loop.status_label(r.item.status), r.handler or "", r.item.due_at,
                _("超期") if r.overdue else "",
            )
            for r in rows
        ),
        total,
    )  # fmt: skip


@bp.route("/grid/my-items")
@signed_in
def my_items():
    """我的待办: the items assigned to the viewer or their departments, overdue first."""
    _office_or_404()
    page = parse_page(request.args.get("page"))
    rows, total = handling.my_items(db.session, current_user, page)
    return render("grid/loop/mine.html", "rows", rows=rows, total=total, page=page,
                  page_size=handling.PAGE, unit=None, **LABELS)  # fmt: skip


@bp.route("/grid/unit-items")
@signed_in
def unit_items():
    """派给本单位的事项: an alliance unit's account, on the phone."""
    unit = organisation_of_kind(db.session, current_user, OrgKind.alliance)
    if unit is None:
        raise NotFound(_("只有共建单位的账号可以使用此页面"))
    page = parse_page(request.args.get("page"))
    rows, total = handling.my_items(db.session, current_user, page)
    return render("grid/loop/mine.html", "rows", rows=rows, total=total, page=page,
                  page_size=handling.PAGE, unit=unit, **LABELS)  # fmt: skip


# --- an item's page and its steps -------------------------------------------------------------


def _handler_choices(form: StepForm) -> None:
    groups: dict[str, list] = {}
    for h in handling.handler_choices(db.session):
        groups.setdefault(str(handling.HANDLER_KIND_LABELS[h.kind]), []).append(
            SelectChoice(h.key, h.name)
        )
    form.handler.choices = {"": [SelectChoice("", _("请选择"))], **groups}


def _own_ids(form: StepForm, action: str) -> StepForm:
    """The page holds a form per step, each with a 说明: ids of their own ("done-note"), so each
    label names its own field; the names posted stay the same."""
    for field in form:
        if not field.id.startswith(f"{action}-"):
            field.id = field.label.field_id = f"{action}-{field.id}"
    return form


def _detail(item, failed: str | None = None, failed_form: StepForm | None = None,
            status: int = 200):  # fmt: skip
    page = handling.item_page(db.session, current_user, item)
    forms = {}
    for action in page.actions:
        form = failed_form if action == failed else StepForm(formdata=None)
        if action == "assign":
            _handler_choices(form)
        forms[action] = _own_ids(form, action)
    return render(
        "grid/loop/detail.html",
        page=page,
        forms=forms,
        sees_reporter=current_user.role in (Role.admin, Role.staff),
        handler_kinds=HandlerKind,
        max_photos=MAX_PHOTOS,
        failed=failed,
        failed_form=failed_form,
        **LABELS,
    ), status


@bp.route("/grid/items/<int:item_id>")
@signed_in
def item_detail(item_id: int):
    item = handling.get_item_or_404(db.session, current_user, item_id)
    return _detail(item)


def _uploaded_photos():
    uploads = [f for f in request.files.getlist("photos") if f and f.filename]
    if len(uploads) > MAX_PHOTOS:
        raise ServiceError(_("最多上传 %(n)d 张照片", n=MAX_PHOTOS), "photos")
    return [read_photo(upload, "photos") for upload in uploads]


_STEPS = {
    "accept": lambda s, u, i, f: handling.accept(s, u, i, f.note.data),
    "reject": lambda s, u, i, f: handling.reject(s, u, i, f.reason.data),
    "assign": lambda s, u, i, f: handling.assign(s, u, i, f.handler.data, f.due.data,
                                                 f.note.data),
    "escalate": lambda s, u, i, f: handling.escalate(s, u, i, f.reason.data),
    "close": lambda s, u, i, f: handling.close(s, u, i, f.note.data),
    "start": lambda s, u, i, f: handling.start(s, u, i),
    "progress": lambda s, u, i, f: handling.progress(s, u, i, f.note.data, _uploaded_photos()),
    "done": lambda s, u, i, f: handling.done(s, u, i, f.note.data, _uploaded_photos()),
}  # fmt: skip
_DONE_MESSAGES = {
    "accept": _l("已受理"),
    "reject": _l("已不予受理"),
    "assign": _l("已派单"),
    "escalate": _l("已上报上级"),
    "close": _l("已关闭"),
    "start": _l("已开始办理"),
    "progress": _l("已记录办理进展"),
    "done": _l("已办结"),
}


@bp.route("/grid/items/<int:item_id>/<action>", methods=["POST"])
@signed_in
def item_step(item_id: int, action: str):
    """Take step ``action`` on the item: the services check who may, the loop checks the order;
    a refusal shows the page again with the message next to its field (422)."""
    item = handling.get_item_or_404(db.session, current_user, item_id)
    take = _STEPS.get(action)
    if take is None:
        raise NotFound(_("页面不存在"))
    form = StepForm()
    if action == "assign":
        _handler_choices(form)
    submitted = submit_form(form, lambda: take(db.session, current_user, item, form))
    if submitted.done:
        flash(str(_DONE_MESSAGES[action]), "success")
        return redirect(url_for(".item_detail", item_id=item_id))
    db.session.expire_all()  # the item as it now stands (another may have moved it)
    item = handling.get_item_or_404(db.session, current_user, item_id)
    return _detail(item, action, form, submitted.status)
