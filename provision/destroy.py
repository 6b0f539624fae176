"""python -m provision.destroy --stage STAGE [--confirm STAGE] [--connect-instance-id ID]

Deletes everything `make deploy STAGE=...` created, and prints each deletion:
what `chalice deploy` made (``chalice delete``, then any function, mapping,
role, REST API, log group or schedule rule of the stage it did not know about,
e.g. after a failed deploy), the HTTP API, Amazon Connect's flow and association, the
Lex bot and its role, alarms and their topic, state machines and their role,
SSM parameters and their KMS key (deletion scheduled: 7 days), queues and
dead-letter queues, the three buckets (every object version first, the deploy
bucket with Chalice's record too), the table, the operators' user pool and the
access record, the stage's stored names (SSM, provision/stage_state.py) and this
checkout's copy of Chalice's record (ignored by git). No tracked file is written.

What provisioning made is what provision/resources.py lists: each teardown
step deletes the catalogue's entries for it (``Destroyer.delete`` dispatches on
the kind), in the catalogue's order; the other steps find what Chalice and the
front door made by name.

Idempotent: what is already gone is skipped, and a second run says there was
nothing to delete. ``prod`` needs ``--confirm prod`` (``make destroy
STAGE=prod CONFIRM=prod``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from chalicelib import names
from chalicelib.aws import error_code
from provision import (
    alarms,
    confirm_link,
    connect,
    gateway_responses,
    http_api,
    lambdas,
    resources,
    secrets_key,
    stage_state,
    stages,
)
from provision.core import Provisioner
from provision.errors import explain

GONE = ("NotFound", "NoSuch", "NonExistent", "DoesNotExist", "404")


def _gone(exc: BaseException) -> bool:
    code = error_code(exc)
    return any(g in code for g in GONE)


class Destroyer:
    def __init__(self, prov: Provisioner, progress: Callable[[str], None] = print) -> None:
        self.prov = prov
        self.stage = prov.stage
        self.prefix = prov.prefix
        self.deleted: list[str] = []
        self._progress = progress
        self.current_step = "준비"

    def c(self, service: str) -> Any:
        return self.prov.client(service)

    def did(self, what: str) -> None:
        self.deleted.append(what)
        self._progress(f"  - 삭제: {what}")

    def attempt(self, what: str, call: Callable[[], Any]) -> None:
        """Delete one thing; already gone is fine (idempotent)."""
        try:
            call()
        except Exception as exc:
            if _gone(exc):
                return
            raise
        self.did(what)

    def ours(self, name: str) -> bool:
        return name == self.prefix or name.startswith(self.prefix + "-")

    # -- what the catalogue lists (provision/resources.py) ------------------
    @property
    def catalogue(self) -> resources.Catalogue:
        if "_catalogue" not in self.__dict__:
            from provision import sms

            self.__dict__["_catalogue"] = resources.catalogue(
                self.stage, self.prov.region, self.prov.account_id(),
                event_bucket=self.prov.event_bucket(), sms_region=sms.region(self.prov))
        return self.__dict__["_catalogue"]

    def delete_step(self, step: str) -> None:
        """Every catalogue entry this teardown step deletes, in the catalogue's order."""
        for entry in self.catalogue.for_step(step):
            self.delete(entry)

    def delete(self, entry: resources.Resource) -> None:
        """One catalogue entry, by its kind; already gone is skipped."""
        kind, name = entry.kind, entry.name
        if kind == "table":
            ddb = self.c("dynamodb")
            self.attempt(f"table {name}", lambda: ddb.delete_table(TableName=name))
        elif kind == "queue":
            sqs = self.c("sqs")
            try:
                url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except Exception as exc:
                if _gone(exc):
                    return
                raise
            self.attempt(f"queue {name}", lambda: sqs.delete_queue(QueueUrl=url))
        elif kind == "bucket":
            self.delete_bucket(name)
        elif kind == "topic":
            away = entry.region != self.prov.region
            sns = self.prov.client("sns", region=entry.region if away else None)
            try:
                sns.get_topic_attributes(TopicArn=entry.arn)
            except Exception as exc:
                if _gone(exc):
                    return
                raise
            self.attempt(f"SNS topic {name}" + (f" ({entry.region})" if away else ""),
                         lambda: sns.delete_topic(TopicArn=entry.arn))
        elif kind == "state-machine":
            sfn = self.c("stepfunctions")
            try:
                sfn.describe_state_machine(stateMachineArn=entry.arn)
            except Exception as exc:
                if _gone(exc):
                    return
                raise
            sfn.delete_state_machine(stateMachineArn=entry.arn)
            self.did(f"state machine {name}")
        elif kind == "role":
            self.delete_role(name)
        elif kind == "parameter":
            ssm = self.c("ssm")
            self.attempt(f"SSM parameter {name}", lambda: ssm.delete_parameter(Name=name))
        elif kind == "key":
            # Scheduled for deletion, then its alias (provision/secrets_key.py).
            secrets_key.destroy(self)
        elif kind == "user-pool":
            from provision import cognito

            idp = self.c("cognito-idp")
            pool_id = cognito.find_pool(idp, name)
            if pool_id is not None:
                self.attempt(f"Cognito user pool {name}",
                             lambda: idp.delete_user_pool(UserPoolId=pool_id))
        elif kind == "log-group":
            logs = self.c("logs")
            self.attempt(f"log group {name}", lambda: logs.delete_log_group(logGroupName=name))
        elif kind == "bot":
            models = self.c("lexv2-models")
            found = models.list_bots(filters=[{"name": "BotName", "values": [name],
                                               "operator": "EQ"}]).get("botSummaries", [])
            for bot in found:
                if bot.get("botName") == name:
                    self.attempt(f"Lex bot {name}", lambda b=bot["botId"]: models.delete_bot(
                        botId=b, skipResourceInUseCheck=True))
        else:
            raise ValueError(f"no deletion for {entry.key} ({kind})")

    # -- the whole stage ----------------------------------------------------
    def run(self, connect_instance_id: str | None = None) -> list[str]:
        steps = [("Chalice 배포 (chalice delete)", self.chalice_delete),
                 ("Lambda 함수, 큐 연결, 역할, REST API, 로그 그룹", self.functions),
                 ("CloudFront과 WAF (정문)", self.front_door),
                 ("EventBridge 일정 (개인정보 파기)", self.schedules),
                 ("HTTP API", self.http_api),
                 ("Amazon Connect", lambda: self.connect(connect_instance_id)),
                 ("Lex 봇", self.lex),
                 ("CloudWatch 경보와 SNS 주제", self.alarms),
                 ("SMS 지출 경보", self.sms_spend_alarm),
                 ("Step Functions", self.state_machines),
                 ("비밀 값 (SSM)", self.parameters),
                 ("SQS 큐", self.queues),
                 ("S3 버킷", self.buckets),
                 ("DynamoDB 테이블", self.table),
                 ("Cognito 사용자 풀과 접근 기록", self.operators),
                 (".chalice/deployed 기록 (이 체크아웃)", self.local_files)]
        for i, (label, step) in enumerate(steps, 1):
            self.current_step = f"[{i}/{len(steps)}] {label}"
            self._progress(self.current_step)
            step()
        return self.deleted

    # -- what chalice deploy made -------------------------------------------
    def chalice_delete(self) -> None:
        # The stage's stored names (the event bucket's, above all) before
        # the SSM step deletes them; Chalice's record from the deploy bucket.
        _ = self.prov.config
        stage_state.fetch_record(self.c("s3"), self.deploy_bucket(), self.stage,
                                 stages.PROJECT_DIR)
        record = gateway_responses.DEPLOYED_DIR / f"{self.stage}.json"
        if not record.is_file() or not json.loads(record.read_text(encoding="utf-8")).get(
                "resources"):
            self._progress("  (Chalice 배포 기록 없음: 남은 것은 다음 단계에서 찾아 지워요)")
            return
        from provision import chalice_cli

        rc = chalice_cli.main(["delete", "--stage", self.stage])
        if rc:
            raise SystemExit(rc)
        self.did(f"chalice delete --stage {self.stage} (함수, 역할, 큐 연결, REST API)")

    def functions(self) -> None:
        lam, iam = self.c("lambda"), self.c("iam")
        functions = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate()
                     for f in page["Functions"] if self.ours(f["FunctionName"])]
        queue_arns = {q.arn for q in self.catalogue.of_kind("queue")}
        for page in lam.get_paginator("list_event_source_mappings").paginate():
            for m in page["EventSourceMappings"]:
                fn = m.get("FunctionArn", "").rsplit(":", 1)[-1]
                if self.ours(fn) or m.get("EventSourceArn") in queue_arns:
                    self.attempt(f"event source mapping {m['UUID']} ({fn})",
                                 lambda u=m["UUID"]: lam.delete_event_source_mapping(UUID=u))
        for fn in functions:
            self.attempt(f"Lambda function {fn}", lambda f=fn: lam.delete_function(FunctionName=f))
        self.rest_apis()
        # The catalogue's roles (states, lex) go with their own steps.
        later = {r.name for r in self.catalogue.of_kind("role")}
        for page in iam.get_paginator("list_roles").paginate():
            for role in page["Roles"]:
                name = role["RoleName"]
                if self.ours(name) and name not in later:
                    self.delete_role(name)
        self.delete_step("functions")
        # ... and any other function's of the stage (one since renamed or removed).
        logs = self.c("logs")
        for page in logs.get_paginator("describe_log_groups").paginate(
                logGroupNamePrefix=f"/aws/lambda/{self.prefix}"):
            for group in page["logGroups"]:
                name = group["logGroupName"]
                if self.ours(name.rsplit("/", 1)[-1]):
                    self.attempt(f"log group {name}",
                                 lambda n=name: logs.delete_log_group(logGroupName=n))

    def schedules(self) -> None:
        """The rules `chalice deploy` made for @app.schedule functions
        (``<app>-<stage>-<function>-event``), when ``chalice delete`` did not know them."""
        events = self.c("events")
        for page in events.get_paginator("list_rules").paginate(NamePrefix=self.prefix):
            for rule in page.get("Rules", []):
                name = rule["Name"]
                if not self.ours(name):
                    continue
                targets = [t["Id"] for t in events.list_targets_by_rule(Rule=name).get(
                    "Targets", [])]
                if targets:
                    events.remove_targets(Rule=name, Ids=targets)
                self.attempt(f"EventBridge rule {name}", lambda n=name: events.delete_rule(Name=n))

    def rest_apis(self) -> None:
        apigw = self.c("apigateway")
        suffixes = tuple(f":function:{lambdas.function_name(self.stage, h)}/invocations"
                         for h in (lambdas.API_HANDLER, *lambdas.HANDLERS))
        for page in apigw.get_paginator("get_rest_apis").paginate():
            for api in page.get("items", []):
                if api.get("name") == names.APP_NAME and any(
                        gateway_responses._invokes(apigw, api["id"], s) for s in suffixes):
                    self.attempt(f"REST API {api['id']}",
                                 lambda i=api["id"]: apigw.delete_rest_api(restApiId=i))

    def delete_role(self, name: str) -> None:
        iam = self.c("iam")
        try:
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                iam.delete_role_policy(RoleName=name, PolicyName=policy)
            for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        except Exception as exc:
            if _gone(exc):
                return
            raise
        self.attempt(f"IAM role {name}", lambda: iam.delete_role(RoleName=name))

    # -- provisioned --------------------------------------------------------
    def front_door(self) -> None:
        """The distribution (disabled, then deleted once Deployed: minutes in
        AWS), its response headers policy, the web ACL, and the WAF alarm
        and topic in us-east-1."""
        from provision import cloudfront, waf

        cf = self.c("cloudfront")
        found = cloudfront.find_distribution(cf, self.stage)
        if found:
            dist_id = found["Id"]
            current = cf.get_distribution_config(Id=dist_id)
            if current["DistributionConfig"].get("Enabled"):
                cf.update_distribution(Id=dist_id, IfMatch=current["ETag"], DistributionConfig={
                    **current["DistributionConfig"], "Enabled": False})
                self._progress(f"  CloudFront {dist_id}를 끄고 배포가 끝나기를 기다려요 "
                               "(AWS에서는 몇 분 걸려요)")
            cloudfront.wait_deployed(cf, dist_id)
            etag = cf.get_distribution(Id=dist_id)["ETag"]
            self.attempt(f"CloudFront distribution {dist_id}",
                         lambda: cf.delete_distribution(Id=dist_id, IfMatch=etag))
        policy = cloudfront.find_headers_policy(cf, self.stage)
        if policy:
            etag = cf.get_response_headers_policy(Id=policy["Id"])["ETag"]
            self.attempt(f"CloudFront response headers policy {cloudfront.policy_name(self.stage)}",
                         lambda: cf.delete_response_headers_policy(Id=policy["Id"], IfMatch=etag))
        acl_client = self.prov.client("wafv2", region=waf.REGION)
        acl = waf.find_acl(acl_client, self.stage)
        if acl:
            lock = acl_client.get_web_acl(Name=acl["Name"], Scope=waf.SCOPE,
                                          Id=acl["Id"])["LockToken"]
            self.attempt(f"WAF web ACL {acl['Name']} (us-east-1)",
                         lambda: acl_client.delete_web_acl(Name=acl["Name"], Scope=waf.SCOPE,
                                                           Id=acl["Id"], LockToken=lock))
        cloudwatch = self.prov.client("cloudwatch", region=waf.REGION)
        if cloudwatch.describe_alarms(AlarmNames=[waf.alarm_name(self.stage)])["MetricAlarms"]:
            cloudwatch.delete_alarms(AlarmNames=[waf.alarm_name(self.stage)])
            self.did(f"alarm {waf.alarm_name(self.stage)} (us-east-1)")
        self.delete_step("front_door")

    def http_api(self) -> None:
        apigw = self.c("apigatewayv2")
        found = http_api._find_api(apigw, http_api.api_name(self.stage))
        self.custom_domain(apigw, found["ApiId"] if found else None)
        if found:
            self.attempt(f"HTTP API {found['Name']}",
                         lambda: apigw.delete_api(ApiId=found["ApiId"]))

    def custom_domain(self, apigw: Any, api_id: str | None) -> None:
        """The partner links' custom domain (provision/confirm_link.py), when
        the stage names one: our mapping goes; the domain name too, unless
        another API is still mapped to it."""
        domain = confirm_link.stage_setting(self.prov, confirm_link.DOMAIN_SETTING)
        domain = domain.rstrip(".").lower()
        if not domain:
            return
        try:
            mappings = apigw.get_api_mappings(DomainName=domain).get("Items", [])
        except Exception as exc:
            if _gone(exc):
                return
            raise
        others = [m for m in mappings if m.get("ApiId") != api_id]
        for mapping in mappings:
            if mapping.get("ApiId") == api_id:
                self.attempt(f"API 매핑 {domain} → {api_id}",
                             lambda m=mapping: apigw.delete_api_mapping(
                                 ApiMappingId=m["ApiMappingId"], DomainName=domain))
        if others:
            self._progress(f"  = 남김: 사용자 지정 도메인 {domain} (다른 API가 연결되어 있어요)")
            return
        self.attempt(f"사용자 지정 도메인 {domain} (DNS 레코드는 직접 지워 주세요)",
                     lambda: apigw.delete_domain_name(DomainName=domain))

    def connect(self, instance_id: str | None) -> None:
        client = self.c("connect")
        if instance_id:
            instances = [instance_id]
        else:
            try:
                instances = [i["Id"] for i in connect._paged(
                    client.list_instances, "InstanceSummaryList")]
            except Exception as exc:  # noqa: BLE001 - no Connect here: nothing of ours
                self._progress(f"  (Connect 인스턴스를 볼 수 없어요: {error_code(exc)})")
                return
        function_arn = lambdas.function_arn(self.prov.region, self.prov.account_id(),
                                            self.stage, connect.HANDLER)
        for instance in instances:
            flows = connect._paged(client.list_contact_flows, "ContactFlowSummaryList",
                                   InstanceId=instance, ContactFlowTypes=["CONTACT_FLOW"])
            for flow in flows:
                if flow["Name"] == connect.flow_name(self.stage):
                    self.attempt(f"Connect {instance}: contact flow {flow['Name']}",
                                 lambda f=flow["Id"], i=instance: client.delete_contact_flow(
                                     InstanceId=i, ContactFlowId=f))
            associated = connect._paged(client.list_lambda_functions, "LambdaFunctions",
                                        InstanceId=instance)
            if function_arn in associated:
                self.attempt(f"Connect {instance}: function association",
                             lambda i=instance: client.disassociate_lambda_function(
                                 InstanceId=i, FunctionArn=function_arn))

    def lex(self) -> None:
        self.delete_step("lex")

    def alarms(self) -> None:
        cloudwatch = self.c("cloudwatch")
        topic = self.catalogue.get("alarms-topic").arn or ""
        wanted = [a["AlarmName"] for a in alarms.definitions(self.stage, topic)]
        existing = [a["AlarmName"] for a in cloudwatch.describe_alarms(
            AlarmNames=wanted).get("MetricAlarms", [])]
        if existing:
            cloudwatch.delete_alarms(AlarmNames=existing)
            for name in existing:
                self.did(f"alarm {name}")
        self.delete_step("alarms")  # the topic they notified

    def sms_spend_alarm(self) -> None:
        from provision import sms_spend

        for name in sms_spend.remove_alarm(self.prov):
            self.did(f"alarm {name}")

    def state_machines(self) -> None:
        self.delete_step("state_machines")  # the machines, then their role

    def deploy_bucket(self) -> str:
        return stage_state.bucket_name(self.stage, self.prov.account_id())

    def parameters(self) -> None:
        ssm = self.c("ssm")
        for name in stage_state.delete_env(ssm, self.stage):
            self.did(f"SSM parameter {name}")
        # The secrets, then their KMS key (scheduled for deletion).
        self.delete_step("parameters")

    def queues(self) -> None:
        self.delete_step("queues")

    def buckets(self) -> None:
        self.delete_step("buckets")

    def delete_bucket(self, bucket: str) -> None:
        s3 = self.c("s3")
        try:
            s3.head_bucket(Bucket=bucket)
        except Exception as exc:
            if _gone(exc):
                return
            raise
        emptied = 0
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            for i in range(0, len(doomed), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed[i:i + 1000],
                                                         "Quiet": True})
            emptied += len(doomed)
        self.attempt(f"bucket {bucket} (객체 {emptied}개 포함)",
                     lambda: s3.delete_bucket(Bucket=bucket))

    def table(self) -> None:
        self.delete_step("table")

    def operators(self) -> None:
        self.delete_step("operators")  # the user pool and the access record's table

    def local_files(self) -> None:
        record = gateway_responses.DEPLOYED_DIR / f"{self.stage}.json"
        if record.is_file():
            record.unlink()
            self.did(f".chalice/deployed/{self.stage}.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provision.destroy", description=__doc__)
    parser.add_argument("--stage", required=True, choices=sorted(
        s for s, o in stages.STAGES.items() if o["aws"]))
    parser.add_argument("--confirm", default="")
    parser.add_argument("--region", default=None)
    parser.add_argument("--connect-instance-id", default=None)
    args = parser.parse_args(argv)
    if args.stage == "prod" and args.confirm != "prod":
        print("prod 스테이지는 지우지 않았어요. 정말 지우려면 "
              "`make destroy STAGE=prod CONFIRM=prod`로 실행해 주세요.", file=sys.stderr)
        return 2
    print(f"'{args.stage}' 스테이지의 리소스를 지웁니다.")
    destroyer = Destroyer(Provisioner(args.stage, region=args.region))
    try:
        deleted = destroyer.run(args.connect_instance_id)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - a message a person can act on, no traceback
        print(explain(destroyer.current_step, exc), file=sys.stderr)
        return 1
    print(f"완료: {len(deleted)}개를 지웠습니다." if deleted else "완료: 지울 것이 없습니다.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
