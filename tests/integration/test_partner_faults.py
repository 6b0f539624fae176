"""The partner's answer when a write lands but its reply is lost (faults
injected in the emulator, devstack/faults.py): the partner who won is never
told the link was used, the workflow gets the answer once, and the customer
hears it."""

from __future__ import annotations

import re

import pytest

from chalicelib import aws, lifecycle
from devstack import faults
from tests.integration import partner_support as ps

pytestmark = pytest.mark.stack

ATTEMPT = re.compile(r'name="attempt" value="([A-Za-z0-9_-]+)"')
USED = "링크가 이미 사용되었습니다"


@pytest.fixture(autouse=True)
def no_rules_left(emulator):
    faults.clear(emulator.url)
    yield
    faults.clear(emulator.url)


def waiting_request(emulator):
    """A request whose SMS went out, its execution waiting; (id, arn, token)."""
    request_id = ps.new_request()
    arn = ps.start(request_id, 60)
    from chalicelib import partner

    assert partner.handle_link_message(ps.take_link_message(request_id)["Body"]) == "sent"
    token = ps.sms_for(emulator.url, request_id)[0][2]
    return request_id, arn, token


def page_attempt(client, token) -> str:
    page = client.http.get(f"/r/{token}")
    assert page.status_code == 200
    return ATTEMPT.search(page.body.decode()).group(1)


def post(client, token, body: str):
    return client.http.post(f"/r/{token}", headers=ps.FORM, body=body.encode())


def customer_told(app_module, request_id) -> str:
    """Deliver the notify queue as Lambda does; the customer's message."""
    import boto3

    from devstack.dispatcher import Dispatcher, subscriptions

    dispatcher = Dispatcher(subscriptions(app_module.app, app_module), boto3.client("sqs"),
                            retry_after=1).start()
    try:
        item = ps.wait_for(lambda: (lambda r: r if r and r.get("notification") else None)(
            lifecycle.get(request_id)), timeout=20)
    finally:
        dispatcher.stop()
    assert ps.event_types(request_id, ignore=()).count("Notified") == 1
    return item["notification"]["message"]


def assert_delivered_once(request_id, arn, decision):
    execution = ps.wait_execution(arn)
    assert execution["status"] == "SUCCEEDED"
    succeeded = [e for e in ps.history(arn) if e["type"] == "TaskSucceeded"
                 and '"respondedAt"' in e["taskSucceededEventDetails"].get("output", "")]
    assert len(succeeded) == 1  # the answer reached the workflow once
    notified = ps.notify_messages(arn)
    assert [(n["outcome"], n["answer"]["decision"]) for n in notified] == [("answered", decision)]
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.RESPONDED and request["partnerDecision"] == decision
    assert ps.event_types(request_id).count("Responded") == 1
    assert "AnswerNotDelivered" not in ps.event_types(request_id)


def test_claim_applied_reply_lost_botocore_retry_is_the_same_answer(
        client, stack_env, emulator, app_module):
    """The claim's UpdateItem lands, its reply is dropped; botocore's own retry
    is refused (the request is Responded) -- by this very answer."""
    request_id, arn, token = waiting_request(emulator)
    attempt = page_attempt(client, token)
    # Matched on the page's attempt id: only this answer's claim carries it
    # (an earlier test's workflow may still write another request meanwhile).
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "UpdateItem",
                                 "fault": "drop", "count": 1, "match": attempt})
    done = post(client, token, f"decision=accept&attempt={attempt}")
    assert faults.status(emulator.url)["fired"] == {"dynamodb.UpdateItem.drop": 1}
    assert done.status_code == 200 and "응답이 전달되었어요" in done.body.decode()
    assert_delivered_once(request_id, arn, "accept")
    assert "변경하기로 했어요" in customer_told(app_module, request_id)


def test_a_form_without_the_attempt_id_is_still_its_own_retry(
        client, stack_env, emulator, app_module):
    """The contract's form has no attempt id: a claim that landed and lost its
    reply is recognised by its own moment on botocore's retry, so the answer
    is delivered now (not at the deadline) and the page says so."""
    request_id, arn, token = waiting_request(emulator)
    # The request's next write is the claim (nothing else writes it meanwhile).
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "UpdateItem",
                                 "fault": "drop", "count": 1, "match": request_id})
    done = post(client, token, "decision=accept")
    assert faults.status(emulator.url)["fired"] == {"dynamodb.UpdateItem.drop": 1}
    assert done.status_code == 200 and "응답이 전달되었어요" in done.body.decode()
    assert_delivered_once(request_id, arn, "accept")
    # Another answer without an attempt id, later: not this one's retry.
    again = post(client, token, "decision=accept")
    assert again.status_code == 409 and USED in again.body.decode()


