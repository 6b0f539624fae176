"""Structured logs (one JSON object per line) and CloudWatch metrics in the
embedded metric format.

Guards live here rather than at every call site: a field whose name says it
holds a phone number is masked, and a field whose name says it holds a token
or a secret is refused outright, so a careless call cannot leak either.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

from chalicelib import phone

_PHONE_FIELDS = re.compile(r"phone", re.IGNORECASE)
_SECRET_FIELDS = re.compile(r"token|secret|signature|key$|password", re.IGNORECASE)
# A phone number that slipped into free text is masked too; a digit run inside
# a longer word (a contact id's UUID) is left alone.
_PHONE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\+?\d[\d\-]{8,14}\d(?![0-9A-Za-z])")
# Credentials that ride in text: a query parameter whose name says it holds
# one (``?token=``, ``&access_token=``, ``X-Amz-Signature=``, ``api_key=``...),
# an ``Authorization``-style value, a partner link's ``/r/<token>``. Whatever
# route or query string a request came with, its log line keeps the name and
# loses the value.
_SECRET_PARAM = re.compile(
    r"(?i)((?:^|[?&;\s])[\w.\-]*(?:token|secret|signature|password|passwd|pwd|auth"
    r"|authorization|api[_\-]?key|apikey|key|credential|sig|session|jwt|otp)=)"
    r"[^&;\s\"'#]+")
_SCHEME_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic|token)(\s+|%20)[A-Za-z0-9._~+/=\-]{6,}")
_LINK_TOKEN = re.compile(r"(/r/)[^\s?\"'/#]+")
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    """``text`` with every credential-looking value replaced by ``[redacted]``."""
    text = _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SCHEME_CREDENTIAL.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return _LINK_TOKEN.sub(r"\1" + REDACTED, text)



class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is now (Lambda and test captures swap it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


logger = logging.getLogger("partnerline")
if not logger.handlers:
    _handler = _StdoutHandler()
    _handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _clean(name: str, value: Any) -> Any:
    if _SECRET_FIELDS.search(name):
        return REDACTED
    if _PHONE_FIELDS.search(name):
        return phone.mask(str(value)) if value else value
    if isinstance(value, str):
        return _PHONE_IN_TEXT.sub(lambda m: phone.mask(m.group(0)), redact_text(value))
    if isinstance(value, dict):
        return {k: _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(name, v) for v in value]
    return value


def record(event: str, level: int = logging.INFO, *,
           metric: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """Log one structured line; returns what was written (for tests).
    ``metric`` (from `metric_doc`) makes the same line a CloudWatch embedded
    metric too: one line per call instead of two (the root of an EMF document
    may carry any other members, which stay plain log fields)."""
    line = {"event": event, "level": logging.getLevelName(level)}
    line.update({k: _clean(k, v) for k, v in fields.items()})
    if metric:
        line.update(metric)
    logger.log(level, json.dumps(line, ensure_ascii=False, default=str))
    return line


def metric_doc(name: str, value: float = 1, unit: str = "Count",
               namespace: str = "Partnerline", **dimensions: str) -> dict[str, Any]:
    """One metric in CloudWatch's embedded metric format (its members)."""
    doc: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [sorted(dimensions)],
                "Metrics": [{"Name": name, "Unit": unit}],
            }],
        },
        name: value,
    }
    doc.update(dimensions)
    return doc


def metric(name: str, value: float = 1, unit: str = "Count",
           namespace: str = "Partnerline", **dimensions: str) -> dict[str, Any]:
    """Emit one metric in CloudWatch's embedded metric format, on a line of its own."""
    doc = metric_doc(name, value, unit, namespace, **dimensions)
    logger.info(json.dumps(doc, ensure_ascii=False))
    return doc
