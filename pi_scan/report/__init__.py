"""Reporters: format name -> pure renderer of a ScanResult."""

from __future__ import annotations

from pi_scan.report.base import Reporter
from pi_scan.report.json_ import JsonReporter
from pi_scan.report.table import TableReporter

REPORTERS: dict[str, Reporter] = {r.name: r for r in (TableReporter(), JsonReporter())}
