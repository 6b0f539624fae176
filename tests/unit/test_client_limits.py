"""The per-client limit on new chat requests (chalicelib/chat/client_limits.py)."""

from __future__ import annotations

import re

import pytest

from chalicelib.chat import client_limits
from chalicelib.errors import ApiError

HANGUL = re.compile(r"[가-힣]")


@pytest.fixture(autouse=True)
def fresh():
    client_limits.reset()
    yield
    client_limits.reset()


def test_a_client_past_its_rate_gets_a_korean_429_and_others_do_not(configure):
    configure(REQUESTS_PER_MINUTE_PER_CLIENT="3")
    for _ in range(3):
        client_limits.admit("198.51.100.7", now=100.0)
    with pytest.raises(ApiError) as refused:
        client_limits.admit("198.51.100.7", now=100.0)
    assert (refused.value.status, refused.value.code) == (429, "TOO_MANY_REQUESTS")
    assert HANGUL.search(refused.value.message)
    assert refused.value.extra["retryAfterSeconds"] == 20  # 3 a minute: one every 20 s
    client_limits.admit("203.0.113.9", now=100.0)  # another client is not affected


def test_tokens_come_back_at_the_rate(configure):
    configure(REQUESTS_PER_MINUTE_PER_CLIENT="3")
    for _ in range(3):
        client_limits.admit("198.51.100.7", now=0.0)
    with pytest.raises(ApiError):
        client_limits.admit("198.51.100.7", now=19.0)
    client_limits.admit("198.51.100.7", now=20.5)  # 20 s per token; the refused try took none
    with pytest.raises(ApiError):
        client_limits.admit("198.51.100.7", now=21.0)


def test_zero_means_no_limit(configure):
    configure(REQUESTS_PER_MINUTE_PER_CLIENT="0")
    for _ in range(1000):
        client_limits.admit("198.51.100.7", now=0.0)


def test_a_flood_of_addresses_keeps_memory_bounded(configure, monkeypatch):
    configure(REQUESTS_PER_MINUTE_PER_CLIENT="1")
    monkeypatch.setattr(client_limits, "MAX_CLIENTS", 50)
    for i in range(500):
        client_limits.admit(f"10.0.{i // 256}.{i % 256}", now=0.0)
    assert len(client_limits._buckets) == 50


def test_the_setting_is_a_whole_number(configure):
    with pytest.raises(Exception, match="REQUESTS_PER_MINUTE_PER_CLIENT|whole number"):
        configure(REQUESTS_PER_MINUTE_PER_CLIENT="many")
