"""Forms of the micro-wish pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from saas.forms import parse_id
from tenants.passport.reward_forms import PICTURE_ACCEPT
from tenants.wishes.services import CATEGORIES, DESCRIPTION_MAX, NAME_MAX, NOTE_MAX, TITLE_MAX


class WishForm(FlaskForm):
    title = StringField(
        _l("心愿"),
        validators=[
            DataRequired(_l("请填写心愿")),
            Length(max=TITLE_MAX, message=_l("心愿不能超过100个字")),
        ],
        render_kw={"placeholder": _l("例如：想要一套初中数学辅导书")},
    )
    description = TextAreaField(
        _l("说明（选填）"),
        validators=[Length(max=DESCRIPTION_MAX, message=_l("说明不能超过2000个字"))],
        render_kw={"rows": 4},
    )
    category = SelectField(
        _l("类别"),
        choices=[SelectChoice("", _l("请选择"))]
        + [SelectChoice(key, label) for key, label in CATEGORIES.items()],
        validate_choice=False,  # the service refuses anything else in its own words
    )
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)
    wisher_name = StringField(
        _l("居民姓名"),
        validators=[Length(max=NAME_MAX, message=_l("姓名不能超过50个字"))],
    )


class FulfilForm(FlaskForm):
    note = TextAreaField(
        _l("完成情况"),
        validators=[
            DataRequired(_l("请填写完成情况")),
            Length(max=NOTE_MAX, message=_l("完成情况不能超过1000个字")),
        ],
        render_kw={"rows": 3},
    )
    photo = FileField(_l("照片（选填）"), render_kw={"accept": PICTURE_ACCEPT})


class RejectForm(FlaskForm):
    reason = StringField(
        _l("未通过的理由"),
        validators=[
            DataRequired(_l("请填写未通过的理由")),
            Length(max=200, message=_l("理由不能超过200个字")),
        ],
    )
