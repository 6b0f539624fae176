"""Strangers can't act for others (issue: the customer's own secret, one open
request per reservation, Idempotency-Key), against the emulator."""

from __future__ import annotations

import base64
import json
import os
import threading
import time

import boto3
import pytest
from chalice.cli.factory import CLIFactory
from chalice.local import LocalGateway

from chalicelib import lifecycle, partner, table
from chalicelib.chat import customer_token, idempotency, open_requests
from chalicelib.partner import sms_budget
from tests.conftest import PROJECT_DIR
from tests.integration import partner_support as ps
from tests.operators_support import bearer
from tests.requests_support import arrange

pytestmark = pytest.mark.stack

JSON = {"Content-Type": "application/json"}
RS, RS_PHONE, RS_PARTNER = "RS2025110301", "+821012345678", "+821098765432"
A, A_PHONE = "A20251103", "+821022223333"


def post(client, body: dict, **headers: str):
    return client.http.post("/api/requests", headers={**JSON, **headers},
                            body=json.dumps(body, ensure_ascii=False).encode())


def chat(number: str = RS, phone: str = RS_PHONE,
         text: str = "체크인 시간을 5시로 바꾸고 싶어요") -> dict:
    return {"text": text, "customerPhone": phone, "reservationNumber": number}


@pytest.fixture
def gateway(app_module):
    """The app's own HTTP layer shared by real threads, as `chalice local`
    serves it (chalice.test.Client swaps os.environ per request: not for threads)."""
    config = CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name="local")
    return LocalGateway(app_module.app, config)


def post_from_threads(gateway, bodies: list[dict], **headers: str) -> list[tuple[int, dict]]:
    """Every body POSTed at the same moment, one thread each: (status, body)."""
    answers: list = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def one(i: int) -> None:
        start.wait()
        out = gateway.handle_request(
            method="POST", path="/api/requests", headers={**JSON, **headers},
            body=json.dumps(bodies[i], ensure_ascii=False).encode())
        answers[i] = (out["statusCode"], json.loads(out["body"]))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def stop(request_id: str) -> None:
    arn = os.environ["PARTNER_CONFIRMATION_ARN"].replace(":stateMachine:", ":execution:")
    boto3.client("stepfunctions").stop_execution(executionArn=f"{arn}:{request_id}")


def sms_to(endpoint: str, number: str) -> list[str]:
    return [text for to, text in ps.sent_sms(endpoint) if to == number]


def requests_for(number: str) -> list[dict]:
    return [i for i in lifecycle.list_recent(limit=10_000) if i["reservationNumber"] == number]


# -- 1. the customer's own secret ---------------------------------------------------

def test_a_real_partner_link_opens_nothing_of_the_customers(client, emulator, log_lines):
    """The SMS link's token carries the request id (bytes 4-20): decoded, it
    neither reads nor answers the customer's request; the customer's token
    does both, and it is in no SMS, link, log or operator's view."""
    created = post(client, chat())
    assert created.status_code == 201, created.body
    request_id, token = created.json_body["requestId"], created.json_body["customerToken"]
    assert len(base64.urlsafe_b64decode(token + "==")) * 8 >= 128
    assert partner.handle_link_message(ps.take_link_message(request_id)["Body"]) == "sent"
    [(_, sms, link_token)] = ps.sms_for(emulator.url, request_id)
    decoded = base64.urlsafe_b64decode(link_token)[4:20]
    assert base64.urlsafe_b64encode(decoded).rstrip(b"=").decode() == request_id

    # The partner proposes a time (from the link), as in the attack.
    assert client.http.post(f"/r/{link_token}", headers=ps.FORM,
                            body=b"decision=propose&alternativeTime=2026-12-24T17%3A00"
                            ).status_code == 200
    sms_before = len(sms_to(emulator.url, RS_PARTNER))

    for stranger in ({}, {"X-Customer-Token": link_token},
                     {"X-Customer-Token": request_id},
                     # the stored hash is no key either
                     {"X-Customer-Token": customer_token.digest(token)},
                     {"X-Customer-Token": token[:-1] + ("A" if token[-1] != "A" else "B")}):
        read = client.http.get(f"/api/requests/{request_id}", headers=stranger)
        assert (read.status_code, read.json_body["code"]) == (404, "REQUEST_NOT_FOUND")
        answered = client.http.post(f"/api/requests/{request_id}/reply",
                                    headers={**JSON, **stranger}, body=b'{"accept": true}')
        assert (answered.status_code, answered.json_body["code"]) == (404, "REQUEST_NOT_FOUND")
        assert answered.json_body == read.json_body  # nothing tells them apart
    item = lifecycle.get(request_id)
    assert lifecycle.CUSTOMER_REPLY not in item
    assert len(sms_to(emulator.url, RS_PARTNER)) == sms_before  # nobody texted

    # Another request's token opens only that request.
    other = post(client, chat(A, A_PHONE)).json_body
    assert client.http.get(f"/api/requests/{request_id}", headers={
        "X-Customer-Token": other["customerToken"]}).status_code == 404
    stop(other["requestId"])

    mine = {"X-Customer-Token": token}
    assert client.http.get(f"/api/requests/{request_id}", headers=mine).status_code == 200
    accepted = client.http.post(f"/api/requests/{request_id}/reply", headers={**JSON, **mine},
                                body=b'{"accept": true}')
    assert accepted.status_code == 200, accepted.body
    assert len(sms_to(emulator.url, RS_PARTNER)) == sms_before + 1

    # Only a hash is stored; the token is in no SMS, link, log or operator's view.
    item = lifecycle.get(request_id)
    assert item[customer_token.FIELD] == customer_token.digest(token)
    assert token not in json.dumps(item)
    admin = client.http.get("/api/admin/requests",
                            headers=bearer("admin"))
    assert admin.status_code == 200 and request_id in admin.body.decode()
    assert token not in admin.body.decode()
    assert customer_token.FIELD not in admin.body.decode()
    assert all(token not in text for _, text in ps.sent_sms(emulator.url))
    assert token not in sms and token not in link_token
    assert not any(token in line for line in log_lines)
    stop(request_id)


