"""Comments cite the repository only (docs/architecture.md, "Layers"): a comment or docstring
gives its reason in place, never an issue number or a tracker's address, and every section of
a document it cites (`docs/architecture.md, "Money and receipt states"`) is a heading there.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("kiosk", "screens", "printer", "gateway", "common", "launcher", "bench", "tests", "deploy", "config")
# Text files whose comments are checked besides Python (Kivy rules, configs, units, scripts).
OTHER_SUFFIXES = {".kv", ".toml", ".ini", ".service", ".timer", ".rules", ".conf", ".sh", ".mako", ".txt"}

# "issue 13", "issues #12", "(issue", a tracker's address; in a comment also a bare "#123".
ISSUE_WORDS = re.compile(r"\bissues?\s*#?\d+|\(issue\b|github\.com/\S+/(?:issues|pull)/\d+|\bgh-\d+\b", re.I)
BARE_NUMBER = re.compile(r"(?<![\w&#{:])#\d{2,}\b")
# `docs/architecture.md, "Section"`, and further sections of the same document after it
# (`, "Other"` or ` and "Other"`).
CITATION = re.compile(r'docs/([\w./-]+\.md),?\s*"([^"]+)"((?:\s*(?:,|and|or)\s*"[^"]+")*)')
MORE_SECTIONS = re.compile(r'"([^"]+)"')


def _sources() -> list[Path]:
    """Every file checked, but this one: it spells the patterns it looks for."""
    files: list[Path] = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if "__pycache__" in path.parts or "_artifacts" in path.parts or not path.is_file():
                continue
            if path == Path(__file__).resolve():
                continue
            if path.suffix == ".py" or path.suffix in OTHER_SUFFIXES or path.name.endswith(".service.in"):
                files.append(path)
    return files


def _python_prose(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(comments, strings) of a Python source with their line numbers; strings include docstrings."""
    comments: list[tuple[int, str]] = []
    strings: list[tuple[int, str]] = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            comments.append((tok.start[0], tok.string))
        elif tok.type == tokenize.STRING:
            strings.append((tok.start[0], tok.string))
    return comments, strings


def _other_comments(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith("#")]


def _issue_citations(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        comments, strings = _python_prose(text)
    else:
        comments, strings = _other_comments(text), []
    found = []
    for line, comment in comments:
        if ISSUE_WORDS.search(comment) or BARE_NUMBER.search(comment.lstrip("#")):
            found.append(f"{path.relative_to(ROOT)}:{line}: {comment.strip()[:100]}")
    for line, string in strings:
        # Strings hold colours ("#000000") and formats ("{b:#04x}"): only the words count there.
        if ISSUE_WORDS.search(string):
            found.append(f"{path.relative_to(ROOT)}:{line}: {ISSUE_WORDS.search(string).group()}")  # type: ignore[union-attr]
    return found


def test_no_comment_cites_an_issue_or_a_tracker() -> None:
    found = [hit for path in _sources() for hit in _issue_citations(path)]
    assert not found, "write the reason in place instead of citing an issue:\n" + "\n".join(found)


def _headings(doc: Path) -> set[str]:
    return {line.lstrip("#").strip() for line in doc.read_text(encoding="utf-8").splitlines()
            if re.match(r"#{1,6} ", line)}


def _flattened(text: str) -> str:
    """Comment leaders and line breaks out, so a citation wrapped over lines reads as one."""
    return re.sub(r"\s+", " ", re.sub(r"\n\s*#+\s*", " ", text))


def test_every_cited_section_is_a_heading_of_its_document() -> None:
    headings: dict[str, set[str]] = {}
    missing = []
    cited = 0
    for path in _sources():
        for match in CITATION.finditer(_flattened(path.read_text(encoding="utf-8"))):
            doc = ROOT / "docs" / match.group(1)
            if not doc.is_file():
                missing.append(f"{path.relative_to(ROOT)}: docs/{match.group(1)} does not exist")
                continue
            known = headings.setdefault(match.group(1), _headings(doc))
            for section in [match.group(2), *MORE_SECTIONS.findall(match.group(3))]:
                cited += 1
                if section not in known:
                    missing.append(f'{path.relative_to(ROOT)}: docs/{match.group(1)}, "{section}"')
    assert cited > 100, "the citations are no longer found: check CITATION"
    assert not missing, "cited sections that are no heading of their document:\n" + "\n".join(missing)
