"""Phone event registration: an employee keys in their ID, hears a lottery number.

Modules: ``validation`` (what the caller keyed), ``answers`` (what they hear),
``store`` (the atomic registration and unique numbers), ``event_log`` (the
``axcl_event.txt`` view of the table), ``draws`` (the operators' draw),
``calls`` (one Connect invocation end to end).
"""

from __future__ import annotations

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
    "answer_call", "draw", "handle_stream_records", "register_employee",
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


def handle_stream_records(records: Iterable[dict[str, Any]]) -> dict[str, int | None]:
    """The table's stream (Lambda's DynamoDB records) -> rebuilt log files.

    Only registration items (``EVENT#<id>`` / ``EMP#...``) ask for a rebuild;
    every other write to the shared table (partner requests, lottery numbers,
    draws) is passed over by its keys alone. One rebuild per event named in
    the batch, none when the file's table read began after the newest record
    of the batch was written (``event_log.rebuild``'s ``sent_at_ms``).
    Returns lines per file (None: already covered)."""
    wanted: dict[str, set[str]] = {}
    written: dict[str, list[int | None]] = {}
    for record in records:
        event_id, employee_id = event_log.registration_keys(record)
        if event_id is None:
            continue
        ids = wanted.setdefault(event_id, set())
        if record.get("eventName") != "REMOVE":
            ids.add(employee_id)
        written.setdefault(event_id, []).append(event_log.written_by_ms(record))
    newest = {event_id: None if None in times else max(times)  # type: ignore[type-var]
              for event_id, times in written.items()}
    return {event_log.log_key(event_id): event_log.rebuild(
                event_id, must_include=ids, sent_at_ms=newest[event_id])
            for event_id, ids in wanted.items()}
