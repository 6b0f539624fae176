"""The customer's reply to the partner's proposed time
(``POST /api/requests/{id}/reply``, contract section 5).

One conditional write takes the reply, only after ``partnerDecision =
propose`` and only once (``CustomerAccepted`` / ``CustomerDeclined``); then the
partner gets one short SMS saying which, through the same SNS path as the link.

Only the customer answers: the request's own customer token
(``X-Customer-Token``, `customer_token`) is required, and without it, or with
another request's, the answer is the same 404 as for no request at all. The
request id is not enough: the partner's link carries it. The write allows one
reply per proposing request, so the partner's phone never rings twice.
"""

from __future__ import annotations

from typing import Any

from chalicelib import errors, korean, lifecycle, logs, phone, safe_json
from chalicelib.chat import customer_token
from chalicelib.partner import sender, sms

MAX_BODY_BYTES = 256
BAD_BODY = "요청 형식이 올바르지 않아요. accept를 true 또는 false로 보내 주세요."
NOT_FOUND = "요청을 찾을 수 없어요."
NOT_PROPOSED = "제휴점이 다른 시간을 제안한 요청에만 답할 수 있어요."
ALREADY_REPLIED = "이미 답하셨어요."


def parse(raw_body: bytes | str | None) -> bool:
    try:
        body = safe_json.loads(raw_body or b"", max_bytes=MAX_BODY_BYTES)
    except safe_json.Rejected as exc:
        raise errors.bad_request(BAD_BODY) from exc
    if not isinstance(body, dict) or not isinstance(body.get("accept"), bool):
        raise errors.bad_request(BAD_BODY)
    return body["accept"]


def reply(request_id: str, token: str | None, raw_body: bytes | str | None) -> dict[str, Any]:
    if not (_plausible(request_id) and token
            and customer_token.matches(lifecycle.get(request_id), token)):
        raise errors.ApiError(404, "REQUEST_NOT_FOUND", NOT_FOUND)
    accept = parse(raw_body)
    done = lifecycle.customer_reply(request_id, accept)
    if not done and done.item is None:
        raise errors.ApiError(404, "REQUEST_NOT_FOUND", NOT_FOUND)
    if not done:
        found = done.item or {}
        if lifecycle.CUSTOMER_REPLY in found:
            raise errors.ApiError(409, "ALREADY_REPLIED", ALREADY_REPLIED)
        raise errors.ApiError(409, "NOT_PROPOSED", NOT_PROPOSED)
    item = done.item or {}
    _tell_partner(request_id, item, accept)
    return lifecycle.public_view(item)


def _plausible(request_id: str) -> bool:
    return isinstance(request_id, str) and 0 < len(request_id) <= 64


def _tell_partner(request_id: str, item: dict[str, Any], accept: bool) -> None:
    """The reply is recorded whatever happens here: a failed SMS is logged and
    counted for the operators (the request's timeline shows the reply)."""
    to = phone.to_e164(item.get("partnerPhone") or "")
    when = korean.format_time(item.get("alternativeTime") or "")
    text = sms.compose_reply(accept, when, (item.get("reservation") or {}).get("serviceName"))
    try:
        if to is None:
            raise ValueError("no partner phone")
        sender.publish_sms(to, text)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        logs.record("customer_reply_sms_failed", level=40, requestId=request_id,
                    error=repr(exc)[:200])
        logs.metric("CustomerReplySmsFailed")
        return
    logs.record("customer_reply_sent", requestId=request_id, accept=accept, partnerPhone=to,
                smsChars=sms.length(text))
