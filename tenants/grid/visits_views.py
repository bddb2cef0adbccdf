"""/<slug>/grid/visit-…: duty visits (走访). The admin's groups page, the office's subjects (list,
export, form, page), the grid worker's phone list and visit form, and the due figures per grid
worker. Every page asks the services, which decide once who sees which subject
(visits.subject_scope): anyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import signed_in
from saas.auth.phone import mask_phone
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.forms import parse_page
from saas.ui import render, street_today
from saas.views import submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.grid import visits
from tenants.grid.visits_forms import GroupForm, SubjectForm, VisitForm
from tenants.structure.services import communities_for

bp = Blueprint("grid_visits", __name__, url_prefix="/<slug:tenant>", template_folder="templates")

LABELS = {
    "frequencies": visits.FREQUENCY_LABELS,
    "periods": visits.PERIOD_LABELS,
    "dues": visits.DUE_LABELS,
}


def _act(action, success) -> bool:
    """Run a one-button service, commit, flash; a refusal is flashed and rolled back."""
    try:
        result = action()
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success(result), "success")
    return True


# --- groups (the admin) -------------------------------------------------------------------------


@bp.route("/grid/visit-groups", methods=["GET", "POST"])
@signed_in
def groups():
    visits.check_admin(current_user)
    form = GroupForm()
    submitted = submit_form(
        form,
        lambda: visits.save_group(db.session, current_user, form.name.data, form.frequency.data),
    )
    if submitted.done:
        flash(_("已添加分组：%(name)s", name=submitted.result.name), "success")
        return redirect(url_for(".groups"))
    rows = visits.list_groups(db.session, current_user)
    have = {g.name for g, _n in rows}
    missing = [name for name, _f in visits.USUAL_GROUPS if name not in have]
    return render("grid/visits/groups.html", rows=rows, form=form, missing=missing,
                  **LABELS), submitted.status  # fmt: skip


@bp.route("/grid/visit-groups/export.xlsx")
@signed_in
@download
def export_groups():
    """The groups as the page lists them (the admin's), with their active subjects counted."""
    visits.check_admin(current_user)
    rows = visits.list_groups(db.session, current_user)[: export_limit()]
    return workbook_response(
        _("走访分组") + ".xlsx",
        [_("分组"), _("走访频次"), _("走访对象"), _("状态")],
        (
            (
                group.name,
                str(visits.FREQUENCY_LABELS.get(group.frequency, group.frequency)),
                count,
                _("已归档") if group.archived_at else _("使用中"),
            )
            for group, count in rows
        ),
    )


@bp.route("/grid/visit-groups/usual", methods=["POST"])
@signed_in
def add_usual_groups():
    visits.check_admin(current_user)
    _act(
        lambda: visits.add_usual_groups(db.session, current_user),
        lambda added: _("已添加 %(n)d 个分组", n=len(added)) if added else _("常用分组都已添加"),
    )
    return redirect(url_for(".groups"))


@bp.route("/grid/visit-groups/<int:group_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_group(group_id: int):
    group = visits.get_group_or_404(db.session, current_user, group_id)
    if request.method == "GET":
        form = GroupForm(data={"name": group.name, "frequency": group.frequency})
    else:
        form = GroupForm()
    submitted = submit_form(
        form,
        lambda: visits.save_group(
            db.session, current_user, form.name.data, form.frequency.data, group
        ),
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for(".groups"))
    return render("grid/visits/group_form.html", form=form, group=group), submitted.status


@bp.route("/grid/visit-groups/<int:group_id>/archive", methods=["POST"])
@signed_in
def archive_group(group_id: int):
    group = visits.get_group_or_404(db.session, current_user, group_id)
    _act(lambda: visits.set_group_archived(db.session, current_user, group, True),
         lambda _r: _("已归档分组：%(name)s", name=group.name))  # fmt: skip
    return redirect(url_for(".groups"))


@bp.route("/grid/visit-groups/<int:group_id>/restore", methods=["POST"])
@signed_in
def restore_group(group_id: int):
    group = visits.get_group_or_404(db.session, current_user, group_id)
    _act(lambda: visits.set_group_archived(db.session, current_user, group, False),
         lambda _r: _("已恢复分组：%(name)s", name=group.name))  # fmt: skip
    return redirect(url_for(".groups"))


# --- subjects (the office) ----------------------------------------------------------------------


def _filters() -> visits.SubjectFilters:
    args = request.args
    return visits.SubjectFilters(
        group=args.get("group", "")[:20],
        community=args.get("community", "")[:20],
        grid=args.get("grid", "")[:20],
        worker=args.get("worker", "")[:20],
        due=args.get("due", "")[:10],
        q=args.get("q", "")[:40],
        archived=args.get("archived", "")[:1],
    )


@bp.route("/grid/visit-subjects")
@signed_in
def subjects():
    filters = _filters()
    page = parse_page(request.args.get("page"))
    rows, total = visits.list_subjects(db.session, current_user, filters, page)
    communities = communities_for(db.session, current_user)
    return render(
        "grid/visits/subjects.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=visits.PAGE,
        filters=filters,
        communities=communities,
        groups=visits.list_groups(db.session, current_user),
        grids=visits.grid_choices(db.session, communities),
        workers=visits.worker_choices(db.session, current_user),
        keeps=visits.oversees_visits(current_user),
        **LABELS,
    )


@bp.route("/grid/visit-subjects/export.xlsx")
@signed_in
@download
def export_subjects():
    """The list as its filters narrow it, phones masked for all but the admin; each subject
    handed out is written to the audit log."""
    filters = _filters()
    rows, total = visits.list_subjects(db.session, current_user, filters, 1, export_limit())

    def phone(value):
        if not value:
            return ""
        return value if current_user.sees_phones else mask_phone(value)

    response = workbook_response(
        _("走访对象") + ".xlsx",
        [_("姓名"), _("走访分组"), _("走访频次"), _("社区"), _("网格"), _("楼栋"), _("室号"),
         _("联系电话"), _("网格员"), _("最近走访"), _("本期状态")],
        (
            (
                r.subject.name, r.group, str(visits.FREQUENCY_LABELS.get(r.frequency, "")),
                r.community, r.grid, r.building or "", r.subject.address, phone(r.subject.phone),
                r.worker or "", r.subject.last_visited_on or "",
                _("已逾期") if r.overdue else _("待走访") if r.due else _("已走访"),
            )
            for r in rows
        ),
        total,
    )  # fmt: skip
    # logged once the file is built: an export too big for the request is rolled back here
    # and logged by the job that builds it (saas.xlsx.download)
    visits.record_export(db.session, current_user, rows, filters)
    db.session.commit()
    return response


def _subject_form(form: SubjectForm) -> SubjectForm:
    communities = communities_for(db.session, current_user)
    form.group.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(gid), label) for gid, label in visits.group_choices(db.session)
    ]
    form.community.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(c.id), c.name) for c in communities
    ]
    form.grid.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(gid), label) for gid, label in visits.grid_choices(db.session, communities)
    ]
    form.building.choices = [SelectChoice("", _("不选"))] + [
        SelectChoice(str(bid), label)
        for bid, label in visits.building_choices(db.session, communities)
    ]
    return form


