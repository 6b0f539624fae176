"""A whole company calling at 09:00: real threads against the emulator,
exact outcomes."""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from chalicelib import table
from chalicelib.registration import event_log, store


def connect_event(digits: str, n: int) -> dict:
    phone = f"+8210{n:08d}"
    return {"Details": {"Parameters": {"inputValue": digits, "customerPhone": phone,
                                       "contactId": f"contact-{n}-{secrets.token_hex(4)}"}}}


def burst(app_module, events: list[dict], threads: int) -> list[dict]:
    """Every worker waits for the start signal, so the first wave hits at once."""
    go = threading.Event()

    def one(event):
        go.wait(10)
        return app_module.connect_event_registration(event, None)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(one, e) for e in events]
        go.set()
        return [f.result() for f in futures]


def test_200_callers_from_16_threads_all_register_with_distinct_numbers_and_log_lines(
        app_module, event_id, sqs_dispatcher):
    ids = [f"{20000000 + i}" for i in range(200)]
    answers = burst(app_module, [connect_event(d, i) for i, d in enumerate(ids)], threads=16)

    statuses = [a["registrationStatus"] for a in answers]
    assert statuses.count("SUCCESS") == 200, {s for s in statuses}
    numbers = [a["lotteryNumber"] for a in answers]
    assert len(set(numbers)) == 200
    stored = list(table.query(store.event_pk(event_id), "EMP#", consistent=True))
    assert sorted(r["employeeId"] for r in stored) == sorted(ids)
    assert len(store.lottery_items(event_id)) == 200

    # The dispatcher delivers the 200 log requests to handle_registration_log.
    deadline = time.monotonic() + 90
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = event_log.read().splitlines()
        if len(lines) == 200:
            break
        time.sleep(0.5)
    assert len(lines) == 200
    assert sorted(line.rsplit(",", 1)[1] for line in lines) == sorted(ids)
    by_id = {r["employeeId"]: r for r in stored}
    for line in lines:
        at, phone, contact, emp = line.split(",")
        assert (at, phone, contact) == (by_id[emp]["registeredAt"], by_id[emp]["phone"],
                                        by_id[emp]["contactId"])
    assert lines == sorted(lines, key=lambda s: (s.split(",")[0], s.split(",")[3]))


def test_30_simultaneous_calls_with_one_id_give_one_success_and_29_duplicates(
        app_module, event_id):
    answers = burst(app_module, [connect_event("55555555", i) for i in range(30)], threads=30)
    statuses = [a["registrationStatus"] for a in answers]
    assert statuses.count("SUCCESS") == 1
    assert statuses.count("DUPLICATE") == 29
    assert len(list(table.query(store.event_pk(event_id), "EMP#", consistent=True))) == 1
    assert len(store.lottery_items(event_id)) == 1
