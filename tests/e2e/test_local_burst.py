"""A burst against `make run`'s app (`chalice local` through devstack/chalice_local.py):
120 connections opened at once -- 100 partners' thumbs on one link, 20
health checks -- are all answered, none reset, and the link's single use holds
over HTTP: one 200, 99 × 409. Each connection then asks for a page on the
same socket, as a browser keeps its connection alive. Loopback only."""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from urllib.parse import urlsplit

import pytest

from chalicelib import lifecycle
from tests.e2e.browser_support import local_url
from tests.integration import partner_support as ps

pytestmark = pytest.mark.stack

CLICKS = 100
HEALTH_CHECKS = 20


def link_of(local_stack, request_id: str) -> str:
    (_, text, _), = ps.wait_for(lambda: ps.sms_for(local_stack.endpoint, request_id), timeout=30)
    return urlsplit(local_url(ps.LINK.search(text).group(0), local_stack.url)).path


def test_a_burst_of_120_connections_is_answered_without_a_reset(local_stack):
    request_id = ps.new_request()
    arn = ps.start(request_id, 300)
    path = link_of(local_stack, request_id)  # the SMS went out: the link is live
    host = urlsplit(local_stack.url)
    start = threading.Barrier(CLICKS + HEALTH_CHECKS)
    lock = threading.Lock()
    outcomes: Counter[tuple[str, object]] = Counter()
    kept_alive: Counter[object] = Counter()

    def one(i: int) -> None:
        method, target, body, headers = (
            ("POST", path, b"decision=accept", dict(ps.FORM)) if i < CLICKS
            else ("GET", "/api/health", None, {}))
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        outcome: object = None
        second: object = None
        try:
            start.wait(30)
            conn.request(method, target, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            outcome = answer.status
            # The same connection again, as a browser's next request (a
            # page: the burst itself is what loads the emulator).
            conn.request("GET", "/")
            again = conn.getresponse()
            again.read()
            second = again.status
        except (OSError, http.client.HTTPException) as exc:  # resets, timeouts
            if outcome is None:
                outcome = type(exc).__name__
            second = type(exc).__name__
        finally:
            conn.close()
        with lock:
            outcomes[(method, outcome)] += 1
            kept_alive[second] += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(CLICKS + HEALTH_CHECKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert outcomes == {("POST", 200): 1, ("POST", 409): CLICKS - 1,
                        ("GET", 200): HEALTH_CHECKS}, outcomes
    assert kept_alive == {200: CLICKS + HEALTH_CHECKS}, kept_alive
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.RESPONDED
    assert ps.event_types(request_id).count("Responded") == 1
    assert ps.wait_execution(arn, timeout=30)["status"] == "SUCCEEDED"
