"""The dashboard's charts ("한눈에 보기") and registrations card in Debian's
chromium, on one signed-in page shared by the tests of this module (in order).

The stack runs its own phone event, so the registrations are this module's
alone. Requests live in the session's shared table: this module writes its
own on days three and two days ago (the app's clock stopped at each moment,
tests/insights_support.py) and checks that the API's numbers moved by exactly
those, then that the page shows the API's numbers."""

from __future__ import annotations

import math
import os
import secrets
from datetime import datetime, timedelta

import pytest
import requests

from chalicelib import clock, settings
from chalicelib.korean import KST
from chalicelib.registration import store
from tests.conftest import run_local_stack
from tests.e2e.browser_support import ARTIFACTS, DESKTOP, MOBILE, console_errors, screenshot
from tests.insights_support import OUTCOMES, Frozen, seed
from tests.operators_support import bearer, credentials, token

pytestmark = [pytest.mark.stack, pytest.mark.browser]

EVENT_ID = "e2e" + secrets.token_hex(4)
WEEKDAYS = "월화수목금토일"
BUCKET_LABELS = ["~30초", "~1분", "~2분", "~3분", "~5분", "5분 넘게"]
SHARED_PHONE = "+821077770001"


@pytest.fixture(scope="module")
def local_stack(emulator, stack_env):
    """A stack whose phone event is this module's (the stage's EVENT_ID is
    read from the environment the stack's processes start with)."""
    before = os.environ.get("EVENT_ID")
    os.environ["EVENT_ID"] = EVENT_ID
    try:
        yield from run_local_stack(emulator)
    finally:
        if before is None:
            os.environ.pop("EVENT_ID", None)
        else:
            os.environ["EVENT_ID"] = before
        settings.rebuild()


def stats(stack) -> dict:
    response = requests.get(stack.url + "/api/admin/stats", timeout=15,
                            headers=bearer("admin"))
    assert response.status_code == 200, response.text
    return response.json()


def long_day(text: str) -> str:
    day = datetime.fromisoformat(text).date()
    return f"{day.month}월 {day.day}일({WEEKDAYS[day.weekday()]})"


def long_hour(text: str) -> str:
    moment = datetime.fromisoformat(text)
    return f"{moment.month}월 {moment.day}일 {moment.hour}시"


def duration(seconds: float) -> str:
    s = math.floor(seconds + 0.5)  # JavaScript's Math.round
    if s < 60:
        return f"{s}초"
    return f"{s // 60}분" + (f" {s % 60}초" if s % 60 else "")


def section_shot(page, selector: str, name: str) -> None:
    """The section alone (the whole page is mostly the requests' list)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(selector).screenshot(path=str(ARTIFACTS / f"{name}.png"))


def own_errors(errors: list[str]) -> list[str]:
    """The console errors of the whole page (the head declares its icon, so
    not even a favicon 404 is expected)."""
    return list(errors)


def ticks(page, count: int = 3) -> None:
    """The shell's refresh tick, ``count`` times at once (the seam's event)."""
    page.evaluate("""([n, token]) => { for (let i = 0; i < n; i++) {
        document.dispatchEvent(new CustomEvent('pl:refresh', {detail: {token}})); } }""",
                  [count, token("admin")])
    page.wait_for_timeout(300)


def chart_table(page, figure: str) -> list[list[str]]:
    return page.evaluate(
        """(id) => [...document.querySelectorAll('#' + id + ' table.chart-table tbody tr')]
             .map(tr => [...tr.children].map(cell => cell.textContent))""", figure)


def listed(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('#registrations-rows tr')]
                              .map(tr => tr.firstChild.textContent)""")


@pytest.fixture(scope="module")
def seeded(local_stack):
    """Five requests two and three days ago, 23 registrations five and two
    hours ago; the API's stats before and after."""
    before = stats(local_stack)
    now = clock.now().astimezone(KST)
    today = now.date()
    d3 = datetime.combine(today - timedelta(days=3), datetime.min.time(), tzinfo=KST)
    d2 = d3 + timedelta(days=1)
    registered: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        frozen = Frozen().install(patch)
        seed(frozen, d3 + timedelta(hours=10), "accept", answered_after=20)
        seed(frozen, d3 + timedelta(hours=11), "reject", answered_after=90)
        seed(frozen, d2 + timedelta(hours=9), "timeout")
        seed(frozen, d2 + timedelta(hours=10), "propose", answered_after=250)
        seed(frozen, d2 + timedelta(hours=12), "failed")
        five_ago, two_ago = now - timedelta(hours=5), now - timedelta(hours=2)
        for n in range(20):
            frozen.at(five_ago + timedelta(seconds=n))
            emp = f"70{n:02d}"
            registered[emp] = store.register_employee(
                EVENT_ID, emp, f"+8210555500{n:02d}", f"c-{emp}").lottery_number
        for n, phone in enumerate((SHARED_PHONE, "+821077770002", SHARED_PHONE)):
            frozen.at(two_ago + timedelta(seconds=n))
            emp = f"810{n}"
            registered[emp] = store.register_employee(
                EVENT_ID, emp, phone, f"c-{emp}").lottery_number
    after = stats(local_stack)
    return {"before": before, "after": after, "registered": registered,
            "days": (d3.date().isoformat(), d2.date().isoformat()),
            "hours": (five_ago, two_ago)}