def _subject_input(form: SubjectForm) -> visits.SubjectInput:
    return visits.SubjectInput(
        group_id=form.group.data,
        name=form.name.data,
        community_id=form.community.data,
        grid_id=form.grid.data,
        building_id=form.building.data,
        address=form.address.data,
        phone=form.phone.data,
        note=form.note.data,
    )


@bp.route("/grid/visit-subjects/new", methods=["GET", "POST"])
@signed_in
def create_subject():
    visits.check_keeper(current_user)
    if request.method == "GET":
        data = {"community": current_user.limited_to_community}
        if (group := request.args.get("group")) is not None:
            data["group"] = group[:20]
        form = SubjectForm(data=data)
    else:
        form = SubjectForm()
    _subject_form(form)
    submitted = submit_form(
        form, lambda: visits.save_subject(db.session, current_user, _subject_input(form))
    )
    if submitted.done:
        subject = submitted.result
        flash(_("已登记走访对象：%(name)s", name=subject.name), "success")
        return redirect(url_for(".subject_detail", subject_id=subject.id))
    return render("grid/visits/subject_form.html", form=form, subject=None), submitted.status


@bp.route("/grid/visit-subjects/<int:subject_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_subject(subject_id: int):
    visits.check_keeper(current_user)
    subject = visits.get_subject_or_404(db.session, current_user, subject_id)
    if request.method == "GET":
        values = visits.subject_input(subject)
        form = SubjectForm(data={
            "group": values.group_id, "name": values.name, "community": values.community_id,
            "grid": values.grid_id, "building": values.building_id, "address": values.address,
            "phone": values.phone, "note": values.note,
        })  # fmt: skip
        # the form shows the subject whole: a view like its page
        visits.record_view(db.session, current_user, subject)
        db.session.commit()
    else:
        form = SubjectForm()
    _subject_form(form)
    submitted = submit_form(
        form,
        lambda: visits.save_subject(db.session, current_user, _subject_input(form), subject),
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for(".subject_detail", subject_id=subject_id))
    return render("grid/visits/subject_form.html", form=form, subject=subject), submitted.status


@bp.route("/grid/visit-subjects/<int:subject_id>/archive", methods=["POST"])
@signed_in
def archive_subject(subject_id: int):
    visits.check_keeper(current_user)
    subject = visits.get_subject_or_404(db.session, current_user, subject_id)
    _act(lambda: visits.set_subject_archived(db.session, current_user, subject, True),
         lambda _r: _("已归档走访对象"))  # fmt: skip
    return redirect(url_for(".subject_detail", subject_id=subject_id))


@bp.route("/grid/visit-subjects/<int:subject_id>/restore", methods=["POST"])
@signed_in
def restore_subject(subject_id: int):
    visits.check_keeper(current_user)
    subject = visits.get_subject_or_404(db.session, current_user, subject_id)
    _act(lambda: visits.set_subject_archived(db.session, current_user, subject, False),
         lambda _r: _("已恢复走访对象"))  # fmt: skip
    return redirect(url_for(".subject_detail", subject_id=subject_id))


def _visit_form(form: VisitForm | None = None) -> VisitForm:
    form = form or VisitForm(formdata=None, data={"visited_on": street_today()})
    form.category.choices = [SelectChoice("", _("不开立事项"))] + [
        SelectChoice(str(cid), name) for cid, name in visits.category_choices(db.session)
    ]
    return form


def _detail(subject_id: int, visit_form: VisitForm | None = None, status: int = 200):
    page = visits.subject_page(db.session, current_user, subject_id)
    db.session.commit()  # the audit entry of this view stays even if the page fails to render
    return render("grid/visits/subject.html", page=page, visit_form=_visit_form(visit_form),
                  keeps=visits.oversees_visits(current_user), **LABELS), status  # fmt: skip


@bp.route("/grid/visit-subjects/<int:subject_id>")
@signed_in
def subject_detail(subject_id: int):
    return _detail(subject_id)


def _submit_visit(subject, form: VisitForm):
    return submit_form(
        form,
        lambda: visits.add_visit(
            db.session, current_user, subject,
            visits.VisitInput(visited_on=form.visited_on.data, found=form.found.data,
                              needs_follow_up=form.needs_follow_up.data,
                              category_id=form.category.data),
        ),
    )  # fmt: skip


def _visit_done(visit) -> None:
    if visit.item_id:
        flash(_("已登记走访，并开立了网格事项"), "success")
    else:
        flash(_("已登记走访"), "success")


@bp.route("/grid/visit-subjects/<int:subject_id>/visits", methods=["POST"])
@signed_in
def add_visit(subject_id: int):
    subject = visits.get_subject_or_404(db.session, current_user, subject_id)
    form = _visit_form(VisitForm())
    submitted = _submit_visit(subject, form)
    if submitted.done:
        _visit_done(submitted.result)
        return redirect(url_for(".subject_detail", subject_id=subject_id))
    return _detail(subject_id, visit_form=form, status=submitted.status)


# --- the grid worker's phone --------------------------------------------------------------------


@bp.route("/grid/visits")
@signed_in
def mine():
    page = parse_page(request.args.get("page"))
    q = request.args.get("q", "")[:40]
    mine = visits.my_subjects(db.session, current_user, page, q=q)
    return render("grid/visits/mine.html", "rows", mine=mine, page=page, q=q,
                  page_size=visits.PAGE, **LABELS)  # fmt: skip


@bp.route("/grid/visits/<int:subject_id>", methods=["GET", "POST"])
@signed_in
def log_visit(subject_id: int):
    """One tap from the list: the subject (its view audit-logged) and the visit's form."""
    if request.method == "POST":
        subject = visits.get_subject_or_404(db.session, current_user, subject_id)
        form = _visit_form(VisitForm())
        submitted = _submit_visit(subject, form)
        if submitted.done:
            _visit_done(submitted.result)
            return redirect(url_for(".mine"))
        status = submitted.status
    else:
        form, status = _visit_form(), 200
    page = visits.subject_page(db.session, current_user, subject_id)
    db.session.commit()
    return render("grid/visits/log.html", page=page, visit_form=form, **LABELS), status


# --- due per grid worker (the office) -----------------------------------------------------------


@bp.route("/grid/visits/by-worker")
@signed_in
def by_worker():
    rows, today = visits.due_by_worker(db.session, current_user)
    return render("grid/visits/by_worker.html", rows=rows, today=today, **LABELS)


@bp.route("/grid/visits/by-worker/export.xlsx")
@signed_in
@download
def export_by_worker():
    """The due figures per grid worker as the page shows them, on the same day."""
    rows, today = visits.due_by_worker(db.session, current_user)
    return workbook_response(
        _("走访进度-%(day)s", day=today.isoformat()) + ".xlsx",
        [_("网格员"), _("走访对象"), _("本期待访（含逾期）"), _("已逾期")],
        (
            (r.worker or _("未配网格员"), r.subjects, r.due, r.overdue)
            for r in rows[: export_limit()]
        ),
    )
