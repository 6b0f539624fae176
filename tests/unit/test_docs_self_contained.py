"""The repository is self-contained: no link in the README or docs/ leaves it
(relative links resolve to files inside it), and no file a user or the code
needs points at a folder beside the checkout (the contract and the sample
reservations live here: docs/contract.md, fixtures/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

DOCS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
SKIP_DIRS = {".git", ".venv", ".devstack", "test-artifacts", "__pycache__", ".ruff_cache",
             ".pytest_cache", "node_modules"}
TEXT = {".py", ".md", ".sh", ".json", ".toml", ".txt", ".js", ".html", ".yaml", ".yml", ".cfg"}
OUTSIDE = re.compile(r"\.\./shared\b|shared/CONTRACT\.md|shared/fixtures")


def relative_links(doc: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(PROJECT_DIR).as_posix())
def test_every_relative_link_is_a_file_in_the_repository(doc):
    for target in relative_links(doc):
        path_part = target.partition("#")[0]
        if not path_part:
            continue
        resolved = (doc.parent / path_part).resolve()
        assert resolved.is_relative_to(PROJECT_DIR), f"{target} leaves the repository"
        assert resolved.exists(), f"{target} does not exist"


def project_files() -> list[Path]:
    found = []
    for path in PROJECT_DIR.rglob("*"):
        parts = set(path.relative_to(PROJECT_DIR).parts)
        if parts & SKIP_DIRS or not path.is_file():
            continue
        if path.suffix in TEXT or path.name in ("Makefile", "run"):
            found.append(path)
    return found


def test_nothing_points_beside_the_checkout():
    here = Path(__file__).resolve()
    offenders = [f"{p.relative_to(PROJECT_DIR)}:{n}" for p in project_files() if p != here
                 for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace")
                                          .splitlines(), 1) if OUTSIDE.search(line)]
    assert offenders == []


def test_the_contract_and_the_samples_are_here():
    contract = (PROJECT_DIR / "docs" / "contract.md").read_text(encoding="utf-8")
    assert "## 3. Web chat and partner confirmation (HTTP)" in contract
    assert (PROJECT_DIR / "fixtures" / "reservations.json").exists()
    assert "[docs/contract.md](docs/contract.md)" in (PROJECT_DIR / "README.md").read_text(
        encoding="utf-8")
