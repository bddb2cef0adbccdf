"""/<slug>/… pages of 活动 (events): staff pages and the volunteer's list and sign-up."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/<slug:tenant>")
