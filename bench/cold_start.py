"""Cold start, per Lambda function: the whole first invocation in a fresh
interpreter -- process start, ``import app`` (and whatever the app does at
init), then the first handler call with its real AWS clients and calls against
the bench's emulator -- next to a minimal hand-written handler
(``bench/minimal/<function>.py``: import boto3, create the same clients at
import, make the same AWS calls) in a fresh interpreter too.

Both sides run as Lambda would see them (``AWS_LAMBDA_FUNCTION_NAME`` and
``_HANDLER`` set, secrets read from SSM through ``<NAME>_PARAM`` as in the AWS
stages); with ``make bench FULL=1`` a third side is our code loading
everything in its first call (the design before ``chalicelib/warmup.py``).
The sides are rotated over several repetitions; the figure is the ratio of
medians with each side's min-max.
Before the timed runs one untimed run of ours and of the minimal handler
records the AWS operations each made, and the row says whether they match.
Also says whether ``import app`` outside Lambda pulls in boto3/botocore
(``python -X importtime``): local and test imports stay cheap."""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Row, ms, ratio

NAME = "Cold start"
PROJECT_DIR = Path(__file__).resolve().parent.parent
MINIMAL_DIR = Path(__file__).resolve().parent / "minimal"
GOAL = 1.15
HEAVY = ("boto3", "botocore")
_IMPORTTIME = re.compile(r"import time:\s+\d+ \|\s+\d+ \|( *)(\S+)")
MARK = "BENCH-COLD "
ACCOUNT = "123456789012"

# One program for both sides; only the init lines differ. Every timestamp is
# ``perf_counter`` (CLOCK_MONOTONIC, shared with the parent on Linux), so the
# parent's time before spawning is the start of the whole invocation.
CHILD = """\
import time
_t_started = time.perf_counter()
import json, os, sys
{runtime}
if os.environ.get("BENCH_TRACE"):
    import botocore.client
    _ops = []
    _real = botocore.client.BaseClient._make_api_call
    def _traced(self, name, params):
        _ops.append(self.meta.service_model.service_id.hyphenize() + ":" + name)
        return _real(self, name, params)
    botocore.client.BaseClient._make_api_call = _traced
{init}
_t_ready = time.perf_counter()
class _Context:
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    memory_limit_in_mb = 512
    def get_remaining_time_in_millis(self):
        return 8000
_out = handler(json.loads(os.environ["BENCH_EVENT"]), _Context())
_t_done = time.perf_counter()
print({mark!r} + json.dumps({{"started": _t_started, "ready": _t_ready, "done": _t_done,
      "ops": globals().get("_ops"), "out": repr(_out)[:300]}}))
"""
# What Lambda's Python runtime has imported before it imports the handler's
# module (its bootstrap, awslambdaric: bootstrap.py, lambda_runtime_client.py,
# lambda_runtime_marshaller.py), so neither side is timed for modules every
# function in Lambda gets loaded anyway (logging, traceback, decimal ...).
RUNTIME_IMPORTS = ("import importlib, json, logging, os, sys, time, traceback, decimal, math\n"
                   "import concurrent.futures, datetime, enum")
OURS_INIT = "import app as _app\nhandler = _app.{attr}"
MINIMAL_INIT = ("sys.path.insert(0, {path!r})\nimport {module} as _minimal\n"
                "handler = _minimal.handler")


@dataclass
class Case:
    function: str
    what: str                # the path measured, in words
    attr: str                # the handler's attribute of ``app`` (Lambda's ``app.<attr>``)
    event: Callable[[], dict[str, Any]]   # a fresh event, its state prepared


@dataclass
class Run:
    total: float             # spawn -> handler returned
    init: float              # spawn -> module imported (interpreter start + init)
    call: float              # the first handler call
    cpu: float               # the process's CPU time (user + system), all of it
    ops: list[str] | None
    out: str


