"""The Korean template: always available, deterministic, short (SMS length)."""

from __future__ import annotations

from dataclasses import replace

from chalicelib import korean
from chalicelib.notify.base import Notifier, ProviderError
from chalicelib.notify.case import ACCEPTED, PROPOSED, REJECTED, Case

DEFAULT_PARTNER = "제휴점"
# Passes every output check by construction (tested).
LAST_RESORT = "요청하신 건의 처리 결과가 나왔어요. 자세한 내용은 다시 문의해 주세요."


class TemplateNotifier(Notifier):
    source = "template"

    def compose(self, case: Case) -> str:
        """Never fails: a partner name the checks refuse (Latin letters, a
        dot) is replaced by the generic word for the partner, and should even
        that be refused, the customer still gets the plain last resort."""
        try:
            return super().compose(case)
        except ProviderError:
            pass
        try:
            return super().compose(replace(case, partner_name=DEFAULT_PARTNER))
        except ProviderError:
            return LAST_RESORT

    def _compose(self, case: Case) -> str:
        partner = case.partner_name or DEFAULT_PARTNER
        label = case.intent_label
        subject = f"{label}{korean.object_particle(label)}"
        if case.kind == ACCEPTED:
            return f"{partner}에서 {subject} 수락했어요. 요청하신 대로 진행돼요."
        if case.kind == REJECTED:
            return (f"죄송해요. {partner}에서 {subject} 받아들이기 어렵다고 해요. "
                    "필요하시면 다시 문의해 주세요.")
        if case.kind == PROPOSED:
            when = korean.format_time(case.alternative_time)
            if when:
                return (f"{partner}에서 {when}{korean.direction_particle(when)} "
                        "다른 시간을 제안했어요. 괜찮으시면 다시 문의해 주세요.")
            return f"{partner}에서 다른 시간을 제안했어요. 원하시는 시간을 다시 문의해 주세요."
        return (f"죄송해요. {partner}의 답을 제시간에 받지 못했어요. "
                "잠시 후 다시 문의해 주세요.")
