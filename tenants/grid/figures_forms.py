"""Forms of the figures area (the street's settings for the loop). The rules (required, lengths,
ranges, duplicates, who may be a supervisor) live in :mod:`tenants.grid.settings`; the forms carry
what was typed, so a refusal shows it back."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import Length

from saas.text import fold_input
from tenants.grid.settings import UNIT_DAYS, UNIT_LABELS

# no length limits here beyond absurd input: the service says how long a name may be


class LevelForm(FlaskForm):
    name = StringField(_l("等级名称"), validators=[Length(max=200, message=_l("名称过长"))],
                       render_kw={"placeholder": _l("如：紧急")})  # fmt: skip
    amount = StringField(
        _l("办理时限"),
        filters=[fold_input],
        validators=[Length(max=20, message=_l("办理时限须为正整数（小时或天）"))],
        render_kw={"inputmode": "numeric"},
    )
    unit = SelectField(
        _l("单位"),
        choices=[SelectChoice(key, label) for key, label in UNIT_LABELS.items()],
        default=UNIT_DAYS,
        validate_choice=False,  # the service refuses any other unit, in its own words
    )


class CategoryForm(FlaskForm):
    name = StringField(_l("类别名称"), validators=[Length(max=200, message=_l("名称过长"))],
                       render_kw={"placeholder": _l("如：环境卫生")})  # fmt: skip
    level_id = SelectField(_l("事项等级"), choices=[], validate_choice=False)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class DepartmentForm(FlaskForm):
    name = StringField(_l("部门名称"), validators=[Length(max=200, message=_l("名称过长"))],
                       render_kw={"placeholder": _l("如：城管办")})  # fmt: skip
    supervisor_id = SelectField(_l("分管领导"), choices=[], validate_choice=False)
    member_ids = MultiCheckboxField(_l("部门成员（办理事项的工作人员）"), choices=[],
                                    validate_choice=False)  # fmt: skip


class PointsForm(FlaskForm):
    points = StringField(
        _l("居民上报经核实后获得的积分"),
        filters=[fold_input],
        validators=[Length(max=20, message=_l("请填写 0–100 的整数"))],
        render_kw={"inputmode": "numeric"},
    )
