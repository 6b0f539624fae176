"""Delivers SQS messages to the app's ``@app.on_sqs_message`` handlers the way
Lambda's event source mapping does: long-poll the queue, call the handler with
a real SQS event (``batch_size`` records at most), delete the messages when
the handler returns, leave them for redelivery when it raises. The queue's
redrive policy then moves a message that keeps failing to its dead-letter queue.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Subscription:
    queue: str
    function_name: str
    handler: Callable[[dict, Any], Any]
    batch_size: int
    # The function's Lambda timeout in the stage: its context's remaining time.
    timeout_seconds: float = 60


class LambdaContext:
    """What a handler may read from Lambda's context object."""

    def __init__(self, function_name: str, timeout_seconds: float = 60) -> None:
        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 512
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _function_timeout(function: str) -> float:
    """As deployed in the running stage (.chalice/config.json), else Lambda-ish 60 s."""
    try:
        from provision import stages

        return float(stages.function_timeout(os.environ.get("STAGE") or "local", function))
    except Exception:  # noqa: BLE001 - a dev tool: a missing config is not fatal
        return 60.0


def subscriptions(app: Any, module: Any) -> list[Subscription]:
    from chalice.app import SQSEventConfig

    subs = []
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            queue = source.queue or source.queue_arn.rsplit(":", 1)[-1]
            handler = getattr(module, source.name)
            subs.append(Subscription(queue, source.name, handler, source.batch_size,
                                     _function_timeout(source.name)))
    return subs


def to_lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    body = message["Body"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class Dispatcher:
    def __init__(self, subs: list[Subscription], sqs: Any, *,
                 retry_after: int | None = None, poll_seconds: int = 1,
                 report: Callable[[str], None] | None = None) -> None:
        """``retry_after``: seconds before a failed message is visible again
        (None keeps the queue's visibility timeout, as Lambda does)."""
        self.subs = subs
        self.sqs = sqs
        self.retry_after = retry_after
        self.poll_seconds = poll_seconds
        self.report = report or (lambda line: None)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.delivered = 0
        self.failed = 0

    def start(self) -> Dispatcher:
        for sub in self.subs:
            thread = threading.Thread(target=self._loop, args=(sub,), daemon=True,
                                      name=f"sqs:{sub.queue}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.poll_seconds + 5)

    def _loop(self, sub: Subscription) -> None:
        url = arn = None
        while not self._stop.is_set():
            try:
                if url is None:
                    url = self.sqs.get_queue_url(QueueName=sub.queue)["QueueUrl"]
                    arn = self.sqs.get_queue_attributes(
                        QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                self.poll_once(sub, url, arn)
            except Exception as exc:  # noqa: BLE001 - keep polling through emulator hiccups
                if self._stop.is_set():
                    return
                self.report(f"[sqs] {sub.queue}: 폴링 오류 {exc!r:.120}")
                time.sleep(1)

    def poll_once(self, sub: Subscription, url: str, arn: str) -> int:
        got = self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=min(10, sub.batch_size),
            WaitTimeSeconds=self.poll_seconds, AttributeNames=["All"],
            MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            return 0
        region = arn.split(":")[3]
        event = {"Records": [to_lambda_record(m, arn, region) for m in got]}
        started = time.monotonic()
        ids = ", ".join(m["MessageId"][:8] for m in got)
        try:
            sub.handler(event, LambdaContext(sub.function_name, sub.timeout_seconds))
        except Exception as exc:  # noqa: BLE001 - a failing handler is a normal outcome
            self.failed += len(got)
            receives = max(int(m.get("Attributes", {}).get("ApproximateReceiveCount", 1))
                           for m in got)
            self.report(f"[sqs] {sub.queue} → {sub.function_name} 실패 "
                        f"({ids}, {receives}번째 수신): {type(exc).__name__}")
            if self.retry_after is not None:
                for m in got:
                    self.sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                        VisibilityTimeout=self.retry_after)
            return len(got)
        self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
        self.delivered += len(got)
        ms = (time.monotonic() - started) * 1000
        self.report(f"[sqs] {sub.queue} → {sub.function_name} 완료 ({ids}, {ms:.0f} ms)")
        return len(got)
