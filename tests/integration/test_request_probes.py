"""Probing reservation numbers: a per-client limit on POST /api/requests (429,
nothing written), and the Failed requests that lookups leave behind expire."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib import clock, lifecycle
from chalicelib.chat import client_limits, intake

pytestmark = pytest.mark.stack

HANGUL = re.compile(r"[가-힣]")
JSON = {"Content-Type": "application/json"}


def probe(client, number: str):
    return client.http.post("/api/requests", headers=JSON, body=json.dumps(
        {"text": "예약 변경하고 싶어요", "customerPhone": "010-9999-0000",
         "reservationNumber": number}))


def request_ids() -> set[str]:
    return {i["requestId"] for i in lifecycle.list_recent(limit=10_000)}


@pytest.fixture
def limited(configure):
    client_limits.reset()
    configure(REQUESTS_PER_MINUTE_PER_CLIENT="2")
    yield
    client_limits.reset()


def test_a_client_past_its_rate_is_refused_with_a_korean_429_and_writes_nothing(client,
                                                                                 limited):
    before = request_ids()
    answers = [probe(client, f"ZZ{900000 + i}") for i in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 429, 429]
    refused = answers[2].json_body
    assert refused["code"] == "TOO_MANY_REQUESTS" and HANGUL.search(refused["message"])
    assert "requestId" not in refused
    made = request_ids() - before
    assert made == {a.json_body["requestId"] for a in answers[:2]}  # the contract: Failed, with id


def test_a_failed_lookup_is_failed_with_its_id_and_expires(client, stack_env):
    client_limits.reset()
    answer = probe(client, "ZZ123456789")
    assert answer.status_code == 404 and answer.json_body["code"] == "RESERVATION_NOT_FOUND"
    item = lifecycle.get(answer.json_body["requestId"])
    assert item["status"] == "Failed"
    ttl = item["expiresAt"] - clock.epoch()
    assert intake.FAILED_LOOKUP_TTL_SECONDS - 60 < ttl <= intake.FAILED_LOOKUP_TTL_SECONDS
