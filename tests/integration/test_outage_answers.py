"""AWS unreachable, stalled, failing or dropping answers: every HTTP route
answers a Korean 503 within 3 s, never claims a write failed when it may have
landed, and works again by itself once AWS is back."""

from __future__ import annotations

import json
import os
import re
import time

import boto3
import pytest

from chalicelib import aws, lifecycle, links, queues
from chalicelib.chat import intake
from devstack import faults
from devstack.ports import free_port
from tests.integration.partner_support import FORM, new_request
from tests.operators_support import bearer
from tests.requests_support import customer_headers

pytestmark = pytest.mark.stack

HANGUL = re.compile(r"[가-힣]")
BUDGET_SECONDS = 3.0
RS, RS_PHONE = "RS-2025110301", "010-1234-5678"


def auth() -> dict[str, str]:
    return bearer("admin")


def routes(request_id: str, token: str) -> list[tuple[str, str, dict, str | None]]:
    """(method, path, headers, body) of every route that calls AWS."""
    chat = json.dumps({"text": "체크인을 5시로 바꿀 수 있을까요?", "customerPhone": RS_PHONE,
                       "reservationNumber": RS})
    return [
        ("GET", "/api/health", {}, None),
        ("POST", "/api/requests", {"Content-Type": "application/json"}, chat),
        ("GET", f"/api/requests/{request_id}", customer_headers(request_id), None),
        ("GET", f"/r/{token}", {}, None),
        ("POST", f"/r/{token}", FORM, "decision=accept"),
        ("GET", "/api/admin/requests", auth(), None),
        ("GET", "/api/admin/registrations", auth(), None),
        ("GET", "/api/admin/stats", auth(), None),
    ]


def call(client, method: str, path: str, headers: dict, body: str | None):
    started = time.monotonic()
    response = client.http.request(method, path, headers=headers, body=body or b"")
    return response, time.monotonic() - started


def assert_unavailable(response, elapsed: float, path: str) -> str:
    assert response.status_code == 503, (path, response.status_code, response.body[:300])
    assert elapsed < BUDGET_SECONDS, (path, round(elapsed, 2))
    text = response.body.decode()
    assert "Traceback" not in text
    if path.startswith("/r/"):
        assert response.headers["Content-Type"].startswith("text/html")
        assert HANGUL.search(text)
        return text
    body = json.loads(text)
    assert set(body) >= {"code", "message"} and HANGUL.search(body["message"])
    assert body["code"] in ("SERVICE_UNAVAILABLE", "NOT_READY")
    return body["message"]


@pytest.fixture
def arranged(stack_env):
    """A request waiting for the partner and a valid link to it."""
    request_id = new_request()
    token, _ = links.issue(request_id)
    return request_id, token


def assert_recovered(client, request_id: str, token: str) -> None:
    # By itself: no reset. The emulator may still be finishing the requests
    # the fault held back, so the first answer may take a moment.
    deadline = time.monotonic() + 15
    while client.http.get("/api/health").status_code != 200:
        assert time.monotonic() < deadline, "not recovered within 15 s"
        time.sleep(0.5)
    assert client.http.get(f"/api/requests/{request_id}",
                           headers=customer_headers(request_id)).status_code == 200
    assert client.http.get(f"/r/{token}").status_code == 200
    assert client.http.get("/api/admin/requests", headers=auth()).status_code == 200


OUTAGES = {
    # A stall: every call answered long after the route's read timeout.
    "stall": {"service": "*", "fault": "delay", "seconds": 4, "ttl": 120},
    # Every call a 5xx (botocore retries it, then gives up).
    "error": {"service": "*", "fault": "error", "ttl": 120},
    # Applied, then the connection closed with no answer.
    "drop": {"service": "*", "fault": "drop", "ttl": 120},
    # Throttled even after the retries.
    "throttle": {"service": "*", "fault": "throttle", "ttl": 120},
}


@pytest.mark.parametrize("outage", sorted(OUTAGES))
def test_every_route_answers_a_korean_503_within_3s_then_recovers(client, emulator, arranged,
                                                                    outage):
    request_id, token = arranged
    faults.inject(emulator.url, OUTAGES[outage])
    try:
        for method, path, headers, body in routes(request_id, token):
            response, elapsed = call(client, method, path, headers, body)
            assert_unavailable(response, elapsed, path)
    finally:
        faults.clear(emulator.url)
    assert_recovered(client, request_id, token)


