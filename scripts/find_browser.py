"""The Chromium or Chrome the browser tests drive: one already on this machine.

    python3 scripts/find_browser.py     # prints its path; exit 1 when there is none

Debian's ``/usr/bin/chromium`` first (CI installs it: scripts/ensure-browser.sh),
then ``CHROMIUM_PATH`` when set, then the usual names and places on Linux and
macOS. Never a downloaded browser build (``playwright install``). Standard
library only: the shell script runs it before anything is installed.
"""

from __future__ import annotations

import os
import shutil
import sys

DEBIAN = "/usr/bin/chromium"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
PLACES = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
          "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
          "/snap/bin/chromium")


def executable(path: str | None) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def find(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    chosen = env.get("CHROMIUM_PATH", "")
    if chosen:  # the user's word: that one or none (a typo must not pick another)
        return chosen if executable(chosen) else None
    if executable(DEBIAN):
        return DEBIAN
    for name in NAMES:
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return found
    return next((p for p in PLACES if executable(p)), None)


if __name__ == "__main__":
    found = find()
    if found:
        print(found)
    sys.exit(0 if found else 1)
