"""The RS256 verifier (chalicelib/operators/access_tokens.py) on its own.

Tokens are signed here with the emulator's own key pair (moto signs every
pool's tokens with the RSA key it ships, private half included), by plain
``pow``: so a test can sign exactly the block it wants -- a correct one, or
the known PKCS#1 v1.5 forgery shapes -- and see the verifier refuse each."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path

import moto
import pytest

from chalicelib.operators import access_tokens as at

_KEYS = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
PRIVATE = json.loads(gzip.open(_KEYS).read())
N = int.from_bytes(at.b64url_decode(PRIVATE["n"]), "big")
D = int.from_bytes(at.b64url_decode(PRIVATE["d"]), "big")
KEY = at.PublicKey(N, 65537)
ISSUER = "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_pool"
CLIENT = "client123"
NOW = 1_800_000_000


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def claims(**changes):
    base = {"iss": ISSUER, "client_id": CLIENT, "token_use": "access", "username": "kim",
            "cognito:groups": ["operator"], "iat": NOW - 10, "exp": NOW + 900}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign_block(block: bytes) -> bytes:
    return pow(int.from_bytes(block, "big"), D, N).to_bytes(KEY.size, "big")


def token(body=None, header=None, block=None) -> str:
    head = b64(json.dumps(header or {"alg": "RS256", "kid": "dummy"}).encode())
    payload = b64(json.dumps(body if body is not None else claims()).encode())
    signing_input = f"{head}.{payload}".encode()
    em = block(signing_input) if block else at.encoded_message(signing_input, KEY.size)
    return f"{head}.{payload}.{b64(sign_block(em))}"


def verify(tok: str):
    return at.verify(tok, KEY, ISSUER, CLIENT, now=NOW)


def test_a_proper_token_verifies():
    got = verify(token())
    assert got.username == "kim" and got.groups == ("operator",)


@pytest.mark.parametrize("change", [
    {"iss": ISSUER.replace("_pool", "_other")},
    {"client_id": "another-client"},
    {"token_use": "id"},
    {"exp": NOW},            # expired this very second
    {"exp": NOW - 1},
    {"exp": str(NOW + 900)},
    {"exp": None},
    {"iat": NOW + 3600},     # issued an hour from now
    {"username": ""},
    {"username": None},
    {"cognito:groups": "admin"},
])
def test_each_claim_is_held(change):
    with pytest.raises(at.InvalidToken):
        verify(token(claims(**change)))


@pytest.mark.parametrize("header", [
    {"alg": "none", "kid": "dummy"},
    {"alg": "HS256", "kid": "dummy"},
    {"alg": "RS512", "kid": "dummy"},
    {"alg": "rs256", "kid": "dummy"},
    {"alg": "RS256"},                              # no kid
    {"alg": "RS256", "kid": "dummy", "crit": ["exp"]},
    {"alg": "RS256", "kid": "dummy", "typ": "JWE"},
])
def test_headers_are_strict(header):
    with pytest.raises(at.InvalidToken):
        verify(token(header=header))


def _digest_info_block(signing_input: bytes, prefix: bytes, digest: bytes,
                       suffix: bytes = b"", pad: int | None = None) -> bytes:
    t = prefix + digest + suffix
    pad = KEY.size - len(t) - 3 if pad is None else pad
    block = b"\x00\x01" + b"\xff" * pad + b"\x00" + t
    return block + b"\x00" * (KEY.size - len(block))


SHA1_INFO = bytes.fromhex("3021300906052b0e03021a05000414")


@pytest.mark.parametrize("forge", [
    # A SHA-1 block for a token claiming RS256 (a verifier that reads the
    # DigestInfo to pick the hash would accept it).
    lambda m: _digest_info_block(m, SHA1_INFO, hashlib.sha1(m).digest()),
    # Garbage after the hash, with padding short by as much (Bleichenbacher 2006).
    lambda m: _digest_info_block(m, at.SHA256_DIGEST_INFO, hashlib.sha256(m).digest(),
                                 suffix=b"\x13" * 40, pad=KEY.size - 19 - 32 - 40 - 3),
    # Padding of 8 bytes, then the hash, then zeros.
    lambda m: _digest_info_block(m, at.SHA256_DIGEST_INFO, hashlib.sha256(m).digest(), pad=8),
    # Block type 2 (encryption padding) instead of 1.
    lambda m: b"\x00\x02" + at.encoded_message(m, KEY.size)[2:],
])
def test_malformed_signature_blocks_are_refused(forge):
    with pytest.raises(at.InvalidToken):
        verify(token(block=forge))


def test_signature_length_and_range_are_held():
    head, payload, signature = token().split(".")
    raw = at.b64url_decode(signature)
    for bad in (b"\x00" + raw, raw[1:], (N + 1).to_bytes(KEY.size, "big"), b""):
        with pytest.raises(at.InvalidToken):
            verify(f"{head}.{payload}.{b64(bad)}")


def test_changed_claims_under_a_real_signature_are_refused():
    head, _, signature = token().split(".")
    payload = b64(json.dumps(claims(**{"cognito:groups": ["admin"]})).encode())
    with pytest.raises(at.InvalidToken):
        verify(f"{head}.{payload}.{signature}")


@pytest.mark.parametrize("jwk", [
    {"kty": "RSA", "n": PRIVATE["n"], "e": "Aw"},                     # e = 3
    {"kty": "RSA", "n": b64((2 ** 1023 + 1).to_bytes(128, "big")), "e": "AQAB"},  # 1024 bits
    {"kty": "EC", "n": PRIVATE["n"], "e": "AQAB"},
    {"kty": "RSA", "n": PRIVATE["n"], "e": "AQAB", "use": "enc"},
])
def test_weak_or_foreign_keys_are_not_taken(jwk):
    assert at.key_from_jwk(jwk) is None
    assert at.key_from_jwk({"kty": "RSA", "n": PRIVATE["n"], "e": "AQAB"}) == KEY


@pytest.mark.parametrize("raw", ["", "a.b", "a.b.c.d", "x" * 9000, "a b.c.d", "ä.b.c"])
def test_shapes_that_are_not_tokens(raw):
    with pytest.raises(at.InvalidToken):
        at.header_of(raw)
