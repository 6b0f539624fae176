"""Registrations and lottery numbers in the table.

One employee registers once per event and one lottery number belongs to one
registration, whatever the concurrency: both facts are items whose key *is* the
fact (``EVENT#<id>/EMP#<employeeId>`` and ``EVENT#<id>/LOT#<NNNN>``), written
together in one ``TransactWriteItems`` with ``attribute_not_exists`` on each.
Either both exist or neither does, so there is never a number without its
registration, and no read-then-write race.

Numbers are drawn with ``secrets`` (nobody can compute a colleague's number
from the ID). A clash on the number retries with a new one; when clashes pile
up (the space is filling) the used numbers are read and the pick is made
uniformly among the free ones, so the last free numbers are found in one query
rather than by thousands of guesses.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib import aws, clock, table

# ``L`` + 4 digits: 10,000 numbers per event. Tests shrink it to fill it.
NUMBER_SPACE = 10_000
RANDOM_TRIES = 5          # random picks before reading which numbers are free
MAX_ATTEMPTS = 20         # transactions per caller, all outcomes together
# Connect waits 8 s for the whole function. A new transaction starts only if,
# even at its slowest, it ends within CALLER_LIMIT_SECONDS of the first; the
# rest is for the log request (at most 1.5 s) and Lambda itself.
CALLER_LIMIT_SECONDS = 6.0


class AlreadyRegistered(Exception):
    pass


class NumbersExhausted(Exception):
    pass


class RegistrationBusy(Exception):
    """Gave up within the caller's time budget (contention, not a full event)."""


@dataclass(frozen=True)
class Registration:
    event_id: str
    employee_id: str
    lottery_number: str
    phone: str
    contact_id: str
    registered_at: str
    replayed: bool = False   # this call's own earlier write, seen on a retry


def event_pk(event_id: str) -> str:
    return f"EVENT#{event_id}"


def lottery_label(number: int) -> str:
    return f"L{number:04d}"


def _client():
    # Tight timeouts: a caller is on the line.
    return aws.client("dynamodb", "caller")


