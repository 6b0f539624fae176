"""The Lambda functions' IAM policies, one per function (least privilege each).

Chalice reads ``.chalice/<iam_policy_file>`` literally (no CloudFormation
substitution), so the files hold real ARNs: provisioning writes them for the
stage with the account, region and Lex ids it just learned. The copies in the
repository carry ``*`` for region and account (and the bot's ids) until a
stage is provisioned from them -- everything else (table, queues, bucket,
state machine, parameter names) is already the stage's own.

With ``autogen_policy: false`` Chalice gives every function its own role
(``<app>-<stage>-<function>``) and reads the stage's ``iam_policy_file``
unless the function names its own under ``lambda_functions`` -- each does;
the stage's file is the bare logging policy a new function would start with.

``*`` remains where AWS offers nothing narrower: ``sns:Publish`` straight to a
phone number (an SMS has no topic ARN) and ``states:SendTaskSuccess`` for a
callback token of a service-integration task (IAM can scope activities only).
The SMS publish is held to the stage's SMS region instead (``SMS_REGION``: SNS
sends no SMS from Seoul) with the global condition key ``aws:RequestedRegion``;
IAM itself is global, so the same role works whatever region it calls. A
function that texts may publish to a phone number only: an explicit Deny on
every SNS ARN (topics, platform endpoints) wins over that Allow, while a
publish to a phone number names no ARN. The escalation page publishes to the
stage's alarms topic, by its ARN, and nothing else.

DynamoDB: each function's item actions are held to the partition-key prefixes
its code uses (``dynamodb:LeadingKeys``, ``TABLE_KEYS``), per action. A Query
on an index is not: its partition key is the index's (``REQUESTS``, a status,
a reservation number, a phone), not the item's ``pk``, so it gets Query on the
indexes alone, without the condition. ``DescribeTable`` names no key.

Secrets: ``ssm:GetParameter`` on the function's own parameters and
``kms:Decrypt`` on the stage's secrets key only through SSM
(``kms:ViaService``); the key's policy names the same functions
(``provision/secrets_key.py``).

Each action here is one the function's code calls; the test session records
every call per function and checks it against these files
(tests/least_privilege.py, report in test-artifacts/least-privilege*.txt).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib import settings
from chalicelib.settings import ROSTER_PREFIX
from provision import lambdas, resources, secrets_key, stages

CHALICE_DIR = stages.PROJECT_DIR / ".chalice"
ANY = "*"


def policy_file(stage: str, handler: str | None = None) -> str:
    return f"policy-{stage}.json" if handler is None else f"policy-{stage}-{handler}.json"


class Arns:
    """The stage's resource ARNs for one region and account (``*`` for either),
    read from the stage's catalogue (provision/resources.py); only what lies
    outside the stage (Bedrock's models) is spelled here."""

    def __init__(self, stage: str, region: str, account: str, event_bucket: str,
                 bot_id: str = ANY, alias_id: str = ANY, model_id: str | None = None,
                 sms_region: str | None = None, secrets_key: str = ANY) -> None:
        self.stage, self.region, self.account = stage, region, account
        self.sms_region = sms_region or settings.Settings.sms_region
        self.event_bucket = event_bucket
        self.bot_id, self.alias_id = bot_id, alias_id
        self.model_id = model_id or settings.Settings.bedrock_model_id
        # The secrets key's id (its ARN's last part), known once provisioned.
        self.secrets_key = secrets_key.rsplit("/", 1)[-1]
        self.catalogue = resources.catalogue(stage, region, account, event_bucket=event_bucket,
                                             secrets_key=self.secrets_key, bot_id=bot_id,
                                             alias_id=alias_id, sms_region=self.sms_region)

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def _of(self, key: str) -> str:
        return self.catalogue.get(key).arn or ""

    def table(self) -> list[str]:
        return [self._of("table"), self.catalogue.get("table").sub("/index/*")]

    def table_streams(self) -> list[str]:
        return [self.catalogue.get("table").sub("/stream/*")]

    def queue(self, kind: str) -> str:
        return self._of(f"queue:{kind}")

    def dead_letter_queue(self, kind: str) -> str:
        return self._of(f"dlq:{kind}")

    def alarms_topic(self) -> str:
        return self._of("alarms-topic")

    def state_machine(self) -> str:
        return self._of("state-machine:partner-confirmation")

    def executions(self) -> str:
        return self.catalogue.get("state-machine:partner-confirmation").sub(":*")

    def parameter(self, secret: str) -> str:
        return self._of(f"parameter:{secret}")

    def access_log(self) -> str:
        return self._of("access-log")

    def secrets_key_arn(self) -> str:
        return self._of("secrets-key")

    def via_ssm(self) -> str:
        return f"ssm.{self.region}.amazonaws.com"

    def bot_alias(self) -> str:
        return self._of("bot")

    def models(self) -> list[str]:
        # Outside the stage: a cross-region inference profile ("apac.<model>")
        # sends the call to the model in any of its regions: the model ARN has
        # no region then.
        model = self.model_id
        base = model.split(".", 1)[1] if model.split(".", 1)[0] in (
            "apac", "us", "eu", "global", "jp", "au", "ca") else model
        arns = [f"arn:aws:bedrock:*::foundation-model/{base}"]
        if base != model:
            arns.append(self._arn("bedrock", f"inference-profile/{model}"))
        return arns

    def event_log(self) -> str:
        # `<eventId>_event.txt`: the next event (a setting) reuses the line.
        return self.catalogue.get("event-bucket").sub("/*_event.txt")

    def roster(self) -> str:
        # The optional employee roster (EMPLOYEE_ROSTER_KEY lives under rosters/).
        return self.catalogue.get("event-bucket").sub(f"/{ROSTER_PREFIX}*")

    def event_bucket_arn(self) -> str:
        return self._of("event-bucket")

    def log_group(self, handler: str) -> str:
        return self._of(f"log-group:{handler}")

    def log_groups(self) -> str:
        """Any of the stage's functions' log groups (the stage's default policy)."""
        return self.catalogue.get(f"log-group:{lambdas.API_HANDLER}").sub("*")


def _allow(actions: list[str], resources: list[str] | str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": sorted(actions),
            "Resource": resources if isinstance(resources, str) else list(resources)}


def _logs(arns: Arns, handler: str | None) -> list[dict[str, Any]]:
    if handler is None:  # the stage's default: any of the stage's functions
        group = arns.log_groups()
    else:
        group = arns.log_group(handler)
    return [_allow(["logs:CreateLogGroup"], [group]),
            _allow(["logs:CreateLogStream", "logs:PutLogEvents"], [f"{group}:*"])]


def _consume(arns: Arns, kind: str) -> dict[str, Any]:
    # What Lambda's event source mapping does with the function's role.
    return _allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                   "sqs:ChangeMessageVisibility"], [arns.queue(kind)])


