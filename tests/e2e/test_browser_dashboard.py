"""The operators' dashboard in Debian's chromium: sign-in and the events the
other dashboard scripts hear, a dense table at 1280x800, search and filters,
paging, the CSV export, the detail panel's Korean timeline, the operators'
actions (a 409 in place), a phone's viewport -- and the escaping of what
customers type on every page that shows it (chat, dashboard, partner page).

One local stack for the module; one signed-in desktop page (``admin``) is
shared by the tests in file order. Bulk requests are written straight into
the emulator's table (``seeded``), in states the list and the flags read."""

from __future__ import annotations

import csv
import io
import random
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
import requests

from chalicelib import clock, lifecycle
from chalicelib.korean import KST
from tests.e2e.browser_support import (
    DESKTOP,
    MOBILE,
    console_errors,
    local_url,
    partner_link,
    screenshot,
)
from tests.operators_support import USERS, credentials

# The dashboard has taken a search for q: its text is in the address (admin.js writeUrl).
APPLIED = ("q => location.hash.replace(/^#/, '').split('&')"
           ".includes('q=' + encodeURIComponent(q.trim()))")
pytestmark = [pytest.mark.stack, pytest.mark.browser]

PAYLOAD = ('<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
           '<b id="xss-bold">굵게</b>')
XSS_TEXT = f"RS-2025110301 객실 온수가 안 나와요 고장 신고합니다 {PAYLOAD}"
SEEDED = 105          # > 2 pages of 50 and > 1 export page of 100
LATIN = re.compile(r"[A-Za-z]")
FORMULA = '=HYPERLINK("https://evil.example","열기") 예약 바꿔 주세요'


def create_request(base_url, text="RS-2025110301 예약 날짜를 24일로 바꾸고 싶어요",
                   phone="010-1234-5678"):
    response = requests.post(base_url + "/api/requests",
                             json={"text": text, "customerPhone": phone}, timeout=15)
    assert response.status_code == 201, response.text
    return response.json()["requestId"]


def shot(page, name):
    """A screenshot from the top of the page (the table's header is sticky)."""
    page.evaluate("window.scrollTo(0, 0)")
    return screenshot(page, name)


def sign_in(page, username, password):
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호", exact=True).fill(password)
    page.get_by_role("button", name="로그인").click()


# -- seeding: requests written straight into the table --------------------------------

# kind -> what the row must show (see admin-detail.js `facts`).
KINDS = ("follow-up", "not-opened", "past-deadline", "responded", "failed", "opened", "created")


def _seed_one(i, reservation, phone, now):
    kind = KINDS[i % len(KINDS)]
    request_id = lifecycle.new_request_id()
    # Older as i grows, a few of them three days back (the date filter).
    created = now - timedelta(seconds=400 + 7 * i) - (timedelta(days=3) if i % 10 == 9
                                                      else timedelta())
    at = clock.iso(created)
    sent = clock.iso(now - timedelta(seconds=330 if kind == "past-deadline" else 120))
    events = [{"type": "Created", "at": at}]
    fields = {"createdAt": at, "updatedAt": at, "gsi1sk": f"{at}#{request_id}",
              "partnerId": "P001", "partnerName": "바다뷰 펜션",
              "partnerPhone": "+821098765432"}
    future = (now + timedelta(seconds=900)).astimezone(KST).isoformat(timespec="seconds")
    if kind in ("not-opened", "past-deadline", "opened"):
        events.append({"type": "SMS Sent", "at": sent})
        fields.update(status="SMS Sent", deadline=future)
        if kind == "past-deadline":
            fields["deadline"] = (now - timedelta(seconds=30)).astimezone(KST).isoformat(
                timespec="seconds")
        if kind == "opened":
            events.append({"type": "Opened", "at": clock.iso(now - timedelta(seconds=60))})
    elif kind == "created":
        fields.update(deadline=future)
    elif kind == "follow-up":
        events += [{"type": "SMS Sent", "at": sent},
                   {"type": "Timeout", "at": clock.iso(now - timedelta(seconds=20))},
                   {"type": "Escalated", "at": clock.iso(now - timedelta(seconds=20))}]
        fields.update(status="Timeout", escalatedAt=clock.iso(now - timedelta(seconds=20)))
    elif kind == "responded":
        events += [{"type": "SMS Sent", "at": sent},
                   {"type": "Responded", "at": sent, "decision": "accept"},
                   {"type": "Notified", "at": sent, "source": "template"}]
        fields.update(status="Responded", partnerDecision="accept", respondedAt=sent,
                      notification={"message": "예약 변경이 확정됐어요.", "source": "template"})
    elif kind == "failed":
        events.append({"type": "Failed", "at": at, "reason": "RESERVATION_MISMATCH"})
        fields.update(status="Failed")
    fields["events"] = events
    lifecycle.create(request_id, intent="ChangeReservation", reservation_number=reservation,
                     customer_phone=phone if i % 20 == 3 else "+821022223333",
                     text=FORMULA if i == 5 else f"예약 날짜를 바꾸고 싶어요 {i}", **fields)
    return {"id": request_id, "kind": kind, "created": at, "phone": i % 20 == 3,
            "day": created.astimezone(KST).strftime("%Y-%m-%d"), "old": i % 10 == 9}


