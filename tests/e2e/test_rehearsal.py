"""The rehearsal's checks against a real `make deploy STAGE=dev` into the
emulator, then against that deployment broken on purpose: a checker that
passes on a broken deployment would prove nothing (make rehearse, issue 11).

One deployment per module (about 15 s); each test breaks one thing through
the AWS API, asserts the exact gap, and puts it back.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import boto3
import pytest

from devstack import rehearse
from devstack.emulator import Emulator
from devstack.ports import free_port

STAGE = rehearse.STAGE


@pytest.fixture(scope="module")
def deployed():
    project = Path(tempfile.mkdtemp(prefix="partnerline-rehearsal-test-"))
    emulator = Emulator(free_port(), str(rehearse.PROJECT_DIR / "test-artifacts" /
                                        "rehearsal-test-emulator.log"))
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "STAGE")}
    try:
        rehearse.copy_project(project)
        emulator.start()
        env = rehearse.emulator_env(emulator.url)
        os.environ["AWS_ENDPOINT_URL"] = emulator.url
        session = boto3.session.Session(region_name=rehearse.REGION)
        client = rehearse._clients(session)
        instance = client("connect").create_instance(
            IdentityManagementType="CONNECT_MANAGED", InstanceAlias="rehearsal-test",
            InboundCallsEnabled=True, OutboundCallsEnabled=False)["Id"]
        rehearse.make("deploy", project, env, f"CONNECT_INSTANCE_ID={instance}")
        app = rehearse.load_app(project)
        account = client("sts").get_caller_identity()["Account"]

        def gaps() -> list[str]:
            return rehearse.check_wiring(client, app, STAGE, account, "python3.13", instance)

        east = rehearse._clients(session, "us-east-1")

        def front_door() -> list[str]:
            return rehearse.front_door_gaps(client, east, STAGE,
                                            rehearse.deployed_urls(client, STAGE))

        yield {"client": client, "gaps": gaps, "project": project, "env": env,
               "instance": instance, "account": account, "east": east,
               "front_door": front_door}
    finally:
        emulator.stop()
        shutil.rmtree(project, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_a_deployment_has_no_gaps(deployed):
    assert deployed["gaps"]() == []


def test_a_removed_http_route_is_a_gap(deployed):
    apigw = deployed["client"]("apigatewayv2")
    api = next(a for a in apigw.get_apis()["Items"] if a["Name"] == f"partnerline-{STAGE}-http")
    route = next(r for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]
                 if r["RouteKey"] == "GET /r/{token}")
    apigw.delete_route(ApiId=api["ApiId"], RouteId=route["RouteId"])
    try:
        assert deployed["gaps"]() == ["HTTP API에 경로 GET /r/{token}가 없어요"]
    finally:
        apigw.create_route(ApiId=api["ApiId"], RouteKey=route["RouteKey"],
                           Target=route["Target"])
    assert deployed["gaps"]() == []


def test_a_missing_or_duplicated_queue_mapping_is_a_gap(deployed):
    lam = deployed["client"]("lambda")
    mapping = next(m for m in lam.list_event_source_mappings()["EventSourceMappings"]
                   if m["EventSourceArn"].endswith(f"partnerline-{STAGE}-partner-links"))
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
    wanted = (f"큐 partnerline-{STAGE}-partner-links → handle_partner_link 연결이 {{}}개예요 "
              "(정확히 1개여야 해요)")
    assert deployed["gaps"]() == [wanted.format(0)]
    args = {"EventSourceArn": mapping["EventSourceArn"],
            "FunctionName": mapping["FunctionArn"], "BatchSize": 1}
    lam.create_event_source_mapping(**args)
    extra = lam.create_event_source_mapping(**args)["UUID"]
    assert deployed["gaps"]() == [wanted.format(2)]
    lam.delete_event_source_mapping(UUID=extra)
    assert deployed["gaps"]() == []


def test_a_removed_policy_action_is_a_gap(deployed):
    iam = deployed["client"]("iam")
    role = f"partnerline-{STAGE}-handle_registration_log"
    name = iam.list_role_policies(RoleName=role)["PolicyNames"][0]
    original = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    broken = json.loads(json.dumps(original))
    for st in broken["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        st["Action"] = [a for a in actions if a != "s3:PutObject"] or ["s3:GetObject"]
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(broken))
    try:
        gaps = deployed["gaps"]()
        assert len(gaps) == 1 and "s3:PutObject" in gaps[0] and role in gaps[0], gaps
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name,
                            PolicyDocument=json.dumps(original))
    assert deployed["gaps"]() == []


def test_a_queue_its_function_may_not_read_is_a_gap_even_if_the_policy_files_agree(
        deployed, monkeypatch):
    from provision import policies

    iam = deployed["client"]("iam")
    role = f"partnerline-{STAGE}-handle_partner_link"
    name = iam.list_role_policies(RoleName=role)["PolicyNames"][0]
    original = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    broken = json.loads(json.dumps(original))
    for st in broken["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        st["Action"] = [a for a in actions if a != "sqs:ReceiveMessage"] or ["sqs:DeleteMessage"]
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(broken))
    # As if the action had been dropped from provision/policies.py and deployed.
    consume = policies._consume
    monkeypatch.setattr(policies, "_consume", lambda arns, kind: {
        **consume(arns, kind), "Action": [a for a in consume(arns, kind)["Action"]
                                          if a != "sqs:ReceiveMessage"]})
    try:
        assert deployed["gaps"]() == [
            f"함수 {role}의 역할로는 큐 partnerline-{STAGE}-partner-links를 읽을 수 없어요 "
            "(sqs:ReceiveMessage 없음)"]
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name,
                            PolicyDocument=json.dumps(original))
    monkeypatch.undo()
    assert deployed["gaps"]() == []


def test_an_old_runtime_and_a_placeholder_link_are_gaps(deployed):
    lam = deployed["client"]("lambda")
    fn = f"partnerline-{STAGE}-handle_partner_link"
    conf = lam.get_function_configuration(FunctionName=fn)
    variables = conf["Environment"]["Variables"]
    lam.update_function_configuration(
        FunctionName=fn, Runtime="python3.11",
        Environment={"Variables": {**variables, "CONFIRM_BASE_URL": "https://confirm.example"}})
    try:
        gaps = deployed["gaps"]()
        assert any("python3.11" in g and fn in g for g in gaps), gaps
        assert any("CONFIRM_BASE_URL" in g and "confirm.example" in g for g in gaps), gaps
        assert len(gaps) == 2
    finally:
        lam.update_function_configuration(FunctionName=fn, Runtime=conf["Runtime"],
                                          Environment={"Variables": variables})
    assert deployed["gaps"]() == []


def test_a_lost_narrowing_is_a_gap(deployed):
    """A role that still has every action but lost what narrows one (here the
    Deny that keeps the link handler's texts off SNS topics)."""
    iam = deployed["client"]("iam")
    role = f"partnerline-{STAGE}-handle_partner_link"
    name = iam.list_role_policies(RoleName=role)["PolicyNames"][0]
    original = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    broken = json.loads(json.dumps(original))
    broken["Statement"] = [st for st in broken["Statement"] if st["Effect"] != "Deny"]
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(broken))
    try:
        gaps = deployed["gaps"]()
        assert len(gaps) == 1 and role in gaps[0] and "Deny sns:Publish" in gaps[0], gaps
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name,
                            PolicyDocument=json.dumps(original))
    assert deployed["gaps"]() == []


