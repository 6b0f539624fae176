"""The partner's pages behind ``/r/{token}``: the request with its three
choices, the confirmation, and the error pages, in short polite Korean."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.korean import KST, parse_time
from chalicelib.pages import Page, esc, message_page, page

WEEKDAYS = "월화수목금토일"
INTENTS = {
    "ChangeReservation": "예약 변경",
    "ReportTrouble": "트러블 신고",
    "RequestAddOnService": "부가 서비스 요청",
}
DECISIONS = {"accept": "수락", "reject": "거절", "propose": "다른 시간 제안"}

USED_TEXT = "링크가 이미 사용되었습니다"


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
        ("요청 종류", INTENTS.get(request.get("intent") or "", request.get("intent"))),
    ]
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows if v)
    ask = (f'<dt>고객 요청 내용</dt><dd class="ask">{esc(request.get("text"))}</dd>'
           if request.get("text") else "")
    return f'<div class="card"><dl>{items}{ask}</dl></div>'


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
                 status: int = 200) -> Page:
    """The request and exactly three choices, as one form posting to this URL
    (no ``action``: the browser posts to the page's own address)."""
    partner = request.get("partnerName") or "파트너"
    minimum = now.astimezone(KST).strftime("%Y-%m-%dT%H:%M")
    deadline = ""
    until = answer_until(request, expires_at)
    if until:
        half = "오전" if until.hour < 12 else "오후"
        deadline = (f'<p class="note" id="deadline" data-deadline="{esc(until.isoformat())}">'
                    f"{half} {until.hour % 12 or 12}:{until.minute:02d}까지 답해 주세요. "
                    "그 뒤에는 이 링크로 답할 수 없어요.</p>")
    alert = f'<div class="error" role="alert">{esc(error)}</div>' if error else ""
    body = (
        f"<h1>{esc(partner)}님, 고객 요청을 확인해 주세요</h1>"
        f"{alert}{_details(request)}"
        '<form method="post" class="card">'
        '<button type="submit" name="decision" value="accept" class="accept">수락할게요</button>'
        '<button type="submit" name="decision" value="reject" class="reject">거절할게요</button>'
        '<label for="alternativeTime">다른 시간을 제안하려면 시간을 고르세요</label>'
        f'<input type="datetime-local" id="alternativeTime" name="alternativeTime" '
        f'min="{esc(minimum)}" value="{esc(proposed or "")}">'
        '<button type="submit" name="decision" value="propose" class="propose">'
        "이 시간으로 제안할게요</button>"
        "</form>"
        f"{deadline}"
    )
    return page(status, "예약 요청 확인", body)


def confirmation_page(decision: str, alternative_time: str | None) -> Page:
    chosen = DECISIONS.get(decision, decision)
    if decision == "propose" and alternative_time:
        chosen = f"{chosen}: {korean_time(alternative_time)}"
    return message_page(200, "응답이 전달되었어요",
                        f"선택하신 응답: {chosen}",
                        "고객에게 곧 안내해 드려요. 이 창은 닫으셔도 돼요.")


def used_page(request: dict[str, Any] | None = None) -> Page:
    lines = [f"{USED_TEXT}.", "이미 응답이 전달되어 다시 보낼 수 없어요."]
    if request and request.get("partnerDecision"):
        chosen = DECISIONS.get(request["partnerDecision"], request["partnerDecision"])
        if request.get("alternativeTime"):
            chosen += f": {korean_time(request['alternativeTime'])}"
        lines.append(f"전달된 응답: {chosen}")
    return message_page(409, USED_TEXT, *lines)


def request_expired_page() -> Page:
    return message_page(410, "요청이 만료되었어요",
                        "응답 시간이 지나 이 요청은 마감되었어요.",
                        "이 링크의 응답은 반영되지 않았어요.")


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


def unexpected_error_page() -> Page:
    return message_page(500, "일시적인 오류가 발생했어요",
                        "잠시 후 다시 시도해 주세요.")


def unsupported_request_page(status: int) -> Page:
    """Not the form this page sends (a script, a preview posting JSON)."""
    return message_page(status, "처리할 수 없는 요청이에요",
                        "문자로 받은 링크를 열어 화면의 버튼으로 응답해 주세요.")
