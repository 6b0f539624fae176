"""The request record's atomic transitions, against the emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import request_store as store
from chalicelib import secrets

pytestmark = pytest.mark.stack


def _new():
    rid = store.new_request_id()
    store.create(rid, intent="ChangeReservation", reservation_number="RS2025110301",
                 customer_phone="+821012345678", text="날짜 변경")
    return rid


def test_ids_are_128_bit_and_unique():
    ids = {store.new_request_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 22 for i in ids)


def test_create_then_public_view(stack_env):
    rid = _new()
    item = store.get(rid)
    view = store.public_view(item)
    assert view["status"] == "Created"
    assert [e["type"] for e in view["events"]] == ["Created"]
    assert "customerPhone" not in view and "text" not in view


def test_transition_sets_status_and_appends_event_together(stack_env):
    rid = _new()
    after = store.transition(rid, status=store.SMS_SENT, event_type="SMS Sent",
                             expect_status=[store.CREATED])
    assert after["status"] == "SMS Sent"
    assert [e["type"] for e in after["events"]] == ["Created", "SMS Sent"]
    assert store.transition(rid, status=store.FAILED, expect_status=[store.CREATED]) is None
    assert store.get(rid)["status"] == "SMS Sent"


def test_unknown_request_is_none(stack_env):
    assert store.get("nope") is None
    assert store.transition("does-not-exist", status=store.FAILED) is None
    assert store.get("x" * 100) is None


def test_one_winner_among_racing_transitions(stack_env):
    rid = _new()
    store.transition(rid, status=store.SMS_SENT, expect_status=[store.CREATED])

    def claim(i):
        return store.transition(rid, status=store.RESPONDED, event_type="Responded",
                                fields={"partnerDecision": f"d{i}"},
                                expect_status=[store.SMS_SENT])

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(claim, range(30)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    final = store.get(rid)
    assert [e["type"] for e in final["events"]].count("Responded") == 1
    assert final["partnerDecision"] == winners[0]["partnerDecision"]


def test_listing_is_newest_first_and_limited(stack_env):
    first, second = _new(), _new()
    listed = [r["requestId"] for r in store.list_recent(limit=500)]
    assert listed.index(second) < listed.index(first)
    assert len(store.list_recent(limit=1)) == 1


def test_secrets_come_from_ssm_when_only_a_parameter_is_named(stack_env, monkeypatch):
    import boto3

    boto3.client("ssm").put_parameter(Name="/partnerline/test/ADMIN_TOKEN", Value="s3cr3t",
                                      Type="SecureString", Overwrite=True)
    monkeypatch.delenv("ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("ADMIN_TOKEN_PARAM", "/partnerline/test/ADMIN_TOKEN")
    secrets.reset()
    assert secrets.get("ADMIN_TOKEN") == "s3cr3t"
    monkeypatch.delenv("ADMIN_TOKEN_PARAM")
    with pytest.raises(secrets.MissingSecret):
        secrets.get("ADMIN_TOKEN")
