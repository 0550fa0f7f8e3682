"""The reporter interface and helpers shared by reporters."""

from __future__ import annotations

import re
from typing import ClassVar, Protocol

from pi_scan.model import ApkResult, Evidence, ScanResult, Verdict

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Reporter(Protocol):
    """Renders a whole scan to text.  Pure: no I/O, no logging, deterministic."""

    name: ClassVar[str]
    suffix: ClassVar[str]

    def render(self, scan: ScanResult, lang: str) -> str: ...


def clean(text: object) -> str:
    """APK-derived text made safe for a terminal: control characters become U+FFFD."""
    return _CONTROL.sub("\ufffd", str(text))


def summary_counts(scan: ScanResult) -> dict[str, int]:
    counts = {"apps": len(scan.results), "pass": 0, "notice": 0, "removal": 0, "error": 0}
    for result in scan.results:
        counts["error" if result.error else result.verdict.label] += 1
    return counts


def verdict_label(result: ApkResult) -> str:
    return "error" if result.error else result.verdict.label


def level_counts(result: ApkResult) -> dict[Verdict, int]:
    counts = {Verdict.NOTICE: 0, Verdict.REMOVAL: 0}
    for outcome in result.failed:
        counts[outcome.level] += 1
    return counts


def evidence_text(ev: Evidence, max_callers: int = 3) -> str:
    text = f"{ev.value} @ {ev.where}"
    if ev.callers:
        shown = ", ".join(ev.callers[:max_callers])
        more = f" +{len(ev.callers) - max_callers}" if len(ev.callers) > max_callers else ""
        text += f" <- {shown}{more}"
    return text
