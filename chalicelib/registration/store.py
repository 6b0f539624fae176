"""Registrations and lottery numbers in the table.

One employee registers once per event and one lottery number belongs to one
registration, whatever the concurrency: both facts are items whose key *is* the
fact (``EVENT#<id>/EMP#<employeeId>`` and ``EVENT#<id>#LOTS#<block>/LOT#<NNNN>``),
written together in one ``TransactWriteItems`` with ``attribute_not_exists``
on each. The numbers live in blocks of ``WINDOW`` per partition key: a burst's
writes spread over 40 keys, and reading one block never touches the rest.
Either both exist or neither does, so there is never a number without its
registration, and no read-then-write race.

Numbers are drawn with ``secrets`` (nobody can compute a colleague's number
from the ID). A clash on the number retries with a new one; when clashes pile
up (the space is filling) the caller reads one window of the numbers (at most
``WINDOW`` items, from a random start) and picks among the free ones there, so
the last free numbers are found in a query or two of bounded size -- never a
read that grows with the event, on a path where a caller is waiting.
"""

from __future__ import annotations

import secrets
import time
import uuid
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
# rest is for Lambda itself (the log is rebuilt off this path, from the stream).
CALLER_LIMIT_SECONDS = 6.0


class AlreadyRegistered(Exception):
    """The employee is registered. ``own`` is that registration when this
    caller may hear its number (the phone that registered is calling again);
    None for anyone else."""

    def __init__(self, employee_id: str, own: Registration | None = None) -> None:
        super().__init__(employee_id)
        self.own = own


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
    lot_pk, lot_sk = lot_key(event_id, number)
    # Which employee holds the number, nothing more: the event is in the key and
    # the moment on the registration (a smaller item is a cheaper write).
    lot = {"pk": lot_pk, "sk": lot_sk, "lotteryNumber": item["lotteryNumber"],
           "employeeId": item["employeeId"]}
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


WINDOW = 256  # numbers per block (and per read near full): one small page


def lot_key(event_id: str, number: int) -> tuple[str, str]:
    return f"{event_pk(event_id)}#LOTS#{number // WINDOW:03d}", f"LOT#{number:04d}"


