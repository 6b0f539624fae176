"""The local stage's settings are written down once, in provision/stages.py:
`make run`'s processes, the scripts run with ``--stage local`` and the
emulator's address all read them from there."""

from __future__ import annotations

import re

from devstack import stack
from provision import stages
from tests.conftest import PROJECT_DIR

READERS = ["devstack/stack.py", "devstack/__main__.py", "scripts/operators.py",
           "scripts/stage_env.py", "scripts/load_reservations.py"]


def test_make_runs_environment_is_the_stages():
    env = stack.local_environment(8123, "http://127.0.0.1:9999", base={})
    for key, value in {**stages.LOCAL_RUN_SETTINGS, **stages.LOCAL_CREDENTIALS}.items():
        assert env[key] == value
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == stages.LOCAL_REGION
    assert env["STAGE"] == stages.LOCAL_STAGE
    assert env["CONFIRM_BASE_URL"] == "http://127.0.0.1:8123"


def test_the_users_environment_wins():
    env = stack.local_environment(8000, "http://e", base={"PARTNER_TIMEOUT_SECONDS": "20"})
    assert env["PARTNER_TIMEOUT_SECONDS"] == "20"


def test_the_emulators_address_and_credentials():
    assert stages.local_aws({}) == {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{stages.LOCAL_AWS_PORT}",
        **stages.LOCAL_CREDENTIALS,
        "AWS_DEFAULT_REGION": stages.LOCAL_REGION, "AWS_REGION": stages.LOCAL_REGION}
    assert stages.local_aws({"LOCAL_AWS_PORT": "4600"})["AWS_ENDPOINT_URL"].endswith(":4600")
    assert stages.local_aws({"AWS_ENDPOINT_URL": "http://ls:4566"})["AWS_ENDPOINT_URL"] == (
        "http://ls:4566")


def test_no_other_file_spells_a_local_setting():
    values = [stages.LOCAL_REGION, str(stages.LOCAL_AWS_PORT), str(stages.LOCAL_PORT),
              *stages.LOCAL_CREDENTIALS.values()]
    for name in READERS:
        code = "\n".join(line for line in (PROJECT_DIR / name).read_text(encoding="utf-8")
                         .splitlines() if not line.lstrip().startswith(("#", "``", "make")))
        for value in values:
            assert f'"{value}"' not in code and f"= {value}" not in code, (name, value)
        for key in stages.LOCAL_RUN_SETTINGS:
            assert not re.search(rf'"{key}"\s*:', code), (name, key)
