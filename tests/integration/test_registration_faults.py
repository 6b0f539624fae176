"""Registration while DynamoDB misbehaves (faults injected in the emulator,
devstack/faults.py): a caller is told the truth -- their own number, or an
error that asks them to call again -- and nothing is lost or doubled."""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import table
from chalicelib.registration import answers, event_log, store
from devstack import faults

PHONE = "+821012345678"
OTHER_PHONE = "+821099998888"
TRANSACTION = {"service": "dynamodb", "operation": "TransactWriteItems"}
# Connect waits 8 s for the whole function.
CONNECT_LIMIT_SECONDS = 8.0


@pytest.fixture(autouse=True)
def no_rules_left(emulator):
    faults.clear(emulator.url)
    yield
    faults.clear(emulator.url)


def connect_event(digits: str, phone: str = PHONE, contact_id: str | None = None) -> dict:
    return {"Details": {"Parameters": {"inputValue": digits, "customerPhone": phone,
                                       "contactId": contact_id or secrets.token_hex(8)}}}


def call(app_module, digits: str, **kw) -> dict:
    return app_module.connect_event_registration(connect_event(digits, **kw), None)


def timed_call(app_module, digits: str, **kw) -> tuple[dict, float]:
    started = time.monotonic()
    answer = call(app_module, digits, **kw)
    return answer, time.monotonic() - started


def stored(event_id: str) -> dict[str, dict]:
    return {r["employeeId"]: r
            for r in table.query(store.event_pk(event_id), "EMP#", consistent=True)}


def inject(emulator, **rule) -> None:
    faults.inject(emulator.url, {**TRANSACTION, **rule})


def fired(emulator) -> dict[str, int]:
    return faults.status(emulator.url)["fired"]


def told_own_number(answer: dict, number: str) -> bool:
    return (answer["registrationStatus"] == "DUPLICATE" and answer["lotteryNumber"] == number
            and answer["errorMessage"].startswith("이미 등록된 사번입니다")
            and number in answer["errorMessage"])


# --- a repeat call --------------------------------------------------------------------

def test_the_phone_that_registered_hears_its_number_again_another_phone_does_not(
        app_module, event_id):
    first = call(app_module, "31415")
    assert first["registrationStatus"] == "SUCCESS"
    again = call(app_module, "31415")  # same phone, a new call
    assert told_own_number(again, first["lotteryNumber"])
    other = call(app_module, "31415", phone=OTHER_PHONE)
    assert other == {"registrationStatus": "DUPLICATE", "errorMessage": "이미 등록된 사번입니다"}
    assert len(stored(event_id)) == 1 and len(store.lottery_items(event_id)) == 1


def test_a_withheld_number_never_hears_a_number_on_a_repeat_call(app_module, event_id):
    assert call(app_module, "27182", phone="anonymous")["registrationStatus"] == "SUCCESS"
    assert call(app_module, "27182", phone="anonymous") == {
        "registrationStatus": "DUPLICATE", "errorMessage": "이미 등록된 사번입니다"}


# --- the ambiguous outcome ------------------------------------------------------------

def test_a_lost_answer_is_resolved_within_the_call(app_module, event_id, emulator):
    inject(emulator, fault="drop", count=1)
    answer, seconds = timed_call(app_module, "40001")
    assert answer["registrationStatus"] == "SUCCESS"
    assert stored(event_id)["40001"]["lotteryNumber"] == answer["lotteryNumber"]
    assert len(store.lottery_items(event_id)) == 1
    assert fired(emulator) == {"dynamodb.TransactWriteItems.drop": 1}
    assert seconds < CONNECT_LIMIT_SECONDS


def test_the_stores_resend_with_the_same_token_keeps_a_lost_answer_one_registration(
        app_module, event_id, emulator):
    """Both of botocore's attempts lose their answer (the first applied the
    transaction); the store resends it with the same ClientRequestToken, which
    DynamoDB applies once and answers as the first. Nothing else could tell
    this resend from a stranger's duplicate: the call has no contact id and a
    withheld number. With a fresh token the resend is cancelled by the
    registration it made itself, and the caller would hear "already
    registered" for their own first registration."""
    inject(emulator, fault="drop", count=2)
    event = {"Details": {"Parameters": {"inputValue": "40003", "customerPhone": "anonymous"}}}
    answer = app_module.connect_event_registration(event, None)
    assert answer["registrationStatus"] == "SUCCESS", answer
    (reg,) = stored(event_id).values()
    assert reg["lotteryNumber"] == answer["lotteryNumber"] and reg["contactId"] == ""
    assert len(store.lottery_items(event_id)) == 1
    assert fired(emulator) == {"dynamodb.TransactWriteItems.drop": 2}


