"""Operators' sign-in (contract section 6): forged tokens are 401, roles are
403 in Korean, the access record, the reveal -- against the emulator's real
Cognito pool (tokens signed RS256 by moto, verified against its JWKS)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time

import pytest

from chalicelib import lifecycle
from chalicelib.operators import access_log, access_tokens
from chalicelib.operators import auth as admin_auth
from tests.operators_support import USERS, bearer, idp, make_user, pool, sign_in, token

pytestmark = pytest.mark.stack

HANGUL = re.compile(r"[\uac00-\ud7a3]")
JSON = {"Content-Type": "application/json"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def parts(tok: str) -> tuple[dict, dict, str]:
    head, payload, signature = tok.split(".")
    return (json.loads(access_tokens.b64url_decode(head)),
            json.loads(access_tokens.b64url_decode(payload)), signature)


def assemble(header: dict, claims: dict, signature: str) -> str:
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()),
                     signature])


def refused(client, tok: str, path: str = "/api/admin/requests") -> None:
    response = client.http.get(path, headers={"Authorization": f"Bearer {tok}"})
    assert response.status_code == 401, response.body.decode()
    body = json.loads(response.body)
    assert body["code"] == "UNAUTHORIZED" and HANGUL.search(body["message"])


def test_a_real_token_works_and_names_the_operator(client):
    response = client.http.get("/api/admin/me", headers=bearer("viewer"))
    assert response.status_code == 200
    assert json.loads(response.body) == {"username": USERS["viewer"], "role": "viewer"}


def test_alg_none_is_refused(client):
    header, claims, _ = parts(token("viewer"))
    for alg in ("none", "None", "NONE"):
        refused(client, assemble({**header, "alg": alg}, claims, ""))
        refused(client, assemble({**header, "alg": alg}, claims, "AAAA"))


def test_changed_claims_under_the_old_signature_are_refused(client):
    header, claims, signature = parts(token("viewer"))
    for change in ({"cognito:groups": ["admin"]}, {"username": USERS["admin"]},
                   {"exp": claims["exp"] + 3600}):
        refused(client, assemble(header, {**claims, **change}, signature))


def test_hs256_signed_with_the_public_key_is_refused(client):
    # The classic algorithm confusion: an HMAC keyed with the pool's public key.
    header, claims, _ = parts(token("viewer"))
    forged_header = {**header, "alg": "HS256"}
    signing_input = (b64(json.dumps(forged_header).encode()) + "."
                     + b64(json.dumps({**claims, "cognito:groups": ["admin"]}).encode()))
    key = admin_auth.signing_key(pool()[0], header["kid"])
    mac = hmac.new(key.n.to_bytes(key.size, "big"), signing_input.encode(), hashlib.sha256)
    refused(client, signing_input + "." + b64(mac.digest()))


def test_another_pools_token_is_refused(client):
    other = idp().create_user_pool(PoolName=f"elsewhere-{secrets.token_hex(3)}")["UserPool"]["Id"]
    other_client = idp().create_user_pool_client(
        UserPoolId=other, ClientName="x", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp().create_group(UserPoolId=other, GroupName="admin")
    idp().admin_create_user(UserPoolId=other, Username="intruder",
                            TemporaryPassword="Temp-passw0rd!", MessageAction="SUPPRESS")
    idp().admin_set_user_password(UserPoolId=other, Username="intruder",
                                  Password="Intruder-passw0rd!", Permanent=True)
    idp().admin_add_user_to_group(UserPoolId=other, Username="intruder", GroupName="admin")
    foreign = idp().initiate_auth(ClientId=other_client, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "intruder",
                                                  "PASSWORD": "Intruder-passw0rd!"})
    refused(client, foreign["AuthenticationResult"]["AccessToken"])


def test_another_clients_token_and_an_id_token_are_refused(client):
    pool_id, _ = pool()
    second = idp().create_user_pool_client(
        UserPoolId=pool_id, ClientName=f"other-{secrets.token_hex(3)}",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    password = make_user("test-otherclient", "admin")
    answer = idp().initiate_auth(ClientId=second, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "test-otherclient",
                                                 "PASSWORD": password})
    refused(client, answer["AuthenticationResult"]["AccessToken"])
    own = sign_in("test-otherclient", password)["AuthenticationResult"]
    refused(client, own["IdToken"])


def test_an_expired_token_is_refused(client, monkeypatch):
    tok = token("admin")
    _, claims, _ = parts(tok)
    assert client.http.get("/api/admin/me", headers=bearer("admin")).status_code == 200
    # The clock moved past the token's expiry (moto's tokens live an hour).
    monkeypatch.setattr(access_tokens.time, "time", lambda: claims["exp"] + 1)
    refused(client, tok, "/api/admin/me")


def test_the_shared_token_of_before_is_refused_everywhere(client, monkeypatch):
    old = secrets.token_urlsafe(32)  # what provisioning used to generate
    monkeypatch.setenv("ADMIN_TOKEN", old)
    for path in ("/api/admin/requests", "/api/admin/stats", "/api/admin/registrations",
                 "/api/admin/access-log", "/api/admin/me"):
        refused(client, old, path)


def test_roles_are_403_in_korean(client):
    assert client.http.get("/api/admin/requests", headers=bearer("viewer")).status_code == 200
    assert client.http.get("/api/admin/stats", headers=bearer("viewer")).status_code == 200
    for role, path in (("viewer", "/api/admin/registrations"),
                       ("operator", "/api/admin/registrations"),
                       ("operator", "/api/admin/access-log"),
                       ("viewer", "/api/admin/requests?export=true")):
        response = client.http.get(path, headers=bearer(role))
        assert response.status_code == 403, (role, path)
        body = json.loads(response.body)
        assert body["code"] == "FORBIDDEN" and "관리자 권한" in body["message"]
    assert client.http.get("/api/admin/registrations", headers=bearer("admin")).status_code \
        == 200
    assert client.http.get("/api/admin/requests?export=true",
                           headers=bearer("admin")).status_code == 200


def test_a_user_in_no_group_sees_nothing(client):
    pool_id, _ = pool()
    password = make_user("test-nogroup", "viewer")
    idp().admin_remove_user_from_group(UserPoolId=pool_id, Username="test-nogroup",
                                       GroupName="viewer")
    access = sign_in("test-nogroup", password)["AuthenticationResult"]["AccessToken"]
    response = client.http.get("/api/admin/requests",
                               headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 403


def _new_request() -> str:
    request_id = lifecycle.new_request_id()
    lifecycle.create(request_id, intent="ReportTrouble", reservation_number="A20251103",
                     customer_phone="+821022223333", text="보일러가 안 돼요", partnerId="P002",
                     partnerName="한옥 스테이 서촌", partnerPhone="+821044445555",
                     reservation={"serviceName": "한옥 독채 1박"})
    return request_id


def newest_records(client, limit=5):
    response = client.http.get(f"/api/admin/access-log?limit={limit}", headers=bearer("admin"))
    assert response.status_code == 200
    return json.loads(response.body)


def test_the_list_appends_who_saw_which_requests(client):
    request_id = _new_request()
    response = client.http.get("/api/admin/requests?q=A20251103", headers=bearer("viewer"))
    shown = [r["requestId"] for r in json.loads(response.body)["requests"]]
    assert request_id in shown
    [latest] = newest_records(client, 1)["records"]
    assert latest["operator"] == USERS["viewer"] and latest["role"] == "viewer"
    assert latest["action"] == "list" and latest["route"] == "GET /api/admin/requests"
    assert latest["query"] == {"q": "A20251103"}
    assert latest["requestIds"] == shown and latest["people"] == len(shown)
    assert latest["sourceIp"] and latest["at"].endswith("Z")


def test_a_phone_in_the_query_is_recorded_masked(client):
    client.http.get("/api/admin/requests?q=010-2222-3333", headers=bearer("viewer"))
    [latest] = newest_records(client, 1)["records"]
    assert latest["query"] == {"q": "010-****-3333"}


def test_reveal_needs_a_reason_and_is_recorded(client):
    request_id = _new_request()
    path = f"/api/admin/requests/{request_id}/reveal"
    viewer = client.http.post(path, headers={**JSON, **bearer("viewer")},
                              body=json.dumps({"field": "customerPhone", "reason": "통화"}))
    assert viewer.status_code == 403
    before = newest_records(client, 1)["records"]
    no_reason = client.http.post(path, headers={**JSON, **bearer("operator")},
                                 body=json.dumps({"field": "customerPhone"}))
    assert no_reason.status_code == 400 and HANGUL.search(json.loads(no_reason.body)["message"])
    assert newest_records(client, 1)["records"] == before  # nothing recorded, nothing shown
    shown = client.http.post(path, headers={**JSON, **bearer("operator")},
                             body=json.dumps({"field": "customerPhone",
                                              "reason": "고객 요청으로 다시 전화"}))
    assert shown.status_code == 200
    assert json.loads(shown.body) == {"requestId": request_id, "field": "customerPhone",
                                      "phone": "010-2222-3333"}
    [latest] = newest_records(client, 1)["records"]
    assert latest["action"] == "reveal" and latest["operator"] == USERS["operator"]
    assert latest["requestIds"] == [request_id] and latest["people"] == 1
    assert latest["detail"] == {"field": "customerPhone", "reason": "고객 요청으로 다시 전화"}


def test_the_access_record_pages_newest_first(client):
    for status in ("Created", "Failed", "Timeout"):
        client.http.get(f"/api/admin/requests?status={status}", headers=bearer("viewer"))
    first = newest_records(client, 2)
    assert first["next"]
    second = json.loads(client.http.get(f"/api/admin/access-log?limit=2&cursor={first['next']}",
                                        headers=bearer("admin")).body)
    times = [r["at"] for r in first["records"] + second["records"]]
    assert times == sorted(times, reverse=True)
    bad = client.http.get("/api/admin/access-log?cursor=bm9wZQ", headers=bearer("admin"))
    assert bad.status_code == 400


def test_the_refresh_of_the_same_view_is_one_record(client):
    path = f"/api/admin/requests?q={_new_request()}"
    for _ in range(3):
        assert client.http.get(path, headers=bearer("viewer")).status_code == 200
    records = newest_records(client, 5)["records"]
    same = [r for r in records if r["query"] == {"q": path.rsplit("=", 1)[1]}]
    assert len(same) == 1
    client.http.get(path, headers=bearer("operator"))  # another person: a record of its own
    records = newest_records(client, 5)["records"]
    assert [r["operator"] for r in records
            if r["query"] == {"q": path.rsplit("=", 1)[1]}] == [USERS["operator"], USERS["viewer"]]


def test_no_record_no_answer(client, monkeypatch):
    class Broken(access_log.MemoryStore):
        def append(self, record):
            raise RuntimeError("table gone")

    previous = access_log.use(Broken())
    try:
        response = client.http.get("/api/admin/requests", headers=bearer("viewer"))
    finally:
        access_log.use(previous)
    assert response.status_code == 503
    assert "requests" not in json.loads(response.body)


def test_the_app_may_only_append_to_the_access_record():
    from provision import policies

    doc = policies.template("prod")["policy-prod-api_handler.json"]
    on_log = [s for s in doc["Statement"]
              if any("access-log" in r for r in (s["Resource"] if isinstance(s["Resource"], list)
                                                 else [s["Resource"]]))]
    assert [sorted(s["Action"]) for s in on_log] == [["dynamodb:PutItem", "dynamodb:Query"]]
    # The main table's grant (with UpdateItem/DeleteItem) does not reach it.
    for statement in doc["Statement"]:
        for resource in statement["Resource"] if isinstance(statement["Resource"], list) else []:
            if "dynamodb" in resource and "access-log" not in resource:
                assert not resource.endswith("*") or "/index/" in resource


def test_a_record_is_kept_two_years_and_never_overwritten(stack_env):
    entry = access_log.record(admin_auth.Operator("kim", "admin", ("admin",)), "list", "GET x")
    assert entry["expiresAt"] - time.time() >= 2 * 365 * 86400
    import boto3

    from chalicelib import names, table

    with pytest.raises(Exception) as caught:
        boto3.client("dynamodb").put_item(
            TableName=names.access_log_table(os.environ["STAGE"]),
            Item=table.serialize({**entry, "operator": "someone else"}),
            ConditionExpression="attribute_not_exists(sk)")
    assert "ConditionalCheckFailed" in str(caught.value)
