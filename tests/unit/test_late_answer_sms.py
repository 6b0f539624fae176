"""The customer's SMS after a late answer: two UCS-2 segments at most, no link."""

from __future__ import annotations

import pytest

from chalicelib.chat import late_answer
from chalicelib.partner import sms


@pytest.mark.parametrize("decision", ["accept", "reject", "propose"])
@pytest.mark.parametrize("partner", ["", "바다뷰 펜션",
                                     "아주아주 긴 이름의 바닷가 풀빌라 리조트 앤 스파 " * 3])
@pytest.mark.parametrize("intent", ["ChangeReservation", "ReportTrouble",
                                    "RequestAddOnService", None])
def test_every_late_answer_sms_fits_two_segments(decision, partner, intent):
    item = {"intent": intent, "partnerName": partner}
    text = late_answer.sms_text(item, decision, "2026-12-24T15:00:00+09:00")
    assert sms.length(text) <= sms.LIMIT
    assert text.startswith(late_answer.TAG) and "http" not in text
    if decision == "propose":
        assert "12월 24일(목) 오후 3:00" in text


def test_the_chat_counts_as_open_for_three_looks():
    now = 1_000_000
    assert late_answer.chat_open({"chatSeenEpoch": now - late_answer.CHAT_OPEN_SECONDS}, now)
    assert not late_answer.chat_open(
        {"chatSeenEpoch": now - late_answer.CHAT_OPEN_SECONDS - 1}, now)
    assert not late_answer.chat_open({}, now)
