"""Small pieces of Korean, shared by the pages and the notifier: times in KST
and the particles that follow a word."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

# Korea has no daylight saving time: a fixed offset needs no tz database.
KST = timezone(timedelta(hours=9), "KST")
_WEEKDAYS = "월화수목금토일"


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 with or without an offset; a time without one is Korean time
    (what a ``datetime-local`` field on a Korean partner's phone sends)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    return moment.astimezone(KST)


def format_time(value: str, now: datetime | None = None) -> str | None:
    """``2026-12-25T06:30:00Z`` -> ``12월 25일(금) 오후 3시 30분``; the year
    only when it is not this year. None when the value is not a time."""
    moment = parse_time(value)
    if moment is None:
        return None
    now = (now or datetime.now(UTC)).astimezone(KST)
    day = f"{moment.month}월 {moment.day}일({_WEEKDAYS[moment.weekday()]})"
    if moment.year != now.year:
        day = f"{moment.year}년 {day}"
    half = "오전" if moment.hour < 12 else "오후"
    hour = moment.hour % 12 or 12
    clock = f"{half} {hour}시" + (f" {moment.minute}분" if moment.minute else "")
    return f"{day} {clock}"


def _final_consonant(word: str) -> int | None:
    """Index of the last syllable's final consonant (0 = none); None if the
    word does not end in a Hangul syllable."""
    if not word:
        return None
    code = ord(word[-1]) - 0xAC00
    if not 0 <= code < 11172:
        return None
    return code % 28


def object_particle(word: str) -> str:
    """을/를."""
    final = _final_consonant(word)
    return "을" if final else "를"


def direction_particle(word: str) -> str:
    """으로/로 (ㄹ takes 로)."""
    final = _final_consonant(word)
    return "으로" if final and final != 8 else "로"
