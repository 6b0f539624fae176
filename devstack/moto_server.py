"""moto server, with DynamoDB item writes made atomic.

In DynamoDB a conditional write is atomic: of thirty racing writers with
``attribute_not_exists``, exactly one wins. moto evaluates the condition and
then writes, with no lock between, so two threads of its server can both win.
Our concurrency tests assert exact outcomes against the emulator, so the
emulator must keep DynamoDB's promise: this launcher serialises moto's
DynamoDB item operations behind one lock, then starts moto's own server.

moto's ``TransactWriteItems`` also deep-copies every table it names before it
starts, to roll back on failure, so a transaction costs time proportional to
the whole table (1.4 s with 20,000 items, measured), while holding the lock
above. DynamoDB's transactions cost the same at any table size; here the
backup holds only the items the transaction touches, and a failed transaction
puts exactly those back: under the lock nothing interleaves, so the outcome is
moto's own (all of the transaction's writes or none), only cheaper.

A cancelled transaction leaves no trace in the table's stream (DynamoDB
streams only committed writes); moto's per-item undo would add INSERT/REMOVE
records, so the undo also drops the records the transaction added. Stream
reads take the same lock, so a reader never sees a transaction half-way.

S3 conditional writes (``If-Match`` / ``If-None-Match`` on PutObject) are
atomic in S3: of writers holding the same ETag, one wins and the others get
412. moto checks the condition, then writes, unlocked: two can win. Every
PutObject here checks and writes under one lock (``make_s3_conditional_writes_atomic``).

S3's bucket owner condition (``ExpectedBucketOwner``) is checked as S3 does
(``devstack/bucket_owner.py``).

Lambda's SnapStart setting is kept (moto drops it), for the after-deploy
SnapStart step (provision/snapstart.py).

Each SMS keeps the moment it was accepted (``sent_at``, moto keeps none), for
the local SMS inbox (devstack/sms_inbox.py), which reads only them:
``/moto-api/data.json?service=sns&model=SMS``.
TransactWriteItems honours ``ClientRequestToken`` as DynamoDB does
(devstack/idempotent_transactions.py).
"""

from __future__ import annotations

import copy
import functools
import threading
import types
from typing import Any

ITEM_OPERATIONS = (
    "put_item", "get_item", "update_item", "delete_item", "query", "scan",
    "transact_write_items", "transact_get_items", "batch_write_item", "batch_get_item",
    "execute_statement", "execute_transaction", "batch_execute_statement",
)

_lock = threading.RLock()


def make_dynamodb_atomic() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in ITEM_OPERATIONS:
        original = getattr(DynamoDBBackend, name, None)
        if original is None or getattr(original, "_serialised", False):
            continue

        @functools.wraps(original)
        def serialised(self, *args, __original=original, **kwargs):
            with _lock:
                return __original(self, *args, **kwargs)

        serialised._serialised = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, serialised)


_s3_lock = threading.Lock()


def make_s3_conditional_writes_atomic() -> None:
    """PutObject's precondition and its write under one lock, as in S3.
    Unconditional puts take it too: they must not land between another
    writer's check and its write."""
    from moto.s3.responses import S3Response

    original = S3Response.put_object
    if getattr(original, "_atomic", False):
        return

    @functools.wraps(original)
    def put_object(self: Any) -> Any:
        with _s3_lock:
            return original(self)

    put_object._atomic = True  # type: ignore[attr-defined]
    S3Response.put_object = put_object


