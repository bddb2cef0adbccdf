"""/<slug>/grid/map…: the map of the grids (民情地图). Thin: the services in tenants.grid.gridmap
decide who sees which community (anyone else: 404) and keep the plan and the places."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import signed_in
from saas.extensions import db
from saas.forms import parse_id
from saas.ui import render
from saas.views import submit_form
from tenants.grid import gridmap
from tenants.grid.gridmap_forms import PinForm, PlanForm
from tenants.grid.loop import STATUS_LABELS
from tenants.grid.photos import MAX_UPLOAD_BYTES

bp = Blueprint("grid_map", __name__, url_prefix="/<slug:tenant>", template_folder="templates")


@bp.route("/grid/map")
@signed_in
def index():
    communities = gridmap.map_communities(db.session, current_user)
    if len(communities) == 1:
        return redirect(url_for("grid_map.community_map", community_id=communities[0].id))
    counts = gridmap.open_counts(db.session, communities)
    return render("grid/map/index.html", communities=communities, counts=counts)


def _page(community, plan_form=None, pin_form=None, status=200):
    page = gridmap.map_page(db.session, community)
    pin_form = pin_form or PinForm(formdata=None)
    pin_form.grid.choices = [(str(g.id), g.name) for g in page.grids]
    return render(
        "grid/map/community.html",
        page=page,
        communities=gridmap.map_communities(db.session, current_user),
        plan_form=plan_form or PlanForm(formdata=None),
        pin_form=pin_form,
        colours=gridmap.STATUS_COLOURS,
        status_labels=STATUS_LABELS,
        scale=gridmap.SCALE,
    ), status


@bp.route("/grid/map/<int:community_id>")
@signed_in
def community_map(community_id: int):
    community = gridmap.get_map_community_or_404(db.session, current_user, community_id)
    return _page(community)


def _upload_bytes(upload) -> bytes | None:
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return upload.stream.read(MAX_UPLOAD_BYTES + 1)


@bp.route("/grid/map/<int:community_id>/plan", methods=["POST"])
@signed_in
def upload_plan(community_id: int):
    community = gridmap.get_map_community_or_404(db.session, current_user, community_id)
    form = PlanForm()
    submitted = submit_form(form, lambda: gridmap.save_plan(
        db.session, current_user, community, _upload_bytes(request.files.get("plan"))))  # fmt: skip
    if submitted.done:
        flash(_("平面图已更新"), "success")
        return redirect(url_for("grid_map.community_map", community_id=community.id))
    return _page(community, plan_form=form, status=submitted.status)


@bp.route("/grid/map/<int:community_id>/plan/remove", methods=["POST"])
@signed_in
def remove_plan(community_id: int):
    community = gridmap.get_map_community_or_404(db.session, current_user, community_id)
    gridmap.remove_plan(db.session, current_user, community)
    db.session.commit()
    flash(_("已改用自动生成的示意图"), "success")
    return redirect(url_for("grid_map.community_map", community_id=community.id))


@bp.route("/grid/map/<int:community_id>/pins", methods=["POST"])
@signed_in
def place_grid(community_id: int):
    community = gridmap.get_map_community_or_404(db.session, current_user, community_id)
    form = PinForm()
    submitted = submit_form(form, lambda: gridmap.place_grid(
        db.session, current_user, community, parse_id(form.grid.data), form.x.data,
        form.y.data))  # fmt: skip
    if submitted.done:
        flash(_("网格位置已保存"), "success")
        return redirect(url_for("grid_map.community_map", community_id=community.id))
    return _page(community, pin_form=form, status=submitted.status)


@bp.route("/grid/map/<int:community_id>/plan.jpg")
@signed_in
def plan_image(community_id: int):
    """The plan, to office accounts who may see the community's map only (404 for others)."""
    community = gridmap.get_map_community_or_404(db.session, current_user, community_id)
    data = gridmap.plan_image(db.session, community)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
