"""What a partner request and a phone registration cost on AWS: what this run
measured (Lambda invocations and their durations, AWS calls, state
transitions, SMS segments) times the dated list prices of bench/prices.py.

A partner request is driven step by step as in ``operations`` (chat message,
the link message delivered to the link handler, the partner's page, the
answer, the notification, the reminder's delayed message arriving after the
answer), each handler invocation timed in process. What cannot run here is
counted from what the product does deployed: one Lex request per chat message,
the Bedrock notifier's prompt (built by the app for this request, tokens
estimated from its characters), the chat's polling of ``GET
/api/requests/{id}`` while it waits (web/assets/chat.js: every ``POLL_MS``
after a change, slower while nothing changes, see ``polls_during``),
three SQS requests per message (Step Functions' send, the event source
mapping's receive and delete). Durations are the emulator's: DynamoDB answers
faster, so the Lambda line is an upper bound (it is small either way).
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import loop, prices
from bench.awscalls import CallCounter, on_every_client
from bench.report import NOT_BUILT, Row

NAME = "Cost per operation"
PROJECT_DIR = Path(__file__).resolve().parent.parent
ANSWERED_AFTER_SECONDS = 60      # a partner who answers within a minute
TIMEOUT_SECONDS = 300            # the wait (PARTNER_TIMEOUT_SECONDS)
CALL_MINUTES = 1.0               # a registration call: greeting, keying, the answer read out
SQS_REQUESTS_PER_MESSAGE = 3     # send (Step Functions) + receive + delete (the mapping)
MONTHLY = 1_000_000
WAF_RULES = 3                    # assumed: a rate rule and two managed groups


REMINDER_SECONDS = 180           # the reminder's event (REMINDER_SECONDS): the page sees a change
SMS_SENT_SECONDS = 1             # the link's SMS event, about a second into the wait


def _chat_constant(name: str, default: int) -> int:
    text = (PROJECT_DIR / "web" / "assets" / "chat.js").read_text(encoding="utf-8")
    found = re.search(rf"\b{name}\s*=\s*(\d+)", text)
    return int(found.group(1)) if found else default


def poll_ms() -> int:
    return _chat_constant("POLL_MS", 2000)


def polls_during(seconds: float, changes: tuple[float, ...] = (SMS_SENT_SECONDS,)) -> int:
    """The chat's polls in a wait of ``seconds``, as web/assets/chat.js
    schedules them (pollDelay): the delay is a ``POLL_QUIET_SHARE``th of the
    time since the request last changed, between ``POLL_MS`` and
    ``POLL_MAX_MS``; the poll that sees a change (``changes``: seconds into
    the wait) starts the quiet time again. Without those constants: every
    ``POLL_MS``."""
    base = poll_ms() / 1000
    most = _chat_constant("POLL_MAX_MS", poll_ms()) / 1000
    share = _chat_constant("POLL_QUIET_SHARE", 1)
    pending = sorted(changes)
    t = since = 0.0
    count = 0
    while True:
        t += min(most, max(base, (t - since) / share))
        if t > seconds:
            return count
        count += 1
        if pending and pending[0] <= t:
            since = t
            while pending and pending[0] <= t:
                pending.pop(0)


def lambda_config() -> tuple[float, str]:
    """(memory in GB, architecture) of the prod stage's functions."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    stage = config.get("stages", {}).get("prod", {})
    memory = stage.get("lambda_memory_size", config.get("lambda_memory_size", 128))
    arch = stage.get("lambda_architecture", config.get("lambda_architecture", "x86_64"))
    return memory / 1024, arch


def hangul_aware_tokens(text: str) -> int:
    """An estimate (no tokenizer offline): a Hangul syllable about one token,
    other text about four characters a token."""
    hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")
    return hangul + math.ceil((len(text) - hangul) / 4)


