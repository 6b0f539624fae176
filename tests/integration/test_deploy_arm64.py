"""Every function runs on arm64 (Graviton): `lambda_architecture` in
.chalice/config.json, about 20 % less per GB-second than x86_64 for the same
code (no native wheels in the package). `chalice package --stage prod`
through the launcher gives arm64 functions, and pip is asked for aarch64
wheels of the target Python."""

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


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return rehearse.copy_project(tmp_path_factory.mktemp("project"))


def test_the_prod_package_has_arm64_functions_only(project, tmp_path):
    out = tmp_path / "package"
    env = rehearse.emulator_env(f"http://127.0.0.1:{free_port()}")  # nothing listens
    env.pop("STAGE", None)
    done = subprocess.run([sys.executable, "-m", "provision.chalice_cli", "package",
                           "--stage", "prod", str(out)], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    template = json.loads((out / "sam.json").read_text())
    architectures = {name: r["Properties"].get("Architectures")
                     for name, r in template["Resources"].items()
                     if r["Type"] == "AWS::Serverless::Function"}
    assert len(architectures) == 1 + len(lambdas.HANDLERS), architectures  # every function
    assert all(a == ["arm64"] for a in architectures.values()), architectures


def test_pip_is_asked_for_aarch64_wheels():
    from chalice.cli.factory import CLIFactory
    from chalice.deploy import packager

    config = CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name="prod")
    assert config.lambda_architecture == "arm64"
    builder = packager.DependencyBuilder(packager.OSUtils(),
                                         architecture=config.lambda_architecture)
    platforms = builder._get_pip_platforms("cp313")
    assert platforms and all(p.endswith("_aarch64") for p in platforms), platforms
