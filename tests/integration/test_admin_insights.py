"""GET /api/admin/stats (the dashboard's charts) and GET /api/admin/registrations
(the registrations card's list and search), through chalice.test.Client.

The session's table is shared by every test, so the stats tests freeze the
app's clock on a day long past (each test its own) and write their requests
through the lifecycle's own operations at chosen moments
(tests/insights_support.py): the days and hours they ask about hold their
requests and nothing else."""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from chalicelib import clock
from chalicelib.korean import KST
from chalicelib.operators import view as dashboard
from chalicelib.registration import store
from tests.insights_support import OUTCOMES, Frozen, seed
from tests.operators_support import bearer

pytestmark = pytest.mark.stack

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def auth():
    return bearer("admin")


def get(client, path, **params):
    query = urlencode(params)
    return client.http.get(f"{path}?{query}" if query else path, headers=auth())


def answer(client, path, **params):
    response = get(client, path, **params)
    assert response.status_code == 200, response.body.decode()
    return json.loads(response.body)


@pytest.fixture
def frozen(monkeypatch, stack_env):
    return Frozen().install(monkeypatch)


def day(kst_date, **counts):
    return {"date": kst_date, **{k: counts.get(k, 0) for k in OUTCOMES}}


# -- the charts ------------------------------------------------------------------------

def test_stats_count_outcomes_per_kst_day_and_partner_answer_times(client, frozen):
    now = datetime(2001, 5, 10, 10, 20, tzinfo=KST)
    k = lambda d, h, m=0, s=0: datetime(2001, 5, d, h, m, s, tzinfo=KST)  # noqa: E731
    # Outside the 7 days (05-04 .. 05-10 KST): the evening before they start.
    seed(frozen, k(3, 23, 59, 50), "accept", answered_after=10)
    # 05-04 KST, first minute: in (its UTC date is 05-03).
    seed(frozen, k(4, 0, 0, 5), "reject", answered_after=30)
    seed(frozen, k(6, 12), "timeout")
    seed(frozen, k(6, 13), "failed")
    seed(frozen, k(6, 14), "propose", answered_after=45)
    # 05-09 KST, last minute, and 05-10 KST, first minute (both 05-09 in UTC).
    seed(frozen, k(9, 23, 59, 30), "accept", answered_after=61)
    seed(frozen, k(10, 0, 0, 10), "accept", answered_after=150)
    seed(frozen, k(10, 8), "accept", answered_after=200)
    seed(frozen, k(10, 9), "reject", answered_after=400)
    seed(frozen, k(10, 9, 30), "accept", answered_after=10)
    seed(frozen, k(10, 9, 40), "operator", answered_after=100)  # not the 제휴점's time
    seed(frozen, k(10, 10), "sent")
    seed(frozen, k(10, 10, 10), "waiting")
    # A request made "tomorrow" (a clock ahead) is not in today's bars.
    seed(frozen, k(11, 0, 0, 1), "accept", answered_after=10)

    frozen.at(now)
    stats = answer(client, "/api/admin/stats", days="7")
    assert stats["generatedAt"] == clock.iso(now)
    assert stats["window"] == {"requests": 12, "limit": dashboard.WINDOW, "days": 7,
                               "from": "2001-05-04", "to": "2001-05-10"}
    assert stats["outcomesPerDay"] == [
        day("2001-05-04", reject=1), day("2001-05-05"),
        day("2001-05-06", timeout=1, failed=1, propose=1), day("2001-05-07"), day("2001-05-08"),
        day("2001-05-09", accept=1),
        day("2001-05-10", accept=4, reject=1, waiting=2),
    ]
    # The 제휴점's answers: 30, 45, 61, 150, 200, 400, 10 s (the operator's 100 s left out).
    assert stats["responseSeconds"] == {
        "buckets": [{"upTo": 30, "count": 2}, {"upTo": 60, "count": 1},
                    {"upTo": 120, "count": 1}, {"upTo": 180, "count": 1},
                    {"upTo": 300, "count": 1}, {"upTo": None, "count": 1}],
        "count": 7, "median": 61.0, "p90": 400.0}

    # Default: 14 days, the 05-03 request comes in.
    default = answer(client, "/api/admin/stats")
    assert default["window"]["days"] == 14 and default["window"]["from"] == "2001-04-27"
    assert len(default["outcomesPerDay"]) == 14
    assert default["outcomesPerDay"][6] == day("2001-05-03", accept=1)
    assert default["responseSeconds"]["count"] == 8


