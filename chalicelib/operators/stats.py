"""``GET /api/admin/stats``: the numbers behind the dashboard's three charts.

- outcomes per day (KST) of the requests created in the last ``days`` days;
- how long 제휴점 took to answer (the partner's own answers: ``respondedAt``
  minus the request's first ``SMS Sent`` event; answers an operator entered
  by phone are left out, they say nothing about the 제휴점's speed);
- registrations per hour (KST) of the phone event over the last ``HOURS``.

Bounded whatever the table holds: the requests are one Query of the list
index (``gsi1``, newest first) limited to the KST days asked for and to the
newest ``dashboard.WINDOW`` of them, reading back only the attributes counted
here (ProjectionExpression); the registrations are bounded by the event's
number space (see ``registration.listing.registered_times``).
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta
from datetime import time as day_time
from typing import Any

from chalicelib import clock, errors, lifecycle, settings, table
from chalicelib.korean import KST
from chalicelib.lifecycle.store import LIST_INDEX, LIST_PARTITION
from chalicelib.operators import view as dashboard

DEFAULT_DAYS = 14
MAX_DAYS = 31
HOURS = 24
# Upper bounds (seconds, inclusive) of the response-time histogram; a last
# open bucket (``upTo: null``) takes the rest. The partner's wait is 300 s.
BUCKETS = (30, 60, 120, 180, 300)
DECISIONS = ("accept", "reject", "propose")
OUTCOMES = (*DECISIONS, "timeout", "failed", "waiting")

BAD_DAYS = f"기간은 1일에서 {MAX_DAYS}일 사이의 숫자로 골라 주세요."

# What a request contributes here; nothing else is read back.
_PROJECTION = {"#k": "gsi1sk", "#s": "status", "#d": "partnerDecision",
               "#r": "respondedAt", "#e": "events", "#o": "operatorAnswer"}


def parse_days(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_DAYS
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DAYS:
        raise errors.bad_request(BAD_DAYS)
    return int(text)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def recent_requests(start: str, end: str, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` requests created in [start, end) (UTC ISO), with
    only the attributes the charts count. ``gsi1sk`` is ``<createdAt>#<id>``,
    so the range is a key condition: nothing outside it is read."""
    kwargs: dict[str, Any] = {
        "TableName": table.name(), "IndexName": LIST_INDEX, "ScanIndexForward": False,
        # "<end>" sorts before "<end>#<id>": BETWEEN leaves out a request made
        # at the very end, and takes one made at the very start.
        "KeyConditionExpression": "gsi1pk = :pk AND #k BETWEEN :from AND :to",
        "ProjectionExpression": ", ".join(_PROJECTION),
        "ExpressionAttributeNames": _PROJECTION,
        "ExpressionAttributeValues": table.values(
            {":pk": LIST_PARTITION, ":from": start, ":to": end}),
    }
    found: list[dict[str, Any]] = []
    while len(found) < limit:
        kwargs["Limit"] = limit - len(found)
        page = table.client().query(**kwargs)
        found += [table.deserialize(raw) for raw in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return found


def outcome(item: dict[str, Any]) -> str | None:
    """Where a request stands, in the charts' words (None: not counted)."""
    status = item.get("status")
    if status == lifecycle.RESPONDED:
        decision = item.get("partnerDecision")
        return decision if decision in DECISIONS else None
    return {lifecycle.TIMEOUT: "timeout", lifecycle.FAILED: "failed",
            lifecycle.CREATED: "waiting", lifecycle.SMS_SENT: "waiting"}.get(status)


def response_seconds(item: dict[str, Any]) -> float | None:
    """Seconds from the first SMS to the partner's own answer; None when the
    request has no standing partner answer (or an operator entered it)."""
    if item.get("status") != lifecycle.RESPONDED or item.get("operatorAnswer"):
        return None
    answered = _parse_time(item.get("respondedAt"))
    sent = next((_parse_time(e.get("at")) for e in item.get("events") or []
                 if isinstance(e, dict) and e.get("type") == lifecycle.SMS_SENT), None)
    if answered is None or sent is None:
        return None
    return max(0.0, (answered - sent).total_seconds())


def histogram(seconds: list[float]) -> dict[str, Any]:
    counts = [0] * (len(BUCKETS) + 1)
    for s in seconds:
        counts[next((i for i, bound in enumerate(BUCKETS) if s <= bound), len(BUCKETS))] += 1
    ordered = sorted(seconds)
    median = round(statistics.median(ordered), 1) if ordered else None
    # Nearest rank: the answer time nine in ten answers took at most.
    p90 = round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1) if ordered else None
    return {"buckets": [{"upTo": bound, "count": counts[i]}
                        for i, bound in enumerate((*BUCKETS, None))],
            "count": len(ordered), "median": median, "p90": p90}


def outcomes_per_day(items: list[dict[str, Any]], first_day: Any, days: int
                     ) -> list[dict[str, Any]]:
    rows = {(first_day + timedelta(days=n)).isoformat(): dict.fromkeys(OUTCOMES, 0)
            for n in range(days)}
    for item in items:
        created = _parse_time(str(item.get("gsi1sk", "")).split("#", 1)[0])
        kind = outcome(item)
        day = created.astimezone(KST).date().isoformat() if created else None
        if kind and day in rows:
            rows[day][kind] += 1
    return [{"date": day, **counts} for day, counts in rows.items()]


def registrations_per_hour(times: list[str], now: datetime, hours: int = HOURS
                           ) -> list[dict[str, Any]]:
    """Registrations in each of the last ``hours`` KST hours, this one last."""
    current = now.astimezone(KST).replace(minute=0, second=0, microsecond=0)
    first = current - timedelta(hours=hours - 1)
    counts = [0] * hours
    for text in times:
        moment = _parse_time(text)
        if moment is None:
            continue
        index = int((moment - first).total_seconds() // 3600)
        if 0 <= index < hours:
            counts[index] += 1
    return [{"hour": (first + timedelta(hours=n)).strftime("%Y-%m-%dT%H:00+09:00"),
             "count": counts[n]} for n in range(hours)]


def stats(params: dict[str, str], now: datetime | None = None) -> dict[str, Any]:
    from chalicelib.registration import listing

    days = parse_days(params.get("days"))
    now = now or clock.now()
    today = now.astimezone(KST).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, day_time(), tzinfo=KST)
    end = datetime.combine(today + timedelta(days=1), day_time(), tzinfo=KST)
    items = recent_requests(clock.iso(start), clock.iso(end), dashboard.WINDOW)
    seconds = [s for s in map(response_seconds, items) if s is not None]
    registered = listing.registered_times(settings.current().event_id)
    return {
        "generatedAt": clock.iso(now),
        "window": {"requests": len(items), "limit": dashboard.WINDOW, "days": days,
                   "from": first_day.isoformat(), "to": today.isoformat()},
        "outcomesPerDay": outcomes_per_day(items, first_day, days),
        "responseSeconds": histogram(seconds),
        "registrationsPerHour": registrations_per_hour(registered, now),
        "registrations": len(registered),
    }
