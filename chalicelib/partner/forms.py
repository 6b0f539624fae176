"""The partner's form: ``decision=accept|reject|propose`` and, for
``propose``, ``alternativeTime`` as an HTML ``datetime-local`` value
(``YYYY-MM-DDTHH:MM``, seconds optional) meaning Korean time (KST)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from chalicelib.korean import KST
from chalicelib.partner import choices

DECISIONS = choices.DECISIONS
# The page's hidden attempt id (made when the page is rendered): a retry of the
# same form post carries the same one, so an answer whose first try landed
# without a reply is recognised as the same answer, not a second one.
ATTEMPT_FIELD = "attempt"
_ATTEMPT = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_BODY_BYTES = 2048
MAX_AHEAD = timedelta(days=366)
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")

CHOOSE = "화면의 버튼 중 하나를 골라 주세요."
NOT_OFFERED = "이 요청에는 시간을 제안할 수 없어요. 화면의 버튼 중 하나를 골라 주세요."
NEED_TIME = "제안할 시간을 골라 주세요."
BAD_TIME = "시간 형식이 올바르지 않아요. 예: 2026-12-25T14:00"
PAST_TIME = "지금 이후의 시간을 골라 주세요."
FAR_TIME = "1년 이내의 시간을 골라 주세요."
BAD_FORM = "요청 형식이 올바르지 않아요. 페이지를 새로 고친 뒤 다시 골라 주세요."


TIME_FIELD = "alternativeTime"


class FormError(ValueError):
    """``field`` names the form field the message belongs next to (None: the
    whole form)."""

    def __init__(self, message: str, proposed: str | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.proposed = proposed
        self.field = field


@dataclass(frozen=True)
class Answer:
    decision: str
    alternative_time: str | None = None  # ISO 8601 with +09:00

    def output(self, responded_at: str) -> dict[str, str]:
        """What SendTaskSuccess hands to the state machine (``$.answer``)."""
        out = {"decision": self.decision, "respondedAt": responded_at}
        if self.alternative_time:
            out["alternativeTime"] = self.alternative_time
        return out


def parse_body(raw: bytes | str | None) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` -> first value of each field."""
    if raw is None:
        return {}
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_BODY_BYTES:
        raise FormError(BAD_FORM)
    try:
        fields = parse_qs(data.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormError(BAD_FORM) from exc
    return {k: v[0] for k, v in fields.items() if v}


def attempt_id(value: str | None) -> str | None:
    """The form's attempt id, or None when absent or not one we make."""
    return value if isinstance(value, str) and _ATTEMPT.match(value) else None


def validate(decision: str | None, alternative_time: str | None, now: datetime,
             intent: str | None = None) -> Answer:
    """``intent`` given: only the decisions that kind of request offers
    (`chalicelib.partner.choices`) are taken."""
    decision = (decision or "").strip()
    if decision not in DECISIONS:
        raise FormError(CHOOSE)
    if intent is not None and decision not in choices.offered(intent):
        raise FormError(NOT_OFFERED)
    if decision != "propose":
        return Answer(decision)
    text = (alternative_time or "").strip()
    if not text:
        raise FormError(NEED_TIME, field=TIME_FIELD)
    if not _LOCAL_TIME.match(text):
        raise FormError(BAD_TIME, text[:32], TIME_FIELD)
    try:
        moment = datetime.fromisoformat(text).replace(tzinfo=KST)
    except ValueError as exc:
        raise FormError(BAD_TIME, text, TIME_FIELD) from exc
    if moment <= now:
        raise FormError(PAST_TIME, text, TIME_FIELD)
    if moment > now + MAX_AHEAD:
        raise FormError(FAR_TIME, text, TIME_FIELD)
    return Answer(decision, moment.isoformat(timespec="seconds"))
