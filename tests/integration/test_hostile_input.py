"""Hostile bodies on the JSON and form routes: a Korean 400 within 3 s, and
nothing written."""

from __future__ import annotations

import json
import time

import pytest

from chalicelib import lifecycle, links, partner, safe_json
from tests.integration import partner_support as ps

pytestmark = pytest.mark.stack

LIMIT_SECONDS = 3.0
GOOD = {"text": "체크인 시간을 오후 5시로 바꾸고 싶어요", "customerPhone": "010-1234-5678",
        "reservationNumber": "RS-2025110301"}

HOSTILE = {
    "deep": b"[" * 50_000 + b"]" * 50_000,
    "deep_object": ('{"text":' * 5000 + '"x"' + "}" * 5000).encode(),
    "huge": json.dumps({**GOOD, "pad": "가" * 400_000}, ensure_ascii=False).encode(),
    "lone_surrogate": json.dumps({**GOOD, "text": "\ud800 예약 변경"}).encode(),
    "surrogate_key": b'{"\\udfff": 1, "text": "x", "customerPhone": "01012345678"}',
    "not_utf8": b'{"text": "\xff\xfe", "customerPhone": "01012345678"}',
    "nan": b'{"text": NaN, "customerPhone": "01012345678"}',
}


def request_count() -> int:
    return len(lifecycle.list_recent(1000))


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_json_gets_a_korean_400_quickly_and_writes_nothing(client, stack_env, kind):
    before = request_count()
    started = time.monotonic()
    answer = client.http.post("/api/requests", headers={"Content-Type": "application/json"},
                              body=HOSTILE[kind])
    took = time.monotonic() - started
    assert answer.status_code == 400, answer.body[:300]
    body = answer.json_body
    assert body["code"] == "BAD_REQUEST"
    assert any("\uac00" <= ch <= "\ud7a3" for ch in body["message"])  # Korean
    assert took < LIMIT_SECONDS
    assert request_count() == before


def nested(levels: int) -> bytes:
    """A good chat body with one extra field nested ``levels`` deep (half
    arrays, half objects): small, valid JSON that only the depth rule refuses."""
    inner: object = "x"
    for level in range(levels - 1):  # the body's own object is one level
        inner = [inner] if level % 2 else {"k": inner}
    return json.dumps({**GOOD, "extra": inner}, ensure_ascii=False).encode()


@pytest.mark.parametrize("levels", [17, 100, 900])
def test_a_small_body_nested_too_deep_gets_the_depth_400_and_writes_nothing(
        client, stack_env, levels):
    """Small enough for the size limit (the bodies above are not), parsed fine
    by json.loads: only the depth limit stands between these and the route."""
    body = nested(levels)
    assert len(body) < safe_json.MAX_BYTES and safe_json.depth(body.decode()) == levels
    before = request_count()
    answer = client.http.post("/api/requests", headers={"Content-Type": "application/json"},
                              body=body)
    assert answer.status_code == 400, answer.body[:300]
    assert answer.json_body == {"code": "BAD_REQUEST", "message": safe_json.TOO_DEEP}
    assert request_count() == before


def test_a_good_body_still_goes_through(client, stack_env):
    answer = client.http.post("/api/requests", headers={"Content-Type": "application/json"},
                              body=json.dumps(GOOD).encode())
    assert answer.status_code in (201, 404, 403), answer.json_body  # past the body check
    assert answer.json_body["code" if "code" in answer.json_body else "status"] != "BAD_REQUEST"


def test_safe_json_depth_is_counted_outside_strings():
    assert safe_json.depth('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1
    assert safe_json.depth('[[["\\"[["]]]') == 3
    assert safe_json.loads('{"a": [1, {"b": "\\"]"}]}') == {"a": [1, {"b": '"]'}]}


@pytest.fixture
def waiting(stack_env):
    request_id = ps.new_request()
    assert partner.handle_link_message(
        {"requestId": request_id, "taskToken": "task-token-of-" + request_id}) == "sent"
    token, _ = links.issue(request_id)
    return request_id, token


@pytest.mark.parametrize("body", [
    b"decision=accept&pad=" + b"a" * 100_000,
    b"decision=accept&x=\xff\xfe",
    b"decision=" + b"%5B" * 20_000,
    b"decision=%ED%A0%80",  # a lone surrogate, percent-encoded
])
def test_hostile_forms_get_a_400_page_and_change_nothing(client, waiting, body):
    request_id, token = waiting
    before = lifecycle.get(request_id)
    started = time.monotonic()
    answer = client.http.post(f"/r/{token}", headers=ps.FORM, body=body)
    assert time.monotonic() - started < LIMIT_SECONDS
    assert answer.status_code == 400
    assert "골라 주세요" in answer.body.decode("utf-8")
    after = lifecycle.get(request_id)
    assert after["status"] == before["status"] == lifecycle.SMS_SENT
    assert after["events"] == before["events"] and "partnerDecision" not in after
