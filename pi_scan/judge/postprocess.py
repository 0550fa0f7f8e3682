"""What happens to a scan's results after the rules ran: suppressions and rectification."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pi_scan.judge.rectify import Earlier, load_previous, mark_not_rectified
from pi_scan.judge.suppress import Suppressions, apply, load_baseline, load_waivers
from pi_scan.model import ScanResult


@dataclass(frozen=True)
class PostProcess:
    suppressions: Suppressions = field(default_factory=Suppressions)
    earlier: dict[str, Earlier] = field(default_factory=dict)

    @classmethod
    def load(
        cls, baseline: Path | None, waivers: Path | None, previous: Path | None
    ) -> PostProcess:
        """Read the files first, so a bad one stops the run before anything is scanned."""
        return cls(
            suppressions=Suppressions(
                baseline=load_baseline(baseline) if baseline else (),
                waivers=load_waivers(waivers) if waivers else (),
            ),
            earlier=load_previous(previous) if previous else {},
        )

    def apply(self, scan: ScanResult, today: date | None = None) -> ScanResult:
        """Rectification first (it looks at what failed), then suppressions."""
        marked = mark_not_rectified(scan, self.earlier)
        return apply(marked, self.suppressions, today or date.today())
