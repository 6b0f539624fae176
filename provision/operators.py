"""Adding a person to the stage's operators (`make operator STAGE=S USERNAME=U ROLE=R`).

Each operator is a user of the stage's Cognito pool in exactly one role group.
A new user gets a temporary password (printed once, here only) and must choose
their own at the first sign-in (Cognito's ``NEW_PASSWORD_REQUIRED``); nothing
is e-mailed (``MessageAction=SUPPRESS``): the person who runs this hands the
password over. Running it again for an existing user sets the role (and, when
asked, a new temporary password).
"""

from __future__ import annotations

import argparse
import os
import secrets
import string
import sys
from typing import Any

from chalicelib.aws import error_code
from provision import cognito

ROLES = ("viewer", "operator", "admin")
_USERNAME_CHARS = set(string.ascii_lowercase + string.digits + "._-")


class OperatorError(ValueError):
    """A refused request, in Korean."""


def temporary_password(length: int = 16) -> str:
    """Meets the pool's policy: upper, lower, digit and symbol, 16 long."""
    pools = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "!#%+-=?@_"]
    chars = [secrets.choice(p) for p in pools]
    everything = "".join(pools)
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def check(username: str, role: str) -> str:
    name = (username or "").strip().lower()
    if not 3 <= len(name) <= 40 or not set(name) <= _USERNAME_CHARS:
        raise OperatorError("USERNAME은 영문 소문자·숫자·. _ - 로 3~40자여야 해요.")
    if role not in ROLES:
        raise OperatorError("ROLE은 viewer, operator, admin 중 하나여야 해요.")
    return name


def pool_id_of(idp: Any, stage: str) -> str:
    pool_id = cognito.find_pool(idp, cognito.pool_name(stage))
    if pool_id is None:
        raise OperatorError(f"'{stage}' 스테이지의 사용자 풀이 없어요. 먼저 `make deploy "
                            f"STAGE={stage}`(로컬은 `make run`)로 만들어 주세요.")
    return pool_id


def add(idp: Any, pool_id: str, username: str, role: str, password: str | None = None,
        permanent: bool = False) -> str:
    """Create (or update) ``username`` in ``role``; returns the password set:
    temporary (changed at first sign-in) unless ``permanent``."""
    name = check(username, role)
    password = password or temporary_password()
    try:
        idp.admin_create_user(UserPoolId=pool_id, Username=name, TemporaryPassword=password,
                              MessageAction="SUPPRESS")
        created = True
    except Exception as exc:
        if "UsernameExists" not in error_code(exc):
            raise
        created = False
    if permanent:
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=password,
                                    Permanent=True)
    elif not created:
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=password,
                                    Permanent=False)
    groups = [g["GroupName"] for g in idp.admin_list_groups_for_user(
        UserPoolId=pool_id, Username=name).get("Groups", [])]
    for group in groups:
        if group != role and group in ROLES:
            idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=name,
                                             GroupName=group)
    if role not in groups:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName=role)
    return password


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description="운영자를 추가해요.")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--role", required=True)
    args = parser.parse_args(argv)
    if args.stage == "local":
        # `make run`'s emulator, with its fake credentials.
        port = os.environ.get("LOCAL_AWS_PORT", "4566")
        os.environ.setdefault("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        for var, value in (("AWS_ACCESS_KEY_ID", "testing"),
                           ("AWS_SECRET_ACCESS_KEY", "testing"),
                           ("AWS_DEFAULT_REGION", "ap-northeast-2")):
            os.environ.setdefault(var, value)
    try:
        name = check(args.username, args.role)
        idp = boto3.client("cognito-idp")
        pool_id = pool_id_of(idp, args.stage)
        password = add(idp, pool_id, name, args.role)
    except OperatorError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"운영자 {name} ({args.role})을(를) 만들었어요.")
    print(f"임시 비밀번호: {password}")
    print("처음 로그인할 때 새 비밀번호로 바꿔야 해요. 이 비밀번호는 다시 보여 주지 않아요.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
