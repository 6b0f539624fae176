"""The erasure change on the in-memory store (the same conditional semantics
as DynamoDB's, tests/integration/test_retention.py for the table) and the
retention settings."""

from __future__ import annotations

import pytest

from chalicelib import lifecycle, settings
from chalicelib.lifecycle import MemoryStore
from chalicelib.lifecycle.operations import KEPT_EVENT_FIELDS, PERSONAL_FIELDS


def _request(reqs: lifecycle.Requests) -> str:
    request_id = lifecycle.new_request_id()
    reqs.create(request_id, intent="ChangeReservation", reservation_number="RS2025110301",
                customer_phone="+821012345678", text="체크인을 늦출 수 있을까요?",
                partnerId="P001", partnerName="바다뷰 펜션", partnerPhone="+821098765432",
                reservation={"customerName": "김민수", "serviceName": "오션뷰 2박"},
                sessionId="s-1")
    return request_id


def test_a_new_request_is_held_and_erasure_keeps_what_the_statistics_read():
    with lifecycle.using(MemoryStore()) as reqs:
        request_id = _request(reqs)
        assert reqs.get(request_id)["personalData"] == "held"
        assert reqs.fail(request_id, "partner_unreachable")
        reqs.close(request_id, "운영자", "고객에게 010-1234-5678로 전화했어요")
        item = reqs.get(request_id)
        assert reqs.erase_personal_data(request_id, item["updatedAt"], item)
        after = reqs.get(request_id)
        assert not set(PERSONAL_FIELDS) & set(after)
        assert "personalData" not in after and after["personalDataErasedAt"]
        for kept in ("requestId", "status", "intent", "createdAt", "gsi1sk", "partnerId",
                     "reservationNumber", "closedAt", "closedBy"):
            assert after[kept] == item[kept]
        assert [e["type"] for e in after["events"]] == [e["type"] for e in item["events"]]
        assert all(set(e) <= set(KEPT_EVENT_FIELDS) for e in after["events"])
        assert "010-1234-5678" not in repr(after)
        # Once: nothing is held any more.
        assert not reqs.erase_personal_data(request_id, after["updatedAt"], after)


def test_erasure_refuses_an_open_request_or_one_changed_since_it_was_read():
    with lifecycle.using(MemoryStore()) as reqs:
        waiting = _request(reqs)
        item = reqs.get(waiting)
        assert not reqs.erase_personal_data(waiting, item["updatedAt"], item)
        assert reqs.get(waiting)["customerPhone"] == "+821012345678"
        ended = _request(reqs)
        assert reqs.fail(ended, "x")
        stale = reqs.get(ended)
        reqs.close(ended, "운영자", "메모")
        assert not reqs.erase_personal_data(ended, "2000-01-01T00:00:00.000Z", stale)
        assert reqs.get(ended)["closeNote"] == "메모"


def test_an_operators_answer_keeps_who_and_when_but_not_the_note():
    with lifecycle.using(MemoryStore()) as reqs:
        request_id = _request(reqs)
        assert reqs.claim_link(request_id, "task-1").taken
        assert reqs.mark_sent(request_id, "task-1")
        assert reqs.operator_answer(request_id, "accept", None, "2026-01-01T00:00:00.000Z",
                                    "운영자", "김민수 님과 통화했어요")
        item = reqs.get(request_id)
        assert reqs.erase_personal_data(request_id, item["updatedAt"], item)
        answer = reqs.get(request_id)["operatorAnswer"]
        assert answer == {"operator": "운영자", "at": "2026-01-01T00:00:00.000Z", "late": False}


@pytest.mark.parametrize(("env", "problem"), [
    ({"PERSONAL_DATA_RETENTION_DAYS": "0"}, "PERSONAL_DATA_RETENTION_DAYS='0'"),
    ({"EVENT_RETENTION_DAYS": "30d"}, "EVENT_RETENTION_DAYS='30d'"),
    ({"EVENT_CLOSES_AT": "2026-12-31 18:00"}, "with its offset"),
    ({"EVENT_CLOSES_AT": "tomorrow"}, "EVENT_CLOSES_AT='tomorrow'"),
])
def test_bad_retention_settings_are_refused(env, problem):
    with pytest.raises(settings.SettingsError, match=problem):
        settings.Settings.from_environ({"STAGE": "local", **env})


def test_retention_defaults_and_choices():
    default = settings.Settings.from_environ({"STAGE": "local"})
    assert (default.personal_data_retention_days, default.event_retention_days,
            default.event_closes_at) == (90, 30, "")
    chosen = settings.Settings.from_environ({
        "STAGE": "local", "PERSONAL_DATA_RETENTION_DAYS": "30", "EVENT_RETENTION_DAYS": "7",
        "EVENT_CLOSES_AT": "2026-12-31T18:00:00+09:00"})
    assert (chosen.personal_data_retention_days, chosen.event_retention_days,
            chosen.event_closes_at) == (30, 7, "2026-12-31T18:00:00+09:00")
