"""A small registration burst through the bench, against both designs on the
test emulator: ours must lose nothing and hand out no number twice; the
seed's re-creation must at least account for every call."""

from __future__ import annotations

import os

import boto3

from bench import calls as callers
from bench import registration


def test_tiny_burst_ours_loses_nothing_and_seed_is_counted(app_module, configure):
    # The burst's log file gets a key of its own: other tests read axcl_event.txt.
    configure(EVENT_LOG_KEY="bench-test_event.txt")
    s3 = boto3.client("s3")
    calls = callers.make_calls(20, repeat_share=0.1, seed=3)
    distinct = len({c.employee_id for c in calls})

    ours = registration.burst_ours(app_module, calls, threads=8,
                                   endpoint=os.environ["AWS_ENDPOINT_URL"], s3=s3)
    assert ours.lost == 0
    assert ours.clashes == 0
    assert callers.told_twice(ours.answered) == 0
    assert callers.statuses(ours.answered) == {"SUCCESS": distinct,
                                               "DUPLICATE": len(calls) - distinct}
    assert ours.lines == distinct

    seed_s3 = registration.seed_client()
    seed_bucket = registration.seed_bucket(seed_s3)
    seed = registration.burst_seed(calls, 8, seed_s3, seed_bucket)
    assert len(seed.answered) == len(calls)
    told = callers.successes(seed.answered)
    in_file = set(registration.registered_ids(
        registration.SeedRegistration(seed_s3, seed_bucket, "axcl_event.txt").read_log()))
    # Every line in the file is a caller who was told SUCCESS, and "lost" is
    # exactly the callers told SUCCESS whose line is not there.
    assert in_file <= {a.call.employee_id for a in told}
    assert seed.lost == sum(1 for a in told if a.call.employee_id not in in_file)
    # The seed's numbers are MD5 mod 10,000: its clashes are what MD5 gives.
    from collections import Counter

    from bench.seed_design import lottery_number

    heard = {a.call.employee_id for a in told}
    by_number = Counter(lottery_number(e) for e in heard)
    assert seed.clashes == sum(n - 1 for n in by_number.values() if n > 1)
