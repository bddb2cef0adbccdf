"""/<slug>/… pages of 微心愿 (micro-wishes): posting, approval, claiming, fulfilment."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import office, signed_in
from saas.errors import Forbidden, ServiceError
from saas.extensions import db
from saas.forms import attach_error, parse_id, parse_page
from saas.ui import render
from saas.views import send_upload, submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.passport.rewards import picture_path
from tenants.structure.services import active_communities, community_names
from tenants.wishes import services
from tenants.wishes.forms import FulfilForm, RejectForm, WishForm
from tenants.wishes.models import Wish, WishStatus

bp = Blueprint("wishes", __name__, url_prefix="/<slug:tenant>")


def _wish_or_404(wish_id: int) -> Wish:
    """The wish, if the signed-in person may see it; otherwise (or another street's) 404."""
    wish = services.get_wish_or_404(db.session, wish_id)
    if not services.can_see(current_user, wish):
        abort(404)
    return wish


def _communities() -> dict:
    """In one query: names for every wish (archived communities too) and the active ones."""
    everything = services.all_communities(db.session)
    return {
        "all": everything,
        "communities": {c.id: c.name for c in everything},
        "active": [c for c in everything if c.archived_at is None],
    }


def _common() -> dict:
    return {
        "labels": services.STATUS_LABELS,
        "categories": services.CATEGORIES,
        "mask_name": services.mask_name,
    }


# --- for everyone: the list to claim, my wishes, my claims ---------------------------------------


@bp.route("/wishes")
@signed_in
def index():
    community_id = parse_id(request.args.get("community"))
    listed = services.open_wishes(db.session, community_id)
    mine = services.my_wishes(db.session, current_user)
    claims = services.my_claims(db.session, current_user)
    return render(
        "wishes/list.html",
        "listed",
        listed=listed,
        mine=mine,
        claims=claims,
        community_id=community_id,
        **_communities(),
        people=services.people(db.session, listed, mine, claims),
        can_claim=services.can_claim(current_user),
        can_post=services.can_post(current_user),
        **_common(),
    )


@bp.route("/wishes/new", methods=["GET", "POST"])
@signed_in
def create():
    if not services.can_post(current_user):
        abort(403)
    form = WishForm()
    communities = active_communities(db.session)
    limited = current_user.limited_to_community
    if limited is not None:
        communities = [c for c in communities if c.id == limited]
    form.community.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(c.id), c.name) for c in communities
    ]
    if request.method == "GET" and current_user.community_id:
        form.community.data = current_user.community_id
    submitted = submit_form(
        form,
        lambda: services.post_wish(
            db.session,
            current_user,
            g.tenant,
            title=form.title.data,
            description=form.description.data,
            category=form.category.data,
            community_id=form.community.data,
            wisher_name=form.wisher_name.data or "",
        ),
    )
    if submitted.done:
        flash(_("心愿已提交，工作人员审核后将公开发布"), "success")
        return redirect(url_for("wishes.detail", wish_id=submitted.result.id))
    return render("wishes/new.html", form=form), submitted.status


@bp.route("/wishes/<int:wish_id>")
@signed_in
def detail(wish_id: int):
    return _detail_page(_wish_or_404(wish_id))


def _detail_page(
    wish: Wish,
    error: str | None = None,
    status: int = 200,
    fulfil_form: FulfilForm | None = None,
    reject_form: RejectForm | None = None,
):
    return render(
        "wishes/detail.html",
        wish=wish,
        error=error,
        fulfil_form=fulfil_form or FulfilForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
        community=community_names(db.session).get(wish.community_id, ""),
        people=services.people(db.session, [wish]),
        can_review=services.can_review(current_user, wish),
        can_claim=services.can_claim(current_user),
        involved=services.is_involved(current_user, wish),
        **_common(),
    ), status


def _act(wish_id: int, step, message: str, **forms):
    """Run one step on the wish; commit and go to its page, or show the refusal there (422)."""
    wish = _wish_or_404(wish_id)
    try:
        step(wish)
    except Forbidden:
        db.session.rollback()
        abort(403)
    except ServiceError as error:
        db.session.rollback()
        wish = _wish_or_404(wish_id)
        for form in forms.values():
            if form is not None and error.field and hasattr(form, error.field):
                attach_error(form, error)
                return _detail_page(wish, None, 422, **forms)
        return _detail_page(wish, error.message, 422, **forms)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("wishes.detail", wish_id=wish_id))


@bp.route("/wishes/<int:wish_id>/claim", methods=["POST"])
@signed_in
def claim(wish_id: int):
    return _act(
        wish_id,
        lambda wish: services.claim(db.session, current_user, g.tenant, wish),
        _("认领成功，请尽快帮助实现这个心愿"),
    )


