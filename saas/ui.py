"""What every page shares: language choice, htmx-aware rendering, template globals."""

from __future__ import annotations

from flask import Flask, g, has_request_context, redirect, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from jinja2_fragments.flask import render_block

from saas.auth.phone import mask_phone


def select_locale() -> str:
    if not has_request_context():  # jobs and CLI speak the default language
        return "zh_Hans_CN"
    lang = session.get("lang")
    return lang if lang in ("zh_Hans_CN", "en") else "zh_Hans_CN"


def render(template: str, block: str | None = None, **context) -> str:
    """The whole page, or for an htmx request just ``block`` of the same template."""
    if block is not None and request.headers.get("HX-Request") == "true":
        return render_block(template, block, **context)
    return render_template(template, **context)


def init_app(app: Flask) -> None:
    app.add_url_rule("/lang/<code>", "set_language", _set_language)
    app.jinja_env.globals.update(mask_phone=mask_phone)
    app.context_processor(_context)
    app.jinja_env.filters["localtime"] = _localtime


def _set_language(code: str):
    if code in ("zh_Hans_CN", "en"):
        session["lang"] = code
    return redirect(local_path(request.args.get("next", "/")))


def local_path(target: str, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects).

    Browsers drop tabs and newlines and read a backslash as a slash, so a path holding either
    could turn into ``//evil.example``: anything but a plain ``/path`` is refused.
    """
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    ):
        return default
    return target


def _context() -> dict:
    return {
        "tenant": g.get("tenant"),
        "current_user": current_user,
        "lang": str(get_locale() or "zh_Hans_CN"),
    }


def _localtime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    from flask_babel import to_user_timezone

    return to_user_timezone(value).strftime(fmt)
