"""Day-2 commands for a deployed stage (docs/operations.md).

    python -m scripts.day2 status --stage S                 (make status STAGE=S)
    python -m scripts.day2 redrive --stage S --queue KIND   (make redrive STAGE=S QUEUE=KIND)
    python -m scripts.day2 rotate-keys --stage S            (make rotate-keys STAGE=S)

Everything is read from the account (the stage's stored names:
provision/stage_state.py), so any clone with access works the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from chalicelib import names
from chalicelib.aws import error_code
from chalicelib.links.keys import SETTING as KEYS_SETTING
from chalicelib.secrets import CACHE_SECONDS
from provision import secrets as stage_secrets
from provision import stage_state, stages


def _session() -> Any:
    import boto3

    return boto3.session.Session()


# -- status ---------------------------------------------------------------------

def dead_letters(sqs: Any, stage: str) -> dict[str, int]:
    depths = {}
    for kind in names.QUEUE_KINDS:
        dlq = names.dead_letter_queue_name(kind, stage)
        try:
            url = sqs.get_queue_url(QueueName=dlq)["QueueUrl"]
        except Exception as exc:  # noqa: BLE001 - a queue not there is reported, not fatal
            depths[dlq] = -1 if "NonExistent" in error_code(exc) else -2
            continue
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages"])["Attributes"]
        depths[dlq] = int(attrs.get("ApproximateNumberOfMessages", 0))
    return depths


def alarm_states(cloudwatch: Any, stage: str) -> list[tuple[str, str]]:
    found = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=names.prefix(stage)):
        found += [(a["AlarmName"], a["StateValue"]) for a in page["MetricAlarms"]]
    return found


def sms_spend(cloudwatch: Any) -> float | None:
    now = dt.datetime.now(dt.UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/SNS", MetricName="SMSMonthToDateSpentUSD",
        StartTime=now - dt.timedelta(days=1), EndTime=now, Period=3600,
        Statistics=["Maximum"]).get("Datapoints", [])
    return max((p["Maximum"] for p in points), default=None)


def status(stage: str, session: Any = None) -> str:
    from provision import waf

    session = session or _session()
    env = {**stage_state.load_env(session.client("ssm"), stage), **stages.settings(stage)}
    lines = [f"스테이지 {stage}",
             f"  고객 채팅        {env.get('PUBLIC_URL', '(없음)')}/",
             f"  운영자 대시보드  {env.get('PUBLIC_URL', '(없음)')}/admin",
             f"  파트너 링크      {env.get('CONFIRM_BASE_URL', '(없음)')}/r/<토큰>",
             f"  HTTP API         {env.get('API_URL', '(없음)')}",
             f"  테이블           {env.get('TABLE_NAME', '(없음)')}"]
    if env.get("CLOUDFRONT_DISTRIBUTION_ID"):
        dist = session.client("cloudfront").get_distribution(
            Id=env["CLOUDFRONT_DISTRIBUTION_ID"])["Distribution"]
        lines.append(f"  CloudFront       {dist['Id']} {dist['Status']}")
    lines.append("경보:")
    states = alarm_states(session.client("cloudwatch"), stage) + alarm_states(
        session.client("cloudwatch", region_name=waf.REGION), stage)
    lines += [f"  {'!!' if state == 'ALARM' else '  '} {name}: {state}" for name, state in states]
    lines.append("데드레터 큐:")
    for queue, depth in dead_letters(session.client("sqs"), stage).items():
        shown = {-1: "없음", -2: "읽지 못함"}.get(depth, f"{depth}건")
        kind = queue.removeprefix(names.prefix(stage) + "-").removesuffix("-dlq")
        hint = f"  → make redrive STAGE={stage} QUEUE={kind}" if depth > 0 else ""
        lines.append(f"  {queue}: {shown}{hint}")
    sms_region = env.get("SMS_REGION") or _default_sms_region()
    spend = sms_spend(session.client("cloudwatch", region_name=sms_region))
    lines.append(f"SMS 이번 달 사용액 ({sms_region}): "
                 + ("자료 없음" if spend is None else f"{spend:.2f} USD"))
    return "\n".join(lines)


def _default_sms_region() -> str:
    from chalicelib.settings import Settings

    return Settings.sms_region


# -- redrive ----------------------------------------------------------------------

def redrive(sqs: Any, stage: str, kind: str) -> int:
    """Every message of the kind's dead-letter queue back to its queue
    (body and attributes as they were); returns how many moved. Each is
    deleted from the dead-letter queue only after its send succeeded."""
    if kind not in names.QUEUE_KINDS:
        raise SystemExit(f"QUEUE는 {', '.join(names.QUEUE_KINDS)} 중 하나예요.")
    source = sqs.get_queue_url(QueueName=names.dead_letter_queue_name(kind, stage))["QueueUrl"]
    target = sqs.get_queue_url(QueueName=names.queue_name(kind, stage))["QueueUrl"]
    moved, empty = 0, 0
    while empty < 2:  # an empty receive can still miss a message: twice in a row
        got = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  VisibilityTimeout=60, MessageAttributeNames=["All"]).get(
            "Messages", [])
        if not got:
            empty += 1
            continue
        empty = 0
        entries = [{"Id": str(i), "MessageBody": m["Body"],
                    **({"MessageAttributes": m["MessageAttributes"]}
                       if m.get("MessageAttributes") else {})}
                   for i, m in enumerate(got)]
        sent = sqs.send_message_batch(QueueUrl=target, Entries=entries)
        ok = {s["Id"] for s in sent.get("Successful", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(got) if str(i) in ok]
        if done:
            sqs.delete_message_batch(QueueUrl=source, Entries=done)
        moved += len(done)
        if len(done) < len(got):
            raise SystemExit(f"{len(got) - len(done)}건을 보내지 못했어요 ({moved}건은 "
                             "되돌렸어요). 다시 실행해 주세요.")
    return moved


# -- rotate-keys ------------------------------------------------------------------

def link_life_seconds(stage: str) -> int:
    """The longest a link signed now can be used (the stage's LINK_TTL_SECONDS)."""
    from chalicelib.settings import Settings

    return int(stages.settings(stage).get("LINK_TTL_SECONDS") or Settings.link_ttl_seconds)


def rotate_keys(ssm: Any, stage: str, now: dt.datetime | None = None) -> str:
    """One step of the link-signing key rotation; returns what it did (no key shown).

    One key: a new one goes in front (it signs new links; the old still
    verifies). Two or more: once the longest link's life plus the containers'
    secret cache has passed since then, only the newest stays; before that
    nothing changes and the wait left is said."""
    name = stage_secrets.parameter_name(stage, KEYS_SETTING)
    param = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    keys = [k for k in param["Value"].split(",") if k.strip()]
    now = now or dt.datetime.now(dt.UTC)
    retire_after = link_life_seconds(stage) + CACHE_SECONDS
    if len(keys) == 1:
        new = stage_secrets.GENERATORS[KEYS_SETTING]()
        ssm.put_parameter(Name=name, Value=f"{new},{keys[0]}", Type="SecureString",
                          Overwrite=True)
        old_kid = keys[0].split(":")[0]
        return (f"새 링크 서명 키({new.split(':')[0]})를 앞에 넣었어요. 모든 함수 컨테이너가 "
                f"{CACHE_SECONDS // 60}분 안에 새 키로 서명해요. 이전 키({old_kid})로 "
                f"서명한 링크는 계속 열려요. {retire_after // 60}분 뒤에 `make rotate-keys "
                f"STAGE={stage}`를 다시 실행하면 이전 키를 뺄게요.")
    changed = param["LastModifiedDate"]
    waited = (now - changed).total_seconds()
    if waited < retire_after:
        left = int(retire_after - waited)
        return (f"이전 키로 서명한 링크가 아직 열릴 수 있어요. {left // 60 + 1}분 뒤에 다시 "
                "실행해 주세요. 바꾼 것이 없어요.")
    ssm.put_parameter(Name=name, Value=keys[0], Type="SecureString", Overwrite=True)
    retired = ", ".join(k.split(":")[0] for k in keys[1:])
    return (f"이전 키({retired})를 뺐어요. 이제 {keys[0].split(':')[0]}만 서명하고 확인해요 "
            f"(모든 컨테이너에 {CACHE_SECONDS // 60}분 안에 적용돼요).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.day2", description=__doc__)
    parser.add_argument("command", choices=("status", "redrive", "rotate-keys"))
    parser.add_argument("--stage", required=True, choices=sorted(
        s for s, o in stages.STAGES.items() if o["aws"]))
    parser.add_argument("--queue", default="")
    args = parser.parse_args(argv)
    session = _session()
    try:
        if args.command == "status":
            print(status(args.stage, session))
        elif args.command == "redrive":
            if not args.queue:
                print(f"QUEUE를 정해 주세요: make redrive STAGE={args.stage} "
                      f"QUEUE={names.QUEUE_KINDS[0]}", file=sys.stderr)
                return 2
            moved = redrive(session.client("sqs"), args.stage, args.queue)
            print(f"{names.dead_letter_queue_name(args.queue, args.stage)}의 메시지 {moved}건을 "
                  f"{names.queue_name(args.queue, args.stage)}로 되돌렸어요.")
        else:
            print(rotate_keys(session.client("ssm"), args.stage))
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback
        from provision.errors import explain

        print(explain(args.command, exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