def test_stats_read_the_newest_window_with_one_projected_index_query(client, frozen, calls,
                                                                     monkeypatch):
    base = datetime(2002, 3, 1, 9, tzinfo=KST)
    for n, outcome in enumerate(["reject", "reject", "accept", "accept", "accept"]):
        seed(frozen, base + timedelta(minutes=n), outcome, answered_after=20)
    monkeypatch.setattr(dashboard, "WINDOW", 3)
    frozen.at(base + timedelta(hours=1))
    calls.clear()
    stats = answer(client, "/api/admin/stats", days="1")
    assert stats["window"]["requests"] == 3 and stats["window"]["limit"] == 3
    assert stats["outcomesPerDay"] == [day("2002-03-01", accept=3)]  # the newest three
    request_reads = [p for op, p in calls if op == "Query" and p.get("IndexName")]
    assert len(request_reads) == 1
    assert request_reads[0]["IndexName"] == "gsi1" and request_reads[0]["Limit"] == 3
    assert request_reads[0]["ScanIndexForward"] is False
    assert "ProjectionExpression" in request_reads[0]
    assert not [op for op, _ in calls if op == "Scan"]


def test_registrations_per_kst_hour_over_the_last_day(client, frozen, event_id):
    now = datetime(2003, 7, 1, 10, 20, tzinfo=KST)
    at = {"1001": datetime(2003, 6, 30, 10, 59, 59, tzinfo=KST),  # before the 24 hours
          "1002": datetime(2003, 6, 30, 11, 0, 0, tzinfo=KST),    # the first hour
          "1003": datetime(2003, 7, 1, 9, 59, 59, tzinfo=KST),
          "1004": datetime(2003, 7, 1, 10, 5, tzinfo=KST),         # this hour
          "1005": datetime(2003, 7, 1, 10, 19, tzinfo=KST),
          "1006": datetime(2003, 7, 1, 11, 5, tzinfo=KST)}         # the next hour
    for employee_id, moment in at.items():
        frozen.at(moment)
        store.register_employee(event_id, employee_id, "+821055550000", f"c-{employee_id}")
    frozen.at(now)
    stats = answer(client, "/api/admin/stats")
    hours = stats["registrationsPerHour"]
    assert len(hours) == 24
    assert hours[0] == {"hour": "2003-06-30T11:00+09:00", "count": 1}
    assert hours[-2] == {"hour": "2003-07-01T09:00+09:00", "count": 1}
    assert hours[-1] == {"hour": "2003-07-01T10:00+09:00", "count": 2}
    assert sum(h["count"] for h in hours) == 4
    assert stats["registrations"] == 6


def test_empty_stats_have_every_day_and_hour_at_zero(client, frozen, event_id):
    frozen.at(datetime(1999, 1, 5, 12, tzinfo=KST))
    stats = answer(client, "/api/admin/stats", days="3")
    assert [d["date"] for d in stats["outcomesPerDay"]] == ["1999-01-03", "1999-01-04",
                                                            "1999-01-05"]
    assert all(v == 0 for d in stats["outcomesPerDay"] for k, v in d.items() if k != "date")
    assert stats["responseSeconds"]["count"] == 0
    assert stats["responseSeconds"]["median"] is None and stats["responseSeconds"]["p90"] is None
    assert {h["count"] for h in stats["registrationsPerHour"]} == {0}
    assert stats["registrations"] == 0


@pytest.mark.parametrize("days", ["0", "32", "abc", "-1", "7.5", "１"])
def test_a_bad_day_count_is_a_korean_400_before_anything_is_read(client, calls, days):
    calls.clear()
    response = get(client, "/api/admin/stats", days=days)
    assert response.status_code == 400
    body = json.loads(response.body)
    assert body["code"] == "BAD_REQUEST" and HANGUL.search(body["message"])
    assert calls == []


# -- the registrations card ----------------------------------------------------------

SHARED_PHONE = "+821012345678"


@pytest.fixture
def registered(event_id, stack_env):
    """Seven registrations of a fresh event: employee ID -> lottery number."""
    phones = {"1001": SHARED_PHONE, "1002": "+821022223333", "1010": "+821033334444",
              "1100": SHARED_PHONE, "2001": "+821044445555", "2002": "+821055556666",
              "30001": "+821066667777"}
    return {emp: store.register_employee(event_id, emp, ph, f"contact-{emp}").lottery_number
            for emp, ph in phones.items()}


def rows(body):
    return [r["employeeId"] for r in body["registrations"]]


def test_registrations_page_through_without_duplicates_or_gaps(client, registered):
    seen, pages, cursor = [], [], None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        body = answer(client, "/api/admin/registrations", **params)
        assert body["count"] == 7 and body["draws"] == [] and body["limit"] == 3
        pages.append(rows(body))
        seen += rows(body)
        cursor = body["next"]
        if not cursor or len(pages) > 5:
            break
    assert pages == [["1001", "1002", "1010"], ["1100", "2001", "2002"], ["30001"]]
    assert sorted(seen) == sorted(registered)
    first = answer(client, "/api/admin/registrations", limit="7")
    assert first["next"] is None and len(first["registrations"]) == 7
    row = first["registrations"][0]
    assert row == {"employeeId": "1001", "lotteryNumber": registered["1001"],
                   "phone": "010-****-5678", "registeredAt": row["registeredAt"]}
    assert row["registeredAt"].endswith("Z")


