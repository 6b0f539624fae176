"""The customer request's lifecycle: its statuses, events and transitions in
one table (``rules``), and the only code that writes request items
(``operations``), over a store that is DynamoDB in the app and memory in unit
tests.

    from chalicelib import lifecycle
    lifecycle.mark_sent(request_id, task_token)

Module-level functions act on the app's requests (the stage's table); tests of
logic swap the store for one test with ``lifecycle.using(MemoryStore())``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.lifecycle.change import Attempt
from chalicelib.lifecycle.memory import MemoryStore
from chalicelib.lifecycle.operations import (
    ANSWER_ATTEMPT,
    ANSWER_FIELDS,
    ANSWER_TAKEN_AT,
    ANSWER_TOKEN,
    CHAT_SEEN_EPOCH,
    CLOSED_AT,
    COMPLETED,
    CUSTOMER_REPLY,
    DEADLINE,
    ESCALATED_AT,
    FAILED_CAP,
    INPROGRESS,
    LINK_EXPIRES_AT,
    LINK_MIN_EXPIRY,
    LOCK_SECONDS,
    OPENED_CAP,
    OPERATOR_ANSWER,
    PUBLIC_FIELDS,
    TASK_TOKEN,
    USED_AT,
    Claim,
    Requests,
    event,
    link_replaced,
    link_view,
    new_request_id,
    public_view,
    same_answer,
    waiting_deadline,
)
from chalicelib.lifecycle.rules import (
    ANSWER_NOT_DELIVERED,
    ANSWERED_BY_OPERATOR,
    CLOSED,
    CREATED,
    CUSTOMER_ACCEPTED,
    CUSTOMER_DECLINED,
    ESCALATED,
    EVENTS,
    FAILED,
    LINK_RESENT,
    NOTIFIED,
    OPENED,
    REMINDER_SENT,
    RESPONDED,
    SMS_SENT,
    STATUSES,
    TIMEOUT,
    WAITING,
)
from chalicelib.lifecycle.store import DynamoStore, RequestStore

__all__ = [
    "ANSWER_ATTEMPT", "ANSWER_FIELDS", "ANSWER_NOT_DELIVERED", "ANSWER_TAKEN_AT", "ANSWER_TOKEN",
    "CHAT_SEEN_EPOCH",
    "ANSWERED_BY_OPERATOR", "CLOSED", "CLOSED_AT", "COMPLETED", "CREATED", "CUSTOMER_ACCEPTED",
    "CUSTOMER_DECLINED", "CUSTOMER_REPLY", "DEADLINE", "ESCALATED", "ESCALATED_AT", "EVENTS",
    "FAILED", "FAILED_CAP", "INPROGRESS", "LINK_EXPIRES_AT", "LINK_MIN_EXPIRY", "LINK_RESENT",
    "LOCK_SECONDS", "NOTIFIED", "OPENED", "OPENED_CAP", "OPERATOR_ANSWER", "PUBLIC_FIELDS",
    "REMINDER_SENT", "RESPONDED", "SMS_SENT", "STATUSES", "TASK_TOKEN", "TIMEOUT", "USED_AT",
    "WAITING", "link_replaced",
    "Attempt", "Claim", "DynamoStore", "MemoryStore", "RequestStore", "Requests",
    "event", "link_view", "new_request_id", "public_view", "requests", "same_answer", "using",
    "waiting_deadline",
]

_requests: Requests | None = None


def requests() -> Requests:
    """The app's requests: the stage's table, made on first use."""
    global _requests
    if _requests is None:
        _requests = Requests(DynamoStore())
    return _requests


@contextmanager
def using(store: RequestStore) -> Iterator[Requests]:
    """Run with ``store`` in place of the table (unit tests of the logic)."""
    global _requests
    before, _requests = _requests, Requests(store)
    try:
        yield _requests
    finally:
        _requests = before


# -- the operations on the app's requests (see `Requests` for each) ------------
# One forwarder per public method of `Requests`, same name and signature
# (tests/unit/test_lifecycle_api.py fails on a missing or diverging one).

def get(request_id: str) -> dict[str, Any] | None:
    return requests().get(request_id)


def list_recent(limit: int = 100) -> list[dict[str, Any]]:
    return requests().list_recent(limit)


def recent_statuses(limit: int) -> list[str]:
    return requests().recent_statuses(limit)


def link(request_id: str) -> dict[str, Any] | None:
    return requests().link(request_id)


def create(request_id: str, *, intent: str, reservation_number: str,
           customer_phone: str, text: str, failure_reason: str | None = None,
           **fields: Any) -> dict[str, Any]:
    return requests().create(request_id, intent=intent, reservation_number=reservation_number,
                             customer_phone=customer_phone, text=text,
                             failure_reason=failure_reason, **fields)


def fail(request_id: str, reason: str) -> dict[str, Any] | None:
    return requests().fail(request_id, reason)


def claim_link(request_id: str, task_token: str, *, now: int | None = None,
               lock_seconds: int = LOCK_SECONDS, deadline: str | None = None) -> Claim:
    return requests().claim_link(request_id, task_token, now=now, lock_seconds=lock_seconds,
                                 deadline=deadline)


def mark_sent(request_id: str, task_token: str, link_expires_at: int | None = None) -> bool:
    return requests().mark_sent(request_id, task_token, link_expires_at)


def release_link(request_id: str, task_token: str) -> bool:
    return requests().release_link(request_id, task_token)


def fail_unreachable(request_id: str, task_token: str) -> bool:
    return requests().fail_unreachable(request_id, task_token)


def fail_over_budget(request_id: str, task_token: str) -> bool:
    return requests().fail_over_budget(request_id, task_token)


def rebind_link(request_id: str, task_token: str, deadline: str | None = None) -> bool:
    return requests().rebind_link(request_id, task_token, deadline)


def record_open(request_id: str, link_expires_at: int | None = None) -> Attempt:
    return requests().record_open(request_id, link_expires_at)


def record_refusal(request_id: str, reason: str) -> bool | None:
    return requests().record_refusal(request_id, reason)


def record_answer(request_id: str, decision: str, alternative_time: str | None,
                  responded_at: str, attempt: str | None = None,
                  link_expires_at: int | None = None) -> Attempt:
    return requests().record_answer(request_id, decision, alternative_time, responded_at,
                                    attempt, link_expires_at)


def reopen(request_id: str, responded_at: str, status_before: str, task_token: str,
           reason: str) -> bool:
    return requests().reopen(request_id, responded_at, status_before, task_token, reason)


def answer_too_late(request_id: str, responded_at: str, reason: str) -> bool:
    return requests().answer_too_late(request_id, responded_at, reason)


def erase_personal_data(request_id: str, seen_updated_at: str, item: dict[str, Any]) -> bool:
    return requests().erase_personal_data(request_id, seen_updated_at, item)


def take_recorded_answer(request_id: str) -> bool:
    return requests().take_recorded_answer(request_id)


def mark_timeout(request_id: str) -> bool:
    return requests().mark_timeout(request_id)


def claim_notification(request_id: str, holder: str, now: int | None = None) -> Attempt:
    return requests().claim_notification(request_id, holder, now)


def notify(request_id: str, message: str, source: str) -> dict[str, Any] | None:
    return requests().notify(request_id, message, source)


def claim_reminder(request_id: str, holder: str, now: int | None = None) -> Attempt:
    return requests().claim_reminder(request_id, holder, now)


def mark_reminded(request_id: str, holder: str) -> bool:
    return requests().mark_reminded(request_id, holder)


def release_reminder(request_id: str, holder: str) -> bool:
    return requests().release_reminder(request_id, holder)


def claim_escalation_alarm(request_id: str) -> bool:
    return requests().claim_escalation_alarm(request_id)


def release_escalation_alarm(request_id: str) -> bool:
    return requests().release_escalation_alarm(request_id)


def resend_link(request_id: str, expires_at: int, operator: str | None,
                now: int | None = None) -> Attempt:
    return requests().resend_link(request_id, expires_at, operator, now)


def undo_resend(request_id: str, expires_at: int, previous: int | None) -> bool:
    return requests().undo_resend(request_id, expires_at, previous)


def mark_chat_seen(request_id: str, now: int, every: int) -> bool:
    return requests().mark_chat_seen(request_id, now, every)


def operator_answer(request_id: str, decision: str, alternative_time: str | None,
                    responded_at: str, operator: str, note: str) -> Attempt:
    return requests().operator_answer(request_id, decision, alternative_time, responded_at,
                                      operator, note)


def operator_answer_late(request_id: str, decision: str, alternative_time: str | None,
                         responded_at: str, operator: str, note: str,
                         now: int | None = None) -> Attempt:
    return requests().operator_answer_late(request_id, decision, alternative_time,
                                           responded_at, operator, note, now)


def close(request_id: str, operator: str, note: str) -> Attempt:
    return requests().close(request_id, operator, note)


def customer_reply(request_id: str, accept: bool) -> Attempt:
    return requests().customer_reply(request_id, accept)


def escalate_refusal(request_id: str) -> bool:
    return requests().escalate_refusal(request_id)