def test_the_secrets_key_and_the_bucket_owner_are_checked(deployed):
    from provision import secrets, secrets_key

    client = deployed["client"]
    kms, ssm, lam = client("kms"), client("ssm"), client("lambda")
    key = kms.describe_key(KeyId=secrets_key.alias_name(STAGE))["KeyMetadata"]
    name = secrets.parameter_name(STAGE, "LINK_SIGNING_KEYS")
    value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True,
                      KeyId="alias/aws/ssm")
    try:
        assert deployed["gaps"]() == [f"SSM {name}이(가) 스테이지의 KMS 키로 암호화되지 않았어요"]
    finally:
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True,
                          KeyId=key["Arn"])

    original = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
    policy = json.loads(original)
    decrypt = next(s for s in policy["Statement"] if s["Action"] == "kms:Decrypt")
    decrypt["Condition"]["ArnEquals"]["aws:PrincipalArn"].append(
        f"arn:aws:iam::{deployed['account']}:role/someone-else")
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    try:
        gaps = deployed["gaps"]()
        assert len(gaps) == 2 and "키 정책이 달라요" in gaps[0] and "someone-else" in gaps[1], gaps
    finally:
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=original)

    fn = f"partnerline-{STAGE}-handle_registration_log"
    variables = lam.get_function_configuration(FunctionName=fn)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=fn, Environment={"Variables": {
        **variables, "EVENT_BUCKET_OWNER": "999999999999"}})
    try:
        gaps = deployed["gaps"]()
        assert len(gaps) == 1 and "EVENT_BUCKET_OWNER" in gaps[0] and fn in gaps[0], gaps
    finally:
        lam.update_function_configuration(FunctionName=fn,
                                          Environment={"Variables": variables})
    assert deployed["gaps"]() == []


