"""The event form and its fields: local times in, UTC out; numbers refused in Chinese."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.widgets import DateTimeLocalInput

from saas.forms import parse_id
from saas.text import fold, other_digits
from saas.ui import street_zone
from tenants.events.models import Audience, EventKind, PointsMode
from tenants.events.services import (
    AUDIENCE_LABELS,
    DESCRIPTION_MAX,
    KIND_LABELS,
    PLACE_MAX,
    POINTS_MODE_LABELS,
    TITLE_MAX,
)

#: years outside this range are typing mistakes (and would overflow converting to UTC)
YEARS = (2000, 2100)
_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
_INTEGER = re.compile(r"-?[0-9]+")


def local_zone() -> ZoneInfo:
    """The street's local time zone (Asia/Shanghai unless configured otherwise)."""
    return street_zone()


def to_local(value: datetime) -> datetime:
    return value.astimezone(local_zone())


def parse_local_datetime(raw: str | None) -> datetime | None:
    """A local date and time as a browser's datetime-local sends it, in UTC; None if empty.

    :raise ValueError: anything else, with the message to show
    """
    text = (raw or "").strip()
    if not text:
        return None
    for fmt in _DATETIME_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not YEARS[0] <= naive.year <= YEARS[1]:
            break
        return naive.replace(tzinfo=local_zone()).astimezone(UTC)
    raise ValueError(_l("请填写有效的日期和时间，如 2026-05-01 09:00"))


def parse_local_date(raw: str | None) -> date | None:
    """A date from a filter (YYYY-MM-DD), or None when empty or not a date (filters never fail)."""
    text = (raw or "").strip()[:10]
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    return day if YEARS[0] <= day.year <= YEARS[1] else None


def start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def end_of_local_day(day: date) -> datetime:
    """The first instant after ``day`` (exclusive upper bound)."""
    return start_of_local_day(day + timedelta(days=1))


def parse_integer(raw: str | None) -> int | None:
    """An integer typed in a form, or None when empty. A number too long to mean anything is
    returned as ±10¹² for the service to refuse with its range message.

    :raise ValueError: not an integer ("²", "1.5", "abc"), with the message to show
    """
    text = fold(raw)  # full-width digits and minus are the same number
    if not text:
        return None
    if not text.isascii() or not _INTEGER.fullmatch(text):
        raise ValueError(other_digits(text) or _l("请填写整数"))
    digits = text.lstrip("-")
    if len(digits) > 12:
        return -(10**12) if text.startswith("-") else 10**12
    return int(text)


class LocalDateTimeField(StringField):
    """A ``datetime-local`` input: shown in the street's time, ``data`` in UTC."""

    widget = DateTimeLocalInput()

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            self.data = parse_local_datetime(valuelist[0])  # ValueError → the field's error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return to_local(self.data).strftime("%Y-%m-%dT%H:%M") if self.data else ""


class IntegerTextField(StringField):
    """A whole number, optional; range rules belong to the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            self.data = parse_integer(valuelist[0])

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def community_id_or_bad(value) -> int | None:
    """ "" (the whole street) → None; an id → the id; anything else → -1, which no community has."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    return parse_id(value) or -1


class EventForm(FlaskForm):
    title = StringField(_l("活动名称"), render_kw={"maxlength": TITLE_MAX})
    kind = SelectField(
        _l("活动类型"),
        choices=[SelectChoice(str(k), label) for k, label in KIND_LABELS.items()],
        default=str(EventKind.volunteer),
        validate_choice=False,  # the service refuses any other kind, in its own words
    )
    community = SelectField(_l("所属社区"), coerce=community_id_or_bad, validate_choice=False)
    place = StringField(_l("地点"), render_kw={"maxlength": PLACE_MAX})
    starts_at = LocalDateTimeField(_l("开始时间"))
    ends_at = LocalDateTimeField(_l("结束时间"))
    signup_deadline = LocalDateTimeField(_l("报名截止（选填）"))
    capacity = IntegerTextField(_l("名额（选填）"))
    waitlist_enabled = BooleanField(_l("名额满后可候补"), default=True)
    audience = SelectField(
        _l("报名对象"),
        choices=[SelectChoice(str(a), label) for a, label in AUDIENCE_LABELS.items()],
        default=str(Audience.volunteers),
        validate_choice=False,
    )
    points_mode = SelectField(
        _l("积分方式"),
        choices=[SelectChoice(str(m), label) for m, label in POINTS_MODE_LABELS.items()],
        default=str(PointsMode.per_hour),
        validate_choice=False,
    )
    points_value = IntegerTextField(_l("积分（选填）"))
    description = TextAreaField(_l("活动介绍"), render_kw={"rows": 5, "maxlength": DESCRIPTION_MAX})


class SignupForm(FlaskForm):
    """An organisation signs its unit up: how many people, and optionally who."""

    headcount = IntegerTextField(_l("参加人数"))
    member_names = TextAreaField(_l("参加人员名单（选填，每行一个）"), render_kw={"rows": 3})
