"""The Connect Lambda against the emulator: the seed's scenarios and more."""

from __future__ import annotations

import json
import re
import secrets

import pytest

from chalicelib import table
from chalicelib.registration import event_log, store

PHONE = "+821012345678"




def connect_event(digits, phone=PHONE, contact_id=None):
    params = {"customerPhone": phone, "contactId": contact_id or secrets.token_hex(8)}
    if digits is not None:
        params["inputValue"] = digits
    endpoint = {"Address": phone, "Type": "TELEPHONE_NUMBER"}
    return {"Name": "ContactFlowEvent",
            "Details": {"ContactData": {"ContactId": params["contactId"],
                                        "CustomerEndpoint": endpoint},
                        "Parameters": params}}


def call(app_module, digits, **kw):
    answer = app_module.connect_event_registration(connect_event(digits, **kw), None)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items())
    return answer


def items(event_id: str, prefix: str) -> list[dict]:
    if prefix == "LOT#":
        return store.lottery_items(event_id)
    return list(table.query(store.event_pk(event_id), prefix, consistent=True))


@pytest.mark.parametrize("digits", ["1234", "12345678", "  5678  ", "0000"])
def test_valid_ids_register_with_a_lottery_number(app_module, event_id, digits):
    answer = call(app_module, digits)
    assert answer["registrationStatus"] == "SUCCESS"
    assert re.fullmatch(r"L\d{4}", answer["lotteryNumber"])
    assert answer["lotteryNumber"] in answer["successMessage"]
    (reg,) = items(event_id, "EMP#")
    assert reg["employeeId"] == digits.strip()
    assert reg["lotteryNumber"] == answer["lotteryNumber"]
    assert reg["phone"] == PHONE
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", reg["registeredAt"])
    (lot,) = items(event_id, "LOT#")
    assert lot["sk"] == "LOT#" + answer["lotteryNumber"][1:]


def test_local_phone_numbers_are_stored_in_e164(app_module, event_id):
    assert call(app_module, "4321", phone="010-9876-5432")["registrationStatus"] == "SUCCESS"
    (reg,) = items(event_id, "EMP#")
    assert reg["phone"] == "+821098765432"


def test_same_id_twice_is_a_duplicate_and_keeps_the_first_number(app_module, event_id):
    first = call(app_module, "1234")
    second = call(app_module, "1234", phone="+821055556666")
    assert second == {"registrationStatus": "DUPLICATE", "errorMessage": "이미 등록된 사번입니다"}
    (reg,) = items(event_id, "EMP#")
    assert reg["lotteryNumber"] == first["lotteryNumber"] and reg["phone"] == PHONE
    assert len(items(event_id, "LOT#")) == 1


def test_a_retried_invocation_of_the_same_contact_gets_its_own_number_back(app_module, event_id):
    first = call(app_module, "2468", contact_id="contact-retry")
    again = call(app_module, "2468", contact_id="contact-retry")
    assert again == first
    assert len(items(event_id, "LOT#")) == 1


@pytest.mark.parametrize("digits", ["", "   ", "Timeout", None])
def test_nothing_keyed_is_an_input_error(app_module, event_id, digits):
    answer = call(app_module, digits)
    assert answer == {"registrationStatus": "INPUT_ERROR", "errorMessage": "사번을 입력해주세요"}
    assert items(event_id, "EMP#") == []


@pytest.mark.parametrize("digits", ["abc123", "123", "123456789", "12 34", "１２３４", "١٢٣٤"])
def test_malformed_ids_are_invalid_format_and_change_nothing(app_module, event_id, digits):
    answer = call(app_module, digits)
    assert answer == {"registrationStatus": "INVALID_FORMAT",
                      "errorMessage": "올바른 사번을 입력해주세요"}
    assert items(event_id, "EMP#") == [] and items(event_id, "LOT#") == []


@pytest.mark.parametrize("event", [{}, {"Details": {}}, {"Details": {"Parameters": None}},
                                   None, "not an event"])
