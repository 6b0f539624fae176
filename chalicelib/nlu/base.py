"""What every NLU backend answers, and the part they share: the reservation
number is taken from the slot when the backend filled it, otherwise found by
the contract's pattern anywhere in the text, and always canonicalised."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import reservations
from chalicelib.nlu import catalogue

FALLBACK = catalogue.FALLBACK
# The intents are the catalogue's (chalicelib/nlu/catalogue.py); a unit test
# holds it equal to the bot's in lex/.
INTENTS = catalogue.NAMES
SLOT = "ReservationNumber"


@dataclass(frozen=True)
class Classification:
    intent: str
    reservation_number: str | None
    confidence: float

    @property
    def understood(self) -> bool:
        return self.intent != FALLBACK


class NluUnavailable(Exception):
    """The backend could not answer (timeout, throttling, access, endpoint)."""


class Backend:
    """A backend interprets; this base turns its answer into a Classification."""

    name = "base"

    def interpret(self, text: str, session_id: str) -> tuple[str, str | None, float]:
        """-> (intent name, raw slot value or None, confidence 0..1)."""
        raise NotImplementedError

    def classify(self, text: str, session_id: str) -> Classification:
        intent, slot_value, confidence = self.interpret(text, session_id)
        if intent not in INTENTS:
            intent = FALLBACK
        number = (reservations.canonical_number(slot_value) if slot_value else None) \
            or reservations.find_number(text)
        return Classification(intent, number, round(float(confidence), 4))
