"""/<slug>/… pages of 签到/签退 (check-in and check-out): the event QR, the staff scanner, the volunteer's link."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("checkin", __name__, url_prefix="/<slug:tenant>")
