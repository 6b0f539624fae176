"""Employee IDs: the leading-zeros rule (a stage setting) and the optional
roster in the event bucket (chalicelib/registration/roster.py)."""

from __future__ import annotations

import secrets

import boto3
import pytest

from chalicelib import settings, table
from chalicelib.registration import roster, store
from devstack import faults

PHONE = "+821012345678"
NOT_ON_ROSTER = {"registrationStatus": "INVALID_FORMAT",
                 "errorMessage": "명단에 없는 사번이에요. 다시 입력해주세요"}


@pytest.fixture(autouse=True)
def fresh_roster_cache(stack_env):
    roster.reset()
    yield
    roster.reset()


def call(app_module, digits: str, phone: str = PHONE) -> dict:
    return app_module.connect_event_registration(
        {"Details": {"Parameters": {"inputValue": digits, "customerPhone": phone,
                                    "contactId": secrets.token_hex(8)}}}, None)


def stored_ids(event_id: str) -> list[str]:
    return sorted(r["employeeId"]
                  for r in table.query(store.event_pk(event_id), "EMP#", consistent=True))


def put_roster(configure, text: str) -> str:
    key = f"rosters/{secrets.token_hex(4)}.csv"
    boto3.client("s3").put_object(Bucket=settings.current().event_bucket, Key=key,
                                  Body=text.encode("utf-8"))
    configure(EMPLOYEE_ROSTER_KEY=key)
    return key


# --- leading zeros --------------------------------------------------------------------

def test_by_default_leading_zeros_are_significant(app_module, event_id):
    for digits in ("4321", "04321", "00004321"):
        assert call(app_module, digits)["registrationStatus"] == "SUCCESS"
    assert stored_ids(event_id) == ["00004321", "04321", "4321"]


def test_with_leading_zeros_ignored_one_employee_registers_once(app_module, event_id,
                                                               configure):
    configure(EMPLOYEE_ID_LEADING_ZEROS="ignored")
    first = call(app_module, "04321")
    assert first["registrationStatus"] == "SUCCESS"
    for digits in ("4321", "004321", "0004321", "00004321"):
        again = call(app_module, digits)  # the same phone: told its number
        assert (again["registrationStatus"], again["lotteryNumber"]) == (
            "DUPLICATE", first["lotteryNumber"])
        assert call(app_module, digits, phone="+821099990000") == {
            "registrationStatus": "DUPLICATE", "errorMessage": "이미 등록된 사번입니다"}
    assert call(app_module, "00000042")["registrationStatus"] == "SUCCESS"
    assert call(app_module, "0000")["registrationStatus"] == "SUCCESS"
    assert stored_ids(event_id) == ["0000", "0042", "4321"]
    assert len(store.lottery_items(event_id)) == 3


def test_a_misconfigured_leading_zeros_rule_is_an_error_not_a_guess(configure):
    with pytest.raises(settings.SettingsError, match="EMPLOYEE_ID_LEADING_ZEROS"):
        configure(EMPLOYEE_ID_LEADING_ZEROS="maybe")


# --- the roster -----------------------------------------------------------------------

def test_an_id_off_the_roster_is_refused_and_changes_nothing(app_module, event_id,
                                                            configure):
    put_roster(configure, "employee_id,name\n1234,김하나\n00567,이둘\n\n12345678\n")
    assert call(app_module, "9999") == NOT_ON_ROSTER
    assert call(app_module, "0567") == NOT_ON_ROSTER  # zeros significant by default
    assert stored_ids(event_id) == [] and store.lottery_items(event_id) == []
    for digits in ("1234", "00567", "12345678"):
        assert call(app_module, digits)["registrationStatus"] == "SUCCESS"
    assert stored_ids(event_id) == ["00567", "1234", "12345678"]
    # The contract's own answers still come first.
    assert call(app_module, "12")["errorMessage"] == "올바른 사번을 입력해주세요"
    assert call(app_module, "")["registrationStatus"] == "INPUT_ERROR"


def test_with_zeros_ignored_the_roster_spelling_is_stored(app_module, event_id, configure):
    configure(EMPLOYEE_ID_LEADING_ZEROS="ignored")
    put_roster(configure, "00123456\n")
    assert call(app_module, "123456")["registrationStatus"] == "SUCCESS"
    assert call(app_module, "0123456")["registrationStatus"] == "DUPLICATE"
    assert stored_ids(event_id) == ["00123456"]


def test_the_roster_is_read_once_per_container_not_per_call(app_module, event_id, emulator,
                                                           configure):
    put_roster(configure, "\n".join(str(5000 + i) for i in range(50)))
    # A zero-second delay: a counter of the GetObject requests the emulator sees.
    with faults.injected(emulator.url, {"service": "s3", "operation": "GetObject",
                                        "fault": "delay", "seconds": 0}):
        for i in range(6):
            assert call(app_module, str(5000 + i))["registrationStatus"] == "SUCCESS"
        assert call(app_module, "6000") == NOT_ON_ROSTER
        assert faults.status(emulator.url)["fired"] == {"s3.GetObject.delay": 1}


def test_a_changed_roster_is_picked_up_after_its_ttl(app_module, event_id, configure):
    configure(EMPLOYEE_ROSTER_TTL_SECONDS="0")
    key = put_roster(configure, "7001\n")
    assert call(app_module, "7002") == NOT_ON_ROSTER
    boto3.client("s3").put_object(Bucket=settings.current().event_bucket, Key=key,
                                  Body=b"7001\n7002\n")
    assert call(app_module, "7002")["registrationStatus"] == "SUCCESS"
    assert call(app_module, "7001")["registrationStatus"] == "SUCCESS"  # unchanged: a 304


def test_an_unreadable_roster_does_not_stop_registration(app_module, event_id, configure,
                                                        log_lines):
    configure(EMPLOYEE_ROSTER_KEY="rosters/missing-" + secrets.token_hex(4))
    assert call(app_module, "8001")["registrationStatus"] == "SUCCESS"
    assert call(app_module, "8002")["registrationStatus"] == "SUCCESS"
    unavailable = [line for line in log_lines if "employee_roster_unavailable" in line]
    assert len(unavailable) == 1 and '"level": "ERROR"' in unavailable[0]
