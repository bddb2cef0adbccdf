"""/<slug>/alliance/units…: the office's list of alliance units, a unit's page, its record and
agreements, and its accounts (the admin's side)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import admin_only, office, require_role
from saas.extensions import db
from saas.forms import parse_page
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download, export_limit, shown_phone, workbook_response
from tenants.alliance import units
from tenants.alliance.units_forms import AgreementForm, UnitForm
from tenants.orgs.forms import InviteForm
from tenants.passport import records as service_records
from tenants.structure.services import communities_for

bp = Blueprint("alliance_units", __name__, url_prefix="/<slug:tenant>", template_folder="templates")


#: a scanned agreement may be up to 10 MB, above the app's usual limit for a request
AGREEMENT_REQUEST_MAX = units.ATTACHMENT_MAX_BYTES + 1024 * 1024


@bp.url_value_preprocessor
def _allow_scans(endpoint: str | None, _values: dict | None) -> None:
    """Raise the request size limit for the agreement form only. This runs before any
    ``before_request`` (the CSRF check reads the form, and with it the limit)."""
    if endpoint == "alliance_units.add_agreement":
        request.max_content_length = AGREEMENT_REQUEST_MAX


def _filters() -> units.UnitFilters:
    args = request.args
    return units.UnitFilters(
        org_type=args.get("type", "")[:24],
        status=args.get("status", "")[:24],
        community=args.get("community", "")[:20],
        q=args.get("q", "")[:50],
    )


def _communities():
    return communities_for(db.session, current_user)


@bp.route("/alliance/units")
@office
def unit_list():
    filters = _filters()
    page = parse_page(request.args.get("page"))
    rows, total = units.list_units(db.session, current_user, filters, page)
    return render(
        "alliance/units/list.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=units.PAGE,
        filters=filters,
        communities=_communities(),
        type_labels=units.TYPE_LABELS,
        status_labels=units.STATUS_LABELS,
    )


@bp.route("/alliance/units/export.xlsx")
@office
@download
def export_units():
    """The list as its filters narrow it, every row (up to the export's cap)."""
    rows, total = units.list_units(db.session, current_user, _filters(), 1, export_limit())
    return workbook_response(
        _("共建单位") + ".xlsx",
        [
            _("单位名称"),
            _("类型"),
            _("统一社会信用代码"),
            _("党组织"),
            _("党员人数"),
            _("联系人"),
            _("联系电话"),
            _("地址"),
            _("社区"),
            _("标签"),
            _("协议状态"),
            _("协议到期日"),
            _("单位账号数"),
        ],
        (
            (
                r.unit.name,
                str(units.TYPE_LABELS.get(r.unit.org_type, "")),
                r.unit.credit_code or "",
                r.unit.party_org,
                r.unit.party_members,
                r.unit.contact_name,
                shown_phone(current_user, r.unit.contact_phone),
                r.unit.address,
                r.community or "",
                r.unit.tags,
                str(units.STATUS_LABELS[r.status]),
                r.ends_on.isoformat() if r.ends_on else "",
                r.accounts,
            )
            for r in rows
        ),
        total,
    )


def _unit_form(form: UnitForm) -> UnitForm:
    choices = [SelectChoice(str(c.id), c.name) for c in _communities()]
    if current_user.limited_to_community is None:
        choices.insert(0, SelectChoice("", _("全街道")))
    form.community.choices = choices
    return form


def _input(form: UnitForm) -> units.UnitInput:
    return units.UnitInput(
        name=form.name.data,
        org_type=form.org_type.data,
        credit_code=form.credit_code.data,
        party_org=form.party_org.data,
        party_members=form.party_members.data,
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        address=form.address.data,
        community_id=form.community.data,
        tags=form.tags.data,
    )


@bp.route("/alliance/units/new", methods=["GET", "POST"])
@office
def create_unit():
    form = _unit_form(UnitForm())
    submitted = submit_form(form, lambda: units.save_unit(db.session, current_user, _input(form)))
    if submitted.done:
        flash(_("已登记共建单位：%(name)s", name=submitted.result.name), "success")
        return redirect(url_for(".unit_detail", organisation_id=submitted.result.id))
    return render("alliance/units/form.html", form=form, unit=None), submitted.status


@bp.route("/alliance/units/<int:organisation_id>/edit", methods=["GET", "POST"])
@office
def edit_unit(organisation_id: int):
    unit = units.get_unit_or_404(db.session, current_user, organisation_id)
    if request.method == "GET":
        form = _unit_form(UnitForm(data=units.unit_input(unit).__dict__ | {
            "community": unit.community_id}))  # fmt: skip
    else:
        form = _unit_form(UnitForm())
    submitted = submit_form(
        form, lambda: units.save_unit(db.session, current_user, _input(form), unit)
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for(".unit_detail", organisation_id=organisation_id))
    return render("alliance/units/form.html", form=form, unit=unit), submitted.status


def _detail(unit, agreement_form=None, invite_form=None, status: int = 200):
    page = units.unit_page(db.session, current_user, unit)
    invite_form = invite_form or InviteForm(
        formdata=None, data={"name": unit.contact_name, "phone": unit.contact_phone}
    )
    return render(
        "alliance/units/detail.html",
        page=page,
        agreement_form=agreement_form or AgreementForm(formdata=None),
        invite_form=invite_form,
        type_labels=units.TYPE_LABELS,
        status_labels=units.STATUS_LABELS,
    ), status


@bp.route("/alliance/units/<int:organisation_id>")
@office
def unit_detail(organisation_id: int):
    return _detail(units.get_unit_or_404(db.session, current_user, organisation_id))


@bp.route("/alliance/units/<int:organisation_id>/service-records.xlsx")
@office
@download
def export_service_records(organisation_id: int):
    """The unit's service records in the national record's fields (tenants.passport.records)."""
    unit = units.get_unit_or_404(db.session, current_user, organisation_id)
    response = service_records.export(
        db.session,
        current_user,
        g.tenant,
        _("志愿服务记录-%(name)s", name=unit.name) + ".xlsx",
        {"organisation_id": unit.id},
        people=units.service_people(unit),
    )
    db.session.commit()
    return response


@bp.route("/alliance/units/<int:organisation_id>/agreements", methods=["POST"])
@office
def add_agreement(organisation_id: int):
    unit = units.get_unit_or_404(db.session, current_user, organisation_id)
    form = AgreementForm()
    submitted = submit_form(
        form,
        lambda: units.add_agreement(
            db.session,
            current_user,
            unit,
            units.AgreementInput(
                signed_on=form.signed_on.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                summary=form.summary.data or "",
            ),
            form.attachment.data,
        ),
    )
    if submitted.done:
        flash(_("已登记联建协议"), "success")
        return redirect(url_for(".unit_detail", organisation_id=organisation_id))
    return _detail(unit, agreement_form=form, status=submitted.status)


@bp.route("/alliance/agreements/<int:agreement_id>/attachment")
@require_role("admin", "staff", "org")
def agreement_attachment(agreement_id: int):
    path, mimetype, name = units.attachment_for(db.session, current_user, agreement_id)
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/alliance/units/<int:organisation_id>/invite", methods=["POST"])
@admin_only
def invite(organisation_id: int):
    unit = units.get_unit_or_404(db.session, current_user, organisation_id)
    form = InviteForm()
    submitted = submit_form(
        form,
        lambda: units.invite_account(
            db.session,
            current_user,
            g.tenant,
            unit,
            phone=form.phone.data,
            name=form.name.data,
        ),
    )
    if submitted.done:
        flash(_("已开设单位账号并短信通知：%(name)s", name=submitted.result.name), "success")
        return redirect(url_for(".unit_detail", organisation_id=organisation_id))
    return _detail(unit, invite_form=form, status=submitted.status)
