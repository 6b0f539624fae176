"""`make run`: the whole product on this machine, no AWS account needed."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from devstack.health_watch import EmulatorWatch
from devstack.stack import LocalStack, PortTaken
from provision import stages


def main() -> int:
    port = int(os.environ.get("PORT") or stages.LOCAL_PORT)
    aws_port = int(os.environ.get("LOCAL_AWS_PORT") or stages.LOCAL_AWS_PORT)
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    started = time.monotonic()
    # No tracked file is written: the processes started here get the stage's
    # names from the environment (LocalStack.provision).
    stack = LocalStack(port=port, aws_port=aws_port, endpoint=endpoint,
                       report=lambda line: print(line, flush=True))
    stop = threading.Event()
    # A shell that starts us in the background sets SIGINT to "ignore", and
    # Python keeps that: Ctrl-C (or kill -INT) must stop the stack regardless.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stack.start()
    except PortTaken as exc:
        print(f"포트가 이미 사용 중입니다: {exc}. 다른 포트를 쓰려면 "
              "PORT=8001 LOCAL_AWS_PORT=4567 make run 처럼 실행해 주세요.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        stack.stop()
        return 130
    except Exception as exc:  # noqa: BLE001 - say what failed, in one line
        print(f"로컬 스택을 시작하지 못했습니다: {exc}", file=sys.stderr)
        return 1
    env = stack.env
    operators = "\n                    ".join(
        f"{name} / {password}  ({role})" for name, role, password in stack.operators)
    print(f"""
준비되었습니다 ({time.monotonic() - started:.1f}초).
  고객 웹 채팅      {stack.url}/
  운영자 대시보드   {stack.url}/admin
  상태 확인         {stack.url}/api/health
  보낸 문자(SMS)    {stack.url}/_local/sms
  AWS 에뮬레이터    {stack.endpoint}
  운영자 로그인     {operators}
  파트너 대기 {env['PARTNER_TIMEOUT_SECONDS']}초, 다시 알림 {env['REMINDER_SECONDS']}초 뒤
  링크 유효 {env['LINK_TTL_SECONDS']}초
전화 등록을 시험하려면: make call DIGITS=1234
멈추려면 Ctrl-C를 누르세요.
""", flush=True)
    watch = EmulatorWatch(stack.endpoint, lambda line: print(line, flush=True)).start()
    try:
        while not stop.is_set():
            if stack.chalice and stack.chalice.poll() is not None:
                print("chalice local이 종료되었습니다.", file=sys.stderr)
                return 1
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("\n로컬 스택을 멈춥니다...", flush=True)
        watch.stop()
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
