"""Numbers the docs state, checked against the code that decides them."""

from __future__ import annotations

import re

from chalicelib.partner import sms
from provision.core import Provisioner
from tests.conftest import PROJECT_DIR


def doc(name: str) -> str:
    return (PROJECT_DIR / "docs" / name).read_text(encoding="utf-8")


def test_deploy_steps_are_numbered_as_provisioning_prints_them():
    labels = [label for label, _ in Provisioner("dev", region="ap-northeast-2").steps()]
    shown = re.findall(r"\[(\d+)/(\d+)\] ([^:\n]+?)(?::|\n)", doc("deploy.md"))
    assert shown
    for number, total, label in shown:
        assert int(total) == len(labels), f"[{number}/{total}]: there are {len(labels)} steps"
        assert labels[int(number) - 1] == label.strip()


def test_the_link_base_url_limit():
    for name in ("deploy.md", "partner-confirmation.md"):
        stated = re.findall(r"base URL (?:of )?up to (\d+)", doc(name).replace("\n", " "))
        assert stated and {int(n) for n in stated} == {sms.MAX_BASE_URL_CHARS}, name
