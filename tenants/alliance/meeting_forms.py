"""Forms of the meetings area: a meeting (or a weekly series), minutes, a resolution, a done note,
the evaluation's rules. Local dates and times in; the services do the rest."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tenants.alliance.meetings import (
    KIND_LABELS,
    MINUTES_MAX,
    NOTE_MAX,
    PLACE_MAX,
    RESOLUTION_MAX,
    TITLE_MAX,
)

_DATE = _l("请填写有效的日期，如 2026-05-01")


class ChineseDateField(DateField):
    """A date field whose malformed value is refused in Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_DATE)) from error


class ChineseTimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("请填写有效的时间，如 19:00"))) from error


class MeetingForm(FlaskForm):
    title = StringField(
        _l("会议名称"),
        validators=[DataRequired(_l("请填写会议名称")), Length(max=TITLE_MAX)],
    )
    kind = SelectField(
        _l("会议类型"),
        choices=[SelectChoice(str(k), v) for k, v in KIND_LABELS.items()],
        validators=[DataRequired(_l("请选择会议类型"))],
    )
    on = ChineseDateField(_l("日期"), validators=[InputRequired(_DATE)])
    at = ChineseTimeField(_l("时间"), validators=[InputRequired(_l("请填写有效的时间，如 19:00"))])
    place = StringField(_l("地点"), validators=[Length(max=PLACE_MAX)])
    units = SelectMultipleField(_l("邀请单位"), choices=[], validate_choice=False)
    weekly = BooleanField(_l("每周重复"))
    occurrences = IntegerField(
        _l("重复次数"), validators=[Optional()], render_kw={"inputmode": "numeric"}
    )
    until = ChineseDateField(_l("结束日期"), validators=[Optional()])


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("会议纪要"), validators=[Length(max=MINUTES_MAX)])


class ResolutionForm(FlaskForm):
    text = StringField(
        _l("决议内容"),
        validators=[DataRequired(_l("请填写决议内容")), Length(max=RESOLUTION_MAX)],
    )
    owner = SelectField(_l("负责单位或负责人"), choices=[], validate_choice=False)
    due_on = ChineseDateField(_l("截止日期"), validators=[InputRequired(_DATE)])


class DoneForm(FlaskForm):
    note = TextAreaField(_l("完成情况说明"), validators=[Length(max=NOTE_MAX)])


def _weight(label):
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("请填写 0 到 100 的整数")),
            NumberRange(0, 100, _l("权重须为 0 到 100 之间的整数")),
        ],
        render_kw={"inputmode": "numeric"},
    )


def _threshold(label):
    return IntegerField(
        label,
        validators=[InputRequired(_l("请填写分数线")), NumberRange(0, 1_000_000)],
        render_kw={"inputmode": "numeric"},
    )


class RulesForm(FlaskForm):
    w_events = _weight(_l("每参加一次活动"))
    w_projects = _weight(_l("每完成一个项目"))
    w_hours = _weight(_l("党员每服务一小时"))
    w_meetings = _weight(_l("每出席一次会议"))
    star2 = _threshold(_l("★★ 分数线"))
    star3 = _threshold(_l("★★★ 分数线"))
    star4 = _threshold(_l("★★★★ 分数线"))
    star5 = _threshold(_l("★★★★★ 分数线"))
