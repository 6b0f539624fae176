"""The flow-failure alarm also counts Amazon Connect's own errors for our flow
(moto's CloudWatch): a function Connect could not invoke never reaches the
registration metric, only Connect's ``ContactFlowErrors`` /
``ContactFlowFatalErrors``."""

from __future__ import annotations

import re

import boto3
import pytest

from provision import alarms, connect
from provision.core import Provisioner

pytestmark = pytest.mark.stack

STAGE = "dev"
REGION = "ap-northeast-2"
INSTANCE = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def _flow_alarm() -> dict:
    [alarm] = boto3.client("cloudwatch", region_name=REGION).describe_alarms(
        AlarmNames=[alarms.flow_failure_alarm_name(STAGE)])["MetricAlarms"]
    return alarm


def _connect_metrics(alarm: dict) -> dict[str, dict]:
    return {m["MetricStat"]["Metric"]["MetricName"]: m for m in alarm["Metrics"]
            if m.get("MetricStat", {}).get("Metric", {}).get("Namespace")
            == alarms.CONNECT_NAMESPACE}


def _rate(expression: str, values: dict[str, float]) -> float:
    """The alarm's expression evaluated for given sums (FILL and IF as CloudWatch
    defines them), so the test checks what the alarm would say, not its text."""
    text = re.sub(r"FILL\((\w+), 0\)", lambda m: str(values.get(m.group(1), 0.0)), expression)
    match = re.fullmatch(r"IF\(\((.*)\) > 0, 100 \* \((.*)\) / \((.*)\), 0\)", text)
    assert match, expression
    total, failed, _ = (eval(part, {}) for part in match.groups())  # noqa: S307 - numbers only
    return 100 * failed / total if total > 0 else 0.0


@pytest.fixture(scope="module")
def runs(emulator):
    before = Provisioner(STAGE, region=REGION)
    alarms.ensure(before)
    without = _flow_alarm()
    after_deploy = Provisioner(STAGE, region=REGION)
    alarms.ensure(after_deploy, INSTANCE)
    with_connect = _flow_alarm()
    later = Provisioner(STAGE, region=REGION)  # a plain provisioning run, no id
    alarms.ensure(later)
    return {"without": without, "with": with_connect, "later": later,
            "after_deploy": after_deploy, "kept": _flow_alarm()}


def test_before_the_instance_is_known_only_our_metric(runs):
    assert _connect_metrics(runs["without"]) == {}


def test_connect_flow_errors_of_our_flow_on_the_instance(runs):
    found = _connect_metrics(runs["with"])
    assert set(found) == {"ContactFlowErrors", "ContactFlowFatalErrors"}
    for metric in found.values():
        stat = metric["MetricStat"]
        assert {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]} == {
            "InstanceId": INSTANCE, "MetricGroup": "ContactFlow",
            "ContactFlowName": connect.flow_name(STAGE)}
        assert stat["Stat"] == "Sum" and stat["Period"] == alarms.PERIOD
    assert runs["after_deploy"].changes == [f"alarm {alarms.flow_failure_alarm_name(STAGE)}"]


def test_an_invocation_connect_could_not_make_raises_the_alarm(runs):
    """20 registrations answered, none failed; 5 calls where Connect took the
    error branch (our function never ran): 5 of 25 calls failed."""
    alarm = runs["with"]
    [expression] = [m["Expression"] for m in alarm["Metrics"] if m.get("ReturnData")]
    ids = {m["MetricStat"]["Metric"]["MetricName"]: m["Id"]
           for m in alarm["Metrics"] if "MetricStat" in m
           and m["MetricStat"]["Metric"]["Namespace"] == alarms.CONNECT_NAMESPACE}
    success = next(m["Id"] for m in alarm["Metrics"] if "MetricStat" in m and {
        "Name": "status", "Value": "SUCCESS"} in m["MetricStat"]["Metric"]["Dimensions"])
    seen = {success: 20.0, ids["ContactFlowErrors"]: 5.0}
    assert _rate(expression, seen) == 20.0 > alarm["Threshold"]
    # Without Connect's metrics the same minute looks perfect.
    [plain] = [m["Expression"] for m in runs["without"]["Metrics"] if m.get("ReturnData")]
    assert _rate(plain, seen) == 0.0
    assert _rate(expression, {ids["ContactFlowFatalErrors"]: 1.0}) == 100.0
    assert _rate(expression, {}) == 0.0


def test_a_later_run_without_the_id_keeps_watching_the_instance(runs):
    assert runs["later"].changes == []
    assert set(_connect_metrics(runs["kept"])) == {"ContactFlowErrors", "ContactFlowFatalErrors"}
