"""CloudWatch alarms from the seed's monitoring section.

- Lambda error rate > 5 %: every function, metric math 100 * Errors / Invocations
  over 5 minutes (no invocations -> 0, so a quiet night is not an alarm).
- Response time > 5 s: p95 of Duration of the functions a person waits on
  (the REST/HTTP API handler and the Connect handler). The queue handlers run
  in the background and call Bedrock with a 10 s budget, so 5 s is no failure there.
- Contact flow failure rate > 10 %: the registration code's own EMF metric
  (``Partnerline/Registration`` ``EventRegistrations`` by ``status``),
  100 * ERROR / all outcomes. Input mistakes of callers (empty, bad format,
  duplicate) are answers, not failures.

Every alarm notifies one SNS topic (``<app>-<stage>-alarms``); subscribe an
e-mail address to it once (docs/operations.md, "Alarms").
"""

from __future__ import annotations

from typing import Any

from provision import lambdas

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


def topic_name(stage: str) -> str:
    return f"partnerline-{stage}-alarms"


def _lambda_metric(ident: str, metric: str, function: str, stat: str) -> dict[str, Any]:
    return {"Id": ident, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                   "Dimensions": [{"Name": "FunctionName", "Value": function}]},
        "Period": PERIOD, "Stat": stat}}


def definitions(stage: str, topic_arn: str) -> list[dict[str, Any]]:
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
    alarms.append({
        **common,
        "AlarmName": f"partnerline-{stage}-contact-flow-failure-rate",
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
    name = topic_name(prov.stage)
    arn = f"arn:aws:sns:{prov.region}:{prov.account_id()}:{name}"
    try:
        sns.get_topic_attributes(TopicArn=arn)
    except Exception as exc:
        if "NotFound" not in str(getattr(exc, "response", {}).get("Error", {}).get("Code")):
            raise
        arn = sns.create_topic(Name=name)["TopicArn"]
        prov.changed(f"SNS topic {name}")
    return arn


def ensure(prov: Any) -> list[str]:
    cloudwatch = prov.client("cloudwatch")
    topic_arn = ensure_topic(prov)
    wanted = definitions(prov.stage, topic_arn)
    current = {}
    found = cloudwatch.describe_alarms(AlarmNames=[a["AlarmName"] for a in wanted])
    for alarm in found.get("MetricAlarms", []):
        current[alarm["AlarmName"]] = alarm
    for alarm in wanted:
        have = current.get(alarm["AlarmName"])
        if have is None or not _same(have, alarm):
            cloudwatch.put_metric_alarm(**alarm)
            prov.changed(f"alarm {alarm['AlarmName']}")
    prov.alarm_topic_arn = topic_arn
    return [a["AlarmName"] for a in wanted]
