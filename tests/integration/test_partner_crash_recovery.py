"""A link handler that dies after claiming the link, before publishing: the
next delivery -- after the queue's own visibility timeout, as Lambda's event
source mapping does it -- finds the lock over and sends the SMS. Locally the
same rule at the local stage's timings (handler timeout T = 5 s, visibility
V = T + 5 = 10 s): SMS within V + T = 15 s (prod: 15 + 10 = 25 s, see
tests/unit/test_crash_recovery_timing.py)."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from chalicelib import lifecycle, queues
from chalicelib.partner import sender
from devstack.dispatcher import Dispatcher, LambdaContext, subscriptions, to_lambda_record
from provision import stages
from tests.integration import partner_support as ps

pytestmark = pytest.mark.stack


class Crash(BaseException):
    """The function dying (timeout, out of memory): no except clause runs."""


def receive_link_message(request_id: str) -> dict:
    """Received as the doomed invocation would be: with the queue's own visibility."""
    sqs = boto3.client("sqs")
    url = queues.url("partner-links")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     AttributeNames=["All"]).get("Messages", []):
            if json.loads(m["Body"]).get("requestId") == request_id:
                return m
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                          VisibilityTimeout=0)
    raise AssertionError("no link message")


def test_a_crash_after_the_claim_still_sends_the_sms_soon(
        app_module, stack_env, emulator, monkeypatch):
    sqs = boto3.client("sqs")
    url = queues.url("partner-links")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    visibility = int(attrs["VisibilityTimeout"])
    timeout = stages.function_timeout("local", "handle_partner_link")
    limit = visibility + timeout
    assert limit <= 15  # the scaled equivalent of prod's 25 s of 30

    request_id = ps.new_request()
    ps.start(request_id, 120)
    message = receive_link_message(request_id)

    def die(*_args, **_kwargs):
        raise Crash()

    monkeypatch.setattr(sender, "publish_sms", die)
    event = {"Records": [to_lambda_record(message, attrs["QueueArn"],
                                          attrs["QueueArn"].split(":")[3])]}
    crashed_at = time.monotonic()
    with pytest.raises(Crash):
        app_module.handle_partner_link(event, LambdaContext("handle_partner_link", timeout))
    assert lifecycle.link(request_id)["state"] == lifecycle.INPROGRESS  # held by the dead
    assert not ps.sms_for(emulator.url, request_id)
    monkeypatch.undo()

    dispatcher = Dispatcher(subscriptions(app_module.app, app_module), sqs,
                            retry_after=None).start()  # the queue's visibility, as Lambda
    try:
        sent = ps.wait_for(lambda: ps.sms_for(emulator.url, request_id), timeout=limit + 1)
        took = time.monotonic() - crashed_at
    finally:
        dispatcher.stop()
    assert len(sent) == 1
    assert took <= limit, f"SMS {took:.1f}s after the crash"
    assert ps.wait_status(request_id, lifecycle.SMS_SENT)["status"] == lifecycle.SMS_SENT
    assert ps.event_types(request_id)[:2] == ["Created", "SMS Sent"]
