"""The output checks: what may reach a customer, whatever a model wrote."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.notify import checks

GOOD = "바다뷰 펜션에서 예약 변경 요청을 수락했어요. 요청하신 대로 진행돼요."


def test_a_short_polite_korean_message_passes_normalized():
    assert checks.check(f'  "{GOOD}"\n') == GOOD
    assert checks.check("바다뷰 펜션에서\n예약 변경을   수락했어요.") == (
        "바다뷰 펜션에서 예약 변경을 수락했어요.")


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("   \n ", "empty"),
    (None, "not_text"),
    ("Your reservation change was accepted by the partner. Thank you!", "not_korean"),
    ("Your reservation was accepted 감사합니다.", "not_korean"),
    ("예약이 변경되었어요. 자세한 내용은 http://evil.example 에서 확인하세요.", "link"),
    ("예약이 변경되었어요. evil.example 에서 확인해 주세요.", "link"),
    ("예약이 변경되었어요. www.evil 에서 확인해 주세요.", "link"),
    ("예약이 변경되었어요. 문의는 help@evil 로 보내 주세요.", "link"),
    ("예약이 변경되었어요. 문의는 010-1234-5678 로 전화해 주세요.", "number"),
    ("예약이 변경되었어요. 문의는 +82 10 1234 5678 로 전화해 주세요.", "number"),
    ("예약이 변경되었어요. 문의는 01012345678 로 전화해 주세요.", "number"),
    ("**예약 변경**을 수락했어요. 확인해 주세요.", "markup"),
    ("예약 변경을 수락했어요. <script>alert(1)</script> 확인해 주세요.", "markup"),
    ("```예약 변경을 수락했어요. 확인해 주세요.```", "markup"),
    ("# 안내\n예약 변경을 수락했어요. 확인해 주세요.", "markup"),
    ("예약 변경을 수락했어요. " * 20, "too_long"),
    ("예약 변경을 수락했다. 확인 바람", "not_polite"),
    ("예약 변경을\x07 수락했어요.", "control_characters"),
    ("수락했어요.", "not_korean"),  # too little Korean to be a message
])
def test_malformed_messages_are_refused_with_a_reason(text, reason):
    with pytest.raises(checks.UnsafeMessage) as caught:
        checks.check(text)
    assert caught.value.reason == reason


def test_dates_and_times_are_not_mistaken_for_phone_numbers():
    text = "바다뷰 펜션에서 2026년 12월 25일 오후 3시 30분으로 다른 시간을 제안했어요."
    assert checks.check(text) == text


@given(st.text(max_size=400))
def test_whatever_passes_has_the_promised_shape(text):
    try:
        out = checks.check(text)
    except checks.UnsafeMessage:
        return
    assert 0 < len(out) <= checks.MAX_CHARS
    assert "://" not in out and "www." not in out.lower()
    assert not re.search(r"\d(?:[\s\-.()]*\d){6,}", out)
    assert not set(out) & set("<>`*#[]{}|")
    assert re.search(r"(요|니다|세요)[.!?。…)\s]*$", out)