@pytest.fixture(scope="module")
def dashboard(browser, local_stack):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = console_errors(page)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(local_stack.url + "/admin")
    username, password = credentials("admin")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호", exact=True).fill(password)
    page.get_by_role("button", name="로그인").click()
    page.locator("#chart-registrations .chart-body > *").first.wait_for(state="attached")
    page.locator("#registrations-count").filter(has_text="등록").wait_for()
    page.asked = lambda path: [u for u in urls if path in u]
    yield page, errors
    context.close()


def test_before_anyone_registers_the_chart_and_the_card_say_so(dashboard):
    """First in the module: signed in before anything is seeded."""
    page, errors = dashboard
    assert page.locator("#chart-registrations .chart-empty").inner_text() == "아직 데이터가 없어요."
    assert page.locator("#chart-registrations svg").count() == 0
    assert page.locator("#registrations-count").inner_text() == "등록 0명"
    assert page.locator("#registrations-result").inner_text() == "아직 등록한 사람이 없어요."
    assert page.locator("#registrations-table").is_hidden()
    assert own_errors(errors) == []


def test_the_api_counts_exactly_what_was_seeded(seeded):
    before, after = seeded["before"], seeded["after"]
    d3, d2 = seeded["days"]
    added = {d3: {"accept": 1, "reject": 1}, d2: {"timeout": 1, "propose": 1, "failed": 1}}
    for old, new in zip(before["outcomesPerDay"], after["outcomesPerDay"], strict=True):
        assert new == {**old, **{k: old[k] + v for k, v in added.get(old["date"], {}).items()}}
    # The 제휴점 answered in 20, 90 and 250 s: one more in the ~30 s, ~2 min and ~5 min bars.
    assert [b["count"] for b in after["responseSeconds"]["buckets"]] == [
        b["count"] + d for b, d in zip(before["responseSeconds"]["buckets"],
                                       [1, 0, 1, 0, 1, 0], strict=True)]
    five_ago, two_ago = seeded["hours"]
    by_hour = {h["hour"]: h["count"] for h in after["registrationsPerHour"]}
    assert by_hour[five_ago.strftime("%Y-%m-%dT%H:00+09:00")] == 20
    assert by_hour[two_ago.strftime("%Y-%m-%dT%H:00+09:00")] == 3
    assert sum(by_hour.values()) == 23 and after["registrations"] == 23


def test_the_three_charts_show_the_numbers_at_desktop_size(dashboard, seeded):
    page, errors = dashboard
    after = seeded["after"]
    page.reload()  # signed in still (the tab's token): everything loads anew
    page.locator("#chart-registrations svg").wait_for()
    page.locator("#registrations-rows tr").first.wait_for()
    assert chart_table(page, "chart-outcomes") == [
        [long_day(d["date"]), *[f"{d[k]:,}" for k in OUTCOMES]] for d in after["outcomesPerDay"]]
    response = after["responseSeconds"]
    assert chart_table(page, "chart-response") == [
        [label, f"{b['count']:,}"] for label, b in zip(BUCKET_LABELS, response["buckets"],
                                                       strict=True)]
    assert page.locator("#chart-response .chart-words").inner_text() == (
        f"절반은 {duration(response['median'])} 안에, "
        f"열에 아홉은 {duration(response['p90'])} 안에 답했어요.")
    assert chart_table(page, "chart-registrations") == [
        [long_hour(h["hour"]), f"{h['count']:,}"] for h in after["registrationsPerHour"]]

    # The bars themselves: one per day / bucket / hour, each titled with its numbers.
    d3, _ = seeded["days"]
    index = [d["date"] for d in after["outcomesPerDay"]].index(d3)
    bar = page.locator(f'#chart-outcomes svg g.bar[data-index="{index}"]')
    title = bar.locator("> title").text_content()
    assert title.startswith(long_day(d3) + ": ") and "수락" in title and "거절" in title
    assert bar.locator("rect.o-accept").count() == 1 and bar.locator("rect.o-reject").count() == 1
    assert page.locator("#chart-outcomes svg g.bar").count() == 14
    assert page.locator("#chart-response svg g.bar").count() == 6
    assert page.locator("#chart-registrations svg g.bar").count() == 24
    five_ago, _ = seeded["hours"]
    peak = page.locator("#chart-registrations svg").get_attribute("aria-label")
    assert f"가장 많았던 때는 {long_hour(five_ago.isoformat())} (20명)" in peak
    legend = page.locator("#chart-outcomes .legend").inner_text()
    for label in ("수락", "거절", "다른 시간 제안", "응답 없음", "실패", "대기 중"):
        assert label in legend

    # Side by side below the requests, inside the 1280 px width.
    boxes = [page.locator(f"#{f}").bounding_box()
             for f in ("chart-outcomes", "chart-response", "chart-registrations")]
    assert len({round(b["y"]) for b in boxes}) == 1
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert max(b["x"] + b["width"] for b in boxes) <= DESKTOP["width"]
    requests_box = page.locator("#requests-title").bounding_box()
    assert boxes[0]["y"] > requests_box["y"]
    screenshot(page, "admin-insights-desktop")
    section_shot(page, "#insights", "admin-insights-desktop-section")

    # The charts reload at most every 30 s, however often the shell ticks.
    loads = len(page.asked("/api/admin/stats"))
    ticks(page)
    assert len(page.asked("/api/admin/stats")) == loads
    assert own_errors(errors) == []


