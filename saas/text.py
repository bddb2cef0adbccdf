"""Numbers people type: one canonical form before they are compared, stored or counted.

A Chinese keyboard in full-width mode types ``１３８…``, and Python's ``\\d``, ``str.isdigit`` and
``int()`` accept the digits of every script. Left alone, ``13８0000000１`` is stored beside
``13800000001`` as a second account, and a full-width login finds nobody. So typed numbers are
folded with NFKC (full-width digits, signs and points become ASCII; ① becomes 1) and must then
be ASCII digits. NFKC leaves Arabic-Indic (٣) and Devanagari (३) digits as they are: those are
refused, with a message that says which digits to use, rather than read as numbers here and
shown back in another script elsewhere.

Only numbers go through here (phones, codes, ids, counts, points, hours): NFKC would also turn a
Chinese text's full-width punctuation into ASCII.
"""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

#: compatibility forms NFKC would turn into plain digits although they mean more: 10² is not 102
_NOT_FOLDED = ("<super>", "<sub>")


def fold(raw) -> str:
    """``raw`` in NFKC without surrounding space; "" for None or anything not text.

    Text holding a superscript or subscript is left as typed, to be refused as not a number.
    """
    if not isinstance(raw, str):
        return ""
    if any(unicodedata.decomposition(ch).startswith(_NOT_FOLDED) for ch in raw):
        return raw.strip()
    return unicodedata.normalize("NFKC", raw).strip()


def ascii_digits(raw) -> str | None:
    """``raw`` folded, if it is then nothing but the digits 0–9; else None.

    ``ascii_digits("１２３") == "123"``; ``ascii_digits("١٢٣")``, ``ascii_digits("")`` and
    ``ascii_digits("12a")`` are None.
    """
    text = fold(raw)
    return text if text.isascii() and text.isdigit() else None


def fold_input(value):
    """A WTForms filter for a field that holds a number: its text folded (other data as is)."""
    return fold(value) if isinstance(value, str) else value


def other_digits(text: str) -> str | None:
    """The message for folded ``text`` that holds decimal digits of another script (which NFKC
    keeps), or None when it has none."""
    if any(ch.isdecimal() and not ch.isascii() for ch in text):
        return _("请用数字 0–9 填写")
    return None


def hours_text(value) -> str:
    """Hours as people write them: 4, 2.5, 0.25, 10 (not "4.00", nor ``normalize()``'s "1E+1").

    The ``hours`` filter of every template; "" for None.
    """
    if value is None:
        return ""
    text = f"{value:f}" if not isinstance(value, float) else f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
