"""Phone registration: our Connect handler against the seed's design, the same
burst on the same emulator, then the cost of one registration as the event
grows."""

from __future__ import annotations

import os
import random
import secrets
import statistics
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from bench import calls as callers
from bench.awscalls import CallCounter
from bench.report import Row, ms, p50_p95, ratio
from bench.seed_design import SeedRegistration, registered_ids
from bench.seed_design import timestamp as seed_timestamp

NAME = "Registration burst"
GROWTH = "Registration growth"
# Ours holds L0000-L9999: an event with 10,000 registrations has no number left
# (callers hear the "numbers used up" message), so ours is measured just below.
NUMBER_SPACE = 10_000


@dataclass
class BurstResult:
    design: str
    answered: list[callers.Answered]
    lost: int
    clashes: int
    lines: int
    extra: str = ""
    log_catch_up: tuple[int, float] | None = None   # (messages, seconds) for ours

    @property
    def latencies(self) -> list[float]:
        return [a.seconds for a in self.answered]

    def answers(self) -> str:
        counts = callers.statuses(self.answered)
        return " / ".join(f"{counts.get(s, 0)}" for s in ("SUCCESS", "DUPLICATE", "ERROR"))


@contextmanager
def event(event_id: str) -> Iterator[str]:
    """Our handler reads the event from the EVENT_ID setting."""
    from chalicelib import settings

    saved = os.environ.get("EVENT_ID")
    os.environ["EVENT_ID"] = event_id
    settings.rebuild()
    try:
        yield event_id
    finally:
        if saved is None:
            os.environ.pop("EVENT_ID", None)
        else:
            os.environ["EVENT_ID"] = saved
        settings.rebuild()


def new_event_id(label: str) -> str:
    return f"bench-{label}-{secrets.token_hex(3)}"


def seed_client() -> Any:
    """What the seed's Lambda would use: a plain S3 client (botocore's default
    timeouts and retries), with a connection pool as large as ours so that
    neither design queues on connections."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client("s3", config=Config(max_pool_connections=50))


def seed_bucket(s3: Any) -> str:
    """A bucket of the seed's own, so it never touches our event bucket."""
    bucket = f"bench-seed-{secrets.token_hex(4)}"
    region = s3.meta.region_name
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    return bucket


# -- our design -------------------------------------------------------------------

@contextmanager
def log_stream(app_module: ModuleType, endpoint: str) -> Iterator[Any]:
    """The table's stream delivered to ``handle_registration_log`` while the
    block runs, as Lambda's event source mapping does (devstack's dispatcher,
    polling from now on)."""
    import boto3

    from devstack.dispatcher import Dispatcher, stream_subscriptions

    session = boto3.session.Session()
    sqs = session.client("sqs", endpoint_url=endpoint)
    dispatcher = Dispatcher([], sqs, streams=stream_subscriptions(app_module.app, app_module),
                            streams_client=session.client("dynamodbstreams",
                                                          endpoint_url=endpoint)).start()
    try:
        yield dispatcher
    finally:
        dispatcher.stop()


def wait_for_log(event_id: str, wanted: set[str], s3: Any, timeout: float = 300) -> float:
    """Seconds until the event's file holds every ID in ``wanted``."""
    from chalicelib import settings
    from chalicelib.registration import event_log

    started = time.perf_counter()
    key = event_log.log_key(event_id)
    while time.perf_counter() - started < timeout:
        try:
            text = s3.get_object(Bucket=settings.current().event_bucket, Key=key)["Body"].read()
        except Exception:  # noqa: BLE001 - not written yet
            text = b""
        if wanted <= set(registered_ids(text.decode("utf-8"))):
            return time.perf_counter() - started
        time.sleep(0.05)
    raise TimeoutError(f"{key} did not hold {len(wanted)} registrations in {timeout:.0f} s")


def warm_up(handler: callers.Handler, employee_id: str = "99999999") -> None:
    """One call before timing: clients created, connections open, queue URL
    looked up -- as in a warm Lambda. Its own event or file, never counted."""
    done = callers.place(handler, callers.Call(employee_id, "+821000000001",
                                               "warm-up-0000"))
    if done.status not in ("SUCCESS", "DUPLICATE"):
        raise RuntimeError(f"warm-up call failed: {done.answer}")