def test_claim_applied_every_reply_lost_the_partners_retry_completes(
        client, stack_env, emulator, app_module):
    """Every try of the claim loses its reply (the first one landed): the
    partner sees an error page; resubmitting the same page completes it.
    Another page (another attempt id) is still told the link was used."""
    request_id, arn, token = waiting_request(emulator)
    attempt = page_attempt(client, token)
    # Every try a route makes (its client profile's attempts) loses its reply.
    tries = aws.PROFILES["api"]["retries"]["total_max_attempts"]
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "UpdateItem",
                                 "fault": "drop", "count": tries, "match": attempt})
    first = post(client, token, f"decision=reject&attempt={attempt}")
    assert first.status_code >= 500 and USED not in first.body.decode()
    assert faults.status(emulator.url)["fired"] == {"dynamodb.UpdateItem.drop": tries}
    assert lifecycle.get(request_id)["status"] == lifecycle.RESPONDED  # landed

    again = post(client, token, f"decision=reject&attempt={attempt}")
    assert again.status_code == 200 and "응답이 전달되었어요" in again.body.decode()
    assert_delivered_once(request_id, arn, "reject")
    assert "변경할 수 없다고" in customer_told(app_module, request_id)

    other = post(client, token, "decision=accept&attempt=" + "x" * 22)
    assert other.status_code == 409 and USED in other.body.decode()
    changed = post(client, token, f"decision=accept&attempt={attempt}")  # not the same answer
    assert changed.status_code == 409 and USED in changed.body.decode()
    assert lifecycle.get(request_id)["partnerDecision"] == "reject"


def test_send_task_success_applied_reply_lost_the_retry_keeps_the_answer(
        client, stack_env, emulator, app_module):
    """SendTaskSuccess lands but no reply comes back (every try), and its
    history cannot be read either: the claim is kept (not undone), and the
    partner's retry learns the workflow has it -- never 'used', never
    taken back, the customer hears the answer once."""
    request_id, arn, token = waiting_request(emulator)
    attempt = page_attempt(client, token)
    faults.inject(emulator.url,
                  {"service": "states", "operation": "SendTaskSuccess", "fault": "drop",
                   "count": 2},
                  {"service": "states", "operation": "GetExecutionHistory", "fault": "error",
                   "count": 2})
    first = post(client, token, f"decision=accept&attempt={attempt}")
    # The claim stands, so the answer counts (Step Functions has it, or the
    # deadline takes the recorded answer): the page says so.
    assert first.status_code == 200 and "응답이 기록되었어요" in first.body.decode()
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.RESPONDED and request["partnerDecision"] == "accept"
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"  # Step Functions took it

    again = post(client, token, f"decision=accept&attempt={attempt}")
    assert again.status_code == 200 and "응답이 전달되었어요" in again.body.decode()
    assert_delivered_once(request_id, arn, "accept")
    assert "변경하기로 했어요" in customer_told(app_module, request_id)



def test_answer_recorded_during_a_stall_is_the_customers_answer_at_the_deadline(
        client, stack_env, emulator, app_module):
    """The partner's POST meets a stalled table: the claim lands late (after
    the route gave up), the partner is told the outcome is unknown, closes the
    page and never retries. At the deadline the workflow takes the recorded
    answer: Responded, never Timeout, the customer told the partner's answer,
    and the page, reloaded, says the answer counts."""
    request_id = ps.new_request()
    arn = ps.start(request_id, 6)
    from chalicelib import partner

    assert partner.handle_link_message(ps.take_link_message(request_id)["Body"]) == "sent"
    token = ps.sms_for(emulator.url, request_id)[0][2]
    attempt = page_attempt(client, token)
    # Each try of the claim stalls past the client's read timeout, then lands.
    tries = aws.PROFILES["api"]["retries"]["total_max_attempts"]
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "UpdateItem",
                                 "fault": "delay", "seconds": 1.5, "count": tries,
                                 "match": attempt})
    stalled = post(client, token, f"decision=reject&attempt={attempt}")
    assert stalled.status_code == 503
    assert "응답이 전달되었는지 확인하지 못했어요" in stalled.body.decode()
    ps.wait_for(lambda: lifecycle.get(request_id)["status"] == lifecycle.RESPONDED)
    assert "SendTaskSuccess" not in str(faults.status(emulator.url))

    assert ps.wait_execution(arn, timeout=20)["status"] == "SUCCEEDED"
    assert not [e for e in ps.history(arn) if e["type"] == "TaskSucceeded"
                and '"respondedAt"' in e["taskSucceededEventDetails"].get("output", "")]
    assert ps.notify_messages(arn) == [{"requestId": request_id, "outcome": "answered",
                                        "answer": {"recorded": True}}]
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.RESPONDED and request["partnerDecision"] == "reject"
    assert not {"Timeout", "Escalated"} & set(ps.event_types(request_id))
    assert "변경할 수 없다고" in customer_told(app_module, request_id)

    reloaded = client.http.get(f"/r/{token}")
    assert reloaded.status_code == 200
    assert "이미 응답했어요" in reloaded.body.decode()
