"""The one table of intents: everything a kind of request says to a person.

Per intent: its name (as in the bot, ``lex/``, which stays the one source of
sample utterances), its Korean labels, the partner's three choices with their
words, what the customer is told for each decision (the template's sentence,
the hint the Bedrock prompt gets, the chat's progress step) and the examples
the chat shows. Python reads it here; the pages read the same table from
``web/assets/intents.js``, generated from it (``python -m scripts.generate_intents``;
``--check`` and a unit test fail when the file is stale). A unit test fails
when an intent lacks any of it, or when the bot and this table disagree on
which intents exist.

Every kind offers the contract's three decisions (CONTRACT section 3:
accept, reject, propose another time) in its own words, because a trouble
report is not "accepted" (the partner fixes it, or cannot, or says when
someone comes) and an add-on is prepared (or cannot be), never "accepted".

Templates take ``{partner}`` (the partner's name), and for a proposal
``{when}`` (``12월 25일(금) 오후 3시``) or ``{when_to}`` (the same with
으로/로). Words follow the glossary in `chalicelib.wording`; short for SMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from chalicelib import korean

ACCEPT, REJECT, PROPOSE = "accept", "reject", "propose"
DECISIONS = (ACCEPT, REJECT, PROPOSE)
FALLBACK = "FallbackIntent"
CHANGE_RESERVATION, REPORT_TROUBLE, REQUEST_ADD_ON_SERVICE = (
    "ChangeReservation", "ReportTrouble", "RequestAddOnService")
# The reservation number the chat's examples show (a sample, not a real one).
EXAMPLE_NUMBER = "RS-2025110301"


@dataclass(frozen=True)
class Choice:
    """One of the partner's three choices on ``/r/{token}``."""

    decision: str
    button: str    # the choice as the partner sees it first
    ask: str       # the in-page question before sending (for propose: the time's label)
    confirm: str   # the button that sends it

    @property
    def answered(self) -> str:
        """How the answer is named afterwards ("전달한 응답: ...")."""
        return self.button


@dataclass(frozen=True)
class Outcome:
    """What the customer is told when the partner chose one decision."""

    step: str      # the chat's progress step ("처리 예정")
    message: str   # the template's sentence
    hint: str      # the Bedrock prompt's 결과 line (read by the model, not a person)
    # A proposal whose time cannot be read (never echoed): what is said instead.
    # Only ``propose`` needs one.
    untimed: str = ""


@dataclass(frozen=True)
class Intent:
    name: str
    label: str          # short: lists, the partner's page, the dashboard ("트러블 신고")
    long_label: str     # as the subject of a sentence ("예약 변경 요청")
    choices: tuple[Choice, Choice, Choice]   # accept, reject, propose: page order
    outcomes: Mapping[str, Outcome]          # by decision
    examples: tuple[str, ...]                # what the chat shows as an example

    def choice(self, decision: str | None) -> Choice | None:
        return next((c for c in self.choices if c.decision == decision), None)


def _intent(name: str, label: str, long_label: str, choices: tuple[Choice, Choice, Choice],
            outcomes: dict[str, Outcome], examples: tuple[str, ...]) -> Intent:
    return Intent(name, label, long_label, choices, MappingProxyType(outcomes), examples)


_UNTIMED_END = "원하시는 시간을 적어 다시 문의해 주세요."
# A proposal sits above the chat's one-tap buttons (이 시간으로 할게요 / 이 시간은
# 어려워요): the sentence asks for that answer, never "다시 문의해 주세요".
_ASK_TIME = "이 시간이 괜찮은지 알려 주세요."

