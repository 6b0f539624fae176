"""What the dashboard needs to sign an operator in (``GET /api/sign-in-config``).

The page talks to Cognito itself (InitiateAuth, RespondToAuthChallenge,
GlobalSignOut: the user pool API's unauthenticated operations), so it needs
the app client's id -- public by design: the client has no secret -- and
where Cognito answers: the pool's regional endpoint on AWS, the emulator
locally. Also the idle time after which the page signs out.
"""

from __future__ import annotations

import os
from typing import Any

from chalicelib import errors, settings
from chalicelib.operators import auth

NOT_READY = "로그인 설정이 아직 준비되지 않았어요. 관리자에게 알려 주세요."


def endpoint(pool_id: str) -> str:
    local = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    if local:
        return local + "/"
    return f"https://cognito-idp.{auth.pool_region(pool_id)}.amazonaws.com/"


def config() -> dict[str, Any]:
    current = settings.current()
    pool_id, client_id = current.cognito_user_pool_id, current.cognito_client_id
    if not pool_id or not client_id:
        raise errors.service_unavailable(message=NOT_READY)
    return {"clientId": client_id, "region": auth.pool_region(pool_id),
            "endpoint": endpoint(pool_id), "idleSeconds": current.admin_idle_seconds}
