"""The Korean template: every case, short, polite, and always passing the checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib import korean
from chalicelib.notify import checks
from chalicelib.notify.case import ACCEPTED, KINDS, PROPOSED, REJECTED, TIMED_OUT, Case
from chalicelib.notify.template import TemplateNotifier

INTENTS = ["ChangeReservation", "ReportTrouble", "RequestAddOnService", "FallbackIntent", ""]


def case(kind, **fields):
    return Case(request_id="r1", kind=kind, **fields)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("intent", INTENTS)
def test_every_case_is_short_polite_korean(kind, intent):
    message = TemplateNotifier().compose(case(
        kind, intent=intent, partner_name="바다뷰 펜션",
        alternative_time="2026-12-25T15:30:00+09:00"))
    assert checks.check(message) == message
    assert len(message) <= 90
    assert "바다뷰 펜션" in message


@pytest.mark.parametrize(("kind", "words"), [
    (ACCEPTED, ["수락"]),
    (REJECTED, ["죄송", "어렵"]),
    (PROPOSED, ["12월 25일(금) 오후 3시 30분으로", "제안"]),
    (TIMED_OUT, ["죄송", "제시간에"]),
])
def test_each_case_says_what_happened(kind, words):
    message = TemplateNotifier().compose(case(
        kind, intent="ChangeReservation", partner_name="바다뷰 펜션",
        alternative_time="2026-12-25T06:30:00Z"))
    for word in words:
        assert word in message


def test_particles_follow_the_words():
    assert "예약 변경 요청을" in TemplateNotifier().compose(
        case(ACCEPTED, intent="ChangeReservation"))
    assert "트러블 신고를" in TemplateNotifier().compose(case(ACCEPTED, intent="ReportTrouble"))
    assert "오후 3시로" in TemplateNotifier().compose(
        case(PROPOSED, alternative_time="2026-12-25T15:00:00+09:00"))


def test_an_unreadable_proposed_time_is_not_echoed():
    message = TemplateNotifier().compose(case(PROPOSED, alternative_time="<b>내일</b> 아무때나"))
    assert "내일" not in message and "제안" in message


def test_a_partner_name_the_checks_refuse_becomes_the_generic_word():
    message = TemplateNotifier().compose(case(ACCEPTED, partner_name="Grand Hyatt Seoul Hotel"))
    assert message.startswith("제휴점에서") and "Hyatt" not in message
    message = TemplateNotifier().compose(case(REJECTED, partner_name="evil.example"))
    assert "evil" not in message
    assert checks.check(message) == message


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-12-25T06:30:00Z", "12월 25일(금) 오후 3시 30분"),
    ("2026-12-25T15:00", "12월 25일(금) 오후 3시"),  # no offset: Korean time
    ("2026-12-24T15:00:00.000Z", "12월 25일(금) 오전 12시"),
    ("2026-12-25T12:05:00+09:00", "12월 25일(금) 오후 12시 5분"),
    ("2027-01-09T14:00:00+09:00", "2027년 1월 9일(토) 오후 2시"),
])
def test_times_are_written_in_korean_kst(value, expected):
    assert korean.format_time(value, now=datetime(2026, 11, 3, tzinfo=UTC)) == expected


@pytest.mark.parametrize("value", ["", "내일 오후", "25:00", None, "2026-13-01T10:00"])
def test_what_is_not_a_time_formats_to_none(value):
    assert korean.format_time(value) is None


def test_the_last_resort_passes_every_check():
    from chalicelib.notify import checks
    from chalicelib.notify.template import LAST_RESORT

    assert checks.check(LAST_RESORT) == LAST_RESORT
