"""python -m provision.summary --stage STAGE: what a person needs after a deploy.

The last step of `make deploy`: the HTTPS addresses of the chat, the
dashboard and the partner links (the CloudFront front door), how to add the
first operator, the alarm topics to subscribe to, and the SMS account in the
SMS region as AWS reports it (sandbox or not, verified numbers, monthly spend
limit). Everything is read from the account (provision/stage_state.py), so any
clone prints the same.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from chalicelib.aws import error_code
from provision import stage_state, stages


def sms_state(sns: Any) -> list[str]:
    """The SMS account in one region, in Korean lines."""
    lines = []
    try:
        sandbox = sns.get_sms_sandbox_account_status()["IsInSandbox"]
    except Exception as exc:  # noqa: BLE001 - say what could not be read
        lines.append(f"샌드박스 여부: 확인하지 못했어요 ({error_code(exc) or type(exc).__name__})")
    else:
        if sandbox:
            lines.append("샌드박스: 예 -- 확인된 번호로만 보낼 수 있어요. 운영 전에 AWS에 "
                         "샌드박스 해제를 요청해 주세요.")
            try:
                numbers = sns.list_sms_sandbox_phone_numbers().get("PhoneNumbers", [])
            except Exception as exc:  # noqa: BLE001
                lines.append(f"확인된 번호: 확인하지 못했어요 ({error_code(exc)})")
            else:
                verified = [n for n in numbers if n.get("Status") == "Verified"]
                lines.append(f"확인된 번호: {len(verified)}개"
                             + (f" (끝자리 {', '.join(n['PhoneNumber'][-4:] for n in verified)})"
                                if verified else ""))
        else:
            lines.append("샌드박스: 아니요 (모든 번호로 보낼 수 있어요)")
    try:
        limit = sns.get_sms_attributes(attributes=["MonthlySpendLimit"])["attributes"].get(
            "MonthlySpendLimit")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"월 사용 한도: 확인하지 못했어요 ({error_code(exc)})")
    else:
        lines.append(f"월 사용 한도: {limit or '1'} USD"
                     + ("" if limit else " (AWS 기본값)"))
    return lines


def render(stage: str, env: dict[str, str], sms_lines: list[str]) -> str:
    public = env.get("PUBLIC_URL") or env.get("WEB_URL") or "(아직 없어요)"
    confirm = env.get("CONFIRM_BASE_URL") or public
    topics = [t for t in (env.get("ALARMS_TOPIC_ARN"), env.get("FRONT_DOOR_ALARMS_TOPIC_ARN"),
                          env.get("SMS_ALARMS_TOPIC_ARN")) if t]
    lines = [
        "",
        f"배포 완료: {stage}",
        f"  고객 채팅        {public}/",
        f"  운영자 대시보드  {public}/admin",
        f"  파트너 링크      {confirm}/r/<토큰>  (SMS로 보내는 주소)",
        "",
        "첫 운영자 추가:",
        f"  make operator STAGE={stage} USERNAME=<아이디> ROLE=admin",
        "",
        "경보 받기 (한 번만, 이메일 확인 링크를 눌러 주세요):",
    ]
    for topic in topics:
        region = topic.split(":")[3]
        lines.append(f"  aws sns subscribe --region {region} --topic-arn {topic} "
                     "--protocol email --notification-endpoint <이메일>")
    sms_region = env.get("SMS_REGION", "")
    lines += ["", f"SMS 계정 ({sms_region}):", *[f"  {line}" for line in sms_lines], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provision.summary", description=__doc__)
    parser.add_argument("--stage", required=True, choices=sorted(
        s for s, o in stages.STAGES.items() if o["aws"]))
    args = parser.parse_args(argv)
    import boto3

    from chalicelib.settings import Settings

    session = boto3.session.Session()
    try:
        env = {**stage_state.load_env(session.client("ssm"), args.stage),
               **stages.settings(args.stage)}
        sms_region = env.get("SMS_REGION") or Settings.sms_region
        env["SMS_REGION"] = sms_region
        sms_lines = sms_state(session.client("sns", region_name=sms_region))
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback
        from provision.errors import explain

        print(explain("배포 요약 (SSM, SNS)", exc), file=sys.stderr)
        return 1
    print(render(args.stage, env, sms_lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