def test_a_resend_answered_as_the_first_is_not_a_replay(app_module, event_id, emulator):
    inject(emulator, fault="drop", count=2)
    reg = store.register_employee(event_id, "40004", PHONE, "contact-40004")
    assert reg.replayed is False  # DynamoDB answered the token, not the condition
    assert stored(event_id)["40004"]["lotteryNumber"] == reg.lottery_number
    assert len(store.lottery_items(event_id)) == 1


@pytest.mark.parametrize("stall", [0.0, 2.0])
def test_a_registration_whose_answers_are_all_lost_is_told_on_the_next_call(
        app_module, event_id, emulator, stall):
    """Every answer lost (immediately, or after a stall past the client's read
    timeout): the caller hears a retryable ERROR in time, never a false
    SUCCESS; calling back from the same phone tells them their number."""
    inject(emulator, fault="drop", seconds=stall)
    answer, seconds = timed_call(app_module, "40002")
    assert answer == {"registrationStatus": "ERROR", "errorMessage": answers.APOLOGY}
    assert seconds < CONNECT_LIMIT_SECONDS
    (reg,) = stored(event_id).values()  # it landed
    faults.clear(emulator.url)

    assert told_own_number(call(app_module, "40002"), reg["lotteryNumber"])
    assert call(app_module, "40002", phone=OTHER_PHONE)["registrationStatus"] == "DUPLICATE"
    assert "lotteryNumber" not in call(app_module, "40002", phone=OTHER_PHONE)
    assert len(store.lottery_items(event_id)) == 1


# --- store.py's retries ---------------------------------------------------------------

def test_throttling_beyond_botocores_retries_is_resent_by_the_store(app_module, event_id,
                                                                   emulator):
    # botocore's "caller" profile makes 2 attempts; the third throttle is the
    # store's own resend.
    inject(emulator, fault="throttle", count=3)
    answer, seconds = timed_call(app_module, "50001")
    assert answer["registrationStatus"] == "SUCCESS"
    assert stored(event_id)["50001"]["lotteryNumber"] == answer["lotteryNumber"]
    assert fired(emulator) == {"dynamodb.TransactWriteItems.throttle": 3}
    assert seconds < CONNECT_LIMIT_SECONDS


def test_server_errors_beyond_botocores_retries_are_resent_by_the_store(app_module, event_id,
                                                                       emulator):
    inject(emulator, fault="error", count=3)
    answer = call(app_module, "50002")
    assert answer["registrationStatus"] == "SUCCESS"
    assert stored(event_id)["50002"]["lotteryNumber"] == answer["lotteryNumber"]
    assert fired(emulator) == {"dynamodb.TransactWriteItems.error": 3}


@pytest.mark.parametrize("item", [0, 1])
def test_transaction_conflicts_are_retried_with_one_registration_as_the_outcome(
        app_module, event_id, emulator, item):
    inject(emulator, fault="conflict", count=3, item=item)
    answer = call(app_module, "50003")
    assert answer["registrationStatus"] == "SUCCESS"
    assert stored(event_id)["50003"]["lotteryNumber"] == answer["lotteryNumber"]
    assert len(store.lottery_items(event_id)) == 1
    assert fired(emulator) == {"dynamodb.TransactWriteItems.conflict": 3}


def test_endless_throttling_ends_in_a_retryable_error_in_time_with_nothing_written(
        app_module, event_id, emulator):
    inject(emulator, fault="throttle")
    answer, seconds = timed_call(app_module, "50004")
    assert answer == {"registrationStatus": "ERROR", "errorMessage": answers.APOLOGY}
    assert seconds < CONNECT_LIMIT_SECONDS
    assert stored(event_id) == {} and store.lottery_items(event_id) == []
    assert fired(emulator)["dynamodb.TransactWriteItems.throttle"] > 3


