"""The signed link token: round trip, and nothing but the genuine article passes."""

from __future__ import annotations

import base64
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import links
from chalicelib.links import keys, tokens
from chalicelib.links.tokens import Outcome

NOW = 1_900_000_000
B64URL = string.ascii_letters + string.digits + "-_"

RING = keys.parse("k1:" + "s" * 32)
OTHER_SECRET = keys.parse("k1:" + "x" * 32)  # same kid, another secret

request_ids = st.binary(min_size=16, max_size=16).map(
    lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
ttls = st.integers(min_value=1, max_value=10_000)


def seal(request_id="AAAAAAAAAAAAAAAAAAAAAA", exp=NOW + 600, ring=RING, scope=1):
    return tokens.seal(ring.signing, request_id, exp, scope)


@given(request_ids, ttls)
def test_round_trip(request_id, ttl):
    token = seal(request_id, NOW + ttl)
    verdict = tokens.open_token(RING, token, NOW)
    assert verdict.outcome is Outcome.OK
    assert (verdict.request_id, verdict.expires_at) == (request_id, NOW + ttl)
    assert set(token) <= set(B64URL) and len(token) == tokens.TOKEN_CHARS


@given(request_ids, st.data())
def test_any_changed_character_is_refused(request_id, data):
    token = seal(request_id)
    i = data.draw(st.integers(0, len(token) - 1))
    other = data.draw(st.sampled_from(B64URL).filter(lambda c: c != token[i]))
    assert tokens.open_token(RING, token[:i] + other + token[i + 1:], NOW).outcome is Outcome.BAD


@given(request_ids, st.data())
def test_any_flipped_bit_is_refused(request_id, data):
    raw = bytearray(base64.urlsafe_b64decode(seal(request_id)))
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= 1 << data.draw(st.integers(0, 7))
    mutated = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert tokens.open_token(RING, mutated, NOW).outcome is Outcome.BAD


@given(request_ids, st.data())
def test_truncated_is_refused(request_id, data):
    token = seal(request_id)
    cut = data.draw(st.integers(0, len(token) - 1))
    assert tokens.open_token(RING, token[:cut], NOW).outcome is Outcome.BAD


@given(request_ids, st.text(alphabet=B64URL + "=.~ %", min_size=1, max_size=40))
def test_extended_is_refused(request_id, tail):
    token = seal(request_id)
    assert tokens.open_token(RING, token + tail, NOW).outcome is Outcome.BAD


@given(request_ids)
def test_resigned_with_another_key_is_refused(request_id):
    forged = seal(request_id, ring=OTHER_SECRET)
    verdict = tokens.open_token(RING, forged, NOW)
    assert verdict.outcome is Outcome.BAD
    assert verdict.request_id is None  # nothing authenticated to act on
    assert verdict.claimed_request_id == request_id


def test_a_key_not_in_the_ring_is_refused_whatever_its_id():
    ring = keys.parse("a1:" + "a" * 32 + ",b1:" + "b" * 32)
    stranger = keys.parse("a1:" + "z" * 32)  # a known kid, another secret
    assert tokens.open_token(ring, seal(ring=stranger), NOW).outcome is Outcome.BAD
    # Either key of the ring verifies (the key id is not in the token).
    by_b = keys.parse("b1:" + "b" * 32)
    assert tokens.open_token(ring, seal(ring=by_b), NOW).outcome is Outcome.OK


@given(request_ids, st.integers(0, 10**6))
def test_expired_is_refused_but_names_its_request(request_id, late):
    token = seal(request_id, exp=NOW)
    verdict = tokens.open_token(RING, token, NOW + late)
    assert verdict.outcome is Outcome.EXPIRED
    assert verdict.request_id == request_id


@given(request_ids, st.integers(0, 255).filter(lambda c: c != 1))
def test_foreign_scope_is_told_apart_when_known_else_refused(request_id, scope):
    token = seal(request_id, scope=scope)
    assert tokens.open_token(RING, token, NOW).outcome is Outcome.BAD
    known = {**tokens.SCOPES, "other": scope}
    saved = tokens.SCOPES
    tokens.SCOPES = known
    try:
        verdict = tokens.open_token(RING, token, NOW)
    finally:
        tokens.SCOPES = saved
    assert verdict.outcome is Outcome.WRONG_SCOPE
    assert verdict.request_id == request_id


@settings(max_examples=300)
@given(st.text(max_size=130))
def test_arbitrary_text_is_refused(text):
    assert tokens.open_token(RING, text, NOW).outcome is Outcome.BAD


@given(st.binary(min_size=tokens.TOKEN_BYTES, max_size=tokens.TOKEN_BYTES))
def test_random_tokens_of_the_right_shape_are_refused(raw):
    token = base64.urlsafe_b64encode(raw).decode()
    assert len(token) == tokens.TOKEN_CHARS
    assert tokens.open_token(RING, token, NOW).outcome is Outcome.BAD


def test_non_canonical_base64_is_refused():
    token = seal()
    padded = token + "=="  # decodes to the same bytes
    assert base64.urlsafe_b64decode(padded) == base64.urlsafe_b64decode(token)
    assert tokens.open_token(RING, padded, NOW).outcome is Outcome.BAD
    standard = base64.b64encode(base64.urlsafe_b64decode(token)).decode()
    if standard != token:  # '+' or '/' spelling of the same bytes
        assert tokens.open_token(RING, standard, NOW).outcome is Outcome.BAD


def test_rotation_new_key_signs_old_key_still_verifies(monkeypatch):
    old_secret, new_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    monkeypatch.setenv("LINK_SIGNING_KEYS", f"old:{old_secret}")
    old_token, _ = links.issue("AAAAAAAAAAAAAAAAAAAAAA")
    monkeypatch.setenv("LINK_SIGNING_KEYS", f"new:{new_secret},old:{old_secret}")
    assert links.verify(old_token).ok
    new_token, _ = links.issue("AAAAAAAAAAAAAAAAAAAAAA")
    assert links.verify(new_token).ok
    monkeypatch.setenv("LINK_SIGNING_KEYS", f"new:{new_secret}")  # old key retired
    assert links.verify(old_token).outcome is Outcome.BAD
    assert links.verify(new_token).ok


def test_issue_uses_the_configured_ttl(configure):
    configure(LINK_TTL_SECONDS="600")
    token, exp = links.issue("AAAAAAAAAAAAAAAAAAAAAA", now=NOW)
    assert exp == NOW + 600
    assert links.verify(token, now=NOW + 599).ok
    assert links.verify(token, now=NOW + 600).outcome is Outcome.EXPIRED


@pytest.mark.parametrize("value", ["", "nokey", "k1:short", "toolongkid:" + "s" * 32,
                                   "k1:" + "s" * 32 + ",k1:" + "t" * 32, "k 1:" + "s" * 32])
def test_bad_key_configuration_is_refused_without_showing_the_secret(value):
    with pytest.raises(keys.KeyConfigError) as err:
        keys.parse(value)
    assert "s" * 16 not in str(err.value)


def test_key_repr_hides_the_secret():
    assert "s" * 8 not in repr(RING.signing) and "s" * 8 not in repr(RING)


def test_values_the_layout_cannot_hold_are_refused():
    with pytest.raises(ValueError):
        seal(request_id="not-a-request-id")
    with pytest.raises(ValueError):
        seal(exp=2**32)
    with pytest.raises(ValueError):
        seal(scope=256)


def test_token_is_48_characters_and_keeps_a_128_bit_tag():
    token = seal()
    longest = tokens.seal(keys.parse("k1234567:" + "s" * 32).signing,
                          "_" * 21 + "w", 2**32 - 1)
    assert len(token) == len(longest) == tokens.TOKEN_CHARS == 48
    raw = base64.urlsafe_b64decode(token)
    assert tokens.TAG_BYTES * 8 >= 128 and len(raw) - tokens.BODY_BYTES == tokens.TAG_BYTES
