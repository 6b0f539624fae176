"""What the caller keyed in, and what they hear (no AWS involved)."""

from __future__ import annotations

import pytest

from chalicelib.registration import answers, validation


@pytest.mark.parametrize("raw, expected", [
    ("1234", "1234"), ("12345678", "12345678"), ("  1234  ", "1234"),
    ("\t0001\n", "0001"), (1234, "1234"),
])
def test_valid_ids_are_trimmed(raw, expected):
    assert validation.employee_id(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "Timeout", " Timeout ", None])
def test_nothing_keyed_is_an_input_error(raw):
    with pytest.raises(validation.InvalidInput) as err:
        validation.employee_id(raw)
    assert err.value.status == answers.INPUT_ERROR


@pytest.mark.parametrize("raw", [
    "abc123", "123", "123456789", "12 34", "１２３４", "١٢٣٤", "12345678\n9",
    "1234#", "-1234", "+1234", "12.34", "timeout", "1234\x00",
])
def test_anything_else_is_invalid_format(raw):
    with pytest.raises(validation.InvalidInput) as err:
        validation.employee_id(raw)
    assert err.value.status == answers.INVALID_FORMAT


def test_success_answer_is_a_flat_string_map_readable_by_tts():
    answer = answers.success("L0042")
    assert answer["registrationStatus"] == "SUCCESS"
    assert answer["lotteryNumber"] == "L0042"
    assert all(isinstance(v, str) for v in answer.values())
    assert "L0042" in answer["successMessage"]
    assert "엘 공 공 사 이" in answer["successMessage"]
    assert "errorMessage" not in answer


@pytest.mark.parametrize("make, status, text", [
    (answers.input_error, "INPUT_ERROR", "사번을 입력해주세요"),
    (answers.invalid_format, "INVALID_FORMAT", "올바른 사번을 입력해주세요"),
    (answers.duplicate, "DUPLICATE", "이미 등록된 사번입니다"),
    (answers.exhausted, "ERROR", "추첨번호가 모두 소진되었습니다"),
    (answers.error, "ERROR", "죄송합니다"),
])
def test_failure_answers(make, status, text):
    answer = make()
    assert answer["registrationStatus"] == status
    assert answer["errorMessage"].startswith(text)
    assert set(answer) == {"registrationStatus", "errorMessage"}


def test_caller_phone_and_contact_id_are_safe_for_the_log_line():
    assert validation.caller_phone("010-1234-5678") == "+821012345678"
    assert validation.caller_phone("+821012345678") == "+821012345678"
    assert validation.caller_phone("anonymous") == "anonymous"
    assert "," not in validation.caller_phone("a,b")
    assert validation.contact_id("c,1\n2") == "c_1_2"
    assert len(validation.contact_id("x" * 500)) == 128

