"""A customer chats, the partner answers from the SMS link, the customer's
page shows the Korean notification -- in Debian's chromium, against the whole
local stack (chalice local + dispatcher + emulator)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser_support import local_url, partner_link, screenshot

pytestmark = [pytest.mark.stack, pytest.mark.browser]

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def send(page, text, phone=None):
    if phone is not None:
        page.get_by_label("휴대폰 번호").fill(phone)
    page.get_by_label("문의 내용").fill(text)
    page.get_by_role("button", name="보내기").click()


def test_customer_chat_partner_accepts_customer_sees_the_notification(local_stack, new_page):
    chat = new_page()
    chat.goto(local_stack.url + "/")
    assert chat.title() == "예약 문의 채팅"

    # No reservation number: the page shows the 422's question, and the next
    # message can be the number alone (the sessionId goes back with it).
    with chat.expect_response(lambda r: r.url.endswith("/api/requests")) as first:
        send(chat, "예약 날짜를 바꾸고 싶어요", phone="010-1234-5678")
    assert first.value.status == 422
    asked = first.value.json()
    assert asked["code"] == "RESERVATION_NUMBER_REQUIRED" and asked.get("sessionId")
    chat.locator(".bubble.bot.question").filter(has_text=asked["message"]).wait_for()

    with chat.expect_response(lambda r: r.url.endswith("/api/requests")) as second:
        send(chat, "RS-2025110301")
    assert second.value.status == 201, second.value.text()
    assert second.value.request.post_data_json["sessionId"] == asked["sessionId"]
    created = second.value.json()
    request_id = created["requestId"]
    chat.locator(".bubble.bot").filter(has_text=created["message"]).wait_for()

    # Progress live: Created -> SMS Sent.
    chat.locator('#progress [data-step="Created"].done').wait_for()
    chat.locator('#progress [data-step="SMS Sent"].done').wait_for(timeout=30_000)
    screenshot(chat, "chat-waiting-for-partner")

    # The partner opens the SMS link on a second page and accepts.
    link = partner_link(local_stack.endpoint, request_id)
    partner = new_page()
    partner.goto(local_url(link, local_stack.url))
    partner.get_by_text("예약 변경").first.wait_for()
    screenshot(partner, "partner-request")
    partner.get_by_role("button", name="수락할게요").click()
    partner.get_by_text("응답이 전달되었어요").wait_for()
    screenshot(partner, "partner-confirmation")

    # The customer's page: Responded, then the notification in Korean.
    notice = chat.locator(".bubble.notification")
    notice.wait_for(timeout=30_000)
    text = notice.inner_text()
    assert HANGUL.search(text) and "수락" in text
    assert chat.locator('#progress [data-step="Answer"].done').count() == 1
    assert chat.locator('#progress [data-step="Notified"].done').count() == 1
    assert chat.locator("#status-line").get_attribute("data-status") == "Responded"
    # The live region announces it (aria-live on the log that holds it).
    assert chat.locator("#log").get_attribute("aria-live") == "polite"
    screenshot(chat, "chat-notified")


def test_chat_form_is_usable_by_keyboard_and_says_what_is_missing(local_stack, new_page):
    chat = new_page()
    chat.goto(local_stack.url + "/")
    chat.keyboard.press("Tab")  # the skip link comes first
    assert chat.evaluate("document.activeElement.className") == "skip-link"
    chat.get_by_label("문의 내용").fill("RS-2025110301 예약 날짜를 바꾸고 싶어요")
    chat.get_by_role("button", name="보내기").click()
    error = chat.locator("#form-error")
    error.wait_for()
    assert error.inner_text() == "휴대폰 번호를 입력해 주세요."
    assert chat.evaluate("document.activeElement.id") == "phone"
