"""The partner never answers: the customer's chat shows a timeout that looks
like one (not the acceptance's green, no check mark), offers what to do now
(never the same request again), and an operator's late answer reaches the
open chat live and after a reload -- on a stack whose partner wait is a few
seconds."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from chalicelib import clock
from chalicelib.korean import KST
from tests.conftest import run_local_stack
from tests.e2e.browser_support import (
    DESKTOP,
    console_errors,
    local_url,
    partner_link,
    partner_sms_count,
    screenshot,
)
from tests.e2e.test_browser_chat import start_request
from tests.operators_support import bearer

pytestmark = [pytest.mark.stack, pytest.mark.browser]

OK_GREEN = "rgb(20, 108, 46)"  # --ok in style.css: the acceptance's accent


@pytest.fixture(scope="module")
def local_stack(emulator, stack_env):
    yield from run_local_stack(emulator, PARTNER_TIMEOUT_SECONDS="6")


def test_a_timeout_then_an_operators_late_answer_reaches_the_open_chat(local_stack, new_page):
    chat = new_page()
    errors = console_errors(chat)
    chat.goto(local_stack.url + "/")
    start_request(chat)
    chat.locator('#progress [data-step="SMS Sent"].done').wait_for(timeout=30_000)

    notice = chat.locator(".bubble.notification").last  # the notification, whatever its look
    notice.wait_for(timeout=40_000)
    assert chat.locator("#status-line").get_attribute("data-status") == "Timeout"
    step = chat.locator('#progress [data-step="Answer"]')
    assert step.inner_text() == "응답 시간 초과"
    assert "done" not in step.get_attribute("class").split()
    marker = step.evaluate("e => getComputedStyle(e, '::before').content")
    assert "✓" not in marker
    assert step.evaluate("e => getComputedStyle(e).color") != OK_GREEN
    assert notice.evaluate("e => getComputedStyle(e).borderLeftColor") != OK_GREEN

    # What to do now: wait for the operators, or call them.
    assert "운영팀" in notice.locator(".next-step").inner_text()
    assert notice.locator("a.contact").get_attribute("href").startswith("tel:")
    screenshot(chat, "chat-timeout-phone")
    chat.set_viewport_size(DESKTOP)
    screenshot(chat, "chat-timeout-desktop")

    # No "같은 내용으로 다시 요청하기": the 제휴점 may have refused by phone, and
    # the operators already follow a timed-out request up.
    assert notice.locator("button.retry").count() == 0
    sms_before = partner_sms_count(local_stack.endpoint)

    # An operator enters the 제휴점's answer, taken by phone: another time.
    request_id = chat.evaluate(
        "() => JSON.parse(localStorage.getItem('partnerline.chat.v1')).request.id")
    # The 제휴점 opening the link now is not stranded: the operators' number.
    partner = new_page()
    partner.goto(local_url(partner_link(local_stack.endpoint, request_id), local_stack.url))
    partner.get_by_role("heading", name="요청이 만료되었어요").wait_for()
    assert "운영팀 02-0000-0000 (매일 9시~18시)로 전화해 주세요" in partner.content()
    screenshot(partner, "partner-timed-out")

    customer_sms_before = customer_sms_count(local_stack.endpoint)
    when = (clock.now() + timedelta(days=2)).astimezone(KST).replace(hour=15, minute=0)
    answered = requests.post(
        f"{local_stack.url}/api/admin/requests/{request_id}/actions", timeout=10,
        headers=bearer("admin"),
        json={"action": "answer", "decision": "propose", "operator": "김상담",
              "alternativeTime": when.strftime("%Y-%m-%dT%H:%M"), "note": "전화로 받은 답"})
    assert answered.status_code == 200, answered.text

    # The open chat shows it live, with the one-tap buttons for the time.
    late = chat.locator(".bubble.notification.proposed.late")
    late.wait_for(timeout=30_000)
    assert "늦게 도착한 답이에요" in late.inner_text()
    assert late.locator("button.reply-accept").is_visible()
    assert late.locator("button.reply-decline").is_visible()
    assert chat.locator("#status-line").get_attribute("data-status") == "Responded"
    screenshot(chat, "chat-late-answer")
    # The chat was open: no SMS to the customer, and none to the 제휴점.
    assert customer_sms_count(local_stack.endpoint) == customer_sms_before
    assert partner_sms_count(local_stack.endpoint) == sms_before

    # After a reload: the same answer and its buttons; one tap answers it.
    chat.reload()
    late = chat.locator(".bubble.notification.proposed.late")
    late.wait_for(timeout=10_000)
    assert chat.locator(".bubble.notification.proposed.late").count() == 1
    with chat.expect_response(lambda r: r.url.endswith("/reply")) as replied:
        late.locator("button.reply-accept").click()
    assert replied.value.status == 200, replied.value.text()
    assert errors == []


def customer_sms_count(endpoint):
    """SMS the emulator's SNS sent to the chat's customer (start_request's phone)."""
    data = requests.get(endpoint + "/moto-api/data.json", timeout=10).json()
    return sum(1 for m in data.get("sns", {}).get("SMS", [])
               if m["phone_number"] == "+821012345678")
