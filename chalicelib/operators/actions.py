"""Operators' actions on one request (``POST /api/admin/requests/{id}/actions``,
contract section 5): ``resend``, ``answer``, ``close``.

Each action is one conditional write of the lifecycle (``rules``: resend_link,
operator_answer / operator_answer_late, close) plus the AWS call it implies
(the SMS, SendTaskSuccess, the notify message). The write decides: two
operators acting at once both try it and exactly one lands; the other gets 409
from the request as the refused write saw it (no read before the write).

Who acted is the signed-in operator (the access token's ``username``,
chalicelib/operators/auth.py), never the body: a body ``operator`` field is
ignored. It goes on the event with the ``note``: who and why.
"""

from __future__ import annotations

from typing import Any

from chalicelib import clock, errors, lifecycle, links, logs, phone, queues, safe_json
from chalicelib.chat import late_answer
from chalicelib.operators import view as dashboard
from chalicelib.partner import answers, forms, sender, sms

ACTIONS = ("resend", "answer", "close")
MAX_BODY_BYTES = 4096
NOTE_MAX = 500

BAD_BODY = "요청 형식이 올바르지 않아요. action을 resend, answer, close 중 하나로 보내 주세요."
NEED_NOTE = f"메모(note)를 {NOTE_MAX}자 이내로 적어 주세요."
NOT_FOUND = "요청을 찾을 수 없어요."


def _conflict(code: str, message: str) -> errors.ApiError:
    return errors.ApiError(409, code, message)


NOT_WAITING = ("NOT_WAITING", "제휴점의 답을 기다리는 요청에만 새 링크를 보낼 수 있어요.")
LINK_NOT_SENT = ("LINK_NOT_SENT",
                 "아직 제휴점에 첫 문자를 보내는 중이에요. 잠시 후 다시 시도해 주세요.")
RESEND_TOO_SOON = ("RESEND_TOO_SOON", "방금 새 링크를 보냈어요. 30초 뒤에 다시 보낼 수 있어요.")
ALREADY_ANSWERED = ("ALREADY_ANSWERED", "이미 답이 기록된 요청이에요.")
NOT_ANSWERABLE = ("NOT_ANSWERABLE", "실패한 요청에는 답을 기록할 수 없어요.")
ALREADY_CLOSED = ("ALREADY_CLOSED", "이미 종료된 요청이에요.")
NOTIFYING = ("NOTIFYING", "고객 안내를 쓰는 중이에요. 잠시 후 다시 시도해 주세요.")
WAIT_JUST_ENDED = ("WAIT_JUST_ENDED",
                   "응답 대기 시간이 방금 끝났어요. 다시 시도하면 사후 응답으로 기록돼요.")
STILL_WAITING = ("STILL_WAITING",
                 "아직 제휴점의 답을 기다리는 중이에요. 답을 기록한 뒤 종료해 주세요.")
SMS_FAILED = "문자를 보내지 못했어요. 잠시 후 다시 시도해 주세요."
UNDELIVERED = "답을 전달하지 못했어요. 잠시 후 다시 시도해 주세요."


