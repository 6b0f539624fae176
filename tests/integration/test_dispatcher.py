"""The SQS dispatcher behaves like Lambda's event source mapping."""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest

from devstack.dispatcher import Dispatcher, Subscription, subscriptions

pytestmark = pytest.mark.stack


def _queue_pair(name: str, max_receive: int = 2):
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": "30",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": str(max_receive)})})["QueueUrl"]
    return sqs, url, dlq


def _count(sqs, url) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"])


def _wait(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_handled_message_is_deleted_and_event_is_lambda_shaped(emulator):
    sqs, url, dlq = _queue_pair("disp-ok")
    seen: list[dict] = []
    done = threading.Event()

    def handler(event, context):
        seen.append(event)
        assert context.get_remaining_time_in_millis() > 0
        done.set()

    disp = Dispatcher([Subscription("disp-ok", "handler", handler, 1)], sqs).start()
    try:
        sqs.send_message(QueueUrl=url, MessageBody='{"hello": "세계"}')
        assert done.wait(15)
        assert _wait(lambda: _count(sqs, url) == 0)
    finally:
        disp.stop()
    record = seen[0]["Records"][0]
    assert json.loads(record["body"]) == {"hello": "세계"}
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":disp-ok")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert disp.delivered == 1 and disp.failed == 0
    assert _count(sqs, dlq) == 0


def test_failing_message_comes_back_then_lands_in_dead_letter_queue(emulator):
    sqs, url, dlq = _queue_pair("disp-fail", max_receive=2)
    attempts: list[str] = []

    def handler(event, context):
        attempts.append(event["Records"][0]["attributes"]["ApproximateReceiveCount"])
        raise RuntimeError("boom")

    lines: list[str] = []
    disp = Dispatcher([Subscription("disp-fail", "handler", handler, 1)], sqs,
                      retry_after=1, report=lines.append).start()
    try:
        sqs.send_message(QueueUrl=url, MessageBody="{}")
        assert _wait(lambda: _count(sqs, dlq) == 1, timeout=30)
    finally:
        disp.stop()
    assert attempts == ["1", "2"]  # delivered again, then moved after maxReceiveCount
    assert _count(sqs, url) == 0
    assert any("실패" in line for line in lines)


def test_batches_respect_batch_size(emulator):
    sqs, url, _ = _queue_pair("disp-batch")
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"i": i}))
    sizes: list[int] = []
    disp = Dispatcher([Subscription("disp-batch", "h", lambda e, c: sizes.append(
        len(e["Records"])), 3)], sqs).start()
    try:
        assert _wait(lambda: sum(sizes) == 5)
    finally:
        disp.stop()
    assert max(sizes) <= 3


def test_app_subscriptions_are_discovered(app_module):
    subs = {s.queue: s for s in subscriptions(app_module.app, app_module)}
    for sub in subs.values():
        assert callable(sub.handler)
        assert sub.queue.startswith("partnerline-local-")
