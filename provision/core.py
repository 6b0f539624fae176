"""Idempotent creation of the stage's resources.

Every ``ensure_*`` looks before it leaps and records what it changed in
``Provisioner.changes``; a second run over a provisioned stage changes nothing.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chalicelib import aws, names
from chalicelib.aws import error_code
from chalicelib.lifecycle import indexes
from provision import resources, stages
from provision.errors import StepFailed

STEPFUNCTIONS_DIR = stages.PROJECT_DIR / "stepfunctions"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
VISIBILITY_FACTOR = 6  # AWS's advice for queues behind Lambda
STREAM_VIEW_TYPE = "KEYS_ONLY"


class Provisioner:
    def __init__(self, stage: str, session: Any = None, region: str | None = None,
                 progress: Callable[[str], None] | None = None,
                 config: dict[str, Any] | None = None) -> None:
        import boto3

        self.stage = stage
        self.options = stages.options(stage)
        self.session = session or boto3.session.Session(region_name=region)
        self.region = self.session.region_name or "ap-northeast-2"
        # An AWS stage's config includes what its account stores
        # (provision/stage_state.py), read on first use.
        self._config = config or None
        self.changes: list[str] = []
        self.env: dict[str, str] = {"STAGE": stage, **stages.settings(stage)}
        self._progress = progress or (lambda line: None)
        self._clients: dict[str, Any] = {}
        self.current_step = "준비"  # named in the message when a step fails

    # -- plumbing -----------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        if self._config is None:
            from provision import stage_state

            self._config = stage_state.config(self)
        return self._config

    @config.setter
    def config(self, value: dict[str, Any]) -> None:
        self._config = value

    def client(self, service: str, region: str | None = None) -> Any:
        """A client in the stage's region, or in ``region`` (SMS: see provision.sms)."""
        key = service if region in (None, self.region) else f"{service}@{region}"
        if key not in self._clients:
            made = self.session.client(service, region_name=region or self.region)
            if service == "s3":  # every S3 call names our account (ExpectedBucketOwner)
                aws.expect_bucket_owner(made, self.account_id)
            self._clients[key] = made
        return self._clients[key]

    def _step(self, label: str) -> None:
        self.current_step = label  # named in the message when the step fails
        self._progress(label)

    def changed(self, what: str) -> None:
        self.changes.append(what)
        self._progress(f"  + {what}")

    def account_id(self) -> str:
        if "account" not in self.__dict__:
            self.__dict__["account"] = self.client("sts").get_caller_identity()["Account"]
        return self.__dict__["account"]

    @property
    def prefix(self) -> str:
        return names.prefix(self.stage)

    @property
    def catalogue(self) -> resources.Catalogue:
        """The stage's resources in this region and account: every name and
        ARN a step creates or points at (provision/resources.py)."""
        if "_catalogue" not in self.__dict__:
            from provision import sms

            self.__dict__["_catalogue"] = resources.catalogue(
                self.stage, self.region, self.account_id(), event_bucket=self.event_bucket(),
                sms_region=sms.region(self))
        return self.__dict__["_catalogue"]

    def resource(self, key: str) -> resources.Resource:
        return self.catalogue.get(key)

    # -- the whole stage ----------------------------------------------------
    def run(self) -> dict[str, str]:
        steps = self.steps()
        for i, (label, step) in enumerate(steps, 1):
            self._step(f"[{i}/{len(steps)}] {label}")
            step()
        return dict(self.env)

    def steps(self) -> list[tuple[str, Callable[[], Any]]]:
        """The stage's steps in order, as `run` numbers them (docs/deploy.md)."""
        steps = [("DynamoDB 테이블", self.ensure_table),
                 ("DynamoDB 스트림 (등록 로그)", self.ensure_table_stream),
                 ("SQS 큐", self.ensure_queues),
                 ("S3 버킷", self.ensure_buckets),
                 ("S3 수명 주기 (등록 로그, 내보내기)", self.ensure_retention),
                 ("Step Functions", self.ensure_state_machines),
                 ("SNS 경보 주제", self.ensure_alarm_topic),
                 ("Cognito 사용자 풀 (운영자 로그인)", self.ensure_operators_pool),
                 ("DynamoDB 접근 기록 테이블", self.ensure_access_log)]
        if self.options["aws"]:
            steps += self.aws_steps()
        return steps

    def aws_steps(self) -> list[tuple[str, Callable[[], Any]]]:
        """What only a real account needs (the local stage serves all of it itself)."""
        from provision import (
            alarms,
            cloudfront,
            confirm_link,
            http_api,
            lex,
            retention,
            secrets,
            sms,
            sms_spend,
            stage_state,
            waf,
            web,
        )

        return [("배포 기록 버킷 (S3)", lambda: stage_state.ensure_bucket(self)),
                ("비밀 값 (SSM SecureString)", lambda: secrets.ensure(self)),
                ("SNS SMS 기본값", lambda: sms.ensure(self)),
                ("SNS SMS 월 한도와 80% 경보", lambda: sms_spend.ensure(self)),
                ("HTTP API", lambda: http_api.ensure_api(self)),
                ("파트너 링크 주소 (CONFIRM_BASE_URL)", lambda: confirm_link.ensure(self)),
                ("웹 페이지 (S3 정적 웹사이트)", lambda: web.ensure(self)),
                ("WAF 웹 ACL (us-east-1)", lambda: waf.ensure(self)),
                ("CloudFront (HTTPS 정문)",
                 lambda: cloudfront.ensure(self, self.env["WEB_ACL_ARN"])),
                ("HTTP API CORS (CloudFront 주소만)", lambda: http_api.ensure_api(self)),
                ("Lex 봇", lambda: lex.ensure(self)),
                ("CloudWatch 경보", lambda: alarms.ensure(self)),
                ("CloudWatch 로그 보존 기간", lambda: retention.ensure_log_groups(self))]

    def run_after_deploy(self, connect_instance_id: str | None = None) -> dict[str, str]:
        """After `chalice deploy`: what needs the deployed functions."""
        from provision import alarms, connect, gateway_responses, http_api, snapstart, streams

        # First: the HTTP API and Connect are wired to what this step says to invoke.
        self._step("[1/5] Lambda SnapStart " + ("켜기" if snapstart.enabled(self.stage)
                                                else "끔 (스테이지 설정)"))
        snapstart.ensure(self)
        self._step("[2/5] HTTP API ↔ Lambda")
        http_api.ensure_routes(self)
        self._step("[3/5] REST API 게이트웨이 응답 (한국어)와 스로틀링")
        gateway_responses.ensure(self)
        from provision import sms_spend

        sms_spend.ensure_rest_api_throttle(self)
        self._step("[4/5] 등록 로그 스트림 연결 (재시도·분할·필터)")
        streams.ensure(self)
        if connect_instance_id:
            self._step("[5/5] Amazon Connect")
            connect.ensure(self, connect_instance_id)
            # Connect's own errors for the flow: a function it could not invoke
            # never reaches the registration metric.
            alarms.ensure(self, connect_instance_id)
        else:
            self._step("[5/5] Amazon Connect: --connect-instance-id 없음, 건너뜁니다.")
        return dict(self.env)

    # -- retention (provision/retention.py) ------------------------------------------
    def ensure_retention(self) -> None:
        from provision import retention

        retention.ensure_bucket_lifecycle(self)

    # -- the alarms topic ---------------------------------------------------------
    def ensure_alarm_topic(self) -> str:
        """The stage's alarms topic, in every stage: CloudWatch alarms (AWS
        stages) and escalated requests (chalicelib/notify/escalation.py, all stages;
        locally its messages are read back from the emulator) notify it."""
        from provision import alarms

        arn = alarms.ensure_topic(self)
        self.env["ALARMS_TOPIC_ARN"] = arn
        return arn

    # -- operators (provision/cognito.py) ----------------------------------
    def ensure_operators_pool(self) -> dict[str, str]:
        from provision import cognito

        return cognito.ensure(self)

    def ensure_access_log(self) -> str:
        from provision import cognito

        return cognito.ensure_access_log_table(self)

    # -- DynamoDB -----------------------------------------------------------
    def ensure_table(self) -> str:
        ddb = self.client("dynamodb")
        name = self.resource("table").name
        try:
            ddb.describe_table(TableName=name)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            ddb.create_table(
                TableName=name,
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=_attribute_definitions(),
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                           {"AttributeName": "sk", "KeyType": "RANGE"}],
                GlobalSecondaryIndexes=[i.definition() for i in indexes.INDEXES],
                SSESpecification={"Enabled": True},
            )
            ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
            self.changed(f"table {name}")
        self._ensure_indexes(ddb, name)
        self.ensure_ttl_and_recovery(ddb, name)
        self.env["TABLE_NAME"] = name
        return name

    def ensure_ttl_and_recovery(self, ddb: Any, name: str) -> None:
        """TTL on ``expiresAt`` for every table of ours; point-in-time recovery
        on AWS stages (the emulator's tables are thrown away)."""
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": "expiresAt"})
            self.changed(f"table {name}: TTL on expiresAt")
        if self.options["aws"]:
            backups = ddb.describe_continuous_backups(TableName=name)
            pitr = backups["ContinuousBackupsDescription"].get(
                "PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
            if pitr != "ENABLED":
                ddb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
                self.changed(f"table {name}: point-in-time recovery")

    def _ensure_indexes(self, ddb: Any, name: str) -> None:
        """A table made before an index existed gets it, one UpdateTable per
        index (DynamoDB creates one index per call and takes no other update
        while the table is UPDATING), waiting for each to be ACTIVE."""
        for index in indexes.INDEXES:
            table = ddb.describe_table(TableName=name)["Table"]
            have = {g["IndexName"] for g in table.get("GlobalSecondaryIndexes", [])}
            if index.name in have:
                continue
            ddb.update_table(TableName=name, AttributeDefinitions=_attribute_definitions(),
                             GlobalSecondaryIndexUpdates=[{"Create": index.definition()}])
            _wait_indexes_active(ddb, name)
            self.changed(f"table {name}: index {index.name}")

    def ensure_table_stream(self) -> str:
        """The table's stream, which triggers the registration log's rebuild
        (KEYS_ONLY: the handler needs only which item changed; the rebuild
        reads the table, so no phone number travels in the stream). Enabling
        is idempotent here: an enabled stream of any view type carries the
        keys, and DynamoDB refuses to enable a second one."""
        ddb = self.client("dynamodb")
        name = self.resource("table").name
        described = ddb.describe_table(TableName=name)["Table"]
        if not described.get("StreamSpecification", {}).get("StreamEnabled"):
            ddb.update_table(TableName=name, StreamSpecification={
                "StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE})
            ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
            described = ddb.describe_table(TableName=name)["Table"]
            self.changed(f"table {name}: stream ({STREAM_VIEW_TYPE})")
        arn = described["LatestStreamArn"]
        self.env["REGISTRATION_STREAM_ARN"] = arn
        return arn

    # -- SQS ----------------------------------------------------------------
    def _ensure_queue(self, name: str, attributes: dict[str, str]) -> str:
        sqs = self.client("sqs")
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except Exception as exc:
            if "NonExistentQueue" not in error_code(exc):
                raise
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            self.changed(f"queue {name}")
            return url
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        differs = {k: v for k, v in attributes.items() if not _same_attr(current.get(k), v)}
        if differs:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=differs)
            self.changed(f"queue {name}: {', '.join(sorted(differs))}")
        return url

    def ensure_queues(self) -> dict[str, str]:
        urls = {}
        for kind in names.QUEUE_KINDS:
            dlq = self.resource(f"dlq:{kind}")
            self._ensure_queue(dlq.name, {"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS),
                                          "SqsManagedSseEnabled": "true"})
            urls[kind] = self._ensure_queue(self.resource(f"queue:{kind}").name, {
                "VisibilityTimeout": str(stages.queue_visibility(kind, self.stage, self.config)),
                "SqsManagedSseEnabled": "true",
                "RedrivePolicy": json.dumps({
                    "deadLetterTargetArn": dlq.arn,
                    "maxReceiveCount": self.options["max_receive_count"]}),
            })
        self.queue_urls = urls
        return urls

    # -- S3 -----------------------------------------------------------------
    def event_bucket(self) -> str:
        return stages.event_bucket(self.stage, self.config)

    def _ensure_bucket(self, name: str, setting: str | None = None) -> None:
        s3 = self.client("s3")
        try:
            s3.head_bucket(Bucket=name)
            return
        except Exception as exc:
            code = error_code(exc)
            if code in ("403", "AccessDenied", "Forbidden") and setting:
                # S3 names are global: the name is someone else's bucket.
                raise StepFailed(
                    f"버킷 이름 '{name}'은(는) 다른 AWS 계정이 쓰고 있어요(403). "
                    f"{setting}을(를) 다른 이름으로 바꾼 뒤 다시 실행해 주세요.") from None
            if code not in ("404", "NoSuchBucket", "NotFound"):
                raise
        kwargs: dict[str, Any] = {"Bucket": name}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        s3.create_bucket(**kwargs)
        self.changed(f"bucket {name}")

    def web_bucket_name(self) -> str:
        return self.resource("web-bucket").name

    def ensure_buckets(self) -> None:
        s3 = self.client("s3")
        events = self.event_bucket()
        self._ensure_bucket(events, setting=(
            f"`make deploy STAGE={self.stage} EVENT_BUCKET=<새 이름>` 또는 provision/stages.py의 "
            f"'{self.stage}' 스테이지 event_bucket"))
        self.ensure_bucket_encryption(events)
        self.ensure_public_access_block(events)
        web = self.web_bucket_name()
        self._ensure_bucket(web)
        website = {"IndexDocument": {"Suffix": "index.html"},
                   "ErrorDocument": {"Key": "index.html"}}
        try:
            current = s3.get_bucket_website(Bucket=web)
            current = {k: current[k] for k in website if k in current}
        except Exception as exc:
            if error_code(exc) != "NoSuchWebsiteConfiguration":
                raise
            current = {}
        if current != website:
            s3.put_bucket_website(Bucket=web, WebsiteConfiguration=website)
            self.changed(f"bucket {web}: static website hosting")
        self.env["EVENT_BUCKET"] = events
        self.env["EVENT_BUCKET_OWNER"] = self.account_id()
        self.env["WEB_BUCKET"] = web

    def ensure_bucket_encryption(self, bucket: str) -> None:
        """Default encryption (SSE-S3) on one of our buckets, when it has none."""
        s3 = self.client("s3")
        try:
            rules = s3.get_bucket_encryption(Bucket=bucket)[
                "ServerSideEncryptionConfiguration"]["Rules"]
        except Exception as exc:
            if error_code(exc) != "ServerSideEncryptionConfigurationNotFoundError":
                raise
            rules = []
        if not rules:
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
            self.changed(f"bucket {bucket}: default encryption")

    def ensure_public_access_block(self, bucket: str, wanted: dict[str, bool] | None = None,
                                   what: str = "public access blocked") -> None:
        s3 = self.client("s3")
        wanted = wanted or {k: True for k in ("BlockPublicAcls", "IgnorePublicAcls",
                                              "BlockPublicPolicy", "RestrictPublicBuckets")}
        try:
            current = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        except Exception as exc:
            if error_code(exc) != "NoSuchPublicAccessBlockConfiguration":
                raise
            current = {}
        if current != wanted:
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=wanted)
            self.changed(f"bucket {bucket}: {what}")

    # -- Step Functions -----------------------------------------------------
    def placeholders(self) -> dict[str, str]:
        urls = getattr(self, "queue_urls", None) or self.ensure_queues()
        return {
            "LinkQueueUrl": urls["partner-links"],
            "NotifyQueueUrl": urls["customer-notify"],
            "TableName": self.resource("table").name,
        }

    def ensure_role(self, role: str, service: str, policy_name: str,
                    policy: dict[str, Any]) -> str:
        """A role that ``service`` assumes, with exactly this inline policy."""
        iam = self.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service},
            "Action": "sts:AssumeRole"}]}
        try:
            arn = iam.get_role(RoleName=role)["Role"]["Arn"]
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            arn = iam.create_role(RoleName=role,
                                  AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            self.changed(f"role {role}")
        try:
            current = iam.get_role_policy(RoleName=role, PolicyName=policy_name)[
                "PolicyDocument"]
            if isinstance(current, str):
                from urllib.parse import unquote
                current = json.loads(unquote(current))
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            current = None
        if current != policy:
            iam.put_role_policy(RoleName=role, PolicyName=policy_name,
                                PolicyDocument=json.dumps(policy))
            self.changed(f"role {role}: policy")
        return arn

    def ensure_state_machine_role(self) -> str:
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": [
                self.resource(f"queue:{k}").arn for k in ("partner-links", "customer-notify")]},
            {"Effect": "Allow", "Action": "dynamodb:UpdateItem",
             "Resource": self.resource("table").arn},
        ]}
        return self.ensure_role(self.resource("role:states").name, "states.amazonaws.com",
                                "states", policy)

    def render_definition(self, path: Path) -> str:
        values = self.placeholders()
        text = path.read_text(encoding="utf-8")
        missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
        if missing:
            raise ValueError(f"{path.name}: no value for {', '.join(missing)}")
        rendered = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
        return json.dumps(json.loads(rendered), sort_keys=True)

    def ensure_state_machines(self) -> dict[str, str]:
        sfn = self.client("stepfunctions")
        role_arn = self.ensure_state_machine_role()
        arns = {}
        for path in sorted(STEPFUNCTIONS_DIR.glob("*.json")):
            machine = self.resource(f"state-machine:{path.stem}")
            name, arn = machine.name, machine.arn or ""
            definition = self.render_definition(path)
            try:
                current = sfn.describe_state_machine(stateMachineArn=arn)
            except Exception as exc:
                if error_code(exc) != "StateMachineDoesNotExist":
                    raise
                arn = sfn.create_state_machine(name=name, definition=definition,
                                               roleArn=role_arn)["stateMachineArn"]
                self.changed(f"state machine {name}")
            else:
                same = json.loads(current["definition"]) == json.loads(definition)
                if not same or current["roleArn"] != role_arn:
                    sfn.update_state_machine(stateMachineArn=arn, definition=definition,
                                             roleArn=role_arn)
                    self.changed(f"state machine {name}: definition")
            arns[path.stem] = arn
            env_name = path.stem.upper().replace("-", "_") + "_ARN"
            self.env[env_name] = arn
        return arns


def _same_attr(current: str | None, wanted: str) -> bool:
    if current is None:
        return False
    if wanted.startswith("{"):
        try:
            a, b = json.loads(current), json.loads(wanted)
            return {k: str(v) for k, v in a.items()} == {k: str(v) for k, v in b.items()}
        except ValueError:
            return False
    return current == wanted


def _attribute_definitions() -> list[dict[str, str]]:
    return [{"AttributeName": a, "AttributeType": "S"} for a in indexes.key_attributes()]


def _wait_indexes_active(ddb: Any, name: str, timeout: float = 1800) -> None:
    """Backfilling an index on a large table takes minutes; the table takes
    the next index once it is ACTIVE again."""
    deadline = time.monotonic() + timeout
    while True:
        table = ddb.describe_table(TableName=name)["Table"]
        busy = [g for g in table.get("GlobalSecondaryIndexes", [])
                if g.get("IndexStatus", "ACTIVE") != "ACTIVE"]
        if table.get("TableStatus", "ACTIVE") == "ACTIVE" and not busy:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {name}: indexes not active after {timeout:.0f}s")
        time.sleep(2)
