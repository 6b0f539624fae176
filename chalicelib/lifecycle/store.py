"""Where request items live: a narrow interface and its DynamoDB
implementation (``memory.MemoryStore`` is the in-memory one with the same
conditional semantics)."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib import aws, clock, table
from chalicelib.lifecycle.change import (
    AllOf,
    AnyOf,
    Attempt,
    Below,
    Change,
    Condition,
    Equals,
    Missing,
    Present,
)

SK = "REQ"
LIST_INDEX = "gsi1"
LIST_PARTITION = "REQUESTS"


def pk(request_id: str) -> str:
    return f"REQ#{request_id}"


class RequestStore(Protocol):
    def put_new(self, item: dict[str, Any]) -> bool:
        """Write a request that must not exist yet; False when it does."""

    def get(self, request_id: str) -> dict[str, Any] | None: ...

    def apply(self, request_id: str, change: Change) -> Attempt:
        """One atomic conditional change (see `Change`)."""

    def list_recent(self, limit: int) -> list[dict[str, Any]]:
        """The newest requests first."""

    def recent_statuses(self, limit: int) -> list[str]:
        """The statuses of the newest ``limit`` requests (nothing else read back)."""


class _Expression:
    """Placeholders for one UpdateItem: every name and value goes through one."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, field: str) -> str:
        for placeholder, known in self.names.items():
            if known == field:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = field
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def condition(self, cond: Condition) -> str:
        if isinstance(cond, Missing):
            return f"attribute_not_exists({self.name(cond.field)})"
        if isinstance(cond, Present):
            return f"attribute_exists({self.name(cond.field)})"
        if isinstance(cond, Equals):
            return f"{self.name(cond.field)} = {self.value(cond.value)}"
        if isinstance(cond, Below):
            return f"{self.name(cond.field)} < {self.value(cond.value)}"
        if isinstance(cond, AnyOf):
            return "(" + " OR ".join(self.condition(c) for c in cond.options) + ")"
        if isinstance(cond, AllOf):
            return "(" + " AND ".join(self.condition(c) for c in cond.parts) + ")"
        raise TypeError(f"not a condition: {cond!r}")


def update_arguments(change: Change) -> dict[str, Any]:
    """The UpdateItem arguments of ``change`` (expressions and placeholders)."""
    ex = _Expression()
    sets = [f"{ex.name('updatedAt')} = {ex.value(clock.iso())}"]
    for name, value in change.fields.items():
        sets.append(f"{ex.name(name)} = {ex.value(value)}")
    for to, source in change.moves:
        sets.append(f"{ex.name(to)} = {ex.name(source)}")
    if change.events:
        events = ex.name("events")
        sets.append(f"{events} = list_append(if_not_exists({events}, {ex.value([])}), "
                    f"{ex.value(list(change.events))})")
    if change.count:
        counter = ex.name(change.count)
        sets.append(f"{counter} = if_not_exists({counter}, {ex.value(0)}) + {ex.value(1)}")
    expression = "SET " + ", ".join(sets)
    if change.remove:
        expression += " REMOVE " + ", ".join(ex.name(f) for f in change.remove)
    conds = [ex.condition(Present("pk"))]
    if change.expect_status is not None:
        statuses = ", ".join(ex.value(s) for s in change.expect_status)
        conds.append(f"{ex.name('status')} IN ({statuses})")
    if change.require is not None:
        conds.append(ex.condition(change.require))
    return {"UpdateExpression": expression, "ConditionExpression": " AND ".join(conds),
            "ExpressionAttributeNames": ex.names,
            "ExpressionAttributeValues": table.values(ex.values)}


class DynamoStore:
    """Requests in the stage's table, ``REQ#<id>/REQ``; every change is one
    conditional UpdateItem that also returns the item (ALL_OLD when refused)."""

    def put_new(self, item: dict[str, Any]) -> bool:
        return table.put_new(item)

    def get(self, request_id: str) -> dict[str, Any] | None:
        return table.get(pk(request_id), SK)

    def apply(self, request_id: str, change: Change) -> Attempt:
        try:
            out = table.client().update_item(
                TableName=table.name(), Key=table.key(pk(request_id), SK),
                ReturnValues="ALL_OLD" if change.returned == "old" else "ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD", **update_arguments(change))
        except Exception as exc:
            if aws.error_code(exc) != "ConditionalCheckFailedException":
                raise
            found = (getattr(exc, "response", None) or {}).get("Item")
            return Attempt(False, table.deserialize(found) if found else None)
        return Attempt(True, table.deserialize(out.get("Attributes") or {}))

    def list_recent(self, limit: int) -> list[dict[str, Any]]:
        return list(table.query(LIST_PARTITION, index=LIST_INDEX, forward=False, limit=limit))

    def recent_statuses(self, limit: int) -> list[str]:
        out: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": table.name(), "IndexName": LIST_INDEX,
            "KeyConditionExpression": "gsi1pk = :pk", "ScanIndexForward": False,
            "ProjectionExpression": "#s", "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": table.values({":pk": LIST_PARTITION})}
        while len(out) < limit:
            kwargs["Limit"] = limit - len(out)
            page = table.client().query(**kwargs)
            out += [i.get("status", {}).get("S", "") for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return out