def test_the_registrations_card_lists_pages_and_searches(dashboard, seeded):
    page, errors = dashboard
    registered = seeded["registered"]
    assert page.locator("#registrations-count").inner_text() == "등록 23명"
    assert "아직 추첨하지 않았어요." in page.locator("#draws").inner_text()
    assert listed(page) == sorted(registered)[:20]
    first = page.locator('#registrations-rows tr[data-employee-id="8100"]')
    assert first.count() == 0
    page.locator("#registrations-more").click()
    page.wait_for_function("() => document.querySelectorAll('#registrations-rows tr').length > 20")
    assert listed(page) == sorted(registered)  # every one, once
    assert page.locator("#registrations-more").is_hidden()
    # Past the first page the list holds still on the shell's ticks.
    loads = len(page.asked("/api/admin/registrations"))
    ticks(page)
    assert len(page.asked("/api/admin/registrations")) == loads
    assert listed(page) == sorted(registered)
    row = page.locator('#registrations-rows tr[data-employee-id="8100"]').inner_text()
    assert registered["8100"] in row and "010-****-0001" in row and "7777" not in row

    box = page.get_by_label("등록 찾기")

    def search(text: str, expected: list[str]) -> None:
        box.fill(text)
        box.press("Enter")
        page.wait_for_function(
            """(want) => JSON.stringify([...document.querySelectorAll('#registrations-rows tr')]
                 .map(tr => tr.firstChild.textContent)) === JSON.stringify(want)""",
            arg=expected)

    search("81", ["8100", "8101", "8102"])
    search(registered["8101"].lower(), ["8101"])
    search("010-7777-0001", ["8100", "8102"])
    search("+82 10 7777 0001", ["8100", "8102"])
    assert "찾은 등록 2건" in page.locator("#registrations-result").inner_text()

    box.fill("아무거나")
    box.press("Enter")
    error = page.locator("#registrations-q-error")
    error.wait_for()
    assert "사번" in error.inner_text() and "추첨 번호" in error.inner_text()
    assert page.locator("#registrations-rows tr").count() == 0
    # Typing alone searches too (after a pause); an empty box lists everyone again.
    box.fill("700")
    page.wait_for_function("() => document.querySelectorAll('#registrations-rows tr').length"
                           " === 10")
    assert error.is_hidden()
    box.fill("")
    page.wait_for_function("() => document.querySelectorAll('#registrations-rows tr').length"
                           " === 20")
    # On the first page, each tick reloads it.
    with page.expect_request(lambda r: "/api/admin/registrations?limit=20" in r.url
                             and "cursor=" not in r.url and "q=" not in r.url):
        ticks(page, 1)
    section_shot(page, "#registrations", "admin-registrations-desktop-section")
    assert own_errors(errors) == []


def test_on_a_phone_the_charts_stack_and_a_refusal_signs_out(dashboard, local_stack):
    page, errors = dashboard
    page.set_viewport_size(MOBILE)
    boxes = [page.locator(f"#{f}").bounding_box()
             for f in ("chart-outcomes", "chart-response", "chart-registrations")]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= MOBILE["width"] for b in boxes)
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    page.locator("#insights").scroll_into_view_if_needed()
    screenshot(page, "admin-insights-phone")
    section_shot(page, "#insights", "admin-insights-phone-section")

    # The token stops working for the charts: the shell shows the sign-in form
    # with its message, and the charts and the list are cleared.
    page.route("**/api/admin/stats*", lambda route: route.fulfill(
        status=401, content_type="application/json",
        body='{"code": "UNAUTHORIZED", "message": "관리자 인증이 필요해요."}'))
    page.reload()
    page.locator("#sign-in").wait_for()
    # The session resumes, the list loads, then the charts' call is refused.
    page.locator("#sign-in-error").filter(has_text="다시 로그인해 주세요").wait_for()
    assert page.locator("#chart-outcomes .chart-body").inner_text() == ""
    assert page.locator("#registrations-rows tr").count() == 0
    assert [e for e in own_errors(errors) if "/api/admin/stats" not in e] == []
