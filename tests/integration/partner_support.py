"""Helpers for the partner confirmation tests (against the moto emulator)."""

from __future__ import annotations

import json
import os
import random
import re
import time
from typing import Any

import boto3
import requests

from chalicelib import lifecycle, links, queues
from tests.requests_support import customer_token_fields

LINK = re.compile(r"/r/([A-Za-z0-9_-]+)")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def new_request(text: str = "체크인 시간을 오후 5시로 바꿀 수 있을까요?",
                intent: str = "ChangeReservation", **extra: Any) -> str:
    request_id = lifecycle.new_request_id()
    fields = {
        "partnerId": "P001", "partnerName": "바다뷰 펜션",
        "partnerPhone": "+8210" + f"{random.randrange(10**8):08d}",
        "reservation": {"serviceName": "오션뷰 디럭스 2박",
                        "startsAt": "2026-12-24T15:00:00+09:00", "partySize": 2,
                        "customerName": "김민지"},
    }
    fields.update(customer_token_fields(request_id))
    fields.update(extra)
    lifecycle.create(request_id, intent=intent,
                         reservation_number="RS2025110301", customer_phone="+821012345678",
                         text=text, **fields)
    return request_id


def start(request_id: str, timeout_seconds: int, reminder_seconds: int = 900) -> str:
    return boto3.client("stepfunctions").start_execution(
        stateMachineArn=os.environ["PARTNER_CONFIRMATION_ARN"], name=request_id,
        input=json.dumps({"requestId": request_id, "timeoutSeconds": timeout_seconds,
                          "reminderSeconds": reminder_seconds}),
    )["executionArn"]


def take_link_message(request_id: str, wait: float = 15) -> dict[str, Any]:
    """The WaitPartner message of this request, removed from the queue (others
    are put back at once)."""
    sqs = boto3.client("sqs")
    url = queues.url("partner-links")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  AttributeNames=["All"]).get("Messages", [])
        for message in got:
            body = json.loads(message["Body"])
            if body.get("requestId") == request_id and "taskToken" in body:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                return message
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                          VisibilityTimeout=0)
    raise AssertionError(f"no link message for {request_id} within {wait}s")


def sent_sms(endpoint: str) -> list[tuple[str, str]]:
    """Every SMS the emulator's SNS accepted: (phone number, text)."""
    data = requests.get(endpoint + "/moto-api/data.json",
                        params={"service": "sns", "model": "SMS"}, timeout=10).json()
    return [(m["phone_number"], m["message"]) for m in data.get("sns", {}).get("SMS", [])]


def sms_for(endpoint: str, request_id: str) -> list[tuple[str, str, str]]:
    """(phone, text, token) of the SMS whose link verifies to this request."""
    found = []
    for number, text in sent_sms(endpoint):
        match = LINK.search(text)
        if match and links.verify(match.group(1)).known_request_id == request_id:
            found.append((number, text, match.group(1)))
    return found


def wait_for(predicate, timeout: float = 15, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)


def wait_status(request_id: str, status: str, timeout: float = 15) -> dict[str, Any]:
    return wait_for(lambda: (lambda r: r if r and r["status"] == status else None)(
        lifecycle.get(request_id)), timeout)


def wait_execution(arn: str, timeout: float = 15) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions")
    return wait_for(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
        sfn.describe_execution(executionArn=arn)), timeout)


def history(arn: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    events, token = [], None
    while True:
        page = sfn.get_execution_history(executionArn=arn, maxResults=1000,
                                         **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def notify_messages(arn: str) -> list[dict[str, Any]]:
    """Bodies the NotifyCustomer step sent to the customer-notify queue, read
    from the execution history (the notify handler may already have consumed
    the message)."""
    sent, pending = [], None
    for event in history(arn):
        if event["type"] == "TaskScheduled":
            details = event["taskScheduledEventDetails"]
            params = json.loads(details["parameters"])
            pending = (params if details["resource"] == "sendMessage"
                       and "customer-notify" in params.get("QueueUrl", "") else None)
        elif event["type"] == "TaskSucceeded" and pending is not None:
            body = pending["MessageBody"]
            sent.append(json.loads(body) if isinstance(body, str) else body)
            pending = None
    return sent


def event_types(request_id: str, ignore: tuple[str, ...] = ("Notified",)) -> list[str]:
    """The request's timeline, without the notification handler's own events
    (that handler may run at any moment while the dispatcher is on)."""
    return [e["type"] for e in (lifecycle.get(request_id) or {}).get("events", [])
            if e["type"] not in ignore]
