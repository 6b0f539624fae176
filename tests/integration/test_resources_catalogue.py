"""The catalogue (provision/resources.py) is what provisioning makes and what
teardown removes: an AWS stage of its own (``catalogue``, a copy of dev's
settings, so no other module's stage is touched) provisioned into the
emulator, the account listed service by service and compared with the
catalogue; then the whole teardown, and nothing of the list may remain.

Lex is botocore's Stubber (moto has no lexv2-models): the bot is checked by
the calls it answers, not by a listing."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib import names
from provision import lex, resources, stage_state, stages
from provision.core import Provisioner
from provision.destroy import Destroyer
from tests.integration.test_provision_aws_prod import stub_first_build

pytestmark = pytest.mark.stack

STAGE = "catalogue"
REGION = "ap-northeast-2"
BUCKET = "axcl-catalogue"
BOT_ID = "BOTPROD001"  # the stub's


def _lex_client() -> Any:
    return boto3.session.Session().client("lexv2-models", region_name=REGION)


def _config() -> dict[str, Any]:
    config = copy.deepcopy(stages.load_config())
    section = copy.deepcopy(config["stages"]["dev"])
    section.setdefault("environment_variables", {})["EVENT_BUCKET"] = BUCKET
    config["stages"][STAGE] = section
    return config


def listed(stage: str, event_bucket: str = BUCKET) -> set[tuple[str, str]]:
    """(kind, name) of everything of the stage in the account, per service,
    as the catalogue names kinds (the bot aside: see the module's doc)."""
    prefix = names.prefix(stage)

    def ours(name: str) -> bool:
        return name == prefix or name.startswith(prefix + "-")

    def c(service: str, region: str = REGION) -> Any:
        return boto3.client(service, region_name=region)

    found = {("table", t) for t in c("dynamodb").list_tables()["TableNames"] if ours(t)}
    found |= {("queue", u.rsplit("/", 1)[-1]) for u in c("sqs").list_queues(
        QueueNamePrefix=prefix).get("QueueUrls", [])}
    found |= {("bucket", b["Name"]) for b in c("s3").list_buckets()["Buckets"]
              if ours(b["Name"]) or b["Name"] == event_bucket}
    from chalicelib import settings

    # The stage's region, the front door's and the SMS region (the spend alarm's topic).
    for region in (REGION, resources.FRONT_DOOR_REGION, settings.Settings.sms_region):
        found |= {("topic", t["TopicArn"].rsplit(":", 1)[-1] + "@" + region)
                  for t in c("sns", region).list_topics()["Topics"]
                  if ours(t["TopicArn"].rsplit(":", 1)[-1])}
    found |= {("state-machine", m["name"]) for m in c("stepfunctions").list_state_machines()[
        "stateMachines"] if ours(m["name"])}
    found |= {("role", r["RoleName"]) for r in c("iam").list_roles()["Roles"]
              if ours(r["RoleName"])}
    stored = stage_state.env_path(stage)  # the stage's stored names: not catalogued
    found |= {("parameter", p["Name"]) for page in c("ssm").get_paginator(
        "describe_parameters").paginate() for p in page["Parameters"]
        if p["Name"].startswith(f"/{names.APP_NAME}/{stage}/")
        and not p["Name"].startswith(stored)}
    found |= {("key", a["AliasName"]) for a in c("kms").list_aliases()["Aliases"]
              if ours(a["AliasName"].removeprefix("alias/"))}
    found |= {("user-pool", p["Name"]) for p in c("cognito-idp").list_user_pools(
        MaxResults=60)["UserPools"] if ours(p["Name"])}
    found |= {("log-group", g["logGroupName"]) for g in c("logs").describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]}
    return found


def catalogued(entries: list[resources.Resource]) -> set[tuple[str, str]]:
    return {(e.kind, e.name + ("@" + e.region if e.kind == "topic" else ""))
            for e in entries if e.kind != "bot"}


@pytest.fixture(scope="module")
def provisioned(emulator):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(stages.STAGES, STAGE, {**stages.STAGES["dev"], "event_bucket": BUCKET})
        client = _lex_client()
        with Stubber(client) as stubber:
            stub_first_build(stubber, lex.load_definition(), STAGE)
            prov = Provisioner(STAGE, region=REGION, config=_config())
            prov._clients["lexv2-models"] = client
            prov.run()
            stubber.assert_no_pending_responses()
        made = listed(STAGE)
        # The whole teardown; Lex answers that the bot is there, then deletes it.
        client = _lex_client()
        with Stubber(client) as stubber:
            stubber.add_response("list_bots", {"botSummaries": [
                {"botId": BOT_ID, "botName": lex.bot_name(STAGE), "botStatus": "Available"}]},
                {"filters": [{"name": "BotName", "values": [lex.bot_name(STAGE)],
                              "operator": "EQ"}]})
            stubber.add_response("delete_bot", {"botId": BOT_ID, "botStatus": "Deleting"},
                                 {"botId": BOT_ID, "skipResourceInUseCheck": True})
            gone = Provisioner(STAGE, region=REGION, config=_config())
            gone._clients["lexv2-models"] = client
            deleted = Destroyer(gone, progress=lambda line: None).run()
            stubber.assert_no_pending_responses()
        yield {"prov": prov, "made": made, "deleted": deleted, "left": listed(STAGE)}


def test_provisioning_makes_exactly_what_the_catalogue_lists(provisioned):
    prov = provisioned["prov"]
    assert provisioned["made"] == catalogued(prov.catalogue.made())


def test_teardown_leaves_nothing_the_catalogue_lists(provisioned):
    assert provisioned["left"] == set()
    deleted = "\n".join(provisioned["deleted"])
    assert f"Lex bot {lex.bot_name(STAGE)}" in deleted  # the entry the listing cannot see
    # ...and it went in the catalogue's order, step by step.
    steps = [resources.DESTROY_STEPS.index(e.destroy) for e in provisioned["prov"].catalogue]
    assert steps == sorted(steps)


def test_the_local_stage_has_what_the_catalogue_lists_for_it(stack_env):
    """The emulator's stage (shared with the other tests, which may add
    their own): every entry it makes is there; the AWS-only ones are not made."""
    local = resources.catalogue("local", REGION, "123456789012")
    assert {e.key for e in local.made()} < {e.key for e in local}
    assert catalogued(local.made()) <= listed("local", "axcl-local")
