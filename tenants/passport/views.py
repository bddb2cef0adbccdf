"""/<slug>/… pages of 志愿护照 (passport): the volunteer's home, history, certificate; points settings."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("passport", __name__, url_prefix="/<slug:tenant>")
