"""The forms of an item's steps. They carry what was typed; the rules (a reason required, a
handler of this street, a deadline in the future, at most three photos) live in
tenants.grid.handling and come back next to their field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from tenants.grid.handling import NOTE_MAX, REASON_MAX


def _too_long(n: int):
    return Length(max=n, message=_l("不能超过 %(n)d 个字", n=n))


class StepForm(FlaskForm):
    """One form for every step: each step's section of the page shows the fields it uses."""

    note = TextAreaField(_l("说明"), validators=[_too_long(NOTE_MAX)], render_kw={"rows": 3})
    reason = TextAreaField(_l("理由"), validators=[_too_long(REASON_MAX)], render_kw={"rows": 2})
    handler = SelectField(_l("承办人"), validate_choice=False)
    due = StringField(
        _l("办理时限"),
        validators=[Length(max=20, message=_l("请填写有效的时间，如 2026-12-08 17:00"))],
        render_kw={"type": "datetime-local"},
    )
    photos = MultipleFileField(_l("照片"), render_kw={"accept": "image/jpeg,image/png,image/webp"})
