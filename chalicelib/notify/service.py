"""One notification per request, whatever the queue does.

SQS delivers at least once, and the timeout and the partner's click can both
ask for a notification. So:

1. the handler first *claims* the request for a short while with a
   conditional write that also returns the request (no read before it), so
   two concurrent deliveries do not both pay for Bedrock; the loser raises
   :class:`InProgress` and its message comes back later, when it finds the
   notification stored;
2. a request that already has a ``notification`` fails that claim and is left
   alone, untouched (Bedrock is not even called): the refused write hands back
   the request, which says so;
3. the message is stored with ``attribute_not_exists(notification)``, in the
   same write as the ``Notified`` event: at most one ever lands.
"""

from __future__ import annotations

import json
import secrets
from enum import StrEnum
from typing import Any

from chalicelib import clock, logs, request_store, settings
from chalicelib.notify import case as cases
from chalicelib.notify.base import Notifier, ProviderError
from chalicelib.notify.bedrock import BedrockNotifier
from chalicelib.notify.template import TemplateNotifier

NOTIFIED = "Notified"
# Longer than the handler can run (30 s in AWS), shorter than the queue's
# visibility timeout (6x that), so a crashed holder's redelivery can claim.
CLAIM_SECONDS = 45


class Outcome(StrEnum):
    NOTIFIED = "notified"
    ALREADY_NOTIFIED = "already_notified"
    UNKNOWN_REQUEST = "unknown_request"
    BAD_MESSAGE = "bad_message"
    REQUEST_FAILED = "request_failed"


class InProgress(RuntimeError):
    """Another delivery holds the claim: try again later (SQS redelivers)."""


def providers() -> list[Notifier]:
    """The chain for this stage: the template always comes last."""
    chain: list[Notifier] = []
    if settings.get("NOTIFIER_BACKEND") == "bedrock":
        chain.append(BedrockNotifier())
    chain.append(TemplateNotifier())
    return chain


def compose(case: cases.Case) -> tuple[str, str]:
    """(message, source) from the first provider that manages."""
    chain = providers()
    for provider in chain[:-1]:
        try:
            return provider.compose(case), provider.source
        except ProviderError as exc:
            logs.record("notification_fallback", level=30, requestId=case.request_id,
                        provider=provider.source, reason=exc.reason)
            logs.metric("NotificationFallback", provider=provider.source)
    last = chain[-1]
    return last.compose(case), last.source


def _claim(request_id: str) -> request_store.Attempt:
    """Claim the request for this delivery. The same write returns the request
    (true: the request after the claim); refused, the request as it stood
    (None: no such request), so no read comes before it."""
    now = clock.epoch()
    return request_store.attempt(
        request_id,
        fields={"notifyClaimUntil": now + CLAIM_SECONDS,
                "notifyClaimBy": secrets.token_hex(8)},
        condition=("attribute_not_exists(notification) AND "
                   "(attribute_not_exists(notifyClaimUntil) OR notifyClaimUntil < :claimNow)"),
        condition_values={":claimNow": now})


def _store(request_id: str, message: str, source: str) -> dict[str, Any] | None:
    notification = {"message": message, "source": source, "at": clock.iso()}
    # Only the state machine asks for a notification, once its wait is over,
    # so a task token still on the request (left by a timeout) is dead: it
    # goes in the same write.
    return request_store.transition(
        request_id, event_type=NOTIFIED, event_detail={"source": source},
        fields={"notification": notification},
        remove=("notifyClaimUntil", "notifyClaimBy", "taskToken"),
        condition="attribute_not_exists(notification)")


def _decode(body: Any) -> dict[str, Any]:
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise cases.BadMessage("body is not JSON") from exc
    return cases.parse_message(body)


def handle_message(body: Any) -> Outcome:
    """Notify the customer of one notify-queue message (a JSON string or dict)."""
    try:
        message = _decode(body)
    except cases.BadMessage as exc:
        # Retrying cannot fix it: log and let the message go.
        logs.record("notification_bad_message", level=40, reason=str(exc))
        return Outcome.BAD_MESSAGE
    request_id = message["requestId"]
    claimed = _claim(request_id)
    if not claimed:
        if claimed.item is None:
            logs.record("notification_unknown_request", level=40, requestId=request_id)
            return Outcome.UNKNOWN_REQUEST
        if "notification" in claimed.item:
            logs.record("notification_duplicate", requestId=request_id)
            return Outcome.ALREADY_NOTIFIED
        raise InProgress(request_id)
    item = claimed.item or {}
    if item.get("status") == request_store.FAILED:
        # The customer was already told it failed (e.g. the workflow started
        # although the chat answered 503): a later "no answer" would contradict it.
        logs.record("notification_skipped_failed_request", level=30, requestId=request_id)
        return Outcome.REQUEST_FAILED
    case = cases.from_message(message, item)
    text, source = compose(case)
    if _store(request_id, text, source) is None:
        return Outcome.ALREADY_NOTIFIED
    logs.record("customer_notified", requestId=request_id, kind=case.kind,
                source=source, chars=len(text))
    logs.metric("CustomerNotified", source=source)
    return Outcome.NOTIFIED
