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
        return "[redacted]"
    if _PHONE_FIELDS.search(name):
        return phone.mask(str(value)) if value else value
    if isinstance(value, str):
        return _PHONE_IN_TEXT.sub(lambda m: phone.mask(m.group(0)), value)
    return value


def record(event: str, level: int = logging.INFO, **fields: Any) -> dict[str, Any]:
    """Log one structured line; returns what was written (for tests)."""
    line = {"event": event, "level": logging.getLevelName(level)}
    line.update({k: _clean(k, v) for k, v in fields.items()})
    logger.log(level, json.dumps(line, ensure_ascii=False, default=str))
    return line


def metric(name: str, value: float = 1, unit: str = "Count",
           namespace: str = "Partnerline", **dimensions: str) -> dict[str, Any]:
    """Emit one metric in CloudWatch's embedded metric format."""
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
    logger.info(json.dumps(doc, ensure_ascii=False))
    return doc
