"""An operator's answer after the timeout reaches the customer: the chat that
is open reads it (no SMS), a chat nobody looked at lately gets a short SMS
with no link (chalicelib/chat/late_answer.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib import clock, lifecycle
from chalicelib.chat import late_answer
from chalicelib.korean import KST
from chalicelib.partner import sms
from tests.integration import partner_support as ps
from tests.operators_support import bearer
from tests.requests_support import arrange, customer_headers, customer_token_fields

pytestmark = pytest.mark.stack

JSON = {"Content-Type": "application/json"}
CUSTOMER = "+821012345678"  # partner_support.new_request's customer


def act(client, request_id, **body):
    return client.http.post(f"/api/admin/requests/{request_id}/actions",
                            headers={**bearer("admin"),
                                     **JSON},
                            body=json.dumps(body).encode())


def customer_sms(emulator):
    return [text for number, text in ps.sent_sms(emulator.url)
            if number == CUSTOMER and text.startswith(late_answer.TAG)]


def timed_out_request():
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.TIMEOUT, event_type=lifecycle.TIMEOUT,
            fields=customer_token_fields(request_id))
    return request_id


def propose(client, request_id):
    when = (clock.now() + timedelta(days=1)).astimezone(KST).replace(hour=15, minute=0)
    response = act(client, request_id, action="answer", decision="propose",
                   alternativeTime=when.strftime("%Y-%m-%dT%H:%M"), operator="김상담",
                   note="제휴점이 전화로 다른 시간을 제안")
    assert response.status_code == 200, response.body.decode()
    return when


def test_a_closed_chat_gets_a_short_sms_without_a_link(stack_env, client, emulator):
    request_id = timed_out_request()
    before = customer_sms(emulator)
    when = propose(client, request_id)
    sent = customer_sms(emulator)[len(before):]
    assert len(sent) == 1
    text = sent[0]
    assert sms.length(text) <= sms.LIMIT  # two UCS-2 segments at most
    assert "http" not in text and "/r/" not in text and request_id not in text
    assert f"{when.month}월 {when.day}일" in text and "오후 3:00" in text
    assert "수락하거나 거절" in text


def test_an_open_chat_reads_it_and_gets_no_sms(stack_env, client, emulator):
    request_id = timed_out_request()
    look = client.http.get(f"/api/requests/{request_id}", headers=customer_headers(request_id))
    assert look.status_code == 200
    assert lifecycle.get(request_id)[lifecycle.CHAT_SEEN_EPOCH] >= clock.epoch() - 5
    before = customer_sms(emulator)
    propose(client, request_id)
    assert customer_sms(emulator)[len(before):] == []


def test_the_chat_seen_write_is_throttled_and_only_for_a_timed_out_request(stack_env, client):
    waiting = ps.new_request()
    client.http.get(f"/api/requests/{waiting}")
    assert lifecycle.CHAT_SEEN_EPOCH not in lifecycle.get(waiting)
    request_id = timed_out_request()
    now = clock.epoch()
    assert lifecycle.mark_chat_seen(request_id, now, late_answer.SEEN_WRITE_EVERY)
    assert not lifecycle.mark_chat_seen(request_id, now + 3, late_answer.SEEN_WRITE_EVERY)
    assert lifecycle.mark_chat_seen(request_id, now + 10, late_answer.SEEN_WRITE_EVERY)
