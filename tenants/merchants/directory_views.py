"""/<slug>/merchants…: the public merchant directory (anyone, signed in or not), and the office's
business circles, merchants, their pages, export and accounts."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import office
from saas.extensions import db
from saas.forms import parse_page
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download, export_limit, shown_phone, workbook_response
from tenants.merchants import directory
from tenants.merchants.directory_forms import CircleForm, MerchantForm
from tenants.orgs.forms import InviteForm
from tenants.structure.services import communities_for

bp = Blueprint(
    "merchants_directory", __name__, url_prefix="/<slug:tenant>", template_folder="templates"
)

#: a merchant's form may carry a pasted pledge far over its limit: it must reach the service, be
#: refused in words and come back with everything else typed, not end as a 413 page
FORM_MEMORY = 4 * 1024 * 1024


@bp.url_value_preprocessor
def _allow_long_pledges(endpoint: str | None, _values: dict | None) -> None:
    if endpoint in ("merchants_directory.create_merchant", "merchants_directory.edit_merchant"):
        request.max_form_memory_size = FORM_MEMORY


# --- the public directory ---------------------------------------------------------------------


@bp.route("/merchants")
def public_list():
    """The directory for residents: filtered by circle and category, model merchants first."""
    args = request.args
    circle, category = args.get("circle", "")[:20], args.get("category", "")[:20]
    page = parse_page(args.get("page"))
    found = directory.directory(db.session, g.tenant.id, circle, category, page)
    return render(
        "merchants/directory/public_list.html",
        "cards",
        found=found,
        circle=circle,
        category=category,
        page=page,
        page_size=directory.DIRECTORY_PAGE,
        categories=directory.CATEGORIES,
        status_labels=directory.STATUS_LABELS,
    )


@bp.route("/merchants/<int:organisation_id>")
def public_merchant(organisation_id: int):
    card = directory.public_merchant(db.session, g.tenant.id, organisation_id)
    return render(
        "merchants/directory/public_merchant.html",
        card=card,
        categories=directory.CATEGORIES,
        status_labels=directory.STATUS_LABELS,
    )


# --- business circles -------------------------------------------------------------------------


def _communities():
    return communities_for(db.session, current_user)


def _community_choices(field) -> None:
    choices = [SelectChoice(str(c.id), c.name) for c in _communities()]
    if current_user.limited_to_community is None:
        choices.insert(0, SelectChoice("", _("全街道")))
    field.choices = choices


@bp.route("/merchants/circles")
@office
def circles():
    return render(
        "merchants/directory/circles.html",
        rows=directory.list_circles(db.session, current_user),
    )


@bp.route("/merchants/circles/export.xlsx")
@office
@download
def export_circles():
    """The circles as the page lists them to the viewer, with their merchants counted."""
    rows = directory.list_circles(db.session, current_user, export_limit())
    return workbook_response(
        _("商圈") + ".xlsx",
        [_("商圈名称"), _("范围"), _("社区"), _("每月会员日"), _("商户"), _("党员示范商户")],
        (
            (
                r.circle.name,
                r.circle.area,
                r.community or _("全街道"),
                r.circle.member_day,
                r.merchants,
                r.models,
            )
            for r in rows
        ),
    )


def _circle_input(form: CircleForm) -> directory.CircleInput:
    return directory.CircleInput(
        name=form.name.data,
        area=form.area.data,
        community_id=form.community.data,
        member_day=form.member_day.data,
    )


@bp.route("/merchants/circles/new", methods=["GET", "POST"])
@office
def create_circle():
    form = CircleForm() if request.method == "POST" else CircleForm(data={"member_day": "27"})
    _community_choices(form.community)
    submitted = submit_form(
        form, lambda: directory.save_circle(db.session, current_user, _circle_input(form))
    )
    if submitted.done:
        flash(_("已登记商圈：%(name)s", name=submitted.result.name), "success")
        return redirect(url_for(".circles"))
    return render("merchants/directory/circle_form.html", form=form, circle=None), submitted.status


@bp.route("/merchants/circles/<int:circle_id>/edit", methods=["GET", "POST"])
@office
def edit_circle(circle_id: int):
    circle = directory.get_circle_or_404(db.session, current_user, circle_id)
    if request.method == "GET":
        form = CircleForm(data={"name": circle.name, "area": circle.area,
                                "community": circle.community_id,
                                "member_day": str(circle.member_day)})  # fmt: skip
    else:
        form = CircleForm()
    _community_choices(form.community)
    submitted = submit_form(
        form, lambda: directory.save_circle(db.session, current_user, _circle_input(form), circle)
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for(".circles"))
    return render(
        "merchants/directory/circle_form.html", form=form, circle=circle
    ), submitted.status


# --- merchants --------------------------------------------------------------------------------


def _filters() -> directory.MerchantFilters:
    args = request.args
    return directory.MerchantFilters(
        circle=args.get("circle", "")[:20],
        category=args.get("category", "")[:20],
        model=args.get("model", "")[:2],
        status=args.get("status", "")[:20],
        q=args.get("q", "")[:50],
    )


@bp.route("/merchants/records")
@office
def merchant_list():
    filters = _filters()
    page = parse_page(request.args.get("page"))
    rows, total = directory.list_merchants(db.session, current_user, filters, page)
    return render(
        "merchants/directory/list.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=directory.PAGE,
        filters=filters,
        circles=directory.circle_choices(db.session),
        categories=directory.CATEGORIES,
        status_labels=directory.STATUS_LABELS,
    )


@bp.route("/merchants/records/export.xlsx")
@office
@download
def export_merchants():
    """The list as its filters narrow it, every row (up to the export's cap)."""
    rows, total = directory.list_merchants(db.session, current_user, _filters(), 1, export_limit())
    categories, statuses = directory.CATEGORIES, directory.STATUS_LABELS
    return workbook_response(
        _("商户") + ".xlsx",
        [
            _("店名"),
            _("行业类别"),
            _("所属商圈"),
            _("社区"),
            _("地址"),
            _("营业时间"),
            _("经营状态"),
            _("党员示范商户"),
            _("公开承诺"),
            _("联系人"),
            _("联系电话"),
            _("统一社会信用代码"),
            _("标签"),
            _("商户账号数"),
        ],  # fmt: skip
        (
            (
                r.organisation.name,
                str(categories.get(r.profile.category, "")),
                r.circle or "",
                r.community or _("全街道"),
                r.organisation.address,
                r.profile.opening_hours,
                str(statuses.get(r.profile.status, "")),
                _("是") if r.profile.is_model else "",
                r.profile.pledge if r.profile.is_model else "",
                r.organisation.contact_name,
                shown_phone(current_user, r.organisation.contact_phone),
                r.organisation.credit_code or "",
                r.organisation.tags,
                r.accounts,
            )
            for r in rows
        ),
        total,
    )


def _merchant_form(form: MerchantForm) -> MerchantForm:
    form.circle.choices = [SelectChoice("", _("不属于商圈"))] + [
        SelectChoice(str(cid), name) for cid, name in directory.circle_choices(db.session)
    ]
    _community_choices(form.community)
    return form


def _merchant_input(form: MerchantForm) -> directory.MerchantInput:
    return directory.MerchantInput(
        name=form.name.data,
        category=form.category.data,
        address=form.address.data,
        circle_id=form.circle.data,
        community_id=form.community.data,
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        is_model=form.is_model.data,
        pledge=form.pledge.data,
        opening_hours=form.opening_hours.data,
        status=form.status.data,
        credit_code=form.credit_code.data,
        tags=form.tags.data,
    )


def _form_page(form: MerchantForm, merchant, status: int):
    return render(
        "merchants/directory/form.html",
        form=form,
        merchant=merchant,
        pledge_max=directory.PLEDGE_MAX,
    ), status


@bp.route("/merchants/records/new", methods=["GET", "POST"])
@office
def create_merchant():
    form = _merchant_form(MerchantForm())
    submitted = submit_form(
        form, lambda: directory.save_merchant(db.session, current_user, _merchant_input(form))
    )
    if submitted.done:
        organisation = submitted.result.organisation
        flash(_("已登记商户：%(name)s", name=organisation.name), "success")
        return redirect(url_for(".merchant_detail", organisation_id=organisation.id))
    return _form_page(form, None, submitted.status)


@bp.route("/merchants/records/<int:organisation_id>/edit", methods=["GET", "POST"])
@office
def edit_merchant(organisation_id: int):
    merchant = directory.get_merchant_or_404(db.session, current_user, organisation_id)
    if request.method == "GET":
        values = directory.merchant_input(merchant).__dict__
        form = MerchantForm(data=values | {"circle": values["circle_id"],
                                           "community": values["community_id"]})  # fmt: skip
    else:
        form = MerchantForm()
    _merchant_form(form)
    submitted = submit_form(
        form,
        lambda: directory.save_merchant(db.session, current_user, _merchant_input(form), merchant),
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for(".merchant_detail", organisation_id=organisation_id))
    return _form_page(form, merchant, submitted.status)


def _detail(merchant, invite_form=None, status: int = 200):
    o = merchant.organisation
    invite_form = invite_form or InviteForm(
        formdata=None, data={"name": o.contact_name, "phone": o.contact_phone}
    )
    if invite_form.phone.data and not current_user.sees_phones and not invite_form.errors:
        invite_form.phone.data = ""  # the contact's number is for the admin's eyes only
    return render(
        "merchants/directory/detail.html",
        page=directory.merchant_page(db.session, merchant),
        invite_form=invite_form,
        categories=directory.CATEGORIES,
        status_labels=directory.STATUS_LABELS,
    ), status


@bp.route("/merchants/records/<int:organisation_id>")
@office
def merchant_detail(organisation_id: int):
    return _detail(directory.get_merchant_or_404(db.session, current_user, organisation_id))


@bp.route("/merchants/records/<int:organisation_id>/invite", methods=["POST"])
@office
def invite(organisation_id: int):
    merchant = directory.get_merchant_or_404(db.session, current_user, organisation_id)
    form = InviteForm()
    submitted = submit_form(
        form,
        lambda: directory.invite_account(
            db.session, current_user, g.tenant, merchant,
            phone=form.phone.data, name=form.name.data,
        ),
    )  # fmt: skip
    if submitted.done:
        flash(_("已开设商户账号并短信通知：%(name)s", name=submitted.result.name), "success")
        return redirect(url_for(".merchant_detail", organisation_id=organisation_id))
    return _detail(merchant, invite_form=form, status=submitted.status)
