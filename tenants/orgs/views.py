"""/<slug>/org: the home of an org account (a unit or a merchant)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from saas.auth.access import require_role
from saas.auth.models import Role
from saas.db import utcnow
from saas.extensions import db
from saas.ui import render
from tenants.orgs import services

bp = Blueprint("orgs", __name__, url_prefix="/<slug:tenant>")


@bp.route("/org")
@require_role(Role.org)
def home():
    return render("orgs/home.html", home=services.home(db.session, current_user, utcnow()))
