"""Sending to the stage's SQS queues by their logical kind."""

from __future__ import annotations

import json
import threading
from typing import Any

from chalicelib import aws, logs, settings

_urls: dict[str, str] = {}
_lock = threading.Lock()


def url(kind: str, profile: str = "default") -> str:
    """The queue's URL, looked up once per container."""
    name = settings.current().queue_name(kind)
    found = _urls.get(name)
    if found:
        return found
    with _lock:
        if name not in _urls:
            _urls[name] = aws.client("sqs", profile).get_queue_url(QueueName=name)["QueueUrl"]
        return _urls[name]


def send(kind: str, body: dict[str, Any], profile: str = "default") -> str:
    out = aws.client("sqs", profile).send_message(
        QueueUrl=url(kind, profile), MessageBody=json.dumps(body, ensure_ascii=False))
    return out["MessageId"]


def dead_letter_url(kind: str) -> str:
    """The DLQ of ``kind``'s queue (``<queue>-dlq``, see ``names``)."""
    name = settings.current().queue_name(kind) + "-dlq"
    found = _urls.get(name)
    if found:
        return found
    with _lock:
        if name not in _urls:
            _urls[name] = aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
        return _urls[name]


def set_aside(kind: str, body: str, reason: str, receipt_handle: str | None = None) -> bool:
    """A message no retry can fix (a poison message) goes to its queue's DLQ,
    where operators can read it, instead of failing its batch: Chalice's
    ``on_sqs_message`` cannot report partial batch failures (aws/chalice#2029).
    With ``receipt_handle`` it is also deleted from its queue now, so a later
    failure of the batch does not bring it back (and set it aside twice).
    False when it could not be moved: it then goes with its batch."""
    sqs = aws.client("sqs")
    try:
        sqs.send_message(QueueUrl=dead_letter_url(kind), MessageBody=body or "(empty)",
                         MessageAttributes={"reason": {"DataType": "String",
                                                       "StringValue": reason[:200]}})
        if receipt_handle:
            sqs.delete_message(QueueUrl=url(kind), ReceiptHandle=receipt_handle)
    except Exception as exc:  # noqa: BLE001 - the batch goes on either way
        logs.record("queue_message_not_set_aside", level=40, queue=kind, reason=reason,
                    code=aws.error_code(exc) or type(exc).__name__)
        return False
    logs.record("queue_message_set_aside", level=30, queue=kind, reason=reason)
    return True


def reset() -> None:
    _urls.clear()
