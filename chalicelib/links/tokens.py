"""The signed link token: a fixed 36-byte record, base64url (48 characters).

Layout (version 2)::

    offset  size  field
    0       4     expiry, epoch seconds, unsigned big-endian
    4       16    request id, its 16 raw bytes (ids are base64url of 16 bytes)
    20      16    tag: HMAC-SHA256(secret, DOMAIN || scope code || the 20 bytes above)[:16]

Why so bare: the link rides in a Korean SMS that must fit two UCS-2 segments
(134 characters) with the text around it, and the deployed base URL is the
HTTP API's own (``https://<id>.execute-api.<region>.amazonaws.com``, 59
characters). 59 + ``/r/`` + 48 leaves 24 characters of text. Version 1 also
carried a version byte, the key id (1-8), a scope byte and the partner id
(1-16 bytes): up to 86 characters, which no longer fit. What left the token
is still checked:

- the key id: every configured key is tried (one or two during a rotation);
- the scope: it is bound by the MAC, and every known scope is tried, so a
  token made for another purpose is still told apart (WRONG_SCOPE);
- the partner id: the token names the request, and a request's partner is
  written once at intake and never changes, so "this request's partner" is
  exactly who the link was sent to; the answer's writes check the request.

The tag is HMAC-SHA256 truncated to 128 bits. RFC 2104 section 5 allows
truncating an HMAC to the leftmost bits as long as at least half the hash
output (here 128 of 256 bits) is kept; 2^-128 forgery odds per try are far
beyond what an online attacker can spend against a 10-minute link.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from enum import Enum

from chalicelib.links.keys import Key, KeyRing

VERSION = 2
TAG_BYTES = 16
REQUEST_ID_BYTES = 16
BODY_BYTES = 4 + REQUEST_ID_BYTES
TOKEN_BYTES = BODY_BYTES + TAG_BYTES
TOKEN_CHARS = 48  # 36 bytes, a multiple of 3: base64url without padding or slack
# Anything longer is refused before decoding (routes take the path as given).
MAX_TOKEN_CHARS = 120
# Domain separation: a MAC made with the same key for anything else can never
# be passed off as a link token (the version is part of it).
DOMAIN = b"partnerline/link/v2\x00"
SCOPES = {"confirm": 1}
CONFIRM = "confirm"


class Outcome(Enum):
    OK = "ok"
    BAD = "bad"                  # unreadable, unknown key, or the tag does not match
    EXPIRED = "expired"          # authentic, but past its expiry
    WRONG_SCOPE = "wrong_scope"  # authentic, but made for another purpose


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    # Set only when the tag verified (OK, EXPIRED, WRONG_SCOPE): safe to act on.
    request_id: str | None = None
    expires_at: int | None = None
    # What an unauthenticated token *claims* (BAD tokens that still parse):
    # good enough to note a Failed event on an existing request, never to act.
    claimed_request_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def known_request_id(self) -> str | None:
        return self.request_id or self.claimed_request_id


def request_id_bytes(request_id: str) -> bytes:
    """The 16 raw bytes of a request id (base64url of 16 bytes, 22 characters)."""
    if not isinstance(request_id, str) or len(request_id) != 22:
        raise ValueError("request id must be 22 base64url characters")
    try:
        raw = base64.urlsafe_b64decode(request_id + "==")
    except (binascii.Error, ValueError) as exc:
        raise ValueError("request id is not base64url") from exc
    if len(raw) != REQUEST_ID_BYTES or _b64(raw) != request_id:
        raise ValueError("request id is not the base64url of 16 bytes")
    return raw


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _tag(key: Key, scope_code: int, body: bytes) -> bytes:
    message = DOMAIN + bytes([scope_code]) + body
    return hmac.new(key.secret, message, hashlib.sha256).digest()[:TAG_BYTES]


def seal(key: Key, request_id: str, expires_at: int,
         scope_code: int = SCOPES[CONFIRM]) -> str:
    """Build and sign a token. Raises ValueError for values the layout cannot hold."""
    rid = request_id_bytes(request_id)
    if not 0 <= expires_at < 2**32 or not 0 <= scope_code < 256:
        raise ValueError("expiry or scope out of range")
    body = struct.pack(">I", expires_at) + rid
    return _b64(body + _tag(key, scope_code, body))


def _parse(token: str) -> tuple[bytes, bytes] | None:
    """(body, tag), or None for anything that is not exactly a v2 token."""
    if not isinstance(token, str) or len(token) != TOKEN_CHARS or not token.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError):
        return None
    # Only the canonical spelling (no '+', '/' or padding tricks): no second
    # string maps onto the same token.
    if len(raw) != TOKEN_BYTES or _b64(raw) != token:
        return None
    return raw[:BODY_BYTES], raw[BODY_BYTES:]


def open_token(ring: KeyRing, token: str, now: int) -> Verdict:
    parsed = _parse(token)
    if parsed is None:
        return Verdict(Outcome.BAD)
    body, tag = parsed
    (expires_at,) = struct.unpack_from(">I", body)
    request_id = _b64(body[4:])
    scope_found = None
    # Every key, every scope, compared in constant time; all are tried so the
    # time taken does not say which one matched.
    for key in ring.by_kid.values():
        for code in SCOPES.values():
            if hmac.compare_digest(_tag(key, code, body), tag):
                scope_found = code
    if scope_found is None:
        return Verdict(Outcome.BAD, claimed_request_id=request_id)
    known = {"request_id": request_id, "expires_at": expires_at}
    if scope_found != SCOPES[CONFIRM]:
        return Verdict(Outcome.WRONG_SCOPE, **known)
    if now >= expires_at:
        return Verdict(Outcome.EXPIRED, **known)
    return Verdict(Outcome.OK, **known)
