"""The resource catalogue (provision/resources.py) against its readers: every
ARN the policy files grant on is a catalogue entry's (or one named here as
outside the stage), each entry has a teardown step the destroyer runs, and
the lists it holds match the files they describe. The account side (made,
then gone) is tests/integration/test_resources_catalogue.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from provision import lambdas, policies, resources, secrets, stages
from provision.core import STEPFUNCTIONS_DIR
from provision.destroy import Destroyer

ROOT = Path(__file__).resolve().parents[2]
AWS_STAGES = sorted(s for s, o in stages.STAGES.items() if o["aws"])

# What a policy may name beyond the stage's own resources, and why.
OUTSIDE = {
    ("sns:Publish", "*"): "an SMS to a phone number has no ARN",
    ("states:SendTaskSuccess", "*"): "a callback token's task cannot be scoped",
    ("sns:Publish", "arn:aws:sns:*:*:*"): "the Deny on every topic and endpoint",
}
OUTSIDE_PREFIXES = ("arn:aws:bedrock:",)  # the models (Settings.bedrock_model_id)
# The parts inside an entry's ARN a policy may name, per kind.
INSIDE = {
    "table": ("", "/index/*", "/stream/*"),
    "bucket": ("", "/*_event.txt", "/rosters/*"),
    "state-machine": ("", ":*"),
    "log-group": ("", ":*", "*", "*:*"),  # "*": any function of the stage (the default policy)
}


def _granted(stage: str) -> list[tuple[str, str, str]]:
    """(file, action, resource) of every statement in the stage's policy files."""
    out = []
    for path in sorted((ROOT / ".chalice").glob(f"policy-{stage}*.json")):
        for st in json.loads(path.read_text(encoding="utf-8"))["Statement"]:
            actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
            found = [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]
            out += [(path.name, a, r) for a in actions for r in found]
    return out


def _owner(catalogue: resources.Catalogue, arn: str) -> resources.Resource | None:
    for entry in catalogue:
        if entry.arn is None:
            continue
        for part in INSIDE.get(entry.kind, ("",)):
            if arn == (entry.sub(part) if part else entry.arn):
                return entry
    return None


@pytest.mark.parametrize("stage", AWS_STAGES)
def test_every_arn_in_the_policy_files_is_a_catalogue_entry(stage):
    catalogue = resources.catalogue(stage, event_bucket=stages.options(stage)["event_bucket"])
    granted = _granted(stage)
    assert len(granted) > 40, "the policy files were read"
    strays = [(f, a, r) for f, a, r in granted
              if (a, r) not in OUTSIDE and not r.startswith(OUTSIDE_PREFIXES)
              and _owner(catalogue, r) is None]
    assert strays == [], "grants on something the catalogue does not list"
    # Every outside grant is still in use (a stale exception would hide a stray).
    used = {(a, r) for _, a, r in granted}
    assert set(OUTSIDE) <= used


def test_the_repository_policy_files_are_what_the_catalogue_gives():
    """python -m provision.policies would write nothing: the files are the
    catalogue's ARNs, as generated."""
    for stage in AWS_STAGES:
        for name, doc in policies.template(stage).items():
            assert (ROOT / ".chalice" / name).read_text(encoding="utf-8") == \
                policies.render(doc), name


@pytest.mark.parametrize("stage", sorted(stages.STAGES))
def test_each_entry_has_a_teardown_step_and_the_catalogue_is_in_its_order(stage):
    catalogue = resources.catalogue(stage)
    keys = [e.key for e in catalogue]
    assert len(keys) == len(set(keys))
    for step in resources.DESTROY_STEPS:
        assert callable(getattr(Destroyer, step, None)), f"Destroyer has no step {step}"
    order = [resources.DESTROY_STEPS.index(e.destroy) for e in catalogue]
    assert order == sorted(order)
    assert {e.kind for e in catalogue} <= set(resources.SERVICES)


def test_the_lists_match_what_they_describe():
    assert resources.STATE_MACHINES == tuple(
        sorted(p.stem for p in STEPFUNCTIONS_DIR.glob("*.json")))
    assert resources.SECRETS == tuple(secrets.GENERATORS)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    for stage in AWS_STAGES:
        declared = set(config["stages"][stage].get("lambda_functions", {}))
        assert declared == set(lambdas.HANDLERS) | {lambdas.API_HANDLER}, stage


def test_the_modules_names_are_the_catalogues():
    """The step modules' name helpers read the catalogue (one spelling)."""
    from provision import alarms, cognito, lex, retention, secrets_key, stage_state

    c = resources.catalogue("dev", "ap-northeast-2", "123456789012")
    assert alarms.topic_name("dev") == c.get("alarms-topic").name
    assert cognito.pool_name("dev") == c.get("user-pool").name
    assert lex.bot_name("dev") == c.get("bot").name
    assert secrets_key.alias_name("dev") == c.get("secrets-key").name
    assert stage_state.bucket_name("dev", "123456789012") == c.get("deploy-bucket").name
    assert retention.log_group_names("dev") == [e.name for e in c.of_kind("log-group")
                                                if not e.retired]
    assert secrets.parameter_arn("ap-northeast-2", "123456789012", "dev", "LINK_SIGNING_KEYS") \
        == c.get("parameter:LINK_SIGNING_KEYS").arn


def test_no_reader_builds_a_stage_arn_by_hand():
    """ARNs of the stage's resources are the catalogue's to build."""
    readers = [ROOT / "provision" / "core.py", ROOT / "provision" / "destroy.py",
               ROOT / "provision" / "policies.py", ROOT / "devstack" / "rehearse.py"]
    pattern = re.compile(r"arn:aws:(dynamodb|sqs|s3|sns|states|ssm|kms|logs|iam|lex):\S*")
    # The one outside: the Deny on every SNS ARN of any account (OUTSIDE above).
    found = [(p.name, m.group(0)) for p in readers
             for m in pattern.finditer(p.read_text(encoding="utf-8"))
             if not m.group(0).startswith("arn:aws:sns:*:*:*")]
    assert found == []


def test_the_architecture_recipe_names_what_exists():
    """docs/architecture.md "An AWS resource": the catalogue first, and every
    file and name the recipe sends a reader to is there."""
    from provision import core, destroy

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    recipe = text.split("### An AWS resource", 1)[1].split("\n### ", 1)[0]
    steps = re.findall(r"^\d+\. `([^`]+)`", recipe, flags=re.M)
    assert steps[0] == "provision/resources.py"
    paths = set(re.findall(r"`((?:provision|chalicelib|tests|devstack)/[\w/.]+\.py)`", recipe))
    assert paths and all((ROOT / p).is_file() for p in paths), paths
    for symbol, owner in [("Catalogue._entries", resources), ("SERVICES", resources),
                          ("Resource.arn", resources), ("present", resources),
                          ("DESTROY_STEPS", resources), ("Destroyer.delete", destroy),
                          ("PROVISIONED", stages)]:
        assert f"`{symbol}`" in recipe, symbol
        obj = owner
        for part in symbol.split("."):
            obj = getattr(obj, part)
    assert "`prov.resource(key).name`" in recipe and callable(core.Provisioner.resource)
