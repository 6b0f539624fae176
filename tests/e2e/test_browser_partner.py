"""The partner's page in Debian's chromium, against the whole local stack: an
answer is sent only after an in-page question (no extra page load), the
choices sit a thumb apart and follow the kind of request, the picker starts at
the booked time, a time error sits next to the field, and opening the link
again after answering shows the answer calmly. Phone (390x844) and desktop
(1280x800); screenshots in test-artifacts/partner-*.png."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.browser_support import (
    DESKTOP,
    MOBILE,
    console_errors,
    local_url,
    partner_link,
    screenshot,
)

pytestmark = [pytest.mark.stack, pytest.mark.browser]

TEXTS = {
    "ChangeReservation": "RS-2025110301 체크인 날짜를 24일로 바꾸고 싶어요",
    "ReportTrouble": "RS-2025110301 방에 물이 새요",
    # Another reservation: one open request per reservation, and a test may
    # open a trouble report and an add-on request one after the other.
    "RequestAddOnService": "A-20251103 수건을 더 받고 싶어요",
}
PHONES = {"RS": "010-1234-5678", "A-": "010-2222-3333"}
# A thumb's contact patch is about 10 mm wide; 48 CSS px is about that on a phone.
THUMB_PX = 48


def new_request(local_stack, intent: str) -> str:
    response = requests.post(local_stack.url + "/api/requests", timeout=20, json={
        "text": TEXTS[intent], "customerPhone": PHONES[TEXTS[intent][:2]]})
    assert response.status_code == 201, response.text
    assert response.json()["intent"] == intent
    TOKENS[response.json()["requestId"]] = response.json()["customerToken"]
    return response.json()["requestId"]


TOKENS: dict[str, str] = {}  # request id -> its customer token, as the chat keeps it


def open_partner_page(local_stack, page, intent: str) -> tuple[str, str]:
    request_id = new_request(local_stack, intent)
    link = local_url(partner_link(local_stack.endpoint, request_id), local_stack.url)
    page.goto(link)
    page.get_by_role("heading", name="고객 요청을 확인해 주세요").wait_for()
    return request_id, link


def answer_posts(page) -> list[str]:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.post_data or "")
            if r.method == "POST" and "/r/" in r.url else None)
    return posts


def public(local_stack, request_id: str) -> dict:
    return requests.get(f"{local_stack.url}/api/requests/{request_id}", timeout=10,
                        headers={"X-Customer-Token": TOKENS[request_id]}).json()


def gap(upper, lower) -> float:
    """Vertical space between two elements' boxes (CSS px)."""
    a, b = upper.bounding_box(), lower.bounding_box()
    return b["y"] - (a["y"] + a["height"])


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
def test_reject_asks_first_then_sends_once_and_a_reload_shows_the_answer_calmly(
        local_stack, new_page, viewport):
    page = new_page(viewport=viewport)
    errors = console_errors(page)
    posts = answer_posts(page)
    request_id, link = open_partner_page(local_stack, page, "ChangeReservation")
    name = "phone" if viewport == MOBILE else "desktop"
    screenshot(page, f"partner-choices-{name}")

    accept = page.locator("summary", has_text="변경할게요")
    reject = page.locator("summary", has_text="변경할 수 없어요")
    propose = page.locator("summary", has_text="다른 시간 제안")
    assert gap(accept, reject) >= THUMB_PX and gap(reject, propose) >= THUMB_PX
    for summary in (accept, reject, propose):
        assert summary.bounding_box()["height"] >= 44  # a comfortable target

    # Opening accept puts its send button just above reject: still a thumb apart.
    accept.click()
    send_accept = page.get_by_role("button", name="네, 변경할게요")
    assert send_accept.is_visible()
    assert gap(send_accept, reject) >= THUMB_PX

    # The first tap on reject only asks (and closes accept); nothing is sent.
    reject.click()
    question = page.get_by_text("변경할 수 없다고 고객에게 알릴까요?")
    question.wait_for()
    assert not send_accept.is_visible()
    screenshot(page, f"partner-reject-asks-{name}")
    page.wait_for_timeout(300)
    assert posts == []
    assert public(local_stack, request_id).get("partnerDecision") is None

    # Changing one's mind: tapping reject again closes the question.
    reject.click()
    question.wait_for(state="hidden")
    assert posts == []

    reject.click()
    with page.expect_navigation():
        page.get_by_role("button", name="네, 변경할 수 없어요").click()
    page.get_by_role("heading", name="응답이 전달되었어요").wait_for()
    assert page.get_by_text("전달한 응답: 변경할 수 없어요").is_visible()
    assert len(posts) == 1 and "decision=reject" in posts[0]
    after = public(local_stack, request_id)
    assert after["partnerDecision"] == "reject"
    assert [e["type"] for e in after["events"]].count("Responded") == 1

    # Opening the link again (a reload, the SMS tapped again) is a calm page.
    with page.expect_response(lambda r: r.url == link) as reopened:
        page.goto(link)
    assert reopened.value.status == 200 and reopened.value.request.method == "GET"
    page.get_by_text("이 요청에는 이미 응답했어요").wait_for()
    assert page.get_by_text("전달한 응답: 변경할 수 없어요").is_visible()
    assert page.locator(".error, [role=alert]").count() == 0
    screenshot(page, f"partner-answered-reload-{name}")
    assert len(posts) == 1
    assert errors == []


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
def test_every_kind_offers_exactly_three_choices_in_its_own_words(
        local_stack, new_page, viewport):
    """CONTRACT section 3: accept, reject, another time, for every kind; the
    words are the intents' catalogue's (chalicelib/nlu/catalogue.py)."""
    name = "phone" if viewport == MOBILE else "desktop"
    expected = {
        "ChangeReservation": ["변경할게요", "변경할 수 없어요", "다른 시간 제안"],
        "ReportTrouble": ["처리할게요", "처리할 수 없어요", "방문 시간 제안"],
        "RequestAddOnService": ["준비할게요", "준비할 수 없어요", "가능한 시간 제안"],
    }
    for intent, labels in expected.items():
        page = new_page(viewport=viewport)
        errors = console_errors(page)
        open_partner_page(local_stack, page, intent)
        assert page.locator("summary").all_inner_texts() == labels
        assert page.locator('button[name="decision"]').evaluate_all(
            "bs => bs.map(b => b.value)") == ["accept", "reject", "propose"]
        if intent != "ChangeReservation":
            assert page.get_by_text("거절").count() == 0
        assert page.locator("input[type=datetime-local]").count() == 1
        page.locator("summary", has_text=labels[2]).click()
        assert page.locator("input[type=datetime-local]").is_visible()
        screenshot(page, f"partner-{intent}-{name}")
        # Answered, so the reservation holds no open request for the next one.
        page.locator("summary", has_text=labels[0]).click()
        with page.expect_navigation():
            page.locator('button[name="decision"][value="accept"]').click()
        page.get_by_text(f"전달한 응답: {labels[0]}").wait_for()
        assert errors == []


