"""Forms of the phone pages of area ``report``. The required choices and lengths are the
services' rules (tenants.grid.items, tenants.grid.report): they refuse in their own words, next to
the field, so the forms check little themselves."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from saas.forms import parse_id
from tenants.grid.items import DESCRIPTION_MAX, PLACE_MAX
from tenants.grid.report import NOTE_MAX, REASON_MAX

#: what the phone offers to choose: the camera or the album, pictures only
PHOTO_ACCEPT = "image/*"


class ReportForm(FlaskForm):
    category = SelectField(_l("问题类别"), coerce=parse_id, validate_choice=False)
    description = TextAreaField(
        _l("问题描述"),
        validators=[Length(max=DESCRIPTION_MAX, message=_l("问题描述不能超过1000个字"))],
        render_kw={"rows": 4, "placeholder": _l("发生了什么？例如：3号楼下路灯不亮")},
    )
    photos = MultipleFileField(
        _l("照片（最多3张）"), render_kw={"accept": PHOTO_ACCEPT, "capture": True}
    )
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)
    grid = SelectField(_l("网格（选填）"), coerce=parse_id, validate_choice=False)
    building = SelectField(_l("楼栋（选填）"), coerce=parse_id, validate_choice=False)
    place = StringField(
        _l("具体位置"),
        validators=[Length(max=PLACE_MAX, message=_l("具体位置不能超过200个字"))],
        render_kw={"placeholder": _l("例如：2单元门口、小区北门")},
    )
    anonymous = BooleanField(_l("不向其他居民显示我的名字"))


class FollowUpForm(FlaskForm):
    satisfied = RadioField(
        _l("对处理结果是否满意"),
        choices=[SelectChoice("yes", _l("满意")), SelectChoice("no", _l("不满意"))],
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("不满意的原因"),
        validators=[Length(max=REASON_MAX, message=_l("原因不能超过500个字"))],
        render_kw={"rows": 3},
    )


class CheckForm(FlaskForm):
    note = StringField(
        _l("核查说明"),
        validators=[Length(max=NOTE_MAX, message=_l("核查说明不能超过500个字"))],
        render_kw={"placeholder": _l("未通过时必填：还有什么问题")},
    )
