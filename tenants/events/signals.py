"""What the events engine tells the modules built on it (活动引擎的信号).

The engine imports nothing from those modules: the passport pays points, the alliance credits its
units, campaigns move their KPIs, merchants count their member days — each by connecting a
receiver to one of these signals (in a file its module declaration lists under ``receivers``).

Every signal is sent inside the transaction of the change it reports, after the change is flushed,
so a receiver's writes commit or roll back with it, and a receiver that raises refuses the change
(a :class:`saas.errors.ServiceError` reaches the user as the refusal). Receivers take ``**kwargs``
so an argument added later breaks nobody. Each has ``session`` (the SQLAlchemy session to write
with) and runs in the street's scope.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

registration_changed = _signals.signal(
    "registration-changed",
    doc="""A sign-up changed state: new (registered or waitlisted), promoted from the waitlist,
    or cancelled.

    The sender is the :class:`~tenants.events.models.Registration` (already flushed, with its new
    ``status``). Keyword arguments: ``session``; ``event``; ``previous_status`` (None for a new
    sign-up); ``user`` (the account the sign-up belongs to).
    """,
)

registration_requested = _signals.signal(
    "registration-requested",
    doc="""Someone asks to sign up, and the engine's own checks passed (open, in the audience,
    not yet signed up): may they? Sent with the event's row locked, before a seat is taken.

    The sender is the :class:`~tenants.events.models.Event`. Keyword arguments: ``session``;
    ``user`` (the account signing up: a volunteer, or an org account for its unit);
    ``headcount``. A receiver refuses by raising :class:`saas.errors.ServiceError` with the
    reason the person reads ("贵单位的联建协议已到期…"); it returns nothing otherwise.
    """,
)

account_audiences = _signals.signal(
    "account-audiences",
    doc="""Which audiences may this account join? The engine knows roles only: an org account
    is, for it, both an alliance unit and a merchant.

    The sender is the :class:`~saas.auth.models.User`. Keyword arguments: ``session``. The module
    that knows the account better returns the audiences (``Audience`` values) it may join, which
    narrow the role's; the others return None. Sent once per page or sign-up.
    """,
)

attendance_confirmed = _signals.signal(
    "attendance-confirmed",
    doc="""Staff (or the street's auto-confirm) confirmed an attendance's hours. Sent once per
    attendance: a second confirmation of the same row sends nothing.

    The sender is the :class:`~tenants.events.models.Attendance`. Keyword arguments: ``session``;
    ``tenant``; ``event``; ``user`` (whose attendance it is); ``hours`` (the confirmed hours, a
    Decimal, as the row holds them now); ``source`` (``HoursSource``: recorded by check-in or
    entered afterwards by staff); ``actor`` (the staff member, None for auto-confirm).

    A receiver may return a short sentence for the staff member who confirmed (e.g. "发放 12 积分");
    :func:`tenants.events.attendance.confirm_one` shows them after "已确认". Receivers that pay
    must be idempotent per attendance id (a unique source key), as the ledger is.
    """,
)

attendance_corrected = _signals.signal(
    "attendance-corrected",
    doc="""Staff changed the hours of an attendance not yet confirmed, or entered hours for a
    registered person without one (补录).

    The sender is the :class:`~tenants.events.models.Attendance` (with its new ``hours``).
    Keyword arguments: ``session``; ``event``; ``actor``; ``previous_hours`` (None when entered);
    ``reason``.
    """,
)

confirmed_hours_corrected = _signals.signal(
    "confirmed-hours-corrected",
    doc="""The admin corrected the hours of an attendance already confirmed (and paid for), with a
    reason. Sent once per correction; a row may be corrected again later, each time with a new
    ``correction_id``.

    The sender is the :class:`~tenants.events.models.Attendance` (with its new ``hours``). Keyword
    arguments: ``session``; ``tenant``; ``event``; ``user`` (whose attendance it is);
    ``previous_hours`` and ``hours`` (Decimals: what was confirmed before, what counts now);
    ``correction_id`` (an int unique to this correction: receivers that pay key their reversal and
    new award on it, so a retry pays nothing twice and the next correction is not mistaken for
    this one); ``reason``; ``actor`` (the admin).

    A receiver settles the difference by reversing what it paid and paying again (never editing
    what it wrote), may return a short sentence for the admin, and raises
    :class:`saas.errors.ServiceError` to refuse the correction.
    """,
)

event_published = _signals.signal(
    "event-published",
    doc="""A draft event went live. The sender is the :class:`~tenants.events.models.Event`.
    Keyword arguments: ``session``; ``actor``.""",
)

event_cancelled = _signals.signal(
    "event-cancelled",
    doc="""An event was cancelled (its registered and waitlisted people are told by the engine).
    The sender is the :class:`~tenants.events.models.Event`. Keyword arguments: ``session``;
    ``actor``; ``reason``.""",
)

event_finished = _signals.signal(
    "event-finished",
    doc="""An event was marked finished, by staff or by the closing job once it ended. The sender
    is the :class:`~tenants.events.models.Event`. Keyword arguments: ``session``; ``actor`` (None
    for the job).""",
)

resolve_scanned_code = _signals.signal(
    "resolve-scanned-code",
    doc="""The staff scanner read a code (a QR's text or a number typed by hand) that is not one
    of the engine's own: whose is it?

    The sender is the code (a stripped string). Keyword arguments: ``session``. A receiver that
    recognises the code returns the enabled :class:`~saas.auth.models.User` it stands for, or
    raises :class:`saas.errors.ServiceError` with the reason it is refused (another street's,
    disabled…); one that does not recognise it returns None.
    """,
)

points_rules = _signals.signal(
    "points-rules",
    doc="""A page is about to say what events earn (the event cards): what is an hour worth at an
    event that sets no points of its own?

    The sender is the street (:class:`~saas.streets.models.Tenant`). Keyword arguments:
    ``session``. The module that pays for attendance returns a dict: event kind → points per
    hour, with ``""`` for every kind it has no rule for. Sent once per page, never per card.
    """,
)


def sentences(results: list[tuple[object, object]]) -> list[str]:
    """The non-empty string answers of a ``send`` (what receivers had to say)."""
    return [str(value) for _receiver, value in results if value]


def first_answer(results: list[tuple[object, object]]):
    """The first receiver's answer that is not None, or None."""
    return next((value for _receiver, value in results if value is not None), None)
