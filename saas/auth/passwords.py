"""Password hashing (scrypt, memory-hard) and the password policy."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MAX_LENGTH = 128
_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"\d"), re.compile(r"[^\w]"))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)


# Hashing a throwaway password when no account matches keeps the two cases equally slow.
_DUMMY: dict[str, str] = {}


def burn_time(password: str) -> None:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("not-a-password", method=method)
    check_password_hash(_DUMMY[method], password)


def password_problem(password: str) -> str | None:
    """Why this password is refused, in words for the person, or None if it is acceptable.

    At least 8 characters; a deployment may ask for more character classes
    (``PASSWORD_REQUIRE_CLASSES``, for 等保2.0 assessments).
    """
    if len(password) < MIN_LENGTH:
        return _("密码至少需要 %(n)d 个字符", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("密码不能超过 %(n)d 个字符", n=MAX_LENGTH)
    required = current_app.config.get("PASSWORD_REQUIRE_CLASSES", 0)
    if required and sum(bool(c.search(password)) for c in _CLASSES) < required:
        return _("密码需包含大写字母、小写字母、数字、符号中的至少 %(n)d 类", n=required)
    return None
