"""Which keyed IDs are employees: the leading-zeros rule and the optional roster.

Leading zeros (setting ``EMPLOYEE_ID_LEADING_ZEROS``):
- ``significant`` (the default): the ID is the digits as keyed, so ``4321``
  and ``04321`` are two IDs -- right where HR issues IDs such as ``0042`` and
  ``42`` to different people, and the log line then matches HR's spelling.
- ``ignored``: IDs that differ only in leading zeros are one employee, stored
  in one spelling: the roster's when there is one, else the digits without
  their leading zeros, padded back to the shortest valid ID (``00004321`` ->
  ``4321``, ``00000042`` -> ``0042``).

The roster (setting ``EMPLOYEE_ROSTER_KEY``: a CSV object in the event
bucket; empty = no roster): one employee ID in the first column of each line
(a header line, or any line whose first field is not 4-8 digits, is skipped).
With a roster, an ID not on it is refused before anything is written.

Read once per container and kept ``EMPLOYEE_ROSTER_TTL_SECONDS`` (default
300), then re-checked with ``If-None-Match`` (an unchanged roster costs a 304,
no download): a warm call adds no AWS call. When the roster cannot be read
(missing object, no permission, S3 slow) the roster read before stays in
force; with none read yet, registration goes on without it (fail open, logged
as an error, tried again after 30 s): an unreadable roster must not
stop the whole company from registering; operators reconcile with the roster.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field

from chalicelib import aws, logs, settings

SIGNIFICANT = "significant"
IGNORED = "ignored"
_ID = re.compile(r"[0-9]{4,8}")
# After a failed read, the next try waits this long (not once per call).
RETRY_AFTER_FAILURE_SECONDS = 30.0


def leading_zeros() -> str:
    return settings.current().employee_id_leading_zeros


def canonical(employee_id: str) -> str:
    """The one spelling an ID is stored under (given the leading-zeros rule)."""
    if leading_zeros() == SIGNIFICANT:
        return employee_id
    return employee_id.lstrip("0").rjust(4, "0")


@dataclass
class _Cached:
    key: str = ""
    ids: dict[str, str] | None = None   # canonical -> the roster's spelling
    etag: str | None = None
    checked_at: float = float("-inf")
    failed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _Cached()


def reset() -> None:
    """Forget the cached roster (tests)."""
    global _cache
    _cache = _Cached()


def parse(text: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for line in text.splitlines():
        first = line.split(",", 1)[0].strip().strip('"').strip()
        if _ID.fullmatch(first):
            ids.setdefault(canonical(first), first)
    return ids


def _load(key: str) -> dict[str, str] | None:
    """The roster, read at most once per TTL per container; None = no roster
    in force (none configured, or unreadable just now)."""
    now = time.monotonic()
    ttl = RETRY_AFTER_FAILURE_SECONDS if _cache.failed else float(
        settings.current().employee_roster_ttl_seconds)
    if _cache.key == key and now - _cache.checked_at < ttl:
        return _cache.ids
    with _cache.lock:
        if _cache.key == key and time.monotonic() - _cache.checked_at < ttl:
            return _cache.ids
        if _cache.key != key:
            _cache.ids, _cache.etag = None, None
        _cache.key = key
        kwargs = {"Bucket": settings.current().require("event_bucket"), "Key": key}
        if _cache.etag and _cache.ids is not None:
            kwargs["IfNoneMatch"] = _cache.etag
        try:
            # caller_once: one short try (at most 1.5 s) -- a caller is waiting.
            obj = aws.client("s3", "caller_once").get_object(**kwargs)
            _cache.ids = parse(obj["Body"].read().decode("utf-8-sig", "replace"))
            _cache.etag = obj.get("ETag")
            _cache.failed = False
        except Exception as exc:  # noqa: BLE001 - see the module's docstring
            if aws.error_code(exc) in ("304", "NotModified"):
                _cache.failed = False  # unchanged: keep what we have
            else:
                _cache.failed = True
                # A roster read before stays in force; without one, none is.
                logs.record("employee_roster_unavailable", level=logging.ERROR,
                            roster=key, kept=_cache.ids is not None, error=repr(exc)[:200])
        _cache.checked_at = time.monotonic()
        return _cache.ids


def known(employee_id: str) -> str | None:
    """The ID as it is stored (canonical, the roster's spelling when there is
    a roster); None when a roster is in force and the ID is not on it."""
    spelled = canonical(employee_id)
    key = settings.current().employee_roster_key
    if not key:
        return spelled
    ids = _load(key)
    if ids is None:
        return spelled
    return ids.get(spelled)
