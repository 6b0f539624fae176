"""Issue 13 item 6 in prod's own numbers: after a link handler dies holding
the link, the partner's SMS still goes out within 30 s.

    receive at r; the claim's lock ends by the invocation's deadline r + T;
    the message is visible again at r + V (V > T: the lock has expired);
    that delivery claims and sends within one more invocation, <= T.
    SMS by r + V + T <= 30 s.
"""

from __future__ import annotations

from chalicelib import lifecycle
from provision import stages

SMS_AFTER_CRASH_LIMIT = 30


def test_prod_sms_after_a_crash_within_30_seconds():
    t = stages.function_timeout("prod", "handle_partner_link")
    v = stages.queue_visibility("partner-links", "prod")
    assert (t, v) == (10, 15)
    assert t <= v  # Lambda refuses an event source whose function outlives the visibility
    assert lifecycle.LOCK_SECONDS <= t < v  # the lock is over when the message returns
    assert v + t <= SMS_AFTER_CRASH_LIMIT  # 15 + 10 = 25 s, worst case


def test_the_other_queues_keep_awss_advised_visibility():
    for kind in ("customer-notify",):
        assert stages.queue_visibility(kind, "prod") == 6 * stages.handler_timeout("prod")
