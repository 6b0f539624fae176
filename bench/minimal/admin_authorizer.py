"""Minimal JWT authorizer: the pool's JWKS fetched once, the access token's
RS256 signature checked (s^e mod n against the PKCS#1 v1.5 block), then the
issuer, client, token use and expiry. No AWS SDK: the same work as ours."""

import base64
import hashlib
import json
import os
import time
import urllib.request

POOL = os.environ["COGNITO_USER_POOL_ID"]
CLIENT = os.environ["COGNITO_CLIENT_ID"]
ISSUER = f"https://cognito-idp.{POOL.split('_')[0]}.amazonaws.com/{POOL}"
# Cognito's keys, or the emulator's copy of them (as chalicelib/operators/auth.py).
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
JWKS = f"{ENDPOINT}/{POOL}/.well-known/jwks.json" if ENDPOINT else f"{ISSUER}/.well-known/jwks.json"
DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
keys = {}


def b64(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def handler(event, context):
    if not keys:
        with urllib.request.urlopen(JWKS, timeout=3) as answer:  # noqa: S310
            for jwk in json.loads(answer.read())["keys"]:
                keys[jwk["kid"]] = (int.from_bytes(b64(jwk["n"]), "big"),
                                    int.from_bytes(b64(jwk["e"]), "big"))
    principal = "anonymous"
    token = event.get("authorizationToken", "").partition(" ")[2]
    head, payload, signature = token.split(".")
    n, e = keys[json.loads(b64(head))["kid"]]
    size = (n.bit_length() + 7) // 8
    digest = DIGEST_INFO + hashlib.sha256(f"{head}.{payload}".encode()).digest()
    block = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
    if pow(int.from_bytes(b64(signature), "big"), e, n).to_bytes(size, "big") == block:
        claims = json.loads(b64(payload))
        if (claims["iss"] == ISSUER and claims["client_id"] == CLIENT
                and claims["token_use"] == "access" and claims["exp"] > time.time()):
            principal = claims["username"]
    return {"principalId": principal, "policyDocument": {
        "Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]}}