def test_the_front_door_has_no_gaps(deployed):
    assert deployed["front_door"]() == []


def test_a_missing_rate_rule_is_a_gap(deployed):
    from provision import waf

    client = deployed["east"]("wafv2")
    acl = waf.find_acl(client, STAGE)
    got = client.get_web_acl(Name=acl["Name"], Scope=waf.SCOPE, Id=acl["Id"])
    rules = got["WebACL"]["Rules"]
    client.update_web_acl(Name=acl["Name"], Scope=waf.SCOPE, Id=acl["Id"],
                          DefaultAction={"Allow": {}}, LockToken=got["LockToken"],
                          VisibilityConfig=got["WebACL"]["VisibilityConfig"],
                          Rules=[r for r in rules if r["Name"] != "rate-partner-answers"])
    try:
        assert deployed["front_door"]() == ["WAF 속도 규칙 rate-partner-answers가 없어요"]
    finally:
        got = client.get_web_acl(Name=acl["Name"], Scope=waf.SCOPE, Id=acl["Id"])
        client.update_web_acl(Name=acl["Name"], Scope=waf.SCOPE, Id=acl["Id"],
                              DefaultAction={"Allow": {}}, LockToken=got["LockToken"],
                              VisibilityConfig=got["WebACL"]["VisibilityConfig"], Rules=rules)
    assert deployed["front_door"]() == []


def test_a_cached_api_behaviour_is_a_gap_and_the_next_deploy_puts_it_back(deployed):
    from provision import cloudfront

    cf = deployed["client"]("cloudfront")
    dist = cloudfront.find_distribution(cf, STAGE)
    current = cf.get_distribution_config(Id=dist["Id"])
    config = current["DistributionConfig"]
    for behaviour in config["CacheBehaviors"]["Items"]:
        if behaviour["PathPattern"] == "/api/*":
            behaviour["CachePolicyId"] = cloudfront.CACHING_OPTIMIZED
    cf.update_distribution(Id=dist["Id"], IfMatch=current["ETag"], DistributionConfig=config)
    assert deployed["front_door"]() == ["/api/*가 캐시돼요 (CachingDisabled가 아니에요)"]
    # The provisioning step, as the next `make deploy` runs it from any clone
    # (the stage's stored names from SSM).
    from provision import stage_state
    from provision.core import Provisioner

    prov = Provisioner(STAGE, region=rehearse.REGION)
    prov.env.update(stage_state.load_env(prov.client("ssm"), STAGE))
    cloudfront.ensure(prov, prov.env["WEB_ACL_ARN"])
    assert prov.changes == [f"CloudFront distribution {dist['Id']}: configuration"]
    assert deployed["front_door"]() == []


def test_a_log_group_kept_forever_or_a_bucket_without_lifecycle_is_a_gap(deployed):
    from provision import retention

    logs, s3 = deployed["client"]("logs"), deployed["client"]("s3")
    # The bucket the deployed functions use (the run's environment may name another).
    bucket = deployed["client"]("lambda").get_function_configuration(
        FunctionName=f"partnerline-{STAGE}")["Environment"]["Variables"]["EVENT_BUCKET"]
    rules = retention.current_rules(s3, bucket)
    assert {r["ID"] for r in rules} == {retention.LOG_RULE, retention.EXPORT_RULE}
    group = f"/aws/lambda/partnerline-{STAGE}-erase_personal_data"
    try:
        logs.delete_retention_policy(logGroupName=group)
        s3.delete_bucket_lifecycle(Bucket=bucket)
        assert deployed["gaps"]() == [
            f"로그 그룹 {group}의 보존 기간이 None일이에요 (90일이어야 해요)",
            f"버킷 {bucket}에 수명 주기 규칙 {retention.LOG_RULE}가 없어요",
            f"버킷 {bucket}에 수명 주기 규칙 {retention.EXPORT_RULE}가 없어요",
            f"수명 주기 규칙 {retention.LOG_RULE}가 등록 로그를 가리키지 않아요"]
    finally:
        logs.put_retention_policy(logGroupName=group, retentionInDays=90)
        s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                              LifecycleConfiguration={"Rules": rules})
    assert deployed["gaps"]() == []


