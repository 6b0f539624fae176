"""Personal data leaves when its purpose ends (Korea's PIPA: destruction
without delay), on a schedule: the ``erase_personal_data`` function
(``@app.schedule``, hourly) runs `sweep`, which erases

- requests' phones, names and texts ``PERSONAL_DATA_RETENTION_DAYS`` after
  they ended (``requests``), keeping id, status, intent and times for the
  statistics;
- registrations' phones ``EVENT_RETENTION_DAYS`` after the event closed
  (``registrations``); the log file is rebuilt without them by the stream.

Each run is bounded (``LIMIT`` items looked at per kind, and it stops while
the invocation still has time) and resumable: what it erased leaves the
places the next run reads, so the next run goes on where this one stopped.
Every erasure is a conditional write, so a repeated or overlapping run
changes nothing twice. docs/privacy.md says what is kept, how long and why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.retention import registrations, requests

LIMIT = 1000
# Stop starting erasures when less than this is left of the invocation.
MARGIN_MS = 2000


def sweep(now: datetime | None = None, limit: int = LIMIT,
          remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    """One run of the schedule; returns what it did (counts, no personal data)."""

    def time_left() -> bool:
        return remaining_ms is None or remaining_ms() > MARGIN_MS

    done_requests = requests.erase_due(now, limit, time_left)
    done_registrations = registrations.erase_due(None, now, limit, time_left)
    return {
        "requests": {"erased": len(done_requests.erased), "open": done_requests.open,
                     "changed": done_requests.changed, "more": done_requests.more},
        "registrations": {"eventId": done_registrations.event_id,
                          "closedAt": done_registrations.closed_at,
                          "dueAt": done_registrations.due_at,
                          "erased": len(done_registrations.erased),
                          "more": done_registrations.more},
    }


__all__ = ["LIMIT", "registrations", "requests", "sweep"]
