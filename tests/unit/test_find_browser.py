"""`make test` off Debian: the browser tests take a Chromium or Chrome already
on the machine (scripts/find_browser.py), and scripts/ensure-browser.sh says
plainly what to install when there is none and no apt to install one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from scripts import find_browser
from tests.conftest import PROJECT_DIR


def fake_browser(directory, name: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def no_debian_chromium(monkeypatch, tmp_path):
    monkeypatch.setattr(find_browser, "DEBIAN", str(tmp_path / "absent" / "chromium"))
    monkeypatch.setattr(find_browser, "PLACES", ())


def test_a_chrome_on_the_path_is_taken(no_debian_chromium, tmp_path):
    chrome = fake_browser(tmp_path / "bin", "google-chrome")
    assert find_browser.find({"PATH": str(tmp_path / "bin")}) == chrome


def test_chromium_path_wins_and_a_wrong_one_finds_nothing(no_debian_chromium, tmp_path):
    fake_browser(tmp_path / "bin", "chromium")
    mine = fake_browser(tmp_path / "mine", "my-chrome")
    env = {"PATH": str(tmp_path / "bin")}
    assert find_browser.find({**env, "CHROMIUM_PATH": mine}) == mine
    assert find_browser.find({**env, "CHROMIUM_PATH": str(tmp_path / "typo")}) is None


def test_nothing_found(no_debian_chromium, tmp_path):
    assert find_browser.find({"PATH": str(tmp_path)}) is None


def ensure(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """scripts/ensure-browser.sh on a machine without apt-get or dpkg."""
    bin_dir = tmp_path / "sysbin"
    bin_dir.mkdir()
    os.symlink(os.path.realpath(sys.executable), bin_dir / "python3")
    for tool in ("bash", "dirname", "cat", "id"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    return subprocess.run([shutil.which("bash"), str(PROJECT_DIR / "scripts/ensure-browser.sh")],
                          env={"PATH": str(bin_dir), **env}, capture_output=True,
                          text=True, timeout=30)


def test_ensure_browser_uses_the_one_there_is(tmp_path):
    mine = fake_browser(tmp_path / "mine", "chrome")
    done = ensure(tmp_path, CHROMIUM_PATH=mine)
    assert done.returncode == 0, done.stderr
    assert f"Browser tests use {mine}" in done.stdout


def test_ensure_browser_says_what_to_install_without_apt(tmp_path):
    done = ensure(tmp_path, CHROMIUM_PATH=str(tmp_path / "none"))
    assert done.returncode == 1
    assert "No Chromium or Chrome found" in done.stderr
    assert "brew install --cask chromium" in done.stderr and "CHROMIUM_PATH=" in done.stderr
