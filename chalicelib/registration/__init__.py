"""Phone event registration: an employee keys in their ID, hears a lottery number.

Modules: ``validation`` (what the caller keyed), ``answers`` (what they hear),
``store`` (the atomic registration and unique numbers), ``event_log`` (the
``axcl_event.txt`` view of the table), ``draws`` (the operators' draw),
``calls`` (one Connect invocation end to end).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from chalicelib import safe_json, settings
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
    "AlreadyRegistered", "BadLogMessage", "DrawRefused", "NumbersExhausted", "Registration",
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


# A registration-log message may name the employee just registered (so the
# rebuild can tell a stale file from a fresh one) and nothing else that is
# acted on: the event and the file are the stage's settings. ``eventId`` and
# ``logKey`` are accepted only when they say exactly that (older senders).
_LOG_MESSAGE_FIELDS = {"eventId", "logKey", "employeeId"}
_EMPLOYEE_ID = re.compile(r"^\d{4,8}$")


class BadLogMessage(ValueError):
    """A registration-log message outside its schema; retrying cannot fix it."""


def parse_log_message(body: str) -> str | None:
    """The employee ID a valid message names (None: none), or BadLogMessage."""
    try:
        message = safe_json.loads(body, max_bytes=1024, max_depth=1)
    except safe_json.Rejected as exc:
        raise BadLogMessage("not acceptable JSON") from exc
    if not isinstance(message, dict) or set(message) - _LOG_MESSAGE_FIELDS:
        raise BadLogMessage("unexpected fields")
    event_id = settings.current().event_id
    if "eventId" in message and message["eventId"] != event_id:
        raise BadLogMessage("another event")
    if "logKey" in message and message["logKey"] != event_log.log_key(event_id):
        raise BadLogMessage("another file")
    employee = message.get("employeeId")
    if employee is None:
        return None
    if not isinstance(employee, str) or not _EMPLOYEE_ID.match(employee):
        raise BadLogMessage("bad employeeId")
    return employee


def handle_log_records(records: Iterable[dict[str, Any]],
                       set_aside: Callable[[dict[str, Any], str], Any] | None = None,
                       ) -> dict[str, int | None]:
    """Lambda's SQS records of the ``registration-log`` queue -> the rebuilt
    file of the stage's event. A record outside the schema is handed to
    ``set_aside`` (the app sends it to the DLQ) and the rest go on: one
    poison message never fails its batch-mates."""
    good, wanted = [], set()
    for record in records:
        try:
            employee = parse_log_message(str(record.get("body", "")))
        except BadLogMessage as exc:
            if set_aside is not None:
                set_aside(record, str(exc))
            continue
        good.append(record)
        if employee:
            wanted.add(employee)
    if not good:
        return {}
    sent = [str(r.get("attributes", {}).get("SentTimestamp", "")) for r in good]
    newest = max(int(s) for s in sent) if sent and all(s.isdigit() for s in sent) else None
    event_id = settings.current().event_id
    key = event_log.log_key(event_id)
    return {key: event_log.rebuild(event_id, key, must_include=wanted, sent_at_ms=newest)}


def rebuild_logs(message_bodies: Iterable[str],
                 sent_at_ms: int | None = None) -> dict[str, int | None]:
    """The ``registration-log`` consumer over bare bodies (bench, tests): one
    rebuild of the stage's event file for the batch, none for a file that
    already covers it (``sent_at_ms``: the newest SQS SentTimestamp of the
    batch); bodies outside the schema are skipped. Returns lines per file
    (None: already covered)."""
    records = [{"body": body, "attributes": {"SentTimestamp": str(sent_at_ms)}
                if sent_at_ms is not None else {}} for body in message_bodies]
    return handle_log_records(records)