def burst_ours(app_module: ModuleType, calls: Sequence[callers.Call], threads: int,
               endpoint: str, s3: Any) -> BurstResult:
    """The burst through ``connect_event_registration`` in a fresh event, the
    table's stream delivered to the log handler meanwhile (as in Lambda); the
    file's lag after the last answer, and both records checked."""
    from chalicelib import registration, settings

    with event(new_event_id("warm-up")):
        warm_up(app_module.connect_event_registration)
    with event(new_event_id("burst")) as event_id, log_stream(app_module, endpoint) as disp:
        answered = callers.burst(app_module.connect_event_registration, calls, threads)
        registered = {a.call.employee_id for a in answered if a.status == "SUCCESS"}
        caught_up = wait_for_log(event_id, registered, s3)
        delivered = sum(p.delivered for p in disp.pollers)
        table: dict[str, set[str]] = {}
        for row in registration.registrations(event_id):
            table.setdefault(row["employeeId"], set()).add(row["lotteryNumber"])
        key = registration.event_log.log_key(event_id)
        text = s3.get_object(Bucket=settings.current().event_bucket, Key=key)["Body"].read()
        in_file = registered_ids(text.decode("utf-8"))
    file_ids = set(in_file)
    lost = callers.lost(answered, table) + callers.lost(
        [a for a in answered if a.call.employee_id in table], file_ids)
    extra = (f"{key}: {len(in_file)} lines, {len(in_file) - len(file_ids)} repeated, "
             f"{len(set(table) - file_ids)} missing")
    result = BurstResult("ours", answered, lost, callers.clashes(answered), len(in_file), extra)
    result.log_catch_up = (delivered, caught_up)
    return result


# -- the seed's design ------------------------------------------------------------

def burst_seed(calls: Sequence[callers.Call], threads: int, s3: Any,
               bucket: str) -> BurstResult:
    warm_up(SeedRegistration(s3, bucket, "warm-up.txt").handler)
    seed = SeedRegistration(s3, bucket, "axcl_event.txt")
    answered = callers.burst(seed.handler, calls, threads)
    in_file = registered_ids(seed.read_log())
    extra = f"axcl_event.txt: {len(in_file)} lines"
    return BurstResult("seed", answered, callers.lost(answered, set(in_file)),
                       callers.clashes(answered), len(in_file), extra)


# -- the benchmark ----------------------------------------------------------------

class OursViolated(AssertionError):
    """Our design lost a registration or handed out a number twice; carries
    the rows so that the table still shows what happened."""

    def __init__(self, message: str, rows: list[Row], notes: list[str]) -> None:
        super().__init__(message)
        self.rows = rows
        self.notes = notes


def run_burst(stage: Any) -> tuple[list[Row], list[str]]:
    opts = stage.options
    n, threads = opts.get("callers", 500), opts.get("threads", 32)
    share = opts.get("repeat_share", 0.05)
    calls = callers.make_calls(n, share)
    distinct = len({c.employee_id for c in calls})
    app_module = stage.app_module
    if not hasattr(app_module, "connect_event_registration"):
        from bench.report import NOT_BUILT

        return [Row(NAME, "registrations lost / numbers clashing", NOT_BUILT)], []
    s3 = stage.boto_client("s3")
    seed_s3 = seed_client()
    bucket = seed_bucket(seed_s3)
    stage.progress(f"registration burst: {n} callers ({distinct} distinct IDs), "
                   f"{threads} threads — ours")
    ours = burst_ours(app_module, calls, threads, stage.endpoint, s3)
    stage.progress("registration burst — the seed's design")
    seed = burst_seed(calls, threads, seed_s3, bucket)
    label = f"{NAME} ({n} calls, {threads} threads, {n - distinct} repeats)"
    rows = [
        Row(label, "registrations lost (told SUCCESS, not in the record)",
            str(ours.lost), f"seed: {seed.lost}",
            "ours: table and axcl_event.txt; seed: axcl_event.txt"),
        Row(label, "lottery numbers clashing (employees sharing one)",
            str(ours.clashes), f"seed: {seed.clashes}", "seed: L + md5(ID) mod 10,000"),
        Row(label, "answers SUCCESS / DUPLICATE / ERROR", ours.answers(),
            f"seed: {seed.answers()}",
            f"{distinct} distinct IDs; repeats told SUCCESS again: ours "
            f"{callers.told_twice(ours.answered)}, seed {callers.told_twice(seed.answered)}"),
        Row(label, "latency per call p50 / p95", p50_p95(ours.latencies),
            f"seed: {p50_p95(seed.latencies)}", "in-process handler call, emulator over HTTP"),
    ]
    if ours.log_catch_up:
        delivered, seconds = ours.log_catch_up
        rows.append(Row(label, "axcl_event.txt complete after the last answer (lag)",
                        f"{seconds:.2f} s", "seed: written by each call (and lost)",
                        f"ours: the table's stream ({delivered} records, registrations "
                        "and lottery numbers) delivered to the log handler during the burst"))
    notes = [f"Burst: ours — {ours.extra}. Seed — {seed.extra}."]
    violations = []
    if ours.lost or ours.clashes:
        violations.append(f"lost {ours.lost}, clashes {ours.clashes}")
    if callers.told_twice(ours.answered):
        violations.append(f"{callers.told_twice(ours.answered)} repeats told SUCCESS")
    if violations:
        raise OursViolated("; ".join(violations), rows, notes)
    return rows, notes


