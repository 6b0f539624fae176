"""The rehearsal's least-privilege checks (devstack/rehearse.py ``check_wiring``
and ``leftovers``), from the emulator's state:

- each function's role carries its narrowed statements exactly as
  ``provision/policies.py`` writes them: the LeadingKeys conditions, the SMS
  region, the Deny on every SNS ARN, kms:Decrypt only through SSM;
- the stage's secrets key exists, is enabled and rotates, its policy is
  ``provision/secrets_key.py``'s with the reading functions' roles (and those
  roles are the deployed functions'), and every secret is encrypted with it;
- every function names the account that owns the event bucket;
- after ``make destroy``: the alias is gone and the key is pending deletion.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def _normal(statement: dict[str, Any]) -> str:
    def listed(value: Any) -> list[Any]:
        return sorted(value) if isinstance(value, list) else [value]

    return json.dumps({**statement, "Action": listed(statement.get("Action")),
                       "Resource": listed(statement.get("Resource"))}, sort_keys=True)


def secrets_key_arn(client: Callable[[str], Any], stage: str) -> str | None:
    from provision import secrets_key

    found = secrets_key.describe(client("kms"), stage)
    return found["Arn"] if found else None


def narrowed(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements that narrow by more than an ARN (a condition, a Deny)."""
    return [s for s in document["Statement"] if "Condition" in s or s["Effect"] == "Deny"]


def gaps(client: Callable[[str], Any], stage: str, account: str, region: str,
         functions: dict[str, dict[str, Any]], arns: Any,
         role_policy: Callable[[str], dict[str, Any]]) -> list[str]:
    from provision import policies, secrets, secrets_key

    found: list[str] = []
    for handler, conf in functions.items():
        deployed = {_normal(s) for s in role_policy(conf["Role"])["Statement"]}
        for statement in narrowed(policies.document(arns, handler)):
            if _normal(statement) not in deployed:
                found.append(f"함수 {conf['FunctionName']}의 역할에 좁힌 권한이 없어요: "
                             f"{statement['Effect']} {', '.join(statement['Action'])} "
                             f"{json.dumps(statement.get('Condition', {}), ensure_ascii=False)}")
        owner = (conf.get("Environment") or {}).get("Variables", {}).get("EVENT_BUCKET_OWNER")
        if owner != account:
            found.append(f"함수 {conf['FunctionName']}의 EVENT_BUCKET_OWNER가 계정 {account}가 "
                         f"아니에요: {owner!r}")

    kms = client("kms")
    key = secrets_key.describe(kms, stage)
    if key is None:
        return [*found, f"비밀 값의 KMS 키 {secrets_key.alias_name(stage)}가 없어요"]
    if key.get("KeyState") != "Enabled":
        found.append(f"KMS 키 {secrets_key.alias_name(stage)}가 {key.get('KeyState')} 상태예요")
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    people = secrets_key.people_who_read(stage)
    if policy != secrets_key.key_policy(stage, region, account, people):
        found.append(f"KMS 키 {secrets_key.alias_name(stage)}의 키 정책이 달라요")
    readers = [s for s in policy.get("Statement", []) if "kms:Decrypt" in json.dumps(
        s.get("Action"))]
    named = sorted(a for s in readers for a in s.get("Condition", {}).get(
        "ArnEquals", {}).get("aws:PrincipalArn", []))
    roles = sorted([*(functions[f]["Role"] for f in policies.secret_readers(stage)
                      if f in functions), *people])
    if named != roles:
        found.append(f"KMS 키로 복호화할 수 있는 역할이 비밀 값을 읽는 함수의 역할과 달라요: "
                     f"{named} ≠ {roles}")
    if not kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]:
        found.append(f"KMS 키 {secrets_key.alias_name(stage)}의 자동 교체가 꺼져 있어요")
    ssm = client("ssm")
    for secret in secrets.GENERATORS:
        name = secrets.parameter_name(stage, secret)
        described = ssm.describe_parameters(ParameterFilters=[{
            "Key": "Name", "Option": "Equals", "Values": [name]}])["Parameters"]
        if not described or not secrets.under_key(described[0], key["Arn"],
                                                  secrets_key.alias_name(stage)):
            found.append(f"SSM {name}이(가) 스테이지의 KMS 키로 암호화되지 않았어요")
    return found


def leftovers(client: Callable[[str], Any], stage: str) -> list[str]:
    from provision import secrets_key

    kms = client("kms")
    alias = secrets_key.alias_name(stage)
    found = [f"KMS alias {a['AliasName']}" for a in kms.list_aliases()["Aliases"]
             if a["AliasName"] == alias]
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("Description") == secrets_key.description(stage) and \
                meta.get("KeyState") != "PendingDeletion":
            found.append(f"KMS key {meta['KeyId']} (삭제 예약 안 됨)")
    return found
