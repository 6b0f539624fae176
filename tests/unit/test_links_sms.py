"""The partner's SMS fits two UCS-2 segments (134 characters) with the link whole,
also behind the HTTP API's own URL (no custom domain)."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.links import keys, tokens
from chalicelib.partner import sms

CUSTOM_BASE = "https://confirm.example/r/"
# What provisioning sets CONFIRM_BASE_URL to without a custom domain: an HTTP
# API's ApiEndpoint (10-character id) in the stage's region.
EXECUTE_API = "https://abcdefghij.execute-api.ap-northeast-2.amazonaws.com"
EXECUTE_API_BASE = EXECUTE_API + "/r/"
RING = keys.parse("k1:" + "s" * 32)
LONGEST_KID = keys.parse("k1234567:" + "s" * 32)
REQUEST_ID = base64.urlsafe_b64encode(b"\xff" * 16).rstrip(b"=").decode()
# The longest names a reservation carries in practice, and then some.
LONG_PARTNER = "산과 바다가 보이는 아주 긴 이름의 펜션 본관 별관"
LONG_SERVICE = "프리미엄 오션뷰 스위트 디럭스 패밀리 룸 3박 조식 포함 😀"


def link(base: str, ring=LONGEST_KID) -> str:
    return base + tokens.seal(ring.signing, REQUEST_ID, 2**32 - 1)


def test_worst_case_fits_behind_the_execute_api_url():
    assert len(EXECUTE_API) == 59
    url = link(EXECUTE_API_BASE)
    text = sms.compose(LONG_PARTNER, LONG_SERVICE, url)
    print(f"worst-case SMS: {sms.length(text)} characters (link {len(url)}): {text}")
    assert sms.length(text) <= sms.LIMIT == 134
    assert text.endswith(" " + url)  # the link is never cut
    assert text.startswith("[예약확인] ")
    # Even the text without any name fits: every name is optional.
    assert sms.length(f"[예약확인] 고객 요청에 답해 주세요 {url}") <= sms.LIMIT


def test_the_largest_base_url_that_fits_is_at_least_the_execute_api_url():
    assert sms.MAX_BASE_URL_CHARS >= len(EXECUTE_API)
    assert sms.TOKEN_CHARS == tokens.TOKEN_CHARS
    base = "https://" + "x" * (sms.MAX_BASE_URL_CHARS - len("https://"))
    text = sms.compose(LONG_PARTNER, LONG_SERVICE, link(base + "/r/"))
    assert sms.length(text) <= sms.LIMIT


def test_typical_sms_keeps_both_names_with_a_custom_domain():
    url = link(CUSTOM_BASE, RING)
    text = sms.compose("바다뷰 펜션", "오션뷰 디럭스 2박", url)
    print(f"typical SMS: {sms.length(text)} characters: {text}")
    assert text == f"[예약확인] 바다뷰 펜션님, 오션뷰 디럭스 2박 요청에 답해 주세요 {url}"
    assert sms.length(text) <= sms.LIMIT


@given(st.text(max_size=60), st.text(max_size=60),
       st.sampled_from([CUSTOM_BASE, EXECUTE_API_BASE,
                        "https://abcdefghij.execute-api.ap-southeast-1.amazonaws.com/r/"]))
def test_any_names_fit(partner, service, base):
    url = link(base)
    text = sms.compose(partner, service, url)
    assert sms.length(text) <= sms.LIMIT
    assert text.endswith(" " + url) and text.startswith("[예약확인] ")
    assert "\n" not in text[:-len(url)]


def test_names_are_cut_partner_first():
    url = CUSTOM_BASE + "A" * 70
    service = "디럭스 스위트 2박"
    text = sms.compose("아주 긴 파트너 이름을 가진 펜션", service, url)
    assert sms.length(text) <= 134
    assert f" {service} 요청에" in text  # the service survives whole
    assert "아주 긴 파트너 이름을 가진 펜션" not in text


def test_emoji_counts_as_two_units():
    assert sms.length("😀") == 2 and sms.length("가") == 1


DEADLINE = "2026-11-30T13:45:59+09:00"


@given(st.text(max_size=60), st.text(max_size=60), st.booleans(),
       st.sampled_from([CUSTOM_BASE, EXECUTE_API_BASE,
                        "https://abcdefghij.execute-api.ap-southeast-1.amazonaws.com/r/"]))
def test_the_deadline_and_the_reminder_fit_whatever_the_names(partner, service, reminder, base):
    url = link(base)
    text = sms.compose(partner, service, url, deadline=DEADLINE, reminder=reminder)
    assert sms.length(text) <= sms.LIMIT
    assert text.endswith(" " + url)  # the link is never cut
    assert " 13:45까지 답해 주세요 " in text  # the deadline is never cut either
    assert text.startswith("[다시 알림] " if reminder else "[예약확인] ")


def test_worst_case_with_the_deadline_behind_the_execute_api_url():
    url = link(EXECUTE_API_BASE)
    for reminder in (False, True):
        text = sms.compose(LONG_PARTNER, LONG_SERVICE, url, deadline=DEADLINE,
                           reminder=reminder)
        print(f"worst-case SMS with deadline: {sms.length(text)} characters: {text}")
        assert sms.length(text) <= sms.LIMIT and "13:45까지" in text
    assert sms.MAX_BASE_URL_CHARS >= len(EXECUTE_API)


def test_typical_sms_names_the_deadline_rounded_down():
    url = link(CUSTOM_BASE, RING)
    text = sms.compose("바다뷰 펜션", "오션뷰 디럭스 2박", url, deadline=DEADLINE)
    assert text == f"[예약확인] 바다뷰 펜션님, 오션뷰 디럭스 2박 요청에 13:45까지 답해 주세요 {url}"
    # Given in UTC, shown in Korean time.
    assert sms.deadline_text("2026-11-30T04:45:59Z") == "13:45"