# One request per kind, one after the other on a reservation no other test
# here uses (same partner phone as RS-2025110301), each answered on the
# partner's page with another decision: the chat shows the kind's own words,
# in the message and in the progress step.
IN_THE_CHAT = {
    "ChangeReservation": ("BK77001234 체크인 날짜를 24일로 바꾸고 싶어요", "accept", "변경할게요",
                          "변경 확정", "요청하신 대로 예약을 변경하기로 했어요"),
    "ReportTrouble": ("BK77001234 방에 물이 새요", "propose", "방문 시간 제안",
                      "방문 시간 제안", "방문해 처리할 수 있다고 해요"),
    "RequestAddOnService": ("BK77001234 수건을 더 받고 싶어요", "reject", "준비할 수 없어요",
                            "준비 불가", "요청하신 서비스를 준비할 수 없다고 해요"),
}


def test_each_kind_reaches_the_customers_chat_in_its_own_words(local_stack, new_page):
    for intent, (text, decision, button, step, words) in IN_THE_CHAT.items():
        chat = new_page()
        errors = console_errors(chat)
        chat.goto(local_stack.url + "/")
        chat.get_by_label("휴대폰 번호").fill("010-1111-2222")
        chat.get_by_label("문의 내용").fill(text)
        with chat.expect_response(lambda r: r.url.endswith("/api/requests")) as created:
            chat.get_by_role("button", name="보내기").click()
        assert created.value.status == 201, created.value.text()
        assert created.value.json()["intent"] == intent
        request_id = created.value.json()["requestId"]

        partner = new_page()
        partner.goto(local_url(partner_link(local_stack.endpoint, request_id), local_stack.url))
        partner.locator("summary", has_text=button).click()
        if decision == "propose":
            partner.locator("input[type=datetime-local]").fill("2026-12-24T18:30")
        with partner.expect_navigation():
            partner.locator(f'button[name="decision"][value="{decision}"]').click()
        partner.get_by_text(f"전달한 응답: {button}").wait_for()

        notice = chat.locator(".bubble.notification").last
        notice.wait_for(timeout=30_000)
        message = notice.inner_text()
        assert words in message, message
        if intent != "ChangeReservation":
            assert "수락" not in message and "거절" not in message
        assert chat.locator('#progress [data-step="Answer"]').inner_text() == step
        if decision == "propose":
            # The message asks for what the buttons right under it answer.
            assert message.count("이 시간이 괜찮은지 알려 주세요.") == 1  # said once, not twice
            assert "괜찮으시면 다시 문의해 주세요" not in message
            assert notice.locator("button.reply-accept").is_visible()
            assert notice.locator("button.reply-decline").is_visible()
        screenshot(chat, f"chat-{intent}-{decision}")
        assert errors == []


