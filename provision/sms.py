"""Account-wide SMS defaults of SNS for the partner links, in the region the
SMS go out from.

SNS sends SMS only from some regions, and Asia Pacific (Seoul) is not one of
them (AWS's "Supported countries and regions" for SNS SMS; Amazon Cognito's
docs say the same: Seoul must use SNS in Tokyo). So the stage setting
``SMS_REGION`` (default ap-northeast-1, Tokyo) picks the SNS endpoint the link
handler texts through (chalicelib.aws.sms_region), and SMS preferences --
account settings *per region* -- are set there. The region (a stage's choice
in provision/stages.py, else the default) is written into the stage's
environment, so the functions and the policy agree on it.

Transactional: the link is time-critical (it lives 10 minutes), and SNS
delivers transactional messages with the higher reliability route, also to
numbers that opted out of promotional messages.
"""

from __future__ import annotations

from typing import Any

from chalicelib import settings

SETTING = "SMS_REGION"
WANTED = {"DefaultSMSType": "Transactional"}


def region(prov: Any) -> str:
    """The stage's SMS region: its own choice (provision/stages.py), else the
    product's default (chalicelib/settings.py)."""
    return str(prov.env.get(SETTING) or settings.Settings.sms_region)


def ensure(prov: Any) -> None:
    where = region(prov)
    sns = prov.client("sns", region=where)
    current = sns.get_sms_attributes(attributes=sorted(WANTED))["attributes"]
    differs = {k: v for k, v in WANTED.items() if current.get(k) != v}
    if differs:
        sns.set_sms_attributes(attributes=differs)
        prov.changed(f"SNS SMS ({where}): "
                     + ", ".join(f"{k}={v}" for k, v in sorted(differs.items())))
    # Written out, so the functions use the region the defaults were set in.
    prov.env[SETTING] = where
