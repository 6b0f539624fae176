"""The caller's keyed-in employee ID, and the other values Connect hands us."""

from __future__ import annotations

import re
from typing import Any

from chalicelib import phone
from chalicelib.registration import answers

# ASCII digits only: ``str.isdigit`` would also accept full-width (１２３４) and
# Arabic-Indic (١٢٣٤) digits, which no keypad sends and no ledger should hold.
_EMPLOYEE_ID = re.compile(r"[0-9]{4,8}")
# What Connect stores in $.StoredCustomerInput when the caller keys nothing.
NO_INPUT = "Timeout"
# Contact IDs are UUIDs; anything else is kept readable but cannot break the
# comma-separated log line.
_UNSAFE = re.compile(r"[^A-Za-z0-9._:\-+]")


class InvalidInput(ValueError):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def employee_id(raw: Any) -> str:
    """The employee ID, or ``InvalidInput`` with the contract's status."""
    text = "" if raw is None else str(raw)
    text = text.strip()
    if text in ("", NO_INPUT):
        raise InvalidInput(answers.INPUT_ERROR)
    if not _EMPLOYEE_ID.fullmatch(text):
        raise InvalidInput(answers.INVALID_FORMAT)
    return text


def caller_phone(raw: Any) -> str:
    """E.164 when it is a phone number; otherwise what Connect sent (e.g.
    ``anonymous`` for a withheld number), made safe for the log line."""
    text = "" if raw is None else str(raw).strip()
    return phone.to_e164(text) or _UNSAFE.sub("_", text)[:32]


def contact_id(raw: Any) -> str:
    text = "" if raw is None else str(raw).strip()
    return _UNSAFE.sub("_", text)[:128]
