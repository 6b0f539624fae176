"""axcl_event.txt: rebuilt from the table, written with compare-and-swap."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import aws, settings
from chalicelib.registration import event_log, store


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
    # The file named comes from a registration item's key, never from a message.
    assert event_log.registration_keys(
        _stream_record(f"EVENT#{event_id}", "EMP#1234")) == (event_id, "1234")
    for pk, sk in (("EVENT#../etc", "EMP#1"), ("EVENT#a#LOTS#001", "EMP#1"),
                   (f"EVENT#{event_id}", "LOT#0001"), ("REQ#x", "EMP#1")):
        assert event_log.registration_keys(_stream_record(pk, sk)) == (None, "")


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


def _stream_record(pk: str, sk: str, created_s: float | None = None,
                   name: str = "INSERT") -> dict:
    """A record as Lambda hands a DynamoDB stream batch over (KEYS_ONLY)."""
    import time

    dynamodb = {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}, "SequenceNumber": "1" * 21,
                "SizeBytes": 40, "StreamViewType": "KEYS_ONLY",
                "ApproximateCreationDateTime": float(int(
                    time.time() if created_s is None else created_s))}
    return {"eventID": secrets.token_hex(8), "eventName": name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "ap-northeast-2",
            "dynamodb": dynamodb,
            "eventSourceARN": "arn:aws:dynamodb:ap-northeast-2:123456789012:"
                              "table/partnerline-local/stream/2026-01-01T00:00:00.000"}


def test_the_stream_handler_rebuilds_once_per_event_and_passes_over_other_items(
        app_module, event_id, log_lines):
    register(event_id, 1)
    register(event_id, 2)
    lot_pk, lot_sk = store.lot_key(event_id, 42)
    records = [_stream_record(f"EVENT#{event_id}", "EMP#30000001"),
               _stream_record(f"EVENT#{event_id}", "EMP#30000002"),
               _stream_record(lot_pk, lot_sk),
               _stream_record("REQ#r-123", "META")]
    # The handler itself (Chalice's DynamoDB event), as Lambda calls it.
    app_module.handle_registration_log({"Records": records}, None)
    assert len(event_log.read().splitlines()) == 2
    assert sum("registration_log_written" in line for line in log_lines) == 1
    # A batch of other items only: not a single AWS call.
    from chalicelib.registration import handle_stream_records

    assert handle_stream_records([_stream_record("REQ#r-123", "META"),
                                  _stream_record(lot_pk, lot_sk),
                                  _stream_record(f"EVENT#{event_id}", "DRAW#1")]) == {}


def test_a_batch_written_before_the_files_table_read_is_already_covered(event_id, log_lines):
    import time

    from chalicelib.registration import handle_stream_records

    register(event_id, 1)
    written_s = time.time()
    time.sleep(2.1)  # the file's read begins after the write's second, beyond the margin
    record = _stream_record(f"EVENT#{event_id}", "EMP#30000001", written_s)
    assert handle_stream_records([_stream_record(f"EVENT#{event_id}", "EMP#30000001")]) == {
        "axcl_event.txt": 1}
    # The batch's writes committed before that read: nothing is read or written.
    assert handle_stream_records([record]) == {"axcl_event.txt": None}
    assert any("registration_log_covered" in line for line in log_lines)
    # A write after the file's read asks for a real rebuild.
    register(event_id, 2)
    later = _stream_record(f"EVENT#{event_id}", "EMP#30000002", time.time() + 2)
    assert handle_stream_records([later]) == {"axcl_event.txt": 2}
    assert len(event_log.read().splitlines()) == 2


def test_records_without_a_creation_time_always_rebuild(event_id):
    from chalicelib.registration import handle_stream_records

    register(event_id, 1)
    record = _stream_record(f"EVENT#{event_id}", "EMP#30000001")
    del record["dynamodb"]["ApproximateCreationDateTime"]
    assert handle_stream_records([record]) == {"axcl_event.txt": 1}
    assert handle_stream_records([record]) == {"axcl_event.txt": 1}


# -- the emulator keeps S3's promise: a conditional write is atomic ------------

def test_racing_conditional_writes_with_one_etag_have_exactly_one_winner(event_id):
    """Sixteen writers hold the same ETag and put at once: S3 lets one win
    and answers 412 to the rest."""
    bucket, key = settings.current().event_bucket, f"race-{secrets.token_hex(4)}"
    etag = s3().put_object(Bucket=bucket, Key=key, Body=b"v0")["ETag"]
    start = threading.Barrier(16)

    def writer(n):
        start.wait(10)
        try:
            # A body no earlier round wrote: the same bytes would keep the ETag.
            s3().put_object(Bucket=bucket, Key=key, Body=f"{etag}-{n}".encode(), IfMatch=etag)
            return "won"
        except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
            return aws.error_code(exc)

    for _ in range(5):
        with ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = list(pool.map(writer, range(16)))
        assert sorted(outcomes) == ["PreconditionFailed"] * 15 + ["won"], outcomes
        etag = s3().head_object(Bucket=bucket, Key=key)["ETag"]


def test_racing_rebuilds_that_all_read_before_anyone_writes_lose_no_line(event_id):
    """Twelve threads: each registers and reads the table in turn (worker 0
    sees only itself, worker 11 sees everyone), then all hold the same ETag
    and write, the stalest view last. Without the compare-and-swap the file
    ends with worker 0's one line; with it, every line, each once."""
    import time

    workers = 12
    turns = [threading.Event() for _ in range(workers + 1)]
    all_read = threading.Barrier(workers)
    turns[0].set()

    def worker(n):
        turns[n].wait(30)
        reg = register(event_id, n)
        waited = []

        def after_read():
            if waited:           # only the first round is choreographed
                return
            waited.append(True)
            turns[n + 1].set()
            all_read.wait(30)
            time.sleep((workers - n) * 0.05)   # the earlier the read, the later the write

        event_log.rebuild(event_id, must_include=[reg.employee_id], before_write=after_read)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in [pool.submit(worker, n) for n in range(workers)]:
            f.result()
    ids = [line.rsplit(",", 1)[1] for line in event_log.read().splitlines()]
    assert sorted(ids) == [f"{30000000 + n}" for n in range(workers)]


def test_the_log_is_written_only_to_a_bucket_of_the_configured_owner(event_id, configure):
    """Every S3 call names the bucket's owner (EVENT_BUCKET_OWNER): a bucket of
    the same name in another account refuses the log (403) instead of taking
    the phone numbers in it; the emulator answers as S3 does."""
    register(event_id, 1)
    assert settings.current().event_bucket_owner == "123456789012"  # provisioning wrote it
    before = event_log.read()
    configure(EVENT_BUCKET_OWNER="999999999999")
    with pytest.raises(Exception) as refused:
        event_log.rebuild(event_id)
    assert aws.error_code(refused.value) in ("403", "AccessDenied")
    configure(EVENT_BUCKET_OWNER="123456789012")
    assert event_log.read() == before  # nothing was written
    assert event_log.rebuild(event_id) >= 1
