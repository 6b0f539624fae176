"""The partner never answers: the customer's chat shows a timeout that looks
like one (not the acceptance's green, no check mark) and offers what to do
now -- on a stack whose partner wait is a few seconds."""

from __future__ import annotations

import pytest

from tests.conftest import run_local_stack
from tests.e2e.browser_support import DESKTOP, console_errors, partner_sms_count, screenshot
from tests.e2e.test_browser_chat import start_request

pytestmark = [pytest.mark.stack, pytest.mark.browser]

OK_GREEN = "rgb(20, 108, 46)"  # --ok in style.css: the acceptance's accent


@pytest.fixture(scope="module")
def local_stack(emulator, stack_env):
    yield from run_local_stack(emulator, PARTNER_TIMEOUT_SECONDS="6")


def test_a_timeout_looks_like_a_failure_and_offers_a_next_step(local_stack, new_page):
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

    # What to do now: start another request (one tap, one new SMS) or call.
    assert "운영팀" in notice.locator(".next-step").inner_text()
    assert notice.locator("a.contact").get_attribute("href").startswith("tel:")
    screenshot(chat, "chat-timeout-phone")
    chat.set_viewport_size(DESKTOP)
    screenshot(chat, "chat-timeout-desktop")

    sms_before = partner_sms_count(local_stack.endpoint)
    with chat.expect_response(lambda r: r.url.endswith("/api/requests")) as again:
        notice.locator("button.retry").click()
    assert again.value.status == 201, again.value.text()
    assert again.value.request.post_data_json["reservationNumber"] == "RS2025110301"
    chat.locator('#progress [data-step="SMS Sent"].done').wait_for(timeout=30_000)
    assert partner_sms_count(local_stack.endpoint) == sms_before + 1
    assert errors == []
