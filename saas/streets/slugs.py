"""Street slugs: the /<slug>/ in every URL of a street."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from pypinyin import lazy_pinyin

MIN_LENGTH, MAX_LENGTH = 3, 40
_SHAPE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
RESERVED = frozenset(
    {
        "platform",
        "static",
        "signup",
        "login",
        "logout",
        "api",
        "healthz",
        "admin",
        "lang",
        "www",
        "app",
        "assets",
        "help",
        "docs",
        "status",
        "join",
        "me",
        "root",
        "system",
        "operator",
        "privacy",
        "metrics",
        "favicon.ico",
        "robots.txt",
    }
)
_SUFFIXES = ("街道办事处", "办事处", "街道")


def slug_problem(slug: str) -> str | None:
    """Why this slug cannot be used, or None."""
    if not slug:
        return _("请填写访问地址")
    if not MIN_LENGTH <= len(slug) <= MAX_LENGTH:
        return _("访问地址需 %(a)d–%(b)d 个字符", a=MIN_LENGTH, b=MAX_LENGTH)
    if not _SHAPE.fullmatch(slug):
        return _("访问地址只能使用小写字母、数字和连字符（-），且不能以连字符开头或结尾")
    if slug in RESERVED:
        return _("“%(slug)s”是保留词，请换一个", slug=slug)
    return None


def suggest_slug(name: str) -> str:
    """A slug from a street's name: pinyin for Chinese, lower-case ASCII otherwise.

    ``示范街道`` → ``shifan``; ``Xiangyang Street`` → ``xiangyang-street``.
    """
    name = (name or "").strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    # Chinese syllables run together (shifan); other text keeps its word breaks.
    text = "".join(lazy_pinyin(name, errors=lambda chars: f" {chars} "))
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:MAX_LENGTH].strip("-")
    if len(slug) < MIN_LENGTH:
        slug = (slug + "-street").strip("-")
    if slug in RESERVED:
        slug = f"{slug}-street"
    return slug