def test_the_picker_starts_at_the_booked_time_and_a_time_error_sits_by_the_field(
        local_stack, new_page):
    page = new_page(viewport=MOBILE)
    errors = console_errors(page)
    posts = answer_posts(page)
    request_id, _ = open_partner_page(local_stack, page, "ReportTrouble")
    page.locator("summary", has_text="방문 시간 제안").click()
    picker = page.get_by_label("방문할 시간")
    assert picker.input_value() == "2026-12-24T15:00"  # RS2025110301 is booked for then
    assert page.get_by_text("예약된 시간: 2026년 12월 24일 (목) 오후 3:00").is_visible()

    # An empty time is refused at the field by the browser itself: no round trip.
    picker.fill("")
    page.get_by_role("button", name="이 시간에 방문할게요").click()
    page.wait_for_timeout(300)
    assert posts == [] and picker.evaluate("e => e.validationMessage")
    # A browser that does not check forms posts it: the page comes back with the
    # error right under the field.
    page.locator("form").evaluate("f => { f.noValidate = true; }")
    with page.expect_navigation():
        page.get_by_role("button", name="이 시간에 방문할게요").click()
    error = page.get_by_text("제안할 시간을 골라 주세요.")
    error.wait_for()
    picker = page.get_by_label("방문할 시간")
    assert picker.is_visible()  # its choice comes back open
    assert "alternativeTime-error" in (picker.get_attribute("aria-describedby") or "").split()
    assert picker.get_attribute("aria-invalid") == "true"
    assert 0 <= gap(picker, error) <= 60  # right under the field, not a banner above
    screenshot(page, "partner-time-error-phone")
    assert public(local_stack, request_id).get("partnerDecision") is None
    # That answer is a 400 (Chromium logs it as a failed load); nothing else may log.
    assert [e for e in errors if "status of 400" not in e] == [] and len(errors) <= 1
    errors.clear()

    picker.fill("2026-12-24T18:30")
    with page.expect_navigation():
        page.get_by_role("button", name="이 시간에 방문할게요").click()
    page.get_by_text("전달한 응답: 방문 시간 제안, 2026년 12월 24일 (목) 오후 6:30").wait_for()
    after = public(local_stack, request_id)
    assert after["partnerDecision"] == "propose"
    assert after["alternativeTime"] == "2026-12-24T18:30:00+09:00"
    assert len(posts) == 2
    assert errors == []
