"""The local stage's developer tools, against the whole local stack: the SMS
inbox at /_local/sms lists the partner's SMS with a link that opens the
partner's page (Debian's chromium), and `python -m devstack.attach` starts a
second `chalice local --stage local` that reaches the same emulator, table and
secrets. Screenshot in test-artifacts/local-sms-inbox.png."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from chalicelib import links
from devstack.ports import free_port
from tests.conftest import ARTIFACTS, PROJECT_DIR
from tests.e2e.browser_support import LINK, console_errors, partner_link, screenshot

pytestmark = [pytest.mark.stack]


def new_request(url: str, text: str = "RS-2025110301 체크인 날짜를 24일로 바꾸고 싶어요",
                phone: str = "010-1234-5678") -> str:
    response = requests.post(url + "/api/requests", timeout=20, json={
        "text": text, "customerPhone": phone})
    assert response.status_code == 201, response.text
    return response.json()["requestId"]


@pytest.mark.browser
def test_the_inbox_shows_the_partners_link_and_it_opens_the_partner_page(local_stack, new_page):
    request_id = new_request(local_stack.url)
    link = partner_link(local_stack.endpoint, request_id)  # the SMS has gone out
    page = new_page()
    errors = console_errors(page)
    page.goto(local_stack.url + "/_local/sms")
    page.get_by_role("heading", name="보낸 문자").wait_for()
    card = page.locator(".sms", has=page.locator(f'a[href="{link}"]'))
    assert card.count() == 1
    text = card.inner_text()
    assert "+8210****5432" in text and "+821098765432" not in text  # masked
    assert "2건" in text  # the partner's SMS is two segments (chalicelib/partner/sms.py)
    assert "시각 모름" not in text
    screenshot(page, "local-sms-inbox")
    card.locator(f'a[href="{link}"]').click()
    page.get_by_role("heading", name="고객 요청을 확인해 주세요").wait_for()
    assert page.url == link
    assert errors == []


def test_the_inbox_is_plain_html_without_chalice_routes(local_stack):
    response = requests.get(local_stack.url + "/_local/sms", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-store"


def test_attach_runs_a_second_chalice_local_on_the_same_stack(local_stack):
    port = free_port()
    second = subprocess.Popen(
        [sys.executable, "-m", "devstack.attach", "--port", str(port), "--from", str(ARTIFACTS)],
        cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("the second chalice local never answered")
        # A request made on the second server: its table, workflow, queue and
        # signing key are the stack's (the stack's dispatcher sends the SMS).
        # Another sample reservation of the same partner (one open request each).
        request_id = new_request(url, "BK77001234 방에 물이 새요", "010-1111-2222")
        link = partner_link(local_stack.endpoint, request_id)
        assert links.verify(LINK.search(link).group(2)).known_request_id == request_id
        assert link in requests.get(url + "/_local/sms", timeout=10).text
    finally:
        second.terminate()
        second.wait(timeout=10)


def test_attach_without_a_running_stack_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-m", "devstack.attach", "--from", str(tmp_path)],
                          cwd=PROJECT_DIR, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "make run을 먼저" in done.stderr
