"""Requests and registrations at chosen moments, for the tests of the
dashboard's charts: the app's clock (``chalicelib.clock``) is stopped at each
moment while the lifecycle's own operations (or the registration's) write."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib import clock, lifecycle
from chalicelib.korean import KST
from tests.requests_support import customer_token_fields

PROPOSED = "2026-12-24T16:00:00+09:00"
OUTCOMES = ("accept", "reject", "propose", "timeout", "failed", "waiting")


class Frozen:
    """``clock.now`` answers ``moment`` while installed (``monkeypatch``)."""

    def __init__(self) -> None:
        self.moment = datetime(2001, 1, 1, tzinfo=KST)

    def at(self, moment: datetime) -> None:
        self.moment = moment

    def install(self, monkeypatch) -> Frozen:
        monkeypatch.setattr(clock, "now", lambda: self.moment)
        return self


def seed(frozen: Frozen, created: datetime, outcome: str, sent_after: float = 5,
         answered_after: float | None = None) -> str:
    """One request through the lifecycle's operations, each at its moment:
    created at ``created``; the SMS ``sent_after`` s later; the answer
    ``answered_after`` s after the SMS. ``outcome``: waiting (no SMS), sent,
    failed, timeout, accept/reject/propose (the 제휴점's own answer), operator
    (an operator's accept, taken by phone)."""
    frozen.at(created)
    request_id = lifecycle.new_request_id()
    lifecycle.create(request_id, intent="ChangeReservation", reservation_number="RS2025110301",
                     customer_phone="+821012345678", text="체크인을 늦출 수 있을까요?",
                     partnerId="P001", partnerName="바다뷰 펜션", partnerPhone="+821098765432",
                     **customer_token_fields(request_id))
    if outcome == "waiting":
        return request_id
    if outcome == "failed":
        assert lifecycle.fail(request_id, "partner_unreachable")
        return request_id
    frozen.at(created + timedelta(seconds=sent_after))
    token = "task-" + request_id
    assert lifecycle.claim_link(request_id, token).taken
    assert lifecycle.mark_sent(request_id, token)
    if outcome == "sent":
        return request_id
    if outcome == "timeout":
        frozen.at(created + timedelta(seconds=sent_after + 300))
        assert lifecycle.mark_timeout(request_id)
        return request_id
    assert answered_after is not None
    frozen.at(created + timedelta(seconds=sent_after + answered_after))
    if outcome == "operator":
        assert lifecycle.operator_answer(request_id, "accept", None, clock.iso(), "운영자",
                                         "전화로 수락을 받았어요")
    else:
        assert lifecycle.record_answer(request_id, outcome,
                                       PROPOSED if outcome == "propose" else None, clock.iso())
    return request_id
