"""The access record: who saw which personal data, when, from where.

Every admin answer that shows personal data (the request list, a revealed
phone, an export page, the registrations list or search) appends one record
*before* the answer leaves: no record, no answer (503). A record says who
(the token's username and role), when, what (route and query, the request ids
shown or how many registrations), how many people's data, and the source
address.

Append-only: its own table (``names.access_log_table``), written with
``attribute_not_exists`` on a fresh key, and the app's role may only
``PutItem`` and ``Query`` it (provision/policies.py): no update, no delete.
Each record expires by DynamoDB's TTL ``RETENTION_DAYS`` after it was written
(at least two years: PIPA's safety-measure standard asks for one, two at
scale); the app never removes one.

One partition, newest first by its sort key ``<time>#<suffix>``. The
dashboard refreshes its list every few seconds: the same view (operator,
route, query, request ids) within ``SAME_VIEW_SECONDS`` is one record: a
first put of a marker keyed by the window and a hash of the view (partition
``SEEN``, gone by TTL after a day) lets only the first through, so a repeat
is a refused conditional put, never an update. A reveal is always a record.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
from datetime import timedelta
from typing import Any, Protocol

from chalicelib import aws, clock, errors, names, phone, settings, table

PARTITION = "ACCESS"
SEEN = "SEEN"
RETENTION_DAYS = 2 * 366 + 7
PAGE = 50
SAME_VIEW_SECONDS = 300


class AlreadyRecorded(Exception):
    """The same view is already in the record (within SAME_VIEW_SECONDS)."""
MAX_PAGE = 200
BAD_CURSOR = "다음 쪽 정보가 올바르지 않아요. 처음부터 다시 불러와 주세요."
BAD_LIMIT = f"한 번에 1~{MAX_PAGE}건까지 볼 수 있어요."


class Store(Protocol):
    def append(self, record: dict[str, Any]) -> None: ...

    def page(self, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]: ...


class DynamoStore:
    def _name(self) -> str:
        return names.access_log_table(settings.current().stage)

    def append(self, record: dict[str, Any]) -> None:
        try:
            aws.client("dynamodb").put_item(
                TableName=self._name(), Item=table.serialize(record),
                ConditionExpression="attribute_not_exists(sk)")
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                raise AlreadyRecorded from None
            raise

    def page(self, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        kwargs: dict[str, Any] = {
            "TableName": self._name(), "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": table.values({":p": PARTITION}),
            "ScanIndexForward": False, "Limit": limit}
        if after:
            kwargs["ExclusiveStartKey"] = table.key(PARTITION, after)
        answer = aws.client("dynamodb").query(**kwargs)
        items = [table.deserialize(i) or {} for i in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return items, (last["sk"]["S"] if last else None)


class MemoryStore:
    """The in-memory twin (unit tests): the same append-only promise."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        with self._lock:
            key = f"{record['pk']}|{record['sk']}"
            if key in self.records:
                raise AlreadyRecorded
            self.records[key] = dict(record)

    def page(self, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        keys = sorted((r["sk"] for r in self.records.values() if r["pk"] == PARTITION),
                      reverse=True)
        if after:
            keys = [k for k in keys if k < after]
        chosen = keys[:limit]
        last = chosen[-1] if len(keys) > limit else None
        return [dict(self.records[f"{PARTITION}|{k}"]) for k in chosen], last


_store: Store = DynamoStore()


def use(store: Store) -> Store:
    """Swap the store (tests); returns the previous one."""
    global _store
    previous, _store = _store, store
    return previous


def _safe_query(query: dict[str, Any] | None) -> dict[str, str]:
    """The query as asked, but a phone number in it masked: the record names
    what was looked for without becoming a copy of the data."""
    out = {}
    for name, value in sorted((query or {}).items()):
        if name == "cursor":
            continue
        text = str(value)[:80]
        if phone.to_e164(text) is not None:
            text = phone.operator_mask(text)
        out[str(name)[:40]] = text
    return out


def record(operator: Any, action: str, route: str, *, query: dict[str, Any] | None = None,
           request_ids: list[str] | None = None, people: int = 0, source_ip: str = "",
           detail: dict[str, str] | None = None, same_view_once: bool = True
           ) -> dict[str, Any]:
    """Append one record (once per view and window when ``same_view_once``);
    an ``ApiError`` 503 when it cannot be written (the personal data is then
    not shown)."""
    now = clock.now()
    at = clock.iso(now)
    safe = _safe_query(query)
    ids = list(request_ids or [])[:MAX_PAGE]
    entry: dict[str, Any] = {
        "pk": PARTITION, "sk": f"{at}#{secrets.token_hex(8)}",
        "at": at, "operator": operator.username, "role": operator.role,
        "action": action, "route": route, "query": safe,
        "requestIds": ids, "people": int(people),
        "sourceIp": source_ip or "unknown",
        "expiresAt": int((now + timedelta(days=RETENTION_DAYS)).timestamp()),
    }
    if detail:
        entry["detail"] = detail
    try:
        if same_view_once:
            start = int(now.timestamp()) // SAME_VIEW_SECONDS * SAME_VIEW_SECONDS
            view = json.dumps([operator.username, action, route, safe, ids], ensure_ascii=False)
            _store.append({"pk": SEEN, "sk": f"{start}#{hashlib.sha256(view.encode()).hexdigest()}",
                           "expiresAt": start + 86400})
        _store.append(entry)
    except AlreadyRecorded:
        return entry  # this very view is on record already
    except Exception as exc:
        if aws.is_outage(exc):
            raise
        from chalicelib import logs

        logs.record("access_record_failed", level=40, error=type(exc).__name__)
        raise errors.service_unavailable() from exc
    return entry


def _encode(sk: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"sk": sk}).encode()).decode().rstrip("=")


def _decode(raw: str) -> str:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise errors.bad_request(BAD_CURSOR) from exc
    sk = decoded.get("sk") if isinstance(decoded, dict) else None
    if not isinstance(sk, str) or not 20 <= len(sk) <= 64 or "#" not in sk:
        raise errors.bad_request(BAD_CURSOR)
    return sk


def listing(params: dict[str, str] | None = None) -> dict[str, Any]:
    """``GET /api/admin/access-log``: newest first, ``limit``, ``cursor``."""
    params = params or {}
    raw_limit = params.get("limit") or str(PAGE)
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE:
        raise errors.bad_request(BAD_LIMIT)
    after = _decode(params["cursor"]) if params.get("cursor") else None
    items, last = _store.page(int(raw_limit), after)
    shown = [{k: v for k, v in item.items() if k not in ("pk", "sk", "expiresAt")}
             for item in items]
    return {"records": shown, "next": _encode(last) if last else None}
