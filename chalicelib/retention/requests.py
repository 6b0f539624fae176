"""A request's personal data leaves ``PERSONAL_DATA_RETENTION_DAYS`` after it
ended.

Finding what is due is one Query of the sparse ``personalData`` index
(``chalicelib/lifecycle/indexes.py``): every request holds
``personalData = "held"`` from its creation until its erasure removes it, and
the index sorts them by ``updatedAt`` -- the request's last change, which
every write sets (the state machine's ``MarkTimeout`` included). So
``updatedAt <= now - retention`` reads exactly the requests untouched for the
whole period, oldest first; an erased one has left the index, so the next
run starts where this one stopped, and nothing grows with what was erased
before. A request still waiting for its partner (``Created``/``SMS Sent``) is
never erased: a filter on the status leaves it out of the answer (it is read,
counted and keeps its place until it ends), so open requests, however many,
never take an erasure's place in a run.

Measuring from the last change rather than from the ending event is the
cautious reading: a request answered, then closed by an operator a week
later, is kept a week longer, never erased early.

Each erasure is one conditional write (`Requests.erase_personal_data`): only
if ``updatedAt`` is still what the index showed and the data is still held,
so a repeat (a retried run, two runs at once) changes nothing and a request
that changed meanwhile waits for its next turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock, lifecycle, logs, settings, table
from chalicelib.lifecycle import indexes
from chalicelib.lifecycle.operations import HELD, PERSONAL_DATA
from chalicelib.lifecycle.rules import ENDED

PAGE = 100
# Pages read per run at most (open requests are read and filtered out too).
MAX_PAGES = 50


@dataclass
class Outcome:
    erased: list[str] = field(default_factory=list)
    open: int = 0          # due by time but still waiting for the partner: kept
    changed: int = 0       # changed between the read and the write: next run
    more: bool = False     # stopped at the bound: the next run goes on


def cutoff(now: datetime | None = None) -> str:
    """Requests last changed at or before this moment (UTC ISO) are due."""
    days = settings.current().personal_data_retention_days
    return clock.iso((now or clock.now()) - timedelta(days=days))


def due(before: str, limit: int, out: Outcome) -> Any:
    """Ended requests still holding personal data, last changed at or before
    ``before``, least recently changed first; at most ``limit`` of them and
    ``MAX_PAGES`` pages read. Open ones are filtered out on the server (read,
    counted in ``out.open``, never returned), so however many requests wait
    for their partner, they cannot hold the sweep back."""
    statuses = {f":s{i}": status for i, status in enumerate(ENDED)}
    kwargs: dict[str, Any] = {
        "TableName": table.name(), "IndexName": indexes.PERSONAL_DATA,
        "KeyConditionExpression": "#p = :held AND #u <= :before",
        "FilterExpression": f"#s IN ({', '.join(statuses)})",
        "ExpressionAttributeNames": {"#p": PERSONAL_DATA, "#u": "updatedAt", "#s": "status"},
        "ExpressionAttributeValues": table.values(
            {":held": HELD, ":before": before, **statuses}),
        "ScanIndexForward": True,
    }
    found = 0
    for _ in range(MAX_PAGES):
        kwargs["Limit"] = PAGE
        page = table.client().query(**kwargs)
        out.open += page.get("ScannedCount", 0) - page.get("Count", 0)
        for raw in page.get("Items", []):
            if found >= limit:
                out.more = True
                return
            found += 1
            yield table.deserialize(raw)
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    out.more = True


def erase_due(now: datetime | None = None, limit: int = 1000,
              time_left: Callable[[], bool] | None = None) -> Outcome:
    """Erase what is due, at most ``limit`` requests; stops early when
    ``time_left()`` says the invocation is running out."""
    out = Outcome()
    for item in due(cutoff(now), limit, out):
        if time_left is not None and not time_left():
            out.more = True
            break
        request_id = str(item.get("requestId", ""))
        if lifecycle.requests().erase_personal_data(request_id, str(item.get("updatedAt")),
                                                    item):
            out.erased.append(request_id)
        else:
            out.changed += 1
    logs.record("personal_data_erased", kind="requests", erased=len(out.erased),
                open=out.open, changed=out.changed, more=out.more)
    return out


def erase_now(request_id: str) -> str:
    """A data subject's request, by hand (``make erase``): erase one request's
    personal data now, whatever its age. Returns what happened: ``erased``,
    ``already`` (nothing left to erase), ``open`` (still waiting for its
    partner: try again after it ends), ``missing``."""
    for _ in range(3):
        item = lifecycle.get(request_id)
        if item is None:
            return "missing"
        if item.get(PERSONAL_DATA) != HELD:
            return "already"
        if item.get("status") not in ENDED:
            return "open"
        if lifecycle.requests().erase_personal_data(request_id, str(item.get("updatedAt")),
                                                    item):
            logs.record("personal_data_erased", kind="request", requestId=request_id,
                        by="hand")
            return "erased"
    return "open"   # kept changing under us: it is still being worked on


def erase_for_phone(e164: str) -> dict[str, str]:
    """A data subject's request by their phone number: every request of that
    customer phone (the ``byCustomerPhone`` index), each as `erase_now` does.
    Returns request id -> outcome."""
    kwargs: dict[str, Any] = {
        "TableName": table.name(), "IndexName": indexes.BY_CUSTOMER_PHONE,
        "KeyConditionExpression": "customerPhone = :p",
        "ProjectionExpression": "requestId",
        "ExpressionAttributeValues": table.values({":p": e164}),
    }
    found: list[str] = []
    while True:
        page = table.client().query(**kwargs)
        found += [str(table.deserialize(raw).get("requestId", "")) for raw in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return {request_id: erase_now(request_id) for request_id in found if request_id}