def test_search_by_employee_id_prefix_pages_within_the_prefix(client, registered):
    first = answer(client, "/api/admin/registrations", q="10", limit="2")
    assert rows(first) == ["1001", "1002"] and first["next"]
    second = answer(client, "/api/admin/registrations", q="10", limit="2", cursor=first["next"])
    assert rows(second) == ["1010"] and second["next"] is None
    assert rows(answer(client, "/api/admin/registrations", q="30001")) == ["30001"]
    assert rows(answer(client, "/api/admin/registrations", q="9")) == []


def test_search_by_lottery_number_in_any_case(client, registered, calls):
    number = registered["2001"]
    for spelled in (number, number.lower(), f" {number} "):
        calls.clear()
        body = answer(client, "/api/admin/registrations", q=spelled)
        assert rows(body) == ["2001"] and body["next"] is None, spelled
        gets = [p for op, p in calls if op == "GetItem"]
        assert [p["Key"]["sk"]["S"] for p in gets] == [f"LOT#{number[1:]}", "EMP#2001"]
    taken = set(registered.values())
    free = next(f"L{n:04d}" for n in range(10_000) if f"L{n:04d}" not in taken)
    assert rows(answer(client, "/api/admin/registrations", q=free)) == []


def test_search_by_phone_in_any_form_shows_it_masked(client, registered):
    for spelled in ("010-1234-5678", SHARED_PHONE, "01012345678", "+82 10 1234 5678"):
        response = get(client, "/api/admin/registrations", q=spelled)
        assert response.status_code == 200
        assert SHARED_PHONE not in response.body.decode()
        body = json.loads(response.body)
        assert rows(body) == ["1001", "1100"], spelled
        assert {r["phone"] for r in body["registrations"]} == {"010-****-5678"}
    first = answer(client, "/api/admin/registrations", q="010-1234-5678", limit="1")
    assert rows(first) == ["1001"] and first["next"]
    second = answer(client, "/api/admin/registrations", q="010-1234-5678", limit="1",
                    cursor=first["next"])
    assert rows(second) == ["1100"] and second["next"] is None
    assert rows(answer(client, "/api/admin/registrations", q="010-9999-0000")) == []


def test_the_list_reads_only_the_events_partition(client, registered, calls):
    calls.clear()
    answer(client, "/api/admin/registrations", q="010-1234-5678")
    queries = [p for op, p in calls if op == "Query"]
    assert queries and not [op for op, _ in calls if op == "Scan"]
    assert all(not p.get("IndexName") for p in queries)
    assert {p["ExpressionAttributeValues"][":pk"]["S"] for p in queries} == {
        store.event_pk(os.environ["EVENT_ID"])}


@pytest.mark.parametrize("params", [
    {"q": "abc"}, {"q": "L12345"}, {"q": "123456789"}, {"q": "1" * 40}, {"q": "L12a4"},
    {"limit": "0"}, {"limit": "101"}, {"limit": "x"},
])
def test_bad_search_or_limit_is_a_korean_400_before_anything_is_read(client, calls, params,
                                                                     event_id):
    calls.clear()
    response = get(client, "/api/admin/registrations", **params)
    assert response.status_code == 400
    body = json.loads(response.body)
    assert body["code"] == "BAD_REQUEST" and HANGUL.search(body["message"])
    assert calls == []


def _cursor(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_cursor_from_another_search_or_tampered_is_refused(client, registered, calls):
    cursor = answer(client, "/api/admin/registrations", q="10", limit="1")["next"]
    assert cursor
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert data["k"] == "EMP#1001"
    refused = [
        {"cursor": cursor},                                   # another search: the whole list
        {"cursor": cursor, "q": "20"},                        # another prefix
        {"cursor": cursor, "q": registered["1001"]},          # a lottery number has no pages
        {"cursor": cursor, "q": "010-1234-5678"},
        {"q": "10", "cursor": _cursor({**data, "k": "DRAW#1"})},    # another kind of item
        {"q": "10", "cursor": _cursor({**data, "k": "EMP#2001"})},  # outside the prefix
        {"q": "10", "cursor": _cursor({**data, "v": 2})},
        {"q": "10", "cursor": "not-a-cursor"}, {"q": "10", "cursor": "e30"},
        {"q": "10", "cursor": "A" * 600},
    ]
    for params in refused:
        calls.clear()
        response = get(client, "/api/admin/registrations", **params)
        assert response.status_code == 400, params
        body = json.loads(response.body)
        assert body["code"] == "BAD_REQUEST" and HANGUL.search(body["message"])
        assert calls == [], params
    # The same cursor still works for its own search.
    assert rows(answer(client, "/api/admin/registrations", q="10", limit="1",
                       cursor=cursor)) == ["1002"]
