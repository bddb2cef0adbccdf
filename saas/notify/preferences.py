"""An account's own notification settings: which channels each kind goes out on, the e-mail
address, and the language messages are written in.

The inbox is always on. SMS and e-mail follow the account's choice per kind, or the kind's
default where it chose nothing (``saas.notify.kinds``); e-mail only where there is an address.
The delivery job asks ``channels_for`` when it sends, so a choice changed meanwhile counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.errors import ServiceError
from saas.notify import kinds
from saas.notify.models import Channel

#: the languages a message can be written in: stored value → Babel locale
LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}
DEFAULT_LANGUAGE = "zh"

#: an address a mail relay takes without SMTPUTF8: dot-atoms of printable ASCII (RFC 5322), so
#: nothing in it can end a header early
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


def request_language() -> str:
    """The language the current request is shown in, as stored on an account ("zh" or "en")."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else DEFAULT_LANGUAGE


def language_of(user: User) -> str:
    return user.language if user.language in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def speaking(user: User) -> Iterator[None]:
    """Translations inside are in ``user``'s language, whatever the request's is."""
    with force_locale(LANGUAGES[language_of(user)]):
        yield


def _accepted(user: User, kind: kinds.NotificationKind) -> set[str]:
    """The account's own choice for ``kind``, or the kind's default where it made none."""
    saved = user.notification_prefs if isinstance(user.notification_prefs, dict) else {}
    own = saved.get(kind.name)
    return set(own if isinstance(own, list) else kind.channels)


def chosen_channels(user: User) -> dict[str, set[str]]:
    """Per registered kind, the channels besides the inbox the account accepts (the settings
    page's ticks; whether there is an e-mail address is not looked at here)."""
    return {kind.name: _accepted(user, kind) for kind in kinds.all_kinds()}


def channels_for(user: User, kind_name: str) -> list[str] | None:
    """The channels besides the inbox a message of ``kind_name`` goes out on to ``user`` now:
    SMS and/or e-mail, in that order; e-mail only while the account has an address.
    None when the kind is not registered (any more)."""
    kind = kinds.get(kind_name)
    if kind is None:
        return None
    wanted = _accepted(user, kind)
    return [
        channel
        for channel in kinds.OPTIONAL_CHANNELS
        if channel in wanted and (channel != Channel.email or user.email)
    ]


def clean_email(raw: str | None) -> str | None:
    """An e-mail address as stored, or None for none.

    Full-width characters typed on a Chinese keyboard (ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ) become ASCII
    first (NFKC); the domain is lower-cased.

    :raise ServiceError: on the ``email`` field, when it is not an address mail can go to
    """
    value = unicodedata.normalize("NFKC", raw or "").strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.fullmatch(value) or len(value.partition("@")[0]) > 64:
        raise ServiceError(_("邮箱格式不正确，例如 name@example.com"), "email")
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def save_settings(
    session: Session,
    user: User,
    *,
    email: str | None,
    language: str,
    choices: Mapping[str, set[str]],
) -> None:
    """Store the account's own settings and audit the change.

    :param choices: per kind, the channels ticked besides the inbox; a kind missing from it has
        nothing ticked. Unknown kinds and channels are ignored.
    :raise ServiceError: an invalid e-mail address or language, on the field it belongs to
    """
    address = clean_email(email)
    if language not in LANGUAGES:
        raise ServiceError(_("请选择通知语言"), "language")
    prefs = {
        kind.name: [str(c) for c in kinds.OPTIONAL_CHANNELS if c in choices.get(kind.name, set())]
        for kind in kinds.all_kinds()
    }
    before = {
        "email": user.email,
        "language": user.language,
        "prefs": user.notification_prefs,
    }
    user.email = address
    user.language = language
    user.notification_prefs = prefs
    if before != {"email": address, "language": language, "prefs": prefs}:
        record(
            session,
            "account.notifications",
            user.id,
            f"user:{user.id}",
            {
                "language": language,
                "email_changed": before["email"] != address,
                "channels": {name: ",".join(chans) for name, chans in prefs.items()},
            },
        )
    session.flush()
