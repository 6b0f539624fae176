"""Reservations: the canonical number, the lookup, and the bulk loader."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from chalicelib import phone, table

# 1-3 letters, optional hyphen (or space), 6-12 digits; anywhere in a sentence.
NUMBER_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3})[-\s]?(\d{6,12})(?![A-Za-z0-9])")
_WHOLE = re.compile(r"^[A-Za-z]{1,3}[-\s]?\d{6,12}$")


def canonical_number(raw: str) -> str | None:
    """``rs-2025110301`` -> ``RS2025110301``; None if it is not a number at all."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _WHOLE.match(text) or not text.isascii():
        return None
    return re.sub(r"[-\s]", "", text).upper()


def find_number(text: str) -> str | None:
    if not isinstance(text, str):
        return None
    for match in NUMBER_IN_TEXT.finditer(text):
        if match.group(0).isascii():
            return (match.group(1) + match.group(2)).upper()
    return None


def pk(number: str) -> str:
    return f"RES#{number}"


def get(number: str) -> dict[str, Any] | None:
    return table.get(pk(number), "RES", consistent=False)


# A partner id is a short key, not free text (it is no longer in the link).
MAX_PARTNER_ID_BYTES = 16

REQUIRED = ("reservationNumber", "customerPhone", "partnerId", "partnerPhone")


def to_item(record: dict[str, Any]) -> dict[str, Any]:
    missing = [k for k in REQUIRED if not record.get(k)]
    if missing:
        raise ValueError(f"필수 항목이 없어요: {', '.join(missing)}")
    partner_id = str(record["partnerId"])
    if len(partner_id.encode("utf-8")) > MAX_PARTNER_ID_BYTES:
        raise ValueError(f"제휴점 ID는 {MAX_PARTNER_ID_BYTES}바이트 이하여야 해요: {partner_id}")
    number = canonical_number(str(record["reservationNumber"]))
    if not number:
        raise ValueError(f"예약번호 형식이 올바르지 않아요: {record['reservationNumber']}")
    item = dict(record)
    for field in ("customerPhone", "partnerPhone"):
        normal = phone.to_e164(str(record[field]))
        if not normal:
            raise ValueError(f"전화번호 형식이 올바르지 않아요: {field}")
        item[field] = normal
    if "partySize" in item and item["partySize"] not in (None, ""):
        item["partySize"] = int(item["partySize"])
    item.update({"pk": pk(number), "sk": "RES", "reservationNumber": number})
    return item


def load(records: Iterable[dict[str, Any]]) -> int:
    """Validate every record first, then write: a bad file changes nothing."""
    items = [to_item(r) for r in records]
    for item in items:
        table.put(item)
    return len(items)
