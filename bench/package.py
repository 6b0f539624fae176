"""The Lambda package: size of ``deployment.zip`` from ``chalice package --stage
prod`` (what is uploaded, and unzipped at every cold start)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bench.report import Row

NAME = "Package"
PROJECT_DIR = Path(__file__).resolve().parent.parent
CHALICE = "import sys; from chalice.cli import main; sys.exit(main())"


def build(out_dir: Path) -> Path:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("STAGE", "EVENT_ID")}
    # No credentials needed: packaging only renders the template and the zip.
    env.update({"AWS_DEFAULT_REGION": "ap-northeast-2", "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    done = subprocess.run([sys.executable, "-c", CHALICE, "package", "--stage", "prod",
                           str(out_dir)], cwd=PROJECT_DIR, env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"chalice package failed: {(done.stderr or done.stdout)[-400:]}")
    return out_dir / "deployment.zip"


def run(stage: Any) -> tuple[list[Row], list[str]]:
    with tempfile.TemporaryDirectory(prefix="bench-package-") as tmp:
        stage.progress("chalice package --stage prod")
        zip_path = build(Path(tmp) / "out")
        size = zip_path.stat().st_size
        with zipfile.ZipFile(zip_path) as archive:
            infos = archive.infolist()
        unpacked = sum(i.file_size for i in infos)
        tops = sorted({i.filename.split("/", 1)[0] for i in infos})
    rows = [Row(NAME, "deployment.zip (chalice package --stage prod)",
                f"{size / 1024:.0f} KB", f"{unpacked / 1024:.0f} KB unpacked, {len(infos)} files",
                "contains: " + ", ".join(tops))]
    return rows, []
