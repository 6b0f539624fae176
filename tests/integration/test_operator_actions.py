"""Operators' actions (POST /api/admin/requests/{id}/actions) and the
customer's reply to a proposed time (POST /api/requests/{id}/reply), on the
emulator with the real state machine executing (contract section 5)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from chalicelib import clock, errors, lifecycle, notify
from chalicelib.korean import KST
from chalicelib.operators import actions as operators
from tests.integration import partner_support as ps
from tests.operators_support import USERS, bearer
from tests.requests_support import arrange, customer_headers

pytestmark = pytest.mark.stack

JSON = {"Content-Type": "application/json"}


def admin():
    # A signed-in operator (tests/operators_support.py): the actions' operator.
    return {**bearer("operator"), **JSON}


SIGNED_IN = USERS["operator"]


def act(client, request_id, **body):
    return client.http.post(f"/api/admin/requests/{request_id}/actions", headers=admin(),
                            body=json.dumps(body).encode())


def soon_kst(hours=3):
    return (clock.now() + timedelta(hours=hours)).astimezone(KST).strftime("%Y-%m-%dT%H:%M")


def waiting_request(emulator, timeout=60):
    """A request whose execution waits and whose first SMS went out: (id, arn, token)."""
    request_id = ps.new_request()
    arn = ps.start(request_id, timeout)
    ps.wait_status(request_id, lifecycle.SMS_SENT)
    sent = ps.wait_for(lambda: ps.sms_for(emulator.url, request_id))
    return request_id, arn, sent[0][2]


def answered_by_operator(request_id):
    return [e for e in lifecycle.get(request_id)["events"]
            if e["type"] == lifecycle.ANSWERED_BY_OPERATOR]


# -- resend ------------------------------------------------------------------------

def test_resend_sends_a_new_link_and_refuses_the_old_one(
        stack_env, client, sqs_dispatcher, emulator):
    request_id, arn, old = waiting_request(emulator)
    response = act(client, request_id, action="resend", operator="김상담")
    assert response.status_code == 200, response.body.decode()
    assert json.loads(response.body)["status"] == lifecycle.SMS_SENT
    sent = ps.sms_for(emulator.url, request_id)
    assert len(sent) == 2
    new = next(token for _, _, token in sent if token != old)
    assert sent[0][0] == sent[1][0]  # the same partner's phone

    refused = client.http.post(f"/r/{old}", headers=ps.FORM, body=b"decision=accept")
    assert refused.status_code >= 400 and lifecycle.get(request_id)["status"] == "SMS Sent"
    assert client.http.get(f"/r/{old}").status_code >= 400
    assert client.http.get(f"/r/{new}").status_code == 200
    done = client.http.post(f"/r/{new}", headers=ps.FORM, body=b"decision=accept")
    assert done.status_code == 200, done.body.decode()
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"  # the workflow kept waiting
    events = lifecycle.get(request_id)["events"]
    resent = [e for e in events if e["type"] == lifecycle.LINK_RESENT]
    # The signed-in operator, whatever name the body gave.
    assert len(resent) == 1 and resent[0]["operator"] == SIGNED_IN


def test_resend_only_while_waiting_and_not_twice_at_once(
        stack_env, client, sqs_dispatcher, emulator):
    request_id, arn, _ = waiting_request(emulator)
    outcomes = []

    def resend():
        try:
            operators.act(request_id, json.dumps({"action": "resend"}), "kim")
            outcomes.append(200)
        except errors.ApiError as exc:
            outcomes.append((exc.status, exc.code))

    threads = [threading.Thread(target=resend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == sorted(
        [200] + [(409, "RESEND_TOO_SOON")] * 3, key=str)
    assert len(ps.sms_for(emulator.url, request_id)) == 2  # the first and one resend

    timed_out = ps.new_request()
    arrange(timed_out, status=lifecycle.TIMEOUT, event_type=lifecycle.TIMEOUT)
    response = act(client, timed_out, action="resend")
    assert response.status_code == 409
    assert json.loads(response.body)["code"] == "NOT_WAITING"
    assert ps.sms_for(emulator.url, timed_out) == []


# -- answer ------------------------------------------------------------------------

def test_answer_for_a_waiting_request_completes_the_workflow(
        stack_env, client, sqs_dispatcher, emulator):
    request_id, arn, token = waiting_request(emulator)
    proposed = soon_kst()
    response = act(client, request_id, action="answer", decision="propose",
                   alternativeTime=proposed, operator="김상담", note="제휴점 전화로 확인")
    assert response.status_code == 200, response.body.decode()
    body = json.loads(response.body)
    assert body["status"] == lifecycle.RESPONDED and body["partnerDecision"] == "propose"

    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    notified = ps.notify_messages(arn)
    assert notified[0]["outcome"] == "answered"
    assert notified[0]["answer"]["decision"] == "propose"
    assert notified[0]["answer"]["alternativeTime"] == proposed + ":00+09:00"
    [event] = answered_by_operator(request_id)
    assert event["operator"] == SIGNED_IN and event["note"] == "제휴점 전화로 확인"
    # The partner's link is spent; the customer's view does not name the operator.
    assert client.http.post(f"/r/{token}", headers=ps.FORM,
                            body=b"decision=reject").status_code == 409
    public = json.loads(client.http.get(f"/api/requests/{request_id}",
                                        headers=customer_headers(request_id)).body)
    assert all("operator" not in e and "note" not in e for e in public["events"])

    again = act(client, request_id, action="answer", decision="accept", operator="이상담",
                note="다시")
    assert again.status_code == 409 and json.loads(again.body)["code"] == "ALREADY_ANSWERED"


def test_two_operators_answering_at_once_one_wins(stack_env, sqs_dispatcher, emulator):
    request_id, arn, _ = waiting_request(emulator)
    outcomes = []

    def answer(decision):
        try:
            operators.act(request_id, json.dumps({
                "action": "answer", "decision": decision,
                "note": "전화"}), decision)
            outcomes.append(decision)
        except errors.ApiError as exc:
            outcomes.append(exc.status)

    threads = [threading.Thread(target=answer, args=(d,)) for d in ("accept", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) in (sorted(["accept", 409], key=str),
                                         sorted(["reject", 409], key=str))
    winner = next(o for o in outcomes if o != 409)
    assert lifecycle.get(request_id)["partnerDecision"] == winner
    assert len(answered_by_operator(request_id)) == 1
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    assert ps.notify_messages(arn)[0]["answer"]["decision"] == winner


def test_answer_after_the_timeout_notifies_the_customer_again(
        stack_env, client, sqs_dispatcher, emulator):
    request_id = ps.new_request()
    arn = ps.start(request_id, 2)
    ps.wait_execution(arn)
    timed_out = ps.wait_for(lambda: (lambda r: r if r and "notification" in r else None)(
        lifecycle.get(request_id)), timeout=20)
    assert timed_out["status"] == lifecycle.TIMEOUT

    response = act(client, request_id, action="answer", decision="accept", operator="김상담",
                   note="제휴점이 늦게 전화로 수락")
    assert response.status_code == 200, response.body.decode()
    after = ps.wait_for(lambda: (lambda r: r if r and "notification" in r else None)(
        lifecycle.get(request_id)), timeout=20)
    assert after["status"] == lifecycle.RESPONDED and after["partnerDecision"] == "accept"
    assert "변경하기로" in after["notification"]["message"]
    assert [e["type"] for e in after["events"]].count("Notified") == 2

    again = act(client, request_id, action="answer", decision="reject", operator="김상담",
                note="x")
    assert again.status_code == 409


def test_a_timeout_message_still_queued_tells_the_operators_answer(stack_env):
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.TIMEOUT, event_type=lifecycle.TIMEOUT)
    assert operators.act(request_id, json.dumps({
        "action": "answer", "decision": "reject", "operator": "김", "note": "전화"}), "kim")
    # The state machine's timeout message arrives after the operator's answer.
    assert notify.handle_message({"requestId": request_id, "outcome": "timeout"}) == "notified"
    message = lifecycle.get(request_id)["notification"]["message"]
    assert "변경할 수 없다고" in message


def test_answer_refused_for_failed_and_while_notifying(stack_env, client):
    failed = ps.new_request()
    arrange(failed, status=lifecycle.FAILED, event_type=lifecycle.FAILED)
    response = act(client, failed, action="answer", decision="accept", operator="김",
                   note="x")
    assert response.status_code == 409 and json.loads(response.body)["code"] == "NOT_ANSWERABLE"

    notifying = ps.new_request()
    arrange(notifying, status=lifecycle.TIMEOUT, event_type=lifecycle.TIMEOUT,
            fields={"notifyClaimUntil": clock.epoch() + 40, "notifyClaimBy": "x"})
    response = act(client, notifying, action="answer", decision="accept", operator="김",
                   note="x")
    assert response.status_code == 409 and json.loads(response.body)["code"] == "NOTIFYING"
    assert lifecycle.get(notifying)["status"] == lifecycle.TIMEOUT


# -- close -------------------------------------------------------------------------

def test_close_once_and_not_while_waiting(stack_env, client, sqs_dispatcher, emulator):
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.TIMEOUT, event_type=lifecycle.TIMEOUT)
    response = act(client, request_id, action="close", operator="김상담", note="고객과 통화 완료")
    assert response.status_code == 200, response.body.decode()
    body = json.loads(response.body)
    assert body["closedBy"] == SIGNED_IN and body["status"] == lifecycle.TIMEOUT
    closed = [e for e in lifecycle.get(request_id)["events"] if e["type"] == lifecycle.CLOSED]
    assert len(closed) == 1 and closed[0]["note"] == "고객과 통화 완료"

    again = act(client, request_id, action="close", operator="김상담", note="또")
    assert again.status_code == 409 and json.loads(again.body)["code"] == "ALREADY_CLOSED"
    late = act(client, request_id, action="answer", decision="accept", operator="김",
               note="x")
    assert late.status_code == 409 and json.loads(late.body)["code"] == "ALREADY_CLOSED"

    waiting = ps.new_request()
    response = act(client, waiting, action="close", operator="김상담", note="x")
    assert response.status_code == 409 and json.loads(response.body)["code"] == "STILL_WAITING"


# -- the edges: 401, 400, 404 -----------------------------------------------------------

def test_actions_need_a_signed_in_operator_not_a_viewer(stack_env, client):
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.TIMEOUT)
    body = json.dumps({"action": "close", "operator": "김", "note": "x"}).encode()
    path = f"/api/admin/requests/{request_id}/actions"
    assert client.http.post(path, headers=JSON, body=body).status_code == 401
    wrong = client.http.post(path, headers={**JSON, "Authorization": "Bearer nope"}, body=body)
    assert wrong.status_code == 401 and json.loads(wrong.body)["code"] == "UNAUTHORIZED"
    viewer = client.http.post(path, headers={**JSON, **bearer("viewer")}, body=body)
    assert viewer.status_code == 403 and json.loads(viewer.body)["code"] == "FORBIDDEN"
    assert "운영 권한" in json.loads(viewer.body)["message"]
    assert lifecycle.CLOSED_AT not in lifecycle.get(request_id)


def test_a_body_operator_is_ignored_and_not_required(stack_env, client):
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.TIMEOUT)
    response = act(client, request_id, action="close", operator="홍길동(사칭)", note="통화 완료")
    assert response.status_code == 200
    assert lifecycle.get(request_id)["closedBy"] == SIGNED_IN
    other = ps.new_request()
    arrange(other, status=lifecycle.TIMEOUT)
    assert act(client, other, action="close", note="이름 없이").status_code == 200
    assert lifecycle.get(other)["closedBy"] == SIGNED_IN


@pytest.mark.parametrize("body", [
    {"action": "explode"},
    {"action": "close", "operator": "김"},                   # no note
    {"action": "close", "note": "x" * 501},                  # note too long
    {"action": "answer", "decision": "maybe", "operator": "김", "note": "x"},
    {"action": "answer", "decision": "propose", "operator": "김", "note": "x"},
    {"action": "answer", "decision": "propose", "alternativeTime": "내일", "operator": "김",
     "note": "x"},
    [1, 2],
])
def test_bad_bodies_are_400_in_korean_and_change_nothing(stack_env, client, body):
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.TIMEOUT)
    before = lifecycle.get(request_id)
    response = act(client, request_id, **body) if isinstance(body, dict) else client.http.post(
        f"/api/admin/requests/{request_id}/actions", headers=admin(),
        body=json.dumps(body).encode())
    assert response.status_code == 400
    assert any("\uac00" <= c <= "\ud7a3" for c in json.loads(response.body)["message"])
    assert lifecycle.get(request_id) == before


def test_unknown_request_is_404(stack_env, client):
    response = act(client, lifecycle.new_request_id(), action="close", operator="김", note="x")
    assert response.status_code == 404


# -- the customer's reply -----------------------------------------------------------------

def reply(client, request_id, accept):
    return client.http.post(f"/api/requests/{request_id}/reply",
                            headers=customer_headers(request_id, **JSON),
                            body=json.dumps({"accept": accept}).encode())


@pytest.mark.parametrize("accept", [True, False])
def test_the_customer_replies_once_and_the_partner_is_told(
        stack_env, client, emulator, accept):
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.RESPONDED, event_type=lifecycle.RESPONDED,
            fields={"partnerDecision": "propose",
                    "alternativeTime": "2026-12-24T17:00:00+09:00"})
    partner_phone = lifecycle.get(request_id)["partnerPhone"]
    response = reply(client, request_id, accept)
    assert response.status_code == 200, response.body.decode()
    kind = lifecycle.CUSTOMER_ACCEPTED if accept else lifecycle.CUSTOMER_DECLINED
    assert json.loads(response.body)["events"][-1]["type"] == kind

    texts = [text for number, text in ps.sent_sms(emulator.url) if number == partner_phone]
    assert len(texts) == 1
    assert ("수락했어요" if accept else "거절했어요") in texts[0]
    assert "12월 24일" in texts[0] and len(texts[0].encode("utf-16-le")) // 2 <= 134

    again = reply(client, request_id, not accept)
    assert again.status_code == 409 and json.loads(again.body)["code"] == "ALREADY_REPLIED"
    assert len([t for n, t in ps.sent_sms(emulator.url) if n == partner_phone]) == 1


def test_a_reply_needs_a_proposed_time(stack_env, client, emulator):
    accepted = ps.new_request()
    arrange(accepted, status=lifecycle.RESPONDED, fields={"partnerDecision": "accept"})
    response = reply(client, accepted, True)
    assert response.status_code == 409 and json.loads(response.body)["code"] == "NOT_PROPOSED"
    waiting = ps.new_request()
    assert reply(client, waiting, True).status_code == 409
    assert reply(client, lifecycle.new_request_id(), True).status_code == 404
    bad = client.http.post(f"/api/requests/{waiting}/reply",
                           headers=customer_headers(waiting, **JSON),
                           body=b'{"accept": "yes"}')
    assert bad.status_code == 400
    assert lifecycle.CUSTOMER_REPLY not in lifecycle.get(accepted)
