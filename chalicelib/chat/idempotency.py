"""``Idempotency-Key`` on ``POST /api/requests`` (contract section 3).

The chat sends one key per message, so a message sent twice (a retry after
a lost answer, a double tap, two tabs) opens one request and texts the
partner once. In the manner of Powertools' idempotency utility:

1. a conditional write takes the key's record ``IDEM#<sha256(key)>/IDEM``:
   ``INPROGRESS`` with the body's hash, a lock (``lockUntil``) and an expiry
   (``expiresAt``, 24 h, also the table's TTL). It succeeds only when there
   is no live record, or when a holder died (lock run out) with this body;
2. the first caller computes the answer; the record turns ``COMPLETED`` with
   it (status and body) in a second conditional write by the lock's holder;
3. any other caller with the key: another body is 422
   ``IDEMPOTENCY_KEY_REUSED``; the same body gets the stored answer (nothing
   new written, no second SMS); while the first is still working, it waits a
   little for the answer, then 409 ``IDEMPOTENCY_IN_PROGRESS``.

What is stored: an answer with status below 500, or a 503 that names a
request (its write may have landed: the first answer, said again, lets the
chat look it up). Any other failure gives the key up (the record is
deleted), so the message can be sent again.

The customer's token (`customer_token`) is in the first answer. The record
keeps it sealed under the key itself (XOR with a hash of the key) and the
key only hashed, so the table alone yields neither; a caller who has the key
had the first answer anyway.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from chalicelib import aws, clock, logs, safe_json, table
from chalicelib.errors import ApiError, bad_request

HEADER = "Idempotency-Key"
SK = "IDEM"
MIN_CHARS, MAX_CHARS = 8, 128
EXPIRY_SECONDS = 24 * 3600
# Longer than the API function can run: a holder that died (timeout, crash)
# leaves a lock that runs out, so the same message can be sent again.
LOCK_SECONDS = 30
# Inside the route's 3 s: how long a second caller waits for the first's answer.
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.1
INPROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"

BAD_KEY = "요청을 식별하지 못했어요. 페이지를 새로 고친 뒤 다시 보내 주세요."
REUSED = "이미 다른 문의에 쓴 요청이에요. 페이지를 새로 고친 뒤 다시 보내 주세요."
STILL_WORKING = "같은 문의를 처리하고 있어요. 잠시 후 다시 확인해 주세요."


def valid_key(key: str) -> bool:
    return MIN_CHARS <= len(key) <= MAX_CHARS and all("!" <= ch <= "~" for ch in key)


def _hash(label: bytes, data: bytes) -> bytes:
    return hashlib.sha256(label + b"\0" + data).digest()


def _record_pk(key: str) -> str:
    return "IDEM#" + _hash(b"record", key.encode()).hex()


def body_hash(raw: bytes | str | None) -> str:
    """The same message in any key order or spacing is the same body."""
    data = raw.encode() if isinstance(raw, str) else (raw or b"")
    try:
        data = json.dumps(safe_json.loads(data), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")).encode()
    except safe_json.Rejected:
        pass
    return _hash(b"body", data).hex()


def seal(key: str, token: str) -> str:
    data = token.encode()
    pad = _hash(b"seal", key.encode())
    if len(data) > len(pad):
        raise ValueError("token longer than the seal")
    return bytes(a ^ b for a, b in zip(data, pad, strict=False)).hex()


def unseal(key: str, sealed: str) -> str:
    data = bytes.fromhex(sealed)
    pad = _hash(b"seal", key.encode())
    return bytes(a ^ b for a, b in zip(data, pad, strict=False)).decode()


def once(key: str | None, raw: bytes | str | None,
         compute: Callable[[bytes | str | None], dict[str, Any]]) -> dict[str, Any]:
    """``compute(raw)`` at most once per key: its 201 body, or its ApiError,
    the first time and every time after with the same body."""
    if key is None:
        return compute(raw)
    if not valid_key(key):
        raise bad_request(BAD_KEY)
    pk, digest, holder = _record_pk(key), body_hash(raw), secrets.token_hex(8)
    found = _claim(pk, digest, holder)
    if found is not None:
        return _replay(key, pk, digest, found)
    try:
        body = compute(raw)
    except ApiError as exc:
        if exc.status < 500 or "requestId" in exc.extra:
            _complete(pk, holder, key, exc.status, exc.body())
        else:
            _give_up(pk, holder)
        raise
    except BaseException:
        _give_up(pk, holder)
        raise
    _complete(pk, holder, key, 201, body)
    return body


def _claim(pk: str, digest: str, holder: str) -> dict[str, Any] | None:
    """Take the key (None) or the record as it stood."""
    now = clock.epoch()
    try:
        table.client().update_item(
            TableName=table.name(), Key=table.key(pk, SK),
            UpdateExpression="SET #state = :inprogress, bodyHash = :h, lockUntil = :lock, "
                             "holder = :holder, expiresAt = :exp REMOVE answerStatus, "
                             "answerBody, sealedToken",
            ConditionExpression="attribute_not_exists(pk) OR expiresAt < :now OR "
                                "(#state = :inprogress AND lockUntil < :now AND bodyHash = :h)",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=table.values({
                ":inprogress": INPROGRESS, ":h": digest, ":lock": now + LOCK_SECONDS,
                ":holder": holder, ":exp": now + EXPIRY_SECONDS, ":now": now}),
            ReturnValuesOnConditionCheckFailure="ALL_OLD")
        return None
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return table.deserialize((getattr(exc, "response", None) or {}).get("Item")) or {}


def _replay(key: str, pk: str, digest: str, record: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if record.get("bodyHash") != digest:
            raise ApiError(422, "IDEMPOTENCY_KEY_REUSED", REUSED)
        if record.get("state") == COMPLETED:
            return _answer(key, record)
        if time.monotonic() >= deadline:
            raise ApiError(409, "IDEMPOTENCY_IN_PROGRESS", STILL_WORKING)
        time.sleep(POLL_SECONDS)
        record = table.get(pk, SK) or {}
        if not record:  # the first caller gave the key up: so does this one
            raise ApiError(409, "IDEMPOTENCY_IN_PROGRESS", STILL_WORKING)


def _answer(key: str, record: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(record["answerBody"])
    if record.get("sealedToken"):
        body["customerToken"] = unseal(key, record["sealedToken"])
    status = int(record["answerStatus"])
    if status == 201:
        return body
    extra = {k: v for k, v in body.items() if k not in ("code", "message")}
    raise ApiError(status, body.get("code", ""), body.get("message", ""), **extra)


def _complete(pk: str, holder: str, key: str, status: int, body: dict[str, Any]) -> None:
    """Store the answer (the token sealed); a failure here only means a later
    caller with the key waits out the lock and computes again."""
    body = dict(body)
    token = body.pop("customerToken", None)
    vals: dict[str, Any] = {":completed": COMPLETED, ":status": status, ":holder": holder,
                            ":body": json.dumps(body, ensure_ascii=False)}
    update = "SET #state = :completed, answerStatus = :status, answerBody = :body"
    if token:
        update += ", sealedToken = :sealed"
        vals[":sealed"] = seal(key, token)
    try:
        table.client().update_item(
            TableName=table.name(), Key=table.key(pk, SK),
            UpdateExpression=update + " REMOVE lockUntil, holder",
            ConditionExpression="holder = :holder",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=table.values(vals))
    except Exception as exc:  # noqa: BLE001 - the caller's answer stands
        logs.record("idempotency_not_recorded", level=30,
                    error=aws.error_code(exc) or type(exc).__name__)


def _give_up(pk: str, holder: str) -> None:
    try:
        table.client().delete_item(
            TableName=table.name(), Key=table.key(pk, SK),
            ConditionExpression="holder = :holder",
            ExpressionAttributeValues=table.values({":holder": holder}))
    except Exception as exc:  # noqa: BLE001 - the lock runs out by itself
        logs.record("idempotency_not_released", level=30,
                    error=aws.error_code(exc) or type(exc).__name__)
