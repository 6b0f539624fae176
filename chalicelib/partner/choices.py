"""What a partner can answer, per kind of request: the one table.

The wire format stays the contract's three decisions (``accept|reject|propose``,
what SendTaskSuccess carries and the customer's notification reads); the kind of
request (its intent) decides which of them the page offers and in what words:

| intent               | accept        | reject             | propose                  |
|----------------------|---------------|--------------------|--------------------------|
| ChangeReservation    | 변경할게요    | 변경할 수 없어요   | 다른 시간 제안           |
| ReportTrouble        | 처리할게요    | 처리할 수 없어요   | 방문 시간 제안           |
| RequestAddOnService  | 준비할게요    | 준비할 수 없어요   | (not offered)            |
| anything else        | 수락할게요    | 거절할게요         | 다른 시간 제안           |

Why: a trouble report (a leak, no hot water) is not "rejected"; the partner
fixes it, says it cannot, or says when someone comes. An add-on (towels, a late
check-out) goes with the booking as it is, so it is a yes or a no: "another time"
would change the booking, and the customer's notification for ``propose`` says
exactly that. A form that posts a decision its request does not offer is refused
like any other bad input (`chalicelib.partner.forms.validate`).

Words follow the glossary in `chalicelib.wording`.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCEPT, REJECT, PROPOSE = "accept", "reject", "propose"
DECISIONS = (ACCEPT, REJECT, PROPOSE)


@dataclass(frozen=True)
class Choice:
    decision: str
    button: str    # the choice as the partner sees it first
    ask: str       # the in-page question before anything is sent
    confirm: str   # the button that sends it
    answered: str  # how the answer is named afterwards ("전달한 응답: ...")


def _accept(button: str, ask: str, confirm: str) -> Choice:
    return Choice(ACCEPT, button, ask, confirm, button)


def _reject(button: str, ask: str, confirm: str) -> Choice:
    return Choice(REJECT, button, ask, confirm, button)


def _propose(button: str, ask: str, confirm: str) -> Choice:
    return Choice(PROPOSE, button, ask, confirm, button)


CHOICES: dict[str, tuple[Choice, ...]] = {
    "ChangeReservation": (
        _accept("변경할게요", "고객이 요청한 대로 예약을 변경할까요?", "네, 변경할게요"),
        _reject("변경할 수 없어요", "변경할 수 없다고 고객에게 알릴까요?", "네, 변경할 수 없어요"),
        _propose("다른 시간 제안", "제안할 시간", "이 시간으로 제안할게요"),
    ),
    "ReportTrouble": (
        _accept("처리할게요", "바로 처리하겠다고 고객에게 알릴까요?", "네, 처리할게요"),
        _reject("처리할 수 없어요", "처리할 수 없다고 고객에게 알릴까요?", "네, 처리할 수 없어요"),
        _propose("방문 시간 제안", "방문할 시간", "이 시간에 방문할게요"),
    ),
    "RequestAddOnService": (
        _accept("준비할게요", "요청한 서비스를 준비하겠다고 고객에게 알릴까요?", "네, 준비할게요"),
        _reject("준비할 수 없어요", "준비할 수 없다고 고객에게 알릴까요?", "네, 준비할 수 없어요"),
    ),
}
OTHER: tuple[Choice, ...] = (
    _accept("수락할게요", "고객의 요청을 수락할까요?", "네, 수락할게요"),
    _reject("거절할게요", "정말 거절할까요?", "네, 거절할게요"),
    _propose("다른 시간 제안", "제안할 시간", "이 시간으로 제안할게요"),
)


def for_intent(intent: str | None) -> tuple[Choice, ...]:
    """The choices a request of this intent offers, in page order."""
    return CHOICES.get(intent or "", OTHER)


def offered(intent: str | None) -> tuple[str, ...]:
    return tuple(choice.decision for choice in for_intent(intent))


def named(intent: str | None, decision: str | None) -> str:
    """The words for an answer given (``처리할게요``), whatever the intent offers now."""
    for choice in (*for_intent(intent), *OTHER):
        if choice.decision == decision:
            return choice.answered
    return str(decision or "-")