# -- 2. one open request per reservation ----------------------------------------------

def test_twenty_posts_at_once_make_one_request_one_sms_and_nineteen_409s(
        gateway, emulator, sqs_dispatcher):
    before = {i["requestId"] for i in requests_for(RS)}
    answers = post_from_threads(gateway, [chat(text=f"체크인 시간을 5시로 바꾸고 싶어요 {i}")
                                          for i in range(20)])
    codes = sorted(status for status, _ in answers)
    assert codes == [201] + [409] * 19, [b for s, b in answers if s != 409]
    [won] = [body for status, body in answers if status == 201]
    for refused in (body for status, body in answers if status == 409):
        assert refused["code"] == "REQUEST_IN_PROGRESS"
        assert any("가" <= ch <= "힣" for ch in refused["message"])
        assert "customerToken" not in refused  # the open request stays its customer's
    created = [i for i in requests_for(RS) if i["requestId"] not in before]
    assert [i["requestId"] for i in created] == [won["requestId"]]
    ps.wait_status(won["requestId"], lifecycle.SMS_SENT)
    # One SMS for it, and none for any other request from this burst (a
    # request left by an earlier test may still be texted by the dispatcher).
    time.sleep(1)  # room for a second SMS, were one sent
    assert len(ps.sms_for(emulator.url, won["requestId"])) == 1
    assert open_requests.held_by(RS) == won["requestId"]
    stop(won["requestId"])


def test_the_reservation_is_free_again_once_its_request_leaves_the_waiting_statuses(
        client, emulator):
    first = post(client, chat()).json_body
    again = post(client, chat())
    assert again.status_code == 409 and again.json_body["requestId"] == first["requestId"]
    stop(first["requestId"])
    # The partner answered (or it timed out, or failed): no longer open.
    arrange(first["requestId"], status=lifecycle.RESPONDED)
    second = post(client, chat())
    assert second.status_code == 201, second.body
    assert open_requests.held_by(RS) == second.json_body["requestId"]
    stop(second.json_body["requestId"])


def test_a_lock_whose_request_was_never_written_or_ran_out_does_not_block(
        client, emulator, configure):
    now = __import__("chalicelib").clock.epoch()
    key = table.key(f"OPEN#{RS}", "LOCK")
    # A POST that died between the lock and its write, 31 s ago.
    table.client().put_item(TableName=table.name(), Item={
        **key, "requestId": {"S": lifecycle.new_request_id()},
        "takenEpoch": {"N": str(now - open_requests.WRITE_GRACE_SECONDS - 1)},
        "expiresAt": {"N": str(now + 600)}})
    freed = post(client, chat())
    assert freed.status_code == 201, freed.body
    stop(freed.json_body["requestId"])
    # A request stuck in Created past any wait: the expiry frees its reservation.
    table.client().update_item(TableName=table.name(), Key=key,
                               UpdateExpression="SET expiresAt = :past",
                               ExpressionAttributeValues={":past": {"N": str(now - 1)}})
    assert lifecycle.get(freed.json_body["requestId"])["status"] == lifecycle.CREATED
    expired = post(client, chat())
    assert expired.status_code == 201, expired.body
    stop(expired.json_body["requestId"])


# -- Idempotency-Key ------------------------------------------------------------------