class DynamoMeter:
    """Each DynamoDB call the app makes: (operation, consistent, items)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool, int]] = []
        self.on = False

    def _params(self, params: dict[str, Any], model: Any = None, **_: Any) -> None:
        if self.on and model is not None:
            items = len(params.get("TransactItems") or []) or 1
            self.calls.append((model.name, bool(params.get("ConsistentRead")), items))

    def hook(self, client: Any) -> None:
        if client.meta.service_model.service_name == "dynamodb":
            client.meta.events.register("provide-client-params.dynamodb", self._params,
                                        unique_id=f"bench-cost-ddb-{id(self)}")

    def unhook(self, client: Any) -> None:
        if client.meta.service_model.service_name == "dynamodb":
            client.meta.events.unregister("provide-client-params.dynamodb",
                                          unique_id=f"bench-cost-ddb-{id(self)}")

    @contextmanager
    def recording(self):
        self.calls, self.on = [], True
        try:
            yield self.calls
        finally:
            self.on = False


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def capacity(calls: list[tuple[str, bool, int]], item_bytes: int) -> tuple[float, float]:
    """(write units, read units) for these calls on items of ``item_bytes``:
    1 KB per write unit (transactional: 2), 4 KB per read unit (eventually
    consistent: half). A conditional write that is refused still costs its
    write units."""
    wru = rru = 0.0
    for op, consistent, items in calls:
        if op in WRITES:
            per = math.ceil(max(item_bytes, 1) / 1024)
            wru += per * items * (2 if op == "TransactWriteItems" else 1)
        else:
            per = math.ceil(max(item_bytes, 1) / 4096)
            rru += per * items * (1 if consistent or op == "TransactGetItems" else 0.5)
    return wru, rru


@contextmanager
def timed(into: list[tuple[str, float]], function: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        into.append((function, time.perf_counter() - started))


def lambda_usd(invocations: list[tuple[str, float]], memory_gb: float, arch: str) -> float:
    gb_second = prices.usd(f"lambda_gb_second_{arch}")
    return sum(prices.usd("lambda_request") + gb_second * memory_gb * math.ceil(s * 1000) / 1000
               for _, s in invocations)


def transitions(request_id: str) -> int:
    import boto3

    from chalicelib import settings

    arn = settings.current().partner_confirmation_arn.replace(
        ":stateMachine:", ":execution:") + ":" + request_id
    sfn = boto3.client("stepfunctions")
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return sum(1 for e in events if e["type"].endswith("StateEntered"))


def measure_request(app_module: Any, client: Any, deliver: loop.Deliverer, tap: loop.SmsTap,
                    meter: DynamoMeter) -> dict[str, Any]:
    from chalicelib import partner, table
    from chalicelib.notify import bedrock, case

    invocations: list[tuple[str, float]] = []
    with meter.recording() as ddb:
        with timed(invocations, "api_handler"):
            request_id = loop.chat(client)
        deliver.deliver("handle_partner_link", request_id,
                        around=lambda: timed(invocations, "handle_partner_link"))
        token = tap.wait_for(request_id).token or ""
        with timed(invocations, "api_handler"):
            loop.open_link(client, token)
        with timed(invocations, "api_handler"):
            loop.answer(client, token, "accept")
        deliver.deliver("handle_customer_notification", request_id,
                        around=lambda: timed(invocations, "handle_customer_notification"))
        # The reminder's delayed message arrives after the answer: one more
        # invocation that sends nothing.
        with timed(invocations, "handle_partner_link"):
            partner.handle_link_message({"requestId": request_id, "kind": "reminder"})
    request_calls = list(ddb)
    poll: list[tuple[str, float]] = []
    with meter.recording() as ddb:
        with timed(poll, "api_handler"):
            loop.request_view(client, request_id)
    poll_calls = list(ddb)
    item = table.get(*lifecycle_key(request_id)) or {}
    item_bytes = len(json.dumps(table.serialize(item), ensure_ascii=False).encode())
    sms = tap.for_request(request_id)
    params = bedrock.converse_params(case.from_message(
        {"requestId": request_id, "outcome": "answered",
         "answer": {"decision": "accept", "respondedAt": item.get("respondedAt", "")}}, item))
    prompt = params["system"][0]["text"] + params["messages"][0]["content"][0]["text"]
    message = (item.get("notification") or {}).get("message", "")
    return {"request_id": request_id, "invocations": invocations, "ddb": request_calls,
            "poll": poll, "poll_ddb": poll_calls, "item_bytes": item_bytes,
            "sms_text": sms.text if sms else "", "transitions": transitions(request_id),
            "tokens_in": hangul_aware_tokens(prompt),
            "tokens_out": hangul_aware_tokens(message)}


def lifecycle_key(request_id: str) -> tuple[str, str]:
    from chalicelib.lifecycle.store import pk

    return pk(request_id), "REQ"


def request_lines(m: dict[str, Any], waited_seconds: int, reminder: bool,
                  memory_gb: float, arch: str) -> dict[str, float]:
    """USD per item for one request whose customer waited ``waited_seconds``."""
    from bench import sms as sms_bench

    polls = polls_during(waited_seconds, (SMS_SENT_SECONDS, REMINDER_SECONDS) if reminder
                         else (SMS_SENT_SECONDS,))
    wru, rru = capacity(m["ddb"], m["item_bytes"])
    poll_wru, poll_rru = capacity(m["poll_ddb"], m["item_bytes"])
    parts = sms_bench.segments(m["sms_text"]) if m["sms_text"] else 0
    if reminder:
        parts *= 2  # the reminder: the same link, the same length class
    invocations = m["invocations"] + m["poll"] * polls
    api_requests = 3 + polls  # chat POST, partner GET and POST, the polls
    return {
        "SMS": prices.usd("sms_part_kr", parts),
        "Bedrock": prices.usd("bedrock_input_token", m["tokens_in"])
        + prices.usd("bedrock_output_token", m["tokens_out"]),
        "Lex": prices.usd("lex_text_request"),
        "Step Functions": prices.usd("sfn_transition", m["transitions"]),
        "Lambda": lambda_usd(invocations, memory_gb, arch),
        "HTTP API": prices.usd("http_api_request", api_requests),
        "DynamoDB": prices.usd("dynamodb_wru", wru + poll_wru * polls)
        + prices.usd("dynamodb_rru", rru + poll_rru * polls),
        "SQS": prices.usd("sqs_request", 3 * SQS_REQUESTS_PER_MESSAGE),
    }


def measure_registrations(app_module: Any, meter: DynamoMeter, count: int
                          ) -> dict[str, Any]:
    from bench import calls as callers
    from bench import registration
    from chalicelib.registration import event_log, store

    invocations: list[tuple[str, float]] = []
    counter = CallCounter()
    with registration.event(registration.new_event_id("cost")) as event_id:
        registration.warm_up(app_module.connect_event_registration)
        calls = callers.make_calls(count, 0.0, seed=24)
        with counter.installed(), meter.recording() as ddb:
            for call in calls:
                with timed(invocations, "connect_event_registration"):
                    callers.place(app_module.connect_event_registration, call)
        per_call = list(ddb)
        rows = store.registrations(event_id)
        reg_bytes = statistics.mean(
            len(json.dumps(r, ensure_ascii=False).encode()) for r in rows) if rows else 200
        log_runs: list[tuple[str, float]] = []
        with counter.installed(), counter.recording() as made, meter.recording() as ddb:
            with timed(log_runs, "handle_registration_log"):
                event_log.rebuild(event_id)
        log_calls = dict(made)
    return {"invocations": invocations, "ddb": per_call, "count": len(calls),
            "reg_bytes": int(reg_bytes), "event_size": len(rows), "log_run": log_runs,
            "log_calls": log_calls}


def registration_lines(m: dict[str, Any], memory_gb: float, arch: str) -> dict[str, float]:
    n = max(m["count"], 1)
    wru, _ = capacity(m["ddb"], m["reg_bytes"])
    return {
        "Connect": prices.usd("connect_voice_minute", CALL_MINUTES)
        + prices.usd("connect_did_inbound_minute_kr", CALL_MINUTES),
        "Lambda": lambda_usd(m["invocations"], memory_gb, arch) / n,
        "DynamoDB": prices.usd("dynamodb_wru", wru / n),
    }


def log_rebuild_usd(m: dict[str, Any], memory_gb: float, arch: str) -> float:
    """One rebuild of axcl_event.txt at the measured event size: the event's
    registrations read (4 KB per unit), the file written once."""
    rru = math.ceil(m["event_size"] * m["reg_bytes"] / 4096)
    return (lambda_usd(m["log_run"], memory_gb, arch) + prices.usd("dynamodb_rru", rru)
            + prices.usd("s3_put") + prices.usd("s3_get"))


def money(usd: float) -> str:
    if usd >= 100:
        return f"${usd:,.0f}"
    if usd >= 1:
        return f"${usd:,.2f}"
    if usd < 0.0000005:
        return "< $0.000001" if usd > 0 else "$0"
    return f"${usd:.6f}".rstrip("0")


def breakdown(lines: dict[str, float]) -> str:
    total = sum(lines.values()) or 1.0
    ordered = sorted(lines.items(), key=lambda kv: -kv[1])
    return "; ".join(f"{k} {money(v)} ({v / total:.0%})" for k, v in ordered)


def dominant(lines: dict[str, float]) -> str:
    return max(lines.items(), key=lambda kv: kv[1])[0]


def fixed_monthly() -> dict[str, float]:
    from provision import alarms

    try:
        alarm_count = len(alarms.definitions("prod", "arn:aws:sns:ap-northeast-2:0:alarms"))
    except Exception:  # noqa: BLE001 - the signature may change; the line says so
        alarm_count = 0
    return {
        "Connect number (KR DID, 30 days)": prices.usd("connect_did_day_kr", 30),
        f"WAF (1 web ACL, {WAF_RULES} rules)": prices.usd("waf_web_acl_month")
        + prices.usd("waf_rule_month", WAF_RULES),
        f"CloudWatch alarms ({alarm_count})": prices.usd("cloudwatch_alarm_month", alarm_count),
    }


def run(stage: Any) -> tuple[list[Row], list[str]]:
    app_module = stage.app_module
    absent = loop.missing(app_module)
    if absent or not hasattr(app_module, "connect_event_registration"):
        return [Row(NAME, "USD per partner request / registration", NOT_BUILT)], []
    n = stage.options.get("cost_requests", 5)
    memory_gb, arch = lambda_config()
    tap, meter = loop.SmsTap(), DynamoMeter()
    sqs = stage.boto_client("sqs")
    measured: list[dict[str, Any]] = []
    with on_every_client(tap.hook, tap.unhook), on_every_client(meter.hook, meter.unhook):
        deliver = loop.Deliverer(app_module, sqs)
        with loop.test_client(app_module) as client:
            measure_request(app_module, client, deliver, tap, meter)  # warm-up
            for i in range(n):
                stage.progress(f"cost: partner request {i + 1}/{n}")
                measured.append(measure_request(app_module, client, deliver, tap, meter))
        regs = measure_registrations(app_module, meter,
                                     stage.options.get("cost_registrations", 100))

    def median_lines(waited: int, reminder: bool) -> dict[str, float]:
        each = [request_lines(m, waited, reminder, memory_gb, arch) for m in measured]
        return {k: statistics.median(e[k] for e in each) for k in each[0]}

    answered = median_lines(ANSWERED_AFTER_SECONDS, False)
    timed_out = median_lines(TIMEOUT_SECONDS, True)
    no_sms = {k: v for k, v in answered.items() if k != "SMS"}
    polls = {k: timed_out[k] - median_lines(0, True)[k]
             for k in ("Lambda", "HTTP API", "DynamoDB")}
    per_minute = {k: v * 60 / TIMEOUT_SECONDS for k, v in polls.items()}
    reg = registration_lines(regs, memory_gb, arch)
    rebuild = log_rebuild_usd(regs, memory_gb, arch)
    fixed = fixed_monthly()
    m0 = measured[0]
    from bench import sms as sms_bench

    parts = sms_bench.segments(m0["sms_text"]) if m0["sms_text"] else 0
    rows = [
        Row(NAME, f"partner request answered in {ANSWERED_AFTER_SECONDS} s",
            money(sum(answered.values())), f"without SMS {money(sum(no_sms.values()))}",
            breakdown(answered)),
        Row(NAME, f"partner request timed out ({TIMEOUT_SECONDS} s) after a reminder",
            money(sum(timed_out.values())), f"dominant: {dominant(timed_out)}",
            breakdown(timed_out)),
        Row(NAME, "the chat's polling while it waits, per minute",
            money(sum(per_minute.values())),
            f"{polls_during(TIMEOUT_SECONDS)} polls in a {TIMEOUT_SECONDS} s wait "
            f"(every {poll_ms() / 1000:g} s: {int(TIMEOUT_SECONDS * 1000 // poll_ms())}); "
            "HTTP API + Lambda + DynamoDB",
            breakdown(per_minute)),
        Row(NAME, "phone registration", money(sum(reg.values())),
            f"dominant: {dominant(reg)}",
            breakdown(reg) + f"; the log rebuild {money(rebuild)} per stream batch at "
            f"{regs['event_size']} registrations (its read grows with the event)"),
        Row(NAME, f"per month at {MONTHLY:,} partner requests (answered in "
            f"{ANSWERED_AFTER_SECONDS} s) / registrations",
            f"{money(sum(answered.values()) * MONTHLY)} / {money(sum(reg.values()) * MONTHLY)}",
            f"dominant: {dominant(answered)} / {dominant(reg)}",
            "usage only; fixed monthly costs in the next row"),
        Row(NAME, "fixed per month", money(sum(fixed.values())), "whatever the traffic",
            "; ".join(f"{k} {money(v)}" for k, v in fixed.items())),
    ]
    counts = Counter()
    for fn, _ in m0["invocations"]:
        counts[fn] += 1
    notes = [
        f"Cost: list prices of {prices.AS_OF} (bench/prices.py: US East list prices, "
        f"sources {prices.sources()}; SMS to Korea and Connect's Korean telephony are "
        "approximate country rates to check on their pages). Measured here per request "
        f"(median of {n}): Lambda invocations {dict(counts)} plus one per poll, each "
        f"timed in process on the emulator and billed per ms at {memory_gb * 1024:.0f} MB "
        f"{arch}; {m0['transitions']} state transitions (the execution's history); "
        f"DynamoDB calls {len(m0['ddb'])} (+{len(m0['poll_ddb'])} per poll), units from the "
        f"request item's size ({m0['item_bytes']} bytes: 1 KB a write unit, transactions "
        f"double, 4 KB a read unit, eventually consistent half); the link SMS "
        f"{sms_bench.units(m0['sms_text'])} UCS-2 characters = {parts} segments "
        f"(the reminder as many again); Bedrock about {m0['tokens_in']} input and "
        f"{m0['tokens_out']} output tokens (the app's own prompt for this request, Hangul "
        "≈ 1 token a syllable); one Lex text request per chat message; 3 SQS requests "
        "per message (reminder, link, notify). A registration: the Connect handler timed "
        f"over {regs['count']} calls, its one transaction (2 items, 2 units each), "
        f"{CALL_MINUTES:g} minute of Connect voice and Korean DID telephony per call. "
        "Left out: the chat page's own files (served once per visit, cacheable), "
        "CloudWatch Logs ingestion, the event source mappings' idle polling, free tiers.",
    ]
    return rows, notes
