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

import secrets
from enum import StrEnum
from typing import Any

from chalicelib import lifecycle, logs, safe_json, settings
from chalicelib.nlu import catalogue
from chalicelib.notify import case as cases
from chalicelib.notify.base import Notifier, ProviderError
from chalicelib.notify.bedrock import BedrockNotifier
from chalicelib.notify.template import TemplateNotifier


class Outcome(StrEnum):
    NOTIFIED = "notified"
    ALREADY_NOTIFIED = "already_notified"
    UNKNOWN_REQUEST = "unknown_request"
    BAD_MESSAGE = "bad_message"
    REQUEST_FAILED = "request_failed"
    NOT_ANSWERED = "not_answered"


class InProgress(RuntimeError):
    """Another delivery holds the claim: try again later (SQS redelivers)."""


def providers() -> list[Notifier]:
    """The chain for this stage: the template always comes last."""
    chain: list[Notifier] = []
    if settings.current().notifier_backend == "bedrock":
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




def _decode(body: Any) -> dict[str, Any]:
    if isinstance(body, str | bytes):
        try:
            body = safe_json.loads(body, max_bytes=64 * 1024, max_depth=8)
        except safe_json.Rejected as exc:
            raise cases.BadMessage("body is not acceptable JSON") from exc
    return cases.parse_message(body)


def _page_if_escalated(message: dict[str, Any], item: dict[str, Any]) -> None:
    """A timeout escalated the request: page the operators (once, rate-limited;
    see `chalicelib.notify.escalation`). After the customer's message, so a failing
    page never holds it up; raising has SQS redeliver for the page alone."""
    if message.get("outcome") == "timeout" and item.get(lifecycle.ESCALATED_AT):
        from chalicelib.notify import escalation

        escalation.page_operators(item)


def handle_message(body: Any) -> Outcome:
    """Notify the customer of one notify-queue message (a JSON string or dict)."""
    try:
        message = _decode(body)
    except cases.BadMessage as exc:
        # Retrying cannot fix it: log and let the message go.
        logs.record("notification_bad_message", level=40, reason=str(exc))
        return Outcome.BAD_MESSAGE
    request_id = message["requestId"]
    claimed = lifecycle.claim_notification(request_id, secrets.token_hex(8))
    if not claimed:
        if claimed.item is None:
            logs.record("notification_unknown_request", level=40, requestId=request_id)
            return Outcome.UNKNOWN_REQUEST
        if "notification" in claimed.item:
            logs.record("notification_duplicate", requestId=request_id)
            # A redelivery after the page failed: the page is tried again (once).
            _page_if_escalated(message, claimed.item)
            return Outcome.ALREADY_NOTIFIED
        raise InProgress(request_id)
    item = claimed.item or {}
    if item.get("status") == lifecycle.FAILED:
        # The customer was already told it failed (e.g. the workflow started
        # although the chat answered 503): a later "no answer" would contradict it.
        logs.record("notification_skipped_failed_request", level=30, requestId=request_id)
        return Outcome.REQUEST_FAILED
    try:
        case = cases.from_message(message, item)
    except cases.NotAnswered:
        # A forged or stray message: nobody is told anything.
        logs.record("notification_not_answered", level=40, requestId=request_id,
                    status=item.get("status"))
        return Outcome.NOT_ANSWERED
    text, source = compose(case)
    if case.kind == cases.REJECTED and case.intent == catalogue.REPORT_TROUBLE:
        # The problem is still the customer's: the operators follow it up.
        # Before the message is stored, so a failure here is retried with it.
        lifecycle.escalate_refusal(request_id)
    if lifecycle.notify(request_id, text, source) is None:
        return Outcome.ALREADY_NOTIFIED
    _page_if_escalated(message, item)
    logs.record("customer_notified", requestId=request_id, kind=case.kind,
                source=source, chars=len(text))
    logs.metric("CustomerNotified", source=source)
    return Outcome.NOTIFIED
