"""Personal data leaves when its retention period is over (chalicelib/retention/),
against the emulator, with the app's clock moved (tests/insights_support.py's
``Frozen``), never by waiting.

The session's table is shared: every test here lives on days long before any
other test's requests (1980s), so a sweep at "that day + the period" can only
reach this file's own requests; each test leaves none of its own behind in
the sweep's index (what stays open is ended and erased before it returns).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta

import pytest

from chalicelib import clock, lifecycle, retention, table
from chalicelib.korean import KST
from chalicelib.lifecycle.operations import PERSONAL_FIELDS
from tests.insights_support import Frozen, seed
from tests.operators_support import bearer

pytestmark = pytest.mark.stack

PERSONAL = ("customerPhone", "text", "partnerName", "partnerPhone", "reservation",
            "notification", "alternativeTime", "closeNote", "sessionId", "customerTokenHash")


@pytest.fixture
def frozen(monkeypatch, stack_env, configure):
    configure(PERSONAL_DATA_RETENTION_DAYS="1")
    return Frozen().install(monkeypatch)


def stats(client, days: int) -> dict:
    response = client.http.get(f"/api/admin/stats?days={days}", headers=bearer("admin"))
    assert response.status_code == 200, response.body.decode()
    return json.loads(response.body)


def raw(request_id: str) -> dict:
    return table.get(f"REQ#{request_id}", "REQ")


def test_ended_requests_lose_personal_data_after_the_period_and_keep_their_statistics(
        client, frozen):
    start = datetime(1989, 3, 6, 10, 0, tzinfo=KST)
    accepted = seed(frozen, start, "accept", answered_after=40)
    proposed = seed(frozen, start + timedelta(minutes=1), "propose", answered_after=70)
    timed_out = seed(frozen, start + timedelta(minutes=2), "timeout")
    waiting = seed(frozen, start + timedelta(minutes=3), "sent")
    # The customer's message, an operator's note: personal data beyond the phones.
    frozen.at(start + timedelta(minutes=20))
    assert lifecycle.notify(proposed, "바다뷰 펜션에서 12월 24일 16:00을 제안했어요.", "template")
    assert lifecycle.close(timed_out, "운영자", "고객 010-1234-5678에게 전화로 안내했어요")
    ended = {accepted, proposed, timed_out}
    frozen.at(start + timedelta(days=2))
    before = stats(client, 7)
    assert before["responseSeconds"]["count"] == 2

    # Nothing before the period: a day after the first of them was created,
    # every one changed later than that.
    frozen.at(start + timedelta(days=1))
    early = retention.sweep()
    assert early["requests"]["erased"] == 0
    assert all(raw(r).get("customerPhone") == "+821012345678" and raw(r)["customerTokenHash"]
               for r in ended | {waiting})
    # The first answered (45 s in) is due a day after that answer, the rest later.
    frozen.at(start + timedelta(days=1, seconds=45))
    assert retention.sweep()["requests"]["erased"] == 1
    assert "customerPhone" not in raw(accepted) and raw(proposed)["customerPhone"]

    frozen.at(start + timedelta(days=2))
    done = retention.sweep()
    assert done["requests"] == {"erased": 2, "open": 1, "changed": 0, "more": False}
    for request_id in ended:
        item = raw(request_id)
        assert not set(PERSONAL) & set(item), item
        assert "personalData" not in item and item["personalDataErasedAt"]
        assert item["requestId"] == request_id and item["intent"] == "ChangeReservation"
        assert item["createdAt"] and item["status"] in lifecycle.rules.ENDED
        assert all(set(e) <= {"type", "at", "decision", "reason", "source", "audience",
                              "operator"} for e in item["events"])
        assert "010-1234-5678" not in json.dumps(item, ensure_ascii=False)
    assert raw(proposed)["partnerDecision"] == "propose"
    assert raw(timed_out)["closedBy"] == "운영자"
    # The open request keeps everything, however old.
    assert raw(waiting)["customerPhone"] == "+821012345678" and raw(waiting)["text"]

    # The charts count the erased requests as before: outcomes and answer times.
    after = stats(client, 7)
    assert after["outcomesPerDay"] == before["outcomesPerDay"]
    assert after["responseSeconds"] == before["responseSeconds"]
    # The operators' list still shows them, without the data.
    listed = lifecycle.get(accepted)
    assert listed and listed["status"] == lifecycle.RESPONDED

    # Again: nothing more to do (erased requests left the index).
    assert retention.sweep()["requests"] == {"erased": 0, "open": 1, "changed": 0,
                                             "more": False}
    # Once the open one ends, it is erased in its turn (and not before).
    frozen.at(start + timedelta(days=3))
    assert lifecycle.requests().mark_timeout(waiting)
    assert retention.sweep()["requests"]["erased"] == 0
    frozen.at(start + timedelta(days=4, minutes=1))
    assert retention.sweep()["requests"]["erased"] == 1
    assert "customerPhone" not in raw(waiting)


def test_each_run_is_bounded_and_the_next_goes_on(frozen):
    start = datetime(1987, 5, 1, 9, 0, tzinfo=KST)
    # Older than all of them, still waiting: they never take an erasure's place.
    waiting = [seed(frozen, start - timedelta(hours=1, minutes=n), "sent") for n in range(3)]
    ids = [seed(frozen, start + timedelta(minutes=n), "failed") for n in range(5)]
    frozen.at(start + timedelta(days=3))
    runs = [retention.requests.erase_due(limit=2) for _ in range(4)]
    assert [len(r.erased) for r in runs] == [2, 2, 1, 0]
    assert [r.more for r in runs] == [True, True, False, False]
    assert runs[0].open == 3
    # Oldest first, each once.
    assert [i for r in runs for i in r.erased] == ids
    for request_id in waiting:   # leave nothing of this test in the index
        assert lifecycle.requests().mark_timeout(request_id)
    frozen.at(start + timedelta(days=5))
    assert sorted(retention.requests.erase_due().erased) == sorted(waiting)


def test_runs_at_once_erase_each_request_exactly_once(frozen):
    start = datetime(1985, 7, 1, 9, 0, tzinfo=KST)
    ids = {seed(frozen, start + timedelta(seconds=n), "failed") for n in range(12)}
    frozen.at(start + timedelta(days=2))
    results: list[list[str]] = []
    barrier = threading.Barrier(4)

    def run():
        barrier.wait()
        results.append(retention.requests.erase_due().erased)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    erased = [i for r in results for i in r]
    assert sorted(erased) == sorted(ids)          # every one, none twice
    assert all("customerPhone" not in raw(i) for i in ids)


def test_a_request_that_changed_after_it_was_read_is_left_for_the_next_run(frozen):
    start = datetime(1983, 2, 1, 9, 0, tzinfo=KST)
    request_id = seed(frozen, start, "accept", answered_after=10)
    frozen.at(start + timedelta(days=2))
    item = raw(request_id)
    assert lifecycle.customer_reply(request_id, accept=True).done is False  # not a proposal
    assert lifecycle.close(request_id, "운영자", "확인했어요")   # changes updatedAt
    assert not lifecycle.requests().erase_personal_data(request_id, item["updatedAt"], item)
    assert raw(request_id)["closeNote"] == "확인했어요"
    frozen.at(start + timedelta(days=4))
    assert retention.requests.erase_due().erased == [request_id]


def test_an_operators_note_written_after_the_erasure_is_erased_in_turn(frozen):
    """Closing (or answering late) an erased request writes free text again:
    the request holds personal data again, and a period later it goes too."""
    start = datetime(1981, 6, 1, 9, 0, tzinfo=KST)
    closed = seed(frozen, start, "accept", answered_after=10)
    late = seed(frozen, start, "timeout")
    frozen.at(start + timedelta(days=2))
    assert sorted(retention.requests.erase_due().erased) == sorted([closed, late])
    frozen.at(start + timedelta(days=3))
    assert lifecycle.close(closed, "운영자", "고객 010-1234-5678에게 전화했어요")
    assert lifecycle.requests().operator_answer_late(
        late, "propose", "2026-12-24T18:30:00+09:00", clock.iso(), "운영자", "전화로 받았어요")
    assert retention.requests.erase_due().erased == []      # not before its period
    assert raw(closed)["closeNote"] and raw(late)["alternativeTime"]
    frozen.at(start + timedelta(days=5))
    assert sorted(retention.requests.erase_due().erased) == sorted([closed, late])
    for request_id in (closed, late):
        item = raw(request_id)
        assert not set(PERSONAL_FIELDS) & set(item)
        assert all("note" not in e for e in item["events"])
        assert "note" not in item.get("operatorAnswer", {})


def test_erasure_by_hand_for_a_data_subjects_request(frozen):
    start = datetime(1982, 4, 1, 9, 0, tzinfo=KST)
    done = seed(frozen, start, "reject", answered_after=10)
    waiting = seed(frozen, start, "sent")
    assert retention.requests.erase_now(done) == "erased"     # whatever its age
    assert not set(PERSONAL_FIELDS) & set(raw(done))
    assert retention.requests.erase_now(done) == "already"
    assert retention.requests.erase_now(waiting) == "open"
    assert raw(waiting)["customerPhone"]
    assert retention.requests.erase_now("no-such-request") == "missing"
    lifecycle.requests().mark_timeout(waiting)
    assert retention.requests.erase_now(waiting) == "erased"


def test_the_scheduled_function_runs_the_sweep(app_module, frozen, log_lines):
    from chalice.test import Client

    start = datetime(1981, 1, 1, 9, 0, tzinfo=KST)
    request_id = seed(frozen, start, "failed")
    frozen.at(start + timedelta(days=2))
    with Client(app_module.app, stage_name="local") as c:
        c.lambda_.invoke("erase_personal_data",
                         c.events.generate_cw_event(source="aws.events",
                                                    detail_type="Scheduled Event",
                                                    detail={}, resources=[]))
    assert "customerPhone" not in raw(request_id)
    assert any('"retention_sweep"' in line for line in log_lines)
    assert clock.now() == start + timedelta(days=2)


# -- registrations' phones and the log file ------------------------------------------

def register(event_id: str, n: int):
    from chalicelib.registration import store

    return store.register_employee(event_id, f"{40000000 + n}", f"+8210{n:08d}",
                                   f"contact-{n}")


def erase_phones():
    """The sweep's registrations part alone: the full sweep at these moments
    (years from now) would reach every other test's requests too."""
    return retention.registrations.erase_due()


