"""What a deployed stage knows about itself, kept in its AWS account.

A stage used to belong to the checkout that deployed it: provisioning wrote the
names and ARNs it created into .chalice/config.json and the policy files, and
Chalice kept its record of what it deployed in .chalice/deployed/. A second
clone knew none of it, created a second REST API and doubled the event source
mappings. Now nothing tracked is written:

- the names provisioning created or found (the stage's environment) are SSM
  String parameters ``/partnerline/<stage>/deploy/env/<NAME>``, written when
  a value changes and read back by every command that needs them (the deploy
  launcher, the after-deploy step, destroy, ``make export/draw``);
- Chalice's record ``.chalice/deployed/<stage>.json`` lives in the stage's
  private, versioned deploy bucket ``partnerline-<stage>-deploy-<account>``
  (key ``chalice/deployed/<stage>.json``): the launcher fetches it before a
  Chalice command and stores it after, even after a failure (provision/chalice_cli.py);
- Chalice gets the tracked config.json with the stored environment merged into
  the stage's section, handed over at run time, and policy files with the
  account's ARNs written to a temporary directory (the tracked copies keep
  ``*`` for region and account).

SSM standard parameters cost nothing; the bucket holds a few kilobytes.
Two deploys of one stage at the same moment are not coordinated here (CI runs
one at a time: .github/workflows/deploy.yml's concurrency group).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from chalicelib import names
from chalicelib.aws import error_code
from provision import resources, stages

RECORD_DIR = ".chalice/deployed"
# Never stored: the stage's name is the parameter path, its choices are code.
NOT_STORED = ("STAGE",)
# Stored for the tools (make status, the printed summary), not given to the
# functions: nothing in the app reads them.
NOT_FOR_FUNCTIONS = ("WEB_ACL_ARN", "CLOUDFRONT_DISTRIBUTION_ID", "FRONT_DOOR_ALARMS_TOPIC_ARN",
                     "SMS_ALARMS_TOPIC_ARN")
MISSING = ("NoSuchKey", "NoSuchBucket", "404", "NotFound")


def env_path(stage: str) -> str:
    return f"/{names.APP_NAME}/{stage}/deploy/env/"


def bucket_name(stage: str, account: str) -> str:
    return resources.deploy_bucket(stage, account)


def record_key(stage: str) -> str:
    return f"chalice/deployed/{stage}.json"


def record_path(project_dir: Path | str, stage: str) -> Path:
    return Path(project_dir) / RECORD_DIR / f"{stage}.json"


# -- the stage's environment (SSM) ---------------------------------------------

def load_env(ssm: Any, stage: str) -> dict[str, str]:
    """Every stored name of the stage ({} for a stage never provisioned)."""
    prefix = env_path(stage)
    found: dict[str, str] = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(
            Path=prefix, Recursive=False):
        for param in page.get("Parameters", []):
            found[param["Name"][len(prefix):]] = param["Value"]
    return found


def store_env(prov: Any, env: dict[str, str]) -> list[str]:
    """Store what differs from what is stored; returns the names written."""
    ssm = prov.client("ssm")
    stored = load_env(ssm, prov.stage)
    written = []
    for key, value in sorted(env.items()):
        if key in NOT_STORED or not value or stored.get(key) == value:
            continue
        ssm.put_parameter(Name=env_path(prov.stage) + key, Value=str(value), Type="String",
                          Overwrite=True)
        written.append(key)
        prov.changed(f"SSM {env_path(prov.stage)}{key}")
    return written


def delete_env(ssm: Any, stage: str) -> list[str]:
    names_ = [env_path(stage) + key for key in load_env(ssm, stage)]
    for i in range(0, len(names_), 10):  # DeleteParameters takes at most 10
        ssm.delete_parameters(Names=names_[i:i + 10])
    return names_


def merged_config(config: dict[str, Any], stage: str, stored: dict[str, str]
                  ) -> dict[str, Any]:
    """The tracked config with the stored environment in the stage's section;
    the stage's own choices (provision/stages.py) win over stored values."""
    merged = copy.deepcopy(config)
    section = merged.setdefault("stages", {}).setdefault(stage, {})
    env = section.get("environment_variables", {})
    merged_env = {**env, **stored, **stages.settings(stage), "STAGE": stage}
    section["environment_variables"] = dict(sorted(
        (k, v) for k, v in merged_env.items() if k not in NOT_FOR_FUNCTIONS))
    return merged


def config(prov: Any) -> dict[str, Any]:
    """The Provisioner's config: for an AWS stage, what the account stores."""
    tracked = stages.load_config()
    if not prov.options["aws"]:
        return tracked
    return merged_config(tracked, prov.stage, load_env(prov.client("ssm"), prov.stage))


def stored_environment(stage: str, session: Any = None) -> dict[str, str]:
    """The stage's stored names, for command-line tools (make export/draw)."""
    if not stages.options(stage)["aws"]:
        return {}
    import boto3

    session = session or boto3.session.Session()
    return load_env(session.client("ssm"), stage)


# -- Chalice's record (S3) -------------------------------------------------------

def ensure_bucket(prov: Any) -> str:
    """The stage's deploy bucket: private, encrypted, versioned (an earlier
    record stays recoverable)."""
    s3 = prov.client("s3")
    bucket = bucket_name(prov.stage, prov.account_id())
    prov._ensure_bucket(bucket)
    prov.ensure_public_access_block(bucket)
    prov.ensure_bucket_encryption(bucket)
    if s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled":
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        prov.changed(f"bucket {bucket}: versioning")
    return bucket


def fetch_record(s3: Any, bucket: str, stage: str, project_dir: Path | str) -> bool:
    """Chalice's record from the bucket into the checkout (ignored by git).
    No stored record keeps a local one (a checkout deployed before records
    moved to the bucket: its record is stored after the next command)."""
    try:
        body = s3.get_object(Bucket=bucket, Key=record_key(stage))["Body"].read()
    except Exception as exc:
        if error_code(exc) in MISSING:
            return False
        raise
    path = record_path(project_dir, stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return True


def store_record(s3: Any, bucket: str, stage: str, project_dir: Path | str) -> bool:
    """The checkout's record into the bucket, when it differs."""
    path = record_path(project_dir, stage)
    if not path.is_file():
        return False
    body = path.read_bytes()
    try:
        if s3.get_object(Bucket=bucket, Key=record_key(stage))["Body"].read() == body:
            return False
    except Exception as exc:
        if error_code(exc) not in MISSING:
            raise
    s3.put_object(Bucket=bucket, Key=record_key(stage), Body=body,
                  ContentType="application/json")
    return True


def describe_record(project_dir: Path | str, stage: str) -> dict[str, Any]:
    path = record_path(project_dir, stage)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