INTENTS: tuple[Intent, ...] = (
    _intent(
        CHANGE_RESERVATION, "예약 변경", "예약 변경 요청",
        (Choice(ACCEPT, "변경할게요", "고객이 요청한 대로 예약을 변경할까요?", "네, 변경할게요"),
         Choice(REJECT, "변경할 수 없어요", "변경할 수 없다고 고객에게 알릴까요?",
                "네, 변경할 수 없어요"),
         Choice(PROPOSE, "다른 시간 제안", "제안할 시간", "이 시간으로 제안할게요")),
        {
            ACCEPT: Outcome(
                "변경 확정",
                "{partner}에서 요청하신 대로 예약을 변경하기로 했어요.",
                "제휴점이 고객이 요청한 대로 예약을 변경하기로 함"),
            REJECT: Outcome(
                "변경 불가",
                "죄송해요. {partner}에서 예약을 변경할 수 없다고 해요. "
                "필요하시면 다시 문의해 주세요.",
                "제휴점이 예약을 변경할 수 없다고 함"),
            PROPOSE: Outcome(
                "다른 시간 제안",
                "{partner}에서 {when_to} 변경할 수 있다고 해요. " + _ASK_TIME,
                "제휴점이 요청과 다른 시간으로 변경할 수 있다고 제안함",
                "{partner}에서 다른 시간을 제안했어요. " + _UNTIMED_END),
        },
        ("체크인 날짜를 바꾸고 싶어요",),
    ),
    _intent(
        REPORT_TROUBLE, "트러블 신고", "트러블 신고",
        (Choice(ACCEPT, "처리할게요", "바로 처리하겠다고 고객에게 알릴까요?", "네, 처리할게요"),
         Choice(REJECT, "처리할 수 없어요", "처리할 수 없다고 고객에게 알릴까요?",
                "네, 처리할 수 없어요"),
         Choice(PROPOSE, "방문 시간 제안", "방문할 시간", "이 시간에 방문할게요")),
        {
            ACCEPT: Outcome(
                "처리 예정",
                "{partner}에서 신고하신 문제를 바로 처리해 드린다고 해요.",
                "제휴점이 신고된 문제를 바로 처리하겠다고 함"),
            REJECT: Outcome(
                "처리 불가",
                "죄송해요. {partner}에서 신고하신 문제를 처리할 수 없다고 해요. "
                "필요하시면 다시 문의해 주세요.",
                "제휴점이 신고된 문제를 처리할 수 없다고 함"),
            PROPOSE: Outcome(
                "방문 시간 제안",
                "{partner}에서 {when}에 방문해 처리할 수 있다고 해요. " + _ASK_TIME,
                "제휴점이 신고된 문제를 처리하러 방문할 시간을 제안함",
                "{partner}에서 다른 방문 시간을 제안했어요. " + _UNTIMED_END),
        },
        ("방에 물이 새요",),
    ),
    _intent(
        REQUEST_ADD_ON_SERVICE, "부가 서비스 요청", "부가 서비스 요청",
        (Choice(ACCEPT, "준비할게요", "요청한 서비스를 준비하겠다고 고객에게 알릴까요?",
                "네, 준비할게요"),
         Choice(REJECT, "준비할 수 없어요", "준비할 수 없다고 고객에게 알릴까요?",
                "네, 준비할 수 없어요"),
         Choice(PROPOSE, "가능한 시간 제안", "준비할 수 있는 시간", "이 시간에 준비할게요")),
        {
            ACCEPT: Outcome(
                "준비 예정",
                "{partner}에서 요청하신 서비스를 준비해 드린다고 해요.",
                "제휴점이 고객이 요청한 부가 서비스를 준비하겠다고 함"),
            REJECT: Outcome(
                "준비 불가",
                "죄송해요. {partner}에서 요청하신 서비스를 준비할 수 없다고 해요. "
                "필요하시면 다시 문의해 주세요.",
                "제휴점이 요청한 부가 서비스를 준비할 수 없다고 함"),
            PROPOSE: Outcome(
                "가능한 시간 제안",
                "{partner}에서 요청하신 서비스를 {when}에 준비할 수 있다고 해요. " + _ASK_TIME,
                "제휴점이 부가 서비스를 준비할 수 있는 시간을 제안함",
                "{partner}에서 서비스를 준비할 수 있는 시간을 따로 알려 왔어요. " + _UNTIMED_END),
        },
        ("수건을 더 받고 싶어요",),
    ),
)

