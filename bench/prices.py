"""AWS list prices the cost figures of `make bench` multiply by (bench/cost.py).

On-demand list prices in US East (N. Virginia), USD, as of ``AS_OF``; Seoul
(ap-northeast-2) is within about 10 % for these services (Step Functions:
$0.0271 per 1,000 transitions there). Free tiers are left out: the figures
are for a product past them. A price changes: update the number, the date
and, when the page moved, the source; nothing else reads these numbers.
``approximate``: per-country rates (SMS to Korea, Connect's Korean
telephony) that the pricing pages list in their country tables; check them
there before quoting a figure to a buyer.
"""

from __future__ import annotations

from dataclasses import dataclass

AS_OF = "2026-12-07"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    approximate: bool = False


PRICES: dict[str, Price] = {
    # Lambda: per request and per GB-second of duration (1 ms granularity).
    "lambda_request": Price(0.20 / 1e6, "request", "https://aws.amazon.com/lambda/pricing/"),
    "lambda_gb_second_arm64": Price(0.0000133334, "GB-second",
                                    "https://aws.amazon.com/lambda/pricing/"),
    "lambda_gb_second_x86_64": Price(0.0000166667, "GB-second",
                                     "https://aws.amazon.com/lambda/pricing/"),
    # API Gateway HTTP API (provision/http_api.py), first 300 million a month.
    "http_api_request": Price(1.00 / 1e6, "request",
                              "https://aws.amazon.com/api-gateway/pricing/"),
    # Step Functions Standard workflows.
    "sfn_transition": Price(0.025 / 1000, "state transition",
                            "https://aws.amazon.com/step-functions/pricing/"),
    # DynamoDB on-demand (the table is PAY_PER_REQUEST).
    "dynamodb_wru": Price(0.625 / 1e6, "write request unit",
                          "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "dynamodb_rru": Price(0.125 / 1e6, "read request unit",
                          "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "sqs_request": Price(0.40 / 1e6, "request (64 KB chunk)",
                         "https://aws.amazon.com/sqs/pricing/"),
    "s3_put": Price(0.005 / 1000, "PUT request", "https://aws.amazon.com/s3/pricing/"),
    "s3_get": Price(0.0004 / 1000, "GET/HEAD request", "https://aws.amazon.com/s3/pricing/"),
    # SNS -> AWS End User Messaging SMS, to Korean numbers, per message part
    # (segment): a Korean message goes as UCS-2, 70 characters, 67 when split.
    "sms_part_kr": Price(0.0215, "SMS message part to KR",
                         "https://aws.amazon.com/end-user-messaging/pricing/", True),
    "lex_text_request": Price(0.00075, "text request", "https://aws.amazon.com/lex/pricing/"),
    # The notifier's model (chalicelib/settings.py: Claude Haiku 4.5).
    "bedrock_input_token": Price(1.00 / 1e6, "input token",
                                 "https://aws.amazon.com/bedrock/pricing/"),
    "bedrock_output_token": Price(5.00 / 1e6, "output token",
                                  "https://aws.amazon.com/bedrock/pricing/"),
    # Amazon Connect: the service's per-minute voice usage plus the number's
    # inbound telephony (a Korean DID), and the number itself per day.
    "connect_voice_minute": Price(0.018, "minute of voice usage",
                                  "https://aws.amazon.com/connect/pricing/"),
    "connect_did_inbound_minute_kr": Price(0.0035, "inbound minute on a KR DID",
                                           "https://aws.amazon.com/connect/pricing/", True),
    "connect_did_day_kr": Price(0.10, "KR DID number per day",
                                "https://aws.amazon.com/connect/pricing/", True),
    # Fixed monthly items.
    "waf_web_acl_month": Price(5.00, "web ACL per month", "https://aws.amazon.com/waf/pricing/"),
    "waf_rule_month": Price(1.00, "rule per month", "https://aws.amazon.com/waf/pricing/"),
    "waf_request": Price(0.60 / 1e6, "request", "https://aws.amazon.com/waf/pricing/"),
    "cloudwatch_alarm_month": Price(0.10, "standard alarm metric per month",
                                    "https://aws.amazon.com/cloudwatch/pricing/"),
}


def usd(name: str, quantity: float = 1.0) -> float:
    return PRICES[name].usd * quantity


def sources() -> str:
    """One line: every page the table cites, each once."""
    seen: list[str] = []
    for price in PRICES.values():
        if price.source not in seen:
            seen.append(price.source)
    return ", ".join(seen)
