"""Driving one request through the whole loop from the bench: chat message,
the partner's SMS, link open, answer, notification. Used by ``operations``
(each step by hand, so calls can be counted step by step) and ``end_to_end``
(the SQS dispatcher delivering, as on the local stack)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The sample reservation the chat names (fixtures/reservations.json).
RESERVATION = "RS2025110301"
CUSTOMER_PHONE = "010-1234-5678"
CHAT_TEXT = f"안녕하세요, {RESERVATION} 예약 날짜를 하루 뒤로 바꾸고 싶어요."
_LINK = re.compile(r"/r/([A-Za-z0-9_\-.~]+)")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Sms:
    at: float
    phone: str
    text: str

    @property
    def token(self) -> str | None:
        found = _LINK.search(self.text)
        return found.group(1) if found else None


class SmsTap:
    """Every SMS the app publishes through SNS, read off the client's own
    events (the text as sent, and when SNS accepted it)."""

    def __init__(self) -> None:
        self.sent: list[Sms] = []
        self._pending = threading.local()
        self._lock = threading.Lock()

    def hook(self, client: Any) -> None:
        if client.meta.service_model.service_name != "sns":
            return
        events = client.meta.events
        events.register("provide-client-params.sns.Publish", self._params,
                        unique_id=f"bench-sms-params-{id(self)}")
        events.register("after-call.sns.Publish", self._after,
                        unique_id=f"bench-sms-after-{id(self)}")

    def unhook(self, client: Any) -> None:
        if client.meta.service_model.service_name == "sns":
            events = client.meta.events
            events.unregister("provide-client-params.sns.Publish",
                              unique_id=f"bench-sms-params-{id(self)}")
            events.unregister("after-call.sns.Publish", unique_id=f"bench-sms-after-{id(self)}")

    def _params(self, params: dict[str, Any], **_: Any) -> None:
        self._pending.params = dict(params)

    def _after(self, http_response: Any = None, **_: Any) -> None:
        params = getattr(self._pending, "params", None) or {}
        if http_response is not None and http_response.status_code == 200:
            with self._lock:
                self.sent.append(Sms(time.perf_counter(), str(params.get("PhoneNumber")),
                                     str(params.get("Message"))))

    def for_request(self, request_id: str) -> Sms | None:
        from chalicelib import links

        with self._lock:
            sent = list(self.sent)
        for sms in sent:
            if sms.token and links.verify(sms.token).request_id == request_id:
                return sms
        return None

    def wait_for(self, request_id: str, timeout: float = 30) -> Sms:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.for_request(request_id)
            if found:
                return found
            time.sleep(0.01)
        raise TimeoutError(f"no SMS for request {request_id[:6]}… in {timeout:.0f} s")


def test_client(app_module: ModuleType) -> Any:
    from chalice.test import Client

    return Client(app_module.app, stage_name="local", project_dir=str(PROJECT_DIR))


def chat(client: Any, text: str = CHAT_TEXT, phone: str = CUSTOMER_PHONE) -> str:
    """POST /api/requests -> the new request's id (201 expected)."""
    out = client.http.post("/api/requests", headers={"Content-Type": "application/json"},
                           body=json.dumps({"text": text, "customerPhone": phone}))
    if out.status_code != 201:
        raise RuntimeError(f"POST /api/requests answered {out.status_code}: {out.body[:200]!r}")
    body = json.loads(out.body)
    TOKENS[body["requestId"]] = body["customerToken"]
    return body["requestId"]


# Each request's customer token, as the chat keeps it (GET needs it).
TOKENS: dict[str, str] = {}


def open_link(client: Any, token: str) -> None:
    out = client.http.get(f"/r/{token}")
    if out.status_code != 200:
        raise RuntimeError(f"GET /r/{{token}} answered {out.status_code}")


def answer(client: Any, token: str, decision: str = "accept") -> None:
    out = client.http.post(f"/r/{token}", headers=FORM, body=f"decision={decision}")
    if out.status_code != 200:
        raise RuntimeError(f"POST /r/{{token}} answered {out.status_code}")


def request_view(client: Any, request_id: str) -> dict[str, Any]:
    out = client.http.get(f"/api/requests/{request_id}",
                          headers={"X-Customer-Token": TOKENS.get(request_id, "")})
    return json.loads(out.body) if out.status_code == 200 else {}


class Deliverer:
    """Hands a queue's messages to the app's handler by hand, as Lambda's
    event source mapping would, one request's messages at a time."""

    def __init__(self, app_module: ModuleType, sqs: Any) -> None:
        from devstack.dispatcher import subscriptions

        self.app_module = app_module
        self.sqs = sqs
        self.subs = {s.function_name: s for s in subscriptions(app_module.app, app_module)}
        self._queues: dict[str, tuple[str, str]] = {}

    def _queue(self, function_name: str) -> tuple[str, str]:
        if function_name not in self._queues:
            name = self.subs[function_name].queue
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"]
            self._queues[function_name] = (url, arn)
        return self._queues[function_name]

    def deliver(self, function_name: str, request_id: str, timeout: float = 30,
                around: Callable[[], Any] | None = None) -> None:
        """Wait for the request's message on the handler's queue and deliver it
        (inside ``around()``, a context manager, when given). Messages of other
        requests are delivered too, outside it."""
        from contextlib import nullcontext

        from devstack.dispatcher import LambdaContext, to_lambda_record

        sub = self.subs[function_name]
        url, arn = self._queue(function_name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1,
                                           WaitTimeSeconds=1,
                                           AttributeNames=["All"]).get("Messages", [])
            for message in got:
                mine = _request_id(message["Body"]) == request_id
                event = {"Records": [to_lambda_record(message, arn, arn.split(":")[3])]}
                with (around() if mine and around else nullcontext()):
                    sub.handler(event, LambdaContext(function_name))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                if mine:
                    return
        raise TimeoutError(f"no {sub.queue} message for {request_id[:6]}… in {timeout:.0f} s")


def _request_id(body: str) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data.get("requestId") if isinstance(data, dict) else None


def missing(app_module: ModuleType) -> list[str]:
    """The parts of the loop not in the app yet."""
    want = ("create_request", "handle_partner_link", "partner_link_page",
            "partner_link_answer", "handle_customer_notification")
    return [name for name in want if not hasattr(app_module, name)]
