"""Exit codes and the error hierarchy.

Core modules raise these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations

from enum import IntEnum, unique


@unique
class ExitCode(IntEnum):
    OK = 0  # nothing at or above --fail-on
    GATE_FAILED = 1  # some app's verdict is at or above --fail-on
    USAGE = 2  # usage, configuration or rule-pack error
    INCOMPLETE = 3  # some APK could not be analysed
    INTERRUPTED = 130
    BROKEN_PIPE = 141  # 128 + SIGPIPE, as for other commands whose reader stopped early


class PiScanError(Exception):
    """An error that stops the whole run."""

    code: ExitCode = ExitCode.USAGE


class UsageError(PiScanError):
    """Bad arguments or a bad combination of options."""


class ConfigError(PiScanError):
    """A configuration file that cannot be used."""


class RuleLoadError(PiScanError):
    """A rule pack file that is not valid; names the file and the JSON path."""

    def __init__(self, file: str, json_path: str, message: str) -> None:
        super().__init__(f"{file}: {json_path}: {message}")
        self.file = file
        self.json_path = json_path
        self.message = message


class ReportWriteError(PiScanError):
    """A report that could not be rendered or written."""


class ApkAnalysisError(Exception):
    """One app could not be analysed.  Caught per app and recorded, never fatal to a run.

    The message is one line and names the reason; the caller adds the file name.
    """