# A request whose intent is none of the above (a record older than this table,
# an unknown value): neutral words, never an error.
OTHER = _intent(
    FALLBACK, "기타", "문의",
    (Choice(ACCEPT, "수락할게요", "고객의 요청을 수락할까요?", "네, 수락할게요"),
     Choice(REJECT, "거절할게요", "정말 거절할까요?", "네, 거절할게요"),
     Choice(PROPOSE, "다른 시간 제안", "제안할 시간", "이 시간으로 제안할게요")),
    {
        ACCEPT: Outcome("제휴점 수락", "{partner}에서 요청을 받아들였어요. 요청하신 대로 진행돼요.",
                        "제휴점이 고객의 요청을 받아들임"),
        REJECT: Outcome("제휴점 거절",
                        "죄송해요. {partner}에서 요청을 받기 어렵다고 해요. "
                        "필요하시면 다시 문의해 주세요.",
                        "제휴점이 고객의 요청을 받기 어렵다고 함"),
        PROPOSE: Outcome("다른 시간 제안",
                         "{partner}에서 {when_to} 다른 시간을 제안했어요. " + _ASK_TIME,
                         "제휴점이 다른 시간을 제안함",
                         "{partner}에서 다른 시간을 제안했어요. " + _UNTIMED_END),
    },
    (),
)

# The decisions by their plain names, where no kind applies (the dashboard's
# export and timeline).
DECISION_LABELS = MappingProxyType({ACCEPT: "수락", REJECT: "거절", PROPOSE: "다른 시간 제안"})

BY_NAME: Mapping[str, Intent] = MappingProxyType({i.name: i for i in INTENTS})
NAMES: tuple[str, ...] = tuple(BY_NAME)


def get(name: str | None) -> Intent:
    """The intent's entry; OTHER for anything not in the table."""
    return BY_NAME.get(name or "", OTHER)


def outcome(name: str | None, decision: str) -> Outcome:
    return get(name).outcomes[decision]


def examples() -> tuple[str, ...]:
    """Every intent's examples, each with the sample reservation number."""
    return tuple(f"{EXAMPLE_NUMBER} {text}" for intent in INTENTS for text in intent.examples)


def labels_sentence() -> str:
    """``예약 변경, 트러블 신고, 부가 서비스 요청``: what the chat can do."""
    return ", ".join(intent.label for intent in INTENTS)


def offer() -> str:
    """``예약 변경, 트러블 신고, 부가 서비스 요청을``: the same as an object."""
    text = labels_sentence()
    return text + korean.object_particle(text)


def missing(intent: Intent) -> list[str]:
    """Every field an entry lacks (empty, or a decision without its words);
    the unit tests require none."""
    gaps = [f.name for f in fields(intent) if not getattr(intent, f.name)]
    if tuple(c.decision for c in intent.choices) != DECISIONS:
        gaps.append("choices: accept, reject, propose")
    for choice in intent.choices:
        gaps += [f"{choice.decision}.{f.name}" for f in fields(choice)
                 if not getattr(choice, f.name)]
    for decision in DECISIONS:
        found = intent.outcomes.get(decision)
        if found is None:
            gaps.append(f"outcomes.{decision}")
            continue
        gaps += [f"outcomes.{decision}.{f.name}" for f in fields(found)
                 if not getattr(found, f.name) and (f.name != "untimed" or decision == PROPOSE)]
    return gaps


def for_pages() -> dict[str, Any]:
    """What the pages need, as JSON (``web/assets/intents.js``): labels,
    choices, progress steps and examples; not the template or the hints."""
    def entry(intent: Intent) -> dict[str, Any]:
        return {
            "label": intent.label,
            "choices": {c.decision: c.button for c in intent.choices},
            "steps": {d: intent.outcomes[d].step for d in DECISIONS},
            "examples": [f"{EXAMPLE_NUMBER} {text}" for text in intent.examples],
        }
    return {
        "intents": {intent.name: entry(intent) for intent in INTENTS},
        "other": entry(OTHER),
        "decisions": dict(DECISION_LABELS),
        "offer": offer(),
    }
