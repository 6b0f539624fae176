"""Invisible characters removed from what a customer writes, at intake.

Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the
direction marks (U+200E, U+200F, U+061C) and zero-width characters (U+200B-
U+200D, U+2060-U+2064, U+FEFF, U+180E) show nothing themselves but reorder or
hide what is around them: a right-to-left override makes "…예약 취소 RS1"
read differently on the partner page, the dashboard or in a spreadsheet than
it was stored. None of them belongs in a Korean chat message. Where text is
shown it is also isolated (``<bdi dir="auto">``), so even text stored before
this cleaning cannot reorder its surroundings.
"""

from __future__ import annotations

import re

INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    return INVISIBLE.sub("", text)
