"""What SMS can cost a stage, set by provisioning.

- **The SNS monthly spend limit** (``SetSMSAttributes`` ``MonthlySpendLimit``,
  USD, an account setting per region: the SMS region, provision/sms.py).
  When SNS determines an SMS would exceed it, it stops sending SMS within
  minutes. A value above what the account is allowed is refused by AWS (the
  account's maximum is raised by a support case), so the stage's value
  (``sms_monthly_spend_limit_usd`` in provision/stages.py) must fit it.
- **An alarm at 80 %** of it on ``AWS/SNS`` ``SMSMonthToDateSpentUSD``
  (Maximum), in the SMS region, where SNS publishes the metric. It notifies
  the stage's alarms topic when that topic is in the same region; otherwise
  (the default: Seoul has no SMS, Tokyo sends them) a topic of the same name
  in the SMS region (``sms-alarms-topic`` in provision/resources.py), since a
  CloudWatch alarm's actions name a topic of its own region. `make deploy`
  prints the subscribe command of each topic (provision/summary.py).
- **Chalice's REST API throttled like the HTTP API** (after the deploy):
  the stage's method settings ``*/*`` (``/*/*/throttling/rateLimit`` and
  ``burstLimit``), the same figures as provision/http_api.THROTTLING.
"""

from __future__ import annotations

from typing import Any

from chalicelib import names
from chalicelib.aws import error_code
from provision import http_api, sms, stages

DEFAULT_LIMIT_USD = 1  # what SNS gives a new account
# Where provisioning writes the SMS region's alarms topic (provision/summary.py reads it).
SMS_TOPIC_SETTING = "SMS_ALARMS_TOPIC_ARN"
ALARM_SHARE = 0.8
RATE = float(http_api.THROTTLING["ThrottlingRateLimit"])
BURST = int(http_api.THROTTLING["ThrottlingBurstLimit"])


def limit_usd(stage: str) -> int:
    return int(stages.options(stage).get("sms_monthly_spend_limit_usd", DEFAULT_LIMIT_USD))


def alarm_name(stage: str) -> str:
    return f"{names.prefix(stage)}-sms-spend-80pct"


def alarm(stage: str, topic_arn: str | None) -> dict[str, Any]:
    return {"AlarmName": alarm_name(stage),
            "AlarmDescription": f"SNS SMS month-to-date spend at {ALARM_SHARE:.0%} of the "
                                f"monthly limit ({limit_usd(stage)} USD)",
            "Namespace": "AWS/SNS", "MetricName": "SMSMonthToDateSpentUSD",
            "Statistic": "Maximum", "Period": 300, "EvaluationPeriods": 1,
            "Threshold": round(limit_usd(stage) * ALARM_SHARE, 2),
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [topic_arn] if topic_arn else []}


def ensure(prov: Any) -> None:
    """The spend limit and its alarm (before the deploy: no function needed)."""
    where = sms.region(prov)
    sns = prov.client("sns", region=where)
    wanted = str(limit_usd(prov.stage))
    current = sns.get_sms_attributes(attributes=["MonthlySpendLimit"])["attributes"]
    if current.get("MonthlySpendLimit") != wanted:
        sns.set_sms_attributes(attributes={"MonthlySpendLimit": wanted})
        prov.changed(f"SNS SMS ({where}): MonthlySpendLimit={wanted} USD")
    wanted_alarm = alarm(prov.stage, ensure_topic(prov, where))
    cloudwatch = prov.client("cloudwatch", region=where)
    have = cloudwatch.describe_alarms(AlarmNames=[wanted_alarm["AlarmName"]])["MetricAlarms"]
    if not have or have[0].get("Threshold") != wanted_alarm["Threshold"] \
            or list(have[0].get("AlarmActions") or []) != wanted_alarm["AlarmActions"]:
        cloudwatch.put_metric_alarm(**wanted_alarm)
        prov.changed(f"alarm {wanted_alarm['AlarmName']} ({where}): "
                     f">= {wanted_alarm['Threshold']} USD")


def ensure_topic(prov: Any, where: str) -> str:
    """The topic the alarm notifies: the stage's alarms topic when it is in the
    SMS region, else the one of the same name there (made when missing)."""
    topic = prov.env.get("ALARMS_TOPIC_ARN") or ""
    if topic.split(":")[3:4] == [where]:
        return topic
    entry = prov.resource("sms-alarms-topic")
    sns = prov.client("sns", region=where)
    try:
        sns.get_topic_attributes(TopicArn=entry.arn)
    except Exception as exc:
        if "NotFound" not in error_code(exc):
            raise
        sns.create_topic(Name=entry.name)
        prov.changed(f"SNS topic {entry.name} ({where}, SMS spend alarm)")
    prov.env[SMS_TOPIC_SETTING] = entry.arn or ""
    return entry.arn or ""


def remove_alarm(prov: Any) -> list[str]:
    cloudwatch = prov.client("cloudwatch", region=sms.region(prov))
    name = alarm_name(prov.stage)
    if cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]:
        cloudwatch.delete_alarms(AlarmNames=[name])
        return [name]
    return []


def rest_api_throttling(stage: dict[str, Any]) -> tuple[float | None, int | None]:
    settings = (stage.get("methodSettings") or {}).get("*/*") or {}
    return settings.get("throttlingRateLimit"), settings.get("throttlingBurstLimit")


def ensure_rest_api_throttle(prov: Any) -> None:
    """After the deploy: Chalice's REST API stage throttled like the HTTP API."""
    from provision import gateway_responses

    apigw = prov.client("apigateway")
    api_id = gateway_responses.find_rest_api(prov)
    stage_name = gateway_responses.api_stage(prov.config, prov.stage)
    current = apigw.get_stage(restApiId=api_id, stageName=stage_name)
    if rest_api_throttling(current) != (RATE, BURST):
        apigw.update_stage(restApiId=api_id, stageName=stage_name, patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(RATE)},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(BURST)}])
        prov.changed(f"REST API {api_id}: throttling {RATE:g}/s, burst {BURST}")
