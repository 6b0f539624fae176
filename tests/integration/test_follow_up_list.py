"""The operators' follow-up list (GET /api/admin/requests?escalated=true)
takes, besides timeouts, a trouble report the partner refused and a proposed
time the customer declined: both leave the customer with nothing agreed."""

from __future__ import annotations

import json

import pytest

from chalicelib import clock, lifecycle, notify
from tests.integration.test_admin_list import make, unique_phone, unique_reservation
from tests.operators_support import bearer
from tests.requests_support import arrange, customer_headers, customer_token_fields

pytestmark = pytest.mark.stack


def follow_up(client, number):
    response = client.http.get(f"/api/admin/requests?escalated=true&q={number}",
                               headers=bearer("admin"))
    assert response.status_code == 200, response.body.decode()
    return [r["requestId"] for r in json.loads(response.body)["requests"]]


def answered(intent, decision, **fields):
    number = unique_reservation()
    request_id = make(reservation=number, phone=unique_phone())
    arrange(request_id, status=lifecycle.RESPONDED, event_type=lifecycle.RESPONDED,
            fields={"intent": intent, "partnerDecision": decision, "respondedAt": clock.iso(),
                    **customer_token_fields(request_id), **fields})
    assert notify.handle_message({"requestId": request_id, "outcome": "answered"}) == "notified"
    return number, request_id


def test_a_refused_trouble_report_is_followed_up(stack_env, client):
    number, request_id = answered("ReportTrouble", "reject")
    assert follow_up(client, number) == [request_id]
    assert lifecycle.get(request_id)["status"] == lifecycle.RESPONDED  # only listed


@pytest.mark.parametrize("intent, decision", [("ChangeReservation", "reject"),
                                              ("ReportTrouble", "accept")])
def test_other_answers_are_not(stack_env, client, intent, decision):
    number, _ = answered(intent, decision)
    assert follow_up(client, number) == []


def test_a_declined_proposal_is_followed_up_an_accepted_one_is_not(stack_env, client):
    for accept in (True, False):
        number, request_id = answered("ChangeReservation", "propose",
                                      alternativeTime="2026-12-24T18:30:00+09:00")
        reply = client.http.post(f"/api/requests/{request_id}/reply",
                                 headers=customer_headers(
                                     request_id, **{"Content-Type": "application/json"}),
                                 body=json.dumps({"accept": accept}).encode())
        assert reply.status_code == 200, reply.body.decode()
        assert follow_up(client, number) == ([] if accept else [request_id])
