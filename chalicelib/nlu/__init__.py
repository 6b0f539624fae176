"""Intent classification for the web chat, behind one interface.

``classify(text, session_id)`` answers a :class:`Classification`. The backend
is the stage's ``NLU_BACKEND``: ``lex`` (Amazon Lex V2 ``RecognizeText``, AWS
stages) or ``local`` (a classifier built from the bot's own sample utterances
in ``lex/``, for the local stage where no Lex exists). Both are created on
first use and kept for the life of the process.
"""

from __future__ import annotations

import secrets
import threading

from chalicelib import settings
from chalicelib.nlu.base import (
    CHANGE_RESERVATION,
    CONTACT_OPERATOR,
    FALLBACK,
    INTENTS,
    SLOT,
    Backend,
    Classification,
    NluUnavailable,
)

__all__ = ["CHANGE_RESERVATION", "CONTACT_OPERATOR", "FALLBACK", "INTENTS", "SLOT", "Backend",
           "Classification",
           "NluUnavailable", "backend", "classify", "reset"]

_backends: dict[str, Backend] = {}
_lock = threading.Lock()


def _create(name: str) -> Backend:
    if name == "lex":
        from chalicelib.nlu.lex import LexBackend

        return LexBackend()
    if name == "local":
        from chalicelib.nlu.local import LocalBackend

        return LocalBackend()
    raise ValueError(f"unknown NLU_BACKEND: {name}")


def backend(name: str | None = None) -> Backend:
    name = name or settings.current().nlu_backend
    found = _backends.get(name)
    if found is None:
        with _lock:
            found = _backends.get(name)
            if found is None:
                found = _backends[name] = _create(name)
    return found


def classify(text: str, session_id: str | None = None) -> Classification:
    """Raises NluUnavailable when the backend cannot answer."""
    return backend().classify(text, session_id or secrets.token_urlsafe(16))


def reset() -> None:
    """Forget created backends (tests that swap clients or settings)."""
    with _lock:
        _backends.clear()