def test_endless_conflicts_end_in_a_retryable_error_with_nothing_written(app_module, event_id,
                                                                        emulator):
    inject(emulator, fault="conflict")
    answer, seconds = timed_call(app_module, "50005")
    assert answer == {"registrationStatus": "ERROR", "errorMessage": answers.APOLOGY}
    assert seconds < CONNECT_LIMIT_SECONDS
    assert stored(event_id) == {} and store.lottery_items(event_id) == []
    assert fired(emulator)["dynamodb.TransactWriteItems.conflict"] == store.MAX_ATTEMPTS


# --- a burst under faults -------------------------------------------------------------

def test_200_callers_under_lost_answers_throttles_and_conflicts_nothing_lost_or_doubled(
        app_module, event_id, emulator, sqs_dispatcher):
    callers = 200
    ids = [f"{30000000 + i}" for i in range(callers)]
    phones = [f"+8210{70000000 + i}" for i in range(callers)]
    contacts = [f"burst-{i}-{secrets.token_hex(3)}" for i in range(callers)]
    # Chosen callers: every answer of the first ten lost (their write lands,
    # they hear ERROR), the next ten throttled throughout (nothing lands).
    lost = [{**TRANSACTION, "fault": "drop", "match": f'EMP#{ids[i]}"'} for i in range(10)]
    throttled = [{**TRANSACTION, "fault": "throttle", "match": f'EMP#{ids[i]}"'}
                 for i in range(10, 20)]
    faults.inject(emulator.url, *lost, *throttled,
                  {**TRANSACTION, "fault": "drop", "probability": 0.15},
                  {**TRANSACTION, "fault": "throttle", "probability": 0.15},
                  {**TRANSACTION, "fault": "conflict", "probability": 0.15},
                  {**TRANSACTION, "fault": "error", "probability": 0.1})
    go = threading.Event()

    def one(i: int) -> tuple[dict, float]:
        go.wait(10)
        return timed_call(app_module, ids[i], phone=phones[i], contact_id=contacts[i])

    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(one, i) for i in range(callers)]
        go.set()
        results = [f.result() for f in futures]
    tally = fired(emulator)
    faults.clear(emulator.url)
    for kind in ("drop", "throttle", "conflict", "error"):
        assert tally.get(f"dynamodb.TransactWriteItems.{kind}", 0) > 0, tally

    regs = stored(event_id)
    lots = store.lottery_items(event_id)
    # Nothing doubled: one number per registration, each number once.
    assert len(lots) == len(regs)
    assert sorted(lot["lotteryNumber"] for lot in lots) == sorted(
        r["lotteryNumber"] for r in regs.values())
    assert {lot["lotteryNumber"]: lot["employeeId"] for lot in lots} == {
        r["lotteryNumber"]: e for e, r in regs.items()}
    # Every caller told the truth, or a retryable error.
    told = {"SUCCESS": 0, "ERROR": 0}
    for i, (answer, seconds) in enumerate(results):
        assert seconds < CONNECT_LIMIT_SECONDS
        status = answer["registrationStatus"]
        told[status] += 1
        if status == "SUCCESS":  # nothing lost: what they heard is stored, as theirs
            reg = regs[ids[i]]
            assert (answer["lotteryNumber"], reg["phone"], reg["contactId"]) == (
                reg["lotteryNumber"], phones[i], contacts[i])
        else:
            assert answer == {"registrationStatus": "ERROR", "errorMessage": answers.APOLOGY}
    assert told["SUCCESS"] + told["ERROR"] == callers
    assert all(results[i][0]["registrationStatus"] == "ERROR" for i in range(20))
    assert all(ids[i] in regs for i in range(10))
    assert not any(ids[i] in regs for i in range(10, 20))

    # Those told ERROR call back from the same phone: their number (if it
    # landed), or a fresh registration.
    for i, (answer, _) in enumerate(results):
        if answer["registrationStatus"] == "SUCCESS":
            continue
        earlier = regs.get(ids[i])
        again = call(app_module, ids[i], phone=phones[i])
        if earlier is not None:
            assert told_own_number(again, earlier["lotteryNumber"])
        else:
            assert again["registrationStatus"] == "SUCCESS"
    regs = stored(event_id)
    assert sorted(regs) == sorted(ids)
    assert len({r["lotteryNumber"] for r in regs.values()}) == callers
    assert len(store.lottery_items(event_id)) == callers

    # The log gets every line eventually.
    deadline = time.monotonic() + 90
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = event_log.read().splitlines()
        if len(lines) == callers:
            break
        time.sleep(0.5)
    assert sorted(line.rsplit(",", 1)[1] for line in lines) == sorted(ids)
