"""Shared pieces of the browser tests: Debian's chromium through Playwright,
the SMS link read back from the emulator, screenshots as test artifacts."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
import requests

from scripts import find_browser

# Debian's chromium, else the Chromium or Chrome on this machine (CHROMIUM_PATH
# or the usual places; scripts/find_browser.py), never a downloaded build.
CHROMIUM = find_browser.find()
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PARTNER_PHONE = "+821098765432"
LINK = re.compile(r"(https?://\S+)/r/([A-Za-z0-9_\-.~]+)")
MOBILE = {"width": 390, "height": 844}
# Only the SMS from the emulator's data (devstack/moto_server.py's filter): the
# whole document grows with everything the session's tests wrote.
SMS_ONLY = {"service": "sns", "model": "SMS"}


def launch_browser():
    if not CHROMIUM:
        message = ("no Chromium or Chrome found (scripts/ensure-browser.sh installs Debian's "
                   "chromium or says what to install; CHROMIUM_PATH=/path picks one)")
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: missing there is a broken build
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)
        yield launched
        launched.close()


def page_factory(browser):
    contexts = []

    def make(**options):
        context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul",
                                      viewport=options.pop("viewport", MOBILE), **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def partner_link(endpoint: str, request_id: str, timeout: float = 30) -> str:
    """The link of the newest SMS to the partner whose token belongs to this
    request (the emulator keeps every SMS it accepted)."""
    from chalicelib import links

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = requests.get(endpoint + "/moto-api/data.json", params=SMS_ONLY, timeout=10).json()
        for sms in reversed(data.get("sns", {}).get("SMS", [])):
            # Any partner's SMS: the token itself names the request.
            match = LINK.search(sms.get("message", ""))
            if match and links.verify(match.group(2)).known_request_id == request_id:
                return match.group(0)
        time.sleep(0.3)
    raise AssertionError(f"no SMS link for {request_id} within {timeout}s")


def local_url(link: str, base_url: str) -> str:
    """The link as the partner's phone would open it, on this test's server
    (CONFIRM_BASE_URL of the stack under test)."""
    path = link[link.index("/r/"):]
    return base_url + path


DESKTOP = {"width": 1280, "height": 800}


API_ANSWER = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


def console_errors(page) -> list[str]:
    """Every console error and uncaught exception the page logs from now on.
    Chromium also logs each 4xx answer of fetch(); the API's documented 4xx
    answers (a 422 asking for the reservation number) are handled by the page,
    so those lines count only when they are not from /api/."""
    errors: list[str] = []

    def keep(message) -> None:
        url = message.location.get("url", "")
        if message.type != "error" or (API_ANSWER.match(message.text) and "/api/" in url):
            return
        errors.append(f"{message.text} ({url})")

    page.on("console", keep)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def partner_sms(endpoint: str) -> list[str]:
    """The texts of every SMS the emulator has accepted for the partner, oldest first."""
    data = requests.get(endpoint + "/moto-api/data.json", params=SMS_ONLY, timeout=10).json()
    return [sms.get("message", "") for sms in data.get("sns", {}).get("SMS", [])
            if sms.get("phone_number") == PARTNER_PHONE]


def partner_sms_count(endpoint: str) -> int:
    """How many SMS the emulator has accepted for the partner so far."""
    return len(partner_sms(endpoint))
