"""What every NLU backend answers, and the part they share: the reservation
number is taken from the slot when the backend filled it, otherwise found by
the contract's pattern anywhere in the text, and always canonicalised."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import reservations
from chalicelib.nlu import catalogue

FALLBACK = catalogue.FALLBACK
CHANGE_RESERVATION = catalogue.CHANGE_RESERVATION
REPORT_TROUBLE = catalogue.REPORT_TROUBLE
REQUEST_ADD_ON_SERVICE = catalogue.REQUEST_ADD_ON_SERVICE
# The intents are the catalogue's (chalicelib/nlu/catalogue.py); a unit test
# holds it equal to the bot's in lex/.
INTENTS = catalogue.NAMES
# Intents of the bot that are not requests: their sample utterances teach the
# classifier (Lex, and the local one built from lex/) what small talk and
# questions about something else look like, so they are not taken for a
# request. The API answers FallbackIntent for both (contract); ``topic`` says
# which, so the chat can answer "상담원 연결" with the operators' line.
OUT_OF_DOMAIN = "OutOfDomain"
CONTACT_OPERATOR = "ContactOperator"
NOT_REQUESTS = (OUT_OF_DOMAIN, CONTACT_OPERATOR)
SLOT = "ReservationNumber"


@dataclass(frozen=True)
class Classification:
    intent: str
    reservation_number: str | None
    confidence: float
    # For FallbackIntent: which of NOT_REQUESTS the bot recognised, if any.
    topic: str | None = None

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
        topic = intent if intent in NOT_REQUESTS else None
        if intent not in INTENTS:
            intent = FALLBACK
        number = (reservations.canonical_number(slot_value) if slot_value else None) \
            or reservations.find_number(text)
        return Classification(intent, number, round(float(confidence), 4), topic)
