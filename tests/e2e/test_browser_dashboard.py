"""The operators' dashboard in Debian's chromium, and the escaping of what
customers type on every page that shows it (chat, dashboard, partner page)."""

from __future__ import annotations

import os
import re

import pytest
import requests

from tests.e2e.browser_support import local_url, partner_link, screenshot

pytestmark = [pytest.mark.stack, pytest.mark.browser]

PAYLOAD = ('<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
           '<b id="xss-bold">굵게</b>')
XSS_TEXT = f"RS-2025110301 객실 온수가 안 나와요 고장 신고합니다 {PAYLOAD}"


def create_request(base_url, text="RS-2025110301 예약 날짜를 바꾸고 싶어요"):
    response = requests.post(base_url + "/api/requests",
                             json={"text": text, "customerPhone": "010-1234-5678"}, timeout=15)
    assert response.status_code == 201, response.text
    return response.json()["requestId"]


def sign_in(page, token):
    page.get_by_label("관리자 토큰").fill(token)
    page.get_by_role("button", name="로그인").click()


def card(page, request_id):
    return page.locator(f'li.request[data-request-id="{request_id}"]')


def test_dashboard_refuses_a_wrong_token_then_shows_the_live_timeline(local_stack, new_page):
    first = create_request(local_stack.url)
    admin = new_page()
    admin.goto(local_stack.url + "/admin")
    assert admin.title() == "운영자 대시보드"

    sign_in(admin, "not-the-token")
    error = admin.locator("#sign-in-error")
    error.wait_for()
    assert re.search(r"관리자 토큰이 올바르지 않아요", error.inner_text())
    assert admin.locator("#dashboard").is_hidden()
    assert admin.evaluate("sessionStorage.getItem('partnerline.adminToken')") is None
    screenshot(admin, "admin-wrong-token")

    sign_in(admin, os.environ["ADMIN_TOKEN"])
    row = card(admin, first)
    row.wait_for()
    assert admin.locator("#sign-in").is_hidden()
    row.locator('[data-event="Created"]').wait_for()
    row.locator('[data-event="SMS Sent"]').wait_for(timeout=30_000)
    assert "바다뷰 펜션" in row.inner_text() and "+8210****5432" in row.inner_text()
    assert "예약 변경" in row.inner_text()

    # Live: a request made after sign-in appears without reloading.
    later = create_request(local_stack.url)
    card(admin, later).wait_for(timeout=15_000)

    counts = admin.locator('#counts [data-status="SMS Sent"] .count-value')
    assert int(counts.inner_text()) >= 1
    registrations = admin.locator("#registrations-count")
    registrations.wait_for()
    assert re.fullmatch(r"등록 \d+명", registrations.inner_text())

    admin.get_by_label("상태 필터").select_option("Timeout")
    admin.wait_for_function(
        "() => [...document.querySelectorAll('li.request')]"
        ".every(li => li.dataset.status === 'Timeout')")
    assert card(admin, first).count() == 0
    admin.get_by_label("상태 필터").select_option("")
    card(admin, first).wait_for()
    screenshot(admin, "admin-dashboard")

    # The token lives in this tab's sessionStorage: a reload stays signed in.
    admin.reload()
    card(admin, first).wait_for()
    admin.get_by_role("button", name="로그아웃").click()
    admin.locator("#sign-in").wait_for()
    assert admin.evaluate("sessionStorage.getItem('partnerline.adminToken')") is None


def test_script_in_the_chat_text_is_shown_as_text_everywhere(local_stack, new_page):
    chat = new_page()
    chat.goto(local_stack.url + "/")
    chat.get_by_label("휴대폰 번호").fill("010-1234-5678")
    chat.get_by_label("문의 내용").fill(XSS_TEXT)
    with chat.expect_response(lambda r: r.url.endswith("/api/requests")) as posted:
        chat.get_by_role("button", name="보내기").click()
    assert posted.value.status == 201, posted.value.text()
    request_id = posted.value.json()["requestId"]
    chat.locator(".bubble.me").filter(has_text="<script>window.__xss=1</script>").wait_for()
    assert chat.locator("#log img, #log script, #log b").count() == 0

    admin = new_page()
    admin.goto(local_stack.url + "/admin")
    sign_in(admin, os.environ["ADMIN_TOKEN"])
    row = card(admin, request_id)
    row.wait_for()
    assert PAYLOAD in row.inner_text()
    assert row.locator("script, img, b").count() == 0
    assert admin.locator("#xss-bold").count() == 0
    screenshot(admin, "admin-escaped-text")

    partner = new_page()
    partner.goto(local_url(partner_link(local_stack.endpoint, request_id), local_stack.url))
    partner.get_by_text("<script>window.__xss=1</script>", exact=False).wait_for()
    assert partner.locator("#xss-bold").count() == 0
    assert partner.locator("img[src=x]").count() == 0
    screenshot(partner, "partner-escaped-text")

    chat.wait_for_timeout(500)  # give any injected handler its chance to run
    for page in (chat, admin, partner):
        assert page.evaluate("typeof window.__xss") == "undefined"
