"""The customer's own secret for one request (contract section 3).

``POST /api/requests`` answers it once, as ``customerToken``; the chat keeps it
with the conversation and sends it as ``X-Customer-Token`` to read the request
(``GET /api/requests/{id}``) and to answer a proposed time (``/reply``). The
request id alone opens nothing: it travels in the partner's link token, in
operators' screens and in logs, so whoever holds it is not the customer.

192 random bits, so a hash needs no salt or stretching: the request item keeps
only its SHA-256 (``customerTokenHash``), and a copy of the table reveals no
token. It never goes into an SMS, a link, a log, the dashboard or an export.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

HEADER = "X-Customer-Token"
FIELD = "customerTokenHash"
TOKEN_BYTES = 24  # 192 bits (the contract asks for at least 128)
MAX_CHARS = 128


def new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(item: dict[str, Any] | None, token: str | None) -> bool:
    """Does ``token`` open ``item``? Compared in constant time; an item made
    without a token (before tokens existed) is opened by none."""
    if not item or not isinstance(token, str) or not 0 < len(token) <= MAX_CHARS:
        return False
    stored = item.get(FIELD)
    if not isinstance(stored, str) or not stored:
        return False
    return hmac.compare_digest(digest(token), stored)