def test_missing_parameters_are_an_input_error_not_an_exception(app_module, event_id, event):
    answer = app_module.connect_event_registration(event, None)
    assert answer["registrationStatus"] == "INPUT_ERROR"


def test_phone_and_contact_fall_back_to_the_contact_data(app_module, event_id):
    event = connect_event("7777")
    contact = event["Details"]["Parameters"].pop("contactId")
    event["Details"]["Parameters"].pop("customerPhone")
    assert app_module.connect_event_registration(event, None)["registrationStatus"] == "SUCCESS"
    (reg,) = items(event_id, "EMP#")
    assert reg["phone"] == PHONE and reg["contactId"] == contact


def test_an_aws_failure_is_a_korean_apology_not_an_exception(app_module, event_id, configure,
                                                           log_lines):
    configure(TABLE_NAME= "no-such-table-" + secrets.token_hex(3))
    answer = call(app_module, "1234")
    assert answer["registrationStatus"] == "ERROR"
    assert answer["errorMessage"].startswith("죄송합니다")
    assert "Traceback" not in answer["errorMessage"]
    assert any('"status": "ERROR"' in line and "ResourceNotFound" in line for line in log_lines)


def test_the_callers_path_is_one_transaction_and_the_stream_writes_the_log(
        app_module, event_id, sqs_dispatcher):
    """Warm, a registration is one AWS call (the transaction); the line
    reaches axcl_event.txt through the table's stream, nothing sent."""
    import threading
    import time

    from bench.awscalls import on_every_client

    caller = threading.get_ident()
    made: list[str] = []

    def counted(model=None, **_):   # this thread only: the stream's rebuild runs beside it
        if model is not None and threading.get_ident() == caller:
            made.append(f"{model.service_model.service_name}:{model.name}")

    def hook(client):
        client.meta.events.register("before-call", counted, unique_id="one-call-test")
        return client

    def unhook(client):
        client.meta.events.unregister("before-call", unique_id="one-call-test")

    call(app_module, "2468", phone="+821011112222")   # warm: clients made
    with on_every_client(hook, unhook):
        answer = call(app_module, "1357")
    assert answer["registrationStatus"] == "SUCCESS"
    assert made == ["dynamodb:TransactWriteItems"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        ids = [line.rsplit(",", 1)[-1] for line in event_log.read().splitlines()]
        if sorted(ids) == ["1357", "2468"]:
            break
        time.sleep(0.1)
    assert sorted(ids) == ["1357", "2468"]
    assert sqs_dispatcher.pollers[0].delivered >= 1


def test_logs_never_hold_the_full_phone_number_and_count_each_status(app_module, event_id,
                                                                    log_lines):
    call(app_module, "1111")
    call(app_module, "1111")
    call(app_module, "abc")
    call(app_module, "")
    call(app_module, "010-1234-5678")  # a phone number keyed in as the ID
    text = "\n".join(log_lines)
    assert "+821012345678" not in text and "01012345678" not in text
    assert "010-1234-5678" not in text
    assert "+8210****5678" in text
    metrics = [json.loads(line) for line in log_lines if '"_aws"' in line]
    statuses = [m["status"] for m in metrics if "EventRegistrations" in m]
    assert statuses == ["SUCCESS", "DUPLICATE", "INVALID_FORMAT", "INPUT_ERROR",
                        "INVALID_FORMAT"]
    assert all(m["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["status"]] for m in metrics
               if "EventRegistrations" in m)


def test_summary_counts_registrations(app_module, event_id):
    from chalicelib.registration import registration_summary

    for digits in ("1001", "1002", "1003"):
        call(app_module, digits)
    assert registration_summary(event_id) == {"eventId": event_id, "count": 3, "draws": []}


def test_through_chalices_test_client(client, event_id):
    result = client.lambda_.invoke("connect_event_registration", connect_event("86420"))
    assert result.payload["registrationStatus"] == "SUCCESS"
    again = client.lambda_.invoke("connect_event_registration", connect_event("86420"))
    assert again.payload["registrationStatus"] == "DUPLICATE"
