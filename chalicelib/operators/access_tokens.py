"""Verifying an operator's Cognito access token (a JWT signed RS256).

Why our own verifier and not a library: the Lambda package is pure Python
(requirements.txt), and the pure-Python options either need a native
``cryptography`` for RS256 (PyJWT, joserfc) or, like ``rsa``'s
``pkcs1.verify``, guess the hash from the signature block (a SHA-1 block
would pass for an ``RS256`` token unless the caller re-checks). RS256
verification is small when done the way RFC 8017 (8.2.2, and the note under
9.2) recommends: compute ``s^e mod n`` with Python's ``pow`` and compare the
*whole* result with the one encoded message block the token must have signed
(``00 01 FF..FF 00 || DigestInfo(SHA-256) || H``) -- nothing of the block is
parsed, so the known PKCS#1 v1.5 forgeries (garbage after the hash, short
padding, other digest algorithms) have nothing to hide in.

Everything else is refused strictly before any key is looked at: three
base64url parts, a JSON object header whose ``alg`` is exactly ``RS256`` and
no ``crit``, a known ``kid``, keys of at least 2048 bits with e = 65537. The
claims are then held to the pool (``iss``), the app client (``client_id``),
``token_use = access`` and the expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any

MAX_TOKEN_CHARS = 8192
MIN_KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
# DER of DigestInfo{ sha256, NULL } up to the 32-byte hash (RFC 8017, 9.2 note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
# A token issued a little "in the future" by a clock ahead of ours still works.
CLOCK_SKEW_SECONDS = 60
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


class InvalidToken(Exception):
    """Why a token was refused (for the log; the caller only hears 401)."""


@dataclass(frozen=True)
class PublicKey:
    n: int
    e: int

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8


@dataclass(frozen=True)
class Claims:
    username: str
    groups: tuple[str, ...]
    expires_at: int
    raw: dict[str, Any]


def b64url_decode(part: str) -> bytes:
    if not part or not _B64URL.match(part):
        raise InvalidToken("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def key_from_jwk(jwk: dict[str, Any]) -> PublicKey | None:
    """An RSA signing key of a JWKS, or None when it is not one we accept."""
    if jwk.get("kty") != "RSA" or jwk.get("alg", "RS256") != "RS256" \
            or jwk.get("use", "sig") != "sig":
        return None
    try:
        n = int.from_bytes(b64url_decode(str(jwk.get("n", ""))), "big")
        e = int.from_bytes(b64url_decode(str(jwk.get("e", ""))), "big")
    except (InvalidToken, ValueError):
        return None
    if e != PUBLIC_EXPONENT or n.bit_length() < MIN_KEY_BITS:
        return None
    return PublicKey(n, e)


def encoded_message(signing_input: bytes, size: int) -> bytes:
    """EMSA-PKCS1-v1_5 of the input with SHA-256, ``size`` bytes long."""
    t = SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    return b"\x00\x01" + b"\xff" * (size - len(t) - 3) + b"\x00" + t


def rs256_valid(signing_input: bytes, signature: bytes, key: PublicKey) -> bool:
    size = key.size
    if len(signature) != size:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    em = pow(s, key.e, key.n).to_bytes(size, "big")
    return hmac.compare_digest(em, encoded_message(signing_input, size))


def header_of(token: str) -> dict[str, Any]:
    """The token's header, checked for shape and algorithm (no key needed)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise InvalidToken("not a JWS compact token")
    try:
        header = json.loads(b64url_decode(token.split(".", 1)[0]))
    except ValueError as exc:
        raise InvalidToken("header is not JSON") from exc
    if not isinstance(header, dict):
        raise InvalidToken("header is not an object")
    if header.get("alg") != "RS256":
        raise InvalidToken(f"alg {str(header.get('alg'))[:20]!r} refused")
    if "crit" in header:
        raise InvalidToken("crit header refused")
    if header.get("typ", "JWT") not in ("JWT", "at+jwt"):
        raise InvalidToken("typ refused")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise InvalidToken("no kid")
    return header


def verify(token: str, key: PublicKey, issuer: str, client_id: str,
           now: float | None = None) -> Claims:
    """The token's claims once its signature and every claim check out."""
    header_of(token)
    head, payload_part, signature_part = token.split(".")
    signature = b64url_decode(signature_part)
    if not rs256_valid(f"{head}.{payload_part}".encode("ascii"), signature, key):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(b64url_decode(payload_part))
    except ValueError as exc:
        raise InvalidToken("payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise InvalidToken("payload is not an object")
    now = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise InvalidToken("another issuer")
    if claims.get("token_use") != "access":
        raise InvalidToken("not an access token")
    if claims.get("client_id") != client_id:
        raise InvalidToken("another client")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or isinstance(exp, bool) or exp <= now:
        raise InvalidToken("expired")
    if iat is not None and (not isinstance(iat, int) or iat > now + CLOCK_SKEW_SECONDS):
        raise InvalidToken("issued in the future")
    username = claims.get("username")
    if not isinstance(username, str) or not username.strip():
        raise InvalidToken("no username")
    groups = claims.get("cognito:groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise InvalidToken("groups malformed")
    return Claims(username=username, groups=tuple(groups), expires_at=exp, raw=claims)
