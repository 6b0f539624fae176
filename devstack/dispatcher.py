"""Delivers SQS messages to the app's ``@app.on_sqs_message`` handlers the way
Lambda's event source mapping does: long-poll the queue, call the handler with
a real SQS event (``batch_size`` records at most), delete the messages when
the handler returns, leave them for redelivery when it raises. The queue's
redrive policy then moves a message that keeps failing to its dead-letter queue.

``@app.on_dynamodb_record`` handlers get the table's stream the same way:
GetRecords on each shard, in order, a Lambda-shaped DynamoDB event of at most
``batch_size`` records; the shard's position moves on only when the handler
returns. A failing batch is retried, then bisected (as the mapping's
``BisectBatchOnFunctionError``), and a single record that still fails after
``STREAM_MAX_RETRIES`` retries is skipped with an error report (the mapping's
``MaximumRetryAttempts``; provision/streams.py sets the same numbers in AWS),
so one poison record never blocks the shard.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections import deque
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


@dataclass
class StreamSubscription:
    stream_arn: str
    function_name: str
    handler: Callable[[dict, Any], Any]
    batch_size: int


# The same limits as the deployed mapping (provision/streams.py).
STREAM_MAX_RETRIES = 3
STREAM_POLL_SECONDS = 0.25   # Lambda polls each shard four times a second
HANDLED_KEPT = 10_000        # messages remembered in Dispatcher.handled


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


def stream_subscriptions(app: Any, module: Any) -> list[StreamSubscription]:
    from chalice.app import DynamoDBEventConfig

    return [StreamSubscription(source.stream_arn, source.name, getattr(module, source.name),
                               source.batch_size)
            for source in app.event_sources if isinstance(source, DynamoDBEventConfig)]


def to_lambda_stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it over: epoch seconds, the ARN."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        dynamodb["ApproximateCreationDateTime"] = float(int(created.timestamp()))
    return {"eventID": record["eventID"], "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb", "awsRegion": stream_arn.split(":")[3],
            "dynamodb": dynamodb, "eventSourceARN": stream_arn}


class StreamPoller:
    """One stream subscription: the shards' positions, and delivery with
    Lambda's retry / bisect / skip. ``start()`` takes the positions (LATEST:
    the dispatcher starts with the stack, like a mapping created then), so a
    write made after ``start()`` returns is delivered."""

    def __init__(self, sub: StreamSubscription, streams: Any,
                 report: Callable[[str], None], max_retries: int = STREAM_MAX_RETRIES) -> None:
        self.sub = sub
        self.streams = streams
        self.report = report
        self.max_retries = max_retries
        self.iterators: dict[str, str] = {}
        self.delivered = self.failed = self.skipped = 0

    def start(self, position: str = "LATEST") -> None:
        shards = self.streams.describe_stream(StreamArn=self.sub.stream_arn)[
            "StreamDescription"]["Shards"]
        for shard in shards:
            self.iterators[shard["ShardId"]] = self.streams.get_shard_iterator(
                StreamArn=self.sub.stream_arn, ShardId=shard["ShardId"],
                ShardIteratorType=position)["ShardIterator"]

    def poll_once(self) -> int:
        """One GetRecords per shard, each batch handled before moving on."""
        handled = 0
        for shard_id, iterator in list(self.iterators.items()):
            got = self.streams.get_records(ShardIterator=iterator, Limit=self.sub.batch_size)
            records = [to_lambda_stream_record(r, self.sub.stream_arn) for r in got["Records"]]
            if records:
                self.deliver(records)
                handled += len(records)
            if got.get("NextShardIterator"):
                self.iterators[shard_id] = got["NextShardIterator"]
        return handled

    def deliver(self, records: list[dict[str, Any]]) -> None:
        """Retry, then bisect, then skip: returns when every record was
        handled or set aside."""
        for attempt in range(self.max_retries + 1):
            try:
                self.sub.handler({"Records": records}, LambdaContext(self.sub.function_name))
            except Exception as exc:  # noqa: BLE001 - a failing handler is a normal outcome
                self.failed += len(records)
                self.report(f"[stream] → {self.sub.function_name} 실패 "
                            f"({len(records)}건, {attempt + 1}번째): {type(exc).__name__}")
                last = exc
                continue
            self.delivered += len(records)
            return
        if len(records) > 1:
            half = len(records) // 2
            self.deliver(records[:half])
            self.deliver(records[half:])
            return
        self.skipped += 1
        self.report(f"[stream] → {self.sub.function_name}: 레코드 "
                    f"{records[0]['dynamodb'].get('SequenceNumber')}를 "
                    f"{self.max_retries}번 재시도 후 건너뜁니다: {last!r:.120}")


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
                 report: Callable[[str], None] | None = None,
                 streams: list[StreamSubscription] | None = None,
                 streams_client: Any = None) -> None:
        """``retry_after``: seconds before a failed message is visible again
        (None keeps the queue's visibility timeout, as Lambda does).
        ``streams``: the app's stream handlers, read with ``streams_client``
        (a ``dynamodbstreams`` client; by default one beside ``sqs``)."""
        self.subs = subs
        self.stream_subs = streams or []
        self.streams_client = streams_client
        self.pollers: list[StreamPoller] = []
        self.sqs = sqs
        self.retry_after = retry_after
        self.poll_seconds = poll_seconds
        self.report = report or (lambda line: None)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.delivered = 0
        self.failed = 0
        # (queue, body) of the latest messages handled and deleted: what a
        # test waits for to know a delivery has happened (not a pause).
        self.handled: deque[tuple[str, str]] = deque(maxlen=HANDLED_KEPT)

    def start(self) -> Dispatcher:
        if self.stream_subs and self.streams_client is None:
            import boto3

            self.streams_client = boto3.session.Session(
                region_name=self.sqs.meta.region_name).client(
                "dynamodbstreams", endpoint_url=self.sqs.meta.endpoint_url)
        for stream_sub in self.stream_subs:
            poller = StreamPoller(stream_sub, self.streams_client, self.report)
            poller.start()  # before returning: later writes are delivered
            self.pollers.append(poller)
            thread = threading.Thread(target=self._stream_loop, args=(poller,), daemon=True,
                                      name=f"stream:{stream_sub.function_name}")
            thread.start()
            self._threads.append(thread)
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

    def _stream_loop(self, poller: StreamPoller) -> None:
        while not self._stop.is_set():
            try:
                if not poller.poll_once():
                    self._stop.wait(STREAM_POLL_SECONDS)
            except Exception as exc:  # noqa: BLE001 - keep polling through emulator hiccups
                if self._stop.is_set():
                    return
                self.report(f"[stream] {poller.sub.function_name}: 폴링 오류 {exc!r:.120}")
                self._stop.wait(1)

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
        self.handled.extend((sub.queue, m.get("Body", "")) for m in got)
        ms = (time.monotonic() - started) * 1000
        self.report(f"[sqs] {sub.queue} → {sub.function_name} 완료 ({ids}, {ms:.0f} ms)")
        return len(got)
