"""/<slug>/… pages of 微心愿 (micro-wishes): posting, approval, claiming, fulfilment."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("wishes", __name__, url_prefix="/<slug:tenant>")
