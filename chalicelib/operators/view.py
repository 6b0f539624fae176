"""What the operators' dashboard shows of a request, counts per status, the
phone event's registrations (the request list itself: ``admin_list``; the
charts' numbers: ``admin_stats``).

Counts cover the most recent ``WINDOW`` requests (one query of the request
index): the dashboard is about what is happening now, not an archive.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib import clock, errors, lifecycle, phone, settings

WINDOW = 1000
TEXT_LIMIT = 500

_FIELDS = ("requestId", "status", "intent", "reservationNumber", "partnerId", "partnerName",
           "createdAt", "updatedAt", "events", "partnerDecision", "alternativeTime",
           "respondedAt", "notification", "escalatedAt", "closedAt", "closedBy", "closeNote",
           "operatorAnswer", "customerReply", "deadline",
           # Every open of the link is counted; the timeline keeps the first few.
           "openedCount")


def _age_seconds(created_at: str | None, now: datetime) -> int | None:
    if not created_at:
        return None
    try:
        created = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0, int((now - created).total_seconds()))


def admin_view(item: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """One request for operators: phones masked, the customer's text bounded."""
    now = now or clock.now()
    view = {k: item[k] for k in _FIELDS if k in item}
    view["partnerPhone"] = phone.operator_mask(item.get("partnerPhone"))
    view["customerPhone"] = phone.operator_mask(item.get("customerPhone"))
    text = item.get("text")
    view["text"] = text[:TEXT_LIMIT] if isinstance(text, str) else ""
    view["ageSeconds"] = _age_seconds(item.get("createdAt"), now)
    view["decision"] = item.get("partnerDecision")
    return view


def parse_status(raw: str | None) -> str | None:
    if raw in (None, "", "all"):
        return None
    if raw not in lifecycle.STATUSES:
        allowed = ", ".join(lifecycle.STATUSES)
        raise errors.bad_request(f"상태 값이 올바르지 않아요. 다음 중에서 골라 주세요: {allowed}")
    return raw


def status_counts() -> dict[str, Any]:
    """Counts per status over the most recent ``WINDOW`` requests."""
    counts = {s: 0 for s in lifecycle.STATUSES}
    recent = lifecycle.recent_statuses(WINDOW)
    for status in recent:
        if status in counts:
            counts[status] += 1
    return {"counts": counts, "total": len(recent)}


def registrations(params: dict[str, str] | None = None) -> dict[str, Any]:
    """The phone event's count and draws, and a page of its registrations
    (``q``, ``limit``, ``cursor``: ``registration.listing``); a bad parameter
    is refused before anything is read."""
    from chalicelib.registration import listing, registration_summary

    event_id = settings.current().event_id
    page = listing.search(event_id, params or {})
    return {**registration_summary(event_id), **page}
