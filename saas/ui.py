"""What every page shares: language choice, htmx-aware rendering, template globals."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    current_app,
    g,
    has_app_context,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
)
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from saas.auth.phone import mask_phone
from saas.modules import menu_for, offered, tabs_for
from saas.text import hours_text


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
    app.add_url_rule("/elder-mode", "set_elder_mode", _set_elder_mode)
    app.jinja_env.globals.update(
        mask_phone=mask_phone,
        gettext=_gettext,
        _=_gettext,
        menu_for=menu_for,
        tabs_for=tabs_for,
        offered_modules=offered,
    )
    app.context_processor(_context)
    app.jinja_env.filters["localtime"] = _localtime
    app.jinja_env.filters["hours"] = hours_text


def _set_language(code: str):
    if code in ("zh_Hans_CN", "en"):
        session["lang"] = code
    return redirect(local_path(request.args.get("next", "/")))


def _set_elder_mode():
    """长辈模式 on (``?on=1``) or off: kept in the session like the language, so it is the
    phone's setting and survives signing in and out; CSS on ``body.elder`` does the rest."""
    if request.args.get("on") == "1":
        session["elder"] = True
    else:
        session.pop("elder", None)
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


#: the catalog of the page being rendered, set once per render by ``_context``: a page's many
#: ``_()`` are then plain lookups, not walks through Flask-Babel's request context
_catalog: ContextVar[Callable[[str], str] | None] = ContextVar("catalog", default=None)


def _context() -> dict:
    """What every template sees; the signed-in person is the object, not the context-local proxy
    each of a page's many ``current_user.…`` would go through."""
    _catalog.set(get_translations().ugettext)
    return {
        "tenant": g.get("tenant"),
        "current_user": current_user._get_current_object(),
        "lang": str(get_locale() or "zh_Hans_CN"),
        "elder": bool(session.get("elder")),
    }


@pass_context
def _gettext(context, message: str, /, **variables) -> str:
    """Jinja's new-style ``_()``: escaped, and always %-formatted (so a literal % is %%)."""
    lookup = _catalog.get() or get_translations().ugettext
    text = lookup(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 (our own catalog, as Jinja does; the values are escaped)
    return text % variables


def _localtime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time in the street's time zone, as text (the ``|localtime`` filter)."""
    if value is None:
        return ""
    return local(value).strftime(fmt)


def local(value: datetime) -> datetime:
    """A stored (UTC) time in the street's time zone. Every time on a page goes through here, so
    the zone is looked up once per process, not through Flask-Babel's context on each call."""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(street_zone())


#: the zone outside an app (a script, a test helper without one)
DEFAULT_TIMEZONE = "Asia/Shanghai"


def street_zone() -> ZoneInfo:
    """The streets' local time zone (``BABEL_DEFAULT_TIMEZONE``), made once per process: every
    time on a page, in an export, a chart or a reminder is shown in it."""
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_TIMEZONE
    return _zone(name)


def street_today(now: datetime | None = None) -> date:
    """Today's date where the streets are (not the server's UTC date): agreements, member days,
    resolutions and points expire by the street's calendar."""
    return (now or datetime.now(UTC)).astimezone(street_zone()).date()


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
