"""The operators' list (``GET /api/admin/requests``) and the dashboard's
charts (``GET /api/admin/stats``) at 1,000 and 100,000 requests: latency
through the app (chalice.test.Client, admin token) and the items each answer
reads, side by side with a table Scan answering the same question (what the
indexes avoid).

The table is seeded with BatchWriteItem (25 items a call, many callers) with
request items shaped as the app writes them. The same table grows from the
small size to the large one, so both sizes run against one emulator.

Read the latency with the emulator in mind: moto answers a Query on a global
secondary index by walking every item of the table, so its latency grows with
the table whatever the query. DynamoDB reads only the index partition's page;
"items read" (ScannedCount, what DynamoDB bills and its latency follows) is
the figure that carries over, and the Scan shows what a scan would read.
"""

from __future__ import annotations

import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from bench.report import NOT_BUILT, Row

NAME = "Admin list"
SEED_THREADS = 8


def _items(start: int, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Request items as `lifecycle.create` writes them (a few events, a
    reservation copy), spread over 30 days; every 50th escalated."""
    from chalicelib import clock, lifecycle
    from chalicelib.lifecycle.store import LIST_PARTITION, pk

    out = []
    now = time.time()
    for n in range(start, start + count):
        request_id = lifecycle.new_request_id()
        at = clock.iso(datetime.fromtimestamp(now - rng.uniform(0, 30 * 86400), UTC))
        status = rng.choice(lifecycle.STATUSES)
        item = {
            "pk": pk(request_id), "sk": "REQ", "gsi1pk": LIST_PARTITION,
            "gsi1sk": f"{at}#{request_id}", "requestId": request_id, "status": status,
            "intent": "ChangeReservation", "reservationNumber": f"BN{n:010d}",
            "customerPhone": f"+8210{n:08d}", "partnerId": "P001",
            "partnerName": "바다뷰 펜션", "partnerPhone": "+821098765432",
            "text": "체크인 시간을 오후 5시로 바꿀 수 있을까요?", "createdAt": at,
            "updatedAt": at, "reservation": {"serviceName": "오션뷰 디럭스 2박",
                                              "startsAt": "2026-12-24T15:00:00+09:00"},
            "events": [{"type": "Created", "at": at}, {"type": status, "at": at}],
        }
        if n % 50 == 0:
            item["escalatedAt"] = at
        out.append(item)
    return out


def seed(ddb: Any, table_name: str, start: int, count: int, seed_no: int) -> float:
    """BatchWriteItem ``count`` requests; seconds taken."""
    from chalicelib import table

    rng = random.Random(seed_no)
    items = _items(start, count, rng)
    batches = [items[i:i + 25] for i in range(0, len(items), 25)]
    started = time.perf_counter()

    def write(batch: list[dict[str, Any]]) -> None:
        pending = {table_name: [{"PutRequest": {"Item": table.serialize(i)}} for i in batch]}
        while pending:
            out = ddb.batch_write_item(RequestItems=pending)
            pending = out.get("UnprocessedItems") or {}

    with ThreadPoolExecutor(SEED_THREADS) as pool:
        list(pool.map(write, batches))
    return time.perf_counter() - started


LIST = "/api/admin/requests"
STATS = "/api/admin/stats"


def _queries(known: int) -> dict[str, tuple[str, dict[str, str]]]:
    """The questions operators ask, about requests that exist at both sizes."""
    return {
        "first page (newest 50)": (LIST, {"limit": "50"}),
        "status=Timeout": (LIST, {"status": "Timeout", "limit": "50"}),
        "escalated=true": (LIST, {"escalated": "true", "limit": "50"}),
        "q=phone (010-…)": (LIST, {"q": f"010-{known // 10000:04d}-{known % 10000:04d}"}),
        "q=reservation": (LIST, {"q": f"BN-{known:010d}"}),
        # The charts: the newest 1,000 requests of the last 14 days (of 30 seeded).
        "stats (charts, 14 days)": (STATS, {}),
    }


def _scan_equivalent(ddb: Any, table_name: str) -> int:
    """Items a Scan reads to answer the same question (the whole table)."""
    scanned, kwargs = 0, {"TableName": table_name, "Select": "COUNT"}
    while True:
        page = ddb.scan(**kwargs)
        scanned += page["ScannedCount"]
        if "LastEvaluatedKey" not in page:
            return scanned
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _measure(client: Any, token: str, ddb_reads: list[int], query: tuple[str, dict[str, str]],
             samples: int) -> tuple[float, int]:
    """Median ms of ``samples`` answers, items the last one read."""
    from urllib.parse import urlencode

    route, params = query
    path = route + ("?" + urlencode(params) if params else "")
    times = []
    for _ in range(samples):
        ddb_reads.clear()
        started = time.perf_counter()
        response = client.http.get(path, headers={"Authorization": f"Bearer {token}"})
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.body[:200]!r}")
    return statistics.median(times), sum(ddb_reads)


def run(stage: Any) -> tuple[list[Row], list[str]]:
    try:
        from chalicelib.operators import search as admin_list  # noqa: F401
    except ImportError:
        return [Row(NAME, "ms per answer", NOT_BUILT)], []
    import os
    import secrets

    import boto3

    from bench import loop
    from chalicelib import table
    from provision import operators

    opts = stage.options
    small, large = opts.get("list_small", 1_000), opts.get("list_large", 100_000)
    samples = opts.get("list_samples", 5)
    ddb = stage.boto_client("dynamodb")
    table_name = table.name()
    # An operator of the stage's pool, signed in as the dashboard does.
    idp = boto3.client("cognito-idp")
    password = operators.add(idp, os.environ["COGNITO_USER_POOL_ID"], "bench-viewer", "viewer",
                             password="Bench-" + secrets.token_urlsafe(12) + "!1a",
                             permanent=True)
    token = idp.initiate_auth(
        ClientId=os.environ["COGNITO_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bench-viewer", "PASSWORD": password},
    )["AuthenticationResult"]["AccessToken"]
    client = loop.test_client(stage.app_module)
    reads: list[int] = []

    def count_reads(parsed: Any = None, model: Any = None, **_: Any) -> None:
        if model is not None and model.name == "Query" and isinstance(parsed, dict):
            reads.append(parsed.get("ScannedCount", 0))

    # moto walks the whole table for every index Query (see the docstring):
    # at 100,000 items one walk outlasts the app's 5 s read timeout, which
    # DynamoDB's page reads never approach. This run only: a longer timeout.
    from chalicelib import aws

    # Routes read through their own profile ("api", 0.8 s: chalicelib.aws).
    slow = ("default", "api", "api_last")
    saved_timeouts = {p: aws.PROFILES[p]["read_timeout"] for p in slow}
    for profile in slow:
        aws.PROFILES[profile]["read_timeout"] = 120
    aws.reset()
    from bench.awscalls import on_every_client

    def hook(client: Any) -> None:
        client.meta.events.register("after-call.dynamodb.Query", count_reads,
                                    unique_id="bench-admin-list-reads")

    def unhook(client: Any) -> None:
        client.meta.events.unregister("after-call.dynamodb.Query",
                                      unique_id="bench-admin-list-reads")

    watching = on_every_client(hook, unhook)
    watching.__enter__()
    known = small // 2  # a request present at both sizes
    results: dict[int, dict[str, tuple[float, int]]] = {}
    scans: dict[int, int] = {}
    seeded = 0
    try:
        for size in (small, large):
            stage.progress(f"admin list: seeding to {size:,} requests (BatchWriteItem)")
            took = seed(ddb, table_name, seeded, size - seeded, size)
            stage.progress(f"admin list: {size - seeded:,} requests written in {took:.0f} s")
            seeded = size
            results[size] = {}
            for label, query in _queries(known).items():
                _measure(client, token, reads, query, 1)  # warm
                results[size][label] = _measure(client, token, reads, query, samples)
            scans[size] = _scan_equivalent(ddb, table_name)
    finally:
        watching.__exit__(None, None, None)
        for profile, timeout in saved_timeouts.items():
            aws.PROFILES[profile]["read_timeout"] = timeout
        aws.reset()

    rows = []
    for label in _queries(known):
        (ms_s, read_s), (ms_l, read_l) = results[small][label], results[large][label]
        rows.append(Row(
            NAME, f"{label}: ms at {small:,} / {large:,} requests (ratio)",
            f"{ms_s:.0f} / {ms_l:.0f} ({ms_l / ms_s:.1f}x)",
            f"items read: {read_s} / {read_l} (Scan: {scans[small]:,} / {scans[large]:,})",
            f"median of {samples}; index Query, never a Scan"
            + ("; at most 1,000 requests, projected" if label.startswith("stats") else "")))
    notes = [
        "Admin list: the app's DynamoDB read timeouts are raised to 120 s for this "
        "benchmark only (the emulator's walk, not the app, needs it). "
        "The emulator (moto) answers a Query on a global secondary index by "
        "walking every item of the table, so its latency grows with the table for any "
        "query; DynamoDB reads only the page of the index partition. Items read "
        "(ScannedCount summed over the answer's Queries, including the first page's "
        f"status counts over the newest {1000:,}) is what DynamoDB bills and its latency "
        "follows; the Scan column is what a table scan would read for the same answer. "
        "The stats row reads the newest 1,000 requests of the last 14 days (the seeded "
        "requests span 30 days) and, besides, the event's registrations (at most 10,000, "
        "one per lottery number).",
    ]
    return rows, notes