@pytest.fixture
def log_stream(app_module):
    """The table's stream delivered to the app's own handle_registration_log,
    as Lambda's mapping would, from this moment on."""
    import boto3

    from devstack.dispatcher import StreamPoller, stream_subscriptions

    (sub,) = stream_subscriptions(app_module.app, app_module)
    poller = StreamPoller(sub, boto3.client("dynamodbstreams"), lambda line: None)
    poller.start()
    return poller


def test_phones_leave_the_registrations_and_the_log_after_the_event(
        event_id, configure, monkeypatch, log_stream):
    from chalicelib.registration import event_log, store

    regs = [register(event_id, n) for n in range(3)]
    while log_stream.poll_once():     # the registrations' own rebuilds
        pass
    assert all(r.phone in event_log.read() for r in regs)
    closes = clock.now() + timedelta(hours=1)
    configure(EVENT_CLOSES_AT=closes.astimezone(KST).isoformat(), EVENT_RETENTION_DAYS="30")
    frozen = Frozen().install(monkeypatch)

    frozen.at(closes + timedelta(days=30) - timedelta(seconds=1))
    early = erase_phones()
    assert early.erased == [] and early.due_at == clock.iso(closes + timedelta(days=30))
    assert all(row.get("phone") for row in store.registrations(event_id))

    frozen.at(closes + timedelta(days=30))
    assert sorted(erase_phones().erased) == sorted(r.employee_id for r in regs)
    rows = store.registrations(event_id)
    assert [r.get("phone") for r in rows] == [None] * 3
    assert sorted(r["lotteryNumber"] for r in rows) == sorted(r.lottery_number for r in regs)
    assert erase_phones().erased == []     # nothing twice

    # The erasures' writes reach the stream, which rebuilds the log from the
    # table: the same lines, no phone.
    delivered = log_stream.delivered
    while log_stream.poll_once():
        pass
    assert log_stream.delivered - delivered == 3 and log_stream.skipped == 0
    lines = event_log.read().splitlines()
    ordered = sorted(regs, key=lambda r: (r.registered_at, r.employee_id))
    assert lines == [f"{r.registered_at},,{r.contact_id},{r.employee_id}" for r in ordered]