@bp.route("/wishes/<int:wish_id>/release", methods=["POST"])
@signed_in
def release(wish_id: int):
    return _act(
        wish_id,
        lambda wish: services.release(db.session, current_user, g.tenant, wish),
        _("已取消认领，心愿重新开放认领"),
    )


@bp.route("/wishes/<int:wish_id>/fulfil", methods=["POST"])
@signed_in
def fulfil(wish_id: int):
    wish = _wish_or_404(wish_id)
    form = FulfilForm()
    if not form.validate_on_submit():
        return _detail_page(wish, None, 422, fulfil_form=form)
    return _act(
        wish_id,
        lambda wish: services.fulfil(
            db.session, current_user, g.tenant, wish, form.note.data, request.files.get("photo")
        ),
        _("已提交完成情况，等待工作人员确认"),
        fulfil_form=form,
    )


@bp.route("/wishes/<int:wish_id>/photo")
@signed_in
def photo(wish_id: int):
    """The fulfilment photo: for office staff and the people the wish concerns."""
    wish = _wish_or_404(wish_id)
    if not services.can_see_photo(current_user, wish):
        abort(404)
    return send_upload(picture_path(g.tenant.id, wish.photo))


# --- for the office: review, confirm, figures ----------------------------------------------------


def _review_filters() -> tuple[str, int | None]:
    """The list's status and community from the query string (anything unreadable: all)."""
    status = request.args.get("status", "")
    status = status if status in WishStatus.__members__ else ""
    return status, parse_id(request.args.get("community"))


@bp.route("/wishes/review/export.xlsx")
@office
@download
def export_wishes():
    """全部心愿 as its filters narrow it, every row (up to the export's cap)."""
    status, community_id = _review_filters()
    rows, total = services.browse(
        db.session, current_user, status, community_id, 1, size=export_limit()
    )
    names = {c.id: c.name for c in services.all_communities(db.session)}
    people = services.people(db.session, rows)

    def name_of(user_id):
        return people[user_id].name if user_id in people else ""

    return workbook_response(
        _("微心愿") + ".xlsx",
        [
            _("心愿"),
            _("类别"),
            _("状态"),
            _("社区"),
            _("心愿人"),
            _("认领人"),
            _("积分"),
            _("提交时间"),
            _("实现时间"),
            _("确认时间"),
        ],
        (
            (
                w.title,
                str(services.CATEGORIES.get(w.category, w.category)),
                str(services.STATUS_LABELS.get(w.status, w.status)),
                names.get(w.community_id, ""),
                w.wisher_name or name_of(w.wisher_id),
                name_of(w.claimer_id),
                w.points,
                w.created_at,
                w.fulfilled_at,
                w.confirmed_at,
            )
            for w in rows
        ),
        total,
    )


@bp.route("/wishes/review")
@office
def review():
    status, community_id = _review_filters()
    page = parse_page(request.args.get("page"))
    rows, total = services.browse(db.session, current_user, status, community_id, page)
    pending = services.waiting(db.session, current_user, WishStatus.pending)
    to_confirm = services.waiting(db.session, current_user, WishStatus.fulfilled)
    communities = _communities()
    figures = services.figures(db.session, current_user, communities["all"])
    chart = {
        "labels": [name for name, _counts in figures.by_community],
        "values": [counts.fulfilled for _name, counts in figures.by_community],
    }
    return render(
        "wishes/review.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=services.PAGE,
        status=status,
        community_id=community_id,
        pending=pending,
        to_confirm=to_confirm,
        figures=figures,
        chart_json=json.dumps(chart, ensure_ascii=False),
        **communities,
        people=services.people(db.session, rows, pending, to_confirm),
        **_common(),
    )


@bp.route("/wishes/<int:wish_id>/approve", methods=["POST"])
@office
def approve(wish_id: int):
    return _act(
        wish_id,
        lambda wish: services.approve(db.session, current_user, g.tenant, wish),
        _("已通过审核，心愿已发布"),
    )


@bp.route("/wishes/<int:wish_id>/reject", methods=["POST"])
@office
def reject(wish_id: int):
    form = RejectForm()

    def step(wish):
        services.reject(db.session, current_user, g.tenant, wish, form.reason.data or "")

    return _act(wish_id, step, _("已驳回"), reject_form=form)


@bp.route("/wishes/<int:wish_id>/confirm", methods=["POST"])
@office
def confirm(wish_id: int):
    return _act(
        wish_id,
        lambda wish: services.confirm(db.session, current_user, g.tenant, wish),
        _("已确认实现，认领人的积分已发放"),
    )
