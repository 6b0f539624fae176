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

The message carries when the state machine entered the wait
(``$$.State.EnteredTime``) and the wait's timeout: their sum is the moment
Step Functions times the task out, stored on the request as its ``deadline``
and named in the SMS (rounded down to the minute: never later than the wait).

The reminder is the state machine's delayed message ``{"requestId", "kind":
"reminder"}`` on the same queue: one more SMS with the same link, sent only
by the delivery whose conditional write takes the reminder while the request
still waits unanswered (see `lifecycle` claim_reminder), so at most once, and
never after an answer.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from datetime import timedelta
from typing import Any

from chalicelib import aws, clock, lifecycle, links, logs, phone, safe_json
from chalicelib.korean import KST, parse_time
from chalicelib.partner import sms, sms_budget

REMINDER = "reminder"
# The message's schema: the request id (ours: base64url) and Step Functions'
# task token (plus the wait's start and length, and the reminder's kind);
# nothing else in it is read.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TASK_TOKEN = 8192


class LinkInProgress(RuntimeError):
    """Another delivery of this link is sending right now: retry later."""


class ReminderInProgress(RuntimeError):
    """Another delivery of this reminder is sending right now: retry later."""


def _load(body: str | dict[str, Any]) -> dict[str, Any] | None:
    try:
        data = safe_json.loads(body) if isinstance(body, str) else body
    except safe_json.Rejected:
        return None
    return data if isinstance(data, dict) else None


def _parse(data: dict[str, Any]) -> tuple[str, str] | None:
    request_id, task_token = data.get("requestId"), data.get("taskToken")
    if not isinstance(request_id, str) or not _REQUEST_ID.match(request_id):
        return None
    if not isinstance(task_token, str) or not 0 < len(task_token) <= MAX_TASK_TOKEN:
        return None
    return request_id, task_token


def wait_deadline(data: dict[str, Any]) -> str | None:
    """When the wait this message belongs to times out (ISO 8601, +09:00,
    whole seconds rounded down), from the state machine's own figures; None
    when the message does not carry them."""
    started = parse_time(data.get("waitStartedAt"))
    seconds = data.get("timeoutSeconds")
    if started is None or isinstance(seconds, bool) or not isinstance(seconds, int) \
            or seconds <= 0:
        return None
    return (started + timedelta(seconds=seconds)).astimezone(KST).isoformat(
        timespec="seconds")


def publish_sms(phone_e164: str, text: str) -> str:
    out = aws.client("sns", region=aws.sms_region()).publish(
        PhoneNumber=phone_e164, Message=text,
        MessageAttributes={"AWS.SNS.SMS.SMSType": {
            "DataType": "String", "StringValue": "Transactional"}})
    return out["MessageId"]


MARK_TRIES = 3


def _mark_sent(request_id: str, task_token: str, link_expires_at: int) -> None:
    """COMPLETED and SMS Sent, one write. The SMS is out: raising now would
    have SQS redeliver and, once the lock expires, text the partner again. So
    the write is tried a few times and then given up on: the link works
    without it (the task token was stored by the claim), and the request's
    status catches up when the partner answers or the wait times out."""
    for attempt in range(1, MARK_TRIES + 1):
        try:
            lifecycle.mark_sent(request_id, task_token, link_expires_at)
            return
        except Exception as exc:  # noqa: BLE001 - see the docstring
            if attempt == MARK_TRIES:
                logs.record("partner_link_sent_unmarked", level=40, requestId=request_id,
                            code=aws.error_code(exc) or type(exc).__name__)
                return
            time.sleep(0.2 * attempt)


