"""Amazon Lex V2 ``RecognizeText`` (locale ``ko_KR``) for the AWS stages.

The customer waits on this call, and the contract promises an answer within
3 s even when Lex fails. The ``interactive`` client profile (1 s connect, 2 s
read, 2 attempts) can by itself take about 7 s in the worst case (two attempts
of connect + read plus the retry back-off), so the call also runs under a hard
deadline: past ``DEADLINE_SECONDS`` the customer gets ``NLU_UNAVAILABLE`` and
the abandoned call finishes (or times out) on its worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from chalicelib import aws, logs, settings
from chalicelib.nlu.base import FALLBACK, SLOT, Backend, NluUnavailable

# Leaves ~0.5 s of the 3 s promise for the DynamoDB writes around the call.
DEADLINE_SECONDS = 2.0

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lex")
    return _pool


def make_client() -> Any:
    return aws.client("lexv2-runtime", "interactive")


def slot_value(slot: dict[str, Any] | None) -> str | None:
    """A slot as RecognizeText returns it: null when unfilled, else
    ``{"value": {"originalValue", "interpretedValue", ...}}``."""
    if not isinstance(slot, dict):
        return None
    value = slot.get("value") or {}
    return value.get("interpretedValue") or value.get("originalValue")


def interpretation(response: dict[str, Any]) -> tuple[str, str | None, float]:
    """-> (intent, reservation number slot value, confidence) from a response.

    ``sessionState.intent`` is the intent Lex chose; its confidence is on the
    matching entry of ``interpretations`` (FallbackIntent carries none).
    """
    state_intent = (response.get("sessionState") or {}).get("intent") or {}
    interpretations = response.get("interpretations") or []
    name = state_intent.get("name")
    if not name and interpretations:
        name = (interpretations[0].get("intent") or {}).get("name")
    name = name or FALLBACK
    slots = state_intent.get("slots") or {}
    confidence = 0.0
    for item in interpretations:
        intent = item.get("intent") or {}
        if intent.get("name") == name:
            confidence = ((item.get("nluConfidence") or {}).get("score")) or 0.0
            slots = slots or intent.get("slots") or {}
            break
    return name, slot_value(slots.get(SLOT)), float(confidence)


class LexBackend(Backend):
    name = "lex"

    def __init__(self, client_factory: Callable[[], Any] | None = None) -> None:
        self._client_factory = client_factory or make_client

    def request(self, text: str, session_id: str) -> dict[str, Any]:
        return {
            "botId": settings.current().require("lex_bot_id"),
            "botAliasId": settings.current().require("lex_bot_alias_id"),
            "localeId": settings.current().lex_locale_id,
            "sessionId": session_id,
            "text": text,
        }

    def recognize_text(self, text: str, session_id: str) -> dict[str, Any]:
        client = self._client_factory()
        return client.recognize_text(**self.request(text, session_id))

    def interpret(self, text: str, session_id: str) -> tuple[str, str | None, float]:
        future = _executor().submit(self.recognize_text, text, session_id)
        try:
            response = future.result(timeout=DEADLINE_SECONDS)
        except FutureTimeout as exc:
            logs.record("lex_unavailable", level=30, reason="deadline",
                        seconds=DEADLINE_SECONDS)
            raise NluUnavailable("deadline") from exc
        except Exception as exc:  # noqa: BLE001 - any failure of Lex is the same 503
            logs.record("lex_unavailable", level=30, reason=aws.error_code(exc) or
                        type(exc).__name__)
            raise NluUnavailable(str(exc)[:200]) from exc
        return interpretation(response)
