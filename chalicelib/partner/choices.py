"""What a partner can answer, per kind of request: read from the one table of
intents (`chalicelib.nlu.catalogue`).

The wire format stays the contract's three decisions (``accept|reject|propose``,
what SendTaskSuccess carries and the customer's notification reads); every
kind of request offers all three (CONTRACT section 3), in its own words
(``처리할게요``, ``처리할 수 없어요``, ``방문 시간 제안`` for a trouble report). A form
that posts a decision its request does not offer is still refused like any
other bad input (`chalicelib.partner.forms.validate`).
"""

from __future__ import annotations

from chalicelib.nlu import catalogue
from chalicelib.nlu.catalogue import ACCEPT, DECISIONS, PROPOSE, REJECT, Choice

__all__ = ["ACCEPT", "CHOICES", "DECISIONS", "OTHER", "PROPOSE", "REJECT", "Choice",
           "for_intent", "named", "offered"]

CHOICES: dict[str, tuple[Choice, ...]] = {
    intent.name: intent.choices for intent in catalogue.INTENTS}
OTHER: tuple[Choice, ...] = catalogue.OTHER.choices


def for_intent(intent: str | None) -> tuple[Choice, ...]:
    """The choices a request of this intent offers, in page order."""
    return catalogue.get(intent).choices


def offered(intent: str | None) -> tuple[str, ...]:
    return tuple(choice.decision for choice in for_intent(intent))


def named(intent: str | None, decision: str | None) -> str:
    """The words for an answer given (``처리할게요``), whatever the intent offers now."""
    for choice in (*for_intent(intent), *OTHER):
        if choice.decision == decision:
            return choice.answered
    return str(decision or "-")
