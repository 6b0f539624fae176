"""Every route answers its failures as the contract's JSON, in Korean."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.stack


def test_health_names_the_stage(client):
    response = client.http.get("/api/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok", "stage": "local"}


def test_health_is_503_when_the_table_is_unreachable(client, monkeypatch):
    from chalicelib import table

    def unreachable():
        raise ConnectionError("no table")

    monkeypatch.setattr(table, "ping", unreachable)
    response = client.http.get("/api/health")
    assert response.status_code == 503
    assert response.json_body["code"] == "NOT_READY"
    assert response.json_body["stage"] == "local"


def test_unexpected_failure_is_a_korean_apology_without_a_trace(client, monkeypatch, capsys):
    from chalicelib.chat import intake

    def broken(_request_id, _token):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(intake, "view", broken)
    response = client.http.get("/api/requests/abc")
    assert response.status_code == 500
    assert response.json_body == {
        "code": "INTERNAL_ERROR",
        "message": "일시적인 오류가 발생했어요. 잠시 후 다시 시도해 주세요.",
    }
    assert "Traceback" not in response.body.decode()
    assert "unhandled_error" in capsys.readouterr().out


def test_a_content_type_the_route_does_not_take_is_answered_in_korean(client):
    response = client.http.post("/api/requests", headers={"Content-Type": "application/xml"},
                                body=b"<x/>")
    assert response.status_code == 415
    assert response.json_body["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "JSON" in response.json_body["message"]


def test_a_method_the_route_does_not_have_is_answered_in_korean(client):
    response = client.http.delete("/api/health")
    assert response.status_code == 405
    assert response.json_body["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers.get("Allow") == "GET"
