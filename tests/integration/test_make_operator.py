"""`make operator STAGE=S USERNAME=U ROLE=R` (provision/operators.py): a person
with a temporary password that must be changed at the first sign-in."""

from __future__ import annotations

import pytest

from provision import operators
from tests.operators_support import idp, pool, sign_in

pytestmark = pytest.mark.stack


def test_a_new_operator_gets_a_temporary_password_and_one_role(stack_env, capsys):
    assert operators.main(["--stage", "local", "--username", "Park.Ops", "--role", "viewer"]) == 0
    out = capsys.readouterr().out
    password = next(line.split(": ", 1)[1] for line in out.splitlines()
                    if line.startswith("임시 비밀번호"))
    first = sign_in("park.ops", password)
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    # Again with another role: moved, not added.
    assert operators.main(["--stage", "local", "--username", "park.ops", "--role", "admin"]) == 0
    groups = idp().admin_list_groups_for_user(UserPoolId=pool()[0], Username="park.ops")
    assert [g["GroupName"] for g in groups["Groups"]] == ["admin"]


@pytest.mark.parametrize(("username", "role"), [("kim", "boss"), ("k", "viewer"),
                                                ("김운영", "viewer"), ("", "admin")])
def test_bad_names_and_roles_are_refused_in_korean(stack_env, capsys, username, role):
    assert operators.main(["--stage", "local", "--username", username, "--role", role]) == 2
    assert any("\uac00" <= c <= "\ud7a3" for c in capsys.readouterr().err)