def _text(body: dict[str, Any], name: str, limit: int, message: str,
          required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise errors.bad_request(message)
    cleaned = " ".join("".join(c for c in value if c.isprintable()).split())
    if not cleaned or len(cleaned) > limit:
        raise errors.bad_request(message)
    return cleaned


def parse(raw_body: bytes | str | None, operator: str) -> dict[str, Any]:
    """The action's body, validated (400 with Korean text otherwise); the
    acting ``operator`` is the signed-in one, whatever the body says."""
    try:
        body = safe_json.loads(raw_body or b"", max_bytes=MAX_BODY_BYTES)
    except safe_json.Rejected as exc:
        raise errors.bad_request(BAD_BODY) from exc
    if not isinstance(body, dict) or body.get("action") not in ACTIONS:
        raise errors.bad_request(BAD_BODY)
    action = body["action"]
    out: dict[str, Any] = {"action": action, "operator": operator}
    if action == "resend":
        return out
    out["note"] = _text(body, "note", NOTE_MAX, NEED_NOTE)
    if action == "answer":
        decision = body.get("decision")
        alternative = body.get("alternativeTime")
        if alternative is not None and not isinstance(alternative, str):
            raise errors.bad_request(forms.BAD_TIME)
        try:
            out["answer"] = forms.validate(decision if isinstance(decision, str) else None,
                                           alternative, clock.now())
        except forms.FormError as exc:
            raise errors.bad_request(exc.message) from exc
    return out


def act(request_id: str, raw_body: bytes | str | None, operator: str) -> dict[str, Any]:
    """Run one action as ``operator``; the request after it, as operators see it."""
    action = parse(raw_body, operator)
    if lifecycle.get(request_id) is None:
        # Read once so that 404 is told apart from 409 for any action; the
        # action's own conditional write below still decides every race.
        raise errors.not_found(NOT_FOUND)
    run = {"resend": _resend, "answer": _answer, "close": _close}[action["action"]]
    item = run(request_id, action)
    logs.record("operator_action", requestId=request_id, action=action["action"],
                operator=operator)
    return dashboard.admin_view(item)


# -- resend ------------------------------------------------------------------------

def _resend(request_id: str, action: dict[str, Any]) -> dict[str, Any]:
    # One second past any link issued up to now (expiries are whole seconds),
    # so even a link sent this very second is older than the new one.
    token, expires_at = links.issue(request_id, ttl=links.ttl_seconds() + 1)
    done = lifecycle.resend_link(request_id, expires_at, action.get("operator"))
    if not done:
        found = done.item or {}
        if found.get("status") not in lifecycle.WAITING:
            raise _conflict(*NOT_WAITING)
        if found.get("linkState") != lifecycle.COMPLETED:
            raise _conflict(*LINK_NOT_SENT)
        raise _conflict(*RESEND_TOO_SOON)
    before = done.item or {}
    to = phone.to_e164(before.get("partnerPhone") or "")
    try:
        if to is None:
            raise ValueError("no partner phone")
        # The wait is not extended (the workflow's timer is Step Functions'
        # own): the new SMS names the same deadline as the first one.
        text = sms.compose(before.get("partnerName"),
                           (before.get("reservation") or {}).get("serviceName"),
                           links.link_url(token), deadline=lifecycle.waiting_deadline(before))
        sender.publish_sms(to, text)
    except Exception as exc:  # noqa: BLE001 - the old links must work again
        lifecycle.undo_resend(request_id, expires_at, before.get(lifecycle.LINK_MIN_EXPIRY))
        logs.record("operator_resend_failed", level=40, requestId=request_id,
                    error=repr(exc)[:200])
        raise errors.ApiError(503, "SMS_FAILED", SMS_FAILED) from exc
    logs.record("partner_link_resent", requestId=request_id, partnerPhone=to,
                linkExpiresAt=expires_at)
    return lifecycle.get(request_id) or before


# -- answer ------------------------------------------------------------------------

def _answer(request_id: str, action: dict[str, Any]) -> dict[str, Any]:
    chosen: forms.Answer = action["answer"]
    operator, note = action["operator"], action["note"]
    responded_at = clock.iso()
    won = lifecycle.operator_answer(request_id, chosen.decision, chosen.alternative_time,
                                    responded_at, operator, note)
    if won:
        before = won.item or {}
        outcome = answers.deliver(request_id, before[lifecycle.TASK_TOKEN],
                                  before.get("status") or lifecycle.SMS_SENT, chosen,
                                  responded_at)
        if outcome == answers.TOO_LATE:
            raise _conflict(*WAIT_JUST_ENDED)
        if outcome in (answers.UNDELIVERED, answers.UNKNOWN):
            raise errors.ApiError(503, "ANSWER_NOT_DELIVERED", UNDELIVERED)
        return lifecycle.get(request_id) or before
    found = won.item or {}
    status = found.get("status")
    if status in lifecycle.WAITING:
        raise _conflict(*LINK_NOT_SENT)
    if status != lifecycle.TIMEOUT:
        raise _conflict(*(ALREADY_ANSWERED if status == lifecycle.RESPONDED else NOT_ANSWERABLE))
    late = lifecycle.operator_answer_late(request_id, chosen.decision, chosen.alternative_time,
                                          responded_at, operator, note)
    if not late:
        found = late.item or {}
        if found.get("status") == lifecycle.RESPONDED:
            raise _conflict(*ALREADY_ANSWERED)
        if lifecycle.CLOSED_AT in found:
            raise _conflict(*ALREADY_CLOSED)
        if found.get("status") == lifecycle.TIMEOUT:
            raise _conflict(*NOTIFYING)
        raise _conflict(*NOT_ANSWERABLE)
    _notify_customer(request_id, chosen, responded_at)
    # The chat shows the new answer when it is open; otherwise an SMS tells
    # the customer (chalicelib/chat/late_answer.py).
    late_answer.text_if_chat_closed(late.item or {}, chosen.decision, chosen.alternative_time)
    return late.item or {}


def _notify_customer(request_id: str, chosen: forms.Answer, responded_at: str) -> None:
    """The customer hears the answer as for a partner's: the same notify message
    the state machine sends after an answer."""
    try:
        queues.send("customer-notify", {"requestId": request_id, "outcome": "answered",
                                        "answer": chosen.output(responded_at)})
    except Exception as exc:  # noqa: BLE001 - the answer stands; operators see the log
        logs.record("operator_answer_notify_failed", level=40, requestId=request_id,
                    error=repr(exc)[:200])
        logs.metric("OperatorAnswerNotifyFailed")


# -- close -------------------------------------------------------------------------

def _close(request_id: str, action: dict[str, Any]) -> dict[str, Any]:
    done = lifecycle.close(request_id, action["operator"], action["note"])
    if done:
        return done.item or {}
    found = done.item or {}
    if found.get("status") in lifecycle.WAITING:
        raise _conflict(*STILL_WAITING)
    raise _conflict(*ALREADY_CLOSED)