def _set_aside(arns: Arns, kind: str) -> dict[str, Any]:
    # chalicelib.queues.set_aside: a poison message to the queue's DLQ.
    return _allow(["sqs:SendMessage", "sqs:GetQueueUrl"], [arns.dead_letter_queue(kind)])


def _read_stream(arns: Arns) -> dict[str, Any]:
    # What Lambda's DynamoDB event source mapping does with the function's role.
    return _allow(["dynamodb:DescribeStream", "dynamodb:GetRecords",
                   "dynamodb:GetShardIterator", "dynamodb:ListStreams"], arns.table_streams())


def _secret(arns: Arns, *secret: str) -> list[dict[str, Any]]:
    # SecureStrings under the stage's own KMS key: SSM decrypts them with the
    # caller's role, so it needs kms:Decrypt on that key, only through SSM.
    via = "StringLike" if ANY in arns.via_ssm() else "StringEquals"
    return [_allow(["ssm:GetParameter"], [arns.parameter(s) for s in secret]),
            {**_allow(["kms:Decrypt"], [arns.secrets_key_arn()]),
             "Condition": {via: {"kms:ViaService": arns.via_ssm()}}}]


def _sms(arns: Arns) -> list[dict[str, Any]]:
    # A text to a phone number names no ARN (Resource "*"); every SNS ARN --
    # a topic of any account, a platform endpoint -- is denied outright.
    return [{**_allow(["sns:Publish"], ANY),
             "Condition": {"StringEquals": {"aws:RequestedRegion": arns.sms_region}}},
            {"Effect": "Deny", "Action": ["sns:Publish"], "Resource": ["arn:aws:sns:*:*:*"]}]


