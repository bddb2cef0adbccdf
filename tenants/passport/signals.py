"""What the passport asks the modules built on it.

The passport knows accounts, not the organisations behind them: a merchant's voucher names the
account that provides it. A module that knows which accounts act for one organisation answers.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

acts_for_provider = _signals.signal(
    "acts-for-provider",
    doc="""May this org account act for the account that provides a reward (hand over its
    vouchers at the counter)? The passport itself allows the provider's own account.

    The sender is the acting :class:`~saas.auth.models.User` (an org account). Keyword arguments:
    ``session``; ``provider_id`` (the reward's provider account id). A receiver returns True when
    both accounts act for the same organisation; None otherwise. Sent at most once per hand-over.
    """,
)
