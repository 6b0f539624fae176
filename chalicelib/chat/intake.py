"""The web chat's intake: ``POST /api/requests`` and ``GET /api/requests/{id}``.

One message goes: validated body -> intent (NLU) -> reservation number (its
own field, else anywhere in the text) -> reservation looked up by number *and*
customer phone -> the request written once, ``Created`` with the partner's
details (or already ``Failed``, events Created then Failed) ->
partner-confirmation execution. A message without a number leaves a
short-lived chat session behind, so the customer's next message can be just
the number and still complete the first one.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from chalicelib import (
    aws,
    clock,
    errors,
    korean,
    lifecycle,
    logs,
    nlu,
    phone,
    reservations,
    safe_json,
    settings,
    table,
)
from chalicelib.chat import customer_token, invisible, late_answer, open_requests, workflow
from chalicelib.errors import ApiError, bad_request
from chalicelib.nlu import catalogue, dates, small_talk

MAX_TEXT = 1000
SESSION_TTL_SECONDS = 15 * 60
# A request that failed the reservation lookup (a typo, or someone probing
# numbers) is kept this long, then the table's TTL removes it: probes cannot
# grow the table without bound (and the per-client limit caps their rate).
FAILED_LOOKUP_TTL_SECONDS = 7 * 24 * 3600
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

ASK_NUMBER = "예약번호를 알려 주세요. 예: RS-2025110301"
# What the chat can do and its example: the intents' catalogue (chalicelib/nlu/catalogue.py).
NOT_UNDERSTOOD = (f"문의 내용을 이해하지 못했어요. {catalogue.labels_sentence()} 중 "
                  f"필요한 내용을 적어 주세요. 예: {catalogue.examples()[0]}")
# Small talk is not a request: answered in kind, with what the chat can do.
SMALL_TALK_REPLIES = {
    small_talk.GREETING: (f"안녕하세요! 무엇을 도와 드릴까요? {catalogue.offer()} 도와 드려요. "
                          f"예: {catalogue.examples()[0]}"),
    small_talk.THANKS: "천만에요. 더 필요한 게 있으면 언제든 적어 주세요.",
}
NLU_UNAVAILABLE = "지금은 문의를 처리할 수 없어요. 잠시 후 다시 시도해 주세요."
RESERVATION_NOT_FOUND = "예약을 찾을 수 없습니다"
RESERVATION_MISMATCH = "예약 정보가 일치하지 않습니다"
WORKFLOW_UNAVAILABLE = "제휴점에 확인을 요청하지 못했어요. 잠시 후 다시 시도해 주세요."
ACCEPTED = "제휴점에 확인을 요청했어요. 답이 오면 알려 드릴게요."
# The request's write or the workflow's start went out and no answer came back.
# A request's own POST starts its workflow within its 3 s budget; one still
# Created this long after is taken as never started (resume_if_never_started).
START_GRACE_SECONDS = 10
SUBMIT_UNKNOWN = "문의가 접수됐는지 확인하지 못했어요. 잠시 후 다시 확인해 주세요."

RESERVATION_FIELDS = ("serviceName", "startsAt", "partySize", "customerName")


@dataclass(frozen=True)
class Message:
    text: str
    customer_phone: str  # E.164
    reservation_number: str | None  # canonical
    session_id: str | None


# -- input -------------------------------------------------------------------

def parse(raw: bytes | str | None) -> Message:
    """The body as the contract takes it; anything else is a Korean 400."""
    try:
        body = safe_json.loads(raw or b"")
    except safe_json.Rejected as exc:
        raise bad_request(exc.message) from None
    if not isinstance(body, dict):
        raise bad_request("보낸 내용을 읽지 못했어요. 다시 보내 주세요.")
    text = body.get("text")
    if isinstance(text, str):
        text = invisible.visible(text)  # before any check: they show nothing
    if not isinstance(text, str) or not text.strip():
        raise bad_request("문의 내용을 입력해 주세요.")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise bad_request(f"문의 내용은 {MAX_TEXT}자 이내로 입력해 주세요.")
    raw_phone = body.get("customerPhone")
    customer_phone = phone.to_e164(raw_phone) if isinstance(raw_phone, str) else None
    if not customer_phone:
        raise bad_request("휴대폰 번호를 확인해 주세요. 예: 010-1234-5678")
    number = body.get("reservationNumber")
    if number in (None, ""):
        number = None
    elif not isinstance(number, str) or not reservations.canonical_number(number):
        raise bad_request("예약번호 형식이 올바르지 않아요. 예: RS-2025110301")
    else:
        number = reservations.canonical_number(number)
    session_id = body.get("sessionId")
    if session_id in (None, ""):
        session_id = None
    elif not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        raise bad_request("대화가 끊겼어요. 문의 내용을 처음부터 다시 보내 주세요.")
    return Message(text, customer_phone, number, session_id)


# -- chat sessions -----------------------------------------------------------

def _session_pk(session_id: str) -> str:
    return f"SESSION#{session_id}"


def new_session_id() -> str:
    return secrets.token_urlsafe(16)  # 128 bits, also a valid Lex sessionId


def save_session(session_id: str, intent: str, text: str, customer_phone: str,
                 **extra: Any) -> None:
    table.put({"pk": _session_pk(session_id), "sk": "SESSION", "sessionId": session_id,
               "intent": intent, "text": text, "customerPhone": customer_phone,
               "createdAt": clock.iso(), "expiresAt": clock.epoch() + SESSION_TTL_SECONDS,
               **extra})


def pending_session(session_id: str | None, customer_phone: str) -> dict[str, Any] | None:
    """The session waiting for a number, if it is live and this customer's.
    DynamoDB's TTL deletes late, so the expiry is checked here."""
    if not session_id:
        return None
    item = table.get(_session_pk(session_id), "SESSION")
    if not item or int(item.get("expiresAt", 0)) <= clock.epoch():
        return None
    if item.get("customerPhone") != customer_phone:
        return None
    return item


