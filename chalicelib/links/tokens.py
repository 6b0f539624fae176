"""The signed link token: a compact binary record, base64url without padding.

Layout (version 1), every field fixed or length-prefixed so parsing is exact::

    offset  size      field
    0       1         version (1)
    1       1         length of the key id (1-8)
    2       n         key id (ASCII)        -- which key signed: keys can rotate
    .       4         expiry, epoch seconds, unsigned big-endian
    .       1         scope code (1 = "confirm")
    .       16        request id, its 16 raw bytes (ids are base64url of 16 bytes)
    .       1         length of the partner id (1-16)
    .       m         partner id (UTF-8)
    .       16        tag: HMAC-SHA256(secret, DOMAIN || all of the above)[:16]

Why binary and not JSON+base64: the link rides in a Korean SMS that must fit
two UCS-2 segments (134 characters) with the text around it; JSON with field
names would take ~150 characters on its own. A typical token is 62 characters,
the largest this format allows 86.

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

from chalicelib.links.keys import KID_PATTERN, Key, KeyRing

VERSION = 1
TAG_BYTES = 16
REQUEST_ID_BYTES = 16
MAX_PARTNER_ID_BYTES = 16
MAX_TOKEN_CHARS = 120
# Domain separation: a MAC made with the same key for anything else can never
# be passed off as a link token.
DOMAIN = b"partnerline/link/v1\x00"
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
    partner_id: str | None = None
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


def _tag(key: Key, body: bytes) -> bytes:
    return hmac.new(key.secret, DOMAIN + body, hashlib.sha256).digest()[:TAG_BYTES]


def seal(key: Key, request_id: str, partner_id: str, expires_at: int,
         scope_code: int = SCOPES[CONFIRM]) -> str:
    """Build and sign a token. Raises ValueError for values the layout cannot hold."""
    rid = request_id_bytes(request_id)
    pid = (partner_id or "").encode("utf-8")
    if not 1 <= len(pid) <= MAX_PARTNER_ID_BYTES:
        raise ValueError(f"partner id must be 1-{MAX_PARTNER_ID_BYTES} bytes")
    kid = key.kid.encode("ascii")
    if not KID_PATTERN.match(key.kid):
        raise ValueError("bad key id")
    if not 0 <= expires_at < 2**32 or not 0 <= scope_code < 256:
        raise ValueError("expiry or scope out of range")
    body = (bytes([VERSION, len(kid)]) + kid + struct.pack(">IB", expires_at, scope_code)
            + rid + bytes([len(pid)]) + pid)
    return _b64(body + _tag(key, body))


@dataclass(frozen=True)
class _Parsed:
    kid: str
    expires_at: int
    scope_code: int
    request_id: str
    partner_id: str
    body: bytes
    tag: bytes


def _parse(token: str) -> _Parsed | None:
    """Strict structural parse; None for anything that is not exactly a v1 token."""
    if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN_CHARS:
        return None
    if not token.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    # base64 leaves slack in the last character's low bits: only the canonical
    # spelling is accepted, so no second string maps onto the same token.
    if _b64(raw) != token:
        return None
    try:
        if raw[0] != VERSION:
            return None
        kid_len = raw[1]
        pos = 2
        kid = raw[pos:pos + kid_len].decode("ascii")
        pos += kid_len
        if not KID_PATTERN.match(kid) or len(kid) != kid_len:
            return None
        expires_at, scope_code = struct.unpack_from(">IB", raw, pos)
        pos += 5
        rid = raw[pos:pos + REQUEST_ID_BYTES]
        pos += REQUEST_ID_BYTES
        pid_len = raw[pos]
        pos += 1
        pid = raw[pos:pos + pid_len].decode("utf-8")
        pos += pid_len
    except (IndexError, struct.error, UnicodeDecodeError):
        return None
    if (len(rid) != REQUEST_ID_BYTES or not 1 <= pid_len <= MAX_PARTNER_ID_BYTES
            or len(raw) != pos + TAG_BYTES):
        return None
    return _Parsed(kid, expires_at, scope_code, _b64(rid), pid, raw[:pos], raw[pos:])


def open_token(ring: KeyRing, token: str, now: int) -> Verdict:
    parsed = _parse(token)
    if parsed is None:
        return Verdict(Outcome.BAD)
    key = ring.find(parsed.kid)
    if key is None or not hmac.compare_digest(_tag(key, parsed.body), parsed.tag):
        return Verdict(Outcome.BAD, claimed_request_id=parsed.request_id)
    known = {"request_id": parsed.request_id, "partner_id": parsed.partner_id,
             "expires_at": parsed.expires_at}
    if parsed.scope_code != SCOPES[CONFIRM]:
        return Verdict(Outcome.WRONG_SCOPE, **known)
    if now >= parsed.expires_at:
        return Verdict(Outcome.EXPIRED, **known)
    return Verdict(Outcome.OK, **known)
