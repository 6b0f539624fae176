"""The date a change request wants, as the customer wrote it.

Lex fills the ``RequestedDate`` slot (``AMAZON.Date``) of ``ChangeReservation``
(lex/); the local stage has no Lex, so the same question -- does the message
say when? -- is answered here by the patterns Korean chat messages use:
"12월 24일", "2026-12-24", "12/24", "24일", "내일", "다음 주 토요일", "주말".
The phrase is kept as written (the partner reads it on the page), never
turned into a guessed calendar date.

A change needs no date when the message already names what it changes to:
a time ("오후 5시"), a number of people ("4명"), a length ("1박 연장",
"하루 늦게"): ``has_target`` says so, and only a change with none is asked
for its date.
"""

from __future__ import annotations

import re

_DAY = "[월화수목금토일]요일"
DATE = re.compile(
    r"\d{4}\s*[-./년]\s*\d{1,2}\s*[-./월]\s*\d{1,2}\s*일?"
    r"|\d{1,2}\s*월\s*\d{1,2}\s*일"
    r"|(?<![\d.])\d{1,2}\s*/\s*\d{1,2}(?![\d/])"
    r"|(?<!박\s)(?<!박)(?<![\d])\d{1,2}\s*일(?=\s*(?:로|에|부터|까지|날|자|$|\s|[,.!?]))"
    r"|(?:이번|다음|다다음)\s*주\s*(?:" + _DAY + r"|주말)"
    r"|" + _DAY +
    r"|오늘|내일|모레|글피|이번\s*주말|주말|다음\s*주|다음\s*달|(?:이번|다음)\s*달\s*\d{1,2}\s*일"
)
# What else makes a change concrete without a date.
_OTHER_TARGET = re.compile(
    r"(?:오전|오후|아침|저녁|밤)\s*\d{0,2}|\d{1,2}\s*시|\d+\s*(?:명|인)|\d+\s*박|하루|이틀|연장|"
    r"늦게|일찍|앞당|미루|늦추")


def find_date(text: str) -> str | None:
    """The first date phrase in ``text`` as written, or None."""
    found = DATE.search(text or "")
    return " ".join(found.group(0).split()) if found else None


def has_target(text: str) -> bool:
    """Does the change request say what it changes to (a date, a time, people, length)?"""
    return bool(find_date(text) or _OTHER_TARGET.search(text or ""))