def test_a_missing_erasure_schedule_is_a_gap(deployed):
    events = deployed["client"]("events")
    name = f"partnerline-{STAGE}-erase_personal_data-event"
    rule = events.describe_rule(Name=name)
    targets = events.list_targets_by_rule(Rule=name)["Targets"]
    events.remove_targets(Rule=name, Ids=[t["Id"] for t in targets])
    try:
        assert deployed["gaps"]() == [
            f"개인정보 파기 일정 {name}이 매시간 erase_personal_data를 부르지 않아요"]
    finally:
        events.put_targets(Rule=name, Targets=targets)
    assert rule["ScheduleExpression"] == "rate(1 hour)"
    assert deployed["gaps"]() == []


def test_a_missing_catalogue_entry_is_a_gap(deployed):
    """Every resource provision/resources.py lists for the stage is checked
    present: a dead-letter queue no other check looks at."""
    from provision import resources

    sqs = deployed["client"]("sqs")
    dlq = resources.catalogue(STAGE, rehearse.REGION, deployed["account"]).get(
        "dlq:partner-links")
    url = sqs.get_queue_url(QueueName=dlq.name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "MessageRetentionPeriod", "SqsManagedSseEnabled"])["Attributes"]
    sqs.delete_queue(QueueUrl=url)
    try:
        assert deployed["gaps"]() == [f"dlq:partner-links 리소스 {dlq.name}가 없어요"]
    finally:
        sqs.create_queue(QueueName=dlq.name, Attributes=attributes)
    assert deployed["gaps"]() == []


def test_an_sms_spend_alarm_that_notifies_no_one_is_a_gap(deployed):
    """Seoul has no SMS: the spend alarm lives in the SMS region (Tokyo), where
    the stage's own alarms topic is not, so it notifies a topic of the same
    name there; without an action it would be an alarm nobody hears."""
    from chalicelib import settings
    from provision import alarms, sms_spend

    where = settings.Settings.sms_region
    assert where != rehearse.REGION
    cloudwatch = deployed["client"]("cloudwatch", where)
    name = sms_spend.alarm_name(STAGE)
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    topic = f"arn:aws:sns:{where}:{deployed['account']}:{alarms.topic_name(STAGE)}"
    assert alarm["AlarmActions"] == [topic]
    deployed["client"]("sns", where).get_topic_attributes(TopicArn=topic)
    cloudwatch.put_metric_alarm(**sms_spend.alarm(STAGE, None))
    try:
        assert deployed["gaps"]() == [
            f"SMS 지출 80% 경보 {name}가 아무에게도 알리지 않아요 ({where}의 경보 주제가 없어요)"]
    finally:
        cloudwatch.put_metric_alarm(**sms_spend.alarm(STAGE, topic))
    assert deployed["gaps"]() == []


def test_destroy_leaves_nothing_and_a_leftover_is_listed(deployed):
    client = deployed["client"]
    rehearse.make("destroy", deployed["project"], deployed["env"],
                  f"CONNECT_INSTANCE_ID={deployed['instance']}")
    assert rehearse.leftovers(client, STAGE, "axcl-dev", deployed["instance"],
                              deployed["east"]) == []
    assert not (deployed["project"] / ".chalice" / "deployed" / f"{STAGE}.json").exists()
    client("sqs").create_queue(QueueName=f"partnerline-{STAGE}-stray")
    assert rehearse.leftovers(client, STAGE, "axcl-dev", deployed["instance"]) == [
        f"queue partnerline-{STAGE}-stray"]
    # The secrets key waits out its 7 days; one no longer scheduled is a leftover.
    from provision import secrets_key

    kms = client("kms")
    [key] = [k for k in kms.list_keys()["Keys"] if kms.describe_key(KeyId=k["KeyId"])[
        "KeyMetadata"].get("Description") == secrets_key.description(STAGE)]
    kms.cancel_key_deletion(KeyId=key["KeyId"])
    assert rehearse.leftovers(client, STAGE, "axcl-dev", deployed["instance"]) == [
        f"queue partnerline-{STAGE}-stray", f"KMS key {key['KeyId']} (삭제 예약 안 됨)"]
