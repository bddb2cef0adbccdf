"""/<slug>/… pages of 爱心超市 (rewards): the catalogue, redemption, hand-over."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import office, require_role, signed_in
from saas.errors import ServiceError
from saas.extensions import db
from saas.forms import attach_error, parse_id, parse_page
from saas.qr import qr_svg
from saas.ui import render
from saas.views import send_upload, submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.passport import rewards as services
from tenants.passport.models import RedemptionStatus, Reward
from tenants.passport.reward_forms import NewRewardForm, RestockForm, RewardForm, VerifyForm
from tenants.structure.services import active_communities

bp = Blueprint("rewards", __name__, url_prefix="/<slug:tenant>")

#: who may hand rewards over: office staff, and merchants (org accounts) for their own items
hand_over = require_role("admin", "staff", "org")


def _reward_or_404(reward_id: int) -> Reward:
    return services.get_reward_or_404(db.session, reward_id)


# --- the catalogue on the phone ----------------------------------------------------------------


@bp.route("/rewards")
@signed_in
def catalogue():
    return _catalogue_page()


def _catalogue_page(error: str | None = None, error_reward: int | None = None, status=200):
    passport = services.passport_of(db.session, current_user)
    items = services.catalogue(db.session, passport.id if passport else None)
    return render(
        "rewards/catalogue.html",
        items=items,
        passport=passport,
        error=error,
        error_reward=error_reward,
    ), status


@bp.route("/rewards/<int:reward_id>/redeem", methods=["POST"])
@signed_in
def redeem(reward_id: int):
    reward = _reward_or_404(reward_id)
    passport = services.passport_of(db.session, current_user)
    try:
        if passport is None:
            raise ServiceError(_("积分不足"))
        redemption = services.redeem(db.session, current_user, passport.id, reward, g.tenant)
    except ServiceError as error:
        db.session.rollback()
        return _catalogue_page(error.message, reward_id, 422)
    db.session.commit()
    flash(_("兑换成功，请凭兑换码领取"), "success")
    return redirect(url_for("rewards.redemption", redemption_id=redemption.id))


@bp.route("/rewards/<int:reward_id>/picture")
@signed_in
def picture(reward_id: int):
    reward = _reward_or_404(reward_id)
    return send_upload(services.picture_path(g.tenant.id, reward.picture))


# --- my redemptions ------------------------------------------------------------------------------


@bp.route("/redemptions")
@signed_in
def redemptions():
    return render(
        "rewards/redemptions.html", rows=services.my_redemptions(db.session, current_user)
    )


def _mine_or_404(redemption_id: int):
    return services.get_my_redemption_or_404(db.session, current_user, redemption_id)


@bp.route("/redemptions/<int:redemption_id>")
@signed_in
def redemption(redemption_id: int):
    return _redemption_page(*_mine_or_404(redemption_id))


def _redemption_page(redemption, reward, error: str | None = None, status: int = 200):
    names = services.provider_names(db.session, [reward])
    return render(
        "rewards/redemption.html",
        redemption=redemption,
        reward=reward,
        provider=names.get(reward.id, ""),
        qr=qr_svg(redemption.code) if redemption.status == RedemptionStatus.issued else None,
        error=error,
    ), status


@bp.route("/redemptions/<int:redemption_id>/cancel", methods=["POST"])
@signed_in
def cancel(redemption_id: int):
    redemption, reward = _mine_or_404(redemption_id)
    try:
        services.cancel_redemption(db.session, current_user, redemption, reward)
    except ServiceError as error:
        db.session.rollback()
        redemption, reward = _mine_or_404(redemption_id)
        return _redemption_page(redemption, reward, error.message, 422)
    db.session.commit()
    flash(_("已取消兑换，%(n)d 积分已退回", n=redemption.points), "success")
    return redirect(url_for("rewards.redemptions"))


# --- managing the catalogue (office) -----------------------------------------------------------


def _manage_filters() -> tuple[str, int | None]:
    """The catalogue's status and provider filters; anything unknown is "all", as on the page."""
    status = request.args.get("status", "")
    status = status if status in ("active", "inactive") else ""
    raw = request.args.get("community", "")
    return status, 0 if raw == "0" else parse_id(raw)


