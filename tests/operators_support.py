"""Real operators for the tests: users of the stage's Cognito pool in the
emulator, signed in with ``InitiateAuth`` (USER_PASSWORD_AUTH) as the
dashboard does, so every admin API test carries a token the app verifies
for real (RS256 against the pool's JWKS). Needs ``stack_env`` (the pool's
ids in the environment)."""

from __future__ import annotations

import os
import threading
import time

USERS = {"viewer": "test-viewer", "operator": "test-operator", "admin": "test-admin"}
# moto's tokens live an hour; sign in again well before.
REUSE_SECONDS = 1800

_tokens: dict[tuple[str, str], tuple[float, str]] = {}
_passwords: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def idp():
    import boto3

    return boto3.client("cognito-idp")


def pool() -> tuple[str, str]:
    return os.environ["COGNITO_USER_POOL_ID"], os.environ["COGNITO_CLIENT_ID"]


def sign_in(username: str, password: str) -> dict:
    """The ``InitiateAuth`` answer (AuthenticationResult or a challenge)."""
    _, client_id = pool()
    return idp().initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": username, "PASSWORD": password})


def make_user(username: str, role: str, permanent: bool = True,
              password: str | None = None) -> str:
    """Create (or reset) a user in ``role``; returns its password."""
    from provision import operators

    pool_id, _ = pool()
    return operators.add(idp(), pool_id, username, role, password=password,
                         permanent=permanent)


def token(role: str = "admin", username: str | None = None) -> str:
    """An access token of a signed-in user in ``role`` (created once per pool)."""
    username = username or USERS[role]
    pool_id, _ = pool()
    key = (pool_id, username)
    with _lock:
        hit = _tokens.get(key)
        if hit and time.monotonic() - hit[0] < REUSE_SECONDS:
            return hit[1]
        if key not in _passwords:
            _passwords[key] = make_user(username, role)
        answer = sign_in(username, _passwords[key])
        access = answer["AuthenticationResult"]["AccessToken"]
        _tokens[key] = (time.monotonic(), access)
        return access


def bearer(role: str = "admin", username: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, username)}"}


def credentials(role: str = "admin") -> tuple[str, str]:
    """(username, password) of the role's test user (created when missing)."""
    token(role)
    pool_id, _ = pool()
    return USERS[role], _passwords[(pool_id, USERS[role])]