def handle_link_message(body: str | dict[str, Any], remaining_ms: int | None = None) -> str:
    """Returns what happened: sent, duplicate, rebound, closed, unknown, invalid,
    over_budget (the partner's SMS budget for the day is spent).

    Raises (so SQS redelivers) only for what a retry can fix: another delivery
    in progress, or SNS/DynamoDB failing. ``remaining_ms``: the invocation's
    remaining time (Lambda's context); the link's lock ends with it, so if
    this invocation dies the next delivery can take the link.
    """
    data = _load(body)
    if data is not None and data.get("kind") == REMINDER:
        return handle_reminder(data)
    parsed = _parse(data) if data is not None else None
    if parsed is None:
        logs.record("partner_link_invalid_message", level=30)
        return "invalid"  # a retry cannot repair it: let it go
    request_id, task_token = parsed
    deadline = wait_deadline(data or {})
    lock = lifecycle.LOCK_SECONDS if remaining_ms is None else math.ceil(remaining_ms / 1000)
    # One write takes the link and returns the request (or, refused, says why).
    claim = lifecycle.claim_link(request_id, task_token, lock_seconds=lock, deadline=deadline)
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
            lifecycle.rebind_link(request_id, task_token, deadline)
            logs.record("partner_link_rebound", requestId=request_id)
            return "rebound"
        raise LinkInProgress(request_id)

    to = phone.to_e164(request.get("partnerPhone") or "")
    if to is None or not request.get("partnerId"):
        lifecycle.fail_unreachable(request_id, task_token)
        logs.record("partner_link_no_partner", level=40, requestId=request_id)
        return "unknown"

    if not sms_budget.take(request["partnerId"]):
        lifecycle.fail_over_budget(request_id, task_token)
        logs.record("partner_link_over_budget", level=30, requestId=request_id,
                    partnerId=request["partnerId"])
        logs.metric("PartnerSmsOverBudget")
        return "over_budget"
    try:
        token, expires_at = links.issue(request_id)
        reservation = request.get("reservation") or {}
        text = sms.compose(request.get("partnerName"), reservation.get("serviceName"),
                           links.link_url(token), deadline=deadline)
        message_id = publish_sms(to, text)
    except Exception:
        lifecycle.release_link(request_id, task_token)
        raise
    _mark_sent(request_id, task_token, expires_at)
    logs.record("partner_link_sent", requestId=request_id, partnerPhone=to,
                messageId=message_id, smsChars=sms.length(text), linkExpiresAt=expires_at)
    return "sent"


def _deadline_passed(deadline: str | None) -> bool:
    moment = parse_time(deadline) if deadline else None
    return moment is not None and clock.now() >= moment


def handle_reminder(data: dict[str, Any]) -> str:
    """The reminder's delayed message -> at most one more SMS with the same
    link. Returns reminded, skipped (answered, timed out, already reminded, or
    past the deadline), unknown or invalid; raises only for what a retry can
    fix (another delivery sending, SNS failing)."""
    request_id = data.get("requestId")
    if not isinstance(request_id, str) or not _REQUEST_ID.match(request_id):
        logs.record("partner_reminder_invalid_message", level=30)
        return "invalid"
    holder = secrets.token_hex(8)
    claimed = lifecycle.claim_reminder(request_id, holder)
    request = claimed.item
    if request is None:
        logs.record("partner_reminder_unknown_request", level=30, requestId=request_id)
        return "unknown"
    if not claimed:
        if request.get("reminderState") == lifecycle.INPROGRESS \
                and request.get("status") in lifecycle.WAITING \
                and lifecycle.TASK_TOKEN in request:
            raise ReminderInProgress(request_id)
        logs.record("partner_reminder_skipped", requestId=request_id,
                    status=request.get("status"), reminder=request.get("reminderState"))
        return "skipped"
    deadline = lifecycle.waiting_deadline(request)
    expires_at = request.get(lifecycle.LINK_EXPIRES_AT)
    to = phone.to_e164(request.get("partnerPhone") or "")
    if _deadline_passed(deadline) or not isinstance(expires_at, int) or to is None \
            or expires_at <= clock.epoch() or not sms_budget.take(request.get("partnerId") or ""):
        # Nothing worth sending: the wait is (about to be) over, or no link to repeat.
        lifecycle.release_reminder(request_id, holder)
        logs.record("partner_reminder_skipped", requestId=request_id, status="late_or_no_link")
        return "skipped"
    try:
        reservation = request.get("reservation") or {}
        text = sms.compose(request.get("partnerName"), reservation.get("serviceName"),
                           links.link_url(links.reissue(request_id, expires_at)),
                           deadline=deadline, reminder=True)
        message_id = publish_sms(to, text)
    except Exception:
        lifecycle.release_reminder(request_id, holder)
        raise
    for attempt in range(1, MARK_TRIES + 1):
        try:
            lifecycle.mark_reminded(request_id, holder)
            break
        except Exception as exc:  # noqa: BLE001 - the SMS is out: do not have it resent
            if attempt == MARK_TRIES:
                logs.record("partner_reminder_sent_unmarked", level=40, requestId=request_id,
                            code=aws.error_code(exc) or type(exc).__name__)
            else:
                time.sleep(0.2 * attempt)
    logs.record("partner_reminder_sent", requestId=request_id, partnerPhone=to,
                messageId=message_id, smsChars=sms.length(text))
    return "reminded"
