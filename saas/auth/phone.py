"""Mainland mobile numbers: the account identifier."""

from __future__ import annotations

import re

from saas.text import fold

_SEPARATORS = re.compile(r"[\s\-()]")
#: ASCII digits only (``\d`` would take any script's): the number as it is stored
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalise_phone(raw: str | None) -> str | None:
    """``+86 139-0000-0001`` (or the same in full width) → ``13900000001``; None when it is not a
    mainland mobile number."""
    digits = _SEPARATORS.sub("", fold(raw))  # NFKC: full-width digits, signs and brackets too
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _MOBILE.fullmatch(digits) else None


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "***"
