"""Small shared pieces: phone numbers, log guards, stage names, settings."""

from __future__ import annotations

import json
import logging

import pytest

from chalicelib import logs, names, phone, settings


@pytest.mark.parametrize("raw, expected", [
    ("010-1234-5678", "+821012345678"),
    ("01012345678", "+821012345678"),
    ("+82 10 1234 5678", "+821012345678"),
    ("+821012345678", "+821012345678"),
    ("0082-10-1234-5678", "+821012345678"),
    ("02-123-4567", "+8221234567"),
])
def test_korean_numbers_become_e164(raw, expected):
    assert phone.to_e164(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "abc", "010-12", "+82", "０１０１２３４５６７８", None, 1012345678])
def test_non_numbers_are_refused(raw):
    assert phone.to_e164(raw) is None


def test_mask_keeps_only_prefix_and_last_four():
    assert phone.mask("+821012345678") == "+8210****5678"
    assert phone.mask("01012345678") == "0101***5678"
    assert phone.mask("") == ""


def test_log_guards_mask_phones_and_refuse_tokens(capsys):
    line = logs.record("x", customerPhone="+821012345678", taskToken="secret-token",
                       note="call me at 010-1234-5678")
    out = capsys.readouterr().out
    assert "+821012345678" not in out and "secret-token" not in out
    assert "010-1234-5678" not in out
    assert line["customerPhone"] == "+8210****5678"
    assert line["taskToken"] == "[redacted]"
    assert json.loads(out.strip())["event"] == "x"


def test_ids_with_digit_runs_are_not_masked():
    contact = "3f1c2a9e-77b4-4fc4-9f1e-fc45806308aa"
    assert logs.record("x", contactId=contact)["contactId"] == contact


def test_metric_is_embedded_metric_format(capsys):
    logs.metric("Registrations", 1, status="SUCCESS")
    doc = json.loads(capsys.readouterr().out.strip())
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    assert directive["Metrics"] == [{"Name": "Registrations", "Unit": "Count"}]
    assert directive["Dimensions"] == [["status"]]
    assert doc["Registrations"] == 1 and doc["status"] == "SUCCESS"


def test_stage_comes_from_env_then_cli_argument(monkeypatch):
    monkeypatch.delenv("STAGE", raising=False)
    monkeypatch.setattr("sys.argv", ["chalice", "deploy", "--stage", "prod"])
    assert names.queue_name("partner-links") == "partnerline-prod-partner-links"
    monkeypatch.setattr("sys.argv", ["chalice", "package", "--stage=dev", "out"])
    assert names.current_stage() == "dev"
    monkeypatch.setattr("sys.argv", ["chalice", "deploy"])
    assert names.current_stage() == "dev"  # Chalice's default stage
    monkeypatch.setenv("STAGE", "local")
    assert names.current_stage() == "local"


def test_unknown_queue_kind_is_an_error():
    with pytest.raises(ValueError):
        names.queue_name("nope")


def test_settings_defaults_and_missing(monkeypatch):
    monkeypatch.delenv("PARTNER_TIMEOUT_SECONDS", raising=False)
    assert settings.get_int("PARTNER_TIMEOUT_SECONDS") == 300
    with pytest.raises(KeyError):
        settings.get("NO_SUCH_SETTING")


def test_logs_are_not_propagated_twice():
    assert logs.logger.propagate is False
    assert logs.logger.level == logging.INFO