def claim_session(session_id: str) -> dict[str, Any] | None:
    """Delete the session and return it; None when another message already
    completed it (so two quick follow-ups cannot create two requests)."""
    try:
        out = table.client().delete_item(
            TableName=table.name(), Key=table.key(_session_pk(session_id), "SESSION"),
            ConditionExpression="attribute_exists(pk)", ReturnValues="ALL_OLD")
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return None
        raise
    return table.deserialize(out.get("Attributes"))


# -- the request -------------------------------------------------------------

def classify(text: str, session_id: str) -> nlu.Classification:
    try:
        return nlu.classify(text, session_id)
    except nlu.NluUnavailable:
        raise ApiError(503, "NLU_UNAVAILABLE", NLU_UNAVAILABLE) from None


OPERATOR = "operator"
NO_OPERATOR_LINE = "운영팀 연결은 예약하신 곳의 안내를 확인해 주세요."


def operator_reply() -> str:
    """"상담원 연결": the operators' line and hours (stage settings)."""
    current = settings.current()
    if not current.operator_phone:
        return NO_OPERATOR_LINE
    hours = f" ({current.operator_hours})" if current.operator_hours else ""
    return f"운영팀과 통화하려면 {current.operator_phone}{hours}로 전화해 주세요."


def not_understood(text: str, topic: str | None = None) -> ApiError:
    """The contract's 422 for anything but the three intents; a greeting or a
    thank-you gets its own reply (``smallTalk`` says which) under that code,
    and asking for a person gets the operators' line."""
    if topic == nlu.CONTACT_OPERATOR:
        return ApiError(422, "INTENT_NOT_UNDERSTOOD", operator_reply(), intent=nlu.FALLBACK,
                        smallTalk=OPERATOR)
    kind = small_talk.kind(text)
    if kind:
        return ApiError(422, "INTENT_NOT_UNDERSTOOD", SMALL_TALK_REPLIES[kind],
                        intent=nlu.FALLBACK, smallTalk=kind)
    return ApiError(422, "INTENT_NOT_UNDERSTOOD", NOT_UNDERSTOOD, intent=nlu.FALLBACK)