@bp.route("/rewards/manage")
@office
def manage():
    status, community_id = _manage_filters()
    return render(
        "rewards/manage.html",
        "rows",
        items=services.managed_rewards(db.session, current_user, status, community_id),
        status=status,
        community_id=community_id,
        communities=active_communities(db.session),
        manages_all=services.manages_all(current_user),
    )


@bp.route("/rewards/manage/export.xlsx")
@office
@download
def export_rewards():
    """The catalogue as the list filters it, every item the viewer manages (up to the
    export's cap), with hand-over counts."""
    status, community_id = _manage_filters()
    items = services.managed_rewards(
        db.session, current_user, status, community_id, limit=export_limit()
    )
    return workbook_response(
        _("奖品管理") + ".xlsx",
        [
            _("名称"),
            _("提供方"),
            _("积分"),
            _("库存"),
            _("每人限兑"),
            _("待领取"),
            _("已领取"),
            _("状态"),
        ],
        (
            (
                item.reward.name,
                item.provider,
                item.reward.price,
                item.reward.stock,
                item.reward.per_person_limit or _("不限"),
                item.issued,
                item.verified,
                _("上架") if item.reward.is_active else _("下架"),
            )
            for item in items
        ),
    )


def _status_filter() -> str:
    """The list's status filter; anything unknown is "all", as on the page."""
    status = request.args.get("status", "")
    return status if status in RedemptionStatus.__members__ else ""


@bp.route("/rewards/redemptions")
@office
def all_redemptions():
    status = _status_filter()
    page = parse_page(request.args.get("page"))
    rows, total = services.all_redemptions(db.session, current_user, status, page)
    return render(
        "rewards/all_redemptions.html",
        "rows",
        rows=rows,
        total=total,
        status=status,
        page=page,
        page_size=services.REDEMPTIONS_PAGE,
    )


@bp.route("/rewards/redemptions/export.xlsx")
@office
@download
def export_redemptions():
    """The redemptions as the list filters them, every row (up to the export's cap)."""
    rows, total = services.all_redemptions(
        db.session, current_user, _status_filter(), 1, export_limit()
    )
    labels = {"issued": _("待领取"), "verified": _("已领取"), "cancelled": _("已取消")}
    return workbook_response(
        _("兑换记录") + ".xlsx",
        [
            _("状态"),
            _("奖品"),
            _("兑换人"),
            _("护照编号"),
            _("积分"),
            _("兑换时间"),
            _("领取或取消时间"),
        ],
        (
            (
                labels.get(row.redemption.status, row.redemption.status),
                row.reward_name,
                row.holder,
                row.passport_number,
                row.redemption.points,
                row.redemption.created_at,
                row.redemption.verified_at or row.redemption.cancelled_at,
            )
            for row in rows
        ),
        total,
    )


def _provider_choices(form: RewardForm) -> None:
    communities = active_communities(db.session)
    if not services.manages_all(current_user):
        communities = [c for c in communities if c.id == current_user.community_id]
        form.provider_kind.choices = [form.provider_kind.choices[0]]
    form.community.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(c.id), c.name) for c in communities
    ]
    merchants = services.merchant_choices(db.session) if services.manages_all(current_user) else []
    form.merchant.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(m.id), m.name) for m in merchants
    ]


def _input(form: RewardForm, stock: int = 0) -> services.RewardInput:
    return services.RewardInput(
        name=form.name.data or "",
        description=form.description.data or "",
        price=form.price.data,
        per_person_limit=form.limit.data,
        provider_kind=form.provider_kind.data or "",
        community_id=form.community.data,
        provider_id=form.merchant.data,
        is_active=bool(form.is_active.data),
        stock=stock,
    )


