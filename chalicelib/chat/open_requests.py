"""One open request per reservation (contract section 3: 409 ``REQUEST_IN_PROGRESS``).

While a reservation has a request in ``Created`` or ``SMS Sent``, a new chat
message about it writes nothing and texts nobody. Race-proof by one
conditional write: a lock item per reservation, ``OPEN#<number>/LOCK``, names
the request that holds it. Taking it is an UpdateItem that succeeds only when

- no lock is there, or
- the lock is this very request's (the SDK's retry of a write whose answer
  was lost), or
- the lock's ``expiresAt`` has passed.

Where the lock is released: not in each transition out of the waiting
statuses (the state machine's ``MarkTimeout`` writes the request itself, an
operator's answer, a failed start, a partner's click... one missed path would
block a reservation for good). The request's own status is the truth: a
refused taker reads the holder's request, and when it has left ``Created`` /
``SMS Sent`` (``Responded``, ``Timeout``, ``Failed``) or was never written
(after ``WRITE_GRACE_SECONDS``: its POST died before the write), it takes the
lock over by a second conditional write that names the old holder, so of two
takers at once only one wins. The expiry is the backstop that can never get
stuck: a request still ``Created`` long after any workflow could wait for it
(``hold_seconds``) no longer blocks its reservation; the table's TTL then
removes the item.

An UpdateItem, not a PutItem: taking the lock must not look like the
request's own create (the outage tests drop PutItem answers and expect the
request's write to be recognised on the SDK's retry).
"""

from __future__ import annotations

from typing import Any

from chalicelib import aws, clock, lifecycle, logs, settings, table
from chalicelib.errors import ApiError

SK = "LOCK"
# A holder whose request is not there yet may be between its lock and its
# write (the same POST, within its 3 s budget): left alone this long.
WRITE_GRACE_SECONDS = 30
# After the partner's wait and the link's life, margin for the queues and the
# notification: no request can still be legitimately waiting after this.
MARGIN_SECONDS = 600

IN_PROGRESS = ("이 예약으로 보낸 문의를 제휴점이 확인하고 있어요. 답이 오면 알려 드릴게요. "
               "새 문의는 그 뒤에 보내 주세요.")


def _pk(number: str) -> str:
    return f"OPEN#{number}"


def hold_seconds() -> int:
    s = settings.current()
    return s.partner_timeout_seconds + s.link_ttl_seconds + MARGIN_SECONDS


def take(number: str, request_id: str) -> None:
    """Hold ``number`` for ``request_id``, or raise the 409 (nothing written)."""
    now = clock.epoch()
    holder = _try(number, request_id, now, None)
    if holder is None:
        return
    if _finished(holder, now):
        # Taken over only from this very holder: two takers, one winner.
        again = _try(number, request_id, now, holder.get("requestId"))
        if again is None:
            logs.record("reservation_lock_taken_over", requestId=request_id,
                        previous=holder.get("requestId"))
            return
        holder = again
    raise ApiError(409, "REQUEST_IN_PROGRESS", IN_PROGRESS, requestId=holder.get("requestId"))


def _try(number: str, request_id: str, now: int, previous: str | None) -> dict[str, Any] | None:
    """One conditional write; None when taken, else the lock as it stood."""
    if previous is None:
        condition = "attribute_not_exists(pk) OR requestId = :rid OR expiresAt < :now"
        vals: dict[str, Any] = {":rid": request_id, ":now": now}
    else:
        condition = "requestId = :old"
        vals = {":old": previous}
    vals.update({":rid": request_id, ":taken": now, ":exp": now + hold_seconds(),
                 ":number": number})
    try:
        table.client().update_item(
            TableName=table.name(), Key=table.key(_pk(number), SK),
            UpdateExpression="SET requestId = :rid, takenEpoch = :taken, expiresAt = :exp, "
                             "reservationNumber = :number",
            ConditionExpression=condition, ExpressionAttributeValues=table.values(vals),
            ReturnValuesOnConditionCheckFailure="ALL_OLD")
        return None
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise
        found = (getattr(exc, "response", None) or {}).get("Item")
        return table.deserialize(found) or {}


def _finished(holder: dict[str, Any], now: int) -> bool:
    """Has the holder's request left the waiting statuses (or never been written)?"""
    held_by = holder.get("requestId")
    if not isinstance(held_by, str):
        return True
    request = lifecycle.get(held_by)
    if request is None:
        taken = holder.get("takenEpoch")
        return not isinstance(taken, int) or now - taken > WRITE_GRACE_SECONDS
    return request.get("status") not in lifecycle.WAITING


def held_by(number: str) -> str | None:
    """The request holding ``number`` (tests and operators' tools)."""
    item = table.get(_pk(number), SK)
    return item.get("requestId") if item else None
