"""The stage's AWS resources, declared once: what each is, its name for the
stage, its ARN for a region and account, and which teardown step deletes it.

Four readers, nothing of their own to spell: provisioning (``provision/core.py``
and its step modules) creates them under these names, ``provision/destroy.py``
deletes what this lists in this order, ``provision/policies.py`` grants on
these ARNs, and the rehearsal (``devstack/rehearse.py``) checks that each is
there and gone again. ``tests/integration/test_resources_catalogue.py``
provisions a stage and compares the account with this list, then destroys it.

What the catalogue leaves out, on purpose: what ``chalice deploy`` makes
(functions, their roles, the REST API, the event source mappings, the
schedule rule; Chalice names them and ``chalice delete`` removes them), the
front door (HTTP API, CloudFront, WAF: found by name or comment in their
own modules), CloudWatch alarms (``provision/alarms.py`` defines them from
the functions) and the stage's stored names in SSM (``stage_state.env_path``,
a set of keys that grows with the environment).

No Chalice import: ``provision/`` stays out of the Lambda package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import names
from provision import stages

ANY = "*"
FRONT_DOOR_REGION = "us-east-1"  # CloudFront's WAF and its alarm live there

# Kind -> service, as boto3 names the client.
SERVICES = {
    "table": "dynamodb",
    "queue": "sqs",
    "bucket": "s3",
    "topic": "sns",
    "state-machine": "stepfunctions",
    "role": "iam",
    "parameter": "ssm",
    "key": "kms",
    "user-pool": "cognito-idp",
    "log-group": "logs",
    "bot": "lexv2-models",
}

# The teardown steps that delete catalogue entries, in the order they run
# (provision/destroy.py runs its other steps around them): a state machine's
# role after the machine, the secrets' key after the secrets.
DESTROY_STEPS = ("functions", "front_door", "lex", "alarms", "state_machines", "parameters",
                 "queues", "buckets", "table", "operators")

# The functions Chalice deploys (provision/lambdas.py reads these): their log
# groups are made ahead by provisioning to carry a retention.
API_HANDLER = "api_handler"
HANDLERS = ("connect_event_registration", "handle_partner_link",
            "handle_customer_notification", "handle_registration_log",
            "erase_personal_data")
# Functions of before (the REST API's Lambda authorizer: the middleware checks
# every admin request itself): `chalice deploy` deletes the function, the
# teardown its log group.
RETIRED_HANDLERS = ("admin_authorizer",)
# Secrets in SSM (provision/secrets.py generates them) and those of before,
# still deleted when an older deploy left them.
SECRETS = ("LINK_SIGNING_KEYS",)
RETIRED_SECRETS = ("ADMIN_TOKEN",)
STATE_MACHINES = ("partner-confirmation",)  # the stems of stepfunctions/*.json


def function_name(stage: str, handler: str = API_HANDLER) -> str:
    # Chalice: <app>-<stage> for the API function, <app>-<stage>-<name> for the rest.
    if handler == API_HANDLER:
        return names.prefix(stage)
    return f"{names.prefix(stage)}-{handler}"


def topic_name(stage: str) -> str:
    return f"{names.prefix(stage)}-alarms"


def parameter_name(stage: str, secret: str) -> str:
    return f"/{names.APP_NAME}/{stage}/{secret}"


def key_alias(stage: str) -> str:
    return f"alias/{names.prefix(stage)}-secrets"


def pool_name(stage: str) -> str:
    return f"{names.prefix(stage)}-operators"


def bot_name(stage: str) -> str:
    return f"{names.prefix(stage)}-bot"


def deploy_bucket(stage: str, account: str) -> str:
    # Chalice's record and the stage's state; the account keeps the global name ours.
    return f"{names.prefix(stage)}-deploy-{account}"


def web_bucket(stage: str, account: str) -> str:
    if stages.options(stage)["aws"]:
        return f"{names.prefix(stage)}-web-{account}"  # bucket names are global
    return f"{names.prefix(stage)}-web"


def log_group_name(stage: str, handler: str) -> str:
    return f"/aws/lambda/{function_name(stage, handler)}"


def role_name(stage: str, service: str) -> str:
    """The roles provisioning makes for a service (``states``, ``lex``)."""
    return f"{names.prefix(stage)}-{service}"


@dataclass(frozen=True)
class Resource:
    """One resource of the stage, with the region and account it lives in
    (``*`` for either in the repository's policy copies)."""

    key: str        # stable and unique in the stage: "queue:partner-links"
    kind: str       # a key of SERVICES
    name: str       # as the service names it (an alias's "alias/...", a parameter's "/...")
    region: str
    account: str
    destroy: str    # the teardown step (DESTROY_STEPS) that deletes it
    aws_only: bool = False  # made only on AWS stages (the emulator's stage skips it)
    retired: bool = False   # no longer made, still deleted with the stage
    # The id AWS gives once made, where the ARN needs it (the KMS key, the bot's alias).
    ids: tuple[str, ...] = field(default=())

    @property
    def service(self) -> str:
        return SERVICES[self.kind]

    def _arn(self, service: str, part: str, region: str | None = None) -> str:
        return f"arn:aws:{service}:{self.region if region is None else region}:" \
               f"{self.account}:{part}"

    @property
    def arn(self) -> str | None:
        """Its ARN; None where only AWS's id names it (a user pool)."""
        kind = self.kind
        if kind == "table":
            return self._arn("dynamodb", f"table/{self.name}")
        if kind == "queue":
            return self._arn("sqs", self.name)
        if kind == "bucket":
            return f"arn:aws:s3:::{self.name}"
        if kind == "topic":
            return self._arn("sns", self.name)
        if kind == "state-machine":
            return self._arn("states", f"stateMachine:{self.name}")
        if kind == "role":
            return self._arn("iam", f"role/{self.name}", region="")
        if kind == "parameter":
            # The name starts with "/", the ARN's resource part drops it.
            return self._arn("ssm", f"parameter{self.name}")
        if kind == "key":
            return self._arn("kms", f"key/{self.ids[0] if self.ids else ANY}")
        if kind == "log-group":
            return self._arn("logs", f"log-group:{self.name}")
        if kind == "bot":
            bot, alias = (self.ids + (ANY, ANY))[:2]
            return self._arn("lex", f"bot-alias/{bot}/{alias}")
        return None

    def sub(self, part: str) -> str:
        """An ARN inside this one: a table's index or stream, a bucket's
        objects, a state machine's executions, a log group's streams."""
        arn = self.arn
        assert arn is not None, f"{self.key} has no ARN"
        if self.kind == "state-machine":
            return arn.replace(":stateMachine:", ":execution:") + part
        return arn + part


class Catalogue:
    """Every resource of one stage, in the order teardown deletes them."""

    def __init__(self, stage: str, region: str = ANY, account: str = ANY,
                 event_bucket: str | None = None, secrets_key: str = ANY,
                 bot_id: str = ANY, alias_id: str = ANY, sms_region: str | None = None) -> None:
        from chalicelib import settings

        self.stage, self.region, self.account = stage, region, account
        # Where SNS sends SMS (provision/sms.py): its spend alarm lives there.
        self.sms_region = sms_region or settings.Settings.sms_region
        self.event_bucket = event_bucket or stages.options(stage)["event_bucket"]
        self.entries = self._entries(secrets_key.rsplit("/", 1)[-1], bot_id, alias_id)
        keys = [r.key for r in self.entries]
        assert len(keys) == len(set(keys)), "catalogue keys repeat"

    def _entries(self, key_id: str, bot_id: str, alias_id: str) -> list[Resource]:
        stage = self.stage

        def r(key: str, kind: str, name: str, destroy: str, **kw: object) -> Resource:
            return Resource(key, kind, name, kw.pop("region", self.region),  # type: ignore[arg-type]
                            self.account, destroy, **kw)  # type: ignore[arg-type]

        out = [
            # Made ahead of the functions to carry a retention (provision/retention.py);
            # deleted with the functions.
            *(r(f"log-group:{h}", "log-group", log_group_name(stage, h), "functions",
                aws_only=True) for h in (API_HANDLER, *HANDLERS)),
            *(r(f"log-group:{h}", "log-group", log_group_name(stage, h), "functions",
                aws_only=True, retired=True) for h in RETIRED_HANDLERS),
            # The WAF alarm's topic, in us-east-1 (provision/waf.py).
            r("front-door-topic", "topic", topic_name(stage), "front_door",
              region=FRONT_DOOR_REGION, aws_only=True),
            r("bot", "bot", bot_name(stage), "lex", aws_only=True, ids=(bot_id, alias_id)),
            r("role:lex", "role", role_name(stage, "lex"), "lex", aws_only=True),
            r("alarms-topic", "topic", topic_name(stage), "alarms"),
            # The SMS spend alarm's topic, in the SMS region when that is another
            # one (an alarm notifies topics of its own region; provision/sms_spend.py).
            *([r("sms-alarms-topic", "topic", topic_name(stage), "alarms",
                 region=self.sms_region, aws_only=True)]
              if self.sms_region != self.region else []),
            *(r(f"state-machine:{stem}", "state-machine", names.state_machine_name(stem, stage),
                "state_machines") for stem in STATE_MACHINES),
            r("role:states", "role", role_name(stage, "states"), "state_machines"),
            *(r(f"parameter:{s}", "parameter", parameter_name(stage, s), "parameters",
                aws_only=True) for s in SECRETS),
            *(r(f"parameter:{s}", "parameter", parameter_name(stage, s), "parameters",
                aws_only=True, retired=True) for s in RETIRED_SECRETS),
            r("secrets-key", "key", key_alias(stage), "parameters", aws_only=True,
              ids=(key_id,)),
        ]
        for kind in names.QUEUE_KINDS + names.RETIRED_QUEUE_KINDS:
            retired = kind in names.RETIRED_QUEUE_KINDS
            out += [r(f"queue:{kind}", "queue", names.queue_name(kind, stage), "queues",
                      retired=retired),
                    r(f"dlq:{kind}", "queue", names.dead_letter_queue_name(kind, stage), "queues",
                      retired=retired)]
        out += [
            r("event-bucket", "bucket", self.event_bucket, "buckets"),
            r("web-bucket", "bucket", web_bucket(stage, self.account), "buckets"),
            r("deploy-bucket", "bucket", deploy_bucket(stage, self.account), "buckets",
              aws_only=True),
            r("table", "table", names.table_name(stage), "table"),
            r("user-pool", "user-pool", pool_name(stage), "operators"),
            r("access-log", "table", names.access_log_table(stage), "operators"),
        ]
        return out

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def get(self, key: str) -> Resource:
        for entry in self.entries:
            if entry.key == key:
                return entry
        raise KeyError(key)

    def made(self) -> list[Resource]:
        """What provisioning makes for the stage (retired ones are not)."""
        aws = stages.options(self.stage)["aws"]
        return [e for e in self.entries if not e.retired and (aws or not e.aws_only)]

    def for_step(self, step: str) -> list[Resource]:
        """What one teardown step deletes, in order (retired ones too; on the
        local stage also what only AWS stages have: deleting nothing is fine)."""
        return [e for e in self.entries if e.destroy == step]

    def of_kind(self, kind: str) -> list[Resource]:
        return [e for e in self.entries if e.kind == kind]


def catalogue(stage: str, region: str = ANY, account: str = ANY, **kw: str) -> Catalogue:
    return Catalogue(stage, region, account, **kw)


def present(client: Any, entry: Resource) -> bool:
    """Whether the entry exists, asked of its own service (``client(service,
    region)`` gives a client): the rehearsal's check, one entry at a time."""
    api = client(entry.service, entry.region)
    name = entry.name
    try:
        if entry.kind == "table":
            api.describe_table(TableName=name)
        elif entry.kind == "queue":
            api.get_queue_url(QueueName=name)
        elif entry.kind == "bucket":
            api.head_bucket(Bucket=name)
        elif entry.kind == "topic":
            api.get_topic_attributes(TopicArn=entry.arn)
        elif entry.kind == "state-machine":
            api.describe_state_machine(stateMachineArn=entry.arn)
        elif entry.kind == "role":
            api.get_role(RoleName=name)
        elif entry.kind == "parameter":
            return bool(api.describe_parameters(ParameterFilters=[
                {"Key": "Name", "Option": "Equals", "Values": [name]}])["Parameters"])
        elif entry.kind == "key":
            return api.describe_key(KeyId=name)["KeyMetadata"].get("KeyState") == "Enabled"
        elif entry.kind == "user-pool":
            pools = api.list_user_pools(MaxResults=60).get("UserPools", [])
            return any(p["Name"] == name for p in pools)
        elif entry.kind == "log-group":
            groups = api.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            return any(g["logGroupName"] == name for g in groups)
        elif entry.kind == "bot":
            return any(b.get("botName") == name for b in api.list_bots(filters=[
                {"name": "BotName", "values": [name], "operator": "EQ"}]).get("botSummaries", []))
        else:
            raise ValueError(f"no check for {entry.key} ({entry.kind})")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if any(g in code for g in ("NotFound", "NoSuch", "NonExistent", "DoesNotExist", "404")):
            return False
        raise
    return True
