"""`python -m scripts.load_reservations FILE --stage local` from a plain shell
(no AWS_ENDPOINT_URL): it reaches the local stack's emulator -- the running
`make run`'s, from its environment file, else the default address -- and,
with none answering, says so in Korean (exit 2) instead of going to AWS."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from chalicelib import reservations
from devstack import attach
from devstack.ports import free_port
from scripts import load_reservations

pytestmark = pytest.mark.stack


@pytest.fixture
def plain_shell(stack_env, monkeypatch, tmp_path):
    """No endpoint in the environment and no running `make run` found."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setattr(attach, "DEFAULT_DIR", tmp_path / "no-stack")
    return tmp_path


def sample(tmp_path, number: str):
    path = tmp_path / "reservations.json"
    path.write_text(json.dumps([{"reservationNumber": number, "customerPhone": "010-1212-3434",
                                 "partnerId": "P011", "partnerPhone": "010-5656-7878"}]),
                    encoding="utf-8")
    return path


def load(path) -> int:
    return load_reservations.main([str(path), "--stage", "local"])


def test_the_default_address_is_the_emulators(plain_shell, emulator, monkeypatch):
    monkeypatch.setenv("LOCAL_AWS_PORT", str(urlparse(emulator.url).port))
    assert load(sample(plain_shell, "LR-40000001")) == 0
    assert reservations.get("LR40000001")["partnerPhone"] == "+821056567878"


def test_a_running_make_run_is_found_by_its_environment(plain_shell, emulator, monkeypatch):
    monkeypatch.setenv("LOCAL_AWS_PORT", str(free_port()))  # nothing there
    attach.write_environment(attach.DEFAULT_DIR, {"AWS_ENDPOINT_URL": emulator.url})
    assert load(sample(plain_shell, "LR-40000002")) == 0
    assert reservations.get("LR40000002") is not None


def test_without_an_emulator_it_says_so_and_writes_nothing(plain_shell, monkeypatch, capsys):
    port = free_port()
    monkeypatch.setenv("LOCAL_AWS_PORT", str(port))
    with pytest.raises(SystemExit) as stopped:
        load(sample(plain_shell, "LR-40000003"))
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "make run을 먼저" in err
