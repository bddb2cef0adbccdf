"""Shared form pieces: every message in Chinese, marked for translation."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from saas.errors import ServiceError
from saas.text import ascii_digits, fold_input

#: the largest id a BIGINT column holds; and an INTEGER one (tenants, operators)
MAX_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1


def parse_id(raw, maximum: int = MAX_ID) -> int | None:
    """A positive integer id from text (a form, a query string, a cookie), or None.

    Full-width digits are read as digits (``saas.text``); other scripts' digits are not, and
    neither are numbers too large for the database, which would be a 500 instead of "not found".
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    digits = ascii_digits(raw)
    if digits is None or len(digits) > 19:
        return None
    value = int(digits)
    return value if 0 < value <= maximum else None


#: deeper than any street's list goes; keeps OFFSET inside what the database accepts
MAX_PAGE = 100_000


def parse_page(raw) -> int:
    """A list's page number from a query string or form: 1 when missing, malformed or absurd."""
    return parse_id(raw, MAX_PAGE) or 1


def phone_field(label=None) -> StringField:
    return StringField(
        label or _l("手机号"),
        validators=[
            DataRequired(_l("请填写手机号")),
            Length(max=30, message=_l("手机号格式不正确")),
        ],
        filters=[fold_input],  # full-width digits are the same number, shown back in ASCII
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )


def password_field(label=None, autocomplete: str = "current-password") -> PasswordField:
    return PasswordField(
        label or _l("密码"),
        validators=[DataRequired(_l("请填写密码")), Length(max=128, message=_l("密码过长"))],
        render_kw={"autocomplete": autocomplete},
    )


def attach_error(form: FlaskForm, error: ServiceError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*list(field.errors), error.message]
    else:
        form.form_errors.append(error.message)


def clean_text(
    raw: str | None, limit: int, field: str, lines: bool = False, required: str | None = None
) -> str:
    """What was typed, trimmed: one line's blanks collapsed, or (``lines``) a text's line breaks
    kept.

    :raise ServiceError: longer than ``limit``; empty when ``required`` (its message)
    """
    raw = raw or ""
    text = raw.strip() if lines else " ".join(raw.split())
    if required and not text:
        raise ServiceError(required, field)
    if len(text) > limit:
        raise ServiceError(_("不能超过 %(n)d 个字", n=limit), field)
    return text
