"""Test arrangement: put a request in a given state directly, without a
lifecycle operation (tests of what happens *from* that state)."""

from __future__ import annotations

from typing import Any

from chalicelib import lifecycle
from chalicelib.lifecycle.change import Change


def arrange(request_id: str, *, status: str | None = None, event_type: str | None = None,
            fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """Set ``status`` and ``fields`` and append ``event_type``, unconditionally
    (the request must exist); the request after."""
    all_fields = dict(fields or {})
    if status:
        all_fields["status"] = status
    events = (lifecycle.event(event_type),) if event_type else ()
    done = lifecycle.requests().store.apply(request_id, Change(fields=all_fields, events=events))
    assert done, f"no request {request_id}"
    return done.item or {}
