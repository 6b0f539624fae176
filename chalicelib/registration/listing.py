"""The operators' list of an event's registrations (``GET
/api/admin/registrations``): a page at a time, or a search by employee ID
(prefix), lottery number (``L1234``) or phone number (any form).

Every read stays inside the event: registrations are the ``EMP#`` items of
one partition (``EVENT#<id>``), so listing and the employee-ID prefix are a
Query on it in sort-key order (employee IDs as text), a lottery number is two
GetItems (the ``LOT#`` item names the employee), and a phone is a
FilterExpression over that partition -- at most one item per lottery number,
``store.NUMBER_SPACE`` (10,000) items of a few hundred bytes, whatever else
the table holds.

The cursor is the last listed registration's sort key, base64url JSON bound
to the search it came from (event and search): anything else is refused (400).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from chalicelib import errors, phone, table
from chalicelib.registration import store

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_Q_CHARS = 32
MAX_CURSOR_CHARS = 512
EMPLOYEE_PREFIX = re.compile(r"^\d{1,8}$")
LOTTERY = re.compile(r"^L(\d{4})$", re.IGNORECASE)
_SK = re.compile(r"^EMP#\d{1,16}$")

BAD_Q = "검색어는 사번(숫자), 추첨 번호(L1234), 휴대폰 번호 중 하나로 적어 주세요."
BAD_LIMIT = f"한 번에 1건에서 {MAX_LIMIT}건까지 볼 수 있어요. 그 사이의 숫자로 적어 주세요."
BAD_CURSOR = "다음 페이지 정보가 올바르지 않아요. 목록을 처음부터 다시 불러 주세요."

_FIELDS = {"#sk": "sk", "#e": "employeeId", "#l": "lotteryNumber", "#p": "phone",
           "#r": "registeredAt"}


@dataclass(frozen=True)
class Search:
    """What is asked for: ``all``, ``employee`` (an ID prefix), ``lottery``
    (a number label) or ``phone`` (E.164)."""

    kind: str
    value: str = ""

    def fingerprint(self, event_id: str) -> str:
        text = json.dumps([event_id, self.kind, self.value])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_q(raw: str | None) -> Search:
    text = (raw or "").strip()
    if not text:
        return Search("all")
    if len(text) > MAX_Q_CHARS:
        raise errors.bad_request(BAD_Q)
    compact = re.sub(r"[\s-]", "", text)
    lottery = LOTTERY.match(compact)
    if lottery:
        return Search("lottery", store.lottery_label(int(lottery.group(1))))
    if EMPLOYEE_PREFIX.match(text):
        return Search("employee", text)
    e164 = phone.to_e164(text)
    if e164:
        return Search("phone", e164)
    raise errors.bad_request(BAD_Q)


def parse_limit(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_LIMIT
    text = str(raw).strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_LIMIT:
        return int(text)
    raise errors.bad_request(BAD_LIMIT)


def encode_cursor(event_id: str, search: Search, sk: str) -> str:
    body = json.dumps({"v": 1, "f": search.fingerprint(event_id), "k": sk},
                      separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).rstrip(b"=").decode()


def decode_cursor(raw: str, event_id: str, search: Search) -> dict[str, Any]:
    """The ExclusiveStartKey a cursor of this very search stands for; 400 otherwise."""
    try:
        if len(raw) > MAX_CURSOR_CHARS or search.kind == "lottery":
            raise ValueError("no paging here")
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(data, dict) or data.get("v") != 1 \
                or data.get("f") != search.fingerprint(event_id):
            raise ValueError("another search")
        sk = data.get("k")
        if not isinstance(sk, str) or not _SK.match(sk):
            raise ValueError("not a registration")
        if search.kind == "employee" and not sk.startswith("EMP#" + search.value):
            raise ValueError("outside the prefix")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise errors.bad_request(BAD_CURSOR) from exc
    return table.key(store.event_pk(event_id), sk)


def _row(item: dict[str, Any]) -> dict[str, Any]:
    """One registration for operators: the phone masked."""
    return {"employeeId": item.get("employeeId", ""),
            "lotteryNumber": item.get("lotteryNumber", ""),
            "phone": phone.operator_mask(item.get("phone")),
            "registeredAt": item.get("registeredAt", "")}


def _query(event_id: str, prefix: str, limit: int, start: dict[str, Any] | None,
           phone_e164: str | None = None) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``limit`` registrations from ``start`` on, and whether more follow.
    One more than asked is read, so "more" is known without an empty last
    page; with a phone filter pages are read until that one more matches or
    the partition ends (bounded by the number space)."""
    kwargs: dict[str, Any] = {
        "TableName": table.name(),
        "KeyConditionExpression": "pk = :pk AND begins_with(#sk, :sk)",
        "ProjectionExpression": ", ".join(_FIELDS),
        "ExpressionAttributeNames": dict(_FIELDS),
        "ExpressionAttributeValues": {":pk": {"S": store.event_pk(event_id)},
                                      ":sk": {"S": "EMP#" + prefix}},
    }
    if phone_e164:
        kwargs["FilterExpression"] = "#p = :phone"
        kwargs["ExpressionAttributeValues"][":phone"] = {"S": phone_e164}
    if start:
        kwargs["ExclusiveStartKey"] = start
    found: list[dict[str, Any]] = []
    while len(found) <= limit:
        if not phone_e164:
            kwargs["Limit"] = limit + 1 - len(found)
        page = table.client().query(**kwargs)
        found += [table.deserialize(raw) for raw in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return found[:limit], len(found) > limit


def _by_lottery_number(event_id: str, label: str) -> list[dict[str, Any]]:
    lot_pk, lot_sk = store.lot_key(event_id, int(label[1:]))
    lot = table.client().get_item(
        TableName=table.name(), Key=table.key(lot_pk, lot_sk),
        ProjectionExpression="employeeId").get("Item")
    employee_id = (table.deserialize(lot) or {}).get("employeeId")
    if not employee_id:
        return []
    found = table.client().get_item(
        TableName=table.name(), Key=table.key(store.event_pk(event_id), f"EMP#{employee_id}"),
        ProjectionExpression=", ".join(_FIELDS), ExpressionAttributeNames=dict(_FIELDS)
    ).get("Item")
    return [table.deserialize(found)] if found else []


def search(event_id: str, params: dict[str, str]) -> dict[str, Any]:
    """``{"registrations": [...], "next": cursor or None, "limit"}``; a bad
    ``q``, ``limit`` or ``cursor`` is a Korean 400 before anything is read."""
    wanted = parse_q(params.get("q"))
    limit = parse_limit(params.get("limit"))
    raw_cursor = params.get("cursor")
    start = decode_cursor(raw_cursor, event_id, wanted) if raw_cursor else None
    if wanted.kind == "lottery":
        items, more = _by_lottery_number(event_id, wanted.value), False
    else:
        items, more = _query(event_id, wanted.value if wanted.kind == "employee" else "",
                             limit, start, wanted.value if wanted.kind == "phone" else None)
    return {
        "registrations": [_row(i) for i in items],
        "next": encode_cursor(event_id, wanted, items[-1]["sk"]) if more and items else None,
        "limit": limit,
    }


def registered_times(event_id: str) -> list[str]:
    """``registeredAt`` of every registration of the event (the charts).
    Bounded: at most one registration per lottery number, so at most
    ``store.NUMBER_SPACE`` (10,000) small projected items -- a few pages."""
    kwargs: dict[str, Any] = {
        "TableName": table.name(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)",
        "ProjectionExpression": "#r", "ExpressionAttributeNames": {"#r": "registeredAt"},
        "ExpressionAttributeValues": {":pk": {"S": store.event_pk(event_id)},
                                      ":sk": {"S": "EMP#"}},
    }
    times: list[str] = []
    while True:
        page = table.client().query(**kwargs)
        times += [raw.get("registeredAt", {}).get("S", "") for raw in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return times
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
