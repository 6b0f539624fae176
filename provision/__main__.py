"""python -m provision --stage STAGE [--no-write-config]

Creates (or confirms) every resource of the stage and writes the names the app
needs into the stage's section of .chalice/config.json. Idempotent: a second
run reports no changes.
"""

from __future__ import annotations

import argparse
import sys

from provision import stages
from provision.core import Provisioner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provision", description=__doc__)
    parser.add_argument("--stage", required=True, choices=sorted(stages.STAGES))
    parser.add_argument("--region", default=None)
    parser.add_argument("--no-write-config", action="store_true",
                        help="print the environment instead of writing .chalice/config.json")
    args = parser.parse_args(argv)
    print(f"'{args.stage}' 스테이지의 리소스를 준비합니다.")
    prov = Provisioner(args.stage, region=args.region, progress=print)
    env = prov.run()
    if args.no_write_config:
        for key, value in sorted(env.items()):
            print(f"{key}={value}")
    elif stages.write_environment(args.stage, env):
        print(f"환경 변수를 {stages.CONFIG_PATH.relative_to(stages.PROJECT_DIR)}에 기록했습니다.")
    print(f"완료: 변경 {len(prov.changes)}건." if prov.changes else "완료: 바뀐 것이 없습니다.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
