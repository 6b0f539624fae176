"""CloudWatch alarms from the seed's monitoring section.

- Lambda error rate > 5 %: every function, metric math 100 * Errors / Invocations
  over 5 minutes (no invocations -> 0, so a quiet night is not an alarm).
- Response time > 5 s: p95 of Duration of the functions a person waits on
  (the REST/HTTP API handler and the Connect handler). The queue handlers run
  in the background and call Bedrock with a 10 s budget, so 5 s is no failure there.
- Contact flow failure rate > 10 %: the registration code's own EMF metric
  (``Partnerline/Registration`` ``EventRegistrations`` by ``status``),
  100 * ERROR / all outcomes. Input mistakes of callers (empty, bad format,
  duplicate) are answers, not failures. Once the Connect instance is known
  (``--after-deploy --connect-instance-id``), the same alarm also counts
  Amazon Connect's own metrics for our flow (namespace ``AWS/Connect``,
  ``ContactFlowErrors`` and ``ContactFlowFatalErrors`` by ``InstanceId``,
  ``MetricGroup=ContactFlow``, ``ContactFlowName``): a function Connect could
  not invoke (throttled, timed out, missing permission) never reaches our
  counter, only Connect's. Each such error is a failed call:
  100 * (ERROR + Connect errors) / (all outcomes + Connect errors).
  Later runs without the id keep watching the instance the alarm names.

Every alarm notifies one SNS topic (``<app>-<stage>-alarms``); subscribe an
e-mail address to it once (docs/operations.md, "Alarms").
"""

from __future__ import annotations

from typing import Any

from provision import connect, lambdas, resources

PERIOD = 300
ERROR_RATE_PERCENT = 5.0
DURATION_MS = 5000.0
FLOW_FAILURE_PERCENT = 10.0
WAITED_ON = (lambdas.API_HANDLER, "connect_event_registration")

# The registration code's metric (chalicelib.registration.calls): one per call,
# dimension ``status`` = the registrationStatus it answered.
REGISTRATION_NAMESPACE = "Partnerline/Registration"
REGISTRATION_METRIC = "EventRegistrations"
REGISTRATION_DIMENSION = "status"
REGISTRATION_STATUSES = ("SUCCESS", "INPUT_ERROR", "INVALID_FORMAT", "DUPLICATE", "ERROR")
FAILED_STATUSES = ("ERROR",)

# Amazon Connect's metrics per flow (Connect administrator guide, "Monitoring
# your instance using CloudWatch"): sent every minute, only when they occur.
CONNECT_NAMESPACE = "AWS/Connect"
CONNECT_FLOW_METRICS = ("ContactFlowErrors", "ContactFlowFatalErrors")


topic_name = resources.topic_name  # the stage's alarms topic (provision/resources.py)


def _lambda_metric(ident: str, metric: str, function: str, stat: str) -> dict[str, Any]:
    return {"Id": ident, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                   "Dimensions": [{"Name": "FunctionName", "Value": function}]},
        "Period": PERIOD, "Stat": stat}}


def flow_failure_alarm_name(stage: str) -> str:
    return f"partnerline-{stage}-contact-flow-failure-rate"


def _connect_metrics(stage: str, instance_id: str) -> list[dict[str, Any]]:
    dimensions = [{"Name": "InstanceId", "Value": instance_id},
                  {"Name": "MetricGroup", "Value": "ContactFlow"},
                  {"Name": "ContactFlowName", "Value": connect.flow_name(stage)}]
    return [{"Id": f"c{i}", "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": CONNECT_NAMESPACE, "MetricName": metric,
                   "Dimensions": dimensions},
        "Period": PERIOD, "Stat": "Sum"}} for i, metric in enumerate(CONNECT_FLOW_METRICS)]


def watched_connect_instance(alarm: dict[str, Any] | None) -> str | None:
    """The Connect instance an existing flow-failure alarm watches, if any."""
    for metric in (alarm or {}).get("Metrics") or []:
        stat = (metric.get("MetricStat") or {}).get("Metric") or {}
        if stat.get("Namespace") == CONNECT_NAMESPACE:
            for dimension in stat.get("Dimensions") or []:
                if dimension.get("Name") == "InstanceId":
                    return dimension.get("Value")
    return None


