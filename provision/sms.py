"""Account-wide SMS defaults of SNS for the partner links.

Transactional: the link is time-critical (it lives 10 minutes), and SNS
delivers transactional messages with the higher reliability route, also to
numbers that opted out of promotional messages.
"""

from __future__ import annotations

from typing import Any

WANTED = {"DefaultSMSType": "Transactional"}


def ensure(prov: Any) -> None:
    sns = prov.client("sns")
    current = sns.get_sms_attributes(attributes=sorted(WANTED))["attributes"]
    differs = {k: v for k, v in WANTED.items() if current.get(k) != v}
    if differs:
        sns.set_sms_attributes(attributes=differs)
        prov.changed("SNS SMS: " + ", ".join(f"{k}={v}" for k, v in sorted(differs.items())))
