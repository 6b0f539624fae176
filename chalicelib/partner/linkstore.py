"""The partner link's server-side state, kept on the request item itself
(``REQ#<id>/REQ``) so that one conditional write can both act on the request
and carry the link: claiming the link returns the request (no separate read),
and the partner's answer claims the request and takes the task token in the
same write (no read before, no clean-up after).

Fields (none of them in `request_store.PUBLIC_FIELDS` nor in the dashboard's
list, so neither API ever shows them):

    taskToken      the Step Functions task token: a credential that can finish
                   the workflow. It never goes into a URL, an SMS or a log; the
                   answer's claim removes it.
    linkState      INPROGRESS | COMPLETED: the link handler's idempotency state,
                   in the manner of Powertools' idempotency utility: a
                   conditional write takes it INPROGRESS with a lock expiry
                   (linkLockUntil), the SMS goes out, it turns COMPLETED in the
                   same write as ``SMS Sent``. A redelivered message finds
                   COMPLETED and sends nothing; a handler that died mid-way
                   leaves an INPROGRESS whose lock runs out, so a later
                   delivery may retake it.
    linkSentAt, linkUsedAt, linkReboundAt   when it was sent, answered, re-bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib import clock, request_store

INPROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"
# Longer than the link handler can run (its Lambda timeout is 30 s).
LOCK_SECONDS = 60
OPEN = (request_store.CREATED, request_store.SMS_SENT)

TASK_TOKEN = "taskToken"
STATE = "linkState"
LOCK_UNTIL = "linkLockUntil"
SENT_AT = "linkSentAt"
USED_AT = "linkUsedAt"
REBOUND_AT = "linkReboundAt"
# Link field on the request -> its name in `get`'s view.
_VIEW = {STATE: "state", TASK_TOKEN: "taskToken", LOCK_UNTIL: "lockUntil",
         SENT_AT: "sentAt", USED_AT: "usedAt", REBOUND_AT: "reboundAt"}


@dataclass(frozen=True)
class Claim:
    """Outcome of taking the link for one delivery of a link message."""

    taken: bool              # this delivery must send the SMS
    state: str | None = None  # what blocked it otherwise: COMPLETED or INPROGRESS
    same_token: bool = False  # the blocking record holds this very task token
    # The request: after the claim when taken, as it stood otherwise (None: unknown).
    request: dict[str, Any] | None = None


def view(request: dict[str, Any] | None) -> dict[str, Any] | None:
    """The link's part of a request item, or None when no link was claimed."""
    if not request or STATE not in request:
        return None
    out = {"requestId": request.get("requestId")}
    out.update({name: request[field] for field, name in _VIEW.items() if field in request})
    return out


def get(request_id: str) -> dict[str, Any] | None:
    return view(request_store.get(request_id))


def task_token(request_id: str) -> str | None:
    return (request_store.get(request_id) or {}).get(TASK_TOKEN)


def claim(request_id: str, task_token: str, *, now: int | None = None) -> Claim:
    """Take the link for this delivery, only while the request is open and no
    other delivery holds it (or its lock ran out). One write, which returns the
    request either way."""
    now = clock.epoch() if now is None else now
    done = request_store.attempt(
        request_id, fields={STATE: INPROGRESS, TASK_TOKEN: task_token,
                            LOCK_UNTIL: now + LOCK_SECONDS},
        expect_status=OPEN,
        condition=(f"attribute_not_exists({STATE}) OR "
                   f"({STATE} = :inprogress AND {LOCK_UNTIL} < :lockNow)"),
        condition_values={":inprogress": INPROGRESS, ":lockNow": now})
    if done:
        return Claim(taken=True, request=done.item)
    found = done.item or {}
    return Claim(taken=False, state=found.get(STATE),
                 same_token=found.get(TASK_TOKEN) == task_token, request=done.item)


def _ours(task_token: str) -> tuple[str, dict[str, Any]]:
    return (f"{STATE} = :inprogress AND {TASK_TOKEN} = :token",
            {":inprogress": INPROGRESS, ":token": task_token})


def complete(request_id: str, task_token: str) -> bool:
    """The SMS went out: INPROGRESS -> COMPLETED and the request ``Created`` ->
    ``SMS Sent`` (with its event) in one write, for the delivery holding the link."""
    held, vals = _ours(task_token)
    done_fields = {STATE: COMPLETED, SENT_AT: clock.iso()}
    sent = request_store.attempt(
        request_id, status=request_store.SMS_SENT, event_type=request_store.SMS_SENT,
        fields=done_fields, remove=(LOCK_UNTIL,), expect_status=[request_store.CREATED],
        condition=held, condition_values=vals)
    if sent:
        return True
    # Rare: the request moved on while the SMS was going out (the wait timed
    # out, say), or our lock ran out and another delivery holds the link.
    found = sent.item or {}
    if found.get(STATE) == INPROGRESS and found.get(TASK_TOKEN) == task_token:
        return request_store.transition(request_id, fields=done_fields, remove=(LOCK_UNTIL,),
                                        condition=held, condition_values=vals) is not None
    if found.get("status") == request_store.CREATED:
        # The partner has the SMS whoever holds the link: the request says so.
        request_store.transition(request_id, status=request_store.SMS_SENT,
                                 event_type=request_store.SMS_SENT,
                                 expect_status=[request_store.CREATED])
    return False


def release(request_id: str, task_token: str) -> bool:
    """Give the link up after a failed send, so the retry need not wait for the lock."""
    held, vals = _ours(task_token)
    return request_store.transition(
        request_id, remove=(STATE, TASK_TOKEN, LOCK_UNTIL), condition=held,
        condition_values=vals) is not None


def fail_unreachable(request_id: str, task_token: str) -> bool:
    """No usable partner phone: the request fails and the link is given up, in one write."""
    held, vals = _ours(task_token)
    failed = request_store.transition(
        request_id, status=request_store.FAILED, event_type=request_store.FAILED,
        event_detail={"reason": "partner_unreachable"}, remove=(STATE, TASK_TOKEN, LOCK_UNTIL),
        expect_status=[request_store.CREATED], condition=held, condition_values=vals)
    if failed is None:
        release(request_id, task_token)
    return failed is not None


def rebind(request_id: str, task_token: str) -> bool:
    """A new task token for a link already sent (Step Functions retried the
    wait): the partner's link is bound to the request, not the task token, so
    the stored token is swapped and no second SMS goes out. Only while the
    request is open: an answered link has no token to swap."""
    return request_store.transition(
        request_id, fields={TASK_TOKEN: task_token, REBOUND_AT: clock.iso()},
        expect_status=OPEN, condition=f"{STATE} = :completed",
        condition_values={":completed": COMPLETED}) is not None
