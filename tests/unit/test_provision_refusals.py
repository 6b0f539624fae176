"""`make provision` names its stage, and the local stage is only ever made in
an emulator: without AWS_ENDPOINT_URL the shell's credentials would put its
resources into a real account."""

from __future__ import annotations

import os
import subprocess

import pytest

from provision import __main__ as provision_cli
from tests.conftest import PROJECT_DIR


def test_the_local_stage_without_an_emulator_is_refused(monkeypatch, capsys):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(SystemExit) as stopped:
        provision_cli.main(["--stage", "local"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "AWS_ENDPOINT_URL" in err and "에뮬레이터" in err


def make(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("STAGE", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=PROJECT_DIR,
                          env=env, capture_output=True, text=True, timeout=60)


def test_make_provision_needs_an_explicit_stage():
    refused = make("provision")
    assert refused.returncode != 0
    assert "STAGE=local, STAGE=dev 또는 STAGE=prod로 실행해 주세요" in refused.stderr
    assert "-m provision" not in refused.stdout
    given = make("provision", "STAGE=dev")
    assert given.returncode == 0, given.stderr
    assert '-m provision --stage "dev"' in given.stdout
