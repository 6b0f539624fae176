"""The partner's form: three decisions; a proposed time in KST, valid and ahead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.partner import forms

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)  # 12:00 KST


@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_accept_and_reject_ignore_any_time(decision):
    assert forms.validate(decision, "garbage", NOW) == forms.Answer(decision)


def test_propose_reads_korean_local_time():
    answer = forms.validate("propose", "2026-03-01T14:30", NOW)
    assert answer == forms.Answer("propose", "2026-03-01T14:30:00+09:00")
    assert answer.output("2026-03-01T03:00:00.000Z") == {
        "decision": "propose", "alternativeTime": "2026-03-01T14:30:00+09:00",
        "respondedAt": "2026-03-01T03:00:00.000Z"}
    assert forms.validate("propose", "2026-03-01T14:30:15", NOW).alternative_time == (
        "2026-03-01T14:30:15+09:00")


@pytest.mark.parametrize(("decision", "time", "message"), [
    (None, None, forms.CHOOSE),
    ("", None, forms.CHOOSE),
    ("ACCEPT", None, forms.CHOOSE),
    ("maybe", None, forms.CHOOSE),
    ("propose", None, forms.NEED_TIME),
    ("propose", "  ", forms.NEED_TIME),
    ("propose", "내일 오후 3시", forms.BAD_TIME),
    ("propose", "2026-02-30T10:00", forms.BAD_TIME),
    ("propose", "2026-03-01 14:30", forms.BAD_TIME),
    ("propose", "2026-03-01T14:30+09:00", forms.BAD_TIME),
    ("propose", "2026-03-01T11:59", forms.PAST_TIME),  # 11:59 KST is before noon KST
    ("propose", "2026-03-01T12:00", forms.PAST_TIME),
    ("propose", "2027-03-03T12:00", forms.FAR_TIME),
])
def test_bad_input_gets_a_korean_message(decision, time, message):
    with pytest.raises(forms.FormError) as err:
        forms.validate(decision, time, NOW)
    assert err.value.message == message


def test_body_parsing():
    assert forms.parse_body(b"decision=propose&alternativeTime=2026-03-01T14%3A30") == {
        "decision": "propose", "alternativeTime": "2026-03-01T14:30"}
    assert forms.parse_body("decision=accept&decision=reject") == {"decision": "accept"}
    assert forms.parse_body(None) == {}
    for bad in (b"\xff\xfe", b"a=1&" * 600, "&".join(f"f{i}=1" for i in range(20)).encode()):
        with pytest.raises(forms.FormError):
            forms.parse_body(bad)


def test_every_kind_of_request_takes_all_three_decisions():
    """CONTRACT section 3: accept, reject and another time, for every kind."""
    for intent in ("ChangeReservation", "ReportTrouble", "RequestAddOnService", "Other"):
        assert forms.validate("accept", None, NOW, intent=intent).decision == "accept"
        assert forms.validate("reject", None, NOW, intent=intent).decision == "reject"
        assert forms.validate("propose", "2026-03-01T14:30", NOW,
                              intent=intent).decision == "propose"


def test_time_errors_name_their_field():
    for value in (None, "내일", "2020-01-01T10:00"):
        with pytest.raises(forms.FormError) as refused:
            forms.validate("propose", value, NOW)
        assert refused.value.field == forms.TIME_FIELD
    with pytest.raises(forms.FormError) as refused:
        forms.validate("maybe", None, NOW)
    assert refused.value.field is None
