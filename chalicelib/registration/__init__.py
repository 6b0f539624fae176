"""Phone event registration: an employee keys in their ID, hears a lottery number.

Modules: ``validation`` (what the caller keyed), ``answers`` (what they hear),
``store`` (the atomic registration and unique numbers), ``event_log`` (the
``axcl_event.txt`` view of the table), ``draws`` (the operators' draw),
``calls`` (one Connect invocation end to end).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chalicelib import settings
from chalicelib.registration import draws, event_log, store
from chalicelib.registration.calls import answer_call
from chalicelib.registration.draws import DrawRefused, draw
from chalicelib.registration.store import (
    AlreadyRegistered,
    NumbersExhausted,
    Registration,
    register_employee,
    registrations,
)

__all__ = [
    "AlreadyRegistered", "DrawRefused", "NumbersExhausted", "Registration",
    "answer_call", "draw", "handle_log_records", "rebuild_logs", "register_employee",
    "registration_summary",
    "registrations",
]


def registration_summary(event_id: str | None = None) -> dict[str, Any]:
    """For the dashboard: how many registered, and every draw made."""
    event_id = event_id or settings.current().event_id
    return {
        "eventId": event_id,
        "count": store.count(event_id),
        "draws": [draws.public(d) for d in draws.list_draws(event_id)],
    }


def handle_log_records(records: Iterable[dict[str, Any]]) -> dict[str, int | None]:
    """Lambda's SQS records of the ``registration-log`` queue -> rebuilt files."""
    records = list(records)
    sent = [str(r.get("attributes", {}).get("SentTimestamp", "")) for r in records]
    newest = max(int(s) for s in sent) if sent and all(s.isdigit() for s in sent) else None
    return rebuild_logs((str(r.get("body", "")) for r in records), sent_at_ms=newest)


def rebuild_logs(message_bodies: Iterable[str],
                 sent_at_ms: int | None = None) -> dict[str, int | None]:
    """The ``registration-log`` consumer: one rebuild per event named in the
    batch (ten messages cost one rebuild, not ten), none for a file that
    already covers the batch (``sent_at_ms``: the newest SQS SentTimestamp of
    the batch). Returns lines per file (None: already covered)."""
    targets: dict[tuple[str, str], set[str]] = {}
    for body in message_bodies:
        try:
            message = json.loads(body)
        except (TypeError, ValueError):
            message = {}
        if not isinstance(message, dict):
            message = {}
        event_id = str(message.get("eventId") or settings.current().event_id)
        wanted = targets.setdefault(
            (event_id, event_log.safe_key(message.get("logKey"), event_id)), set())
        if message.get("employeeId"):
            wanted.add(str(message["employeeId"]))
    return {key: event_log.rebuild(event_id, key, must_include=wanted, sent_at_ms=sent_at_ms)
            for (event_id, key), wanted in targets.items()}
