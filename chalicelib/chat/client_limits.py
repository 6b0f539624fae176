"""A per-client limit on new chat requests (``POST /api/requests``).

Each client (its source IP as API Gateway or `chalice local` saw it; never a
header the client writes) has a token bucket: ``REQUESTS_PER_MINUTE_PER_CLIENT``
tokens, refilled at that rate; a request takes one, and a client with none left
gets a Korean 429 and writes nothing. It caps how fast one client can probe
reservation numbers (each probe would otherwise write a Failed request).

The buckets live in the process: exact for `make run` (one process), a
per-container bound in Lambda, where API Gateway's stage throttling
(provision/http_api.py) is the limit that holds across containers; see
docs/partner-confirmation.md (Abuse) for what AWS offers per client.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from chalicelib import settings
from chalicelib.errors import ApiError

TOO_MANY = "요청이 너무 많아요. 잠시 후 다시 시도해 주세요."
# Clients remembered at once; the least recently seen is forgotten first, so
# a flood of addresses cannot grow the process's memory without bound.
MAX_CLIENTS = 10_000

_lock = threading.Lock()
_buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)


def admit(client: str, now: float | None = None) -> None:
    """Take a token for ``client`` or raise the 429 (nothing else happens)."""
    per_minute = settings.current().requests_per_minute_per_client
    if per_minute <= 0:
        return
    now = time.monotonic() if now is None else now
    capacity = float(per_minute)
    with _lock:
        tokens, at = _buckets.pop(client, (capacity, now))
        tokens = min(capacity, tokens + (now - at) * per_minute / 60.0)
        allowed = tokens >= 1.0
        _buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        while len(_buckets) > MAX_CLIENTS:
            _buckets.popitem(last=False)
    if not allowed:
        wait = max(1, int((1.0 - tokens) * 60.0 / per_minute + 0.999))
        raise ApiError(429, "TOO_MANY_REQUESTS", TOO_MANY, retryAfterSeconds=wait)


def reset() -> None:
    with _lock:
        _buckets.clear()
