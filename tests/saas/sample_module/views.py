from __future__ import annotations

from flask import Blueprint, render_template_string

from saas.auth.access import signed_in

bp = Blueprint("sample", __name__, url_prefix="/<slug:tenant>", template_folder="templates")


@bp.route("/sample")
@signed_in
def page():
    return render_template_string('{% extends "base.html" %}{% block content %}样例{% endblock %}')