@pytest.fixture(scope="module")
def seeded(local_stack):
    """SEEDED requests of one reservation (unique to this run), a few of them
    with one customer phone (unique too), in every state the flags read."""
    reservation = f"DB{random.randrange(10**9):09d}"
    phone = "+8210" + f"{random.randrange(10**8):08d}"
    now = clock.now()
    with ThreadPoolExecutor(8) as pool:
        rows = list(pool.map(lambda i: _seed_one(i, reservation, phone, now), range(SEEDED)))
    return {"reservation": reservation, "phone": phone, "rows": rows,
            "ids": {r["id"] for r in rows}}


class Admin:
    """One signed-in desktop page, its console errors, and a few helpers."""

    def __init__(self, page, errors):
        self.page = page
        self.errors = errors

    def rows(self):
        return self.page.locator("#requests tr.request-row")

    def ids(self):
        return self.page.eval_on_selector_all(
            "#requests tr.request-row", "rows => rows.map(r => r.dataset.requestId)")

    def row(self, request_id):
        return self.page.locator(f'#requests tr[data-request-id="{request_id}"]')

    def search(self, text):
        """Search and wait until the page has taken the answer: until then the
        rows are the previous list's (with 50 of them, `wait_rows` on a count
        could pass on that list). A taken search writes its text into the
        address; a refused one shows its message."""
        wanted = "q=" + quote(text, safe="-_.!~*'()")
        with self.page.expect_response(lambda r: "/api/admin/requests?" in r.url
                                       and wanted in r.url) as answer:
            self.page.get_by_label("검색", exact=True).fill(text)
            self.page.get_by_role("button", name="검색", exact=True).click()
        if answer.value.status == 200:
            self.page.wait_for_function(APPLIED, arg=text)
        else:
            self.page.locator("#q-error").filter(has_text="요").wait_for()
        return answer.value

    def wait_rows(self, predicate_js):
        self.page.wait_for_function(
            "() => { const ids = [...document.querySelectorAll('#requests tr.request-row')]"
            ".map(r => r.dataset.requestId); " + predicate_js + " }")

    def reset(self):
        self.page.get_by_role("button", name="조건 지우기").click()
        self.page.wait_for_function("() => document.querySelector('#q').value === ''")

    def open(self, request_id):
        self.row(request_id).click()
        self.page.locator("#detail:not([hidden])").wait_for()
        self.page.locator("#detail dd").filter(has_text=request_id).wait_for()
        return self.page.locator("#detail")


