"""Running many apps: discover them, scan each (in this process, worker processes or a Dask
cluster, with the results store) and collect the results in discover order.

`run_scan` is the entry point; `pi_scan.batch.runner` decides where the work runs.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from pi_scan import __version__
from pi_scan.batch.discover import discover
from pi_scan.batch.task import AppTypes, Extractor, Policies
from pi_scan.errors import ConfigError
from pi_scan.facts import Knowledge
from pi_scan.model import ApkResult, LogSource, PolicyDocument, RuleSet, ScanResult

if TYPE_CHECKING:
    from pi_scan.batch.runner import Batch, Event, Observer

__all__ = ["AppTypes", "Extractor", "Policies", "read_category_map", "read_policies", "run_scan"]


def read_category_map(path: Path, knowledge: Knowledge) -> dict[str, str]:
    """A CSV of `package,type` rows (type as id or number; a header row is allowed)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read category map: {exc}") from None
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and cells[:1] == ["package"]):
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise ConfigError(f"{path}: line {number}: expected 'package,type'")
        try:
            mapping[cells[0]] = knowledge.app_type_id(cells[1])
        except Exception as exc:
            raise ConfigError(f"{path}: line {number}: {exc}") from None
    return mapping


POLICY_SUFFIXES = (".html", ".htm", ".xhtml", ".txt", ".md", ".markdown", ".pdf")
PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")


def read_policies(policy: Path | None, policy_dir: Path | None) -> Policies:
    """The privacy policies the auditor supplies: `policy` for every app, and the files of
    `policy_dir` named by package (`com.example.app.html`).  A file that cannot be read, or
    holds no text, is a one-line ConfigError naming it."""
    default = _read_policy(policy) if policy is not None else None
    by_package: dict[str, PolicyDocument] = {}
    if policy_dir is not None:
        try:
            files = sorted(p for p in policy_dir.iterdir() if p.is_file())
        except OSError as exc:
            raise ConfigError(f"{policy_dir}: cannot read policy folder: {exc.strerror}") from None
        for file in files:
            if file.suffix.lower() not in POLICY_SUFFIXES or not PACKAGE.match(file.stem):
                continue
            if file.stem in by_package:
                raise ConfigError(f"{file}: a second policy for package {file.stem}")
            by_package[file.stem] = _read_policy(file)
        if not by_package:
            raise ConfigError(
                f"{policy_dir}: no policy files named by package "
                f"(PACKAGE{', PACKAGE'.join(POLICY_SUFFIXES)})"
            )
    return Policies(default, by_package)


def _read_policy(path: Path) -> PolicyDocument:
    # lazily: only a run given a policy loads the reader (and pi_scan.extract with it)
    from pi_scan.extract.policytext import PolicyReadError, read_policy_file

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read policy: {exc.strerror}") from None
    try:
        doc = read_policy_file(str(path), data)
    except PolicyReadError as exc:
        raise ConfigError(str(exc)) from None
    if not doc.text.strip():
        raise ConfigError(f"{path}: no text in the policy (empty, or a PDF of scanned images)")
    return doc


def run_scan(
    paths: Iterable[str],
    ruleset: RuleSet,
    knowledge: Knowledge,
    app_types: AppTypes | None = None,
    extractor: Extractor | None = None,
    on_result: Callable[[ApkResult], None] | None = None,
    batch: Batch | None = None,
    observer: Observer | None = None,
    policies: Policies | None = None,
    runtime_logs: Sequence[LogSource] = (),
) -> ScanResult:
    """Scan every app under `paths` with `ruleset`; unreadable apps become error results.

    Without `batch`, apps are scanned one by one in this process and results keep every fact.
    With it, `pi_scan.batch.runner` runs the scan (worker processes or a Dask cluster, time and
    memory limits, the results store) and results leave out the code-level fact lists that no
    report reads.  Results are in discover order either way; `extractor` must be picklable
    (a module-level function) when workers run it.
    """
    from pi_scan.batch.runner import Batch, ScanSetup, execute

    targets = discover(paths)
    setup = ScanSetup(
        ruleset,
        knowledge,
        app_types or AppTypes(),
        extractor,
        batch is not None,
        policies or Policies(),
        runtime_logs=tuple(runtime_logs),
        one_app=len(targets) == 1,
    )
    watcher = _Watcher(on_result, observer)
    results, warnings = execute(targets, setup, batch or Batch(), watcher)
    warnings += unused_logs(setup.runtime_logs, results)
    return ScanResult(
        results=tuple(results),
        ruleset=ruleset,
        tool_version=__version__,
        generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        warnings=tuple(warnings),
    )


def unused_logs(logs: Sequence[LogSource], results: Iterable[ApkResult]) -> list[str]:
    """A warning for each runtime log given by name that no app merged or refused (a folder's
    logs for apps not in the run are not worth one)."""
    named = [log for log in logs if log.explicit]
    if not named:
        return []
    from pi_scan.extract.runtime import header_package, named_package

    seen: set[str] = set()
    for result in results:
        if result.facts is not None:
            seen.update(log.name for log in result.facts.runtime_logs)
            seen.update(w.split(":", 1)[0] for w in result.facts.warnings)
    out = []
    for log in named:
        if log.name in seen or f"runtime log {log.name}" in seen:
            continue
        package = header_package(log) or named_package(log.path)[0]
        why = (
            f"no app of the run is {package}"
            if package
            else "it names no package (file name <package>[@<versionCode>].<ext> or a "
            "JSON-lines start line), and the run scans several apps"
        )
        out.append(f"runtime log {log.name}: merged into no app: {why}")
    return out


@dataclass(frozen=True)
class _Watcher:
    """Passes each finished app to the caller's callback and observer."""

    on_result: Callable[[ApkResult], None] | None
    observer: Observer | None

    def started(self, total: int) -> None:
        if self.observer is not None:
            self.observer.started(total)

    def finished(self, event: Event) -> None:
        if self.on_result is not None:
            self.on_result(event.result)
        if self.observer is not None:
            self.observer.finished(event)
