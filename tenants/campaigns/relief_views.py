"""/<slug>/campaigns/relief…: the relief registry (三库一单). Every page asks the services, which
decide once who sees which household (relief.relief_scope): anyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import signed_in
from saas.auth.phone import mask_phone
from saas.extensions import db
from saas.forms import parse_page
from saas.ui import render, street_today
from saas.views import submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.campaigns import relief, relief_lists, relief_records
from tenants.campaigns.relief_forms import AssistanceForm, HouseholdForm, VisitForm
from tenants.structure.services import communities_for

bp = Blueprint(
    "campaigns_relief", __name__, url_prefix="/<slug:tenant>", template_folder="templates"
)

LABELS = {
    "grades": relief.GRADE_LABELS,
    "reasons": relief.REASON_LABELS,
    "statuses": relief.STATUS_LABELS,
    "kinds": relief_records.KIND_LABELS,
    "dues": relief_lists.DUE_LABELS,
}


def _filters() -> relief_lists.HouseholdFilters:
    args = request.args
    return relief_lists.HouseholdFilters(
        community=args.get("community", "")[:20],
        grade=args.get("grade", "")[:2],
        reason=args.get("reason", "")[:20],
        status=args.get("status", "")[:20],
        due=args.get("due", "")[:20],
        q=args.get("q", "")[:40],
    )


@bp.route("/campaigns/relief")
@signed_in
def households():
    filters = _filters()
    page = parse_page(request.args.get("page"))
    rows, total = relief_lists.list_households(db.session, current_user, filters, page)
    return render(
        "campaigns/relief/list.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=relief_lists.PAGE,
        filters=filters,
        communities=communities_for(db.session, current_user),
        today=street_today(),
        **LABELS,
    )


@bp.route("/campaigns/relief/export.xlsx")
@signed_in
@download
def export_households():
    """The list as its filters narrow it, masked as on screen; each household handed out is
    written to the audit log."""
    filters = _filters()
    rows, total = relief_lists.list_households(db.session, current_user, filters, 1, export_limit())
    response = workbook_response(
        _("困难家庭") + ".xlsx",
        [_("户主"), _("身份证号"), _("联系电话"), _("困难等级"), _("困难类别"), _("家庭人口"),
         _("社区"), _("网格"), _("帮扶状态"), _("下次走访"), _("帮扶次数"), _("帮扶金额（元）")],
        (
            (
                r.household.head_name,
                r.household.id_number_masked,
                mask_phone(r.household.phone) if r.household.phone else "",
                r.household.grade,
                str(relief.REASON_LABELS.get(r.household.reason, "")),
                r.household.size,
                r.community,
                r.grid or "",
                str(relief.STATUS_LABELS.get(r.household.status, "")),
                r.household.next_visit_on,
                r.assisted,
                r.total,
            )
            for r in rows
        ),
        total,
    )  # fmt: skip
    # logged once the file is built: an export too big for the request is rolled back here
    # and logged by the job that builds it (saas.xlsx.download)
    relief_lists.record_export(db.session, current_user, rows, filters)
    db.session.commit()
    return response


def _household_form(form: HouseholdForm) -> HouseholdForm:
    communities = communities_for(db.session, current_user)
    form.community.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(c.id), c.name) for c in communities
    ]
    form.grid.choices = [SelectChoice("", _("不选"))] + [
        SelectChoice(str(gid), label) for gid, label in relief.grid_choices(db.session, communities)
    ]
    return form


def _household_input(form: HouseholdForm) -> relief.HouseholdInput:
    return relief.HouseholdInput(
        head_name=form.head_name.data,
        id_number=form.id_number.data,
        phone=form.phone.data,
        grade=form.grade.data,
        reason=form.reason.data,
        size=form.size.data,
        community_id=form.community.data,
        grid_id=form.grid.data,
        address=form.address.data,
        note=form.note.data,
        status=form.status.data,
    )


def _form_page(form, household, submitted):
    refusal = submitted.refusal
    duplicate_id = getattr(refusal, "household_id", None)
    return render(
        "campaigns/relief/form.html", form=form, household=household, duplicate_id=duplicate_id
    ), submitted.status


@bp.route("/campaigns/relief/new", methods=["GET", "POST"])
@signed_in
def create_household():
    relief.relief_scope(current_user)
    if request.method == "GET":
        limited = current_user.limited_to_community
        form = HouseholdForm(data={"size": "1", "community": limited})
    else:
        form = HouseholdForm()
    _household_form(form)
    submitted = submit_form(
        form, lambda: relief.save_household(db.session, current_user, _household_input(form))
    )
    if submitted.done:
        household = submitted.result
        flash(_("已登记困难家庭：%(name)s", name=household.head_name), "success")
        return redirect(url_for(".household_detail", household_id=household.id))
    return _form_page(form, None, submitted)


@bp.route("/campaigns/relief/<int:household_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_household(household_id: int):
    household = relief.get_household_or_404(db.session, current_user, household_id)
    if request.method == "GET":
        values = relief.household_input(household).__dict__
        form = HouseholdForm(
            data=values | {"community": values["community_id"], "grid": values["grid_id"]}
        )
    else:
        form = HouseholdForm()
    _household_form(form)
    submitted = submit_form(
        form,
        lambda: relief.save_household(db.session, current_user, _household_input(form), household),
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for(".household_detail", household_id=household_id))
    return _form_page(form, household, submitted)


def _detail(household_id: int, assistance_form=None, visit_form=None, status: int = 200):
    page = relief_records.household_page(db.session, current_user, household_id)
    db.session.commit()  # the audit entry of this read stays even if the page fails to render
    assistance_form = assistance_form or AssistanceForm(
        formdata=None, data={"given_on": street_today()}
    )
    visit_form = visit_form or VisitForm(formdata=None, data={"visited_on": street_today()})
    _giver_choices(assistance_form)
    return render(
        "campaigns/relief/detail.html",
        page=page,
        assistance_form=assistance_form,
        visit_form=visit_form,
        **LABELS,
    ), status


def _giver_choices(form: AssistanceForm) -> None:
    form.giver_org.choices = [SelectChoice("", _("不选（填写名称）"))] + [
        SelectChoice(str(oid), name) for oid, name in relief_records.giver_choices(db.session)
    ]


@bp.route("/campaigns/relief/<int:household_id>")
@signed_in
def household_detail(household_id: int):
    return _detail(household_id)


@bp.route("/campaigns/relief/<int:household_id>/assistance", methods=["POST"])
@signed_in
def add_assistance(household_id: int):
    household = relief.get_household_or_404(db.session, current_user, household_id)
    form = AssistanceForm()
    _giver_choices(form)
    submitted = submit_form(
        form,
        lambda: relief_records.add_assistance(
            db.session, current_user, household,
            relief_records.AssistanceInput(
                kind=form.kind.data, amount=form.amount.data, description=form.description.data,
                given_on=form.given_on.data, giver_org_id=form.giver_org.data,
                giver_name=form.giver_name.data,
            ),
        ),
    )  # fmt: skip
    if submitted.done:
        flash(_("已登记帮扶记录"), "success")
        return redirect(url_for(".household_detail", household_id=household_id))
    return _detail(household_id, assistance_form=form, status=submitted.status)


@bp.route("/campaigns/relief/<int:household_id>/visits", methods=["POST"])
@signed_in
def add_visit(household_id: int):
    household = relief.get_household_or_404(db.session, current_user, household_id)
    form = VisitForm()
    submitted = submit_form(
        form,
        lambda: relief_records.add_visit(
            db.session, current_user, household,
            relief_records.VisitInput(visited_on=form.visited_on.data, found=form.found.data,
                              next_due=form.next_due.data),
        ),
    )  # fmt: skip
    if submitted.done:
        flash(_("已登记走访"), "success")
        return redirect(url_for(".household_detail", household_id=household_id))
    return _detail(household_id, visit_form=form, status=submitted.status)


def _due_community() -> str:
    return request.args.get("community", "")[:20]


@bp.route("/campaigns/relief/visits-due")
@signed_in
def visits_due():
    community = _due_community()
    page = parse_page(request.args.get("page"))
    due = relief_lists.visits_due(db.session, current_user, community, page)
    return render(
        "campaigns/relief/due.html",
        "rows",
        due=due,
        community=community,
        page=page,
        page_size=relief_lists.PAGE,
        **LABELS,
    )


@bp.route("/campaigns/relief/visits-due/export.xlsx")
@signed_in
@download
def export_visits_due():
    """The households due for a visit as the page lists them (its community filter), every
    row up to the export's cap, masked as the households' export is; each household handed
    out is written to the audit log, as that export does."""
    community = _due_community()
    due = relief_lists.visits_due(db.session, current_user, community, 1, export_limit())
    overdue, this_month = _("已逾期"), _("本月到期")
    response = workbook_response(
        _("走访提醒") + ".xlsx",
        [_("应走访日期"), _("状态"), _("户主"), _("身份证号"), _("联系电话"), _("等级"),
         _("困难类别"), _("社区")],
        (
            (
                h.next_visit_on,
                overdue if h.next_visit_on < due.today else this_month,
                h.head_name,
                h.id_number_masked,
                mask_phone(h.phone) if h.phone else "",
                h.grade,
                str(relief.REASON_LABELS.get(h.reason, "")),
                community_name,
            )
            for h, community_name in due.rows
        ),
        due.total,
    )  # fmt: skip
    # logged once the file is built, as the households' export is
    relief_lists.record_due_export(db.session, current_user, [h for h, _n in due.rows], community)
    db.session.commit()
    return response
