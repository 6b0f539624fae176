"""python -m provision --stage STAGE [--no-write-config]
python -m provision --stage STAGE --after-deploy [--connect-instance-id ID]

Creates (or confirms) every resource of the stage. For dev/prod the names the
app needs are stored in the account (SSM, provision/stage_state.py), where the
deploy launcher and every other clone read them: no file of the checkout is
written. The local stage's processes get them from `make run` directly.
Idempotent: a second run reports no changes.
``--after-deploy`` (after `chalice deploy`) wires what needs the deployed
functions: the HTTP API's routes, the REST API's Korean gateway responses
and, with an instance id, Amazon Connect.
"""

from __future__ import annotations

import argparse
import os
import sys

from provision import stages
from provision.core import Provisioner
from provision.errors import explain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provision", description=__doc__)
    parser.add_argument("--stage", required=True, choices=sorted(stages.STAGES))
    parser.add_argument("--region", default=None)
    parser.add_argument("--no-write-config", "--print-env", action="store_true",
                        help="also print the stage's environment")
    parser.add_argument("--after-deploy", action="store_true",
                        help="after `chalice deploy`: HTTP API routes, Korean gateway "
                             "responses, Connect wiring")
    parser.add_argument("--connect-instance-id", default=None,
                        help="Amazon Connect instance to wire (with --after-deploy)")
    args = parser.parse_args(argv)
    if args.connect_instance_id and not args.after_deploy:
        parser.error("--connect-instance-id는 --after-deploy와 함께 씁니다 "
                     "(함수가 배포된 뒤에 연결합니다).")
    if args.after_deploy and not stages.options(args.stage)["aws"]:
        parser.error("--after-deploy는 AWS 스테이지(dev, prod)에만 있습니다.")
    if not stages.options(args.stage)["aws"] and not os.environ.get("AWS_ENDPOINT_URL"):
        # Without an emulator the local stage's resources would land in
        # whatever account the shell's credentials reach.
        parser.error(f"'{args.stage}' 스테이지는 에뮬레이터에만 만들어요. AWS_ENDPOINT_URL을 "
                     "에뮬레이터 주소로 정해 주세요 (예: AWS_ENDPOINT_URL=http://127.0.0.1:4566). "
                     "make run은 이 단계를 스스로 해요.")
    print(f"'{args.stage}' 스테이지의 리소스를 준비합니다.")
    prov = Provisioner(args.stage, region=args.region, progress=print)
    try:
        env = (prov.run_after_deploy(args.connect_instance_id) if args.after_deploy
               else prov.run())
        if stages.options(args.stage)["aws"]:
            from provision import stage_state

            prov.current_step = "스테이지 환경 저장 (SSM)"
            stage_state.store_env(prov, env)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - a message a person can act on, no traceback
        print(explain(prov.current_step, exc), file=sys.stderr)
        return 1
    if args.no_write_config:
        for key, value in sorted(env.items()):
            print(f"{key}={value}")
    print(f"완료: 변경 {len(prov.changes)}건." if prov.changes else "완료: 바뀐 것이 없습니다.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
