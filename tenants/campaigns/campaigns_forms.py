"""Forms of the campaigns area. Fields hold what was typed; the rules (and their Chinese
messages) are the services' (tenants.campaigns.campaigns, .targets, .activities), so a refused
form shows the input back with the message next to the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from saas.text import fold_input
from tenants.campaigns.activities import OUTLINE_TITLE_MAX
from tenants.campaigns.campaigns import CUSTOM_THEME_MAX, NAME_MAX
from tenants.campaigns.targets import NOTE_MAX, SOURCE_LABELS, TARGET_NAME_MAX, UNIT_MAX
from tenants.campaigns.template import SEASON_LABELS, SEASONS, THEME_LABELS


class ChineseDateField(DateField):
    """A date whose malformed value is refused in Chinese; an empty one is None (the service
    says it is missing)."""

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("请填写有效的日期，如 2026-05-01"))) from error


class CampaignForm(FlaskForm):
    year = StringField(_l("年份"), filters=[fold_input], render_kw={"inputmode": "numeric"})
    season = SelectField(
        _l("季节"),
        choices=[SelectChoice(s.value, SEASON_LABELS[s]) for s in SEASONS],
        validate_choice=False,
    )
    theme = SelectField(
        _l("主题"),
        choices=[SelectChoice(k.value, v) for k, v in THEME_LABELS.items()],
        validate_choice=False,
    )
    custom_theme = StringField(_l("自定主题名称"), render_kw={"maxlength": CUSTOM_THEME_MAX})
    name = StringField(_l("活动名称"), render_kw={"maxlength": NAME_MAX})
    starts_on = ChineseDateField(_l("开始日期"))
    ends_on = ChineseDateField(_l("结束日期"))
    description = TextAreaField(_l("活动介绍"), render_kw={"rows": 4})
    owner = SelectField(_l("负责人"), validate_choice=False)


class TargetForm(FlaskForm):
    name = StringField(_l("指标名称"), render_kw={"maxlength": TARGET_NAME_MAX})
    source = SelectField(
        _l("数据来源"),
        choices=[SelectChoice(k.value, v) for k, v in SOURCE_LABELS.items()],
        validate_choice=False,
    )
    kpi = SelectField(_l("自动统计的指标"), validate_choice=False)
    target_value = StringField(_l("目标值"), render_kw={"inputmode": "decimal"})
    unit = StringField(_l("单位"), render_kw={"maxlength": UNIT_MAX})


class EntryForm(FlaskForm):
    entered_on = ChineseDateField(_l("日期"))
    value = StringField(_l("完成数"), render_kw={"inputmode": "decimal"})
    note = StringField(_l("说明"), render_kw={"maxlength": NOTE_MAX})


class OutlineForm(FlaskForm):
    title = StringField(_l("活动名称"), render_kw={"maxlength": OUTLINE_TITLE_MAX})
    month = SelectField(
        _l("月份"),
        choices=[SelectChoice("", _l("不定"))]
        + [SelectChoice(str(m), _l("%(m)d 月", m=m)) for m in range(1, 13)],
        validate_choice=False,
    )
    description = TextAreaField(_l("活动介绍"), render_kw={"rows": 3})


class LinkForm(FlaskForm):
    event = SelectField(_l("已有活动"), validate_choice=False)
