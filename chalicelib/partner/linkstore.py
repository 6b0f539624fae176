"""The partner link's server-side record, ``REQ#<id>/LINK``.

It holds the Step Functions task token (a credential that can finish the
workflow: it never leaves the table, never goes into a URL or a log) and the
idempotency state of the link handler, in the manner of Powertools'
idempotency utility: a conditional write takes the record ``INPROGRESS`` with
a lock expiry, the SMS goes out, the record turns ``COMPLETED``. A redelivered
message finds ``COMPLETED`` and sends nothing; a handler that died mid-way
leaves an ``INPROGRESS`` whose lock runs out, so a later delivery may retake it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib import aws, clock, request_store, table

SK = "LINK"
INPROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"
# Longer than the link handler can run (its Lambda timeout is 30 s).
LOCK_SECONDS = 60
# The record is only needed while the request can still be answered.
KEEP_SECONDS = 2 * 24 * 3600


@dataclass(frozen=True)
class Claim:
    """Outcome of taking the record for one delivery of a link message."""

    taken: bool              # this delivery must send the SMS
    state: str | None = None  # what blocked it otherwise: COMPLETED or INPROGRESS
    same_token: bool = False  # the blocking record holds this very task token


def _key(request_id: str) -> dict[str, Any]:
    return table.key(request_store.pk(request_id), SK)


def get(request_id: str) -> dict[str, Any] | None:
    return table.get(request_store.pk(request_id), SK)


def claim(request_id: str, task_token: str, *, now: int | None = None) -> Claim:
    now = clock.epoch() if now is None else now
    item = {
        "pk": request_store.pk(request_id), "sk": SK, "requestId": request_id,
        "state": INPROGRESS, "taskToken": task_token, "lockUntil": now + LOCK_SECONDS,
        "createdAt": clock.iso(), "expiresAt": now + KEEP_SECONDS,
    }
    try:
        table.client().put_item(
            TableName=table.name(), Item=table.serialize(item),
            ConditionExpression=("attribute_not_exists(pk) OR "
                                 "(#state = :inprogress AND lockUntil < :now)"),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=table.values({":inprogress": INPROGRESS, ":now": now}))
        return Claim(taken=True)
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise
    found = get(request_id) or {}
    return Claim(taken=False, state=found.get("state"),
                 same_token=found.get("taskToken") == task_token)


def complete(request_id: str, task_token: str) -> bool:
    """INPROGRESS -> COMPLETED, only for the delivery that holds the record."""
    return _update(request_id, "SET #state = :completed, sentAt = :at REMOVE lockUntil",
                   "#state = :inprogress AND taskToken = :token",
                   {":completed": COMPLETED, ":inprogress": INPROGRESS, ":at": clock.iso(),
                    ":token": task_token})


def release(request_id: str, task_token: str) -> bool:
    """Give the record up after a failed send, so the retry need not wait for the lock."""
    try:
        table.client().delete_item(
            TableName=table.name(), Key=_key(request_id),
            ConditionExpression="#state = :inprogress AND taskToken = :token",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=table.values(
                {":inprogress": INPROGRESS, ":token": task_token}))
        return True
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise


def rebind(request_id: str, task_token: str) -> bool:
    """A new task token for a link already sent (Step Functions retried the
    wait): the partner's link is bound to the request, not the task token, so
    the stored token is swapped and no second SMS goes out."""
    return _update(request_id, "SET taskToken = :token, reboundAt = :at",
                   "#state = :completed AND attribute_not_exists(usedAt)",
                   {":token": task_token, ":completed": COMPLETED, ":at": clock.iso()})


def task_token(request_id: str) -> str | None:
    found = get(request_id)
    return (found or {}).get("taskToken")


def mark_used(request_id: str, task_token: str) -> bool:
    """After SendTaskSuccess: the link is spent and its task token no longer needed."""
    return _update(request_id, "SET usedAt = :at REMOVE taskToken", "taskToken = :token",
                   {":at": clock.iso(), ":token": task_token})


def _update(request_id: str, expression: str, condition: str, vals: dict[str, Any]) -> bool:
    names = {"#state": "state"} if "#state" in expression + condition else None
    kwargs: dict[str, Any] = {
        "TableName": table.name(), "Key": _key(request_id), "UpdateExpression": expression,
        "ConditionExpression": condition, "ExpressionAttributeValues": table.values(vals)}
    if names:
        kwargs["ExpressionAttributeNames"] = names
    try:
        table.client().update_item(**kwargs)
        return True
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
