"""The 相亲结缘 profile form (the service checks the choices and lengths)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField

from tenants.campaigns.profiles import ABOUT_MAX, AGE_LABELS, GENDER_LABELS, OCCUPATION_MAX


class ProfileForm(FlaskForm):
    gender = RadioField(
        _l("性别"),
        choices=[SelectChoice(key, label) for key, label in GENDER_LABELS.items()],
        validate_choice=False,
    )
    age_band = SelectField(
        _l("年龄段"),
        choices=[
            SelectChoice("", _l("请选择")),
            *(SelectChoice(key, label) for key, label in AGE_LABELS.items()),
        ],
        validate_choice=False,
    )
    occupation = StringField(_l("职业"), render_kw={"maxlength": OCCUPATION_MAX})
    about = TextAreaField(_l("自我介绍（选填）"), render_kw={"maxlength": ABOUT_MAX, "rows": 4})
