"""axcl_event.txt: rebuilt from the table, written with compare-and-swap."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import aws, settings
from chalicelib.registration import event_log, rebuild_logs, store


def register(event_id: str, n: int) -> store.Registration:
    return store.register_employee(event_id, f"{30000000 + n}", f"+8210{n:08d}", f"contact-{n}")


def s3():
    return aws.client("s3")


def test_file_has_the_seed_format_sorted_by_time(event_id):
    regs = [register(event_id, n) for n in range(5)]
    assert event_log.rebuild(event_id) == 5
    lines = event_log.read().splitlines()
    assert lines == [f"{r.registered_at},{r.phone},{r.contact_id},{r.employee_id}"
                     for r in sorted(regs, key=lambda r: (r.registered_at, r.employee_id))]
    head = s3().head_object(Bucket=settings.current().event_bucket,
                            Key=settings.current().event_log_key)
    assert head["ServerSideEncryption"] == "AES256"


def test_configured_event_uses_the_configured_key_others_their_own(event_id):
    assert event_log.log_key(event_id) == settings.current().event_log_key == "axcl_event.txt"
    assert event_log.log_key("other") == "other_event.txt"
    assert event_log.safe_key("../etc/passwd", event_id) == "axcl_event.txt"


def test_a_change_between_read_and_write_is_retried_not_overwritten(event_id, log_lines):
    bucket, key = settings.current().event_bucket, settings.current().event_log_key
    register(event_id, 1)
    event_log.rebuild(event_id)
    register(event_id, 2)
    interfered = []

    def someone_else_writes():
        if not interfered:
            # Another writer lands first, after a registration we have not seen.
            interfered.append(register(event_id, 3))
            s3().put_object(Bucket=bucket, Key=key, Body=b"stale\n")

    assert event_log.rebuild(event_id, before_write=someone_else_writes) == 3
    assert any("registration_log_conflict" in line for line in log_lines)
    lines = event_log.read().splitlines()
    assert [line.rsplit(",", 1)[1] for line in lines] == ["30000001", "30000002", "30000003"]


def test_first_write_uses_if_none_match_and_retries_when_the_file_appears(event_id, log_lines):
    bucket = settings.current().event_bucket
    key = f"test-{secrets.token_hex(4)}_event.txt"
    register(event_id, 7)

    def created_meanwhile():
        if not any("registration_log_conflict" in line for line in log_lines):
            s3().put_object(Bucket=bucket, Key=key, Body=b"someone else\n")

    assert event_log.rebuild(event_id, key, before_write=created_meanwhile) == 1
    assert any("registration_log_conflict" in line for line in log_lines)
    assert event_log.read(key=key).endswith(",contact-7,30000007\n")


def test_emulator_honours_if_none_match_and_if_match(event_id):
    """The CAS relies on these; check the emulator (and botocore's model) do them."""
    bucket, key = settings.current().event_bucket, f"cas-{secrets.token_hex(4)}"
    etag = s3().put_object(Bucket=bucket, Key=key, Body=b"a", IfNoneMatch="*")["ETag"]
    for kwargs in ({"IfNoneMatch": "*"}, {"IfMatch": '"0123456789abcdef0123456789abcdef"'}):
        with pytest.raises(Exception) as err:
            s3().put_object(Bucket=bucket, Key=key, Body=b"b", **kwargs)
        assert aws.error_code(err.value) == "PreconditionFailed"
    s3().put_object(Bucket=bucket, Key=key, Body=b"c", IfMatch=etag)


def test_concurrent_registrations_and_rebuilds_never_lose_a_line(event_id):
    """Each worker registers, then rebuilds as its message would (a loser of
    the race stops once the winner's file holds its registration); when all
    are done the file holds every registration, with no extra rebuild."""
    go = threading.Event()

    def worker(n):
        go.wait(10)
        reg = register(event_id, n)
        event_log.rebuild(event_id, must_include=[reg.employee_id])

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(worker, n) for n in range(30)]
        go.set()
        for f in futures:
            f.result()
    ids = [line.rsplit(",", 1)[1] for line in event_log.read().splitlines()]
    assert sorted(ids) == [f"{30000000 + n}" for n in range(30)]


def test_concurrent_rebuilds_of_a_full_table_agree(event_id):
    for n in range(20):
        register(event_id, n)
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: event_log.rebuild(event_id), range(16)))
    assert counts == [20] * 16
    assert len(event_log.read().splitlines()) == 20


def test_the_queue_handler_rebuilds_once_per_event_in_a_batch(app_module, event_id):
    register(event_id, 1)
    register(event_id, 2)
    bodies = [f'{{"eventId": "{event_id}", "logKey": "axcl_event.txt"}}'] * 2 + ["not json"]
    result = rebuild_logs(bodies)
    assert result == {"axcl_event.txt": 2}
    # The handler itself, with a Lambda-shaped SQS event.
    record = {"messageId": "m1", "receiptHandle": "r", "body": bodies[0], "attributes": {},
              "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
              "eventSourceARN": "arn:aws:sqs:ap-northeast-2:123456789012:q",
              "awsRegion": "ap-northeast-2"}
    app_module.handle_registration_log({"Records": [record]}, None)
    assert len(event_log.read().splitlines()) == 2


def _record(body: str, sent_ms: int) -> dict:
    return {"body": body, "attributes": {"SentTimestamp": str(sent_ms)}}


def test_a_batch_sent_before_the_files_table_read_is_already_covered(event_id, log_lines):
    import time

    register(event_id, 1)
    sent_ms = int(time.time() * 1000)
    time.sleep(1.1)  # the file's read begins after the send, beyond the skew margin
    body = f'{{"eventId": "{event_id}", "employeeId": "30000001"}}'
    assert rebuild_logs([body]) == {"axcl_event.txt": 1}
    head = s3().head_object(Bucket=settings.current().event_bucket, Key="axcl_event.txt")
    assert int(head["Metadata"][event_log.SNAPSHOT_META]) > sent_ms

    from chalicelib.registration import handle_log_records

    # The batch's messages were sent before that read: nothing is read or written.
    assert handle_log_records([_record(body, sent_ms)]) == {"axcl_event.txt": None}
    assert any("registration_log_covered" in line for line in log_lines)
    # A message sent after the file's read asks for a real rebuild.
    register(event_id, 2)
    later = int(time.time() * 1000) + 2000
    assert handle_log_records([_record(body, later)]) == {"axcl_event.txt": 2}
    assert len(event_log.read().splitlines()) == 2


def test_records_without_a_sent_timestamp_always_rebuild(event_id):
    from chalicelib.registration import handle_log_records

    register(event_id, 1)
    body = f'{{"eventId": "{event_id}"}}'
    assert handle_log_records([{"body": body, "attributes": {}}]) == {"axcl_event.txt": 1}
    assert handle_log_records([{"body": body, "attributes": {}}]) == {"axcl_event.txt": 1}
