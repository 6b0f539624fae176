"""A partner's SMS budget: at most ``SMS_PER_PARTNER_PER_DAY`` texts a day.

Each partner SMS a stranger can cause (the link, its reminder) first takes
one from the partner's counter for the day (KST): one atomic, conditional
UpdateItem on ``SMSDAY#<partnerId>#<date>/COUNT`` that adds one only while
the count is below the cap, so N deliveries at once never pass it. Past the
cap nothing is sent: the link handler fails the request into the operators'
follow-up list (escalated, reason ``sms_budget``), the reminder is skipped.
A count taken for an SMS that then failed to send stays taken: the cap errs
on the side of fewer texts. Operators' resends are not counted (a person
decided). The item expires two days later (the table's TTL).
"""

from __future__ import annotations

from chalicelib import aws, clock, settings, table
from chalicelib.korean import KST

KEEP_SECONDS = 2 * 24 * 3600


def _pk(partner_id: str) -> str:
    return f"SMSDAY#{partner_id}#{clock.now().astimezone(KST).date().isoformat()}"


def take(partner_id: str) -> bool:
    """One SMS from today's budget of ``partner_id``: False when it is spent."""
    cap = settings.current().sms_per_partner_per_day
    if cap <= 0:
        return True
    try:
        table.client().update_item(
            TableName=table.name(), Key=table.key(_pk(partner_id), "COUNT"),
            UpdateExpression="ADD sent :one SET expiresAt = if_not_exists(expiresAt, :exp)",
            ConditionExpression="attribute_not_exists(sent) OR sent < :cap",
            ExpressionAttributeValues=table.values({
                ":one": 1, ":cap": cap, ":exp": clock.epoch() + KEEP_SECONDS}))
        return True
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise


def sent_today(partner_id: str) -> int:
    item = table.get(_pk(partner_id), "COUNT")
    return int(item.get("sent", 0)) if item else 0
