"""The shape of chalicelib/ (scripts/check_layout.py): the project's own tree
holds, and each rule catches what it is for on a small tree of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import check_layout


def test_the_project_keeps_its_layout():
    assert check_layout.check() == []


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"chalicelib/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_more_than_sixteen_loose_modules(tmp_path):
    files = {f"chalicelib/m{i}.py": "" for i in range(17)}
    [problem] = check_layout.check(tree(tmp_path, files))
    assert "17 loose modules" in problem
    del files["chalicelib/m16.py"]
    assert check_layout.check(tree(tmp_path / "ok", files)) == []


@pytest.mark.parametrize("statement", [
    "from chalicelib import partner",
    "from chalicelib.partner import page",
    "import chalicelib.partner.page",
    "from chalicelib.partner.page import render",
    "def later():\n    from chalicelib.partner import page\n",  # inside a function too
])
def test_a_foundation_module_never_imports_a_package(tmp_path, statement):
    root = tree(tmp_path, {"chalicelib/partner/__init__.py": "",
                           "chalicelib/partner/page.py": "def render(): ...\n",
                           "chalicelib/clock.py": statement + "\n"})
    [problem] = check_layout.check(root)
    assert problem.startswith("chalicelib/clock.py:") and "foundation" in problem


def test_a_foundation_module_may_import_another(tmp_path):
    root = tree(tmp_path, {"chalicelib/clock.py": "from chalicelib import settings\n",
                           "chalicelib/settings.py": ""})
    assert check_layout.check(root) == []


@pytest.mark.parametrize("statement, taken", [
    ("from chalicelib.partner import answer", "chalicelib.partner.answer"),
    ("from chalicelib import partner", "chalicelib.partner"),
    ("import chalicelib.partner", "chalicelib.partner"),
    ("from . import answer", "chalicelib.partner.answer"),
])
def test_no_import_runs_back_up_to_the_own_package(tmp_path, statement, taken):
    root = tree(tmp_path, {
        "chalicelib/partner/__init__.py": "from chalicelib.partner.answers import answer\n",
        "chalicelib/partner/answers.py": "from chalicelib.partner import page\n"
                                         "def answer(): ...\n",
        "chalicelib/partner/page.py": statement + "\n",
    })
    problems = check_layout.check(root)
    assert any(p.startswith("chalicelib/partner/page.py:1: imports back up")
               and taken in p for p in problems), problems


def test_a_sibling_submodule_through_the_package_is_no_back_import(tmp_path):
    root = tree(tmp_path, {
        "chalicelib/partner/__init__.py": "from chalicelib.partner.answers import answer\n",
        "chalicelib/partner/answers.py": "from chalicelib.partner import page\n"
                                         "from .page import render\n"
                                         "def answer(): ...\n",
        "chalicelib/partner/page.py": "def render(): ...\n",
    })
    assert check_layout.check(root) == []


def test_a_circle_between_modules(tmp_path):
    root = tree(tmp_path, {
        "chalicelib/chat/__init__.py": "",
        "chalicelib/chat/intake.py": "from chalicelib.chat import reply\n",
        "chalicelib/chat/reply.py": "def later():\n    from chalicelib.chat import intake\n",
    })
    [problem] = check_layout.check(root)
    assert problem == ("circular imports: chalicelib.chat.intake -> chalicelib.chat.reply"
                       " -> chalicelib.chat.intake")


def test_a_circle_through_a_package_init(tmp_path):
    # notify.service never names partner.answers, but importing partner.sms
    # runs partner/__init__.py, which imports answers, which imports notify.
    root = tree(tmp_path, {
        "chalicelib/partner/__init__.py": "from chalicelib.partner.answers import answer\n",
        "chalicelib/partner/answers.py": "from chalicelib.notify import service\n"
                                         "def answer(): ...\n",
        "chalicelib/partner/sms.py": "",
        "chalicelib/notify/__init__.py": "",
        "chalicelib/notify/service.py": "from chalicelib.partner import sms\n",
    })
    [problem] = check_layout.check(root)
    assert problem == ("circular imports: chalicelib.notify.service -> chalicelib.partner"
                       " -> chalicelib.partner.answers -> chalicelib.notify.service")
    # Without the re-export in the __init__ there is no circle.
    (root / "chalicelib/partner/__init__.py").write_text("", encoding="utf-8")
    assert check_layout.check(root) == []


def test_the_command_exits_non_zero_on_a_finding(tmp_path, monkeypatch, capsys):
    root = tree(tmp_path, {f"chalicelib/m{i}.py": "" for i in range(17)})
    monkeypatch.setattr(check_layout, "PROJECT_DIR", root)
    monkeypatch.setattr(check_layout.check, "__defaults__", (root,))
    assert check_layout.main() == 1
    assert "17 loose modules" in capsys.readouterr().out
