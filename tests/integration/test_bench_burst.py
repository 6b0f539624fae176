"""A small registration burst through the bench, against both designs on the
test emulator: ours must lose nothing and hand out no number twice; the
seed's re-creation must at least account for every call."""

from __future__ import annotations

import boto3

from bench import calls as callers
from bench import registration


def test_tiny_burst_ours_loses_nothing_and_seed_is_counted(app_module, monkeypatch):
    # The burst's log file gets a key of its own: other tests read axcl_event.txt.
    monkeypatch.setenv("EVENT_LOG_KEY", "bench-test_event.txt")
    sqs, s3 = boto3.client("sqs"), boto3.client("s3")
    calls = callers.make_calls(20, repeat_share=0.1, seed=3)
    distinct = len({c.employee_id for c in calls})

    ours = registration.burst_ours(app_module, calls, threads=8, sqs=sqs, s3=s3)
    assert ours.lost == 0
    assert ours.clashes == 0
    assert callers.told_twice(ours.answered) == 0
    assert callers.statuses(ours.answered) == {"SUCCESS": distinct,
                                               "DUPLICATE": len(calls) - distinct}
    assert ours.lines == distinct

    seed_s3 = registration.seed_client()
    seed = registration.burst_seed(calls, 8, seed_s3, registration.seed_bucket(seed_s3))
    assert len(seed.answered) == len(calls)
    successes = len(callers.successes(seed.answered))
    assert 0 <= seed.lost <= successes
