"""Issue 14 items 1, 2 and 6 on the local stack, the real state machine
executing in the emulator: one reminder SMS (and none after an answer), the
escalation of a timeout (event, escalatedAt, one rate-limited page on the
alarms topic), and one deadline shared by the API, the partner page, the SMS
and the workflow's own timeout."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import boto3
import pytest
import requests

from chalicelib import lifecycle, partner, settings, table
from chalicelib.korean import KST
from chalicelib.notify import escalation
from tests.conftest import run_local_stack
from tests.e2e import settled
from tests.integration import partner_support as ps

pytestmark = pytest.mark.stack

TIMEOUT_SECONDS = 10
REMINDER_SECONDS = 4


PAGES_BEFORE: list[int] = []


@pytest.fixture(scope="module")
def local_stack(emulator, stack_env):
    # A clean rate limiter: earlier tests' timeouts paged the same stage.
    table.client().delete_item(TableName=table.name(), Key=table.key(
        escalation.LIMITER_PK, escalation.LIMITER_SK))
    PAGES_BEFORE.append(len(alarm_messages(emulator.url)))
    yield from run_local_stack(emulator, PARTNER_TIMEOUT_SECONDS=str(TIMEOUT_SECONDS),
                               REMINDER_SECONDS=str(REMINDER_SECONDS))


def create(url: str, number: str = "RS-2025110301", phone: str = "010-1234-5678") -> str:
    res = requests.post(url + "/api/requests", json={
        "text": f"{number} 예약 날짜를 24일로 바꾸고 싶어요", "customerPhone": phone},
        timeout=15)
    assert res.status_code == 201, res.text
    TOKENS[res.json()["requestId"]] = res.json()["customerToken"]
    return res.json()["requestId"]


TOKENS: dict[str, str] = {}  # request id -> its customer token, as the chat keeps it


def view(url: str, request_id: str) -> dict:
    return requests.get(f"{url}/api/requests/{request_id}", timeout=5,
                        headers={"X-Customer-Token": TOKENS[request_id]}).json()


def types(url: str, request_id: str) -> list[str]:
    return [e["type"] for e in view(url, request_id)["events"]]


def alarm_messages(endpoint: str) -> list[tuple[str, str]]:
    """(message, subject) of everything published to the stage's alarms topic."""
    data = requests.get(endpoint + "/moto-api/data.json", timeout=10).json()
    arn = settings.current().alarms_topic_arn
    for topic in data.get("sns", {}).get("Topic", []):
        if topic["arn"] == arn:
            return [(n[1], n[2]) for n in topic["sent_notifications"]]
    return []


def history(request_id: str) -> list[dict]:
    arn = settings.current().partner_confirmation_arn.replace(
        ":stateMachine:", ":execution:") + ":" + request_id
    return boto3.client("stepfunctions").get_execution_history(executionArn=arn)["events"]


def wait_entered(request_id: str):
    """When the execution entered WaitPartner, from its history."""
    for event in history(request_id):
        details = event.get("stateEnteredEventDetails") or {}
        if details.get("name") == "WaitPartner":
            return event["timestamp"]
    raise AssertionError("WaitPartner never entered")


