"""Paging the operators when a partner did not answer in time.

A timeout escalates the request (``Escalated``, escalatedAt: the state
machine's MarkTimeout writes them). Here the stage's alarms topic
(``partnerline-<stage>-alarms``, provision/alarms.py) gets one message per
escalated request, at most one per ``ESCALATION_ALARM_INTERVAL_SECONDS``
per stage:

- once per request: a conditional write on the request
  (`lifecycle.claim_escalation_alarm`) takes its page, so a redelivered
  notify message does not page twice;
- rate-limited per stage: one small item (``ALARM#escalation``) holds until
  when the next page must wait. The escalation whose conditional write opens a
  new window pages, with the number of escalations suppressed since the last
  page (taken in the same write); the others only count themselves. Why: a
  partner outage times out every request at once, and one page saying "12
  more" wakes the on-call person as well as 12 pages do, without burying the
  other alarms on the same topic. None is lost: every escalated request is on
  the operators' follow-up list (``GET /api/admin/requests?escalated=true``),
  and the count tells how many to look for.
"""

from __future__ import annotations

from typing import Any

from chalicelib import aws, lifecycle, logs, settings, table

LIMITER_PK = "ALARM#escalation"
LIMITER_SK = "ALARM"
SUBJECT = "partnerline {stage}: partner did not answer (escalated)"  # SNS: ASCII only


def _open_window(now: int, interval: int) -> int | None:
    """Take the next page's slot: the escalations counted since the last page,
    or None while the window is still closed (this one is then counted)."""
    try:
        out = table.client().update_item(
            TableName=table.name(), Key=table.key(LIMITER_PK, LIMITER_SK),
            UpdateExpression="SET windowUntil = :until, suppressed = :zero, pagedAt = :now",
            ConditionExpression="attribute_not_exists(windowUntil) OR windowUntil <= :now",
            ExpressionAttributeValues=table.values(
                {":until": now + interval, ":zero": 0, ":now": now}),
            ReturnValues="ALL_OLD")
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise
        table.client().update_item(
            TableName=table.name(), Key=table.key(LIMITER_PK, LIMITER_SK),
            UpdateExpression="ADD suppressed :one", ExpressionAttributeValues=table.values(
                {":one": 1}))
        return None
    old = table.deserialize(out.get("Attributes")) or {}
    return int(old.get("suppressed") or 0)


def _reopen_window(now: int, interval: int, suppressed: int) -> None:
    """The page could not be sent: give the slot back with its count (+1, this
    one), so the next escalation pages instead."""
    try:
        table.client().update_item(
            TableName=table.name(), Key=table.key(LIMITER_PK, LIMITER_SK),
            UpdateExpression="SET windowUntil = :zero ADD suppressed :count",
            ConditionExpression="windowUntil = :until",
            ExpressionAttributeValues=table.values(
                {":zero": 0, ":count": suppressed + 1, ":until": now + interval}))
    except Exception as exc:  # noqa: BLE001 - best effort: the page failure is raised anyway
        logs.record("escalation_window_not_reopened", level=40,
                    code=aws.error_code(exc) or type(exc).__name__)


def message(request: dict[str, Any], suppressed: int) -> str:
    """What the operator reads (Korean, no internal identifiers)."""
    reservation = request.get("reservation") or {}
    what = reservation.get("serviceName") or "예약"
    lines = [
        "제휴점이 제한 시간 안에 답하지 않은 고객 요청이 있어요.",
        f"예약번호 {request.get('reservationNumber') or '-'} ({what}), "
        f"제휴점 {request.get('partnerName') or '-'}.",
        "관리자 화면의 후속 조치 목록(에스컬레이션)에서 확인해 주세요.",
    ]
    if suppressed:
        lines.append(f"지난 알림 뒤로 에스컬레이션 {suppressed}건이 더 있었어요.")
    web_url = settings.current().web_url
    if web_url:
        lines.append(web_url.rstrip("/") + "/admin")
    return "\n".join(lines)


def page_operators(request: dict[str, Any], now: int | None = None) -> str:
    """One escalated request -> paged, suppressed (counted for the next
    page), already (paged before), not_escalated or no_topic. Raises when the
    page could not be sent (the caller's message is redelivered)."""
    from chalicelib import clock

    request_id = request.get("requestId") or ""
    if not request.get(lifecycle.ESCALATED_AT):
        return "not_escalated"
    current = settings.current()
    topic = current.alarms_topic_arn
    if not topic:
        logs.record("escalation_no_alarm_topic", level=30, requestId=request_id)
        return "no_topic"
    if not lifecycle.claim_escalation_alarm(request_id):
        return "already"
    now = clock.epoch() if now is None else now
    interval = current.escalation_alarm_interval_seconds
    suppressed = _open_window(now, interval)
    if suppressed is None:
        logs.record("escalation_alarm_suppressed", requestId=request_id)
        return "suppressed"
    try:
        aws.client("sns").publish(TopicArn=topic, Subject=SUBJECT.format(stage=current.stage),
                                  Message=message(request, suppressed))
    except Exception:
        _reopen_window(now, interval, suppressed)
        lifecycle.release_escalation_alarm(request_id)
        raise
    logs.record("escalation_alarm_sent", requestId=request_id, suppressedBefore=suppressed)
    logs.metric("EscalationPaged")
    return "paged"
