"""The Lambda runtime of a deploy, whatever Python runs it (issue 11, item 1).

`chalice package` builds exactly what `chalice deploy` would create (the same
app graph and runtime), with no AWS call, so it shows the runtime cheaply.
A bare `chalice deploy` on this Python must stop before any AWS call: the
endpoint below is a closed port, so an AWS call would end in a connection
error instead of the Korean message.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devstack import rehearse
from devstack.ports import free_port
from provision import lambdas

PROJECT_DIR = Path(__file__).resolve().parents[2]
CHALICE = PROJECT_DIR / ".venv" / "bin" / "chalice"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return rehearse.copy_project(tmp_path_factory.mktemp("project"))


def _env() -> dict[str, str]:
    env = rehearse.emulator_env(f"http://127.0.0.1:{free_port()}")  # nothing listens
    env.pop("STAGE", None)
    return env


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the guard is for Python < 3.12")
@pytest.mark.parametrize("command", [["deploy", "--stage", "dev"],
                                     ["package", "--stage", "dev", "out"]])
def test_a_bare_chalice_deploy_on_this_python_stops_before_any_aws_call(project, command):
    done = _run([str(CHALICE), *command], project)
    assert done.returncode != 0
    assert "make deploy STAGE=" in done.stderr and "런타임" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    # Nothing was created or contacted: no package, no connection attempt.
    assert "Creating" not in done.stdout and "Could not connect" not in done.stderr
    assert not (project / "out").exists()


def test_the_launcher_packages_every_function_on_python313(project, tmp_path):
    out = tmp_path / "package"
    done = _run([sys.executable, "-m", "provision.chalice_cli", "package", "--stage", "dev",
                 str(out)], project)
    assert done.returncode == 0, done.stdout + done.stderr
    template = json.loads((out / "sam.json").read_text())
    runtimes = {name: r["Properties"]["Runtime"] for name, r in template["Resources"].items()
                if r["Type"] == "AWS::Serverless::Function"}
    assert len(runtimes) == 1 + len(lambdas.HANDLERS), runtimes  # every function
    assert set(runtimes.values()) == {"python3.13"}, runtimes


def test_a_stage_may_name_another_accepted_runtime_and_not_a_refused_one(project, tmp_path):
    config_path = project / ".chalice" / "config.json"
    original = config_path.read_text()
    config = json.loads(original)
    try:
        config["stages"]["dev"]["lambda_runtime"] = "python3.12"
        config_path.write_text(json.dumps(config))
        done = _run([sys.executable, "-m", "provision.chalice_cli", "package", "--stage",
                     "dev", str(tmp_path / "a")], project)
        template = json.loads((tmp_path / "a" / "sam.json").read_text())
        assert {r["Properties"]["Runtime"] for r in template["Resources"].values()
                if r["Type"] == "AWS::Serverless::Function"} == {"python3.12"}
        config["stages"]["dev"]["lambda_runtime"] = "python3.11"
        config_path.write_text(json.dumps(config))
        done = _run([sys.executable, "-m", "provision.chalice_cli", "package", "--stage",
                     "dev", str(tmp_path / "b")], project)
        assert done.returncode != 0 and "python3.11" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        config_path.write_text(original)


def test_the_guard_costs_nothing_outside_deploy_and_package(monkeypatch):
    from chalice.config import Config

    import app

    # As in a bare `chalice deploy`: the launcher has not marked Chalice here.
    monkeypatch.setattr(Config, "_partnerline_runtime", False, raising=False)
    for argv in (["/var/runtime/bootstrap.py"], ["chalice", "local", "--stage", "local"],
                 ["pytest"], []):
        app.refuse_old_runtime(argv)  # no SystemExit
    if sys.version_info < (3, 12):
        with pytest.raises(SystemExit):
            app.refuse_old_runtime(["/x/.venv/bin/chalice", "deploy"])


def test_pip_is_asked_for_wheels_of_the_target_python(monkeypatch):
    from chalice.deploy import packager

    from provision import chalice_cli

    chalice_cli.install()
    calls = []
    runner = packager.PipRunner.__new__(packager.PipRunner)
    monkeypatch.setattr(runner, "_execute", lambda cmd, args, *a, **k: calls.append(args),
                        raising=False)
    packager.PipRunner.download_manylinux_wheels(runner, "cp313", ["pydantic-core"], "/tmp")
    args = calls[0]
    assert args[args.index("--python-version") + 1] == "3.13"
    assert args[args.index("--abi") + 1] == "cp313" and args[-1] == "pydantic-core"


def test_a_failed_deploy_keeps_what_it_created(tmp_path):
    from chalice.deploy.deployer import ResultsRecorder
    from chalice.utils import OSUtils

    from provision import chalice_cli

    deployed = tmp_path / ".chalice" / "deployed"
    deployed.mkdir(parents=True)
    (deployed / "dev.json").write_text(json.dumps({"resources": [
        {"name": "api_handler", "resource_type": "lambda_function", "lambda_arn": "old"},
        {"name": "rest_api", "resource_type": "rest_api", "rest_api_id": "abc"}]}))
    created = [{"name": "api_handler", "resource_type": "lambda_function", "lambda_arn": "new"},
               {"name": "q-sqs-event-source", "resource_type": "sqs_event",
                "event_uuid": "u-1"}]
    chalice_cli.record_partial(str(tmp_path), "dev", created, ResultsRecorder(OSUtils()))
    record = json.loads((deployed / "dev.json").read_text())
    assert {r["name"]: r for r in record["resources"]} == {
        "rest_api": {"name": "rest_api", "resource_type": "rest_api", "rest_api_id": "abc"},
        "api_handler": created[0], "q-sqs-event-source": created[1]}
