"""The callers of a registration burst, as Amazon Connect would invoke the
Lambda for them: the same list (same IDs, same order, same repeats) is played
against both designs."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

INSTANCE_ARN = ("arn:aws:connect:ap-northeast-2:123456789012:"
                "instance/11111111-2222-3333-4444-555555555555")
Handler = Callable[[dict[str, Any], Any], dict[str, str]]


@dataclass(frozen=True)
class Call:
    employee_id: str
    phone: str
    contact_id: str


@dataclass(frozen=True)
class Answered:
    call: Call
    answer: dict[str, str]
    seconds: float

    @property
    def status(self) -> str:
        return str(self.answer.get("registrationStatus", "?"))


def make_calls(callers: int, repeat_share: float = 0.05, seed: int = 2025) -> list[Call]:
    """``callers`` calls; ``repeat_share`` of them repeat an earlier caller's ID
    (from another phone, another contact), placed later in the burst so that
    with many threads some overlap the first call."""
    rng = random.Random(seed)
    repeats = round(callers * repeat_share)
    distinct = callers - repeats
    # 4-8 digit IDs without a leading zero, all distinct.
    ids = [str(n) for n in rng.sample(range(1000, 100_000_000), distinct)]

    def call(employee_id: str) -> Call:
        return Call(employee_id, f"+8210{rng.randrange(10**8):08d}",
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)))

    calls = [call(e) for e in ids]
    for _ in range(repeats):
        original = rng.randrange(len(calls))
        employee_id = calls[original].employee_id
        calls.insert(rng.randint(original + 1, len(calls)), call(employee_id))
    return calls


def connect_event(call: Call) -> dict[str, Any]:
    """The event Connect sends a Lambda from our contact flow (contract section 2)."""
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": {}, "Channel": "VOICE", "ContactId": call.contact_id,
                "CustomerEndpoint": {"Address": call.phone, "Type": "TELEPHONE_NUMBER"},
                "InitialContactId": call.contact_id, "InitiationMethod": "INBOUND",
                "InstanceARN": INSTANCE_ARN, "PreviousContactId": call.contact_id,
                "Queue": None,
                "SystemEndpoint": {"Address": "+8227000000", "Type": "TELEPHONE_NUMBER"},
            },
            "Parameters": {"inputValue": call.employee_id, "customerPhone": call.phone,
                           "contactId": call.contact_id},
        },
        "Version": "1.0",
    }


def context() -> Any:
    from devstack.dispatcher import LambdaContext

    return LambdaContext("connect_event_registration", timeout_seconds=8)


def place(handler: Handler, call: Call) -> Answered:
    started = time.perf_counter()
    answer = handler(connect_event(call), context())
    return Answered(call, answer, time.perf_counter() - started)


def burst(handler: Handler, calls: Sequence[Call], threads: int) -> list[Answered]:
    """Every call submitted at once to ``threads`` workers."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="caller") as pool:
        return list(pool.map(lambda c: place(handler, c), calls))


# -- what the burst did -----------------------------------------------------------

def statuses(answered: Iterable[Answered]) -> Counter[str]:
    return Counter(a.status for a in answered)


def successes(answered: Iterable[Answered]) -> list[Answered]:
    return [a for a in answered if a.status == "SUCCESS"]


def lost(answered: Iterable[Answered], recorded: dict[str, set[str]] | set[str]) -> int:
    """Callers told SUCCESS whose registration is not in the record.

    ``recorded``: employee ID -> the lottery numbers recorded for it (then the
    number the caller heard must be among them), or just the set of IDs."""
    missing = 0
    for a in successes(answered):
        found = a.call.employee_id in recorded
        if found and isinstance(recorded, dict):
            found = a.answer.get("lotteryNumber") in recorded[a.call.employee_id]
        missing += not found
    return missing


def clashes(answered: Iterable[Answered]) -> int:
    """Distinct employees told a number another employee was also told: for
    each number, every employee after the first counts once."""
    holders: dict[str, set[str]] = defaultdict(set)
    for a in successes(answered):
        holders[a.answer.get("lotteryNumber", "")].add(a.call.employee_id)
    return sum(len(ids) - 1 for ids in holders.values() if len(ids) > 1)


def told_twice(answered: Iterable[Answered]) -> int:
    """IDs that heard SUCCESS more than once (a repeat the design let through)."""
    counts = Counter(a.call.employee_id for a in successes(answered))
    return sum(n - 1 for n in counts.values() if n > 1)