# The partition-key prefixes (``pk`` up to its first "#") each function's code
# reads or writes, per DynamoDB item action (docs/data-model.md):
# RES# reservations, REQ# requests, OPEN# a reservation's open request, IDEM#
# Idempotency-Key records, SESSION# chat sessions, SMSDAY# a partner's SMS
# count of the day, EVENT# registrations, lottery numbers and draws, ALARM#
# the escalation page's limiter.
TABLE_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    lambdas.API_HANDLER: {
        # Registrations (admin list), idempotency records, requests,
        # reservations (read only, never written), chat sessions.
        "dynamodb:GetItem": ("EVENT#", "IDEM#", "REQ#", "RES#", "SESSION#"),
        "dynamodb:PutItem": ("REQ#", "SESSION#"),
        "dynamodb:UpdateItem": ("IDEM#", "OPEN#", "REQ#"),
        # A session completed once; an idempotency record given up on a 5xx.
        "dynamodb:DeleteItem": ("IDEM#", "SESSION#"),
        "dynamodb:Query": ("EVENT#",),
    },
    "connect_event_registration": {
        # TransactWriteItems: each Put is authorised as PutItem.
        "dynamodb:PutItem": ("EVENT#",),
        "dynamodb:Query": ("EVENT#",),
    },
    "handle_partner_link": {"dynamodb:UpdateItem": ("REQ#", "SMSDAY#")},
    "handle_customer_notification": {"dynamodb:UpdateItem": ("ALARM#", "REQ#")},
    "handle_registration_log": {"dynamodb:Query": ("EVENT#",)},
    # The retention sweep (chalicelib/retention/): the event's registrations
    # read and their phones removed, requests' personal data erased.
    "erase_personal_data": {"dynamodb:Query": ("EVENT#",),
                            "dynamodb:UpdateItem": ("EVENT#", "REQ#")},
}
# Query on the request indexes (the dashboard's list and search).
INDEX_QUERIES = {lambdas.API_HANDLER: ("dynamodb:Query",),
                 # The personalData index: requests due for erasure.
                 "erase_personal_data": ("dynamodb:Query",)}
# Named no key: read by the health check.
TABLE_WIDE = {lambdas.API_HANDLER: ("dynamodb:DescribeTable",)}


def _table(arns: Arns, handler: str) -> list[dict[str, Any]]:
    """The function's DynamoDB statements: one per set of prefixes."""
    table, index = arns.table()
    by_keys: dict[tuple[str, ...], list[str]] = {}
    for action, prefixes in TABLE_KEYS.get(handler, {}).items():
        by_keys.setdefault(tuple(sorted(prefixes)), []).append(action)
    out = [{**_allow(actions, [table]), "Condition": {"ForAllValues:StringLike": {
        "dynamodb:LeadingKeys": [f"{p}*" for p in prefixes]}}}
        for prefixes, actions in sorted(by_keys.items())]
    if handler in INDEX_QUERIES:
        out.append(_allow(list(INDEX_QUERIES[handler]), [index]))
    if handler in TABLE_WIDE:
        out.append(_allow(list(TABLE_WIDE[handler]), [table]))
    return out


def secret_readers(stage: str) -> tuple[str, ...]:
    """The functions whose policy reads an SSM secret (the key's readers)."""
    arns = Arns(stage, ANY, ANY, "x")
    return tuple(h for h in (lambdas.API_HANDLER, *lambdas.HANDLERS)
                 if any("ssm:GetParameter" in s["Action"] for s in statements(arns, h)))


