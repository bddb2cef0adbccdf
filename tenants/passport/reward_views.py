"""/<slug>/… pages of 爱心超市 (rewards): the catalogue, redemption, hand-over."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rewards", __name__, url_prefix="/<slug:tenant>")