def test_the_same_key_and_body_answer_the_first_answer_and_write_nothing(client, emulator,
                                                                         calls):
    key = "message-" + os.urandom(8).hex()
    body = chat(A, A_PHONE)
    first = post(client, body, **{"Idempotency-Key": key})
    assert first.status_code == 201, first.body
    stop(first.json_body["requestId"])
    record_key = ("IDEM#" + idempotency._hash(b"record", key.encode()).hex(), "IDEM")
    record_before = table.get(*record_key)
    writes_before = len([c for c in calls if c[0] in ("PutItem", "UpdateItem", "DeleteItem")])
    # Same body in another key order: the same message.
    again = client.http.post("/api/requests", headers={**JSON, "Idempotency-Key": key},
                             body=json.dumps(dict(reversed(list(body.items())))).encode())
    assert again.status_code == 201
    assert again.json_body == first.json_body  # the token too, unsealed from the key
    # The only write tried is the key's claim, refused: nothing changed.
    writes = [c for c in calls if c[0] in ("PutItem", "UpdateItem", "DeleteItem")]
    [(operation, claim)] = writes[writes_before:]
    assert operation == "UpdateItem" and claim["Key"]["pk"]["S"] == record_key[0]
    assert table.get(*record_key) == record_before
    assert [i["requestId"] for i in requests_for(A)].count(first.json_body["requestId"]) == 1

    other = post(client, chat(A, A_PHONE, text="수건을 더 받고 싶어요"), **{"Idempotency-Key": key})
    assert (other.status_code, other.json_body["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    # The table holds neither the key nor the token.
    record = table.get(*record_key)
    assert record["state"] == "COMPLETED"
    assert key not in json.dumps(record)
    assert first.json_body["customerToken"] not in json.dumps(record)


def test_an_error_answer_is_said_again_and_a_bad_key_is_refused(client):
    key = "k" * 128
    first = post(client, chat("RS2099999999"), **{"Idempotency-Key": key})
    assert first.status_code == 404 and first.json_body["code"] == "RESERVATION_NOT_FOUND"
    again = post(client, chat("RS2099999999"), **{"Idempotency-Key": key})
    assert again.status_code == 404 and again.json_body == first.json_body
    for bad in ("short", "k" * 129, "has space"):
        refused = post(client, chat(), **{"Idempotency-Key": bad})
        assert refused.status_code == 400 and refused.json_body["code"] == "BAD_REQUEST"


def test_one_key_from_ten_threads_at_once_opens_one_request_and_sends_one_sms(
        gateway, emulator, sqs_dispatcher):
    key = "burst-" + os.urandom(8).hex()
    before = {i["requestId"] for i in requests_for(A)}
    answers = post_from_threads(gateway, [chat(A, A_PHONE)] * 10, **{"Idempotency-Key": key})
    assert [status for status, _ in answers] == [201] * 10, answers
    assert len({body["requestId"] for _, body in answers}) == 1
    assert len({body["customerToken"] for _, body in answers}) == 1
    created = [i for i in requests_for(A) if i["requestId"] not in before]
    assert len(created) == 1
    ps.wait_status(created[0]["requestId"], lifecycle.SMS_SENT)
    time.sleep(1)  # room for a second SMS, were one sent
    assert len(ps.sms_for(emulator.url, created[0]["requestId"])) == 1
    stop(created[0]["requestId"])


# -- SMS budget -------------------------------------------------------------------------

def test_a_partners_daily_sms_cap_holds_under_a_burst(client, emulator, configure):
    """Eight link messages for one partner at once, cap 3: three SMS, and the
    other five requests go to the operators' follow-up list, untexted."""
    configure(SMS_PER_PARTNER_PER_DAY="3")
    partner_id = "PCAP" + os.urandom(4).hex()
    partner_phone = "+8210" + f"{int.from_bytes(os.urandom(4), 'big') % 10**8:08d}"
    ids = [ps.new_request(partnerId=partner_id, partnerPhone=partner_phone) for _ in range(8)]
    outcomes: list = [None] * len(ids)
    start = threading.Barrier(len(ids))

    def deliver(i: int) -> None:
        start.wait()
        outcomes[i] = partner.handle_link_message(
            json.dumps({"requestId": ids[i], "taskToken": "task-token-of-" + ids[i]}))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["over_budget"] * 5 + ["sent"] * 3
    assert len(sms_to(emulator.url, partner_phone)) == 3
    assert sms_budget.sent_today(partner_id) == 3
    over = [ids[i] for i, outcome in enumerate(outcomes) if outcome == "over_budget"]
    for request_id in over:
        item = lifecycle.get(request_id)
        assert item["status"] == lifecycle.FAILED and item.get("escalatedAt")
        assert item["events"][-1]["reason"] == "sms_budget"
        assert "taskToken" not in item
    follow_up = client.http.get("/api/admin/requests?escalated=true", headers=bearer("admin"))
    listed = {r["requestId"] for r in follow_up.json_body["requests"]}
    assert set(over) <= listed

    # The reminder of a texted request is not sent past the cap either.
    sent = ids[outcomes.index("sent")]
    assert partner.handle_link_message(json.dumps({"requestId": sent, "kind": "reminder"})) \
        == "skipped"
    assert len(sms_to(emulator.url, partner_phone)) == 3


def test_the_per_client_limit_is_on_by_default(configure):
    from chalicelib import settings

    assert settings.Settings(stage="prod", table_name="t").requests_per_minute_per_client > 0
    assert settings.Settings(stage="prod", table_name="t").sms_per_partner_per_day > 0
