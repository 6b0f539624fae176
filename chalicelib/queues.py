"""Sending to the stage's SQS queues by their logical kind."""

from __future__ import annotations

import json
import threading
from typing import Any

from chalicelib import aws, settings

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


def reset() -> None:
    _urls.clear()
