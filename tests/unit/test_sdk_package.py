"""The deployed functions run on the SDK the tests ran with.

requirements.txt pins boto3, botocore and their dependencies to the versions
installed here (the Makefile installs requirements.txt with
requirements-dev.txt); `chalice package` vendors exactly those into the
deployment package (pure-Python wheels: the same for every python3.x Lambda
runtime); and every AWS call the tests saw the app make -- operation and every
parameter path -- exists in the service models *inside that package*.
"""

from __future__ import annotations

import gzip
import json
import re
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from botocore.model import ServiceModel
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bench import package as bench_package
from tests import sdk_calls

PROJECT_DIR = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;#]+)")


def pinned() -> dict[str, str]:
    found = {}
    for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """deployment.zip from `chalice package --stage prod` (what `chalice deploy` uploads)."""
    zip_path = bench_package.build(tmp_path_factory.mktemp("package") / "out")
    with zipfile.ZipFile(zip_path) as archive:
        yield archive


def packaged_model(archive: zipfile.ZipFile, service: str) -> ServiceModel:
    """The newest API version of ``service`` in the package's botocore."""
    candidates = sorted(n for n in archive.namelist()
                        if n.startswith(f"botocore/data/{service}/")
                        and n.endswith("/service-2.json.gz"))
    assert candidates, f"botocore in the package has no model for {service}"
    model = json.loads(gzip.decompress(archive.read(candidates[-1])))
    return ServiceModel(model, service_name=service)


def test_requirements_pin_what_the_tests_run_with():
    pins = pinned()
    assert {"boto3", "botocore"} <= set(pins)
    for name, version in pins.items():
        assert metadata.version(name) == version, f"{name}: installed {metadata.version(name)}"


def test_every_dependency_of_the_sdk_is_pinned_too():
    pins = pinned()
    for name in pins:
        for spec in metadata.requires(name) or []:
            requirement = Requirement(spec)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue  # an optional extra (crt, brotli, ...)
            assert canonicalize_name(requirement.name) in pins, (
                f"{name} needs {requirement.name}: pin it in requirements.txt")


def test_the_deployment_package_carries_the_pinned_sdk(package):
    names = set(package.namelist())
    for name, version in pinned().items():
        dist = f"{name.replace('-', '_')}-{version}.dist-info/METADATA"
        assert dist in names, f"{dist} not in deployment.zip"
    for module in ("boto3", "botocore"):
        source = package.read(f"{module}/__init__.py").decode()
        assert f"__version__ = '{pinned()[module]}'" in source


def test_the_check_finds_a_missing_operation_or_parameter(package):
    sns = packaged_model(package, "sns")
    assert sdk_calls.unknown(sns, "Publish", frozenset({("PhoneNumber",), ("Message",)})) == []
    assert sdk_calls.unknown(sns, "Publish", frozenset({("PhoneNumber",), ("Colour",)})) == [
        "sns:Publish Colour"]
    assert sdk_calls.unknown(sns, "SendText", frozenset()) == [
        "sns:SendText (no such operation)"]
    # The recent parameters the issue names are in the packaged models.
    s3 = packaged_model(package, "s3")
    assert sdk_calls.unknown(s3, "PutObject", frozenset({("IfMatch",), ("IfNoneMatch",)})) == []
    assert "Converse" in packaged_model(package, "bedrock-runtime").operation_names
    ddb = packaged_model(package, "dynamodb")
    nested = frozenset(sdk_calls.paths({"Key": {"pk": {"S": "x"}},
                                        "ExpressionAttributeValues": {":v": {"L": [{"S": "a"}]}}}))
    assert sdk_calls.unknown(ddb, "UpdateItem", nested) == []
    assert sdk_calls.unknown(ddb, "UpdateItem", nested | {("Key", "pk", "Q")}) == [
        "dynamodb:UpdateItem Key.pk.Q"]


def test_every_call_the_tests_made_exists_in_the_packaged_models(package, recorded_aws_calls):
    """Runs last in the whole suite (tests/unit after integration and e2e)."""
    if not recorded_aws_calls:
        pytest.skip("no AWS call recorded yet: run it with the integration tests")
    problems: list[str] = []
    models: dict[str, ServiceModel] = {}
    for (service, operation), shapes in sorted(recorded_aws_calls.items()):
        model = models.setdefault(service, packaged_model(package, service))
        for shape in shapes:
            problems += sdk_calls.unknown(model, operation, shape)
    print(f"{len(recorded_aws_calls)} operations checked: "
          + ", ".join(f"{s}:{o}" for s, o in sorted(recorded_aws_calls)))
    assert not problems, problems
