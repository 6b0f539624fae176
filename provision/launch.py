"""The stage's stored state around one Chalice command (provision/stage_state.py).

For a command that talks to a deployed AWS stage (deploy, delete, invoke,
logs, url) the launcher, before handing over to Chalice:

1. reads the stage's stored environment (SSM) and refuses a deploy of a stage
   never provisioned (the table's stream ARN, which app.py subscribes to);
2. fetches Chalice's record of the stage from the deploy bucket into
   ``.chalice/deployed/<stage>.json`` (ignored by git), so any clone updates
   the same REST API, functions and mappings instead of creating new ones;
3. writes the functions' policies with the account's ARNs into a temporary
   directory and gives Chalice the tracked config.json with the stored
   environment merged in and those policy files' absolute paths (Chalice joins
   ``.chalice/`` with the file name, and an absolute name stays itself) --
   instead of rewriting .chalice/config.json;

and after Chalice, whether it succeeded or not (a failed deploy keeps what it
created: chalice_cli.keep_partial_record), stores the record back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from provision import stages

REMOTE = ("deploy", "delete", "invoke", "logs", "url")


def parse(argv: list[str]) -> tuple[str, str, Path]:
    """(command, stage, project dir) of a Chalice command line."""
    found: dict[str, str | None] = {"--stage": None, "--project-dir": None}
    command = ""
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        for option in found:
            if arg == option and i + 1 < len(argv):
                found[option] = argv[i + 1]
                skip = True
            elif arg.startswith(option + "="):
                found[option] = arg.split("=", 1)[1]
        if not command and not skip and not arg.startswith("-") and arg in (
                *REMOTE, "package", "local", "generate-pipeline", "new-project"):
            command = arg
    stage = found["--stage"] or "dev"
    project = Path(found["--project-dir"]) if found["--project-dir"] else stages.PROJECT_DIR
    return command, stage, project


def applies(argv: list[str]) -> bool:
    command, stage, _ = parse(argv)
    return command in REMOTE and stage in stages.STAGES and stages.STAGES[stage]["aws"]


def unprovisioned(stage: str, stored: dict[str, str]) -> str | None:
    if stored.get("REGISTRATION_STREAM_ARN"):
        return None
    return (f"스테이지 {stage}의 DynamoDB 스트림 ARN(REGISTRATION_STREAM_ARN)이 이 AWS 계정의 "
            f"SSM 파라미터(/partnerline/{stage}/deploy/env/)에 없어요. 먼저 "
            f"`make deploy STAGE={stage}`(또는 `python -m provision --stage {stage}`)로 "
            "프로비저닝해 주세요. 배포는 시작하지 않았어요.")


class StageLaunch:
    """``with StageLaunch(argv) as launch:`` around Chalice's own main."""

    def __init__(self, argv: list[str], session: Any = None) -> None:
        self.command, self.stage, self.project = parse(argv)
        self.session = session
        self.tmp: str | None = None
        self.bucket = ""
        self._saved: dict[str, Any] = {}
        self.refusal: str | None = None

    def __enter__(self) -> StageLaunch:
        from chalice.cli import factory

        from provision import policies, stage_state
        from provision.core import Provisioner

        prov = Provisioner(self.stage, session=self.session,
                           config=stages.load_config(self.project / ".chalice" / "config.json"))
        self.prov = prov
        stored = stage_state.load_env(prov.client("ssm"), self.stage)
        if self.command == "deploy":
            self.refusal = unprovisioned(self.stage, stored)
            if self.refusal:
                return self
        merged = stage_state.merged_config(prov.config, self.stage, stored)
        prov.config = merged
        prov.env.update(stored)
        self.tmp = tempfile.mkdtemp(prefix=f"partnerline-{self.stage}-policies-")
        policies.ensure(prov, Path(self.tmp))
        section = merged["stages"][self.stage]
        if section.get("iam_policy_file"):
            section["iam_policy_file"] = os.path.join(self.tmp, section["iam_policy_file"])
        for function in section.get("lambda_functions", {}).values():
            if function.get("iam_policy_file"):
                function["iam_policy_file"] = os.path.join(self.tmp, function["iam_policy_file"])
        self.merged = merged
        self._saved["load"] = factory.CLIFactory.load_project_config
        factory.CLIFactory.load_project_config = lambda _self: merged  # type: ignore[assignment]
        # app.py reads the stream's ARN while Chalice imports it.
        self._saved["stream"] = os.environ.get("REGISTRATION_STREAM_ARN")
        os.environ["REGISTRATION_STREAM_ARN"] = stored["REGISTRATION_STREAM_ARN"] if (
            stored.get("REGISTRATION_STREAM_ARN")) else os.environ.get(
            "REGISTRATION_STREAM_ARN", "")
        if not os.environ["REGISTRATION_STREAM_ARN"]:
            os.environ.pop("REGISTRATION_STREAM_ARN")
        self.bucket = stage_state.bucket_name(self.stage, prov.account_id())
        stage_state.fetch_record(prov.client("s3"), self.bucket, self.stage, self.project)
        return self

    def __exit__(self, *exc: Any) -> None:
        from chalice.cli import factory

        from provision import stage_state

        try:
            if self.bucket:
                stage_state.store_record(self.prov.client("s3"), self.bucket, self.stage,
                                         self.project)
        finally:
            if "load" in self._saved:
                factory.CLIFactory.load_project_config = self._saved["load"]
            if "stream" in self._saved:
                if self._saved["stream"] is None:
                    os.environ.pop("REGISTRATION_STREAM_ARN", None)
                else:
                    os.environ["REGISTRATION_STREAM_ARN"] = self._saved["stream"]
            if self.tmp:
                shutil.rmtree(self.tmp, ignore_errors=True)
