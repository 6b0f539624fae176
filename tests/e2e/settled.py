"""Positive signals that the local stack has finished what it was doing, so a
test can then assert that something did *not* happen (no second SMS, no
reminder, no page) without a fixed pause that a slow machine outruns."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.integration import partner_support as ps


def handled(stack: Any, queue: str, **fields: Any) -> list[dict[str, Any]]:
    """Bodies of the messages on ``queue`` (its kind: "partner-links",
    "customer-notify") that the stack's dispatcher has handled (the handler
    returned and the message was deleted) whose JSON has every one of
    ``fields``."""
    from chalicelib import names

    wanted = names.queue_name(queue, "local")
    found = []
    for name, body in list(stack.dispatcher.handled):
        if name != wanted:
            continue
        try:
            doc = json.loads(body)
        except ValueError:
            continue
        if isinstance(doc, dict) and all(doc.get(k) == v for k, v in fields.items()):
            found.append(doc)
    return found


def wait_handled(stack: Any, queue: str, timeout: float = 30, **fields: Any
                 ) -> list[dict[str, Any]]:
    return ps.wait_for(lambda: handled(stack, queue, **fields), timeout=timeout, every=0.1)


def drained(stack: Any) -> bool:
    """No message visible or in flight on any queue the dispatcher serves
    (delayed messages are a later moment's work). The dispatcher deletes a
    message only after its handler returns, so this also says that no
    handler is running."""
    sqs = boto3.client("sqs", endpoint_url=stack.endpoint)
    for sub in stack.dispatcher.subs:
        url = sqs.get_queue_url(QueueName=sub.queue)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        if any(int(v) for v in attrs["Attributes"].values()):
            return False
    return True


def wait_drained(stack: Any, timeout: float = 30) -> None:
    ps.wait_for(lambda: drained(stack), timeout=timeout, every=0.1)
