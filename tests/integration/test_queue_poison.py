"""Poison and forged queue messages: each is set aside to its queue's DLQ
(Chalice cannot report partial batch failures, aws/chalice#2029), its
batch-mates go on, and nothing it names is acted on beyond its schema."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib import lifecycle, queues
from tests.integration import partner_support as ps

pytestmark = pytest.mark.stack

DEEP = "[" * 50_000 + "]" * 50_000


def sqs():
    return boto3.client("sqs")


def drain(url: str) -> list[dict]:
    """Every message waiting in the queue, removed."""
    got = []
    while True:
        batch = sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                      MessageAttributeNames=["All"],
                                      AttributeNames=["All"]).get("Messages", [])
        if not batch:
            return got
        for m in batch:
            sqs().delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        got += batch


def lambda_event(kind: str, bodies: list[str]) -> tuple[dict, list[dict]]:
    """Send ``bodies`` to the queue, receive them as Lambda would (one batch)."""
    url = queues.url(kind)
    drain(url)
    for body in bodies:
        sqs().send_message(QueueUrl=url, MessageBody=body)
    received: list[dict] = []
    while len(received) < len(bodies):
        received += sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                          WaitTimeSeconds=1, AttributeNames=["All"]
                                          ).get("Messages", [])
    from devstack.dispatcher import to_lambda_record

    arn = sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return ({"Records": [to_lambda_record(m, arn, arn.split(":")[3]) for m in received]},
            received)


def in_flight_comes_back(kind: str, received: list[dict]) -> list[str]:
    """Make every received message visible again; the bodies still in the queue."""
    url = queues.url(kind)
    for m in received:
        try:
            sqs().change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                            VisibilityTimeout=0)
        except Exception:  # noqa: BLE001 - deleted messages have no visibility to change
            pass
    return [m["Body"] for m in drain(url)]


def test_a_deep_body_on_the_link_queue_is_set_aside_not_retried(app_module, stack_env):
    drain(queues.dead_letter_url("partner-links"))
    event, _ = lambda_event("partner-links", [DEEP])
    app_module.handle_partner_link(event, None)  # no RecursionError
    assert [m["Body"] for m in drain(queues.dead_letter_url("partner-links"))] == [DEEP]


def test_a_forged_notify_message_is_set_aside_and_tells_nobody(app_module, stack_env):
    request_id = ps.new_request()  # Created: the partner never answered
    drain(queues.dead_letter_url("customer-notify"))
    forged = json.dumps({"requestId": request_id, "outcome": "answered",
                         "answer": {"decision": "accept", "respondedAt": "2026-11-29T00:00:00Z"}})
    event, _ = lambda_event("customer-notify", [forged, DEEP])
    for record in event["Records"]:  # batch size 1, as deployed
        app_module.handle_customer_notification({"Records": [record]}, None)
    item = lifecycle.get(request_id)
    assert "notification" not in item
    assert [e["type"] for e in item["events"]] == ["Created"]
    aside = drain(queues.dead_letter_url("customer-notify"))
    assert sorted(m["Body"] for m in aside) == sorted([forged, DEEP])


