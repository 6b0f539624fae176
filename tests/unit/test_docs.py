"""The README stays a five-minute read, and the docs point at things that exist:
files, headings, `make` targets."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
README = PROJECT_DIR / "README.md"
DOCS = [README, *sorted((PROJECT_DIR / "docs").glob("*.md"))]

_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_MAKE = re.compile(r"\bmake ([a-z][a-z0-9_-]*)")
_TARGET = re.compile(r"^([A-Za-z0-9_-]+)\s*:(?!=)", re.MULTILINE)


def _name(path: Path) -> str:
    return Path(os.path.relpath(path, PROJECT_DIR)).as_posix()


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {_slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.MULTILINE)}


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [m.group(1) for m in _LINK.finditer(text)]


def test_readme_is_short_and_opens_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; the rest belongs in docs/"
    top = "\n".join(lines[:20])
    assert "make run" in top and "make test" in top


def test_there_are_docs_to_check():
    assert len(DOCS) > 1 and all(p.read_text(encoding="utf-8").strip() for p in DOCS)


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_relative_links_resolve(doc):
    broken = []
    for target in _links(doc):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        path = (doc.parent / file_part).resolve() if file_part else doc
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}: no heading #{anchor}")
    assert not broken, f"{_name(doc)}: " + "; ".join(broken)


def test_every_make_target_named_in_the_docs_exists():
    targets = set(_TARGET.findall((PROJECT_DIR / "Makefile").read_text(encoding="utf-8")))
    missing = {}
    # docs/contract.md is the users' word, copied as it is: it may promise a
    # target before the Makefile has it (the guides must not).
    for doc in (d for d in DOCS if d.name != "contract.md"):
        for code in _CODE.findall(doc.read_text(encoding="utf-8")):
            for target in _MAKE.findall(code):
                if target not in targets:
                    missing.setdefault(_name(doc), set()).add(target)
    assert not missing, f"make targets named in the docs but not in the Makefile: {missing}"
