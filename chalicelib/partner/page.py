"""The partner's pages behind ``/r/{token}``: the request with its choices,
the confirmation, the answered page and the error pages, in short 해요체
(the glossary: `chalicelib.wording`).

The choices follow the request's kind (`chalicelib.partner.choices`). Each is
a ``<details>``: tapping it opens, in place, the question and the one button
that sends the answer, so nothing is sent by a single tap and no page load is
added -- with or without JavaScript (the pages have no script at all)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from chalicelib.korean import KST, parse_time
from chalicelib.nlu import catalogue
from chalicelib.partner import choices
from chalicelib.partner.forms import MAX_AHEAD, TIME_FIELD
from chalicelib.partner.html import Page, esc, message_page, page

WEEKDAYS = "월화수목금토일"
USED_TEXT = "링크가 이미 사용되었습니다"
PARTNER = "제휴점"
SENT_NOTE = "고객에게 바로 전달되고, 보낸 뒤에는 바꿀 수 없어요. 다시 누르면 닫혀요."


def korean_time(value: Any) -> str:
    """``2026-12-24T15:00:00+09:00`` -> ``2026년 12월 24일 (목) 오후 3:00`` (KST)."""
    moment = parse_time(value)
    if moment is None:
        return str(value or "-")
    local = moment.astimezone(KST)
    half = "오전" if local.hour < 12 else "오후"
    hour = local.hour % 12 or 12
    return (f"{local.year}년 {local.month}월 {local.day}일 ({WEEKDAYS[local.weekday()]}) "
            f"{half} {hour}:{local.minute:02d}")


def _details(request: dict[str, Any]) -> str:
    res = request.get("reservation") or {}
    rows = [
        ("서비스", res.get("serviceName")),
        ("이용 일시", korean_time(res.get("startsAt")) if res.get("startsAt") else None),
        ("인원", f"{res['partySize']}명" if res.get("partySize") not in (None, "") else None),
        ("예약자", res.get("customerName")),
        ("예약번호", request.get("reservationNumber")),
        ("요청 종류", catalogue.get(request.get("intent")).label),
        # The date the customer wants (a change request; asked for when missing).
        ("원하는 날짜", request.get("wantedDate")),
    ]
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows if v)
    # Isolated: the customer's words cannot reorder the page around them.
    ask = (f'<dt>고객 요청 내용</dt><dd class="ask"><bdi dir="auto">{esc(request.get("text"))}'
           '</bdi></dd>'
           if request.get("text") else "")
    return f'<div class="card"><dl>{items}{ask}</dl></div>'


def _picker_value(request: dict[str, Any], now: datetime, proposed: str | None) -> str:
    """What the time picker starts at: what the partner typed (a form sent
    back with an error), else the booked time while it is still ahead."""
    if proposed:
        return proposed
    booked = parse_time((request.get("reservation") or {}).get("startsAt"))
    if booked is None or booked <= now:
        return ""
    return booked.astimezone(KST).strftime("%Y-%m-%dT%H:%M")


def _choice(choice: choices.Choice, opened: bool, time_field: str) -> str:
    """One choice: a tap opens its question and the button that sends it."""
    proposing = choice.decision == choices.PROPOSE
    body = time_field if proposing else f'<p id="ask-{choice.decision}">{esc(choice.ask)}</p>'
    # Only the time needs the browser's own check (the field is required);
    # the other answers skip it, whatever the picker holds.
    check = "" if proposing else " formnovalidate"
    return (
        f'<details class="choice {choice.decision}" name="choice"{" open" if opened else ""}>'
        f"<summary>{esc(choice.button)}</summary>"
        f'<div class="panel">{body}'
        f'<button type="submit" name="decision" value="{choice.decision}"{check}>'
        f"{esc(choice.confirm)}</button>"
        f'<p class="note">{esc(SENT_NOTE)}</p></div></details>'
    )


def _time_field(label: str, value: str, minimum: str, maximum: str, booked: str | None,
                error: str | None) -> str:
    """The picker with its label, what it starts at, and its error right
    under it (read out with the field through aria-describedby). ``required``,
    ``min`` and ``max`` let the browser refuse a missing or out-of-range time
    at the field, without a round trip; the server checks the same again."""
    described = [f"{TIME_FIELD}-hint"] + ([f"{TIME_FIELD}-error"] if error else [])
    hint = f"예약된 시간: {korean_time(booked)}" if booked else "시간을 골라 주세요."
    invalid = ' aria-invalid="true"' if error else ""
    err = (f'<p id="{TIME_FIELD}-error" class="field-error" role="alert">{esc(error)}</p>'
           if error else "")
    return (
        f'<label for="{TIME_FIELD}">{esc(label)}</label>'
        f'<input type="datetime-local" id="{TIME_FIELD}" name="{TIME_FIELD}" '
        f'min="{esc(minimum)}" max="{esc(maximum)}" value="{esc(value)}" required '
        f'aria-describedby="{" ".join(described)}"{invalid}>'
        f'<p id="{TIME_FIELD}-hint" class="note">{esc(hint)}</p>{err}'
    )


def answer_until(request: dict[str, Any], expires_at: int | None) -> datetime | None:
    """Until when the partner can answer: the workflow's deadline on the
    request (the wait's end), or the link's expiry if that comes first. None
    without a deadline: the link's own life says nothing about the wait. The
    minute shown is rounded down, so the page never promises more."""
    deadline = parse_time(request.get("deadline"))
    if deadline is None:
        return None
    if expires_at:
        deadline = min(deadline, datetime.fromtimestamp(expires_at, KST))
    return deadline.astimezone(KST).replace(second=0, microsecond=0)


def request_page(request: dict[str, Any], *, now: datetime, expires_at: int | None,
                 error: str | None = None, proposed: str | None = None,
                 status: int = 200, error_field: str | None = None) -> Page:
    """The request and its choices (per intent), as one form posting to this
    URL (no ``action``: the browser posts to the page's own address).
    ``error_field`` set: the error belongs next to that field."""
    partner = request.get("partnerName") or PARTNER
    minimum = now.astimezone(KST).strftime("%Y-%m-%dT%H:%M")
    maximum = (now + MAX_AHEAD).astimezone(KST).strftime("%Y-%m-%dT%H:%M")
    deadline = ""
    until = answer_until(request, expires_at)
    if until:
        half = "오전" if until.hour < 12 else "오후"
        deadline = (f'<p class="note" id="deadline" data-deadline="{esc(until.isoformat())}">'
                    f"{half} {until.hour % 12 or 12}:{until.minute:02d}까지 답해 주세요. "
                    "그 뒤에는 이 링크로 답할 수 없어요.</p>")
    on_field = error if error and error_field == TIME_FIELD else None
    alert = (f'<div class="error" role="alert">{esc(error)}</div>'
             if error and not on_field else "")
    offered = choices.for_intent(request.get("intent"))
    time_field = ""
    for choice in offered:
        if choice.decision == choices.PROPOSE:
            time_field = _time_field(choice.ask, _picker_value(request, now, proposed),
                                     minimum, maximum,
                                     (request.get("reservation") or {}).get("startsAt"),
                                     on_field)
    body = (
        f"<h1>{esc(partner)}님, 고객 요청을 확인해 주세요</h1>"
        f"{alert}{_details(request)}"
        '<form method="post" class="card">'
        # An id for this answer, so its retry is known as the same answer
        # (chalicelib/partner/forms.py ATTEMPT_FIELD).
        f'<input type="hidden" name="attempt" value="{secrets.token_urlsafe(16)}">'
        # The form's default button (Enter in the time field) is this disabled
        # one, so a key press never sends the first choice.
        '<button type="submit" disabled hidden aria-hidden="true"></button>'
        + "".join(_choice(c, bool(on_field) and c.decision == choices.PROPOSE, time_field)
                  for c in offered)
        + "</form>"
        f"{deadline}"
    )
    return page(status, "예약 요청 확인", body)


def _answer_text(request: dict[str, Any] | None, decision: str,
                 alternative_time: str | None) -> str:
    intent = (request or {}).get("intent")
    chosen = choices.named(intent, decision)
    if decision == choices.PROPOSE and alternative_time:
        chosen = f"{chosen}, {korean_time(alternative_time)}"
    return chosen


def confirmation_page(decision: str, alternative_time: str | None,
                      request: dict[str, Any] | None = None) -> Page:
    return message_page(200, "응답이 전달되었어요",
                        f"전달한 응답: {_answer_text(request, decision, alternative_time)}",
                        "고객에게 곧 안내해 드려요. 이 창은 닫아도 돼요.", tone="done")


def recorded_page(decision: str, alternative_time: str | None,
                  request: dict[str, Any] | None = None) -> Page:
    """The answer is recorded but Step Functions did not confirm it took it:
    it counts all the same (the deadline takes a recorded answer)."""
    return message_page(200, "응답이 기록되었어요",
                        f"기록된 응답: {_answer_text(request, decision, alternative_time)}",
                        "이 응답으로 고객에게 안내해 드려요. 이 창은 닫아도 돼요.", tone="done")


def _recorded_line(request: dict[str, Any]) -> str:
    """Who gave the answer on record: the partner through the link ("전달한
    응답"), or an operator who took it by phone (never told as the partner's
    own words)."""
    answer = _answer_text(request, request["partnerDecision"], request.get("alternativeTime"))
    by_operator = request.get("operatorAnswer") or {}
    if by_operator:
        moment = parse_time(by_operator.get("at"))
        when = ""
        if moment is not None:
            local = moment.astimezone(KST)
            half = "오전" if local.hour < 12 else "오후"
            when = (f"{local.month}월 {local.day}일 {half} "
                    f"{local.hour % 12 or 12}:{local.minute:02d}에 ")
        return f"운영팀이 {when}기록한 응답: {answer}"
    return f"전달한 응답: {answer}"


def answered_page(request: dict[str, Any]) -> Page:
    """The link opened again after the answer (a reload, the SMS tapped
    again): what was answered, calmly; nothing went wrong."""
    if request.get("operatorAnswer"):
        lines = ["이 요청에는 운영팀이 응답을 기록했어요."]
    else:
        lines = ["이 요청에는 이미 응답했어요."]
    if request.get("partnerDecision"):
        lines.append(_recorded_line(request))
    lines.append("고객에게 안내해 드려요. 이 창은 닫아도 돼요.")
    return message_page(200, "응답이 전달되었어요", *lines, tone="done")


def used_page(request: dict[str, Any] | None = None) -> Page:
    """A second answer through a used link (409): the contract's sentence,
    and the answer that did go through."""
    lines = [f"{USED_TEXT}.", "이미 응답이 전달되어 다시 보낼 수 없어요."]
    if request and request.get("partnerDecision"):
        lines.append(_recorded_line(request))
    return message_page(409, "이미 응답했어요", *lines, tone="done")


def operator_line() -> str:
    """The operators' line (a stage setting), or "" when none is set."""
    from chalicelib import settings

    current = settings.current()
    number = current.operator_phone
    if not number:
        return ""
    hours = f" ({current.operator_hours})" if current.operator_hours else ""
    return f"답을 전하려면 운영팀 {number}{hours}로 전화해 주세요."


def request_expired_page() -> Page:
    """After the deadline: nothing is taken through the link, but the partner
    is not stranded: the operators' number, to give the answer by phone."""
    lines = ["응답 시간이 지나 이 요청은 마감되었어요.", "이 링크의 응답은 반영되지 않았어요."]
    call = operator_line()
    if call:
        lines.append(call)
    return message_page(410, "요청이 만료되었어요", *lines)


def link_replaced_page() -> Page:
    """An operator sent a newer link (resend): this one no longer answers, and
    the partner is told where the working one is."""
    return message_page(410, "새 링크를 보냈어요",
                        "이 요청의 새 링크를 문자로 다시 보냈어요.",
                        "가장 최근에 받은 문자의 링크를 열어 답해 주세요.")


def link_expired_page() -> Page:
    return message_page(410, "링크가 만료되었어요",
                        "링크의 유효 시간이 지났어요. 응답은 반영되지 않았어요.")


def bad_link_page() -> Page:
    return message_page(400, "링크가 올바르지 않아요",
                        "문자로 받으신 링크 주소를 그대로 열어 주세요.")


def wrong_scope_page() -> Page:
    return message_page(403, "이 링크로는 응답할 수 없어요",
                        "문자로 받으신 확인 링크를 열어 주세요.")


def not_found_page() -> Page:
    return message_page(404, "요청을 찾을 수 없어요",
                        "요청이 없거나 취소되었어요.")


def temporary_error_page() -> Page:
    return message_page(503, "잠시 후 다시 시도해 주세요",
                        "일시적인 오류로 응답을 전달하지 못했어요. 응답은 아직 반영되지 않았어요.",
                        "잠시 후 같은 링크에서 다시 눌러 주세요.")


def unavailable_page(answer_unknown: bool = False) -> Page:
    """The service could not be reached. After an answer went out unanswered
    it may have been taken: say so, never that it failed."""
    if answer_unknown:
        return message_page(503, "응답이 전달되었는지 확인하지 못했어요",
                            "일시적인 장애로 응답이 반영되었는지 확인하지 못했어요.",
                            "잠시 후 같은 링크를 다시 열어 확인해 주세요.")
    return message_page(503, "잠시 후 다시 시도해 주세요",
                        "일시적인 장애로 지금은 요청을 처리할 수 없어요.",
                        "잠시 후 같은 링크를 다시 열어 주세요.")


def unexpected_error_page() -> Page:
    return message_page(500, "일시적인 오류가 발생했어요",
                        "잠시 후 다시 시도해 주세요.")


def unsupported_request_page(status: int) -> Page:
    """Not the form this page sends (a script, a preview posting JSON)."""
    return message_page(status, "처리할 수 없는 요청이에요",
                        "문자로 받은 링크를 열어 화면의 버튼으로 응답해 주세요.")
