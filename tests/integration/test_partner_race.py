"""Thirty partners' thumbs on one link at once: one answer, one SendTaskSuccess."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from chalice.cli.factory import CLIFactory
from chalice.local import LocalGateway

from chalicelib import aws, lifecycle, links, partner
from tests.conftest import PROJECT_DIR
from tests.integration import partner_support as ps

pytestmark = pytest.mark.stack
THREADS = 30


def test_thirty_simultaneous_posts_one_winner(stack_env, app_module):
    request_id = ps.new_request()
    arn = ps.start(request_id, 30)
    partner.handle_link_message(ps.take_link_message(request_id)["Body"])
    token, _ = links.issue(request_id)

    # The app's own HTTP layer, shared by real threads as `chalice local` does
    # (chalice.test.Client swaps os.environ per request, which is not thread-safe).
    config = CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name="local")
    gateway = LocalGateway(app_module.app, config)
    sfn = aws.client("stepfunctions", "api")  # a route's client (chalicelib.aws)
    calls = []
    count = calls.append  # list.append is atomic

    def counting(**_):
        count(1)

    sfn.meta.events.register("before-call.sfn.SendTaskSuccess", counting)
    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    bodies: list[str] = []

    def click(i):
        decision = ("accept", "reject")[i % 2]
        start.wait()
        response = gateway.handle_request(
            method="POST", path=f"/r/{token}", headers=dict(ps.FORM),
            body=f"decision={decision}".encode())
        statuses.append(response["statusCode"])
        bodies.append(response["body"].decode() if isinstance(response["body"], bytes)
                      else response["body"])

    threads = [threading.Thread(target=click, args=(i,)) for i in range(THREADS)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        sfn.meta.events.unregister("before-call.sfn.SendTaskSuccess", counting)

    assert Counter(statuses) == {200: 1, 409: THREADS - 1}
    assert sum("링크가 이미 사용되었습니다" in b for b in bodies) == THREADS - 1
    assert len(calls) == 1
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.RESPONDED
    assert ps.event_types(request_id).count("Responded") == 1
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    succeeded = [e for e in ps.history(arn) if e["type"] == "TaskSucceeded"
                 and e["taskSucceededEventDetails"]["resource"] == "sendMessage.waitForTaskToken"]
    assert len(succeeded) == 1
    notified = ps.notify_messages(arn)
    assert len(notified) == 1
    assert notified[0]["answer"]["decision"] == request["partnerDecision"]