def used_in_block(event_id: str, block: int) -> set[int]:
    """The lottery numbers taken in one block (a strongly consistent read)."""
    kwargs: dict[str, Any] = {
        "TableName": table.name(), "ConsistentRead": True,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": table.values({
            ":pk": lot_key(event_id, block * WINDOW)[0]}),
        "ProjectionExpression": "sk",
    }
    used: set[int] = set()
    while True:
        page = _client().query(**kwargs)
        used.update(int(raw["sk"]["S"][4:]) for raw in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return used
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def lottery_items(event_id: str, space: int | None = None) -> list[dict[str, Any]]:
    """Every lottery number item of the event (operators and tests; not on a
    caller's path)."""
    blocks = -(-(space or NUMBER_SPACE) // WINDOW)
    return [item for block in range(blocks)
            for item in table.query(lot_key(event_id, block * WINDOW)[0], consistent=True)]


def free_numbers_near(event_id: str, space: int, start: int) -> list[int]:
    """The free numbers of the first block, from the one holding ``start`` on
    (wrapping), that has any; [] only when every block is full, i.e. the event
    is."""
    blocks = -(-space // WINDOW)
    first = (start % space) // WINDOW
    for i in range(blocks):
        block = (first + i) % blocks
        low, high = block * WINDOW, min((block + 1) * WINDOW, space) - 1
        used = used_in_block(event_id, block)
        free = [n for n in range(low, high + 1) if n not in used]
        if free:
            return free
    return []


class _Picker:
    """Random numbers first; after a handful of clashes, the free ones of a
    random window of the space."""

    def __init__(self, event_id: str, space: int) -> None:
        self.event_id = event_id
        self.space = space
        self.clashes = 0
        self.free: list[int] = []

    def next(self) -> int:
        if self.clashes < RANDOM_TRIES:
            return secrets.randbelow(self.space)
        if not self.free:
            start = secrets.randbelow(self.space)
            self.free = free_numbers_near(self.event_id, self.space, start)
            if not self.free:
                raise NumbersExhausted(self.event_id)
        # Taken out of our list: a clash on it (a racing caller) moves on to another.
        return self.free.pop(secrets.randbelow(len(self.free)))

    def clashed(self) -> None:
        self.clashes += 1


# Answers after which the transaction may or may not have been applied, or was
# refused for load (botocore's own retries already spent): sent again,
# identically, with the same ClientRequestToken -- DynamoDB applies a repeated
# token once and answers as for the first -- while the caller's time allows.
_RESEND_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "TransactionInProgressException", "InternalServerError", "ServiceUnavailable",
})


def _resendable(exc: BaseException) -> bool:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return True  # dropped connection or read timeout: the ambiguous outcome
    response = getattr(exc, "response", None) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return aws.error_code(exc) in _RESEND_CODES or status >= 500


def _same_phone(stored: Any, calling: str) -> bool:
    """Only a real number identifies a caller (not ``anonymous`` or empty)."""
    return bool(calling) and calling.startswith("+") and stored == calling


def register_employee(event_id: str, employee_id: str, phone: str, contact_id: str,
                      *, number_space: int | None = None,
                      started: float | None = None) -> Registration:
    """Register once, atomically, with a fresh unique lottery number.

    ``started``: when the caller's clock started (``time.monotonic()``), so the
    time budget covers what the call did before (default: now).

    Raises ``AlreadyRegistered`` (with the registration when ``phone`` made
    it), ``NumbersExhausted`` or ``RegistrationBusy``; AWS errors propagate
    once the caller's time is spent (the write may or may not have landed: the
    caller hears a retryable error, and their next call finds the truth).
    """
    space = number_space or NUMBER_SPACE
    if not 0 < space <= 10_000:
        raise ValueError("number space must fit L + 4 digits")
    picker = _Picker(event_id, space)
    started = time.monotonic() if started is None else started
    slowest = aws.worst_case_seconds("caller")
    resend: tuple[dict[str, Any], int, str] | None = None
    last_error: BaseException | None = None
    for attempt in range(MAX_ATTEMPTS):
        if attempt and time.monotonic() - started + slowest > CALLER_LIMIT_SECONDS:
            break
        if resend is None:
            number = picker.next()
            if attempt and time.monotonic() - started + slowest > CALLER_LIMIT_SECONDS:
                break  # reading the free numbers took the time
            item = {
                "pk": event_pk(event_id), "sk": f"EMP#{employee_id}", "eventId": event_id,
                "employeeId": employee_id, "lotteryNumber": lottery_label(number),
                "phone": phone, "contactId": contact_id, "registeredAt": clock.iso(),
            }
            token = str(uuid.uuid4())
        else:
            item, number, token = resend
        resend = None
        try:
            # The token (botocore's retries reuse it, and so do ours below)
            # makes a repeated send apply at most once.
            _client().transact_write_items(TransactItems=_transaction(event_id, item, number),
                                           ClientRequestToken=token)
            return _registration(item)
        except Exception as exc:
            if aws.error_code(exc) != "TransactionCanceledException":
                if not _resendable(exc):
                    raise
                last_error, resend = exc, (item, number, token)
                time.sleep(0.02 + secrets.randbelow(80) / 1000)
                continue
            reasons = _reasons(exc)
        emp = reasons[0] if reasons else {}
        lot = reasons[1] if len(reasons) > 1 else {}
        if emp.get("Code") == "ConditionalCheckFailed":
            existing = table.deserialize(emp.get("Item")) or {}
            if contact_id and existing.get("contactId") == contact_id:
                # This call's own earlier write (its answer was lost, or
                # Connect retried the invocation).
                return _registration(existing, replayed=True)
            if existing.get("lotteryNumber") and _same_phone(existing.get("phone"), phone):
                raise AlreadyRegistered(employee_id, own=_registration(existing, replayed=True))
            raise AlreadyRegistered(employee_id)
        if lot.get("Code") == "ConditionalCheckFailed":
            picker.clashed()
        elif not any(r.get("Code") == "TransactionConflict" for r in reasons):
            raise RuntimeError(f"transaction cancelled: {reasons!r:.200}")
        else:
            # Another transaction held one of our items for a moment: the next
            # attempt sees its outcome (a duplicate, or a taken number).
            time.sleep(0.02 + secrets.randbelow(50) / 1000)
    if last_error is not None and resend is not None:
        raise last_error  # the last word was ambiguous: not "busy"
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
