"""The partner's SMS fits two UCS-2 segments (134 characters) with the link whole."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.links import keys, tokens
from chalicelib.partner import sms

PROD_BASE = "https://confirm.example/r/"
RING = keys.parse("k1:" + "s" * 32)
LONGEST_KID = keys.parse("k1234567:" + "s" * 32)
REQUEST_ID = base64.urlsafe_b64encode(b"\xff" * 16).rstrip(b"=").decode()


def longest_link() -> str:
    return PROD_BASE + tokens.seal(LONGEST_KID.signing, REQUEST_ID, "P" * 16, 2**32 - 1)


def test_typical_sms_keeps_both_names():
    link = PROD_BASE + tokens.seal(RING.signing, REQUEST_ID, "P001", 2_000_000_000)
    text = sms.compose("바다뷰 펜션", "오션뷰 디럭스 2박", link)
    print(f"typical SMS: {sms.length(text)} characters: {text}")
    assert text == f"[예약확인] 바다뷰 펜션님, 오션뷰 디럭스 2박 요청에 답해 주세요 {link}"
    assert sms.length(text) <= sms.LIMIT


def test_longest_allowed_token_and_names_still_fit():
    link = longest_link()
    text = sms.compose("가" * 40, "나" * 40, link)
    print(f"worst-case SMS: {sms.length(text)} characters (link {len(link)})")
    assert sms.length(text) <= 134
    assert text.endswith(" " + link)  # the link is never cut


@given(st.text(max_size=60), st.text(max_size=60),
       st.sampled_from(["k1", "local1", "k1234567"]), st.text(min_size=1, max_size=16))
def test_any_names_fit_with_the_production_base_url(partner, service, kid, partner_id):
    if not 1 <= len(partner_id.encode()) <= 16:
        return
    ring = keys.parse(f"{kid}:" + "s" * 32)
    link = PROD_BASE + tokens.seal(ring.signing, REQUEST_ID, partner_id, 2**32 - 1)
    text = sms.compose(partner, service, link)
    assert sms.length(text) <= sms.LIMIT
    assert text.endswith(" " + link) and text.startswith("[예약확인] ")
    assert "\n" not in text[:-len(link)]


def test_names_are_cut_partner_first():
    link = PROD_BASE + "A" * 70
    service = "디럭스 스위트 2박"
    text = sms.compose("아주 긴 파트너 이름을 가진 펜션", service, link)
    assert sms.length(text) <= 134
    assert f" {service} 요청에" in text  # the service survives whole
    assert "아주 긴 파트너 이름을 가진 펜션" not in text


def test_emoji_counts_as_two_units():
    assert sms.length("😀") == 2 and sms.length("가") == 1
