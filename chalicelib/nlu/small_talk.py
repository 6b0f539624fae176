"""Messages that are not a request at all: a greeting, a thank-you.

Lex (and the local classifier built from the same bot) answers these with
``FallbackIntent``, as the contract says it must; the chat should still answer
a greeting with a greeting and examples rather than "not understood". Only a
message that is *nothing but* small talk counts: "안녕하세요, 에어컨이 안 돼요"
is a request and goes to the classifier as usual.
"""

from __future__ import annotations

import re

GREETING = "greeting"
THANKS = "thanks"

_GREETINGS = frozenset({
    "안녕", "안녕하세요", "안녕하십니까", "안뇽", "하이", "헬로", "반가워요", "반갑습니다",
    "여보세요", "저기요", "계세요", "계신가요", "실례합니다", "좋은아침", "좋은아침이에요",
    "hi", "hello", "hey", "ㅎㅇ", "ㅎㅇㅎㅇ",
})
_THANKS = frozenset({
    "감사합니다", "감사해요", "고마워요", "고맙습니다", "땡큐", "thanks", "thankyou", "ㄱㅅ",
    "ㄳ", "감사",
})
# Spaces, punctuation, emoticons and laughter carry no meaning here.
_NOISE = re.compile(r"[\s!?.,~^♡♥:;'\"()\-]+|ㅋ+|ㅎㅎ+|ㅠ+|ㅜ+")
MAX_CHARS = 20


def kind(text: str) -> str | None:
    """``GREETING``, ``THANKS`` or None (a message that may be a request)."""
    if len(text) > MAX_CHARS:
        return None
    bare = _NOISE.sub("", text.strip().lower())
    if bare in _GREETINGS or bare.rstrip("요") in _GREETINGS:
        return GREETING
    if bare in _THANKS:
        return THANKS
    return None