def test_one_reminder_with_the_same_link_and_one_deadline_everywhere(local_stack, emulator):
    url = local_stack.url
    request_id = create(url)
    ps.wait_for(lambda: view(url, request_id)["status"] == "SMS Sent")
    body = view(url, request_id)
    deadline = body["deadline"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", deadline)
    # The workflow's own moment: WaitPartner's entry plus its timeout.
    entered = wait_entered(request_id)
    expected = (entered + timedelta(seconds=TIMEOUT_SECONDS)).astimezone(KST)
    from chalicelib.korean import parse_time

    assert abs((parse_time(deadline) - expected).total_seconds()) < 1.0

    (first,) = ps.sms_for(emulator.url, request_id)
    hhmm = f"{parse_time(deadline).hour:02d}:{parse_time(deadline).minute:02d}"
    assert f"{hhmm}까지 답해 주세요" in first[1] and len(first[1]) <= 134
    page = requests.get(f"{url}/r/{first[2]}", timeout=5)
    moment = parse_time(deadline)
    half = "오전" if moment.hour < 12 else "오후"
    assert f"{half} {moment.hour % 12 or 12}:{moment.minute:02d}까지 답해 주세요" in page.text
    assert "쓸 수 있어요" not in page.text  # the link's own 10 minutes are never shown

    # REMINDER_SECONDS later: one reminder, the same link, the same deadline.
    ps.wait_for(lambda: "ReminderSent" in types(url, request_id), timeout=REMINDER_SECONDS + 10)
    sent = ps.sms_for(emulator.url, request_id)
    assert len(sent) == 2
    reminder = sent[1]
    assert reminder[2] == first[2]  # the very same URL
    assert reminder[1].startswith("[다시 알림]") and f"{hhmm}까지 답해 주세요" in reminder[1]
    assert len(reminder[1]) <= 134
    # SQS delivers at least once: the delayed message again sends nothing.
    assert partner.handle_link_message({"requestId": request_id, "kind": "reminder"}) \
        == "skipped"

    # The wait times out (escalation below); still one reminder, and no deadline now.
    ps.wait_for(lambda: view(url, request_id)["status"] == "Timeout",
                timeout=TIMEOUT_SECONDS + 10)
    assert len(ps.sms_for(emulator.url, request_id)) == 2
    assert types(url, request_id).count("ReminderSent") == 1
    assert "deadline" not in view(url, request_id)
    # The workflow really timed out at the deadline it gave (whole seconds, rounded down).
    (timed_out,) = [e["timestamp"] for e in history(request_id) if e["type"] == "TaskTimedOut"]
    late = (timed_out - parse_time(deadline)).total_seconds()
    assert 0 <= late < 2.0, late


def test_no_reminder_after_an_answer(local_stack, emulator):
    url = local_stack.url
    request_id = create(url)
    ps.wait_for(lambda: view(url, request_id)["status"] == "SMS Sent")
    (first,) = ps.sms_for(emulator.url, request_id)
    answered = requests.post(f"{url}/r/{first[2]}", data={"decision": "accept"}, timeout=10)
    assert answered.status_code == 200
    assert "deadline" not in view(url, request_id)  # no longer waited for
    failed = local_stack.dispatcher.failed
    # The reminder's delayed message was delivered and its handler returned.
    settled.wait_handled(local_stack, "partner-links", timeout=REMINDER_SECONDS + 30,
                         requestId=request_id, kind="reminder")
    assert local_stack.dispatcher.failed == failed
    assert len(ps.sms_for(emulator.url, request_id)) == 1
    assert "ReminderSent" not in types(url, request_id)
    assert (lifecycle.get(request_id) or {}).get("reminderState") is None


def test_a_timeout_escalates_and_pages_once_rate_limited(local_stack, emulator):
    url = local_stack.url
    before = len(alarm_messages(emulator.url))
    # Two reservations: one may have only one open request at a time.
    first, second = create(url), create(url, "A20251103", "010-2222-3333")
    for request_id in (first, second):
        ps.wait_for(lambda rid=request_id: view(url, rid).get("notification"),
                    timeout=TIMEOUT_SECONDS + 20)
        assert view(url, request_id)["status"] == "Timeout"
        assert types(url, request_id)[-3:-1] == ["Timeout", "Escalated"]
        item = lifecycle.get(request_id)
        assert item["escalatedAt"] == item["events"][-2]["at"]  # the same write
        # Its timeout message was handled: the page was decided (and sent, if at all).
        settled.wait_handled(local_stack, "customer-notify", requestId=request_id,
                             outcome="timeout")
    pages = alarm_messages(emulator.url)[before:]
    # The module's first escalation paged (the earlier test's timeout), so these
    # two fall in its window: counted, not paged.
    assert pages == []
    for request_id in (first, second):  # each took its page, and was counted instead
        assert lifecycle.get(request_id)["escalationAlarmAt"]
    # (Executions of earlier test modules may time out now too: at least these two.)
    limiter = table.get(escalation.LIMITER_PK, escalation.LIMITER_SK)
    assert limiter["suppressed"] >= 2

    # Once the window is over, the next escalation pages and names the count.
    window = settings.current().escalation_alarm_interval_seconds
    assert window == 900  # the product's default: 15 minutes
    third = ps.new_request()
    assert lifecycle.mark_timeout(third)  # what MarkTimeout writes
    count = table.get(escalation.LIMITER_PK, escalation.LIMITER_SK)["suppressed"]
    assert escalation.page_operators(lifecycle.get(third),
                                     now=int(time.time()) + window + 1) == "paged"
    assert escalation.page_operators(lifecycle.get(third)) == "already"  # once per request
    (message, subject), = alarm_messages(emulator.url)[before:]
    assert f"에스컬레이션 {count}건이 더" in message and "RS2025110301" in message
    assert subject.isascii()


def test_the_first_escalation_of_the_module_paged(emulator, local_stack):
    """Run last: the module's first escalation paged, with no count (nothing
    was suppressed before it)."""
    first, *_ = [m for m, _ in alarm_messages(emulator.url)[PAGES_BEFORE[0]:]]
    assert "답하지 않은 고객 요청" in first and "더 있었어요" not in first
