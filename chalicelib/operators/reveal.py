"""One full phone number for an operator, with a reason, recorded.

``POST /api/admin/requests/{id}/reveal`` JSON ``{"field": "customerPhone" |
"partnerPhone", "reason": "..."}``: everything an operator sees is masked
(``010-****-5678``); the full number of one request's customer or partner
comes only from here, and only after the access record (who, when, which
request, which number, why, from where) is written.
"""

from __future__ import annotations

from typing import Any

from chalicelib import errors, lifecycle, logs, phone, safe_json
from chalicelib.operators import access_log

FIELDS = {"customerPhone": "고객", "partnerPhone": "제휴점"}
REASON_MIN, REASON_MAX = 2, 200
BAD_BODY = "요청 형식이 올바르지 않아요. 고객 번호와 제휴점 번호 중 하나를 골라 주세요."
NEED_REASON = f"전체 번호를 보는 이유를 {REASON_MIN}~{REASON_MAX}자로 적어 주세요."
NOT_FOUND = "요청을 찾을 수 없어요."
NO_PHONE = "이 요청에는 보여 드릴 번호가 없어요."


def parse(raw_body: bytes | str | None) -> tuple[str, str]:
    try:
        body = safe_json.loads(raw_body or b"", max_bytes=2048)
    except safe_json.Rejected as exc:
        raise errors.bad_request(BAD_BODY) from exc
    if not isinstance(body, dict) or body.get("field") not in FIELDS:
        raise errors.bad_request(BAD_BODY)
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise errors.bad_request(NEED_REASON)
    cleaned = " ".join("".join(c for c in reason if c.isprintable()).split())
    if not REASON_MIN <= len(cleaned) <= REASON_MAX:
        raise errors.bad_request(NEED_REASON)
    return body["field"], cleaned


def national(e164: str) -> str:
    """``+821012345678`` -> ``010-1234-5678`` (as people write it)."""
    if e164.startswith("+82"):
        digits = "0" + e164[3:]
        head = 2 if digits.startswith("02") else 3
        return f"{digits[:head]}-{digits[head:-4]}-{digits[-4:]}"
    return e164


def reveal(request_id: str, raw_body: bytes | str | None, operator: Any,
           source_ip: str) -> dict[str, Any]:
    field, reason = parse(raw_body)
    item = lifecycle.get(request_id)
    if item is None:
        raise errors.not_found(NOT_FOUND)
    e164 = phone.to_e164(str(item.get(field) or ""))
    if e164 is None:
        raise errors.ApiError(404, "NO_PHONE", NO_PHONE)
    access_log.record(operator, "reveal", "POST /api/admin/requests/{request_id}/reveal",
                      request_ids=[request_id], people=1, source_ip=source_ip,
                      detail={"field": field, "reason": reason}, same_view_once=False)
    logs.record("phone_revealed", requestId=request_id, field=field,
                operator=operator.username)
    return {"requestId": request_id, "field": field, "phone": national(e164)}
