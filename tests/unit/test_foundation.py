"""Small shared pieces: phone numbers, log guards, stage names, settings."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

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


def test_the_app_takes_its_stage_from_the_environment_then_the_cli(monkeypatch):
    """Only app.py, the edge, reads ``--stage`` (chalice deploy/package import
    it before any stage environment exists); the package never does."""
    import app

    assert app._stage_at_import(["chalice", "deploy", "--stage", "prod"]) == "prod"
    assert app._stage_at_import(["chalice", "package", "--stage=dev", "out"]) == "dev"
    assert app._stage_at_import(["chalice", "deploy"]) == "dev"  # Chalice's default stage
    assert names.queue_name("partner-links", "prod") == "partnerline-prod-partner-links"
    monkeypatch.setattr("sys.argv", ["chalice", "deploy", "--stage", "prod"])
    assert settings.Settings.from_environ({"STAGE": "local"}).stage == "local"
    with pytest.raises(settings.SettingsError, match="for stage dev:"):
        settings.Settings.from_environ({})  # Chalice's default, never sys.argv's prod


def test_unknown_queue_kind_is_an_error():
    with pytest.raises(ValueError):
        names.queue_name("nope", "local")


def test_settings_defaults_and_types():
    built = settings.Settings.from_environ({"STAGE": "local"})
    assert built.partner_timeout_seconds == 300 and built.link_ttl_seconds == 600
    assert built.reminder_seconds == 180 and built.escalation_alarm_interval_seconds == 900
    assert built.table_name == "partnerline-local" and built.sms_region == "ap-northeast-1"
    assert built.queue_name("partner-links") == "partnerline-local-partner-links"
    custom = settings.Settings.from_environ({"STAGE": "local", "PARTNER_TIMEOUT_SECONDS": "5",
                                             "SMS_REGION": "us-east-1"})
    assert custom.partner_timeout_seconds == 5 and custom.sms_region == "us-east-1"
    with pytest.raises(AttributeError):
        custom.stage = "prod"  # frozen


@pytest.mark.parametrize("env, problem", [
    ({"PARTNER_TIMEOUT_SECONDS": "five"}, "PARTNER_TIMEOUT_SECONDS='five'"),
    ({"PARTNER_TIMEOUT_SECONDS": "0"}, "PARTNER_TIMEOUT_SECONDS='0'"),
    ({"PARTNER_TIMEOUT_SECONDS": "900"}, "LINK_TTL_SECONDS must be at least"),
    ({"NLU_BACKEND": "other"}, "NLU_BACKEND='other': one of lex, local"),
    ({"NOTIFIER_BACKEND": "gpt"}, "NOTIFIER_BACKEND='gpt'"),
    ({"CONFIRM_BASE_URL": "confirm.example"}, "CONFIRM_BASE_URL"),
    ({"SMS_REGION": "Tokyo"}, "SMS_REGION='Tokyo'"),
    ({"STAGE": "Prod!"}, "STAGE='Prod!'"),
    # The reminder is an SQS delayed message: 900 s at most.
    ({"REMINDER_SECONDS": "901"}, "REMINDER_SECONDS='901': at most 900 seconds"),
    ({"REMINDER_SECONDS": "0"}, "REMINDER_SECONDS='0'"),
    ({"ESCALATION_ALARM_INTERVAL_SECONDS": "-1"}, "ESCALATION_ALARM_INTERVAL_SECONDS='-1'"),
])
def test_an_invalid_setting_is_a_clear_error_when_built(env, problem):
    with pytest.raises(settings.SettingsError, match=re.escape(problem)):
        settings.Settings.from_environ({"STAGE": "local", **env})


def test_an_aws_stage_must_have_what_provisioning_writes():
    with pytest.raises(settings.SettingsError) as raised:
        settings.Settings.from_environ({"STAGE": "prod"})
    for name in ("PARTNER_CONFIRMATION_ARN", "EVENT_BUCKET", "EVENT_BUCKET_OWNER",
                 "LEX_BOT_ID", "LEX_BOT_ALIAS_ID"):
        assert f"{name} is required in stage prod" in str(raised.value)
    provisioned = {"STAGE": "prod", "EVENT_BUCKET": "axcl", "NLU_BACKEND": "local",
                   "EVENT_BUCKET_OWNER": "111122223333",
                   "PARTNER_CONFIRMATION_ARN": "arn:aws:states:ap-northeast-2:1:stateMachine:x"}
    assert settings.Settings.from_environ(provisioned).event_bucket == "axcl"
    # Locally a provisioned value may be missing until the stack is up; its use says so.
    local = settings.Settings.from_environ({"STAGE": "local"})
    with pytest.raises(settings.SettingsError, match="EVENT_BUCKET is not configured"):
        local.require("event_bucket")


def test_settings_are_built_once_and_rebuilt_on_request(configure):
    first = settings.current()
    assert settings.current() is first
    changed = configure(PARTNER_TIMEOUT_SECONDS="7")
    assert settings.current() is changed and changed.partner_timeout_seconds == 7


def test_every_stage_in_config_json_builds(monkeypatch):
    """What Chalice gives each stage's functions is a valid Settings (the
    AWS stages once provisioning wrote its part)."""
    config = json.loads((Path(__file__).parents[2] / ".chalice" / "config.json").read_text())
    provisioned = {"EVENT_BUCKET": "b", "LEX_BOT_ID": "B", "LEX_BOT_ALIAS_ID": "A",
                   "EVENT_BUCKET_OWNER": "111122223333",
                   "PARTNER_CONFIRMATION_ARN": "arn:aws:states:ap-northeast-2:1:stateMachine:x"}
    for stage, section in config["stages"].items():
        env = {**config.get("environment_variables", {}),
               **section.get("environment_variables", {})}
        built = settings.Settings.from_environ({**provisioned, **env})
        assert built.stage == stage


def test_logs_are_not_propagated_twice():
    assert logs.logger.propagate is False
    assert logs.logger.level == logging.INFO


def test_config_json_holds_only_what_provisioning_writes():
    """Each stage's environment_variables in .chalice/config.json are
    generated: the stage's choices from provision/stages.py plus the names
    provisioning wrote. A hand edit (a value differing from stages.py, or a
    key nobody generates) fails here."""
    from provision import stages

    config = stages.load_config()
    assert "environment_variables" not in config  # defaults live in Settings only
    for stage in stages.STAGES:
        env = config["stages"][stage].get("environment_variables", {})
        chosen = stages.settings(stage)
        assert {k: env.get(k) for k in chosen} == chosen, stage
        stray = set(env) - set(chosen) - set(stages.PROVISIONED)
        assert not stray, f"{stage}: {sorted(stray)} are not generated"
        assert env["STAGE"] == stage