@pytest.fixture(scope="module")
def admin(browser, local_stack, seeded):
    """Signed in once at 1280x800, in a browser whose own time zone is New York:
    every time the page shows must still be Korean time."""
    context = browser.new_context(locale="ko-KR", timezone_id="America/New_York",
                                  viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = console_errors(page)
    page.goto(local_stack.url + "/admin")
    sign_in(page, *credentials("admin"))
    page.locator("#requests tr.request-row").first.wait_for()
    yield Admin(page, errors)
    context.close()


# -- sign-in and the seam ---------------------------------------------------------------

# Listens before the page's own scripts run (an init script: not subject to the page's CSP).
SEAM = """window.__seam = [];
  for (const name of ['pl:signed-in', 'pl:refresh', 'pl:signed-out']) {
    document.addEventListener(name, e => window.__seam.push([name, e.detail])); }"""


def test_wrong_password_then_sign_in_tells_the_other_scripts(local_stack, new_page):
    first = create_request(local_stack.url)
    admin = new_page()
    errors = console_errors(admin)
    admin.add_init_script(SEAM)
    admin.goto(local_stack.url + "/admin")
    assert admin.title() == "운영자 대시보드"

    username, password = credentials("admin")
    sign_in(admin, username, password + "x")
    error = admin.locator("#sign-in-error")
    error.filter(has_text="아이디 또는 비밀번호가 맞지 않아요").wait_for()
    assert admin.locator("#dashboard").is_hidden()
    assert admin.evaluate("sessionStorage.getItem('partnerline.session')") is None
    assert admin.evaluate("window.__seam") == []
    screenshot(admin, "admin-wrong-password")

    sign_in(admin, username, password)
    admin.locator(f'#requests tr[data-request-id="{first}"]').wait_for()
    assert admin.locator("#sign-in").is_hidden()
    # The two sections the other scripts fill come after the requests.
    assert admin.evaluate("""() => {
        const a = document.querySelector('#requests-area');
        const i = document.querySelector('#insights'), r = document.querySelector('#registrations');
        return !!(a.compareDocumentPosition(i) & 4) && !!(i.compareDocumentPosition(r) & 4)
          && i.querySelector('h2').textContent === '한눈에 보기'
          && r.querySelector('h2').textContent === '전화 이벤트 등록'; }""")
    admin.wait_for_function("() => window.__seam.some(e => e[0] === 'pl:refresh')",
                           timeout=10_000)
    seam = admin.evaluate("window.__seam")
    token = seam[0][1]["token"]  # the operator's access token (a JWT)
    assert seam[0][0] == "pl:signed-in" and token.count(".") == 2
    assert [e for e in seam if e[0] == "pl:signed-in"] == [seam[0]]
    assert ["pl:refresh", {"token": token}] in seam

    # A request made after sign-in appears without reloading (another reservation:
    # the first one's request is still open).
    later = create_request(local_stack.url, "A20251103 예약 날짜를 24일로 바꾸고 싶어요",
                           "010-2222-3333")
    admin.locator(f'#requests tr[data-request-id="{later}"]').wait_for(timeout=15_000)

    # A saved token (this tab's sessionStorage) signs in on reload, and says so.
    admin.reload()
    admin.wait_for_function("() => window.__seam.some(e => e[0] === 'pl:signed-in')")

    # Another script's call was refused: the sign-in form, with its Korean message.
    admin.evaluate("document.dispatchEvent(new CustomEvent('pl:refused', {detail: {}}))")
    admin.locator("#sign-in").wait_for()
    assert "다시 로그인해 주세요" in admin.locator("#sign-in-error").inner_text()
    assert admin.evaluate("window.__seam.at(-1)") == ["pl:signed-out", {}]
    assert admin.evaluate("sessionStorage.getItem('partnerline.session')") is None

    sign_in(admin, username, password)
    admin.locator("#requests tr.request-row").first.wait_for()
    admin.get_by_role("button", name="로그아웃").click()
    admin.locator("#sign-in").wait_for()
    assert admin.evaluate("window.__seam.at(-1)") == ["pl:signed-out", {}]
    # Cognito answers the wrong password with a 400 (NotAuthorizedException), which
    # the browser logs; nothing else went wrong.
    wrong_password = f"status of 400 (BAD REQUEST) ({local_stack.endpoint}/)"
    assert [e for e in errors if wrong_password not in e] == []
    assert len(errors) == 1


# -- the table --------------------------------------------------------------------------

def test_at_least_15_rows_fit_a_1280x800_window(admin, seeded):
    page = admin.page
    visible = page.evaluate("""() => [...document.querySelectorAll('#requests tr.request-row')]
        .filter(r => { const b = r.getBoundingClientRect();
                       return b.height > 0 && b.top >= 0 && b.bottom <= window.innerHeight; })
        .length""")
    assert visible >= 15, visible
    assert page.evaluate("window.scrollY") == 0
    headers = page.locator("#requests-table thead th").all_inner_texts()
    assert headers == ["요청 번호", "상태", "유형", "예약번호", "제휴점", "경과", "남은 시간",
                       "확인할 점"]
    shot(admin.page, "admin-table-desktop")
    assert admin.errors == []


def test_overdue_and_not_opened_rows_stand_out_in_words(admin, seeded):
    admin.search(seeded["reservation"])
    admin.wait_rows("return ids.length === 50")
    by_kind = {r["id"]: r["kind"] for r in seeded["rows"]}
    for request_id in admin.ids():
        row = admin.row(request_id)
        kind = by_kind[request_id]
        classes = row.get_attribute("class").split()
        flags = row.locator(".col-flags").inner_text()
        left = row.locator(".col-left").inner_text()
        status = row.locator(".col-status").inner_text()
        words = " ".join(row.locator(f".col-{c}").inner_text()
                         for c in ("status", "intent", "partner", "age", "left", "flags"))
        assert LATIN.search(words) is None, (kind, words)
        assert row.locator(".col-id").inner_text() == request_id[:8]
        assert row.locator(".short-id").get_attribute("title") == request_id
        if kind == "follow-up":
            assert "overdue" in classes and "후속 조치 필요" in flags and status == "응답 시간 초과"
            assert left == "—"
        elif kind == "past-deadline":
            assert "overdue" in classes and "기한 지남" in flags
            assert left.endswith("지남")
        elif kind == "not-opened":
            assert "not-opened" in classes and "링크 안 열어 봄" in flags
            assert "overdue" not in classes and re.fullmatch(r"\d+분( \d+초)? 남음", left), left
        else:
            assert "overdue" not in classes and "not-opened" not in classes and flags == ""
            assert (left == "—") == (kind in ("responded", "failed")), (kind, left)
    assert admin.errors == []


def test_search_by_id_reservation_and_phone_and_the_filters(admin, seeded):
    page = admin.page
    everything = set(admin.ids())
    mine = next(r for r in seeded["rows"] if r["kind"] == "responded")

    admin.search(mine["id"][:8])
    admin.wait_rows(f"return ids.length >= 1 && ids.every(i => i.startsWith('{mine['id'][:8]}'))")
    assert mine["id"] in admin.ids()

    admin.search(seeded["reservation"][:2].lower() + "-" + seeded["reservation"][2:])
    admin.wait_rows("return ids.length === 50")
    assert set(admin.ids()) <= seeded["ids"]

    local = "0" + seeded["phone"][3:5] + " " + seeded["phone"][5:9] + " " + seeded["phone"][9:]
    admin.search(local)
    with_phone = {r["id"] for r in seeded["rows"] if r["phone"]}
    admin.wait_rows(f"return ids.length === {len(with_phone)}")
    assert set(admin.ids()) == with_phone
    assert set(admin.ids()) != everything

    # A search the API refuses: its Korean message next to the field, and no
    # rows (the previous ones would read as this search's) until a valid one.
    answer = admin.search("!!")
    assert answer.status == 400
    page.locator("#q-error").filter(has_text="검색어는").wait_for()
    assert admin.ids() == []
    assert page.evaluate("document.activeElement.id") == "q"

    # Status, follow-up list, date range (KST dates), all within the reservation.
    admin.search(seeded["reservation"])
    assert page.locator("#q-error").inner_text() == ""
    page.get_by_label("상태", exact=True).select_option("Timeout")
    follow_ups = {r["id"] for r in seeded["rows"] if r["kind"] == "follow-up"}
    admin.wait_rows(f"return ids.length === {len(follow_ups)}")
    assert set(admin.ids()) == follow_ups
    assert page.locator("#requests .badge").all_inner_texts() == ["응답 시간 초과"] * len(
        follow_ups)
    page.get_by_label("상태", exact=True).select_option("")
    page.get_by_label("후속 조치 목록만").check()
    admin.wait_rows(f"return ids.length === {len(follow_ups)}")
    assert set(admin.ids()) == follow_ups
    page.get_by_label("후속 조치 목록만").uncheck()

    day = next(r["day"] for r in seeded["rows"] if r["old"])
    page.get_by_label("시작일").fill(day)
    page.get_by_label("종료일").fill(day)
    three_days = {r["id"] for r in seeded["rows"] if r["day"] == day}
    assert three_days and len(three_days) < SEEDED
    admin.wait_rows(f"return ids.length === {len(three_days)}")
    assert set(admin.ids()) == three_days
    admin.reset()
    admin.wait_rows("return ids.length === 50")
    assert admin.errors == []


def test_paging_follows_the_cursor_and_comes_back(admin, seeded):
    page = admin.page
    admin.search(seeded["reservation"])
    admin.wait_rows("return ids.length === 50")
    first = admin.ids()
    assert page.locator("#page-label").inner_text() == "1쪽"
    assert page.get_by_role("button", name="이전").is_disabled()

    page.get_by_role("button", name="다음").click()
    page.locator("#page-label").filter(has_text="2쪽").wait_for()
    admin.wait_rows(f"return ids.length === 50 && !ids.includes('{first[0]}')")
    second = admin.ids()
    page.get_by_role("button", name="다음").click()
    page.locator("#page-label").filter(has_text="3쪽").wait_for()
    admin.wait_rows(f"return ids.length === {SEEDED - 100}")
    third = admin.ids()
    assert page.get_by_role("button", name="다음").is_disabled()
    assert set(first) | set(second) | set(third) == seeded["ids"]
    assert len(first + second + third) == SEEDED

    # Auto-refresh reloads this page, not the first one.
    with page.expect_response(lambda r: "cursor=" in r.url, timeout=8_000):
        pass
    assert admin.ids() == third

    page.get_by_role("button", name="이전").click()
    page.locator("#page-label").filter(has_text="2쪽").wait_for()
    admin.wait_rows(f"return ids[0] === '{second[0]}'")
    page.get_by_role("button", name="처음으로").click()
    page.locator("#page-label").filter(has_text="1쪽").wait_for()
    admin.wait_rows(f"return ids[0] === '{first[0]}'")
    assert admin.errors == []


def test_csv_export_holds_every_matching_request(admin, seeded):
    page = admin.page
    admin.search(seeded["reservation"])
    admin.wait_rows("return ids.length === 50")
    pages = []

    def keep(request):
        if "limit=100" in request.url:
            pages.append(request.url)

    page.on("request", keep)
    with page.expect_download() as download:
        page.get_by_role("button", name="엑셀로 내려받기").click()
    page.remove_listener("request", keep)
    assert download.value.suggested_filename.endswith(".csv")
    raw = open(download.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark: Excel reads Korean
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert header[:5] == ["요청 번호", "상태", "종료", "유형", "예약번호"]
    assert all(not LATIN.search(h) for h in header)
    # A cell that starts like a formula is made text (a leading apostrophe,
    # which spreadsheets hide); request ids can start with "-".
    assert {row[0].removeprefix("'") for row in body} == seeded["ids"] and len(body) == SEEDED
    assert [r[header.index("문의 내용")] for r in body if "HYPERLINK" in r[8]] == ["'" + FORMULA]
    assert len(pages) == 2 and "cursor=" in pages[1]  # followed `next`
    page.locator("#export-status").filter(has_text=f"{SEEDED}건을 내보냈어요").wait_for()

    row = next(r for r in body if r[0].removeprefix("'") == seeded["rows"][0]["id"])
    created = datetime.fromisoformat(seeded["rows"][0]["created"].replace("Z", "+00:00"))
    received = header.index("접수")
    assert row[received] == created.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")  # KST
    assert row[header.index("고객 연락처")] == "010-****-3333"
    assert row[header.index("상태")] == "응답 시간 초과"

    # Past the cap, the file stops there and the page says so.
    page.evaluate("window.PL.admin.exportCap = 60")
    with page.expect_download() as capped:
        page.get_by_role("button", name="엑셀로 내려받기").click()
    rows = list(csv.reader(io.StringIO(open(capped.value.path(), encoding="utf-8-sig").read())))
    assert len(rows) == 1 + 60
    page.locator("#export-status").filter(has_text="60건까지만 내보냈어요").wait_for()
    page.evaluate("window.PL.admin.exportCap = 5000")
    assert admin.errors == []


# -- the detail panel and the operators' actions ------------------------------------------

def test_detail_panel_timeline_and_actions_on_a_live_request(admin, local_stack):
    page = admin.page
    request_id = create_request(local_stack.url)
    link = local_url(partner_link(local_stack.endpoint, request_id), local_stack.url)
    for _ in range(4):  # the timeline keeps the first three; the count says four
        assert requests.get(link, timeout=10).status_code == 200

    admin.search(request_id[:8])
    admin.wait_rows(f"return ids.includes('{request_id}')")
    admin.row(request_id).focus()
    page.keyboard.press("Enter")
    panel = page.locator("#detail")
    panel.locator("dd").filter(has_text=request_id).wait_for()
    assert panel.bounding_box()["x"] > 600  # at the table's side
    timeline = panel.locator("ol.timeline")
    opened = timeline.locator('li[data-event="Opened"]')
    assert opened.count() == 1
    assert re.search(r"제휴점이 링크를 열었어요 \(4회, 처음 \d\d:\d\d:\d\d\)", opened.inner_text())
    assert "문의를 접수했어요" in timeline.inner_text()
    assert "제휴점에 문자를 보냈어요" in timeline.inner_text()
    assert not LATIN.search(timeline.inner_text())
    fields = panel.locator("dl.fields").inner_text()
    assert "바다뷰 펜션" in fields and "010-****-5432" in fields and "예약 변경" in fields
    assert "파트너" not in panel.inner_text()
    assert panel.get_by_role("button", name="요청 종료").is_disabled()
    assert "아직 제휴점의 답을 기다리는 중이에요" in panel.locator(".action-reasons").inner_text()

    # Resend, after a confirmation; the refresh pauses while the form is open.
    panel.get_by_role("button", name="새 링크 보내기").click()
    panel.get_by_text("지금까지 보낸 링크는 더 이상 쓸 수 없어요").wait_for()
    page.locator("#refresh-line.paused").wait_for()
    assert "자동 갱신을 멈췄어요" in page.locator("#refresh-line").inner_text()
    panel.get_by_role("button", name="네, 새 링크를 보낼게요").click()
    panel.locator("#action-result").filter(has_text="새 링크를 보냈어요").wait_for()
    timeline.locator('li[data-event="LinkResent"]').wait_for()
    page.locator("#refresh-line:not(.paused)").wait_for()

    # The partner's answer taken by phone: a proposed time, a note required.
    panel.get_by_role("button", name="전화로 받은 답 기록").click()
    panel.get_by_label("제휴점의 답").select_option("propose")
    panel.get_by_label("제안한 시간").wait_for()
    tomorrow = (clock.now().astimezone(KST) + timedelta(days=1)).strftime("%Y-%m-%dT15:00")
    panel.get_by_label("제안한 시간").fill(tomorrow)
    panel.get_by_role("button", name="답 기록하기").click()
    panel.locator("#action-note-error").filter(has_text="메모를 적어 주세요").wait_for()
    panel.get_by_label("메모").fill("제휴점 사장님과 통화, 내일 오후 3시 가능")
    panel.get_by_role("button", name="답 기록하기").click()
    panel.locator("#action-result").filter(has_text="답을 기록했어요").wait_for()
    answered = timeline.locator('li[data-event="AnsweredByOperator"]')
    # The timeline names the signed-in operator (the token's user, not a typed name).
    assert f"처리: {USERS['admin']}" in answered.inner_text()
    assert "내일 오후 3시" in answered.inner_text()
    assert "응답 완료" in panel.locator("dl.fields").inner_text()
    assert "오후 3:00" in panel.locator("dl.fields").inner_text()  # the proposed time, KST
    admin.row(request_id).locator(".badge").filter(has_text="응답 완료").wait_for()

    # Then closed, with a note.
    panel.get_by_role("button", name="요청 종료").click()
    panel.get_by_label("메모").fill("고객 안내까지 확인")
    panel.get_by_role("button", name="요청 종료하기").click()
    panel.locator("#action-result").filter(has_text="요청을 종료했어요").wait_for()
    assert "종료됨" in panel.locator("dl.fields").inner_text()
    admin.row(request_id).locator(".closed-mark").wait_for()
    assert panel.get_by_role("button", name="요청 종료").is_disabled()
    page.locator("#detail li[data-event=\"Notified\"]").wait_for(timeout=20_000)
    notified = timeline.locator('li[data-event="Notified"]').inner_text()
    assert "[" not in notified and "template" not in notified and "자동 문구" in notified
    shot(page, "admin-detail-desktop")
    assert admin.errors == []


def test_a_conflict_shows_in_place_and_keeps_the_typing(admin, seeded):
    page = admin.page
    target = next(r for r in seeded["rows"] if r["kind"] == "follow-up")
    admin.search(target["id"][:8])
    admin.wait_rows(f"return ids.includes('{target['id']}')")
    panel = admin.open(target["id"])
    panel.get_by_role("button", name="요청 종료").click()
    panel.get_by_label("메모").fill("제휴점과 통화했어요")
    # Meanwhile another operator closes it.
    assert lifecycle.close(target["id"], "박운영", "먼저 처리")
    panel.get_by_role("button", name="요청 종료하기").click()
    error = panel.locator("#action-error")
    error.filter(has_text="이미 종료된 요청이에요").wait_for()
    assert error.get_attribute("data-status") == "409"
    assert panel.get_by_label("메모").input_value() == "제휴점과 통화했어요"
    assert "자동 갱신을 멈췄어요" in page.locator("#refresh-line").inner_text()
    shot(page, "admin-conflict")
    panel.get_by_role("button", name="취소").click()
    panel.locator("dl.fields").filter(has_text="박운영").wait_for(timeout=10_000)
    assert "종료됨" in panel.locator("dl.fields").inner_text()
    assert admin.errors == []


def test_a_phone_can_use_the_table_and_the_panel(admin, seeded):
    page = admin.page
    if page.locator("#detail").is_visible():
        page.locator("#detail").get_by_role("button", name="닫기").click()
        page.locator("#detail").wait_for(state="hidden")
    page.set_viewport_size(MOBILE)
    admin.search(seeded["reservation"])
    admin.wait_rows("return ids.length === 50")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    shot(page, "admin-table-phone")
    first = admin.ids()[0]
    panel = admin.open(first)
    box = panel.bounding_box()
    assert box["x"] == 0 and box["width"] == MOBILE["width"]  # the whole width
    shot(page, "admin-detail-phone")
    panel.get_by_role("button", name="닫기").click()
    page.locator("#detail").wait_for(state="hidden")
    page.set_viewport_size(DESKTOP)
    assert admin.errors == []


# -- escaping -----------------------------------------------------------------------------

def test_script_in_the_chat_text_is_shown_as_text_everywhere(local_stack, new_page, admin):
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

    page = admin.page
    admin.search(request_id[:8])
    admin.wait_rows(f"return ids.includes('{request_id}')")
    panel = admin.open(request_id)
    assert PAYLOAD in panel.locator(".customer-text").inner_text()
    assert panel.locator("script, img, b").count() == 0
    assert page.locator("#xss-bold").count() == 0
    shot(page, "admin-escaped-text")

    partner = new_page()
    partner.goto(local_url(partner_link(local_stack.endpoint, request_id), local_stack.url))
    partner.get_by_text("<script>window.__xss=1</script>", exact=False).wait_for()
    assert partner.locator("#xss-bold").count() == 0
    assert partner.locator("img[src=x]").count() == 0
    screenshot(partner, "partner-escaped-text")

    chat.wait_for_timeout(500)  # give any injected handler its chance to run
    for each in (chat, page, partner):
        assert each.evaluate("typeof window.__xss") == "undefined"
    assert admin.errors == []
