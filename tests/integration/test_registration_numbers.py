"""Lottery numbers: unique, random, and a clear answer when they run out."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import table
from chalicelib.registration import answer_call, store


def stored(event_id: str, prefix: str) -> list[dict]:
    if prefix == "LOT#":
        return store.lottery_items(event_id)
    return list(table.query(store.event_pk(event_id), prefix, consistent=True))


def event(digits: str) -> dict:
    return {"Details": {"Parameters": {"inputValue": digits, "customerPhone": "+821011112222",
                                       "contactId": secrets.token_hex(8)}}}


def test_filling_a_small_space_then_a_clear_error_with_nothing_written(event_id):
    space = 12
    regs = [store.register_employee(event_id, f"{4000 + i}", "+821011112222", f"c{i}",
                                    number_space=space) for i in range(space)]
    assert sorted(r.lottery_number for r in regs) == [f"L{n:04d}" for n in range(space)]

    answer = answer_call(event("4999"), number_space=space)
    assert answer["registrationStatus"] == "ERROR"
    assert answer["errorMessage"].startswith("추첨번호가 모두 소진되었습니다")
    assert len(stored(event_id, "EMP#")) == space
    assert len(stored(event_id, "LOT#")) == space
    assert table.get(store.event_pk(event_id), "EMP#4999") is None
    # A registered employee still hears DUPLICATE, not "exhausted".
    assert answer_call(event("4000"), number_space=space)["registrationStatus"] == "DUPLICATE"


def test_a_burst_into_a_small_space_gives_every_number_exactly_once(event_id):
    space, callers = 10, 16
    go = threading.Event()

    def one(i):
        go.wait(10)
        return answer_call(event(f"{5000 + i}"), number_space=space)

    with ThreadPoolExecutor(max_workers=callers) as pool:
        futures = [pool.submit(one, i) for i in range(callers)]
        go.set()
        answers = [f.result() for f in futures]
    won = sorted(a["lotteryNumber"] for a in answers if a["registrationStatus"] == "SUCCESS")
    assert won == [f"L{n:04d}" for n in range(space)]
    refused = [a for a in answers if a["registrationStatus"] != "SUCCESS"]
    assert len(refused) == callers - space
    assert all(a["errorMessage"].startswith("추첨번호가 모두 소진되었습니다") for a in refused)
    assert len(stored(event_id, "EMP#")) == space == len(stored(event_id, "LOT#"))


def test_after_a_handful_of_clashes_the_free_numbers_are_read(event_id, monkeypatch):
    """With all but one number taken, random guesses nearly always clash; the
    free one is then found from the table rather than by guessing."""
    space = 50
    for i in range(space - 1):
        store.register_employee(event_id, f"{6000 + i}", "+821011112222", f"c{i}",
                                number_space=space)
    free = ({f"L{n:04d}" for n in range(space)}
            - {r["lotteryNumber"] for r in stored(event_id, "EMP#")}).pop()
    guesses = iter([int(free[1:]) - 1 if free != "L0000" else 1] * store.RANDOM_TRIES)
    monkeypatch.setattr(store.secrets, "randbelow",
                        lambda n: next(guesses, 0) if n == space else 0)
    reg = store.register_employee(event_id, "6999", "+821011112222", "last", number_space=space)
    assert reg.lottery_number == free


def test_numbers_look_random_not_derived_from_the_id(event_id):
    a = store.register_employee(event_id, "1234", "+821011112222", "c1")
    other_event = event_id + "x"
    b = store.register_employee(other_event, "1234", "+821011112222", "c2")
    c = store.register_employee(event_id + "y", "1234", "+821011112222", "c3")
    # Same ID in three events: three independent draws from 10,000 (equal by
    # chance with probability about 1e-8).
    assert len({a.lottery_number, b.lottery_number, c.lottery_number}) == 3


def test_exhaustion_is_logged_as_an_error_with_a_reason(event_id, log_lines):
    lines = log_lines
    store.register_employee(event_id, "7000", "+821011112222", "c", number_space=1)
    answer_call(event("7001"), number_space=1)
    assert any('"numbers_exhausted"' in line and '"ERROR"' in line for line in lines)


def test_a_burst_into_a_nearly_full_event_reads_only_small_windows(event_id, monkeypatch):
    """Near full, callers read one block of the space at a time, never the
    whole event: the read on the caller's path stays small however big the
    event is."""
    space = 60
    monkeypatch.setattr(store, "WINDOW", 16)
    for n in range(50):
        store.register_employee(event_id, f"{80000 + n}", "+821011112222", f"c{n}",
                                number_space=space)
    monkeypatch.setattr(store, "RANDOM_TRIES", 0)  # straight to the blocks
    # What this test checks is the reads, not the caller's time budget: on a
    # loaded machine ten callers' conflicts can outlast Connect's 8 s.
    monkeypatch.setattr(store, "CALLER_LIMIT_SECONDS", 120)
    read: list[int] = []
    real = store.used_in_block

    def measured(eid, block):
        used = real(eid, block)
        assert used <= set(range(block * 16, block * 16 + 16))
        read.append(block)
        return used

    monkeypatch.setattr(store, "used_in_block", measured)
    with ThreadPoolExecutor(10) as pool:
        done = list(pool.map(lambda n: store.register_employee(
            event_id, f"{90000 + n}", "+821011112222", f"d{n}", number_space=space),
            range(10)))
    assert len({r.lottery_number for r in done}) == 10   # the last ten numbers, each once
    assert read
    assert len(store.lottery_items(event_id, space)) == space
    with pytest.raises(store.NumbersExhausted):
        store.register_employee(event_id, "99999", "+821011112222", "x", number_space=space)


def test_no_transaction_starts_that_could_end_past_the_callers_limit(event_id, monkeypatch):
    """A caller whose every pick clashes hears ERROR in time, not silence past 8 s."""
    store.register_employee(event_id, "5000", "+821011112222", "c0", number_space=2)
    taken = int(store.registrations(event_id)[0]["lotteryNumber"][1:])
    monkeypatch.setattr(store._Picker, "next", lambda self: taken)
    started: list[int] = []
    real = store._client

    class Counting:
        def transact_write_items(self, **kwargs):
            started.append(1)
            return real().transact_write_items(**kwargs)

    monkeypatch.setattr(store, "_client", Counting)
    # Room for exactly one transaction at its slowest (the first always runs).
    monkeypatch.setattr(store, "CALLER_LIMIT_SECONDS", store.aws.worst_case_seconds("caller"))
    answer = answer_call(event("5001"), number_space=2)
    assert answer["registrationStatus"] == "ERROR"
    assert len(started) == 1