# -- growth -----------------------------------------------------------------------

def _template(app_module: ModuleType, event_id: str) -> list[dict[str, Any]]:
    """The items one real registration writes (registered through the handler),
    used as the shape of the pre-filled ones."""
    from chalicelib import table

    answer = app_module.connect_event_registration(
        callers.connect_event(callers.Call("10000000", "+821000000000",
                                           "00000000-0000-4000-8000-000000000000")),
        callers.context())
    if answer.get("registrationStatus") != "SUCCESS":
        raise RuntimeError(f"template registration failed: {answer}")
    from chalicelib.registration import store

    return list(table.query(f"EVENT#{event_id}", consistent=True)) + store.lottery_items(event_id)


def _clone(template: list[dict[str, Any]], employee_id: str, number: int,
           contact_id: str, phone: str, at: str) -> list[dict[str, Any]]:
    """The template registration's items with another ID, number, contact."""
    emp = next(i for i in template if i["sk"].startswith("EMP#"))
    old_id, old_label = emp["employeeId"], emp["lotteryNumber"]
    old_digits = old_label[1:]
    swap = {old_id: employee_id, old_label: f"L{number:04d}", emp.get("contactId"): contact_id,
            emp.get("phone"): phone, emp.get("registeredAt"): at}
    out = []
    for item in template:
        new = {}
        for key, value in item.items():
            if key == "sk":
                value = (f"EMP#{employee_id}" if value.startswith("EMP#")
                         else value.replace(old_digits, f"{number:04d}"))
            elif key == "pk" and item["sk"].startswith("LOT#"):
                from chalicelib.registration import store

                value = store.lot_key(emp["eventId"], number)[0]
            elif isinstance(value, str) and value in swap:
                value = swap[value]
            new[key] = value
        out.append(new)
    return out


def prefill_ours(app_module: ModuleType, event_id: str, count: int, ddb: Any,
                 rng: random.Random) -> None:
    """``count`` registrations in ``event_id``: one through the handler, the
    rest batch-written in the same shape (a registration is two items)."""
    from chalicelib import table

    with event(event_id):
        template = _template(app_module, event_id)
    taken = {int(i["sk"][4:]) for i in template if i["sk"].startswith("LOT#")}
    numbers = rng.sample([n for n in range(NUMBER_SPACE) if n not in taken], count - 1)
    at = seed_timestamp()
    items = []
    for i, number in enumerate(numbers):
        items += _clone(template, str(20_000_000 + i), number,
                        f"prefill-{i:05d}", f"+8210{i:08d}", at)
    batches = [items[i:i + 25] for i in range(0, len(items), 25)]

    def write(batch: list[dict[str, Any]]) -> None:
        request = {table.name(): [{"PutRequest": {"Item": table.serialize(i)}} for i in batch]}
        while request:
            request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, batches))


def prefill_seed(seed: SeedRegistration, count: int) -> None:
    at = seed_timestamp()
    seed.write_log("".join(f"{at},+8210{i:08d},prefill-{i:05d},{20_000_000 + i}\n"
                           for i in range(count)))