def statements(arns: Arns, handler: str) -> list[dict[str, Any]]:
    """What each function calls (see each module's AWS calls), on the stage's ARNs."""
    if handler == lambdas.API_HANDLER:
        return [
            *_table(arns, handler),
            _allow(["states:StartExecution"], [arns.state_machine()]),
            # partner.answers: did the execution take this very answer?
            _allow(["states:GetExecutionHistory"], [arns.executions()]),
            # The partner's answer; a failure is never sent (the wait times out).
            _allow(["states:SendTaskSuccess"], ANY),
            _allow(["lex:RecognizeText"], [arns.bot_alias()]),
            *_secret(arns, "LINK_SIGNING_KEYS"),
            # The access record (chalicelib/operators/access_log.py): appended
            # and read, never updated or deleted -- no UpdateItem, DeleteItem or
            # BatchWriteItem on it, so the app's role cannot change a record.
            _allow(["dynamodb:PutItem", "dynamodb:Query"], [arns.access_log()]),
            # Operators' resend and the customer's reply text the partner.
            *_sms(arns),
            # An operator's answer after the wait: the customer is notified.
            _allow(["sqs:SendMessage", "sqs:GetQueueUrl"], [arns.queue("customer-notify")]),
        ]
    if handler == "connect_event_registration":
        return [
            # TransactWriteItems (two conditional puts) is authorised per item as
            # PutItem; Query reads the used numbers after repeated clashes. The
            # log follows from the table's stream: nothing else to call.
            *_table(arns, handler),
            _allow(["s3:GetObject"], [arns.roster()]),
        ]
    if handler == "handle_partner_link":
        return [
            _consume(arns, "partner-links"),
            _set_aside(arns, "partner-links"),
            # Every read is the item an UpdateItem returns (ALL_NEW / ALL_OLD).
            *_table(arns, handler),
            *_sms(arns),
            *_secret(arns, "LINK_SIGNING_KEYS"),
        ]
    if handler == "handle_customer_notification":
        return [
            _consume(arns, "customer-notify"),
            _set_aside(arns, "customer-notify"),
            # The request's writes, and the escalation page's rate limiter item.
            *_table(arns, handler),
            _allow(["bedrock:InvokeModel"], arns.models()),
            # chalicelib.notify.escalation pages the stage's alarms topic.
            _allow(["sns:Publish"], [arns.alarms_topic()]),
        ]
    if handler == "handle_registration_log":
        return [
            _read_stream(arns),
            *_table(arns, handler),
            # HeadObject is authorised as GetObject; without ListBucket a missing
            # file answers 403 instead of 404 and the first write never happens.
            _allow(["s3:GetObject", "s3:PutObject"], [arns.event_log()]),
            _allow(["s3:ListBucket"], [arns.event_bucket_arn()]),
        ]
    if handler == "erase_personal_data":
        # chalicelib.retention: Query the personalData index and the event's
        # registrations, a conditional UpdateItem per erasure. The log file is
        # rebuilt by handle_registration_log from the stream: no S3 here.
        return _table(arns, handler)
    raise ValueError(f"no policy for {handler}")


def document(arns: Arns, handler: str | None) -> dict[str, Any]:
    body = [] if handler is None else statements(arns, handler)
    return {"Version": "2012-10-17", "Statement": [*_logs(arns, handler), *body]}


def documents(arns: Arns) -> dict[str, dict[str, Any]]:
    """File name -> policy, for the stage's file and every function's."""
    docs = {policy_file(arns.stage): document(arns, None)}
    for handler in (lambdas.API_HANDLER, *lambdas.HANDLERS):
        docs[policy_file(arns.stage, handler)] = document(arns, handler)
    return docs


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(docs: dict[str, dict[str, Any]], chalice_dir: Path = CHALICE_DIR) -> list[str]:
    """Write the files that differ; returns their names."""
    written = []
    for name, doc in docs.items():
        path = chalice_dir / name
        text = render(doc)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.write_text(text, encoding="utf-8")
        written.append(name)
    return written


def ensure(prov: Any, chalice_dir: Path | None = None) -> list[str]:
    """The stage's policy files with its real ARNs (after Lex, which knows the bot ids)."""
    stage_env = prov.config.get("stages", {}).get(prov.stage, {}).get(
        "environment_variables", {})
    arns = Arns(prov.stage, prov.region, prov.account_id(), prov.event_bucket(),
                bot_id=prov.env.get("LEX_BOT_ID", ANY),
                alias_id=prov.env.get("LEX_BOT_ALIAS_ID", ANY),
                model_id=stage_env.get("BEDROCK_MODEL_ID"),
                sms_region=prov.env.get("SMS_REGION") or stage_env.get("SMS_REGION"),
                secrets_key=secrets_key.arn(prov) or ANY)
    target = chalice_dir or getattr(prov, "chalice_dir", None) or CHALICE_DIR
    written = write(documents(arns), target)
    for name in written:
        prov.changed(f"IAM policy {name}")
    return written


def template(stage: str) -> dict[str, dict[str, Any]]:
    """The repository's copies: the stage's names, any region and account."""
    return documents(Arns(stage, ANY, ANY, stages.options(stage)["event_bucket"]))


if __name__ == "__main__":  # python -m provision.policies: refresh the repo's copies
    for stage_name, opts in stages.STAGES.items():
        if opts["aws"]:
            print(stage_name, write(template(stage_name)))