def definitions(stage: str, topic_arn: str,
                connect_instance_id: str | None = None) -> list[dict[str, Any]]:
    """Every alarm as put_metric_alarm's parameters."""
    common = {"AlarmActions": [topic_arn], "OKActions": [topic_arn],
              "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
              "ComparisonOperator": "GreaterThanThreshold",
              "TreatMissingData": "notBreaching"}
    alarms = []
    for handler in (lambdas.API_HANDLER, *lambdas.HANDLERS):
        function = lambdas.function_name(stage, handler)
        alarms.append({
            **common,
            "AlarmName": f"{function}-error-rate",
            "AlarmDescription": "Lambda 오류율이 5%를 넘었습니다.",
            "Threshold": ERROR_RATE_PERCENT,
            "Metrics": [
                _lambda_metric("errors", "Errors", function, "Sum"),
                _lambda_metric("invocations", "Invocations", function, "Sum"),
                {"Id": "rate", "Label": "error rate (%)", "ReturnData": True,
                 "Expression": "IF(invocations > 0, 100 * errors / invocations, 0)"},
            ],
        })
    for handler in WAITED_ON:
        function = lambdas.function_name(stage, handler)
        alarms.append({
            **common,
            "AlarmName": f"{function}-duration-p95",
            "AlarmDescription": "Lambda 응답 시간(p95)이 5초를 넘었습니다.",
            "Namespace": "AWS/Lambda", "MetricName": "Duration",
            "Dimensions": [{"Name": "FunctionName", "Value": function}],
            "ExtendedStatistic": "p95", "Period": PERIOD, "Unit": "Milliseconds",
            "Threshold": DURATION_MS,
        })
    outcomes = []
    for i, status in enumerate(REGISTRATION_STATUSES):
        outcomes.append({"Id": f"s{i}", "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": REGISTRATION_NAMESPACE, "MetricName": REGISTRATION_METRIC,
                       "Dimensions": [{"Name": REGISTRATION_DIMENSION, "Value": status}]},
            "Period": PERIOD, "Stat": "Sum"}})
    ids = {status: f"s{i}" for i, status in enumerate(REGISTRATION_STATUSES)}
    total = " + ".join(f"FILL({ids[s]}, 0)" for s in REGISTRATION_STATUSES)
    failed = " + ".join(f"FILL({ids[s]}, 0)" for s in FAILED_STATUSES)
    if connect_instance_id:
        flow_errors = _connect_metrics(stage, connect_instance_id)
        outcomes += flow_errors
        unseen = " + ".join(f"FILL({m['Id']}, 0)" for m in flow_errors)
        total, failed = f"{total} + {unseen}", f"{failed} + {unseen}"
    alarms.append({
        **common,
        "AlarmName": flow_failure_alarm_name(stage),
        "AlarmDescription": "전화 이벤트 등록 실패율이 10%를 넘었습니다.",
        "Threshold": FLOW_FAILURE_PERCENT,
        "Metrics": [*outcomes, {
            "Id": "rate", "Label": "flow failure rate (%)", "ReturnData": True,
            "Expression": f"IF(({total}) > 0, 100 * ({failed}) / ({total}), 0)"}],
    })
    return alarms


_COMPARED = ("AlarmDescription", "AlarmActions", "OKActions", "EvaluationPeriods",
             "DatapointsToAlarm", "ComparisonOperator", "TreatMissingData", "Threshold",
             "Metrics", "Namespace", "MetricName", "Dimensions", "ExtendedStatistic",
             "Period", "Unit")


def _same(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key in _COMPARED:
        if key not in wanted:
            continue
        have = current.get(key)
        if key == "Metrics":
            have = [{k: v for k, v in m.items() if k in ("Id", "Label", "ReturnData",
                                                          "Expression", "MetricStat")}
                    for m in have or []]
        if have != wanted[key]:
            return False
    return True


def ensure_topic(prov: Any) -> str:
    sns = prov.client("sns")
    topic = prov.resource("alarms-topic")
    name, arn = topic.name, topic.arn
    try:
        sns.get_topic_attributes(TopicArn=arn)
    except Exception as exc:
        if "NotFound" not in str(getattr(exc, "response", {}).get("Error", {}).get("Code")):
            raise
        arn = sns.create_topic(Name=name)["TopicArn"]
        prov.changed(f"SNS topic {name}")
    return arn


def ensure(prov: Any, connect_instance_id: str | None = None) -> list[str]:
    """The stage's alarms; with a Connect instance id (after deploy) the flow
    alarm watches that instance's flow too, and keeps doing so on later runs."""
    cloudwatch = prov.client("cloudwatch")
    topic_arn = ensure_topic(prov)
    names = [a["AlarmName"] for a in definitions(prov.stage, topic_arn)]
    current = {}
    found = cloudwatch.describe_alarms(AlarmNames=names)
    for alarm in found.get("MetricAlarms", []):
        current[alarm["AlarmName"]] = alarm
    instance = connect_instance_id or watched_connect_instance(
        current.get(flow_failure_alarm_name(prov.stage)))
    wanted = definitions(prov.stage, topic_arn, instance)
    for alarm in wanted:
        have = current.get(alarm["AlarmName"])
        if have is None or not _same(have, alarm):
            cloudwatch.put_metric_alarm(**alarm)
            prov.changed(f"alarm {alarm['AlarmName']}")
    prov.alarm_topic_arn = topic_arn
    return [a["AlarmName"] for a in wanted]
