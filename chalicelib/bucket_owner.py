"""``ExpectedBucketOwner`` on every S3 call a client makes.

S3 names buckets globally: a bucket called like ours in another account would
take our registration log. With the bucket owner condition S3 refuses (403)
any request whose bucket belongs to another account than the one named
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html).
The parameter is added to every operation whose input has it (all object
operations and most bucket ones; not CreateBucket or ListBuckets), so no call
site can forget it. The app takes the account from its settings
(``EVENT_BUCKET_OWNER``, written by provisioning); provisioning from STS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PARAMETER = "ExpectedBucketOwner"


def expect(client: Any, owner: Callable[[], str | None]) -> Any:
    """Have ``client`` (an S3 client) name ``owner()`` on each call that can."""

    def add(params: dict[str, Any], model: Any = None, **_: Any) -> None:
        if model is None or PARAMETER not in model.input_shape.members or PARAMETER in params:
            return
        account = owner()
        if account:
            params[PARAMETER] = account

    client.meta.events.register("provide-client-params.s3", add,
                                unique_id="partnerline-expected-bucket-owner")
    return client
