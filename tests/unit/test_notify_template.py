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


# What the customer must read per kind of request and decision (issue 21,
# item 3): the kind's own verb, never "수락/거절" for a trouble report or an
# add-on, and a proposal that asks for the chat's one-tap answer.
WORDS = {
    ("ChangeReservation", ACCEPTED): ["요청하신 대로 예약을 변경하기로 했어요"],
    ("ChangeReservation", REJECTED): ["죄송해요", "예약을 변경할 수 없다고 해요"],
    ("ChangeReservation", PROPOSED): ["12월 25일(금) 오후 3시 30분으로 변경할 수 있다고"],
    ("ReportTrouble", ACCEPTED): ["신고하신 문제를 바로 처리해 드린다고 해요"],
    ("ReportTrouble", REJECTED): ["죄송해요", "신고하신 문제를 처리할 수 없다고 해요"],
    ("ReportTrouble", PROPOSED): ["12월 25일(금) 오후 3시 30분에 방문해 처리할 수 있다고"],
    ("RequestAddOnService", ACCEPTED): ["요청하신 서비스를 준비해 드린다고 해요"],
    ("RequestAddOnService", REJECTED): ["죄송해요", "요청하신 서비스를 준비할 수 없다고 해요"],
    ("RequestAddOnService", PROPOSED): ["서비스를 12월 25일(금) 오후 3시 30분에 준비할 수 있다고"],
}
KINDS_OF_REQUEST = ["ChangeReservation", "ReportTrouble", "RequestAddOnService"]


def told(kind, intent, when="2026-12-25T06:30:00Z"):
    return TemplateNotifier().compose(case(
        kind, intent=intent, partner_name="바다뷰 펜션", alternative_time=when))


@pytest.mark.parametrize("kind", [ACCEPTED, REJECTED, PROPOSED])
@pytest.mark.parametrize("intent", KINDS_OF_REQUEST)
def test_each_kind_and_decision_says_what_happened_in_its_own_words(intent, kind):
    message = told(kind, intent)
    for word in WORDS[intent, kind]:
        assert word in message
    assert message.startswith("바다뷰 펜션에서") or message.startswith("죄송해요. 바다뷰 펜션에서")
    if intent != "ChangeReservation":
        unfit = ("수락", "거절", "받아들이기 어렵", "다른 시간을 제안")
        assert not any(w in message for w in unfit)


@pytest.mark.parametrize("intent", [*KINDS_OF_REQUEST, "FallbackIntent"])
def test_a_proposal_asks_about_the_time_never_to_write_again(intent):
    """The message sits right above the chat's one-tap accept/decline."""
    message = told(PROPOSED, intent)
    assert message.endswith("이 시간이 괜찮은지 알려 주세요.")
    assert "다시 문의" not in message


def test_every_kind_tells_each_decision_differently():
    for kind in (ACCEPTED, REJECTED, PROPOSED):
        messages = {told(kind, intent) for intent in KINDS_OF_REQUEST}
        assert len(messages) == 3, kind


def test_a_timeout_is_the_same_for_every_kind():
    assert {told(TIMED_OUT, intent) for intent in KINDS_OF_REQUEST} == {
        "죄송해요. 바다뷰 펜션의 답을 제시간에 받지 못했어요. 잠시 후 다시 문의해 주세요."}


def test_an_unknown_kind_gets_neutral_words():
    assert "요청을 받아들였어요" in told(ACCEPTED, "FallbackIntent")
    assert "받기 어렵다고" in told(REJECTED, "")


def test_particles_follow_the_words():
    assert "오후 3시로 변경할" in told(PROPOSED, "ChangeReservation", "2026-12-25T15:00:00+09:00")
    assert "오후 3시 30분으로 변경할" in told(PROPOSED, "ChangeReservation")
    assert "오후 3시로 다른 시간을" in told(PROPOSED, "", "2026-12-25T15:00:00+09:00")


@pytest.mark.parametrize("intent", [*KINDS_OF_REQUEST, ""])
def test_an_unreadable_proposed_time_is_not_echoed(intent):
    message = told(PROPOSED, intent, "<b>내일</b> 아무때나")
    assert "내일" not in message and "원하시는 시간을 적어 다시 문의해 주세요" in message
    assert checks.check(message) == message


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
