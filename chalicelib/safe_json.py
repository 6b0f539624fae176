"""JSON from strangers: bounded before it is parsed.

``json.loads`` recurses once per nesting level (a 50,000-deep body is a
RecursionError, i.e. a 500 or a poisoned queue batch), reads any size, and
accepts ``"\\ud800"``: a lone surrogate that no UTF-8 encoder -- DynamoDB's
included -- will take, so the write fails only later, after retries. Here
the size and depth are checked on the text first (one pass, no recursion),
then the parsed value is checked for text that cannot be stored.
"""

from __future__ import annotations

import json
from typing import Any

# An API body: the chat's text is at most 1,000 characters (3 KB in UTF-8).
MAX_BYTES = 16 * 1024
MAX_DEPTH = 16

TOO_LARGE = "요청 본문이 너무 커요."
TOO_DEEP = "요청 본문의 구조가 너무 깊어요."
NOT_UTF8 = "요청 본문은 UTF-8 JSON이어야 해요."
NOT_JSON = "요청 본문은 JSON 형식이어야 해요."
BAD_TEXT = "요청 본문에 쓸 수 없는 문자가 있어요."


class Rejected(ValueError):
    """Not acceptable JSON; ``message`` is the Korean reason for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def depth(text: str) -> int:
    """The deepest nesting of arrays/objects in ``text``, strings skipped."""
    deepest = level = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            level += 1
            deepest = max(deepest, level)
        elif ch in "]}":
            level -= 1
    return deepest


def _storable(value: Any) -> bool:
    """No lone surrogates anywhere (iterative: the depth is bounded anyway)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes | str | None, *, max_bytes: int = MAX_BYTES,
          max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``raw`` or raise :class:`Rejected`; never RecursionError."""
    if raw is None:
        raise Rejected(NOT_JSON)
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise Rejected(TOO_LARGE)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(NOT_UTF8) from None
    if depth(text) > max_depth:
        raise Rejected(TOO_DEEP)
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise Rejected(NOT_JSON) from None
    if not _storable(value):
        raise Rejected(BAD_TEXT)
    return value
