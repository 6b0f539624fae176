"""The IAM policy files Chalice deploys with, and no secret in the repository."""

from __future__ import annotations

import json
import re

import pytest

from provision import lambdas, policies, stages

AWS_STAGES = [s for s, o in stages.STAGES.items() if o["aws"]]
CHALICE_DIR = stages.PROJECT_DIR / ".chalice"
# Where AWS offers no narrower resource (docs/deploy.md).
STAR_ALLOWED = {"sns:Publish", "states:SendTaskSuccess"}


def _region_account(doc: dict) -> tuple[str, str]:
    """The region and account the file was written for (``*`` in the repo's copy)."""
    text = json.dumps(doc)
    found = re.search(r"arn:aws:logs:([^:]+):([^:]+):log-group", text)
    assert found, "every policy lets its function write its logs"
    return found.group(1), found.group(2)


@pytest.mark.parametrize("stage", AWS_STAGES)
def test_every_function_has_its_own_policy_file(stage):
    section = stages.load_config()["stages"][stage]
    assert section["autogen_policy"] is False
    functions = section["lambda_functions"]
    for handler in (lambdas.API_HANDLER, *lambdas.HANDLERS):
        assert functions[handler]["iam_policy_file"] == policies.policy_file(stage, handler)
        assert (CHALICE_DIR / policies.policy_file(stage, handler)).is_file()
    assert (CHALICE_DIR / section["iam_policy_file"]).is_file()


@pytest.mark.parametrize("stage", AWS_STAGES)
def test_policy_files_are_what_the_code_writes(stage):
    for name in policies.documents(policies.Arns(stage, "*", "*", "x")):
        doc = json.loads((CHALICE_DIR / name).read_text(encoding="utf-8"))
        region, account = _region_account(doc)
        lex_ids = re.search(r"bot-alias/([^/\"]+)/([^\"]+)\"", json.dumps(doc))
        key_id = re.search(r":kms:[^:]+:[^:]+:key/([^\"]+)\"", json.dumps(doc))
        arns = policies.Arns(stage, region, account, stages.options(stage)["event_bucket"],
                             *(lex_ids.groups() if lex_ids else ()),
                             secrets_key=key_id.group(1) if key_id else "*")
        assert doc == policies.documents(arns)[name], (
            f"{name} is stale: run `python -m provision.policies` (or provision the stage)")


@pytest.mark.parametrize("stage", AWS_STAGES)
def test_star_only_where_aws_has_nothing_narrower(stage):
    for name, doc in policies.template(stage).items():
        for statement in doc["Statement"]:
            if statement["Effect"] == "Deny":
                continue  # narrows an Allow (the SMS publish), grants nothing
            if statement["Resource"] == "*":
                assert set(statement["Action"]) <= STAR_ALLOWED, name
            else:
                for arn in statement["Resource"]:
                    assert f"partnerline-{stage}" in arn or f"/{stage}/" in arn or (
                        stages.options(stage)["event_bucket"] in arn) or (
                        "bedrock" in arn or "lex" in arn) or (
                        # the secrets key: its id is known once provisioned
                        arn == "arn:aws:kms:*:*:key/*"), (name, arn)


def test_each_function_gets_only_its_own_queue():
    docs = policies.template("prod")
    consumed = {}
    for name, doc in docs.items():
        for statement in doc["Statement"]:
            if "sqs:ReceiveMessage" in statement["Action"]:
                consumed[name] = statement["Resource"]
    assert consumed == {
        "policy-prod-handle_partner_link.json": [
            "arn:aws:sqs:*:*:partnerline-prod-partner-links"],
        "policy-prod-handle_customer_notification.json": [
            "arn:aws:sqs:*:*:partnerline-prod-customer-notify"],
    }


def test_only_the_log_function_reads_the_tables_stream():
    readers = {name: statement["Resource"] for name, doc in policies.template("prod").items()
               for statement in doc["Statement"] if "dynamodb:GetRecords" in statement["Action"]}
    assert readers == {"policy-prod-handle_registration_log.json": [
        "arn:aws:dynamodb:*:*:table/partnerline-prod/stream/*"]}
    caller = policies.template("prod")["policy-prod-connect_event_registration.json"]
    assert [a for st in caller["Statement"] for a in st["Action"]
            if not a.startswith("logs:")] == ["dynamodb:PutItem", "dynamodb:Query",
                                               "s3:GetObject"]   # the optional roster


# -- no secret in the repository -------------------------------------------------

_SECRET_NAME = re.compile(r"token|secret|password|signing|private|credential|api_?key",
                          re.IGNORECASE)
_SECRET_VALUE = [
    re.compile(r"AKIA[0-9A-Z]{16}"),                       # an AWS access key id
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"(?<![:/\w-])[A-Za-z0-9]{1,16}:([A-Za-z0-9_\-]{32,})"),  # kid:key
]


def _random_looking(text: str) -> bool:
    """Names (ARNs, ids) are lower case words; a generated key mixes cases and digits."""
    return all(re.search(p, text) for p in ("[a-z]", "[A-Z]", "[0-9]"))
_SKIP_DIRS = {".venv", ".git", "node_modules", "test-artifacts", ".devstack", ".ruff_cache",
              ".pytest_cache", ".hypothesis", "__pycache__", ".chalice/deployments"}


def test_no_secret_in_the_stage_configuration():
    config = stages.load_config()
    sections = [config, *config.get("stages", {}).values()]
    for section in sections:
        for name, value in section.get("environment_variables", {}).items():
            if _SECRET_NAME.search(name):
                assert name.endswith("_PARAM") and str(value).startswith("/"), (
                    f"{name}: a secret's value, not the name of its SSM parameter")


def test_no_secret_values_in_repository_files():
    offenders = []
    for path in stages.PROJECT_DIR.rglob("*"):
        relative = path.relative_to(stages.PROJECT_DIR).as_posix()
        if (not path.is_file() or any(part in _SKIP_DIRS for part in path.parts)
                or path.suffix in (".png", ".jpg", ".zip", ".pyc")
                or path.stat().st_size > 1_000_000):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for pattern in _SECRET_VALUE:
            for match in pattern.finditer(text):
                if pattern.groups and not _random_looking(match.group(1)):
                    continue
                offenders.append(f"{relative}: {match.group(0)[:12]}…")
    assert offenders == []
