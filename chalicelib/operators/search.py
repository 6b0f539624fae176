"""``GET /api/admin/requests`` (contract section 5): ``status``, ``escalated``,
``q`` (request id prefix, reservation number, or phone in any form),
``from``/``to`` (dates, KST), ``cursor``; answers ``{"requests", "next"}``.

Each answer is a Query on one partition of one index (see
``lifecycle.indexes``), at most ``MAX_ROUNDS`` pages of at most ``limit``
items: its cost does not grow with the table. The cursor is the index's
LastEvaluatedKey, base64url JSON bound to the query it came from; a cursor
that does not decode, names other keys or another query is refused (400).

The first page (no cursor) also carries the status counts of the recent
requests, as the dashboard showed before (bounded: ``dashboard.WINDOW``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock, errors, phone, reservations, table
from chalicelib.korean import KST
from chalicelib.lifecycle import indexes
from chalicelib.lifecycle.store import LIST_PARTITION
from chalicelib.operators import view as dashboard

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Filters (status with q, say) can drop items a page read: a few more pages
# are read to fill the answer, never more.
MAX_ROUNDS = 5
MAX_CURSOR_CHARS = 1024
_ID_PREFIX = re.compile(r"^[A-Za-z0-9_-]{3,22}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The follow-up list (escalated=true) is what is still to do: a request an
# operator has closed has been followed up and leaves it (it stays findable by
# every other filter).
_NOT_CLOSED = "attribute_not_exists(closedAt)"

BAD_Q = "검색어는 요청 번호 앞부분(3자 이상), 예약번호, 전화번호 중 하나로 적어 주세요."
BAD_DATE = "날짜는 2026-11-29 형식으로 적어 주세요."
BAD_RANGE = "시작 날짜가 끝 날짜보다 늦어요."
BAD_ESCALATED = "escalated는 true 또는 false로 적어 주세요."
BAD_CURSOR = "다음 페이지 정보가 올바르지 않아요. 목록을 처음부터 다시 불러 주세요."
BAD_LIMIT = f"limit는 1에서 {MAX_LIMIT} 사이의 숫자로 적어 주세요."


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    escalated: bool | None = None
    q: str | None = None
    start: str | None = None  # gsi1sk lower bound (UTC ISO, inclusive)
    end: str | None = None    # gsi1sk upper bound (UTC ISO of the next day, exclusive)
    limit: int = DEFAULT_LIMIT

    def fingerprint(self) -> str:
        text = json.dumps([self.status, self.escalated, self.q, self.start, self.end])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.status, self.escalated, self.q,
                                           self.start, self.end))


@dataclass
class Plan:
    """One Query: the index, its key condition, and what is filtered after."""

    name: str
    index: indexes.Index
    partition_value: str
    key: str
    values: dict[str, Any]
    filters: list[str] = field(default_factory=list)
    forward: bool = False


def _day_start(text: str) -> datetime:
    if not _DATE.match(text):
        raise errors.bad_request(BAD_DATE)
    try:
        return datetime.fromisoformat(text).replace(tzinfo=KST)
    except ValueError as exc:
        raise errors.bad_request(BAD_DATE) from exc


def parse(params: dict[str, str]) -> Filters:
    status = dashboard.parse_status(params.get("status"))
    raw_escalated = params.get("escalated")
    escalated = {None: None, "": None, "true": True, "false": False}.get(raw_escalated, "bad")
    if escalated == "bad":
        raise errors.bad_request(BAD_ESCALATED)
    q = (params.get("q") or "").strip() or None
    if q is not None and len(q) > 64:
        raise errors.bad_request(BAD_Q)
    start = clock.iso(_day_start(params["from"])) if params.get("from") else None
    end = (clock.iso(_day_start(params["to"]) + timedelta(days=1))
           if params.get("to") else None)
    if start and end and start >= end:
        raise errors.bad_request(BAD_RANGE)
    raw_limit = params.get("limit")
    if raw_limit in (None, ""):
        limit = DEFAULT_LIMIT
    elif raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_LIMIT:
        limit = int(raw_limit)
    else:
        raise errors.bad_request(BAD_LIMIT)
    return Filters(status, escalated, q, start, end, limit)  # type: ignore[arg-type]


def _created_range(f: Filters, plan_values: dict[str, Any]) -> str | None:
    """The KST date range as a condition on gsi1sk ("" when none)."""
    if f.start:
        plan_values[":from"] = f.start
    if f.end:
        plan_values[":to"] = f.end
    if f.start and f.end:
        return "gsi1sk BETWEEN :from AND :to"
    if f.start:
        return "gsi1sk >= :from"
    if f.end:
        return "gsi1sk < :to"
    return None


def plans(f: Filters) -> list[Plan]:
    """The Queries that can answer ``f``, the likeliest first (a ``q`` that
    reads as a reservation number or a phone may still be an id prefix)."""
    if f.q is not None:
        found = []
        number = reservations.canonical_number(f.q)
        if number:
            found.append(_keyed(f, "reservation", indexes.BY_RESERVATION, number))
        e164 = phone.to_e164(f.q)
        if e164:
            found.append(_keyed(f, "phone", indexes.BY_CUSTOMER_PHONE, e164))
        if _ID_PREFIX.match(f.q):
            found.append(_by_id(f, f.q))
        if not found:
            raise errors.bad_request(BAD_Q)
        return found
    if f.escalated:
        plan = Plan("escalated", indexes.BY_NAME[indexes.ESCALATED], LIST_PARTITION,
                    "gsi1pk = :pk", {":pk": LIST_PARTITION}, filters=[_NOT_CLOSED])
        created = _created_range(f, plan.values)
        if created:
            plan.filters.append(created)
        _status_filter(f, plan)
        return [plan]
    if f.status:
        return [_keyed(f, "status", indexes.BY_STATUS, f.status, status_is_key=True)]
    return [_keyed(f, "all", indexes.ALL, LIST_PARTITION)]


def _keyed(f: Filters, name: str, index_name: str, value: str,
           status_is_key: bool = False) -> Plan:
    index = indexes.BY_NAME[index_name]
    plan = Plan(name, index, value, "#p = :pk", {":pk": value})
    created = _created_range(f, plan.values)
    if created:
        plan.key += " AND " + created
    if not status_is_key:
        _status_filter(f, plan)
    _escalated_filter(f, plan)
    return plan


def _by_id(f: Filters, prefix: str) -> Plan:
    plan = Plan("id", indexes.BY_NAME[indexes.BY_ID], LIST_PARTITION,
                "gsi1pk = :pk AND begins_with(requestId, :prefix)",
                {":pk": LIST_PARTITION, ":prefix": prefix}, forward=True)
    created = _created_range(f, plan.values)
    if created:
        plan.filters.append(created)
    _status_filter(f, plan)
    _escalated_filter(f, plan)
    return plan


def _status_filter(f: Filters, plan: Plan) -> None:
    if f.status:
        plan.values[":status"] = f.status
        plan.filters.append("#status = :status")


def _escalated_filter(f: Filters, plan: Plan) -> None:
    if f.escalated is True:
        plan.filters.append("attribute_exists(escalatedAt)")
        plan.filters.append(_NOT_CLOSED)
    elif f.escalated is False:
        plan.filters.append("attribute_not_exists(escalatedAt)")


# -- the cursor ----------------------------------------------------------------------

def encode_cursor(plan: Plan, f: Filters, last_key: dict[str, Any]) -> str:
    plain = {k: v["S"] for k, v in last_key.items()}
    body = json.dumps({"v": 1, "p": plan.name, "f": f.fingerprint(), "k": plain},
                      separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(body.encode()).rstrip(b"=").decode()


def decode_cursor(raw: str, f: Filters, candidates: list[Plan]) -> tuple[Plan, dict[str, Any]]:
    """The plan the cursor continues and its ExclusiveStartKey; 400 for anything
    that is not a cursor this very query handed out."""
    try:
        if len(raw) > MAX_CURSOR_CHARS:
            raise ValueError("long")
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(data, dict) or data.get("v") != 1 or data.get("f") != f.fingerprint():
            raise ValueError("another query")
        plan = next(p for p in candidates if p.name == data.get("p"))
        key = data.get("k")
        expected = {"pk", "sk", plan.index.partition, plan.index.sort}
        if not isinstance(key, dict) or set(key) != expected:
            raise ValueError("keys")
        if not all(isinstance(v, str) and 0 < len(v) <= 200 for v in key.values()):
            raise ValueError("values")
        if key[plan.index.partition] != plan.partition_value or not key["pk"].startswith("REQ#"):
            raise ValueError("another partition")
    except (ValueError, binascii.Error, StopIteration, UnicodeDecodeError) as exc:
        raise errors.bad_request(BAD_CURSOR) from exc
    return plan, {k: {"S": v} for k, v in key.items()}


# -- the query -----------------------------------------------------------------------

def run(plan: Plan, limit: int, start_key: dict[str, Any] | None
        ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to ``limit`` requests from ``plan``, and where to go on (or None)."""
    names: dict[str, str] = {}
    if "#p" in plan.key:
        names["#p"] = plan.index.partition
    if any("#status" in f for f in plan.filters):
        names["#status"] = "status"
    kwargs: dict[str, Any] = {
        "TableName": table.name(), "IndexName": plan.index.name,
        "KeyConditionExpression": plan.key, "ScanIndexForward": plan.forward,
        "ExpressionAttributeValues": table.values(plan.values),
    }
    if names:
        kwargs["ExpressionAttributeNames"] = names
    if plan.filters:
        kwargs["FilterExpression"] = " AND ".join(plan.filters)
    if start_key:
        kwargs["ExclusiveStartKey"] = start_key
    found: list[dict[str, Any]] = []
    last_key = None
    for _ in range(MAX_ROUNDS):
        kwargs["Limit"] = limit - len(found)
        page = table.client().query(**kwargs)
        found += [table.deserialize(raw) for raw in page.get("Items", [])]
        last_key = page.get("LastEvaluatedKey")
        if not last_key or len(found) >= limit:
            break
        kwargs["ExclusiveStartKey"] = last_key
    return found, last_key


def search(params: dict[str, str]) -> dict[str, Any]:
    f = parse(params)
    candidates = plans(f)
    cursor = params.get("cursor")
    if cursor:
        plan, start = decode_cursor(cursor, f, candidates)
        items, last_key = run(plan, f.limit, start)
    else:
        for plan in candidates:
            items, last_key = run(plan, f.limit, None)
            if items:
                break
    now = clock.now()
    answer: dict[str, Any] = {
        "requests": [dashboard.admin_view(i, now) for i in items],
        "next": encode_cursor(plan, f, last_key) if last_key else None,
        "generatedAt": clock.iso(now),
    }
    if not cursor:
        answer.update(dashboard.status_counts())
    return answer
