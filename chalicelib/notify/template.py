"""The Korean template: always available, deterministic, short (SMS length)."""

from __future__ import annotations

from dataclasses import replace

from chalicelib import korean
from chalicelib.nlu import catalogue
from chalicelib.notify.base import Notifier, ProviderError
from chalicelib.notify.case import ACCEPTED, PROPOSED, REJECTED, Case

DEFAULT_PARTNER = "제휴점"
# Passes every output check by construction (tested).
LAST_RESORT = "요청하신 건의 처리 결과가 나왔어요. 자세한 내용은 다시 문의해 주세요."
_DECISIONS = {ACCEPTED: catalogue.ACCEPT, REJECTED: catalogue.REJECT, PROPOSED: catalogue.PROPOSE}


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
        """The kind's own sentence for the decision, from the catalogue
        (chalicelib/nlu/catalogue.py): a trouble report is "처리해 드린다고
        해요", not "수락했어요"."""
        partner = case.partner_name or DEFAULT_PARTNER
        decision = _DECISIONS.get(case.kind)
        if decision is None:
            return (f"죄송해요. {partner}의 답을 제시간에 받지 못했어요. "
                    "잠시 후 다시 문의해 주세요.")
        words = catalogue.outcome(case.intent, decision)
        if decision != catalogue.PROPOSE:
            return words.message.format(partner=partner)
        when = korean.format_time(case.alternative_time)
        if not when:
            # A time that cannot be read is never echoed.
            return words.untimed.format(partner=partner)
        return words.message.format(partner=partner, when=when,
                                    when_to=when + korean.direction_particle(when))
