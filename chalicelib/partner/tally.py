"""Events that strangers can trigger (opening a link, a bad token) are
counted every time but appended to the request's timeline only a few times:
a scanner or a bored visitor must not be able to grow the item towards
DynamoDB's 400 KB limit."""

from __future__ import annotations

from typing import Any

from chalicelib import aws, request_store, table

OPENED_CAP = 3
FAILED_CAP = 5


def count_event(request_id: str, event_type: str, counter: str, cap: int,
                **detail: Any) -> bool | None:
    """Count one occurrence; append the event while fewer than ``cap`` were
    counted. Returns True if appended, False if only counted, None if the
    request does not exist."""
    entry = request_store.event(event_type, **detail)
    vals = {":one": 1, ":zero": 0, ":cap": cap, ":now": entry["at"], ":ev": [entry],
            ":empty": []}
    increment = "#c = if_not_exists(#c, :zero) + :one, updatedAt = :now"
    try:
        table.client().update_item(
            TableName=table.name(), Key=table.key(request_store.pk(request_id), "REQ"),
            UpdateExpression=(f"SET {increment}, "
                              "events = list_append(if_not_exists(events, :empty), :ev)"),
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#c) OR #c < :cap)",
            ExpressionAttributeNames={"#c": counter},
            ExpressionAttributeValues=table.values(vals))
        return True
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise
    try:
        table.client().update_item(
            TableName=table.name(), Key=table.key(request_store.pk(request_id), "REQ"),
            UpdateExpression=f"SET {increment}", ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#c": counter},
            ExpressionAttributeValues=table.values(
                {k: vals[k] for k in (":one", ":zero", ":now")}))
        return False
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return None
        raise


def count_open(request_id: str, open_statuses: tuple[str, ...]) -> request_store.Attempt:
    """The link was opened: count it on the request, only if the request is
    still open, and return the request for the page.

    One write while fewer than ``OPENED_CAP`` opens were counted (the event is
    appended in it); past the cap a second, count-only write (DynamoDB cannot
    append conditionally within one update). A refused write returns the
    request as it stood, so the caller can say why without reading it."""
    entry = request_store.event("Opened")
    vals = {":one": 1, ":zero": 0, ":at": entry["at"]}
    statuses = {f":s{i}": s for i, s in enumerate(open_statuses)}
    names = {"#c": "openedCount", "#status": "status"}
    guard = f"attribute_exists(pk) AND #status IN ({', '.join(statuses)})"
    increment = "SET #c = if_not_exists(#c, :zero) + :one, updatedAt = :at"
    first = request_store.update(
        request_id,
        UpdateExpression=(f"{increment}, "
                          "events = list_append(if_not_exists(events, :empty), :ev)"),
        ConditionExpression=f"{guard} AND (attribute_not_exists(#c) OR #c < :cap)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=table.values(
            {**vals, **statuses, ":cap": OPENED_CAP, ":ev": [entry], ":empty": []}))
    found = first.item
    if first or not found or found.get("status") not in open_statuses:
        return first
    return request_store.update(
        request_id, UpdateExpression=increment, ConditionExpression=guard,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=table.values({**vals, **statuses}))
