"""What happened to a request, in the terms a notification needs.

Built from the notify-queue message and the stored request. The message
only says which path the workflow took (answered or timeout) and names the
request; what the partner answered is read from the request alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.nlu import catalogue

ACCEPTED = "accepted"
REJECTED = "rejected"
PROPOSED = "proposed"
TIMED_OUT = "timeout"
KINDS = (ACCEPTED, REJECTED, PROPOSED, TIMED_OUT)

_DECISIONS = {"accept": ACCEPTED, "reject": REJECTED, "propose": PROPOSED}



class BadMessage(ValueError):
    """The queue message cannot be understood; retrying will not help."""


@dataclass(frozen=True)
class Case:
    request_id: str
    kind: str
    intent: str = ""
    partner_name: str = ""
    service_name: str = ""
    starts_at: str = ""
    party_size: int | None = None
    # No customer name or phone: the model does not need them to write one
    # sentence, so they are never sent to it.
    customer_text: str = ""
    alternative_time: str = ""

    @property
    def intent_label(self) -> str:
        return catalogue.get(self.intent).long_label


def parse_message(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadMessage("message is not an object")
    request_id = body.get("requestId")
    if not isinstance(request_id, str) or not request_id or len(request_id) > 64:
        raise BadMessage("requestId missing")
    if body.get("outcome") not in ("answered", "timeout"):
        raise BadMessage("outcome must be answered or timeout")
    answer = body.get("answer")
    if answer is not None and not isinstance(answer, dict):
        raise BadMessage("answer must be an object")
    return body


def _text(value: Any, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


class NotAnswered(BadMessage):
    """The message says the partner answered; the request says not."""


def from_message(body: dict[str, Any], item: dict[str, Any]) -> Case:
    """The answer comes from the request's own state, never from the message:
    anyone who can send to the queue could otherwise tell a customer
    "accepted" for a request the partner never answered."""
    decision = item.get("partnerDecision")
    alternative = item.get("alternativeTime")
    # The state machine's outcome decides. At the deadline a recorded answer
    # that never reached the workflow is taken (TakeRecordedAnswer), so its
    # message says "answered" and the answer is read from the request.
    # An operator's answer entered after the wait (``operatorAnswer.late``)
    # wins over the timeout message still in the queue: the customer hears it.
    late_answer = (item.get("operatorAnswer") or {}).get("late") is True
    if body.get("outcome") == "answered" or late_answer:
        if item.get("status") != "Responded" or decision not in _DECISIONS:
            raise NotAnswered("the request holds no partner's answer")
        kind = _DECISIONS[decision]
    else:
        kind = TIMED_OUT
    reservation = item.get("reservation") or {}
    party = reservation.get("partySize")
    return Case(
        request_id=body["requestId"],
        kind=kind,
        intent=_text(item.get("intent"), 64),
        partner_name=_text(item.get("partnerName"), 60),
        service_name=_text(reservation.get("serviceName"), 80),
        starts_at=_text(reservation.get("startsAt"), 40),
        party_size=party if isinstance(party, int) else None,
        customer_text=_text(item.get("text"), 500),
        alternative_time=_text(alternative, 40) if kind == PROPOSED else "",
    )
