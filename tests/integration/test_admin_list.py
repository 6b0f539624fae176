"""GET /api/admin/requests: filters, search and paging, each one Query on an
index (contract section 5)."""

from __future__ import annotations

import base64
import json
import random
from urllib.parse import urlencode

import pytest

from chalicelib import clock, lifecycle
from chalicelib.korean import KST
from tests.operators_support import bearer
from tests.requests_support import arrange

pytestmark = pytest.mark.stack


def auth():
    return bearer("admin")


def make(reservation="A20251103", phone="+821022223333", **fields):
    request_id = lifecycle.new_request_id()
    lifecycle.create(request_id, intent="ReportTrouble", reservation_number=reservation,
                     customer_phone=phone, text="온수가 안 나와요", partnerId="P002",
                     partnerName="한옥 스테이 서촌", partnerPhone="+821044445555", **fields)
    return request_id


def unique_reservation():
    return f"QA{random.randrange(10**9):09d}"


def unique_phone():
    return "+8210" + f"{random.randrange(10**8):08d}"


def listed(client, **params):
    query = urlencode(params)
    response = client.http.get(f"/api/admin/requests?{query}", headers=auth())
    assert response.status_code == 200, response.body.decode()
    return json.loads(response.body)


def ids(answer):
    return [r["requestId"] for r in answer["requests"]]


def test_search_by_reservation_number_in_any_spelling(stack_env, client, calls):
    number = unique_reservation()
    mine = [make(reservation=number) for _ in range(3)]
    make()  # another reservation's request
    answer = listed(client, q=f"{number[:2].lower()}-{number[2:]}")
    assert ids(answer) == list(reversed(mine))  # newest first
    assert answer["next"] is None
    queries = [p for op, p in calls if op == "Query" and p.get("IndexName") == "byReservation"]
    assert queries and not [op for op, _ in calls if op == "Scan"]


def test_search_by_phone_in_any_form(stack_env, client, calls):
    e164 = unique_phone()
    mine = make(phone=e164)
    local = "0" + e164[3:5] + "-" + e164[5:9] + "-" + e164[9:]
    for spelled in (local, e164, local.replace("-", ""), "+82 " + e164[3:5] + " " + e164[5:]):
        assert ids(listed(client, q=spelled)) == [mine], spelled
    assert not [op for op, _ in calls if op == "Scan"]
    assert {p.get("IndexName") for op, p in calls if op == "Query"} >= {"byCustomerPhone"}


def test_search_by_request_id_prefix(stack_env, client, calls):
    mine = make()
    found = ids(listed(client, q=mine[:10]))
    assert found == [mine]
    assert any(p.get("IndexName") == "byId" for op, p in calls if op == "Query")


def test_status_and_escalated_filters(stack_env, client):
    number = unique_reservation()
    waiting = make(reservation=number)
    timed_out = make(reservation=number)
    arrange(timed_out, status=lifecycle.TIMEOUT, event_type=lifecycle.TIMEOUT,
            fields={"escalatedAt": clock.iso()})
    other = make(reservation=number)
    arrange(other, status=lifecycle.TIMEOUT, event_type=lifecycle.TIMEOUT)

    assert ids(listed(client, q=number, status="Timeout")) == [other, timed_out]
    assert ids(listed(client, q=number, escalated="true")) == [timed_out]
    assert ids(listed(client, q=number, escalated="false")) == [other, waiting]
    escalated = ids(listed(client, escalated="true", limit=100))
    assert timed_out in escalated and other not in escalated and waiting not in escalated
    by_status = listed(client, status="Timeout", limit=100)
    assert {r["status"] for r in by_status["requests"]} == {"Timeout"}
    assert other in ids(by_status)


def test_a_closed_request_leaves_the_follow_up_list(stack_env, client):
    number = unique_reservation()
    followed_up, still_open = make(reservation=number), make(reservation=number)
    for request_id in (followed_up, still_open):
        arrange(request_id, status=lifecycle.TIMEOUT, event_type=lifecycle.TIMEOUT,
                fields={"escalatedAt": clock.iso()})
    lifecycle.close(followed_up, "김운영", "고객에게 전화로 안내함")
    assert ids(listed(client, q=number, escalated="true")) == [still_open]
    follow_up = ids(listed(client, escalated="true", limit=100))
    assert still_open in follow_up and followed_up not in follow_up
    assert followed_up in ids(listed(client, q=number, status="Timeout"))  # still findable


def test_date_range_in_kst(stack_env, client):
    number = unique_reservation()
    mine = make(reservation=number)
    today = clock.now().astimezone(KST).date()
    assert ids(listed(client, q=number, **{"from": today.isoformat(),
                                           "to": today.isoformat()})) == [mine]
    yesterday = today.fromordinal(today.toordinal() - 1).isoformat()
    assert ids(listed(client, q=number, to=yesterday)) == []
    tomorrow = today.fromordinal(today.toordinal() + 1).isoformat()
    assert ids(listed(client, q=number, **{"from": tomorrow})) == []


def test_paging_with_the_cursor_visits_each_request_once(stack_env, client):
    number = unique_reservation()
    mine = [make(reservation=number) for _ in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"q": number, "limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = listed(client, **params)
        seen += ids(answer)
        pages += 1
        cursor = answer["next"]
        if not cursor or pages > 10:
            break
    assert seen == list(reversed(mine)) and pages >= 3


def test_a_cursor_from_another_query_or_tampered_is_refused(stack_env, client):
    number = unique_reservation()
    for _ in range(3):
        make(reservation=number)
    cursor = listed(client, q=number, limit=1)["next"]
    assert cursor
    other = client.http.get(f"/api/admin/requests?q={unique_reservation()}&limit=1"
                            f"&cursor={cursor}", headers=auth())
    assert other.status_code == 400
    # Same index and partition, other filters: still another query.
    filtered = client.http.get(f"/api/admin/requests?q={number}&status=Created&limit=1"
                               f"&cursor={cursor}", headers=auth())
    assert filtered.status_code == 400
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    data["k"]["pk"] = "RES#" + number  # another kind of item
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    for bad in (forged, "not-a-cursor", "e30"):
        response = client.http.get(f"/api/admin/requests?q={number}&limit=1&cursor={bad}",
                                   headers=auth())
        assert response.status_code == 400, bad
        assert json.loads(response.body)["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("params", ["status=Nope", "escalated=maybe", "from=2026-13-01",
                                    "from=2026-11-30&to=2026-11-29", "q=%3F%3F", "limit=0",
                                    "limit=101"])
def test_bad_filters_are_400_in_korean(stack_env, client, params):
    response = client.http.get(f"/api/admin/requests?{params}", headers=auth())
    assert response.status_code == 400
    assert any("\uac00" <= c <= "\ud7a3" for c in json.loads(response.body)["message"])


def test_the_first_page_keeps_the_dashboard_counts(stack_env, client):
    answer = listed(client)
    assert set(answer["counts"]) == set(lifecycle.STATUSES) and "next" in answer
