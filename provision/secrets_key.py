"""The stage's customer-managed KMS key for its SSM SecureString secrets.

Under the AWS managed key ``aws/ssm`` any principal of the account that may
``ssm:GetParameter`` also decrypts (its key policy lets every principal of the
account use it through SSM). This key's policy lets only the functions that
read a secret decrypt, and only through SSM:

- the account (``:root``) may administer the key -- without that statement no
  one could change its policy again (AWS's lockout check refuses a policy that
  locks out the principal putting it) -- and encrypt through SSM, so
  provisioning and an operator's ``put-parameter`` (a rotation) can write a
  secret, never read one back;
- ``kms:Decrypt`` through SSM only for the roles of the functions whose policy
  reads a secret (``policies.secret_readers``), and whoever the stage names
  in ``secret_readers`` (none by default), named by ``aws:PrincipalArn``
  rather than as principals: a key policy's principals must exist when it is
  put, and these roles only exist after ``chalice deploy``; a role deleted and
  made again keeps matching its ARN. With the account as the principal, the
  role's own policy must grant ``kms:Decrypt`` on this key too (policies.py).

``destroy`` deletes the alias and schedules the key's deletion after the
shortest waiting period KMS allows (7 days); until then the key can be
restored with ``CancelKeyDeletion``.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import names
from chalicelib.aws import error_code
from provision import resources

PENDING_WINDOW_DAYS = 7  # KMS's minimum waiting period (7-30 days)
ADMIN_ACTIONS = ("kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
                 "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
                 "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
                 "kms:CancelKeyDeletion")
# What Parameter Store asks of KMS to store a SecureString (standard tier:
# Encrypt; advanced tier: GenerateDataKey).
WRITE_ACTIONS = ("kms:Encrypt", "kms:GenerateDataKey")


alias_name = resources.key_alias


def description(stage: str) -> str:
    return f"{names.APP_NAME} {stage}: SSM SecureString secrets"


def role_arn(account: str, stage: str, function: str) -> str:
    # Chalice's role per function without autogen_policy: <app>-<stage>-<function>.
    return f"arn:aws:iam::{account}:role/{names.prefix(stage)}-{function}"


def via_ssm(region: str) -> str:
    return f"ssm.{region}.amazonaws.com"


def people_who_read(stage: str) -> tuple[str, ...]:
    """Principals (ARNs) a stage lets read its secrets by hand, e.g. the role
    that rotates ``LINK_SIGNING_KEYS`` (the new key goes in front of the old):
    ``"secret_readers": [...]`` in ``provision/stages.py`` ``STAGES[stage]``;
    none by default."""
    from provision import stages

    return tuple(stages.options(stage).get("secret_readers", ()))


def key_policy(stage: str, region: str, account: str,
               people: tuple[str, ...] = ()) -> dict[str, Any]:
    """The key's policy: a pure function of the stage, region, account and
    the principals who may read a secret by hand."""
    from provision import policies

    root = {"AWS": f"arn:aws:iam::{account}:root"}
    readers = [role_arn(account, stage, f) for f in policies.secret_readers(stage)]
    readers += [p for p in people if p not in readers]
    through_ssm = {"kms:ViaService": via_ssm(region), "kms:CallerAccount": account}
    return {"Version": "2012-10-17", "Id": f"{names.prefix(stage)}-secrets", "Statement": [
        {"Sid": "AccountAdministersTheKey", "Effect": "Allow", "Principal": root,
         "Action": list(ADMIN_ACTIONS), "Resource": "*"},
        {"Sid": "ParameterStoreEncryptsForTheAccount", "Effect": "Allow", "Principal": root,
         "Action": list(WRITE_ACTIONS), "Resource": "*",
         "Condition": {"StringEquals": through_ssm}},
        {"Sid": "OnlyTheReadingFunctionsDecrypt", "Effect": "Allow", "Principal": root,
         "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": through_ssm,
                       "ArnEquals": {"aws:PrincipalArn": readers}}},
    ]}


def describe(kms: Any, stage: str) -> dict[str, Any] | None:
    """The key the stage's alias names, or None."""
    try:
        return kms.describe_key(KeyId=alias_name(stage))["KeyMetadata"]
    except Exception as exc:
        if error_code(exc) != "NotFoundException":
            raise
        return None


def ensure(prov: Any) -> str:
    """The stage's key (made when absent, restored when deletion was pending),
    with exactly ``key_policy`` and yearly rotation; returns its ARN."""
    kms = prov.client("kms")
    wanted = key_policy(prov.stage, prov.region, prov.account_id(),
                        people_who_read(prov.stage))
    found = describe(kms, prov.stage)
    if found is None:
        found = kms.create_key(
            Description=description(prov.stage),
            KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT",
            Policy=json.dumps(wanted),
            Tags=[{"TagKey": "app", "TagValue": names.APP_NAME},
                  {"TagKey": "stage", "TagValue": prov.stage}])["KeyMetadata"]
        kms.create_alias(AliasName=alias_name(prov.stage), TargetKeyId=found["KeyId"])
        prov.changed(f"KMS key {alias_name(prov.stage)}")
    key_id = found["KeyId"]
    if found.get("KeyState") == "PendingDeletion":
        kms.cancel_key_deletion(KeyId=key_id)
        kms.enable_key(KeyId=key_id)
        prov.changed(f"KMS key {alias_name(prov.stage)}: deletion cancelled")
    current = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    if current != wanted:
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(wanted))
        prov.changed(f"KMS key {alias_name(prov.stage)}: key policy")
    if not kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]:
        kms.enable_key_rotation(KeyId=key_id)
        prov.changed(f"KMS key {alias_name(prov.stage)}: yearly rotation")
    prov.secrets_key_arn = found["Arn"]
    return found["Arn"]


def arn(prov: Any) -> str | None:
    """The key's ARN as provisioning made it (None before its first run)."""
    known = getattr(prov, "secrets_key_arn", None)
    if known:
        return known
    found = describe(prov.client("kms"), prov.stage)
    return found["Arn"] if found else None


def destroy(destroyer: Any) -> None:
    """Delete the alias and schedule the key's deletion (7 days)."""
    kms = destroyer.c("kms")
    found = describe(kms, destroyer.stage)
    if found is None:
        return
    alias = alias_name(destroyer.stage)
    # The key first: once the alias is gone nothing finds the key again.
    if found.get("KeyState") != "PendingDeletion":
        kms.schedule_key_deletion(KeyId=found["KeyId"], PendingWindowInDays=PENDING_WINDOW_DAYS)
        destroyer.did(f"KMS key {found['KeyId']} ({alias}): "
                      f"{PENDING_WINDOW_DAYS}일 뒤 삭제 예약")
    destroyer.attempt(f"KMS alias {alias}", lambda: kms.delete_alias(AliasName=alias))