def _transaction(event_id: str, item: dict[str, Any], number: int) -> list[dict[str, Any]]:
    pk = event_pk(event_id)
    lot = {"pk": pk, "sk": f"LOT#{number:04d}", "eventId": event_id,
           "lotteryNumber": item["lotteryNumber"], "employeeId": item["employeeId"],
           "registeredAt": item["registeredAt"]}
    return [
        {"Put": {"TableName": table.name(), "Item": table.serialize(item),
                 "ConditionExpression": "attribute_not_exists(pk)",
                 # Tells a duplicate from our own write retried after a timeout.
                 "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Put": {"TableName": table.name(), "Item": table.serialize(lot),
                 "ConditionExpression": "attribute_not_exists(pk)"}},
    ]


def _reasons(exc: BaseException) -> list[dict[str, Any]]:
    response = getattr(exc, "response", None) or {}
    return list(response.get("CancellationReasons") or [])


def used_numbers(event_id: str) -> set[int]:
    """Every lottery number taken in the event (a strongly consistent read).

    Up to 10,000 small items (a page or two in DynamoDB, ~100 ms): one try
    with a 2.5 s read timeout, longer than a transaction's, counted in the
    caller's budget like everything else. Only a nearly full event asks."""
    kwargs: dict[str, Any] = {
        "TableName": table.name(), "ConsistentRead": True,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)",
        "ExpressionAttributeValues": table.values({":pk": event_pk(event_id), ":sk": "LOT#"}),
        "ProjectionExpression": "sk",
    }
    used: set[int] = set()
    while True:
        page = aws.client("dynamodb", "bulk_read").query(**kwargs)
        used.update(int(raw["sk"]["S"][4:]) for raw in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return used
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# Free numbers of a nearly full event, kept by this container for a while so
# that a burst of callers into a nearly full event reads them once, not once
# per caller. A stale entry only costs a clash (the transaction is the judge).
FREE_CACHE_SECONDS = 30.0
_free_cache: dict[tuple[str, int], tuple[float, list[int]]] = {}
_free_lock = threading.Lock()


_read_lock = threading.Lock()


def _free_numbers(event_id: str, space: int) -> list[int]:
    """Read the free numbers from the table and share them with this container.
    One reader at a time: callers that waited for it take what it read."""
    asked = time.monotonic()
    with _read_lock:
        with _free_lock:
            hit = _free_cache.get((event_id, space))
            if hit and hit[0] >= asked and hit[1]:
                return hit[1]
        free = sorted(set(range(space)) - used_numbers(event_id))
        with _free_lock:
            _free_cache[(event_id, space)] = (time.monotonic(), free)
        return free


class _Picker:
    """Random numbers first; after a handful of clashes, the free ones."""

    def __init__(self, event_id: str, space: int) -> None:
        self.event_id = event_id
        self.space = space
        self.clashes = 0
        self.read_fresh = False

    def next(self) -> int:
        if self.clashes < RANDOM_TRIES:
            return secrets.randbelow(self.space)
        # After twice as many clashes, our cached view is too stale: read again, once.
        fresh = self.clashes >= 2 * RANDOM_TRIES and not self.read_fresh
        self.read_fresh = self.read_fresh or fresh
        with _free_lock:
            hit = _free_cache.get((self.event_id, self.space))
            young = hit is not None and time.monotonic() - hit[0] < FREE_CACHE_SECONDS
            cached = hit[1] if young and not fresh else []
            if cached:
                # Taken out of the shared list: no two callers here try the same one.
                return cached.pop(secrets.randbelow(len(cached)))
        free = _free_numbers(self.event_id, self.space)
        if not free:
            raise NumbersExhausted(self.event_id)
        with _free_lock:
            if free:
                return free.pop(secrets.randbelow(len(free)))
        return secrets.randbelow(self.space)  # emptied meanwhile: the transaction judges

    def clashed(self) -> None:
        self.clashes += 1


def register_employee(event_id: str, employee_id: str, phone: str, contact_id: str,
                      *, number_space: int | None = None) -> Registration:
    """Register once, atomically, with a fresh unique lottery number.

    Raises ``AlreadyRegistered``, ``NumbersExhausted`` or ``RegistrationBusy``;
    AWS errors propagate.
    """
    space = number_space or NUMBER_SPACE
    if not 0 < space <= 10_000:
        raise ValueError("number space must fit L + 4 digits")
    picker = _Picker(event_id, space)
    started = time.monotonic()
    slowest = aws.worst_case_seconds("caller")
    for attempt in range(MAX_ATTEMPTS):
        if attempt and time.monotonic() - started + slowest > CALLER_LIMIT_SECONDS:
            break
        number = picker.next()
        if attempt and time.monotonic() - started + slowest > CALLER_LIMIT_SECONDS:
            break  # reading the free numbers took the time
        item = {
            "pk": event_pk(event_id), "sk": f"EMP#{employee_id}", "eventId": event_id,
            "employeeId": employee_id, "lotteryNumber": lottery_label(number),
            "phone": phone, "contactId": contact_id, "registeredAt": clock.iso(),
        }
        try:
            # botocore adds an idempotency token (ClientRequestToken) that its
            # own retries reuse, so a retried call cannot apply twice.
            _client().transact_write_items(TransactItems=_transaction(event_id, item, number))
            return _registration(item)
        except Exception as exc:
            if aws.error_code(exc) != "TransactionCanceledException":
                raise
            reasons = _reasons(exc)
        emp = reasons[0] if reasons else {}
        lot = reasons[1] if len(reasons) > 1 else {}
        if emp.get("Code") == "ConditionalCheckFailed":
            existing = table.deserialize(emp.get("Item")) or {}
            if contact_id and existing.get("contactId") == contact_id:
                return _registration(existing, replayed=True)
            raise AlreadyRegistered(employee_id)
        if lot.get("Code") == "ConditionalCheckFailed":
            picker.clashed()
        elif not any(r.get("Code") == "TransactionConflict" for r in reasons):
            raise RuntimeError(f"transaction cancelled: {reasons!r:.200}")
        else:
            # Another transaction held one of our items for a moment: the next
            # attempt sees its outcome (a duplicate, or a taken number).
            time.sleep(0.02 + secrets.randbelow(50) / 1000)
    raise RegistrationBusy(employee_id)


def _registration(item: dict[str, Any], replayed: bool = False) -> Registration:
    return Registration(
        event_id=item.get("eventId", ""), employee_id=item["employeeId"],
        lottery_number=item["lotteryNumber"], phone=item.get("phone", ""),
        contact_id=item.get("contactId", ""), registered_at=item["registeredAt"],
        replayed=replayed)


def registrations(event_id: str) -> list[dict[str, Any]]:
    """Every registration of the event, oldest first (ties by employee ID)."""
    rows = list(_registration_items(event_id))
    rows.sort(key=lambda r: (r.get("registeredAt", ""), r.get("employeeId", "")))
    return rows


def _registration_items(event_id: str) -> Iterator[dict[str, Any]]:
    return table.query(event_pk(event_id), "EMP#", consistent=True)


def count(event_id: str) -> int:
    return table.count(event_pk(event_id), "EMP#")
