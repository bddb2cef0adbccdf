"""What a notification can be about (its kind), and which channels it uses unless the account says
otherwise.

A module declares its kinds in its declaration (``Module.notification_kinds``, saas.modules), which
registers them when the app starts; the platform's own are in ``saas/console/module.py``.
Defaults: what someone must act on soon (a seat freed up, tomorrow's event, a cancellation) also
goes by SMS and e-mail; the rest waits in the inbox.
``notify`` refuses a kind nobody registered, so a new message cannot go out without a line on
everyone's settings page (``/<slug>/account/notifications``) and a default someone chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import LazyString

from saas.notify.models import Channel

#: the channels an account can turn on or off; the inbox is always on
OPTIONAL_CHANNELS = (Channel.sms, Channel.email)


class UnknownKind(LookupError):
    """``notify`` was given a kind that no module registered."""


@dataclass(frozen=True)
class NotificationKind:
    #: the name ``notify`` is given, e.g. "event.reminder"
    name: str
    #: what the settings page calls it: Chinese, marked for translation (``lazy_gettext``)
    label: LazyString | str
    #: the channels besides the inbox it goes out on for an account that chose nothing:
    #: "sms", "email" (e-mail only where the account has an address)
    channels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.channels) - set(OPTIONAL_CHANNELS)
        if unknown:
            raise ValueError(f"notification kind {self.name!r}: unknown channels {unknown}")


_KINDS: dict[str, NotificationKind] = {}


def register(kinds: Iterable[NotificationKind]) -> None:
    """Add a module's kinds. Registering the same kind again is harmless (a module imported
    twice); one name defined two ways is a mistake and raises ``ValueError``."""
    for kind in kinds:
        known = _KINDS.get(kind.name)
        if known is not None and known != kind:
            raise ValueError(f"notification kind {kind.name!r} is registered twice, differently")
        _KINDS.setdefault(kind.name, kind)


def get(name: str) -> NotificationKind | None:
    return _KINDS.get(name)


def require(name: str) -> NotificationKind:
    """:raise UnknownKind: nobody registered ``name``."""
    kind = _KINDS.get(name)
    if kind is None:
        raise UnknownKind(
            f"notification kind {name!r} is not registered: "
            "call saas.notify.kinds.register([NotificationKind(...)]) for it"
        )
    return kind


def all_kinds() -> list[NotificationKind]:
    """Every registered kind, in the order registered (the settings page's order)."""
    return list(_KINDS.values())


SMS, EMAIL = Channel.sms.value, Channel.email.value
