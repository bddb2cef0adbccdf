"""/<slug>/dashboard (工作台): the to-dos and panels every module contributes."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from saas.auth.access import office
from saas.extensions import db
from saas.modules import panels_for, todos_for
from saas.ui import render

bp = Blueprint("console", __name__, url_prefix="/<slug:tenant>")


@bp.route("/dashboard")
@office
def dashboard():
    user = current_user._get_current_object()
    return render(
        "console/dashboard.html",
        todos=todos_for(db.session, user),
        panels=panels_for(db.session, user),
    )
