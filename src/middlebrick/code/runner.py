"""Run the static rules over files and folders; the outcome is a `ScanResult` like a scan's."""

from __future__ import annotations

import ast
import importlib.util
import re
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from middlebrick import __version__
from middlebrick.code.context import ModuleContext
from middlebrick.code.rule import CODE_RULES, CodeRule, findings
from middlebrick.code.scope import Kind
from middlebrick.errors import UsageError
from middlebrick.models import CheckError, Finding, ScanResult, Stats, rfc3339
from middlebrick.scoring import score

# Folders that hold someone else's code, or none: never walked into.
_FOREIGN = frozenset({"__pycache__", "node_modules", "site-packages", "dist-packages"})
_TEST_DIRS = frozenset({"tests", "test", "testing"})
_TEST_FILE = re.compile(r"test_.*\.py|.*_test\.py|conftest\.py")


def select_rules(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[CodeRule]:
    """Rules named by id, id prefix (`code.dynamodb`) or category; unknown names are an error."""

    def matches(rule: CodeRule, name: str) -> bool:
        return name in (rule.id, rule.category.value) or rule.id.startswith((name + ".",
                                                                             name + "-"))

    def wanted(names: Iterable[str]) -> list[str]:
        listed = [n.strip() for n in names if n.strip()]
        unknown = [n for n in listed if not any(matches(r, n) for r in CODE_RULES)]
        if unknown:
            raise UsageError(f"unknown code rule: {', '.join(unknown)}")
        return listed

    inc, exc = wanted(include), wanted(exclude)
    chosen = [r for r in CODE_RULES if not inc or any(matches(r, n) for n in inc)]
    return [r for r in chosen if not any(matches(r, n) for n in exc)]


def python_files(paths: Sequence[str | Path], *, include_tests: bool = False) -> list[Path]:
    """The Python files to check: files as named, folders walked (tests, virtualenvs, hidden
    and vendored folders left out unless named); a missing path is a usage error."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"no such file or directory: {raw}")
        if path.is_file():
            found.append(path)
            continue
        for file in sorted(path.rglob("*.py")):
            parts = file.relative_to(path).parts
            folders = [path.joinpath(*parts[: n + 1]) for n in range(len(parts) - 1)]
            if any(_skipped(f, include_tests) for f in folders):
                continue
            if include_tests or not _TEST_FILE.fullmatch(file.name):
                found.append(file)
    return list(dict.fromkeys(found))


def _skipped(folder: Path, include_tests: bool) -> bool:
    name = folder.name
    if name.startswith(".") or name in _FOREIGN or (folder / "pyvenv.cfg").exists():
        return True
    return not include_tests and name in _TEST_DIRS


def check_source(text: str, *, path: str = "<string>",
                 rules: Iterable[CodeRule] | None = None) -> list[Finding]:
    """Every finding of the rules (default: all) on one module's source text."""
    ctx = ModuleContext(ast.parse(text, filename=path), path=path, text=text)
    return [f for r in (CODE_RULES if rules is None else rules) for f in findings(r, ctx)]


def analyze(paths: Sequence[str | Path], *, rules: Iterable[CodeRule] | None = None,
            include_tests: bool = False, debug: bool = False) -> ScanResult:
    """Check the Python files under `paths`; a file that does not parse becomes a note, a rule
    that crashes an error, and the run goes on."""
    chosen = list(CODE_RULES if rules is None else rules)
    started_at, started = datetime.now(UTC), time.monotonic()
    files = python_files(paths, include_tests=include_tests)
    found: list[Finding] = []
    notes: list[str] = []
    errors: list[CheckError] = []
    views = 0
    for file in files:
        name = display_path(file)
        try:
            text = importlib.util.decode_source(file.read_bytes())
            ctx = ModuleContext(ast.parse(text, filename=name), path=name, text=text)
        except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError) as exc:
            where = f" at line {exc.lineno}" if isinstance(exc, SyntaxError) else ""
            notes.append(f"{name} was not checked: it does not parse "
                         f"({type(exc).__name__}{where}: {getattr(exc, 'msg', exc)})")
            continue
        views += sum(1 for s in ctx.scopes if s.kind is Kind.VIEW)
        for rule in chosen:
            try:
                found += findings(rule, ctx)
            except Exception as exc:
                if debug:
                    raise
                errors.append(CheckError(check=rule.id,
                                         error=f"{name}: {type(exc).__name__}: {exc}"))
    checked = len(files) - len(notes)
    summary = f"static check of {checked} Python file(s): no request was sent"
    return ScanResult(
        tool_version=__version__,
        target=", ".join(str(p) for p in paths),
        started_at=rfc3339(started_at),
        finished_at=rfc3339(datetime.now(UTC)),
        duration_s=time.monotonic() - started,
        spec=None,
        score=score(found, {r.category.value for r in chosen}),
        stats=Stats(requests=0, endpoints=views, checks_run=len(chosen)),
        findings=tuple(sorted(found, key=_order)),
        errors=tuple(errors),
        notes=(summary, *notes),
    )


def display_path(file: Path) -> str:
    """The file as reports name it: relative to the working directory when inside it."""
    resolved = file.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _order(finding: Finding) -> tuple[object, ...]:
    location = finding.location
    return (finding.severity, location.file if location else "",
            location.line or 0 if location else 0, finding.check)

