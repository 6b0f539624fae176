"""What any message must look like before a customer sees it.

A model's output is untrusted: it may echo the customer's text, follow an
injected instruction, answer in English or run long. Rather than trying to
spot bad intent, the message's *shape* is checked; anything outside it is
refused and the template speaks instead.
"""

from __future__ import annotations

import re

MAX_CHARS = 200
MIN_HANGUL = 8
MIN_HANGUL_SHARE = 0.8  # of the letters (Hangul syllables + Latin letters)

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_URL = re.compile(r"https?:|www\.|://|[A-Za-z0-9-]+\.[A-Za-z]{2,}", re.IGNORECASE)
_EMAIL = re.compile(r"\S@\S")
# Seven or more digits in a row, however grouped: a phone number, an account
# or a reservation number -- none belongs in this message.
_DIGIT_RUN = re.compile(r"\d(?:[\s\-.()]*\d){6,}")
_MARKUP = re.compile(r"[`*#_<>\[\]{}|\\~^$]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Polite endings: ...요 / ...니다 / ...세요, before closing punctuation.
_POLITE_END = re.compile(r"(요|니다|세요)[.!?。…)\s]*$")
_QUOTES = "\"'“”‘’「」『』"


class UnsafeMessage(ValueError):
    """The message failed a check; ``reason`` says which (for logs and metrics)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalize(text: str) -> str:
    """One line, single spaces, without the quotes a model likes to add."""
    flat = " ".join(text.split())
    while len(flat) >= 2 and flat[0] in _QUOTES and flat[-1] in _QUOTES:
        flat = flat[1:-1].strip()
    return flat


def check(text: object) -> str:
    """The normalized message, or :class:`UnsafeMessage`."""
    if not isinstance(text, str):
        raise UnsafeMessage("not_text")
    if _CONTROL.search(text):
        raise UnsafeMessage("control_characters")
    message = normalize(text)
    if not message:
        raise UnsafeMessage("empty")
    if len(message) > MAX_CHARS:
        raise UnsafeMessage("too_long")
    if _URL.search(message) or _EMAIL.search(message):
        raise UnsafeMessage("link")
    if _DIGIT_RUN.search(message):
        raise UnsafeMessage("number")
    if _MARKUP.search(message):
        raise UnsafeMessage("markup")
    hangul = len(_HANGUL.findall(message))
    latin = len(_LATIN.findall(message))
    if hangul < MIN_HANGUL or hangul < MIN_HANGUL_SHARE * (hangul + latin):
        raise UnsafeMessage("not_korean")
    if not _POLITE_END.search(message):
        raise UnsafeMessage("not_polite")
    return message
