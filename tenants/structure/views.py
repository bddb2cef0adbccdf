"""/<slug>/structure: the admin manages communities, grids and buildings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import admin_only
from saas.errors import ServiceError
from saas.extensions import db
from saas.forms import parse_id
from saas.ui import render
from tenants.structure import services
from tenants.structure.models import Building, Community, Grid

bp = Blueprint("structure", __name__, url_prefix="/<slug:tenant>")

LEVELS = {"community": Community, "grid": Grid, "building": Building}
CHILD = {Community: Grid, Grid: Building}


@bp.route("/structure")
@admin_only
def tree():
    return _tree_page()


def _tree_page(error: str | None = None, status: int = 200):
    show_archived = request.values.get("archived") == "1"
    query = " ".join(request.values.get("q", "").split())[: services.NAME_MAX]
    rows = services.structure_tree(db.session, include_archived=show_archived)
    counts = services.tree_counts(rows)
    found = 0
    if query:
        rows, found = services.search_tree(rows, query)
    # what an htmx action on the tree sends back, so the view it answers with is the same
    keep = {k: v for k, v in (("archived", "1" if show_archived else ""), ("q", query)) if v}
    return render(
        "structure/tree.html",
        "tree",
        rows=rows,
        counts=counts,
        found=found,
        q=query,
        keep=keep,
        workers=services.worker_choices(db.session),
        show_archived=show_archived,
        error=error,
    ), status


def _done(message: str | None = None):
    """htmx gets the refreshed tree; a plain form post goes back to the page."""
    db.session.commit()
    if request.headers.get("HX-Request") == "true":
        return _tree_page()
    if message:
        flash(message, "success")
    return redirect(url_for("structure.tree"))


def _refused(error: ServiceError):
    db.session.rollback()
    if request.headers.get("HX-Request") == "true":
        return _tree_page(error.message, 422)
    flash(error.message, "error")
    return redirect(url_for("structure.tree"))


@bp.route("/structure/communities", methods=["POST"])
@admin_only
def create_community():
    try:
        services.create_node(db.session, current_user, Community, request.form.get("name"))
    except ServiceError as error:
        return _refused(error)
    return _done(_("已添加社区"))


def _node(model, node_id: int):
    return services.get_node_or_404(db.session, model, node_id)


def _node_action(model, node_id: int, action: str):
    node = _node(model, node_id)
    try:
        if action == "rename":
            services.rename_node(db.session, current_user, node, request.form.get("name"))
        elif action == "archive":
            services.archive_node(db.session, current_user, node, True)
        elif action == "restore":
            services.archive_node(db.session, current_user, node, False)
        elif action == "up":
            services.move_node(db.session, current_user, node, -1)
        elif action == "down":
            services.move_node(db.session, current_user, node, +1)
        elif action == "add" and model in CHILD:
            services.create_node(
                db.session, current_user, CHILD[model], request.form.get("name"), node.id
            )
        elif action == "worker" and model is Grid:
            raw = request.form.get("worker_id", "").strip()
            worker_id = parse_id(raw) if raw else None
            if raw and worker_id is None:
                raise ServiceError(_("请选择本街道的账号"), "worker_id")
            services.assign_worker(db.session, current_user, node, worker_id)
        else:
            abort(404)
    except ServiceError as error:
        return _refused(error)
    return _done()


@bp.route("/structure/communities/<int:community_id>/<action>", methods=["POST"])
@admin_only
def community_action(community_id: int, action: str):
    return _node_action(Community, community_id, action)


@bp.route("/structure/grids/<int:grid_id>/<action>", methods=["POST"])
@admin_only
def grid_action(grid_id: int, action: str):
    return _node_action(Grid, grid_id, action)


@bp.route("/structure/buildings/<int:building_id>/<action>", methods=["POST"])
@admin_only
def building_action(building_id: int, action: str):
    return _node_action(Building, building_id, action)
