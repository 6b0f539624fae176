"""devstack/moto_server.py makes S3's conditional PutObject atomic, as S3 is.

moto checks If-Match, then writes, with nothing between them held; the window
is short, so racing writers rarely both win against the plain emulator. Here
an in-process moto server widens it (each write takes 30 ms, as a large
object would): unpatched, several writers holding one ETag all win; with the
launcher's lock exactly one does, the rest get 412."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from devstack import moto_server
from devstack.ports import free_port

WRITERS = 8


@pytest.fixture
def slow_moto(monkeypatch):
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response
    from moto.server import ThreadedMotoServer

    monkeypatch.setattr(S3Response, "put_object", S3Response.put_object)  # restored after
    original = S3Backend.put_object

    def slow_put_object(self, *args, **kwargs):
        time.sleep(0.03)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", slow_put_object)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _race(url: str) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = "atomic-race"
    s3.create_bucket(Bucket=bucket)
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"first")["ETag"]
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> str:
        start.wait(10)
        try:
            s3.put_object(Bucket=bucket, Key="k", Body=f"writer {n}".encode(), IfMatch=etag)
            return "won"
        except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
            return exc.response["Error"]["Code"]  # type: ignore[attr-defined]

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return sorted(pool.map(writer, range(WRITERS)))


def test_without_the_lock_racing_writers_with_one_etag_all_win(slow_moto):
    # What the emulator did before: the reason the launcher holds a lock.
    assert _race(slow_moto).count("won") > 1


def test_with_the_lock_exactly_one_writer_wins(slow_moto):
    moto_server.make_s3_conditional_writes_atomic()
    assert _race(slow_moto) == ["PreconditionFailed"] * (WRITERS - 1) + ["won"]
