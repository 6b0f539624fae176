"""``python -m provision.chalice_cli deploy --stage dev``: Chalice's own CLI,
with the Lambda runtime taken from the stage instead of from this interpreter.

Chalice 1.34 has no runtime setting: ``Config.lambda_python_version`` is the
Python that runs the CLI (aws/chalice#1416). On the 3.11 of this machine that
gives ``python3.11``, an Amazon Linux 2 runtime AWS is retiring (docs/deploy.md),
where the contract wants python3.12 or later (Amazon Linux 2023).
This launcher replaces that one property with the stage's ``lambda_runtime``
(``.chalice/config.json``, top level or per stage; default ``python3.13``)
and then hands over to Chalice's ``main`` unchanged, so every command, option
and file Chalice writes stays Chalice's.

The package is built for the target too: Chalice derives the wheel ABI
(``cp313``) from the same property; pip is also told the target's Python
version so a binary wheel is fetched for 3.13, not for the interpreter here.

For a deployed stage (dev, prod) the launcher also brings the stage's stored
state around the command: the names provisioning stored in the account,
Chalice's record from the stage's deploy bucket, policies with the account's
ARNs -- no file of the checkout is rewritten (provision/launch.py).

A bare ``chalice deploy`` on Python < 3.12 is stopped by ``app.py``
(``refuse_old_runtime``), before any AWS call; the launcher marks Chalice's
``Config`` so that guard lets it through.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

DEFAULT_RUNTIME = "python3.13"
# AL2023 runtimes AWS accepts for new functions (lambda-runtimes table).
ACCEPTED = ("python3.12", "python3.13", "python3.14")
MARK = "_partnerline_runtime"
COMMANDS = ("deploy", "delete", "package", "local", "invoke", "logs", "url")


def stage_runtime(config: Any) -> str:
    """The stage's ``lambda_runtime`` (stage section first, then top level)."""
    value = config._chain_lookup("lambda_runtime", varies_per_chalice_stage=True)
    return value or DEFAULT_RUNTIME


def install() -> None:
    """Point Chalice's runtime (and its wheel downloads) at the stage's setting."""
    from chalice.config import Config
    from chalice.deploy import packager

    if getattr(Config, MARK, False):
        return

    def lambda_python_version(self: Any) -> str:
        runtime = stage_runtime(self)
        if runtime not in ACCEPTED:
            raise SystemExit(
                f"lambda_runtime '{runtime}'은(는) 쓸 수 없어요. "
                f"{', '.join(ACCEPTED)} 중 하나로 .chalice/config.json을 고쳐 주세요.")
        return runtime

    Config.lambda_python_version = property(lambda_python_version)  # type: ignore[assignment]
    setattr(Config, MARK, True)

    original = packager.PipRunner.download_manylinux_wheels

    def download_manylinux_wheels(self: Any, abi: str, packages: list[str],
                                  directory: str, platforms: Any = None) -> None:
        # Without --python-version pip asks for wheels of *this* interpreter
        # (cp311) carrying the target ABI, which no wheel has.
        runner = self

        class _Versioned:
            def _execute(self, command: str, args: list[str], *rest: Any, **kw: Any) -> Any:
                args = [*args[:-1], "--python-version", f"{abi[2]}.{abi[3:]}", args[-1]]
                return runner._execute(command, args, *rest, **kw)

        return original(_Versioned(), abi, packages, directory, platforms)  # type: ignore[arg-type]

    packager.PipRunner.download_manylinux_wheels = download_manylinux_wheels  # type: ignore[assignment]
    keep_partial_record()
    # Chalice warns that this interpreter differs from the runtime: intended here.
    warnings.filterwarnings("ignore", message="You are currently running")


def keep_partial_record() -> None:
    """Record what a failed deploy did create, so the next run updates it.

    Chalice writes ``.chalice/deployed/<stage>.json`` only after the whole
    plan ran. A deploy that fails half-way (after ImportRestApi, or after some
    CreateEventSourceMapping) records nothing, and the re-run creates those
    again: a second mapping on the same queue (every message handled twice),
    an orphan REST API per try. Chalice's planner asks this record whether a
    REST API or a mapping exists, so keeping what was created (merged over the
    previous record, by resource name) makes the re-run an update.
    """
    from chalice.deploy import deployer

    original = deployer.Deployer._deploy
    if getattr(original, "_keeps_partial", False):
        return

    def _deploy(self: Any, config: Any, chalice_stage_name: str) -> Any:
        try:
            return original(self, config, chalice_stage_name)
        except Exception:
            created = list(self._executor.resource_values or [])
            if created:
                record_partial(config.project_dir, chalice_stage_name, created,
                               self._recorder)
            raise

    _deploy._keeps_partial = True  # type: ignore[attr-defined]
    deployer.Deployer._deploy = _deploy


def record_partial(project_dir: str, stage: str, created: list[dict[str, Any]],
                   recorder: Any) -> None:
    import json
    from pathlib import Path

    path = Path(project_dir) / ".chalice" / "deployed" / f"{stage}.json"
    previous = []
    if path.is_file():
        previous = json.loads(path.read_text(encoding="utf-8")).get("resources", [])
    names_created = {r.get("name") for r in created}
    merged = [r for r in previous if r.get("name") not in names_created] + created
    recorder.record_results({"resources": merged, "schema_version": "2.0",
                             "backend": "api"}, stage, project_dir)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from provision import launch
    from provision.errors import explain

    if not launch.applies(argv):
        return run_chalice(argv)
    # A deployed stage: its stored names, Chalice's record and the policies
    # come from the account, not from files of this checkout (provision/launch.py).
    stage_launch = launch.StageLaunch(argv)
    try:
        stage_launch.__enter__()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - the edge: a message, not a traceback
        print(explain("스테이지 기록 읽기 (SSM, S3)", exc), file=sys.stderr)
        stage_launch.__exit__(None, None, None)
        return 2
    try:
        if stage_launch.refusal:
            print(stage_launch.refusal, file=sys.stderr)
            return 2
        return run_chalice(argv)
    finally:
        try:
            stage_launch.__exit__(None, None, None)
        except Exception as exc:  # noqa: BLE001
            print(explain("Chalice 배포 기록 저장 (S3)", exc), file=sys.stderr)


def run_chalice(argv: list[str]) -> int:
    install()
    import click
    from chalice.cli import cli

    sys.argv = ["chalice", *argv]
    try:
        result = cli.main(args=argv, prog_name="chalice", obj={}, standalone_mode=False)
    except SystemExit:
        raise
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        return 1
    except Exception as exc:  # noqa: BLE001 - the edge: a message, not a traceback
        from provision.errors import explain

        command = next((a for a in argv if a in COMMANDS), "")
        print(explain(f"chalice {command}".strip(), exc), file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0

if __name__ == "__main__":
    sys.exit(main())
