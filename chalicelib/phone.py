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


def operator_mask(raw: str | None) -> str:
    """What an operator sees of a phone, one spelling everywhere:
    ``+821012345678`` -> ``010-****-5678`` (the national prefix, the last
    four digits). The full number only through the recorded reveal."""
    if not raw:
        return ""
    e164 = to_e164(str(raw))
    digits = "".join(c for c in str(raw) if c.isdigit())
    if e164 and e164.startswith("+82"):
        national = "0" + e164[3:]
        head = "02" if national.startswith("02") else national[:3]
        return f"{head}-****-{national[-4:]}"
    if len(digits) >= 4:
        return f"***-****-{digits[-4:]}"
    return "***-****-****"
