"""Erasing personal data by hand (docs/privacy.md).

    python -m scripts.erase --stage S --request ID     (make erase STAGE=S REQUEST=ID)
    python -m scripts.erase --stage S --phone 010-...  (make erase STAGE=S PHONE=010-...)
    python -m scripts.erase --stage S                  (make erase STAGE=S: the sweep now)

A data subject's request names a request (its id) or, more often, a phone
number: every request of that customer phone and the phone in the event's
registrations are erased now, whatever their age. A request still waiting
for its 제휴점 is not touched (its answer is minutes away; erase it after).
Without either, the scheduled sweep runs once (what is due by the retention
periods). Reads the stage's table like ``scripts.operators`` (``--stage``,
local by default: ``make run``'s emulator).
"""

from __future__ import annotations

import argparse
import json
import sys

from scripts import stage_env
from scripts.operators import use_stage

SAID = {"erased": "지웠습니다", "already": "이미 지워져 있습니다",
        "open": "아직 진행 중이라 지우지 않았습니다 (끝난 뒤 다시 실행해 주세요)",
        "missing": "그런 요청이 없습니다"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.erase")
    parser.add_argument("--stage", default="local")
    parser.add_argument("--event", help="이벤트 ID (기본: EVENT_ID 설정, axcl)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--request", help="지울 요청의 ID")
    which.add_argument("--phone", help="지울 고객(또는 등록자)의 휴대폰 번호")
    args = parser.parse_args(argv)
    use_stage(args.stage)
    from chalicelib import phone, retention, settings

    try:
        if args.request:
            outcome = retention.requests.erase_now(args.request.strip())
            print(f"요청 {args.request.strip()}: {SAID[outcome]}.")
            return 0 if outcome in ("erased", "already") else 1
        if args.phone:
            e164 = phone.to_e164(args.phone)
            if not e164:
                print("휴대폰 번호 형식이 올바르지 않습니다. 예: 010-1234-5678", file=sys.stderr)
                return 2
            event_id = args.event or settings.current().event_id
            outcomes = retention.requests.erase_for_phone(e164)
            employees = retention.registrations.erase_for_phone(event_id, e164)
            print(f"{phone.mask(e164)}: 요청 {len(outcomes)}건, "
                  f"{event_id} 이벤트 등록 {len(employees)}건을 찾았습니다.")
            for request_id, outcome in sorted(outcomes.items()):
                print(f"  요청 {request_id}: {SAID[outcome]}.")
            for employee in employees:
                print(f"  등록 (사번 {employee}): 휴대폰 번호를 지웠습니다.")
            return 1 if "open" in outcomes.values() else 0
        done = retention.sweep()
        print(json.dumps(done, ensure_ascii=False, indent=2))
        return 0
    except Exception as exc:  # noqa: BLE001 - one readable line for the operator
        return stage_env.say_unreachable("지우지", exc)


if __name__ == "__main__":
    sys.exit(main())
