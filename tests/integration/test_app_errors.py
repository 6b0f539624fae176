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
    from chalicelib import intake

    def broken(_request_id):
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