def run_growth(stage: Any) -> tuple[list[Row], list[str]]:
    """Time per registration in events of different sizes, one caller at a
    time, the cases interleaved (a noisy neighbour slows them all alike).

    The seed at 100, half and ``large`` lines. Ours at 100 and half; ``large``
    (10,000) is a full event for ours -- every number taken, callers hear the
    "numbers used up" message by design -- so ours is also timed just below it
    (9,900), where random picks mostly clash and the picker reads the free
    numbers (one block of them at a time) on the caller's path."""
    opts = stage.options
    samples = opts.get("growth_samples", 20)
    small, large = opts.get("growth_small", 100), opts.get("growth_large", 10_000)
    half = large // 2
    near_full = NUMBER_SPACE - 100 if large >= NUMBER_SPACE else None
    near_full_samples = opts.get("growth_near_full_samples", 3)
    app_module = stage.app_module
    if not hasattr(app_module, "connect_event_registration"):
        from bench.report import NOT_BUILT

        return [Row(GROWTH, "ms per registration", NOT_BUILT)], []
    rng = random.Random(7)
    ddb = stage.boto_client("dynamodb")
    ours_sizes = [small, half] + ([near_full] if near_full else [])
    seed_sizes = [small, half, large]
    stage.progress(f"growth: pre-filling events of {ours_sizes} registrations (ours) "
                   f"and files of {seed_sizes} lines (seed)")
    started = time.perf_counter()
    ours_events = {size: new_event_id(f"g{size}") for size in ours_sizes}
    for size, event_id in ours_events.items():
        prefill_ours(app_module, event_id, size, ddb, rng)
    seed_s3 = seed_client()
    bucket = seed_bucket(seed_s3)
    seeds = {size: SeedRegistration(seed_s3, bucket, f"growth-{size}.txt")
             for size in seed_sizes}
    file_bytes = {}
    for size, seed in seeds.items():
        prefill_seed(seed, size)
        file_bytes[size] = seed_s3.head_object(Bucket=bucket, Key=seed.key)["ContentLength"]
    stage.progress(f"growth: pre-filled in {time.perf_counter() - started:.0f} s; "
                   f"timing {samples} registrations per size, interleaved")
    done: dict[tuple[str, int], list[callers.Answered]] = {}
    calls: dict[tuple[str, int], list[int]] = {}
    counter = CallCounter()
    counter.hook(seed_s3)
    ids = iter(range(30_000_000, 40_000_000))

    def timed(design: str, size: int, handler: callers.Handler) -> None:
        with counter.recording() as made:
            answered = callers.place(handler, _growth_call(next(ids)))
        done.setdefault((design, size), []).append(answered)
        calls.setdefault((design, size), []).append(sum(made.values()))

    with counter.installed():
        for round_no in range(samples):
            for size, event_id in ours_events.items():
                if size == near_full and round_no >= near_full_samples:
                    continue
                with event(event_id):
                    timed("ours", size, app_module.connect_event_registration)
            for size, seed in seeds.items():
                timed("seed", size, seed.handler)

    def median(design: str, size: int) -> float:
        ok = [a.seconds for a in done[(design, size)] if a.status == "SUCCESS"]
        return statistics.median(ok) if ok else float("nan")

    def cell(design: str, size: int) -> str:
        answered = done[(design, size)]
        failed = [a for a in answered if a.status != "SUCCESS"]
        made = calls[(design, size)]
        text = f"{ms(median(design, size))}, {sum(made) / len(made):.1f} AWS calls"
        if design == "seed":
            text += f", {2 * file_bytes[size] / 1024:,.0f} KB moved"
        if failed:
            text += f" ({len(failed)} of {len(answered)} {failed[0].status})"
        return text

    rows = [
        Row(GROWTH, f"ms per registration, {small} already registered",
            cell("ours", small), f"seed: {cell('seed', small)}",
            f"median of {samples}, one caller at a time; AWS calls: mean per call"),
        Row(GROWTH, f"ms per registration, {half:,} already registered",
            cell("ours", half), f"seed: {cell('seed', half)}",
            f"ours: {half / NUMBER_SPACE:.0%} of its numbers taken = the chance a random "
            "pick clashes and its transaction is retried"),
    ]
    if near_full:
        rows.append(Row(
            GROWTH, f"ms per registration, {large:,} already registered",
            f"full by design; at {near_full:,}: {cell('ours', near_full)}",
            f"seed: {cell('seed', large)}",
            f"ours: {NUMBER_SPACE:,} numbers per event; near full the picker reads one "
            f"block of 256 and picks a free number there (median of {near_full_samples})"))
    rows.append(Row(
        GROWTH, f"growth ratio {half:,} / {small} (seed also {large:,} / {small})",
        ratio(median("ours", half), median("ours", small)),
        f"seed: {ratio(median('seed', half), median('seed', small))}, "
        f"{ratio(median('seed', large), median('seed', small))}",
        "1.00× = flat"))
    notes = [f"Growth: ours pre-filled by batch-writing items shaped like one real "
             f"registration (EMP# + LOT#, copied from a registration made through the "
             f"handler); the seed's file pre-filled with lines "
             f"({file_bytes[large] / 1024:,.0f} KB at {large:,}). The timed registrations are "
             "real handler calls, interleaved across sizes and designs."]
    return rows, notes


def _growth_call(n: int) -> callers.Call:
    return callers.Call(str(n), f"+8210{n % 10**8:08d}", f"growth-{n}")