def make_stream_reads_atomic() -> None:
    """GetRecords under the item lock: a transaction is seen whole or not at all."""
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    original = DynamoDBStreamsBackend.get_records
    if getattr(original, "_serialised", False):
        return

    @functools.wraps(original)
    def get_records(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return original(self, *args, **kwargs)

    get_records._serialised = True  # type: ignore[attr-defined]
    DynamoDBStreamsBackend.get_records = get_records


def make_transactions_cheap() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "_item_backup", False):
        return

    def deepcopy(obj: Any, memo: Any = None) -> Any:
        # The only deep copy of a Table in this module is the transaction's
        # backup, replaced below by per-item snapshots.
        return obj if isinstance(obj, Table) else copy.deepcopy(obj, memo)

    models.copy = types.SimpleNamespace(**{**vars(copy), "deepcopy": deepcopy})

    def snapshot(backend: DynamoDBBackend, items: list[dict[str, Any]]
                 ) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        saved = []
        for entry in items:
            op_type, op = next(iter(entry.items()))
            if op_type == "ConditionCheck":
                continue
            try:
                table = backend.get_table(op["TableName"])
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                current = backend.get_item(op["TableName"], key)
            except Exception:  # noqa: BLE001 - moto's own validation reports it
                continue
            before = copy.deepcopy(current.to_json()["Attributes"]) if current else None
            saved.append((op["TableName"], key, before))
        return saved

    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]
                             ) -> None:
        saved = snapshot(self, transact_items)
        streams = {t.name: len(t.stream_shard.items) for t in self.tables.values()
                   if t.stream_shard is not None}
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, before in reversed(saved):
                if before is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before)
            # A cancelled transaction was never committed: nothing to stream.
            for name, length in streams.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not None:
                    del table.stream_shard.items[length:]
            raise

    transact_write_items._item_backup = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items


def make_dynamodb_reads_fast() -> None:
    """Query and Scan answer with the JSON DynamoDB sends, written directly.

    moto 5 turns every response item into JSON through its generic,
    model-driven serializer: about 2.5 ms per item, so a Query of one event's
    10,000 registrations took 16 s (two pages) and timed out every client.
    The body here is the same JSON (each attribute's own ``to_json``), built
    in a few milliseconds; what is read, paged or counted is moto's own."""
    import json

    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoHandler

    def direct(original: Any) -> Any:
        if getattr(original, "_direct_json", False):
            return original

        @functools.wraps(original)
        def handler(self: Any) -> Any:
            response = original(self)
            if not isinstance(response, ActionResult) or not isinstance(response.result, dict):
                return response
            return json.dumps(response.result, default=lambda value: value.to_json())

        handler._direct_json = True  # type: ignore[attr-defined]
        return handler

    DynamoHandler.query = direct(DynamoHandler.query)
    DynamoHandler.scan = direct(DynamoHandler.scan)


def keep_lambda_snapstart() -> None:
    """moto ignores UpdateFunctionConfiguration's ``SnapStart`` and always
    reports ``ApplyOn: None``; Lambda keeps the setting, and a version
    published from it carries it (``OptimizationStatus`` On)."""
    from moto.awslambda.models import LambdaFunction

    if getattr(LambdaFunction.get_configuration, "_snap_start", False):
        return
    original_update = LambdaFunction.update_configuration
    original_get = LambdaFunction.get_configuration

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "SnapStart" in config_updates:
            self.snap_start_apply_on = config_updates["SnapStart"].get("ApplyOn", "None")
        return original_update(self, config_updates)

    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config = original_get(self, on_create)
        apply_on = getattr(self, "snap_start_apply_on", "None")
        published = str(getattr(self, "version", "$LATEST")) != "$LATEST"
        config["SnapStart"] = {"ApplyOn": apply_on, "OptimizationStatus":
                               "On" if apply_on == "PublishedVersions" and published else "Off"}
        return config

    get_configuration._snap_start = True  # type: ignore[attr-defined]
    LambdaFunction.update_configuration = update_configuration
    LambdaFunction.get_configuration = get_configuration


