"""Registrations' phones leave ``EVENT_RETENTION_DAYS`` after the event closes.

The phone is kept while the event runs for one purpose: a caller who calls
again from the phone that registered hears their number again (contract §2).
Once the event is over and its draw made, that purpose has ended.

When the event closes: ``EVENT_CLOSES_AT`` (a stage setting, ISO 8601 with
its offset) when set; otherwise the moment of the event's latest draw
(``make draw``), the act that ends the event. With neither, the event is
still open and nothing is erased.

Finding what is due: an event's registrations are one partition
(``EVENT#<id>``, sort keys ``EMP#...``), at most one per lottery number
(10,000), so a Query of that partition with ``attribute_exists(phone)``
reads a bounded set; each erasure is one conditional UpdateItem that removes
``phone`` only while it is there (a repeat changes nothing). Erased
registrations keep their employee ID, lottery number, contact id and time:
the draw and its audit still work.

The log file ``axcl_event.txt`` follows by itself: each erasure is a write
of a registration item, so the table's stream asks
``handle_registration_log`` to rebuild the file from the table, now without
the phones (``chalicelib/registration/event_log.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib import aws, clock, logs, settings, table
from chalicelib.registration import draws, store

PAGE = 100
ERASED_AT = "phoneErasedAt"


@dataclass
class Outcome:
    event_id: str
    closed_at: str | None = None     # None: the event is still open
    due_at: str | None = None
    erased: list[str] = field(default_factory=list)   # employee IDs
    more: bool = False


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def closed_at(event_id: str) -> datetime | None:
    """When the event closed (None: still open). The setting speaks for the
    configured event; any event's latest draw closes it."""
    current = settings.current()
    if event_id == current.event_id and current.event_closes_at:
        return _moment(current.event_closes_at)
    made = [_moment(d.get("drawnAt")) for d in draws.list_draws(event_id)]
    made = [m for m in made if m is not None]
    return max(made) if made else None


def with_phones(event_id: str, limit: int) -> Any:
    """Registrations of the event that still hold a phone (keys only)."""
    kwargs: dict[str, Any] = {
        "TableName": table.name(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :emp)",
        "FilterExpression": "attribute_exists(#phone)",
        "ProjectionExpression": "pk, sk, employeeId",
        "ExpressionAttributeNames": {"#phone": "phone"},
        "ExpressionAttributeValues": table.values(
            {":pk": store.event_pk(event_id), ":emp": "EMP#"}),
    }
    found = 0
    while found < limit:
        page = table.client().query(**kwargs, Limit=PAGE)
        for raw in page.get("Items", []):
            found += 1
            yield table.deserialize(raw)
            if found >= limit:
                return
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def erase_phone(pk: str, sk: str) -> bool:
    """Remove one registration's phone; False when it had none left."""
    try:
        table.client().update_item(
            TableName=table.name(), Key=table.key(pk, sk),
            UpdateExpression="SET #at = :at REMOVE #phone",
            ConditionExpression="attribute_exists(#phone)",
            ExpressionAttributeNames={"#at": ERASED_AT, "#phone": "phone"},
            ExpressionAttributeValues=table.values({":at": clock.iso()}))
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def erase_due(event_id: str | None = None, now: datetime | None = None, limit: int = 1000,
              time_left: Callable[[], bool] | None = None) -> Outcome:
    """Erase the phones of ``event_id`` (the configured event by default) once
    ``EVENT_RETENTION_DAYS`` have passed since it closed; at most ``limit``."""
    current = settings.current()
    event_id = event_id or current.event_id
    out = Outcome(event_id)
    closed = closed_at(event_id)
    if closed is None:
        return out
    due = closed + timedelta(days=current.event_retention_days)
    out.closed_at, out.due_at = clock.iso(closed), clock.iso(due)
    if (now or clock.now()) < due:
        return out
    for row in with_phones(event_id, limit):
        if time_left is not None and not time_left():
            out.more = True
            break
        if erase_phone(row["pk"], row["sk"]):
            out.erased.append(str(row.get("employeeId", "")))
    else:
        out.more = len(out.erased) >= limit
    logs.record("personal_data_erased", kind="registrations", eventId=event_id,
                erased=len(out.erased), more=out.more)
    return out


def erase_for_phone(event_id: str, e164: str) -> list[str]:
    """A data subject's request by their phone number: the phone leaves the
    event's registrations now, whatever the event's state (the caller then no
    longer hears their number again on a repeat call). Returns employee IDs."""
    kwargs: dict[str, Any] = {
        "TableName": table.name(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :emp)",
        "FilterExpression": "#phone = :phone",
        "ProjectionExpression": "pk, sk, employeeId",
        "ExpressionAttributeNames": {"#phone": "phone"},
        "ExpressionAttributeValues": table.values(
            {":pk": store.event_pk(event_id), ":emp": "EMP#", ":phone": e164}),
    }
    erased: list[str] = []
    while True:
        page = table.client().query(**kwargs)
        for raw in page.get("Items", []):
            row = table.deserialize(raw) or {}
            if erase_phone(row["pk"], row["sk"]):
                erased.append(str(row.get("employeeId", "")))
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    if erased:
        logs.record("personal_data_erased", kind="registration", eventId=event_id,
                    erased=len(erased), by="hand")
    return erased
