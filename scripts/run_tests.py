"""``make test``'s pytest: the suite in two processes side by side.

The end-to-end layer (``tests/e2e``: `chalice local`, the browser, the
deploy rehearsals) spends most of its time waiting on other processes, the
unit and integration layers mostly on this one; on a two-core machine the two
together take about as long as the longer alone. Each process is the same
pytest with its own emulator (every fixture picks free ports), so nothing is
shared but the machine. Splitting by layer keeps the order the suite has
always run in (e2e, integration, unit): unit tests import ``app`` without the
stage's environment, so they come after the tests that need it imported with
it (``app_module``), never before, in either process.

    python -m scripts.run_tests [pytest arguments for both]

The end-to-end output is held and printed whole after the other's, so the two
never interleave; the exit status is the first failure's (0 when both pass).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The check that every AWS call the tests made exists in the packaged SDK sees
# only its own process's calls: the e2e process runs it too, last.
SDK_CHECK = ("tests/unit/test_sdk_package.py::"
             "test_every_call_the_tests_made_exists_in_the_packaged_models")
LAYERS = (("integration-unit", ["tests/integration", "tests/unit"]),
          ("e2e", ["tests/e2e", SDK_CHECK]))


def _env(layer: str) -> dict[str, str]:
    """The environment of one layer's pytest: names its reports apart."""
    return {**os.environ, "TEST_LAYER": layer}


def main(argv: list[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as held:
        (first_name, first_paths), (second_name, second_paths) = LAYERS
        background = subprocess.Popen(
            [sys.executable, "-m", "pytest", *second_paths, *extra],
            cwd=PROJECT_DIR, stdout=held, stderr=subprocess.STDOUT,
            env=_env(second_name))
        try:
            print(f"== pytest: {first_name} (and {second_name} beside it)", flush=True)
            first = subprocess.call([sys.executable, "-m", "pytest", *first_paths, *extra],
                                    cwd=PROJECT_DIR, env=_env(first_name))
            if background.poll() is None:
                print(f"== waiting for {second_name}", flush=True)
            second = background.wait()
        except BaseException:
            background.kill()
            background.wait()
            raise
        held.seek(0)
        print(f"== pytest: {second_name}", flush=True)
        sys.stdout.write(held.read())
    print(f"== pytest: {first_name} {'passed' if first == 0 else 'FAILED'}, "
          f"{second_name} {'passed' if second == 0 else 'FAILED'} "
          f"({time.monotonic() - started:.0f} s)", flush=True)
    return first or second


if __name__ == "__main__":
    sys.exit(main())