def make_model_data_tolerant() -> None:
    """``/moto-api/data.json`` (where tests read the SMS sent) serialises every
    model's public attributes and skips only the ones that are not JSON. A
    Lambda function's attribute that reaches for Docker raises instead (no
    Docker here), and then the whole endpoint answers 500 for the rest of the
    emulator's life. Any attribute that cannot be read is skipped too."""
    import json
    from urllib.parse import parse_qs, urlsplit

    from moto.core.model_instances import model_data
    from moto.moto_api._internal.responses import MotoAPIResponse

    if getattr(MotoAPIResponse.model_data, "_tolerant", False):
        return

    def tolerant(self: Any, request: Any, full_url: str, headers: Any) -> Any:
        # ``?service=sns&model=SMS`` narrows the answer to one model (the SMS
        # inbox reads only that, however much else the emulator holds).
        query = parse_qs(urlsplit(full_url).query)
        only_service, only_model = query.get("service"), query.get("model")
        results: dict[str, dict[str, list[Any]]] = {}
        for service in sorted(model_data):
            if only_service and service not in only_service:
                continue
            models = model_data[service]
            results[service] = {}
            for name in sorted(models):
                if only_model and name not in only_model:
                    continue
                results[service][name] = []
                for instance in models[name].instances_tracked:
                    found = {}
                    for attr in dir(instance):
                        if attr.startswith("_"):
                            continue
                        try:
                            value = getattr(instance, attr)
                            json.dumps(value)
                        except Exception:  # noqa: BLE001 - not data: skipped, as moto does
                            continue
                        found[attr] = value
                    results[service][name].append(found)
        return 200, {"Content-Type": "application/javascript"}, json.dumps(results)

    tolerant._tolerant = True  # type: ignore[attr-defined]
    MotoAPIResponse.model_data = tolerant  # type: ignore[method-assign]


def record_sms_time() -> None:
    """Every SMS moto accepts gets ``sent_at`` (UTC, ISO 8601), which
    ``/moto-api/data.json`` lists with its phone number and text."""
    from datetime import UTC, datetime

    from moto.sns.models import SMS

    original = SMS.__init__
    if getattr(original, "_timed", False):
        return

    @functools.wraps(original)
    def timed(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.sent_at = datetime.now(UTC).isoformat(timespec="milliseconds")

    timed._timed = True  # type: ignore[attr-defined]
    SMS.__init__ = timed  # type: ignore[method-assign]


def make_sign_out_regional() -> None:
    """GlobalSignOut from a browser is unsigned: AWS knows the pool's region
    from the endpoint the page calls; moto, reached on one address, files an
    unsigned call under us-east-1 and then finds no such token. The call goes
    to the region whose pool issued the token, as moto already does for
    InitiateAuth and RespondToAuthChallenge."""
    from moto.cognitoidp.models import RegionAgnosticBackend
    from moto.cognitoidp.responses import CognitoIdpResponse

    original = CognitoIdpResponse.global_sign_out
    if getattr(original, "_regional", False):
        return

    @functools.wraps(original)
    def global_sign_out(self: Any) -> Any:
        from moto.core.responses import EmptyResult

        access_token = self._get_param("AccessToken")
        agnostic = RegionAgnosticBackend(self.current_account, self.region)
        agnostic._find_backend_by_access_token(access_token).global_sign_out(access_token)
        return EmptyResult()

    global_sign_out._regional = True  # type: ignore[attr-defined]
    CognitoIdpResponse.global_sign_out = global_sign_out  # type: ignore[method-assign]


def main() -> None:
    make_model_data_tolerant()
    record_sms_time()
    make_sign_out_regional()
    keep_lambda_snapstart()
    make_transactions_cheap()
    make_dynamodb_atomic()  # the lock wraps the cheap transaction too
    make_stream_reads_atomic()
    make_s3_conditional_writes_atomic()
    make_dynamodb_reads_fast()
    from devstack import apigateway_import, bucket_owner, faults, idempotent_transactions, standins

    idempotent_transactions.install(_lock)  # ClientRequestToken, as DynamoDB

    bucket_owner.install()  # ExpectedBucketOwner refused as S3 does (moto ignores it)
    standins.install()
    apigateway_import.install()
    faults.install()  # POST /_faults: injected faults on the wire (devstack/faults.py)
    from moto.server import main as moto_main

    moto_main()


if __name__ == "__main__":
    main()
