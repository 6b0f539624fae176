"""An answer that comes after the wait (an operator's, or the partner's answer
an operator records) must reach the customer.

The chat keeps following a timed-out request (web/assets/chat.js, every
``LATE_POLL_SECONDS`` while the page is shown) and shows the new
notification when it comes. When nobody is looking, the customer gets a
short SMS instead.

"Is the chat open?" is answered by the chat's own looks: each GET of a
timed-out request records ``chatSeenEpoch`` (at most one write per
``SEEN_WRITE_EVERY`` seconds, a conditional write). The chat counts as open
when it looked within ``CHAT_OPEN_SECONDS``: three missed looks. A page in
the background is throttled by the browser (a minute or more between timers)
and a closed one never looks, so both get the SMS: texting a customer whose
chat is open in front of them would be the smaller harm. The SMS holds no
link (nothing a stranger could use), only what happened and where to read it,
in at most two UCS-2 segments.
"""

from __future__ import annotations

from typing import Any

from chalicelib import aws, clock, lifecycle, logs, phone
from chalicelib.korean import KST, parse_time
from chalicelib.nlu import catalogue
from chalicelib.partner import sms

LATE_POLL_SECONDS = 10          # web/assets/chat.js LATE_POLL_MS
SEEN_WRITE_EVERY = 10
CHAT_OPEN_SECONDS = 3 * LATE_POLL_SECONDS
TAG = "[예약 문의]"
PARTNER = "제휴점"
PARTNER_NAME_MAX = 16
WEEKDAYS = "월화수목금토일"


def seen_by_chat(item: dict[str, Any]) -> None:
    """The chat looked at ``item`` (GET /api/requests/{id}): remember when, for
    a timed-out request only (the one a late answer can change). Never fails
    the look: a missed write at worst sends an SMS to a customer who is there."""
    if item.get("status") != lifecycle.TIMEOUT:
        return
    now = clock.epoch()
    if int(item.get(lifecycle.CHAT_SEEN_EPOCH) or 0) > now - SEEN_WRITE_EVERY:
        return  # written a moment ago: no write at all
    try:
        lifecycle.mark_chat_seen(item["requestId"], now, SEEN_WRITE_EVERY)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        logs.record("chat_seen_not_recorded", level=30, requestId=item.get("requestId"),
                    code=aws.error_code(exc) or type(exc).__name__)


def chat_open(item: dict[str, Any], now: int | None = None) -> bool:
    now = clock.epoch() if now is None else now
    return int(item.get(lifecycle.CHAT_SEEN_EPOCH) or 0) >= now - CHAT_OPEN_SECONDS


def _when(value: str | None) -> str:
    moment = parse_time(value)
    if moment is None:
        return ""
    local = moment.astimezone(KST)
    half = "오전" if local.hour < 12 else "오후"
    return (f"{local.month}월 {local.day}일({WEEKDAYS[local.weekday()]}) {half} "
            f"{local.hour % 12 or 12}:{local.minute:02d}")


def _text(label: str, partner: str, decision: str, when: str) -> str:
    who = f"{partner}에서" if partner else f"{PARTNER}에서"
    if decision == "accept":
        said = f"{who} 요청대로 진행하기로 했어요. 채팅 화면에서 확인해 주세요."
    elif decision == "propose":
        said = (f"{who} {when}을 제안했어요. 채팅 화면에서 수락하거나 거절해 주세요." if when
                else f"{who} 다른 시간을 제안했어요. 채팅 화면에서 확인해 주세요.")
    else:
        said = f"{who} 이번 요청은 어렵다고 해요. 채팅 화면에서 확인해 주세요."
    return f"{TAG} {label} 답이 왔어요. {said}"


def sms_text(item: dict[str, Any], decision: str, alternative_time: str | None) -> str:
    """At most two UCS-2 segments (``sms.LIMIT``): the partner's name is cut
    first, then dropped."""
    entry = catalogue.BY_NAME.get(item.get("intent") or "")
    label = entry.label if entry else "문의"
    when = _when(alternative_time) if decision == "propose" else ""
    partner = " ".join(str(item.get("partnerName") or "").split())
    for size in range(min(len(partner), PARTNER_NAME_MAX), -1, -1):
        text = _text(label, sms._cut(partner, size), decision, when)
        if sms.length(text) <= sms.LIMIT:
            return text
    return _text(label, "", decision, "")


def text_if_chat_closed(item: dict[str, Any], decision: str,
                        alternative_time: str | None) -> bool:
    """After a late answer: the SMS when nobody is looking at the chat. True
    when it was sent. A failure is logged, never raised: the answer stands and
    the chat shows it when opened."""
    if chat_open(item):
        logs.record("late_answer_chat_open", requestId=item.get("requestId"))
        return False
    to = phone.to_e164(item.get("customerPhone") or "")
    if to is None:
        return False
    from chalicelib.partner import sender

    try:
        sender.publish_sms(to, sms_text(item, decision, alternative_time))
    except Exception as exc:  # noqa: BLE001 - see the docstring
        logs.record("late_answer_sms_failed", level=40, requestId=item.get("requestId"),
                    code=aws.error_code(exc) or type(exc).__name__)
        logs.metric("LateAnswerSmsFailed")
        return False
    logs.record("late_answer_sms_sent", requestId=item.get("requestId"), customerPhone=to)
    return True
