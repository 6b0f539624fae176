"""S3's bucket owner condition in the emulator.

S3 refuses a request whose ``x-amz-expected-bucket-owner`` header names
another account than the bucket's owner with 403 Access Denied
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html);
moto ignores the header. Checked here before moto handles any bucket or
object request, so a call that names the wrong owner fails locally as on AWS.
"""

from __future__ import annotations

import functools
from typing import Any

HEADER = "x-amz-expected-bucket-owner"


def install() -> None:
    from moto.s3.exceptions import S3AccessDeniedError, S3ClientError
    from moto.s3.responses import S3Response

    def guarded(original: Any) -> Any:
        if getattr(original, "_owner_checked", False):
            return original

        @functools.wraps(original)
        def check(self: Any, request: Any, full_url: str) -> Any:
            expected = request.headers.get(HEADER)
            bucket_name = self.parse_bucket_name_from_url(request, full_url)
            if expected and bucket_name:
                try:
                    bucket = self.backend.get_bucket(bucket_name)
                except S3ClientError:
                    bucket = None  # a missing bucket answers as moto does
                if bucket is not None and bucket.account_id != expected:
                    raise S3AccessDeniedError()
            return original(self, request, full_url)

        check._owner_checked = True  # type: ignore[attr-defined]
        return check

    S3Response._bucket_response = guarded(S3Response._bucket_response)
    S3Response._key_response = guarded(S3Response._key_response)
