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


def customer_token(request_id: str) -> str:
    """The customer token a test gives a request it arranges itself."""
    return "customer-of-" + request_id


def customer_token_fields(request_id: str) -> dict[str, str]:
    from chalicelib.chat import customer_token as tokens

    return {tokens.FIELD: tokens.digest(customer_token(request_id))}


def customer_headers(request_id: str, **more: str) -> dict[str, str]:
    """What the customer's chat sends to read or answer ``request_id``."""
    return {"X-Customer-Token": customer_token(request_id), **more}
