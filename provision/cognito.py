"""The operators' sign-in: a Cognito user pool per stage, its app client and
the three role groups; and the access record's table (append-only).

The same code makes them in AWS and in the emulator (moto's ``cognito-idp``
signs real RS256 tokens and serves the pool's JWKS), so `make run`, the
tests and the rehearsal sign in exactly as a deployed dashboard does.

- Pool: only administrators create users (no self sign-up); a strong
  password policy; temporary passwords valid 3 days; MFA (TOTP,
  ``SOFTWARE_TOKEN_MFA``) required where the stage says so (prod). Lockout
  after repeated failures is Cognito's own.
- App client: no secret (a browser page signs in), ``USER_PASSWORD_AUTH``
  and ``USER_SRP_AUTH`` (+ refresh), token revocation on, no user-existence
  hints, short access tokens (the API verifies them without asking Cognito,
  so a signed-out token lives at most this long).
- Groups ``viewer``, ``operator``, ``admin`` (chalicelib/operators/auth.py).
"""

from __future__ import annotations

from typing import Any

from chalicelib import names
from chalicelib.aws import error_code
from provision import resources

GROUPS = {"admin": (1, "관리자: 운영 + 내보내기, 등록 목록, 접근 기록, 운영자 관리"),
          "operator": (2, "운영: 조회 + 조치, 사유를 남기고 전체 번호 보기"),
          "viewer": (3, "조회: 목록과 차트 (번호는 가려짐)")}
PASSWORD_POLICY = {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
                   "RequireNumbers": True, "RequireSymbols": True,
                   "TemporaryPasswordValidityDays": 3}
AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]
ACCESS_TOKEN_MINUTES = 15
REFRESH_TOKEN_HOURS = 12


pool_name = resources.pool_name


def client_name(stage: str) -> str:
    return f"{names.prefix(stage)}-dashboard"


def find_pool(idp: Any, name: str) -> str | None:
    kwargs: dict[str, Any] = {"MaxResults": 60}
    while True:
        page = idp.list_user_pools(**kwargs)
        for pool in page.get("UserPools", []):
            if pool.get("Name") == name:
                return pool["Id"]
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def find_client(idp: Any, pool_id: str, name: str) -> str | None:
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "MaxResults": 60}
    while True:
        page = idp.list_user_pool_clients(**kwargs)
        for client in page.get("UserPoolClients", []):
            if client.get("ClientName") == name:
                return client["ClientId"]
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def mfa_required(stage: str) -> bool:
    from provision import stages

    return bool(stages.options(stage).get("mfa_required", False))


def _client_settings(stage: str) -> dict[str, Any]:
    return {"ClientName": client_name(stage), "ExplicitAuthFlows": AUTH_FLOWS,
            "PreventUserExistenceErrors": "ENABLED", "EnableTokenRevocation": True,
            "AccessTokenValidity": ACCESS_TOKEN_MINUTES,
            "IdTokenValidity": ACCESS_TOKEN_MINUTES,
            "RefreshTokenValidity": REFRESH_TOKEN_HOURS,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes",
                                   "RefreshToken": "hours"}}


def ensure(prov: Any) -> dict[str, str]:
    """The pool, its client, its groups; the env naming them."""
    idp = prov.client("cognito-idp")
    name = pool_name(prov.stage)
    pool_id = find_pool(idp, name)
    if pool_id is None:
        pool_id = idp.create_user_pool(
            PoolName=name,
            Policies={"PasswordPolicy": PASSWORD_POLICY},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            UsernameConfiguration={"CaseSensitive": False},
            AccountRecoverySetting={"RecoveryMechanisms": [
                {"Name": "admin_only", "Priority": 1}]},
            UserPoolTags={"app": names.APP_NAME, "stage": prov.stage},
        )["UserPool"]["Id"]
        prov.changed(f"Cognito user pool {name}")
    _ensure_mfa(prov, idp, pool_id)
    client_id = find_client(idp, pool_id, client_name(prov.stage))
    wanted = _client_settings(prov.stage)
    if client_id is None:
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, GenerateSecret=False,
                                                **wanted)["UserPoolClient"]["ClientId"]
        prov.changed(f"Cognito app client {wanted['ClientName']} (no secret)")
    else:
        current = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)[
            "UserPoolClient"]
        if sorted(current.get("ExplicitAuthFlows", [])) != sorted(AUTH_FLOWS) \
                or current.get("ClientSecret"):
            idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **wanted)
            prov.changed(f"Cognito app client {wanted['ClientName']}: auth flows")
    for group, (precedence, description) in GROUPS.items():
        try:
            idp.get_group(UserPoolId=pool_id, GroupName=group)
        except Exception as exc:
            if "ResourceNotFound" not in error_code(exc):
                raise
            idp.create_group(UserPoolId=pool_id, GroupName=group, Precedence=precedence,
                             Description=description)
            prov.changed(f"Cognito group {group}")
    env = {"COGNITO_USER_POOL_ID": pool_id, "COGNITO_CLIENT_ID": client_id}
    prov.env.update(env)
    return env


def _ensure_mfa(prov: Any, idp: Any, pool_id: str) -> None:
    wanted = "ON" if mfa_required(prov.stage) else "OFF"
    current = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    if current.get("MfaConfiguration", "OFF") == wanted:
        return
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "MfaConfiguration": wanted}
    if wanted == "ON":
        # TOTP only: an authenticator app, no SMS cost or SIM-swap exposure.
        kwargs["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    idp.set_user_pool_mfa_config(**kwargs)
    prov.changed(f"Cognito user pool: MFA {wanted}" + (" (TOTP)" if wanted == "ON" else ""))


def ensure_access_log_table(prov: Any) -> str:
    """The access record's table: one partition, newest first; TTL on
    ``expiresAt`` (set by the app at least two years ahead); point-in-time
    recovery on AWS stages."""
    ddb = prov.client("dynamodb")
    name = names.access_log_table(prov.stage)
    try:
        ddb.describe_table(TableName=name)
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            SSESpecification={"Enabled": True})
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        prov.changed(f"table {name}")
    prov.ensure_ttl_and_recovery(ddb, name)
    return name