@pytest.fixture
def unreachable(monkeypatch):
    """AWS_ENDPOINT_URL pointing at a closed port, clients made afresh; put back after."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    aws.reset()
    queues.reset()
    yield
    monkeypatch.undo()
    aws.reset()
    queues.reset()


def test_an_unreachable_endpoint_is_a_korean_503_within_3s(client, arranged, unreachable):
    request_id, token = arranged
    for method, path, headers, body in routes(request_id, token):
        response, elapsed = call(client, method, path, headers, body)
        assert_unavailable(response, elapsed, path)


def test_recovers_once_the_endpoint_answers_again(client, arranged, emulator, monkeypatch):
    request_id, token = arranged
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    aws.reset()
    try:
        assert client.http.get(f"/api/requests/{request_id}",
                               headers=customer_headers(request_id)).status_code == 503
    finally:
        monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
        aws.reset()
        queues.reset()
    assert_recovered(client, request_id, token)


def post_chat_message_losing_put_answers(client, emulator, count: int | None = None):
    """A chat message posted while each DynamoDB PutItem is applied and its
    answer lost (the first ``count`` of them, or every one for a minute)."""
    rule = {"service": "dynamodb", "operation": "PutItem", "fault": "drop", "ttl": 60}
    if count is not None:
        rule["count"] = count
    with faults.injected(emulator.url, rule):
        response = client.http.post(
            "/api/requests", headers={"Content-Type": "application/json"},
            body=json.dumps({"text": "체크인 시간을 오후 5시로 바꿀 수 있을까요?",
                             "customerPhone": RS_PHONE, "reservationNumber": RS}))
        fired = faults.status(emulator.url)["fired"].get("dynamodb.PutItem.drop", 0)
    assert fired >= 1 and (count is None or fired == count)
    return response


def test_a_write_that_may_have_landed_is_never_called_failed(client, emulator, arranged):
    """The request's write is applied and its answer lost: the customer hears
    that it is not known (with the request id to look it up), not that it
    failed; looking it up tells the truth."""
    before = time.monotonic()
    response = post_chat_message_losing_put_answers(client, emulator)
    assert time.monotonic() - before < BUDGET_SECONDS + 1  # the fault's own HTTP calls
    assert response.status_code == 503
    body = response.json_body
    assert body["code"] == "SERVICE_UNAVAILABLE"
    assert "확인하지 못했어요" in body["message"] and "실패" not in body["message"]
    landed = client.http.get(f"/api/requests/{body['requestId']}",
                             headers={"X-Customer-Token": body["customerToken"]})
    assert landed.status_code == 200  # it did land: the id finds it
    assert landed.json_body["status"] in ("Created", "SMS Sent")


def test_a_request_that_landed_but_never_started_is_started_when_looked_up(
        client, emulator, arranged, monkeypatch, log_lines):
    """Every attempt of the request's write lands with its answer lost: the POST
    is a 503 with the id and the workflow never started. Looking it up (as the
    chat does) starts it, once; before the grace period it is left alone."""
    from tests.integration.test_intake_api import execution, stop

    response = post_chat_message_losing_put_answers(client, emulator)
    assert response.status_code == 503
    request_id = response.json_body["requestId"]
    mine = {"X-Customer-Token": response.json_body["customerToken"]}
    assert execution(request_id) is None  # the POST gave up before the start

    assert client.http.get(f"/api/requests/{request_id}", headers=mine).status_code == 200
    assert execution(request_id) is None  # within the grace period: its POST may still start it

    monkeypatch.setattr(intake, "START_GRACE_SECONDS", 0)
    looked = client.http.get(f"/api/requests/{request_id}", headers=mine)
    assert looked.status_code == 200
    assert execution(request_id)["status"] == "RUNNING"
    # Started already: no second run.
    again = client.http.get(f"/api/requests/{request_id}", headers=mine)
    assert again.status_code == 200
    runs = boto3.client("stepfunctions").list_executions(
        stateMachineArn=os.environ["PARTNER_CONFIRMATION_ARN"])["executions"]
    assert [r["name"] for r in runs].count(request_id) == 1
    assert any('"partner_confirmation_resumed"' in line for line in log_lines)
    stop(request_id)


def test_a_write_whose_answer_is_lost_once_is_recognised_on_the_retry(client, emulator,
                                                                       arranged):
    """The SDK retries a PutItem whose answer was lost; the retry finds the item
    there (its own write): the request is created once and answered 201."""
    before = {i["requestId"] for i in lifecycle.list_recent(limit=10_000)}
    response = post_chat_message_losing_put_answers(client, emulator, count=1)
    assert response.status_code == 201, response.body
    created = {i["requestId"] for i in lifecycle.list_recent(limit=10_000)} - before
    assert created == {response.json_body["requestId"]}


def test_a_partner_answer_in_an_outage_says_its_fate_is_unknown(client, emulator, arranged):
    _request_id, token = arranged
    with faults.injected(emulator.url, {"service": "dynamodb", "operation": "UpdateItem",
                                        "fault": "drop", "ttl": 60}):
        response = client.http.post(f"/r/{token}", headers=FORM, body="decision=accept")
    assert response.status_code == 503
    page = response.body.decode()
    assert "확인하지 못했어요" in page and "반영되지 않았어요" not in page


def test_a_read_in_an_outage_says_only_to_come_back(client, emulator, arranged):
    request_id, _token = arranged
    with faults.injected(emulator.url, {"service": "dynamodb", "fault": "error", "ttl": 60}):
        response = client.http.get(f"/api/requests/{request_id}",
                                   headers=customer_headers(request_id))
    assert response.status_code == 503
    assert "확인하지 못했어요" not in response.json_body["message"]


def test_the_route_profile_gives_up_within_the_budget():
    assert aws.worst_case_seconds("api") <= 2.5
    assert aws.worst_case_seconds("api") + aws.CALLS_AFTER_OUTAGE * aws.worst_case_seconds(
        "api_last") <= BUDGET_SECONDS
    for profile in ("caller", "caller_once"):  # the registration caller's, unchanged
        assert aws.PROFILES[profile]["retries"]["total_max_attempts"] <= 2


def test_a_stalled_hand_over_to_the_workflow_is_unknown_within_3s(client, emulator,
                                                                  stack_env):
    """The claim lands, SendTaskSuccess stalls: the later calls of the request
    (the history read, the link given back) must not add their own stalls."""
    from chalicelib import lifecycle, partner
    from tests.integration import partner_support as ps

    request_id = new_request()
    ps.start(request_id, 60)
    message = ps.take_link_message(request_id)
    assert partner.handle_link_message(message["Body"]) == "sent"
    token, _ = links.issue(request_id)
    with faults.injected(emulator.url, {"service": "states", "fault": "delay", "seconds": 4,
                                        "ttl": 60}):
        response, elapsed = call(client, "POST", f"/r/{token}", FORM, "decision=accept")
    assert response.status_code == 503 and elapsed < BUDGET_SECONDS, round(elapsed, 2)
    page = response.body.decode()
    assert "확인하지 못했어요" in page and "반영되지 않았어요" not in page
    assert lifecycle.get(request_id)["status"] in (lifecycle.SMS_SENT, lifecycle.RESPONDED)


def test_an_outage_before_the_view_is_a_korean_503_too(client, emulator, stack_env,
                                                        monkeypatch):
    """The operator's token is checked before the view against the pool's
    public keys (JWKS, read once and cached): unreachable, a Korean 503 in time."""
    from chalicelib.operators import auth as admin_auth

    headers = auth()
    admin_auth.reset()
    monkeypatch.setattr(admin_auth, "jwks_url", lambda pool_id: "http://127.0.0.1:9/jwks.json")
    try:
        response, elapsed = call(client, "GET", "/api/admin/requests", headers, None)
        assert_unavailable(response, elapsed, "/api/admin/requests")
    finally:
        monkeypatch.undo()
        admin_auth.reset()
    assert client.http.get("/api/admin/requests", headers=headers).status_code == 200