def submit(raw: bytes | str | None) -> dict[str, Any]:
    """``POST /api/requests``: the 201 body, or an ApiError with the contract's code."""
    msg = parse(raw)
    session = pending_session(msg.session_id, msg.customer_phone)
    if session and session.get("asked") == ASKED_DATE:
        claimed = claim_session(session["sessionId"])
        if claimed:
            return _with_wanted_date(claimed, msg)
        session = None  # another message completed it a moment ago
    number = msg.reservation_number or reservations.find_number(msg.text)
    if session and number:
        claimed = claim_session(session["sessionId"])
        if claimed:
            # The answer to "which reservation?": complete the first message.
            return _open_or_ask_date(claimed["intent"], number, msg.customer_phone,
                                     claimed["text"], claimed["sessionId"])
        session = None  # another message completed it a moment ago
    # Only a live session of this customer is continued; any other id is
    # replaced, so nobody can overwrite someone else's pending message.
    session_id = session["sessionId"] if session else new_session_id()
    found = classify(msg.text, session_id)
    intent = found.intent
    if not found.understood:
        if not session:
            raise not_understood(msg.text, found.topic)
        intent = session["intent"]  # still waiting for the number of the first message
    number = msg.reservation_number or found.reservation_number
    if not number:
        text = session["text"] if session and not found.understood else msg.text
        save_session(session_id, intent, text, msg.customer_phone)
        raise ApiError(422, "RESERVATION_NUMBER_REQUIRED", ASK_NUMBER, intent=intent,
                       sessionId=session_id)
    if session:
        claim_session(session["sessionId"])  # a new complete message supersedes it
    return _open_or_ask_date(intent, number, msg.customer_phone, msg.text, msg.session_id)


# -- the date a change wants (the RequestedDate slot of ChangeReservation) ------

ASKED_DATE = "date"
ASK_DATE = "원하는 날짜나 바꿀 내용을 알려 주세요. 예: 12월 24일, 다음 주 토요일"
WANTED_DATE_MAX = 60


def _open_or_ask_date(intent: str, number: str, customer_phone: str, text: str,
                      session_id: str | None) -> dict[str, Any]:
    """A change that does not say what it changes to is asked once for the
    date (422 ``CHANGE_DATE_REQUIRED`` with a session, like the number): the
    partner would otherwise accept an unspecified change. Whatever the
    customer answers next completes it: the date is asked for, never required."""
    if (intent == nlu.CHANGE_RESERVATION and not dates.has_target(text)
            # An unknown or another's reservation is answered as the contract says.
            and _lookup_failure(reservations.get(number), customer_phone) is None):
        asked = session_id or new_session_id()
        save_session(asked, intent, text, customer_phone, asked=ASKED_DATE, number=number)
        raise ApiError(422, "CHANGE_DATE_REQUIRED", ASK_DATE, intent=intent, sessionId=asked)
    return open_request(intent, number, customer_phone, text, session_id=session_id,
                        wanted_date=dates.find_date(text))


def _with_wanted_date(session: dict[str, Any], msg: Message) -> dict[str, Any]:
    """The answer to the date question completes the change it was asked for."""
    answer = " ".join(msg.text.split())[:WANTED_DATE_MAX]
    text = f"{session['text']} (원하는 날짜: {answer})"
    return open_request(session["intent"], session["number"], msg.customer_phone, text,
                        session_id=session["sessionId"],
                        wanted_date=dates.find_date(answer) or answer)


def _fail(request_id: str, code: str, status: int, message: str) -> ApiError:
    lifecycle.fail(request_id, code)
    logs.record("request_failed", requestId=request_id, reason=code)
    return ApiError(status, code, message, requestId=request_id)


def _lookup_failure(reservation: dict[str, Any] | None,
                    customer_phone: str) -> tuple[str, int, str] | None:
    if reservation is None:
        return "RESERVATION_NOT_FOUND", 404, RESERVATION_NOT_FOUND
    if phone.to_e164(str(reservation.get("customerPhone", ""))) != customer_phone:
        return "RESERVATION_MISMATCH", 403, RESERVATION_MISMATCH
    return None


def open_request(intent: str, number: str, customer_phone: str, text: str,
                 session_id: str | None = None,
                 wanted_date: str | None = None) -> dict[str, Any]:
    """Look the reservation up, then write the request once: Created with the
    partner's details, or already Failed (the record is the same as creating it
    and then failing it; one write instead of two)."""
    request_id = lifecycle.new_request_id()
    token = customer_token.new()
    extra: dict[str, Any] = {"sessionId": session_id} if session_id else {}
    extra[customer_token.FIELD] = customer_token.digest(token)
    if wanted_date:
        extra["wantedDate"] = wanted_date  # the partner's page shows it
    reservation = reservations.get(number)
    try:
        created = _write_request(request_id, intent, number, customer_phone, text,
                                 reservation, extra)
        return {**created, "customerToken": token}
    except Exception as exc:
        if not aws.is_outage(exc):
            raise
        # The write or the start may have landed: not "failed". The request id
        # lets the chat look (GET /api/requests/{id}); the start is named after
        # the request, so starting it again can never run two.
        logs.record("request_outcome_unknown", level=30, requestId=request_id,
                    error=type(exc).__name__)
        # The token goes with the id: only its holder may look.
        raise errors.service_unavailable(message=SUBMIT_UNKNOWN, requestId=request_id,
                                         customerToken=token) from exc


