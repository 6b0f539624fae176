"""The front door's AWS WAF web ACL (scope CLOUDFRONT, so made in us-east-1).

Per client address (rate-based rules, AggregateKeyType IP, 5-minute window):

- ``POST /api/requests`` (a customer's new chat request) -- CHAT_REQUESTS_PER_5_MIN;
- ``POST /r/*`` (a partner's answer) -- PARTNER_ANSWERS_PER_5_MIN;
- ``/api/admin/*`` (the dashboard's signed-in calls: every one carries a
  token, so this bounds guessing) -- ADMIN_CALLS_PER_5_MIN.

Korean mobile carriers put many phones behind one address (carrier NAT), so the
limits are far above one person's use; the app's own per-client limit
(chalicelib/chat/client_limits.py) stays, and is all `make run` has.
Then AWS managed rule groups: the common rule set, known bad inputs and the
Amazon IP reputation list. Every rule counts in CloudWatch (``AWS/WAFV2``), and
one alarm in us-east-1 (where CloudFront's WAF metrics are) watches all blocked
requests and notifies the stage's alarms topic there (an alarm notifies topics
of its own region only).

Cognito's own sign-in calls go to Cognito's endpoint, not through CloudFront:
this ACL cannot see them (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from chalicelib import names
from chalicelib.aws import error_code

REGION = "us-east-1"
SCOPE = "CLOUDFRONT"
WINDOW_SECONDS = 300
CHAT_REQUESTS_PER_5_MIN = 300
PARTNER_ANSWERS_PER_5_MIN = 100
ADMIN_CALLS_PER_5_MIN = 1500
MANAGED_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                  "AWSManagedRulesAmazonIpReputationList")
BLOCKED_ALARM_THRESHOLD = 100  # blocked requests in 5 minutes


def acl_name(stage: str) -> str:
    return f"{names.prefix(stage)}-front-door"


def alarm_name(stage: str) -> str:
    return f"{names.prefix(stage)}-waf-blocked"


def _visibility(metric: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
            "MetricName": metric}


def _match(field: dict[str, Any], text: str, position: str) -> dict[str, Any]:
    return {"ByteMatchStatement": {"SearchString": text.encode(), "FieldToMatch": field,
                                   "PositionalConstraint": position,
                                   "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}


def _rate_rule(name: str, priority: int, limit: int, path: str, position: str,
               method: str | None) -> dict[str, Any]:
    path_match = _match({"UriPath": {}}, path, position)
    scope = ({"AndStatement": {"Statements": [_match({"Method": {}}, method, "EXACTLY"),
                                              path_match]}} if method else path_match)
    return {"Name": name, "Priority": priority, "Action": {"Block": {}},
            "Statement": {"RateBasedStatement": {
                "Limit": limit, "EvaluationWindowSec": WINDOW_SECONDS,
                "AggregateKeyType": "IP", "ScopeDownStatement": scope}},
            "VisibilityConfig": _visibility(name)}


def rules() -> list[dict[str, Any]]:
    found = [
        _rate_rule("rate-chat-requests", 0, CHAT_REQUESTS_PER_5_MIN, "/api/requests",
                   "EXACTLY", "POST"),
        _rate_rule("rate-partner-answers", 1, PARTNER_ANSWERS_PER_5_MIN, "/r/",
                   "STARTS_WITH", "POST"),
        _rate_rule("rate-admin-calls", 2, ADMIN_CALLS_PER_5_MIN, "/api/admin/",
                   "STARTS_WITH", None),
    ]
    for i, group in enumerate(MANAGED_GROUPS, len(found)):
        found.append({"Name": group, "Priority": i, "OverrideAction": {"None": {}},
                      "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS",
                                                                 "Name": group}},
                      "VisibilityConfig": _visibility(group)})
    return found


def _comparable(rule_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules as AWS returns them (search strings as bytes either way)."""
    import json

    def norm(value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode()
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    return sorted((norm(r) for r in rule_list), key=lambda r: json.dumps(r, sort_keys=True))


def find_acl(waf: Any, stage: str) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {"Scope": SCOPE}
    while True:
        page = waf.list_web_acls(**kwargs)
        for acl in page.get("WebACLs", []):
            if acl["Name"] == acl_name(stage):
                return acl
        if not page.get("NextMarker") or not page.get("WebACLs"):
            return None
        kwargs["NextMarker"] = page["NextMarker"]


def ensure(prov: Any) -> str:
    """The web ACL (created or its rules put back); returns its ARN."""
    waf = prov.client("wafv2", region=REGION)
    name = acl_name(prov.stage)
    wanted = rules()
    found = find_acl(waf, prov.stage)
    if found is None:
        made = waf.create_web_acl(
            Name=name, Scope=SCOPE, DefaultAction={"Allow": {}}, Rules=wanted,
            VisibilityConfig=_visibility(name),
            Description=f"{names.prefix(prov.stage)}: rate limits per client and AWS "
                        "managed rules in front of CloudFront")["Summary"]
        prov.changed(f"WAF web ACL {name} (us-east-1)")
        arn = made["ARN"]
    else:
        acl = waf.get_web_acl(Name=name, Scope=SCOPE, Id=found["Id"])
        if _comparable(acl["WebACL"].get("Rules", [])) != _comparable(wanted):
            waf.update_web_acl(Name=name, Scope=SCOPE, Id=found["Id"],
                               DefaultAction={"Allow": {}}, Rules=wanted,
                               VisibilityConfig=_visibility(name), LockToken=acl["LockToken"])
            prov.changed(f"WAF web ACL {name}: rules")
        arn = found["ARN"]
    ensure_alarm(prov)
    prov.env["WEB_ACL_ARN"] = arn
    return arn


def alarm_definition(stage: str, topic_arn: str) -> dict[str, Any]:
    return {"AlarmName": alarm_name(stage),
            "AlarmDescription": "CloudFront 앞의 WAF가 5분 동안 많은 요청을 막았어요 "
                                "(공격이거나 규칙이 정상 요청을 막고 있어요).",
            "Namespace": "AWS/WAFV2", "MetricName": "BlockedRequests",
            "Dimensions": [{"Name": "WebACL", "Value": acl_name(stage)},
                           {"Name": "Rule", "Value": "ALL"}],
            "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1,
            "Threshold": float(BLOCKED_ALARM_THRESHOLD),
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": [topic_arn], "OKActions": [topic_arn]}


def ensure_topic(prov: Any) -> str:
    """The stage's alarms topic in us-east-1 (same name as in the stage's region)."""
    from provision import alarms

    sns = prov.client("sns", region=REGION)
    arn = f"arn:aws:sns:{REGION}:{prov.account_id()}:{alarms.topic_name(prov.stage)}"
    try:
        sns.get_topic_attributes(TopicArn=arn)
    except Exception as exc:
        if "NotFound" not in error_code(exc):
            raise
        arn = sns.create_topic(Name=alarms.topic_name(prov.stage))["TopicArn"]
        prov.changed(f"SNS topic {alarms.topic_name(prov.stage)} (us-east-1, WAF alarm)")
    prov.env["FRONT_DOOR_ALARMS_TOPIC_ARN"] = arn
    return arn


def ensure_alarm(prov: Any) -> None:
    cloudwatch = prov.client("cloudwatch", region=REGION)
    wanted = alarm_definition(prov.stage, ensure_topic(prov))
    current = cloudwatch.describe_alarms(AlarmNames=[wanted["AlarmName"]])["MetricAlarms"]
    keys = [k for k in wanted if k != "Dimensions"]
    same = current and all(current[0].get(k) == wanted[k] for k in keys) and sorted(
        (d["Name"], d["Value"]) for d in current[0].get("Dimensions", [])) == sorted(
        (d["Name"], d["Value"]) for d in wanted["Dimensions"])
    if not same:
        cloudwatch.put_metric_alarm(**wanted)
        prov.changed(f"alarm {wanted['AlarmName']} (us-east-1)")
