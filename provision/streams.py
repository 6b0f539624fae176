"""After `chalice deploy`: the registration log's stream mapping, made safe.

Chalice creates the mapping from the table's stream to
``handle_registration_log`` (``@app.on_dynamodb_record``) but offers none of
the stream mapping's error handling, and a stream mapping's defaults retry a
failing batch until its records expire (24 hours), holding back everything
behind it on the shard. This step sets, on that one mapping:

- ``BisectBatchOnFunctionError``: a failing batch is split in two and
  retried, so a record that fails alone is found;
- ``MaximumRetryAttempts``: then it is skipped (the next registration's
  rebuild reads the whole table, so a skipped record loses no line while any
  later registration follows; ``make export`` lists the table at any time);
- ``FilterCriteria``: only registration items (``sk`` begins ``EMP#``) invoke
  the function; partner requests, lottery numbers and draws share the table
  and never cost an invocation. The handler checks the keys again.

The local dispatcher (devstack/dispatcher.py) retries, bisects and skips the
same way, with the same retry count.
"""

from __future__ import annotations

import json
from typing import Any

from provision import lambdas
from provision.errors import StepFailed

HANDLER = "handle_registration_log"
MAX_RETRY_ATTEMPTS = 3
REGISTRATION_FILTER = {"Filters": [{"Pattern": json.dumps(
    {"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "EMP#"}]}}}})}]}
WANTED: dict[str, Any] = {"BisectBatchOnFunctionError": True,
                          "MaximumRetryAttempts": MAX_RETRY_ATTEMPTS,
                          "FilterCriteria": REGISTRATION_FILTER}


def mappings(lam: Any, stream_arn: str, function_arn: str) -> list[dict[str, Any]]:
    found = []
    for page in lam.get_paginator("list_event_source_mappings").paginate(
            EventSourceArn=stream_arn):
        found += [m for m in page["EventSourceMappings"]
                  if m.get("FunctionArn", "").split(":")[:7] == function_arn.split(":")[:7]]
    return found


def ensure(prov: Any) -> dict[str, Any]:
    lam = prov.client("lambda")
    stream_arn = prov.ensure_table_stream()
    function_arn = lambdas.deployed_arn(prov, HANDLER)
    found = mappings(lam, stream_arn, function_arn)
    if len(found) != 1:
        raise StepFailed(
            f"테이블 스트림 → {HANDLER} 연결이 {len(found)}개예요 (정확히 1개여야 해요). "
            f"`make deploy STAGE={prov.stage}`를 다시 실행해 주세요.")
    mapping = found[0]
    differs = {k: v for k, v in WANTED.items() if mapping.get(k) != v}
    if differs:
        lam.update_event_source_mapping(UUID=mapping["UUID"], **differs)
        prov.changed(f"stream mapping {HANDLER}: {', '.join(sorted(differs))}")
    return {**mapping, **differs}
