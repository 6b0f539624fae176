"""The registration log file ``axcl_event.txt`` in the event bucket.

The table is the record; this file is a view of it, rebuilt whole from the
table off the caller's path: the table's DynamoDB stream invokes
``handle_registration_log`` for every committed registration (the caller
sends nothing). Rebuilding from the source rather than appending means a
repeated or retried record can never lose or repeat a line: any rebuild that
starts after a registration contains it.

Two rebuilds may still overlap (a retry, a second consumer): the write is a
compare-and-swap. The ETag is read *before* the table, the object is put with
``If-Match`` (``If-None-Match: *`` when there is no file yet), and a rebuild
whose file changed underneath it starts again. So a slow rebuild holding an
older view of the table can never overwrite a newer file.

Each file carries, as object metadata, the moment its table read began. A
stream record's ``ApproximateCreationDateTime`` is when its write committed,
so a file whose read began after the batch's newest record (with a margin for
clock skew and the timestamp's rounding) already holds those registrations:
the batch is done with one HeadObject instead of a rebuild. Under a burst
this collapses the backlog -- each rebuild covers every write committed
before it started -- so the file lags by about one rebuild, not by one
rebuild per batch.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from typing import Any

from chalicelib import aws, logs, settings
from chalicelib.registration import store

MAX_ROUNDS = 10
CLOCK_SKEW_MARGIN_MS = 1000
SNAPSHOT_META = "snapshot-at-ms"
BACKOFF_CAP_SECONDS = 1.0
# S3 answers 412 when the ETag no longer matches and 409 when a concurrent
# conditional write to the same key is in flight.
_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_EVENT_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")  # it names a file: <eventId>_event.txt
REGISTRATION_SK = "EMP#"
EVENT_PK = "EVENT#"


class LogContention(RuntimeError):
    """The file kept changing underneath us; the stream batch is retried."""


def log_key(event_id: str) -> str:
    """``EVENT_LOG_KEY`` for the configured event, ``<eventId>_event.txt`` for
    any other (a late message from a previous event must not overwrite the
    current event's file)."""
    if event_id == settings.current().event_id:
        return settings.current().event_log_key
    return f"{event_id}_event.txt"


def registration_keys(record: dict[str, Any]) -> tuple[str | None, str]:
    """(event id, employee id) when a stream record is a registration item,
    (None, '') for any other item of the table -- read from the keys alone."""
    keys = (record.get("dynamodb") or {}).get("Keys") or {}
    pk = (keys.get("pk") or {}).get("S", "")
    sk = (keys.get("sk") or {}).get("S", "")
    if not (sk.startswith(REGISTRATION_SK) and pk.startswith(EVENT_PK)):
        return None, ""
    event_id = pk[len(EVENT_PK):]
    if not _EVENT_ID.fullmatch(event_id):   # also lottery blocks: EVENT#<id>#LOTS#...
        return None, ""
    return event_id, sk[len(REGISTRATION_SK):]


def written_by_ms(record: dict[str, Any]) -> int | None:
    """The latest moment (epoch ms) the record's write can have committed,
    None if not given. The stream rounds ApproximateCreationDateTime down to
    the second, so the second's end. Lambda gives epoch seconds (a number); a
    GetRecords response parsed by botocore gives a datetime."""
    value = (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")
    if hasattr(value, "timestamp"):
        value = value.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) * 1000 + 999
    return None


def line(row: dict[str, Any]) -> str:
    return ",".join(str(row.get(f, "")) for f in
                    ("registeredAt", "phone", "contactId", "employeeId"))


def render(rows: list[dict[str, Any]]) -> bytes:
    return "".join(line(r) + "\n" for r in rows).encode("utf-8")


def _s3():
    return aws.client("s3")


def current_version(bucket: str, key: str) -> tuple[str | None, int | None]:
    """The file's ETag and when its table read began (None, None: no file)."""
    try:
        head = _s3().head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if aws.error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None, None
        raise
    snapshot = head.get("Metadata", {}).get(SNAPSHOT_META, "")
    return head["ETag"], int(snapshot) if snapshot.isdigit() else None



def read(bucket: str | None = None, key: str | None = None,
         event_id: str | None = None) -> str:
    """The file's text ('' when it does not exist yet)."""
    event_id = event_id or settings.current().event_id
    bucket = bucket or settings.current().require("event_bucket")
    try:
        body = _s3().get_object(Bucket=bucket, Key=key or log_key(event_id))["Body"]
    except Exception as exc:
        if aws.error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return ""
        raise
    return body.read().decode("utf-8")


def _is_conflict(exc: BaseException) -> bool:
    response = getattr(exc, "response", None) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return aws.error_code(exc) in _CONFLICT_CODES or status in (409, 412)


def _lines_if_covering(bucket: str, key: str, employee_ids: set[str]) -> int | None:
    """The file's line count if it already holds these registrations, else
    None. (Every version of the file is a whole table snapshot, so holding
    them means holding them exactly once.)"""
    rows = read(bucket, key).splitlines()
    have = {row.rsplit(",", 1)[-1] for row in rows}
    return len(rows) if employee_ids <= have else None


def rebuild(event_id: str, key: str | None = None, *, rounds: int = MAX_ROUNDS,
            must_include: Iterable[str] = (), sent_at_ms: int | None = None,
            before_write=None) -> int | None:
    """Write the event's file from the table; returns its number of lines
    (None when the file already covered every write up to ``sent_at_ms``,
    the newest stream record of the batch, and nothing was read or written).

    ``must_include``: the employee IDs whose registration asked for this
    rebuild. When another rebuild wins the race and its file already holds
    them, our work is done -- under a burst most losers stop there instead of
    racing again. ``before_write`` (tests) runs between reading the table and
    the write.
    """
    wanted = {str(e) for e in must_include}
    bucket = settings.current().require("event_bucket")
    key = key or log_key(event_id)
    for round_no in range(1, rounds + 1):
        etag, snapshot_at = current_version(bucket, key)  # first: see the module docstring
        if (round_no == 1 and sent_at_ms is not None and snapshot_at is not None
                and snapshot_at > sent_at_ms + CLOCK_SKEW_MARGIN_MS):
            logs.record("registration_log_covered", eventId=event_id)
            return None
        read_began_ms = int(time.time() * 1000)
        rows = store.registrations(event_id)
        body = render(rows)
        # A single-part SSE-S3 object's ETag is the MD5 of its bytes.
        if etag and etag.strip('"') == hashlib.md5(body, usedforsecurity=False).hexdigest():
            return len(rows)                      # already up to date
        if before_write:
            before_write()
        kwargs: dict[str, Any] = {
            "Bucket": bucket, "Key": key, "Body": body,
            "ContentType": "text/plain; charset=utf-8", "ServerSideEncryption": "AES256",
            "Metadata": {SNAPSHOT_META: str(read_began_ms)},
        }
        if etag:
            kwargs["IfMatch"] = etag
        else:
            kwargs["IfNoneMatch"] = "*"
        try:
            _s3().put_object(**kwargs)
        except Exception as exc:
            if not _is_conflict(exc):
                raise
            logs.record("registration_log_conflict", eventId=event_id, round=round_no)
            covered = _lines_if_covering(bucket, key, wanted) if wanted else None
            if covered is not None:
                return covered
            # Full jitter: racing rebuilds spread out instead of colliding again.
            cap = min(BACKOFF_CAP_SECONDS, 0.05 * 2 ** round_no)
            time.sleep(secrets.randbelow(1000) / 1000 * cap)
            continue
        logs.record("registration_log_written", eventId=event_id, lines=len(rows),
                    round=round_no)
        return len(rows)
    raise LogContention(f"{bucket}/{key}")