@bp.route("/rewards/new", methods=["GET", "POST"])
@office
def create():
    form = NewRewardForm()
    _provider_choices(form)
    if request.method == "GET" and not services.manages_all(current_user):
        form.community.data = current_user.community_id
    submitted = submit_form(
        form,
        lambda: services.create_reward(
            db.session,
            current_user,
            _input(form, form.stock.data),
            request.files.get("picture_file"),
        ),
    )
    if submitted.done:
        flash(_("已添加奖品：%(name)s", name=submitted.result.name), "success")
        return redirect(url_for("rewards.manage"))
    return render("rewards/form.html", form=form, reward=None, restock_form=None), submitted.status


def _managed_or_404(reward_id: int) -> Reward:
    reward = _reward_or_404(reward_id)
    if not services.can_manage(current_user, reward):
        abort(403)
    return reward


@bp.route("/rewards/<int:reward_id>/edit", methods=["GET", "POST"])
@office
def edit(reward_id: int):
    reward = _managed_or_404(reward_id)
    if request.method == "GET":
        form = RewardForm(obj=reward, limit=reward.per_person_limit)
        form.provider_kind.data = "merchant" if reward.provider_id else "community"
        form.community.data = reward.community_id
        form.merchant.data = reward.provider_id
    else:
        form = RewardForm()
    _provider_choices(form)
    submitted = submit_form(
        form,
        lambda: services.update_reward(
            db.session,
            current_user,
            reward,
            _input(form),
            request.files.get("picture_file"),
            remove_picture_too=bool(form.remove_picture.data),
        ),
    )
    if submitted.done:
        if submitted.result:  # the picture it replaced
            services.remove_picture(g.tenant.id, submitted.result)
        flash(_("已保存"), "success")
        return redirect(url_for("rewards.manage"))
    if submitted.refusal:
        reward = _reward_or_404(reward_id)
    return render(
        "rewards/form.html", form=form, reward=reward, restock_form=RestockForm()
    ), submitted.status


@bp.route("/rewards/<int:reward_id>/restock", methods=["POST"])
@office
def restock(reward_id: int):
    reward = _managed_or_404(reward_id)
    restock_form = RestockForm()
    if restock_form.validate_on_submit():
        try:
            stock = services.restock(db.session, current_user, reward, restock_form.amount.data)
        except ServiceError as error:
            db.session.rollback()
            attach_error(restock_form, error)
        else:
            db.session.commit()
            flash(_("已补货，当前库存 %(n)d", n=stock), "success")
            return redirect(url_for("rewards.edit", reward_id=reward_id))
    reward = _reward_or_404(reward_id)
    form = RewardForm(obj=reward, limit=reward.per_person_limit, formdata=None)
    form.provider_kind.data = "merchant" if reward.provider_id else "community"
    form.community.data = reward.community_id
    form.merchant.data = reward.provider_id
    _provider_choices(form)
    return render("rewards/form.html", form=form, reward=reward, restock_form=restock_form), 422


# --- hand-over -----------------------------------------------------------------------------------


@bp.route("/rewards/verify", methods=["GET", "POST"])
@hand_over
def verify():
    """Type or scan the code, see the reward and the volunteer, then confirm the hand-over."""
    form = VerifyForm()
    found = None
    status = 200
    if form.validate_on_submit():
        try:
            found = services.find_for_hand_over(db.session, current_user, form.code.data)
        except ServiceError as error:
            attach_error(form, error)
            status = 422
        else:
            if request.form.get("confirm") == "1":
                try:
                    services.verify_redemption(db.session, current_user, g.tenant, found)
                except ServiceError as error:
                    db.session.rollback()
                    attach_error(form, error)
                    status = 422
                    # as it is now (someone may have just handed it over)
                    found = services.find_for_hand_over(db.session, current_user, form.code.data)
                else:
                    db.session.commit()
                    flash(
                        _(
                            "已核销：%(reward)s（%(name)s）",
                            reward=found.reward.name,
                            name=found.volunteer.name,
                        ),
                        "success",
                    )
                    return redirect(url_for("rewards.verify"))
    elif request.method == "POST":
        status = 422
    provider = (
        services.provider_names(db.session, [found.reward]).get(found.reward.id) if found else ""
    )
    return render("rewards/verify.html", form=form, found=found, provider=provider), status