def timed_child(init: str, env: dict[str, str], event: dict[str, Any], trace: bool) -> Run:
    env = {**env, "BENCH_EVENT": json.dumps(event, ensure_ascii=False)}
    if trace:
        env["BENCH_TRACE"] = "1"
    source = CHILD.format(init=init, mark=MARK, runtime=RUNTIME_IMPORTS)
    # The children's CPU time: nothing else of this process ends meanwhile (the
    # emulator runs until the bench stops), so the difference is this child's.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", source], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"cold-start child failed: {(done.stderr or done.stdout)[-600:]}")
    got = json.loads(lines[-1][len(MARK):])
    return Run(got["done"] - began, got["ready"] - began, got["done"] - got["ready"], cpu,
               got["ops"], got["out"])


# -- the stage both sides run against -------------------------------------------

class Bench:
    """Scratch resources for the minimal handlers, secrets in SSM as in the AWS
    stages, and the preparation of each function's event."""

    def __init__(self, stage: Any) -> None:
        from chalicelib import names, table

        self.stage = stage
        self.app = stage.app_module
        self.sqs = stage.boto_client("sqs")
        self.prefix = f"bench-cold-{uuid.uuid4().hex[:6]}"
        self.event_id = f"bench-cold-{uuid.uuid4().hex[:6]}"
        stage.boto_client("s3").create_bucket(
            Bucket=self.prefix, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
        queue = self.sqs.create_queue(QueueName=self.prefix)["QueueUrl"]
        self.scratch_queue = queue
        sfn = stage.boto_client("stepfunctions")
        machine = sfn.create_state_machine(
            name=self.prefix, roleArn=f"arn:aws:iam::{ACCOUNT}:role/{self.prefix}",
            definition=json.dumps({"StartAt": "Done", "States": {
                "Done": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        ssm = stage.boto_client("ssm")
        secret_env = {}
        for secret in ("LINK_SIGNING_KEYS",):
            param = f"/{names.APP_NAME}/{self.prefix}/{secret}"
            ssm.put_parameter(Name=param, Value=os.environ[secret], Type="SecureString")
            secret_env[f"{secret}_PARAM"] = param
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("LINK_SIGNING_KEYS", "PYTHONDONTWRITEBYTECODE")}
        self.env.update(secret_env)
        self.env.update({"EVENT_ID": self.event_id, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                         "BENCH_MIN_TABLE": table.name(), "BENCH_MIN_BUCKET": self.prefix,
                         "BENCH_MIN_QUEUE": self.prefix, "BENCH_MIN_STATE_MACHINE": machine})
        self.queue_urls = {kind: self.sqs.get_queue_url(
            QueueName=names.queue_name(kind, "local"))["QueueUrl"]
            for kind in ("partner-links", "customer-notify")}
        self.client = None
        self.tap = self.deliverer = None
        self.employees = iter(range(71_000_000, 72_000_000, 7))
        self.reservation_numbers = iter(range(10_000_000, 20_000_000))

    def chat_text(self) -> str:
        """A message naming a reservation of its own: a reservation has one
        open request at a time, and the requests made here stay open."""
        from bench import loop
        from chalicelib import reservations

        number = f"CB{next(self.reservation_numbers)}"
        with open(PROJECT_DIR / "fixtures" / "reservations.json", encoding="utf-8") as f:
            sample = next(r for r in json.load(f) if r["reservationNumber"] == loop.RESERVATION)
        reservations.load([{**sample, "reservationNumber": number}])
        return loop.CHAT_TEXT.replace(loop.RESERVATION, number)

    def function_env(self, case: Case) -> dict[str, str]:
        from provision.lambdas import function_name

        return {**self.env, "AWS_LAMBDA_FUNCTION_NAME": function_name("local", case.function),
                "_HANDLER": f"app.{case.attr}"}

    # -- events ----------------------------------------------------------------
    def connect_event(self) -> dict[str, Any]:
        from bench import calls

        n = next(self.employees)
        return calls.connect_event(calls.Call(str(n), f"+8210{n:08d}", str(uuid.uuid4())))

    def registration_log_event(self) -> dict[str, Any]:
        """A real registration made in this process, then its stream record
        as Lambda hands it over (KEYS_ONLY)."""
        from bench import calls, registration

        employee = str(next(self.employees))
        with registration.event(self.event_id):
            done = calls.place(self.app.connect_event_registration,
                               calls.Call(employee, "+821099990000", str(uuid.uuid4())))
        if done.status != "SUCCESS":
            raise RuntimeError(f"registration answered {done.answer}")
        arn = (f"arn:aws:dynamodb:ap-northeast-2:{ACCOUNT}:table/partnerline-local/"
               "stream/2026-01-01T00:00:00.000")
        return {"Records": [{
            "eventID": uuid.uuid4().hex, "eventName": "INSERT", "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "ap-northeast-2",
            "eventSourceARN": arn,
            "dynamodb": {"Keys": {"pk": {"S": f"EVENT#{self.event_id}"},
                                  "sk": {"S": f"EMP#{employee}"}},
                         "ApproximateCreationDateTime": float(int(time.time())),
                         "SequenceNumber": "1" * 21, "SizeBytes": 60,
                         "StreamViewType": "KEYS_ONLY"}}]}

    def sweep_event(self) -> dict[str, Any]:
        """The hourly schedule's event, as EventBridge hands it over."""
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                "source": "aws.events", "account": ACCOUNT,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "region": "ap-northeast-2", "detail": {},
                "resources": [f"arn:aws:events:ap-northeast-2:{ACCOUNT}:rule/"
                              "partnerline-local-erase_personal_data-event"]}

    def _test_client(self) -> Any:
        if self.client is None:
            from bench import loop

            self._client_cm = loop.test_client(self.app)
            self.client = self._client_cm.__enter__()
            self.tap = loop.SmsTap()
            self.deliverer = loop.Deliverer(self.app, self.sqs)
        return self.client

    def partner_link_event(self) -> dict[str, Any]:
        """A chat message made in this process; the link message the state
        machine sends for it."""
        from bench import loop

        request_id = loop.chat(self._test_client(), self.chat_text())
        return self._sqs_event("partner-links", lambda body: request_id in body)

    def notification_event(self) -> dict[str, Any]:
        """A whole request up to the partner's answer, made in this process;
        the notification message for it."""
        from bench import loop
        from bench.awscalls import on_every_client

        client = self._test_client()
        with on_every_client(self.tap.hook, self.tap.unhook):
            request_id = loop.chat(client, self.chat_text())
            self.deliverer.deliver("handle_partner_link", request_id)
            token = self.tap.wait_for(request_id).token or ""
        loop.open_link(client, token)
        loop.answer(client, token, "accept")
        return self._sqs_event("customer-notify", lambda body: request_id in body)

    def api_event(self) -> dict[str, Any]:
        """POST /api/requests as API Gateway's REST proxy hands it to Chalice."""
        from bench import loop

        body = json.dumps({"text": self.chat_text(), "customerPhone": loop.CUSTOMER_PHONE},
                          ensure_ascii=False)
        return {
            "resource": "/api/requests", "path": "/api/requests", "httpMethod": "POST",
            "headers": {"content-type": "application/json", "host": "abcdefghij.execute-api."
                        "ap-northeast-2.amazonaws.com", "origin": "https://example.com"},
            "multiValueHeaders": None, "queryStringParameters": None,
            "multiValueQueryStringParameters": None, "pathParameters": None,
            "stageVariables": None, "body": body, "isBase64Encoded": False,
            "requestContext": {"resourcePath": "/api/requests", "httpMethod": "POST",
                               "path": "/api/api/requests", "stage": "api",
                               "apiId": "abcdefghij", "accountId": ACCOUNT,
                               "requestId": str(uuid.uuid4()),
                               "identity": {"sourceIp": "203.0.113.7"}},
        }

    def _sqs_event(self, kind: str, mine: Callable[[str], bool],
                   timeout: float = 30) -> dict[str, Any]:
        from devstack.dispatcher import to_lambda_record

        url = self.queue_urls[kind]
        arn = f"arn:aws:sqs:ap-northeast-2:{ACCOUNT}:{url.rsplit('/', 1)[-1]}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1,
                                           WaitTimeSeconds=1,
                                           AttributeNames=["All"]).get("Messages", [])
            for message in got:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                if mine(message["Body"]):
                    return {"Records": [to_lambda_record(message, arn, "ap-northeast-2")]}
        raise TimeoutError(f"no {kind} message in {timeout:.0f} s")

    def close(self) -> None:
        if self.client is not None:
            self._client_cm.__exit__(None, None, None)


def cases(bench: Bench) -> list[Case]:
    return [
        Case("api_handler", "POST /api/requests (the chat's first call)", "app",
             bench.api_event),
        Case("connect_event_registration", "a new employee registers", "connect_event_registration",
             bench.connect_event),
        Case("handle_partner_link", "one link message → SMS", "handle_partner_link",
             bench.partner_link_event),
        Case("handle_customer_notification", "one notification (template)",
             "handle_customer_notification", bench.notification_event),
        Case("handle_registration_log", "one stream record → log file rebuilt",
             "handle_registration_log", bench.registration_log_event),
        Case("erase_personal_data", "the hourly retention sweep, nothing due",
             "erase_personal_data", bench.sweep_event),
    ]


def measure(bench: Bench, case: Case, runs: int, deferred: bool = True
            ) -> tuple[dict[str, list[Run]], str]:
    """The sides, rotated each repetition: ``ours`` (as Lambda runs it:
    the function's modules and clients load at init), ``minimal`` and, when
    asked, ``deferred`` (the same code outside Lambda's environment:
    everything loads in the first call, the design before)."""
    env = bench.function_env(case)
    deferred_env = {k: v for k, v in env.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    ours = OURS_INIT.format(attr=case.attr)
    minimal = MINIMAL_INIT.format(path=str(MINIMAL_DIR), module=case.function)
    sides = {"ours": (ours, env), "minimal": (minimal, env)}
    if deferred:
        sides["deferred"] = (ours, deferred_env)
    # One traced, untimed run each first: bytecode written, disk cache warm,
    # and the AWS operations each side makes on this path.
    traced_a = timed_child(ours, env, case.event(), trace=True)
    traced_b = timed_child(minimal, env, case.event(), trace=True)
    same = Counter(traced_a.ops or []) == Counter(traced_b.ops or [])
    calls = ", ".join(traced_a.ops or []) or "none"
    if not same:
        calls += f" (minimal: {', '.join(traced_b.ops or []) or 'none'})"
    got: dict[str, list[Run]] = {name: [] for name in sides}
    names = list(sides)
    for i in range(runs):
        bench.stage.progress(f"cold start {case.function} {i + 1}/{runs}")
        for name in names[i % len(names):] + names[:i % len(names)]:
            init, side_env = sides[name]
            got[name].append(timed_child(init, side_env, case.event(), trace=False))
    return got, ("same AWS calls: " if same else "AWS CALLS DIFFER: ") + calls


def spread(values: list[float]) -> str:
    return f"{ms(statistics.median(values))} ({ms(min(values))}–{ms(max(values))})"


def environment() -> dict[str, str]:
    """The local stage's environment as Lambda would set it, without an
    endpoint (importing must need none) and outside Lambda."""
    from provision import stages

    config = stages.load_config()
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_ENDPOINT_URL", "PYTHONDONTWRITEBYTECODE", "AWS_LAMBDA_FUNCTION_NAME",
                        "_HANDLER")}
    env.update(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get("local", {}).get("environment_variables", {}))
    env["STAGE"] = "local"
    return env


def heavy_importers(env: dict[str, str]) -> dict[str, str]:
    """boto3/botocore -> the first of our modules (or a third-party one) whose
    import pulled it in, read from ``-X importtime``'s tree (a child is printed
    before its parent, one indent deeper)."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"],
                         cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    lines = [(len(m.group(1)), m.group(2)) for m in map(_IMPORTTIME.match,
                                                        out.stderr.splitlines()) if m]
    found: dict[str, str] = {}
    for i, (depth, module) in enumerate(lines):
        if module not in HEAVY or module in found:
            continue
        chain = []
        want = depth
        for later_depth, parent in lines[i + 1:]:
            if later_depth < want:
                chain.append(parent)
                want = later_depth
        ours = [p for p in chain if p == "app" or p.startswith(("chalicelib", "chalice"))]
        found[module] = " ← ".join(chain[:3]) if not ours else ours[0]
    return found


def run(stage: Any) -> tuple[list[Row], list[str]]:
    runs = stage.options.get("cold_runs", 6)
    deferred = stage.options.get("cold_deferred", True)
    bench = Bench(stage)
    rows: list[Row] = []
    try:
        for case in cases(bench):
            got, calls = measure(bench, case, runs, deferred)
            rows.append(_row(case, got, calls, runs))
    finally:
        bench.close()
    pulled = heavy_importers(environment())
    eager = ", ".join(f"{m} by {who}" for m, who in pulled.items()) or "no"
    rows.append(Row(NAME, "boto3/botocore imported by `import app` outside Lambda", eager,
                    "expected: no", "local runs and tests import cheaply; in Lambda the "
                    "handler's modules and clients load at init"))
    notes = [
        "Cold start: each run is a fresh `python -c` process (this machine's Python "
        f"{sys.version.split()[0]}, the project's venv) with the stage's environment as "
        "Lambda sets it (`AWS_LAMBDA_FUNCTION_NAME`, `_HANDLER`, secrets through "
        "`<NAME>_PARAM` in the emulator's SSM). Timed from before the spawn to the "
        "handler's return: interpreter start, imports, init, first call (its clients "
        "and AWS calls against the emulator). `init` = spawn to module imported; "
        "Before either side's module, each process imports what Lambda's Python "
        "runtime (awslambdaric's bootstrap) has loaded before it imports a handler "
        "(logging, traceback, decimal, json, concurrent.futures ...). "
        "`call` = the first handler call. The reference is `bench/minimal/<function>.py`, "
        "a hand-written handler that imports boto3, creates the same clients at "
        "import and makes the same AWS calls (on the stage's own table, so the emulator "
        "does alike work per write; a scratch bucket, queue and Pass state machine of "
        "the bench's own); an untimed traced run of each side lists the calls. The chat's "
        "intent is Lex's RecognizeText in AWS; Lex is not emulated, so on the local "
        "stage both sides run the same stand-in (the classifier built from lex/). "
        "`loading in the first call instead` (`make bench FULL=1` only): the same code "
        "with `AWS_LAMBDA_FUNCTION_NAME` unset, so nothing loads at init (the design "
        "before, but with its clients from one session). "
        "The sides are rotated each repetition; ratio of medians, with min–max "
        "of the pairwise ratios. `CPU time`: median user + system time of each "
        "process (ours / minimal), less sensitive than wall time to a shared "
        "machine's load (the emulator's own work is not in it). Not measured: "
        "Lambda's own runtime start (the same for both sides) and network latency to "
        "real AWS (the same calls on both).",
    ]
    return rows, notes


def _split(runs: list[Run]) -> str:
    return (f"{spread([r.total for r in runs])}; init {ms(statistics.median(r.init for r in runs))}"
            f" + call {ms(statistics.median(r.call for r in runs))}")


def _row(case: Case, got: dict[str, list[Run]], calls: str, runs: int) -> Row:
    a_total = [r.total for r in got["ours"]]
    b_total = [r.total for r in got["minimal"]]
    pairs = sorted(x / y for x, y in zip(a_total, b_total, strict=True))
    a_median, b_median = statistics.median(a_total), statistics.median(b_total)
    goal = "meets" if a_median <= GOAL * b_median else "misses"
    a_cpu = statistics.median(r.cpu for r in got["ours"])
    b_cpu = statistics.median(r.cpu for r in got["minimal"])
    return Row(
        NAME, f"{case.function}: {case.what}; first invocation, fresh process",
        _split(got["ours"]), f"minimal: {_split(got['minimal'])}",
        f"ratio {ratio(a_median, b_median)} (pairs {pairs[0]:.2f}–{pairs[-1]:.2f}; goal ≤ "
        f"{GOAL:.2f}×, {goal}); CPU time {ms(a_cpu)} / {ms(b_cpu)} = {ratio(a_cpu, b_cpu)}; "
        + (f"loading in the first call instead: {_split(got['deferred'])}; "
           if got.get("deferred") else "")
        + f"median (min–max) of {runs} each, rotated; {calls}")
