"""The dashboard's list, refresh and detail in Debian's chromium: a refused
search keeps its message and shows no stale rows until a search the API
takes; the 3-second refresh leaves unchanged data alone (a text selection in
the detail panel survives it); the address keeps search, filters, page and
the open request (a deep link opens the same view); the follow-up list takes
a customer's declined proposal."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from urllib.parse import quote

import pytest
import requests

from chalicelib import clock, lifecycle
from tests.e2e.browser_support import DESKTOP, console_errors, screenshot
from tests.operators_support import credentials, token
from tests.requests_support import customer_headers, customer_token_fields

pytestmark = [pytest.mark.stack, pytest.mark.browser]

ROWS = 25  # more than one page of 20


@pytest.fixture(scope="module")
def seeded(local_stack):
    """ROWS answered requests of one reservation (unique to this run), one of
    them a proposal the customer declined through the API."""
    reservation = f"DV{random.randrange(10**9):09d}"
    now = clock.now()
    ids = []
    for i in range(ROWS):
        request_id = lifecycle.new_request_id()
        at = clock.iso(now - timedelta(seconds=300 + 5 * i))
        propose = i == 0
        lifecycle.create(
            request_id, intent="ChangeReservation", reservation_number=reservation,
            customer_phone="+821022223333", text=f"체크인 시간을 바꿀 수 있을까요 {i}",
            createdAt=at, updatedAt=at, gsi1sk=f"{at}#{request_id}", partnerId="P001",
            partnerName="바다뷰 펜션", partnerPhone="+821098765432", status="Responded",
            partnerDecision="propose" if propose else "accept", respondedAt=at,
            events=[{"type": "Created", "at": at}, {"type": "Responded", "at": at}],
            **customer_token_fields(request_id),
            **({"alternativeTime": "2026-12-24T18:30:00+09:00"} if propose else {}))
        ids.append(request_id)
    declined = requests.post(f"{local_stack.url}/api/requests/{ids[0]}/reply",
                             json={"accept": False}, headers=customer_headers(ids[0]),
                             timeout=10)
    assert declined.status_code == 200, declined.text
    return reservation, ids


@pytest.fixture
def admin(browser, local_stack, seeded):
    context = browser.new_context(locale="ko-KR", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = console_errors(page)
    page.goto(local_stack.url + "/admin")
    sign_in(page)
    yield page
    context.close()
    # Script errors only: a 400 is the refused search, and the charts (another
    # script) may meet a slow emulator.
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def sign_in(page):
    username, password = credentials("admin")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호", exact=True).fill(password)
    page.get_by_role("button", name="로그인").click()
    page.locator("#requests tr.request-row").first.wait_for()


def search(page, text):
    """Search and wait until the page has taken its answer. The response alone
    is not enough: until the script applies it, the rows, the next-page cursor
    and the filters are still the previous list's (a click on "다음" then opens
    page two of that list). A taken search writes its text into the address;
    a refused one shows its message."""
    page.locator("#q").fill(text)
    with page.expect_response(lambda r: "/api/admin/requests?" in r.url
                              and f"q={quote(text)}" in r.url) as answer:
        page.locator("#q").press("Enter")
    if answer.value.status == 200:
        page.wait_for_function(
            "q => location.hash.replace(/^#/, '').split('&')"
            ".includes('q=' + encodeURIComponent(q.trim()))", arg=text)
    else:
        page.locator("#q-error").filter(has_text="요").wait_for()


def test_a_refused_search_keeps_its_message_and_shows_no_stale_rows(admin, seeded):
    reservation, _ = seeded
    search(admin, "가나다")
    admin.locator("#q-error").filter(has_text="검색어는").wait_for()
    assert admin.locator("#requests tr").count() == 0
    admin.wait_for_timeout(7_000)  # two refresh ticks
    assert "검색어는" in admin.locator("#q-error").inner_text()
    assert admin.locator("#requests tr").count() == 0
    screenshot(admin, "dashboard-refused-search")

    # A refused date range, after a valid search, the same.
    search(admin, reservation)
    admin.locator("#requests tr.request-row").first.wait_for()
    assert admin.locator("#q-error").inner_text() == ""
    admin.locator("#from-date").fill("2026-12-10")
    admin.locator("#to-date").fill("2026-12-01")
    admin.locator("#q-error").filter(has_text="시작 날짜").wait_for()
    admin.wait_for_timeout(7_000)
    assert "시작 날짜" in admin.locator("#q-error").inner_text()
    assert admin.locator("#requests tr").count() == 0

    admin.locator("#reset-filters").click()
    admin.locator("#requests tr.request-row").first.wait_for()
    assert admin.locator("#q-error").inner_text() == ""


def test_the_refresh_leaves_unchanged_data_and_a_selection_alone(admin, seeded):
    reservation, ids = seeded
    search(admin, reservation)
    row = admin.locator(f'#requests tr[data-request-id="{ids[3]}"]')
    row.click()
    text = admin.locator("#detail .customer-text")
    text.wait_for()
    admin.evaluate("""() => {
        const node = document.querySelector('#detail .customer-text');
        node.__kept = true;
        document.querySelector('#requests tr[data-request-id]').__kept = true;
        window.getSelection().selectAllChildren(node);
    }""")
    with admin.expect_response(lambda r: "/api/admin/requests?" in r.url):
        pass  # at least one refresh answered meanwhile
    admin.wait_for_timeout(3_500)
    kept = admin.evaluate("""() => ({
        panel: Boolean(document.querySelector('#detail .customer-text').__kept),
        row: Boolean(document.querySelector('#requests tr[data-request-id]').__kept),
        selected: window.getSelection().toString()})""")
    assert kept == {"panel": True, "row": True, "selected": "체크인 시간을 바꿀 수 있을까요 3"}


def test_the_address_keeps_the_view_and_a_deep_link_opens_it(admin, browser, local_stack,
                                                              seeded):
    reservation, ids = seeded
    with admin.expect_response(lambda r: "limit=20" in r.url):
        admin.select_option("#page-size", "20")
    search(admin, reservation)
    admin.locator("#requests tr.request-row").nth(19).wait_for()
    admin.locator("#next-page").click()
    admin.locator("#page-label").filter(has_text="2쪽").wait_for()
    last = ids[-1]  # the oldest: on page two
    admin.locator(f'#requests tr[data-request-id="{last}"]').click()
    admin.locator("#detail-title").wait_for()
    url = admin.url
    assert f"q={reservation}" in url and "limit=20" in url and f"open={last}" in url
    assert "page=" in url and token("admin") not in url

    context = browser.new_context(locale="ko-KR", viewport=DESKTOP)
    try:
        other = context.new_page()
        other.goto(url)
        sign_in(other)
        other.locator("#page-label").filter(has_text="2쪽").wait_for()
        assert other.locator("#q").input_value() == reservation
        assert other.locator("#page-size").input_value() == "20"
        other.locator(f'#requests tr.is-open[data-request-id="{last}"]').wait_for()
        assert "요청 " + last[:8] in other.locator("#detail-title").inner_text()
        screenshot(other, "dashboard-deep-link")

        # The follow-up list, linked: the declined proposal is on it.
        admin.locator("#detail-close").click()
        admin.locator("#escalated-filter").check()
        admin.locator(f'#requests tr[data-request-id="{ids[0]}"]').wait_for()
        assert admin.locator("#requests tr.request-row").count() == 1
        assert "escalated=true" in admin.url and "open=" not in admin.url
        other.goto(admin.url)
        other.reload()  # signed in in this tab: the token is kept, the view is the link's
        other.locator(f'#requests tr[data-request-id="{ids[0]}"]').wait_for()
        assert other.locator("#escalated-filter").is_checked()
        assert other.locator("#requests tr.request-row").count() == 1
    finally:
        context.close()
    assert json.dumps(ids)  # the seed's ids stay this module's
