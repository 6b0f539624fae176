"""The request record: one item per customer request, its timeline inside it.

Every change is a single conditional ``UpdateItem`` that sets fields and
appends to ``events`` in the same write, so the status and the timeline can
never disagree, and two writers racing on a transition cannot both win.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib import aws, clock, table

CREATED = "Created"
SMS_SENT = "SMS Sent"
RESPONDED = "Responded"
TIMEOUT = "Timeout"
FAILED = "Failed"
STATUSES = (CREATED, SMS_SENT, RESPONDED, TIMEOUT, FAILED)

LIST_INDEX = "gsi1"
LIST_PARTITION = "REQUESTS"

# What `GET /api/requests/{id}` shows; everything else stays inside.
PUBLIC_FIELDS = ("requestId", "status", "intent", "reservationNumber",
                 "partnerDecision", "alternativeTime", "notification", "events")


def new_request_id() -> str:
    """128 random bits, base64url without padding (22 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


def pk(request_id: str) -> str:
    return f"REQ#{request_id}"


def event(kind: str, **detail: Any) -> dict[str, Any]:
    return {"type": kind, "at": clock.iso(), **{k: v for k, v in detail.items() if v is not None}}


def create(request_id: str, *, intent: str, reservation_number: str,
           customer_phone: str, text: str, failure_reason: str | None = None,
           **fields: Any) -> dict[str, Any]:
    """Write a new request. With ``failure_reason`` it is written already
    ``Failed`` (events Created, then Failed): the same record as creating it
    and failing it, in one write."""
    at = clock.iso()
    events = [{"type": CREATED, "at": at}]
    if failure_reason:
        events.append({"type": FAILED, "at": at, "reason": failure_reason})
    item = {
        "pk": pk(request_id), "sk": "REQ",
        "gsi1pk": LIST_PARTITION, "gsi1sk": f"{at}#{request_id}",
        "requestId": request_id, "status": FAILED if failure_reason else CREATED,
        "intent": intent, "reservationNumber": reservation_number,
        "customerPhone": customer_phone, "text": text, "createdAt": at, "updatedAt": at,
        "events": events,
        **fields,
    }
    if not table.put_new(item):
        raise RuntimeError("request id collision")  # 128 random bits: never expected
    return item


def get(request_id: str) -> dict[str, Any] | None:
    if not isinstance(request_id, str) or not request_id or len(request_id) > 64:
        return None
    return table.get(pk(request_id), "REQ")


def public_view(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in PUBLIC_FIELDS if k in item}


def _update_args(request_id: str, *, event_type: str | None = None,
                 status: str | None = None, fields: dict[str, Any] | None = None,
                 remove: Iterable[str] = (), expect_status: Iterable[str] | None = None,
                 condition: str | None = None, condition_values: dict[str, Any] | None = None,
                 event_detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The UpdateItem arguments of one change (see `transition`)."""
    names: dict[str, str] = {}
    vals: dict[str, Any] = {":now": clock.iso()}
    sets = ["updatedAt = :now"]
    all_fields = dict(fields or {})
    if status:
        all_fields["status"] = status
    for i, (name, value) in enumerate(all_fields.items()):
        names[f"#f{i}"] = name
        vals[f":f{i}"] = value
        sets.append(f"#f{i} = :f{i}")
    if event_type:
        vals[":ev"] = [event(event_type, **(event_detail or {}))]
        vals[":empty"] = []
        sets.append("events = list_append(if_not_exists(events, :empty), :ev)")
    expr = "SET " + ", ".join(sets)
    removes = list(remove)
    if removes:
        for i, name in enumerate(removes):
            names[f"#r{i}"] = name
        expr += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    conds = ["attribute_exists(pk)"]
    if expect_status is not None:
        names["#status"] = "status"
        placeholders = []
        for i, s in enumerate(expect_status):
            vals[f":s{i}"] = s
            placeholders.append(f":s{i}")
        conds.append(f"#status IN ({', '.join(placeholders)})")
    if condition:
        conds.append(f"({condition})")
        vals.update(condition_values or {})
    kwargs: dict[str, Any] = {
        "UpdateExpression": expr, "ConditionExpression": " AND ".join(conds),
        "ExpressionAttributeValues": table.values(vals),
    }
    if names:
        kwargs["ExpressionAttributeNames"] = names
    return kwargs


def transition(request_id: str, *, event_type: str | None = None,
               status: str | None = None, fields: dict[str, Any] | None = None,
               remove: Iterable[str] = (), expect_status: Iterable[str] | None = None,
               condition: str | None = None, condition_values: dict[str, Any] | None = None,
               event_detail: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Apply one change to a request atomically.

    Returns the item after the change, or None when the request does not exist
    or its status was not one of ``expect_status`` (or ``condition`` failed).
    """
    kwargs = _update_args(request_id, event_type=event_type, status=status, fields=fields,
                          remove=remove, expect_status=expect_status, condition=condition,
                          condition_values=condition_values, event_detail=event_detail)
    try:
        out = table.client().update_item(
            TableName=table.name(), Key=table.key(pk(request_id), "REQ"),
            ReturnValues="ALL_NEW", **kwargs)
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return None
        raise
    return table.deserialize(out["Attributes"])


@dataclass(frozen=True)
class Attempt:
    """A conditional write and what it saw, so that one call both acts and,
    when its condition fails, tells why (no second read)."""

    done: bool
    # done: the item as ``returned`` asked (ALL_NEW: after, ALL_OLD: before);
    # not done: the item as it stood (None: no such request).
    item: dict[str, Any] | None

    def __bool__(self) -> bool:
        return self.done


def update(request_id: str, *, returned: str = "ALL_NEW", **update_args: Any) -> Attempt:
    """One raw conditional UpdateItem on the request (``UpdateExpression``,
    ``ConditionExpression``, ...). On a failed condition DynamoDB hands back
    the item as it stood (``ReturnValuesOnConditionCheckFailure=ALL_OLD``)."""
    try:
        out = table.client().update_item(
            TableName=table.name(), Key=table.key(pk(request_id), "REQ"),
            ReturnValues=returned, ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **update_args)
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise
        found = (getattr(exc, "response", None) or {}).get("Item")
        return Attempt(False, table.deserialize(found) if found else None)
    return Attempt(True, table.deserialize(out.get("Attributes") or {}))


def attempt(request_id: str, *, returned: str = "ALL_NEW", event_type: str | None = None,
            status: str | None = None, fields: dict[str, Any] | None = None,
            remove: Iterable[str] = (), expect_status: Iterable[str] | None = None,
            condition: str | None = None, condition_values: dict[str, Any] | None = None,
            event_detail: dict[str, Any] | None = None) -> Attempt:
    """`transition`, also saying what stood in its way when it fails."""
    return update(request_id, returned=returned, **_update_args(
        request_id, event_type=event_type, status=status, fields=fields, remove=remove,
        expect_status=expect_status, condition=condition, condition_values=condition_values,
        event_detail=event_detail))


def list_recent(limit: int = 100) -> list[dict[str, Any]]:
    """The newest requests first (the dashboard's window)."""
    return list(table.query(LIST_PARTITION, index=LIST_INDEX, forward=False, limit=limit))