def test_without_a_closing_moment_the_latest_draw_closes_the_event(event_id, configure,
                                                                   monkeypatch):
    from chalicelib import registration
    from chalicelib.registration import store

    configure(EVENT_CLOSES_AT=None, EVENT_RETENTION_DAYS="7")
    register(event_id, 1)
    frozen = Frozen().install(monkeypatch)
    frozen.at(clock.now().replace(year=2040))   # years later, still no draw: open
    assert erase_phones().closed_at is None
    assert store.registrations(event_id)[0]["phone"]

    drawn = datetime(2041, 1, 10, 18, 0, tzinfo=KST)
    frozen.at(drawn)
    registration.draw(event_id, 1, "운영자")
    frozen.at(drawn + timedelta(days=7) - timedelta(seconds=1))
    assert erase_phones().erased == []
    frozen.at(drawn + timedelta(days=7))
    done = erase_phones()
    assert len(done.erased) == 1 and done.closed_at == clock.iso(drawn)
    assert "phone" not in store.registrations(event_id)[0]


def test_make_erase_by_phone_takes_a_customers_requests_and_registrations(
        event_id, monkeypatch, capsys):
    from chalicelib.registration import store
    from scripts import erase

    customer = "+8210" + f"{int.from_bytes(os.urandom(3), 'big') % 10**8:08d}"
    frozen = Frozen().install(monkeypatch)
    start = datetime(1979, 6, 1, 9, 0, tzinfo=KST)
    frozen.at(start)
    done, waiting = (lifecycle.new_request_id() for _ in range(2))
    for request_id in (done, waiting):
        lifecycle.create(request_id, intent="ChangeReservation", reservation_number="RS1",
                         customer_phone=customer, text="체크인을 늦출 수 있을까요?",
                         partnerName="바다뷰 펜션", partnerPhone="+821098765432")
    assert lifecycle.fail(done, "partner_unreachable")
    mine = store.register_employee(event_id, "45000001", customer, "contact-x")
    other = register(event_id, 7)

    assert erase.main(["--phone", customer[:3].replace("+82", "0") + customer[3:]]) == 1
    said = capsys.readouterr().out
    assert "요청 2건" in said and "등록 1건" in said and customer not in said
    assert "customerPhone" not in raw(done) and raw(waiting)["customerPhone"] == customer
    phones = {r["employeeId"]: r.get("phone") for r in store.registrations(event_id)}
    assert phones == {mine.employee_id: None, other.employee_id: other.phone}

    assert lifecycle.requests().mark_timeout(waiting)
    assert erase.main(["--request", waiting]) == 0
    assert "지웠습니다" in capsys.readouterr().out
    assert "customerPhone" not in raw(waiting)
    assert erase.main(["--request", waiting]) == 0
    assert "이미 지워져" in capsys.readouterr().out
    assert erase.main(["--phone", "12"]) == 2
