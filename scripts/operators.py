"""Operators' commands for the phone event.

    python -m scripts.operators export [--out FILE]              (make export OUT=...)
    python -m scripts.operators draw N [--by NAME] [--redraw --reason "..."]   (make draw N=3)

Both read the stage's table (``--stage``, local by default: the emulator of
``make run`` on ``127.0.0.1:${LOCAL_AWS_PORT:-4566}``). The event is
``EVENT_ID`` (``axcl``) unless ``--event`` names another.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from scripts import stage_env

# registeredAt stays UTC as in the log file (machines read it); the dashboard
# shows Korean time, so the operator's spreadsheet gets that too, beside it.
EXPORT_FIELDS = ("registeredAt", "registeredAtKst", "employeeId", "lotteryNumber", "phone",
                 "contactId")


def kst_text(utc_iso: str) -> str:
    """"2026-11-29T05:30:15.123Z" -> "2026-11-29 14:30:15" (KST); "" if unreadable."""
    from chalicelib.korean import parse_time

    moment = parse_time(utc_iso) if utc_iso else None
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def use_stage(stage: str) -> None:
    """The stage's environment; for ``local``, the emulator and fake credentials
    (values already in the environment win, e.g. AWS_ENDPOINT_URL for LocalStack)."""
    stage_env.apply(stage)  # local: scripts/stage_env.local_emulator


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        row = dict(row, registeredAtKst=kst_text(row.get("registeredAt", "")))
        writer.writerow([row.get(f, "") for f in EXPORT_FIELDS])


def export(event_id: str, out_path: Path | None) -> int:
    from chalicelib import registration

    rows = registration.registrations(event_id)
    _record_export(event_id, len(rows))
    if out_path:
        with out_path.open("w", encoding="utf-8", newline="") as fh:
            write_csv(rows, fh)
    else:
        write_csv(rows, sys.stdout)
    where = f" → {out_path}" if out_path else ""
    print(f"{event_id} 이벤트 등록 {len(rows)}건을 내보냈습니다{where}.", file=sys.stderr)
    return 0


def _record_export(event_id: str, people: int) -> None:
    """The export is personal data leaving: on the access record first (who:
    the AWS identity running it, as the dashboard's export names its operator)."""
    import boto3

    from chalicelib.operators import access_log
    from chalicelib.operators.auth import Operator

    try:
        who = boto3.client("sts").get_caller_identity()["Arn"]
    except Exception:  # noqa: BLE001 - no identity: the login name
        who = _login_name() or "unknown"
    access_log.record(Operator(username=who[:200], role="admin", groups=("cli",)), "export",
                      "make export", query={"event": event_id}, people=people,
                      source_ip="command line", same_view_once=False)


def draw(event_id: str, count: int | None, by: str, redraw: bool, reason: str | None) -> int:
    from chalicelib import registration

    if count is None:
        print("당첨자 수를 지정해 주세요. 예: make draw N=3", file=sys.stderr)
        return 2
    try:
        item = registration.draw(event_id, count, by, redraw=redraw, reason=reason)
    except registration.DrawRefused as exc:
        print(f"추첨하지 않았습니다: {exc}", file=sys.stderr)
        return 2
    print(f"{event_id} 이벤트 {item['drawNumber']}회차 추첨 ({item['drawnAt']}, "
          f"추첨자 {item['drawnBy']}, 등록자 {item['poolSize']}명 중 {item['count']}명)")
    if item.get("reason"):
        print(f"재추첨 사유: {item['reason']} ({item.get('replaces', '-')}회차를 대신함)")
    for rank, winner in enumerate(item["winners"], 1):
        print(f"  {rank}. {winner['lotteryNumber']}  사번 {winner['employeeId']}")
    return 0


def _login_name() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name: --by must then be given
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.operators")
    parser.add_argument("--stage", default="local")
    parser.add_argument("--event", help="이벤트 ID (기본: EVENT_ID 설정, axcl)")
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="등록 목록을 CSV로 내보냅니다")
    exp.add_argument("--out", type=Path, help="파일 (없으면 표준 출력)")
    drw = sub.add_parser("draw", help="당첨자를 공정하게 추첨하고 기록합니다")
    drw.add_argument("count", type=int, nargs="?")
    drw.add_argument("--by", default=_login_name(), help="추첨한 사람 (기본 $USER)")
    drw.add_argument("--redraw", action="store_true", help="이미 추첨했어도 새 회차로 다시 추첨")
    drw.add_argument("--reason", help="재추첨 사유 (--redraw에 필수)")
    args = parser.parse_args(argv)
    use_stage(args.stage)
    from chalicelib import settings

    event_id = args.event or settings.current().event_id
    try:
        if args.command == "export":
            return export(event_id, args.out)
        return draw(event_id, args.count, args.by, args.redraw, args.reason)
    except Exception as exc:  # noqa: BLE001 - one readable line for the operator
        return stage_env.say_unreachable("이벤트 데이터를 읽지", exc)


if __name__ == "__main__":
    sys.exit(main())
