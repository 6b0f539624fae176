"""The link handler: one message ``{"requestId", "taskToken"}`` from the
state machine's WaitPartner step -> one SMS with a signed link to the partner.

At-least-once delivery from SQS meets exactly-one SMS here: the link (see
`lifecycle`, on the request item) is taken with a conditional write before
sending, so a redelivered message finds it and sends nothing. That write also
returns the request, and the write after the send marks the link COMPLETED and
the request ``SMS Sent`` together: read-and-claim, publish, mark (3 calls).
The one window left is a crash between SNS accepting the SMS and that last
write: after the lock expires a retry sends again (a second SMS beats a
partner who never got one). A failing last write is retried, then given up
on rather than raised, so it cannot open that window.
"""

from __future__ import annotations

import math
import re
import time
from typing import Any

from chalicelib import aws, lifecycle, links, logs, phone, safe_json
from chalicelib.partner import sms


class LinkInProgress(RuntimeError):
    """Another delivery of this link is sending right now: retry later."""


# The message's schema: the request id (ours: base64url) and Step Functions'
# task token; nothing else in it is read.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TASK_TOKEN = 8192


def _parse(body: str | dict[str, Any]) -> tuple[str, str] | None:
    try:
        data = safe_json.loads(body) if isinstance(body, str) else body
    except safe_json.Rejected:
        return None
    if not isinstance(data, dict):
        return None
    request_id, task_token = data.get("requestId"), data.get("taskToken")
    if not isinstance(request_id, str) or not _REQUEST_ID.match(request_id):
        return None
    if not isinstance(task_token, str) or not 0 < len(task_token) <= MAX_TASK_TOKEN:
        return None
    return request_id, task_token


def publish_sms(phone_e164: str, text: str) -> str:
    out = aws.client("sns", region=aws.sms_region()).publish(
        PhoneNumber=phone_e164, Message=text,
        MessageAttributes={"AWS.SNS.SMS.SMSType": {
            "DataType": "String", "StringValue": "Transactional"}})
    return out["MessageId"]


MARK_TRIES = 3


def _mark_sent(request_id: str, task_token: str) -> None:
    """COMPLETED and SMS Sent, one write. The SMS is out: raising now would
    have SQS redeliver and, once the lock expires, text the partner again. So
    the write is tried a few times and then given up on: the link works
    without it (the task token was stored by the claim), and the request's
    status catches up when the partner answers or the wait times out."""
    for attempt in range(1, MARK_TRIES + 1):
        try:
            lifecycle.mark_sent(request_id, task_token)
            return
        except Exception as exc:  # noqa: BLE001 - see the docstring
            if attempt == MARK_TRIES:
                logs.record("partner_link_sent_unmarked", level=40, requestId=request_id,
                            code=aws.error_code(exc) or type(exc).__name__)
                return
            time.sleep(0.2 * attempt)


def handle_link_message(body: str | dict[str, Any], remaining_ms: int | None = None) -> str:
    """Returns what happened: sent, duplicate, rebound, closed, unknown, invalid.

    Raises (so SQS redelivers) only for what a retry can fix: another delivery
    in progress, or SNS/DynamoDB failing. ``remaining_ms``: the invocation's
    remaining time (Lambda's context); the link's lock ends with it, so if
    this invocation dies the next delivery can take the link.
    """
    parsed = _parse(body)
    if parsed is None:
        logs.record("partner_link_invalid_message", level=30)
        return "invalid"  # a retry cannot repair it: let it go
    request_id, task_token = parsed
    lock = lifecycle.LOCK_SECONDS if remaining_ms is None else math.ceil(remaining_ms / 1000)
    # One write takes the link and returns the request (or, refused, says why).
    claim = lifecycle.claim_link(request_id, task_token, lock_seconds=lock)
    request = claim.request
    if request is None:
        logs.record("partner_link_unknown_request", level=30, requestId=request_id)
        return "unknown"
    if not claim.taken:
        if request.get("status") not in lifecycle.WAITING:
            # Answered, timed out or failed already: a late message sends nothing.
            logs.record("partner_link_closed", requestId=request_id,
                        status=request.get("status"))
            return "closed"
        if claim.state == lifecycle.COMPLETED:
            if claim.same_token:
                logs.record("partner_link_duplicate", requestId=request_id)
                return "duplicate"
            lifecycle.rebind_link(request_id, task_token)
            logs.record("partner_link_rebound", requestId=request_id)
            return "rebound"
        raise LinkInProgress(request_id)

    to = phone.to_e164(request.get("partnerPhone") or "")
    if to is None or not request.get("partnerId"):
        lifecycle.fail_unreachable(request_id, task_token)
        logs.record("partner_link_no_partner", level=40, requestId=request_id)
        return "unknown"

    try:
        token, expires_at = links.issue(request_id)
        reservation = request.get("reservation") or {}
        text = sms.compose(request.get("partnerName"), reservation.get("serviceName"),
                           links.link_url(token))
        message_id = publish_sms(to, text)
    except Exception:
        lifecycle.release_link(request_id, task_token)
        raise
    _mark_sent(request_id, task_token)
    logs.record("partner_link_sent", requestId=request_id, partnerPhone=to,
                messageId=message_id, smsChars=sms.length(text), linkExpiresAt=expires_at)
    return "sent"
