"""End to end on the local stack, in process: the app through
``chalice.test.Client`` (no HTTP server), the emulator's Step Functions running
our state machine, and devstack's SQS ``Dispatcher`` delivering the queues to
the handlers as Lambda would. Two latencies per request, over N requests made
one after another: the customer's chat message until SNS accepted the
partner's SMS, and the partner's click (POST) until the customer's
notification is visible on ``GET /api/requests/{id}`` (template path)."""

from __future__ import annotations

import time
from typing import Any

from bench import loop
from bench.awscalls import on_every_client
from bench.report import NOT_BUILT, Row, p50_p95

NAME = "End to end (local stack)"
POLL_SECONDS = 0.01


def wait_notified(client: Any, request_id: str, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = loop.request_view(client, request_id)
        if view.get("notification"):
            return time.perf_counter()
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"no notification for {request_id[:6]}… in {timeout:.0f} s")


def one(client: Any, tap: loop.SmsTap) -> tuple[float, float]:
    started = time.perf_counter()
    request_id = loop.chat(client)
    sms = tap.wait_for(request_id)
    to_sms = sms.at - started
    clicked = time.perf_counter()
    loop.answer(client, sms.token or "", "accept")
    return to_sms, wait_notified(client, request_id) - clicked


def run(stage: Any) -> tuple[list[Row], list[str]]:
    from devstack.dispatcher import Dispatcher, subscriptions

    app_module = stage.app_module
    n = stage.options.get("e2e_requests", 20)
    absent = loop.missing(app_module)
    if absent:
        return [Row(NAME, "chat message → SMS sent, p50 / p95", NOT_BUILT),
                Row(NAME, "partner click → notification visible, p50 / p95", NOT_BUILT)], [
            f"End to end: not measured, the app lacks {absent}."]
    sqs = stage.boto_client("sqs")
    tap = loop.SmsTap()
    dispatcher = Dispatcher(subscriptions(app_module.app, app_module), sqs,
                            retry_after=1).start()
    to_sms, to_notice = [], []
    try:
        with on_every_client(tap.hook, tap.unhook), loop.test_client(app_module) as client:
            one(client, tap)  # warm-up, not counted
            for i in range(n):
                stage.progress(f"end to end {i + 1}/{n}")
                a, b = one(client, tap)
                to_sms.append(a)
                to_notice.append(b)
    finally:
        dispatcher.stop()
    rows = [
        Row(NAME, "chat message → SMS sent, p50 / p95", p50_p95(to_sms),
            f"{n} requests, one at a time",
            "POST /api/requests → Step Functions → SQS → link handler → SNS"),
        Row(NAME, "partner click → notification visible, p50 / p95", p50_p95(to_notice),
            f"{n} requests, template notifier",
            "POST /r/{token} → SendTaskSuccess → SQS → notifier → GET /api/requests/{id}"),
    ]
    notes = ["End to end: chalice.test.Client in process (no HTTP server), devstack's "
             "Dispatcher long-polling each queue (1 s wait), moto running the state machine; "
             f"the notification is polled every {POLL_SECONDS * 1000:.0f} ms."]
    return rows, notes
