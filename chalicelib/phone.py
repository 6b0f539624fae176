"""Phone numbers: E.164 for comparison and sending, masked for logs."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[\s\-().]")


def to_e164(raw: str, default_country: str = "82") -> str | None:
    """Korean numbers as people write them (``010-1234-5678``) or E.164.

    Returns None for anything that is not a plausible phone number.
    """
    if not isinstance(raw, str):
        return None
    text = _DIGITS.sub("", raw.strip())
    if text.startswith("+"):
        digits = text[1:]
        if digits.isascii() and digits.isdigit() and 8 <= len(digits) <= 15:
            return "+" + digits
        return None
    if text.startswith("00") and text.isascii() and text.isdigit():
        return to_e164("+" + text[2:])
    if text.startswith("0") and text.isascii() and text.isdigit() and 9 <= len(text) <= 11:
        return f"+{default_country}{text[1:]}"
    return None


def mask(raw: str | None) -> str:
    """``+821012345678`` -> ``+8210****5678``: enough to tell calls apart."""
    if not raw:
        return ""
    text = str(raw)
    if len(text) <= 6:
        return "*" * len(text)
    head = 5 if text.startswith("+") else 4
    return text[:head] + "*" * (len(text) - head - 4) + text[-4:]