def _write_request(request_id: str, intent: str, number: str, customer_phone: str,
                   text: str, reservation: dict[str, Any] | None,
                   extra: dict[str, Any]) -> dict[str, Any]:
    failure = _lookup_failure(reservation, customer_phone)
    if failure:
        code, status, message = failure
        lifecycle.create(request_id, intent=intent, reservation_number=number,
                             customer_phone=customer_phone, text=text,
                             failure_reason=code,
                             expiresAt=clock.epoch() + FAILED_LOOKUP_TTL_SECONDS, **extra)
        logs.record("request_failed", requestId=request_id, reason=code,
                    customerPhone=customer_phone)
        raise ApiError(status, code, message, requestId=request_id)
    details = {k: reservation[k] for k in RESERVATION_FIELDS if reservation.get(k) is not None}
    # One open request per reservation: a second one is a 409 before any write
    # of its own, so nothing is stored and nobody is texted.
    open_requests.take(number, request_id)
    lifecycle.create(request_id, intent=intent, reservation_number=number,
                         customer_phone=customer_phone, text=text,
                         partnerId=reservation["partnerId"],
                         partnerName=reservation.get("partnerName", ""),
                         partnerPhone=reservation["partnerPhone"],
                         reservation=details, **extra)
    logs.record("request_created", requestId=request_id, intent=intent,
                customerPhone=customer_phone)
    try:
        workflow.start_partner_confirmation(request_id)
    except Exception as exc:  # noqa: BLE001 - nobody would ever advance this request
        if aws.is_outage(exc):
            raise  # it may have started: not Failed (see open_request)
        logs.record("partner_confirmation_not_started", level=40, requestId=request_id,
                    error=aws.error_code(exc) or type(exc).__name__)
        raise _fail(request_id, "WORKFLOW_UNAVAILABLE", 503, WORKFLOW_UNAVAILABLE) from exc
    return {"requestId": request_id, "status": lifecycle.CREATED, "intent": intent,
            "reservationNumber": number, "message": ACCEPTED}


REQUEST_NOT_FOUND = "요청을 찾을 수 없어요."


def request_not_found() -> ApiError:
    """The one answer for no such request, no token, or another request's
    token: nothing tells them apart."""
    return ApiError(404, "REQUEST_NOT_FOUND", REQUEST_NOT_FOUND)


def view(request_id: str, token: str | None) -> dict[str, Any]:
    """``GET /api/requests/{id}``: only with the request's own customer token."""
    item = lifecycle.get(request_id) if token else None
    if not customer_token.matches(item, token):
        raise request_not_found()
    assert item is not None
    resume_if_never_started(item)
    late_answer.seen_by_chat(item)
    return lifecycle.public_view(item)


def resume_if_never_started(item: dict[str, Any]) -> None:
    """A request whose write landed while its POST ended in an outage (503 with
    its id) may never have reached the workflow: nobody would ever text the
    제휴점, and the chat following it would wait for nothing. The chat looks
    such a request up; a request still ``Created`` that long after its creation
    is started here. The execution is named after the request, so a start that
    did happen makes this a no-op (ExecutionAlreadyExists), never a second run.
    Any failure leaves the answer as it is: the next look tries again."""
    if item.get("status") != lifecycle.CREATED or not item.get("partnerPhone"):
        return
    created = korean.parse_time(item.get("createdAt"))
    if created is None or (clock.now() - created).total_seconds() < START_GRACE_SECONDS:
        return
    try:
        if workflow.start_partner_confirmation(item["requestId"]):
            logs.record("partner_confirmation_resumed", level=30, requestId=item["requestId"])
    except Exception as exc:  # noqa: BLE001 - the view is still the truth
        logs.record("partner_confirmation_not_resumed", level=30, requestId=item["requestId"],
                    error=aws.error_code(exc) or type(exc).__name__)
