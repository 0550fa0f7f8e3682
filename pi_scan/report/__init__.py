"""Reporters: format name -> pure renderer of a ScanResult."""

from __future__ import annotations

from pi_scan.report.base import Reporter
from pi_scan.report.csv_ import CsvReporter
from pi_scan.report.html import HtmlReporter
from pi_scan.report.json_ import JsonReporter
from pi_scan.report.junit import JunitReporter
from pi_scan.report.markdown import MarkdownReporter
from pi_scan.report.sarif import SarifReporter
from pi_scan.report.table import TableReporter

REPORTERS: dict[str, Reporter] = {
    r.name: r
    for r in (
        TableReporter(),
        JsonReporter(),
        SarifReporter(),
        JunitReporter(),
        CsvReporter(),
        MarkdownReporter(),
        HtmlReporter(),
    )
}
