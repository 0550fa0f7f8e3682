"""Runtime logs: what an instrumented run of the app saw it call, read from the files that hook
tools write.

Three formats, the reader chosen by the file's first bytes, not its name (camille writes an
OLE2 workbook even under a `.xlsx` name):

* OLE2 (`D0 CF 11 E0`): an Excel 97 workbook, read with xlrd; zip (`PK`): an Excel 2007+
  workbook, read with openpyxl.  Either holds
  - camille's report (https://github.com/zhengjim/camille, `utlis/__init__.py` write_xlsx):
    sheet `App_privacy_compliance_testing`, columns 隐私政策状态 | 时间点 | 行为主体 | 操作行为 |
    行为描述 | 传入参数 | 调用堆栈 (releases before November 2022 write no 隐私政策状态 and no
    行为主体: the consent phase is then unknown).  时间点 comes from script.js get_format_time():
    JavaScript's getMonth() (January is 0) and no zero padding, e.g. "2023-0-5 9:7:3" for
    5 January.  调用堆栈 holds one Java frame a line, the hooked method first;
  - PrivacySentry's report (https://github.com/allenymt/PrivacySentry, DefaultFilePrint.kt):
    sheet 隐私合规, columns 调用时间(倒序排序) | 别名 | 函数名 | 调用堆栈 (times
    "MM-dd HH:mm:ss.SSS", no year, or a full date in other versions).  函数名 is
    "getDeviceId-\\n线程名: main"; the frames are "cls.method() line <- " lines.  The row
    whose cells read 点击隐私协议确认 is the moment the user agreed
    (PrivacySentry.updatePrivacyShow).  Rows are ordered by their time here, whatever their
    order in the file.
* anything else: pi-scan's JSON lines (`pi_scan/schemas/runtime-log.schema.json`), one object a
  line: a `start` line naming the package, `call` lines, and optionally a `consent` line;
  read line by line, so memory does not grow with the file beyond the calls kept.

Every problem with a log is a `LogError` (the log is not used: one line naming the reason) or
a warning (the log is used, the line says what is odd about it).  Nothing here knows the
catalogues: mapping the calls to sensitive APIs and parties is `pi_scan.facts.runtime`'s.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pi_scan.model import (
    ApkFacts,
    LogSource,
    RuntimeEvent,
    RuntimeLog,
    class_of,
    framework_frame,
    tool_frame,
)

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK"

CAMILLE_SHEET = "App_privacy_compliance_testing"
SENTRY_SHEET = "隐私合规"
SENTRY_CONSENT = "点击隐私协议确认"
THREAD_MARK = "线程名:"  # PrivacySentry's 函数名 is "name-\n线程名: main"
PHASE_TEXT = {"同意隐私政策前": "before", "同意隐私政策后": "after"}
# columns of each format, by header text
CAMILLE_COLUMNS = ("时间点", "操作行为", "行为描述", "调用堆栈")  # required; 传入参数 optional
SENTRY_COLUMNS = ("调用时间(倒序排序)", "别名", "函数名", "调用堆栈")
# the clock going back more than this between rows written in time order is reported
CLOCK_SLACK = 2.0
# calls kept from one log: memory stays bounded whatever the file's size (the rest are
# counted and named in a warning, never dropped silently)
MAX_EVENTS = 200_000
UNSET_CLOCK = 946684800.0  # 2000-01-01: a device time before it means an unset clock

PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")
NAMED = re.compile(r"^(?P<package>[A-Za-z][A-Za-z0-9_.]*?)(?:@(?P<version>\d+))?$")
CAMILLE_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$")
SENTRY_TIMES = (
    (re.compile(r"^(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$"), None),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T_](\d{2})[:-](\d{2})[:-](\d{2})\.(\d{3})$"), 4),
    (re.compile(r"^(\d{2})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})\.(\d{3})$"), 2),
)
NO_YEAR = 2000  # a leap year, so "02-29" reads


class LogError(Exception):
    """A runtime log that cannot be used; the message is one line and names the reason."""


@dataclass
class ReadLog:
    """One log as read: its summary, its calls in time order, and warnings about it."""

    info: RuntimeLog
    events: list[RuntimeEvent]
    package: str | None = None  # the package the log itself names (JSON lines)
    version_code: int | None = None
    warnings: list[str] = field(default_factory=list)


def log_source(path: Path, with_data: bool = False) -> LogSource:
    """A log file given to a scan, hashed; LogError when it cannot be read."""
    try:
        digest = hashlib.sha256()
        chunks: list[bytes] = []
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                if with_data:
                    chunks.append(chunk)
    except OSError as exc:
        raise LogError(f"runtime log {path}: cannot be read: {exc.strerror or exc}") from None
    return LogSource(str(path), digest.hexdigest(), b"".join(chunks) if with_data else None)


def named_package(path: str) -> tuple[str | None, int | None]:
    """The package (and version code) a log's file name gives: `<package>[@<versionCode>].<ext>`."""
    stem = Path(path).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    found = NAMED.match(stem)
    if found is None or not PACKAGE.match(found["package"]):
        return None, None
    version = found["version"]
    return found["package"], int(version) if version else None


def header_package(source: LogSource) -> str | None:
    """The package a JSON-lines log names on its first line, without reading the rest."""
    try:
        with source.open() as handle:
            head = handle.read(len(OLE2))
            if head.startswith(ZIP) or head.startswith(OLE2):
                return None
            first = (head + handle.readline()).decode("utf-8-sig", "replace")
    except OSError:
        return None
    try:
        data = json.loads(first)
    except ValueError:
        return None
    package = data.get("package") if isinstance(data, dict) else None
    return package if isinstance(package, str) else None


def read_log(source: LogSource) -> ReadLog:
    """Read one log, whatever its format; LogError when it cannot be used."""
    try:
        with source.open() as handle:
            head = handle.read(len(OLE2))
    except OSError as exc:
        raise LogError(f"cannot be read: {exc.strerror or exc}") from None
    if not head:
        raise LogError("empty file")
    if head.startswith(OLE2):
        return _workbook(source, _xls_sheets(source))
    if head.startswith(ZIP):
        return _workbook(source, _xlsx_sheets(source))
    return _jsonl(source)


# ---- spreadsheets ------------------------------------------------------------------------

Rows = Iterator[list[str]]


def _xls_sheets(source: LogSource) -> dict[str, Rows]:
    import xlrd  # type: ignore[import-untyped]  # only when a log is an .xls workbook

    try:
        if source.data is not None:
            book = xlrd.open_workbook(file_contents=source.data, on_demand=True)
        else:
            book = xlrd.open_workbook(source.path, on_demand=True)
    except Exception as exc:  # xlrd raises many kinds on a truncated or damaged file
        raise LogError(f"not a readable Excel 97 workbook (truncated?): {exc}") from None

    def rows(name: str) -> Rows:
        sheet = book.sheet_by_name(name)
        for index in range(sheet.nrows):
            yield [_text(v) for v in sheet.row_values(index)]

    return {name: rows(name) for name in book.sheet_names()}


def _xlsx_sheets(source: LogSource) -> dict[str, Rows]:
    import openpyxl  # only when a log is an .xlsx workbook

    try:
        book = openpyxl.load_workbook(source.open(), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike on a damaged file
        raise LogError(f"not a readable Excel workbook (truncated?): {exc}") from None

    def rows(name: str) -> Rows:
        for values in book[name].iter_rows(values_only=True):
            yield [_text(v) for v in values]

    return {name: rows(name) for name in book.sheetnames}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _workbook(source: LogSource, sheets: dict[str, Rows]) -> ReadLog:
    try:
        if CAMILLE_SHEET in sheets:
            return _camille(source, sheets[CAMILLE_SHEET])
        if SENTRY_SHEET in sheets:
            return _sentry(source, sheets[SENTRY_SHEET])
    except LogError:
        raise
    except Exception as exc:  # a sheet that breaks off in the middle
        raise LogError(f"workbook could not be read to the end: {exc}") from None
    names = ", ".join(sheets) or "none"
    raise LogError(
        f"unknown workbook: no sheet {CAMILLE_SHEET!r} (camille) or {SENTRY_SHEET!r} "
        f"(PrivacySentry); its sheets: {names}"
    )


def _columns(header: list[str], wanted: Sequence[str], sheet: str) -> dict[str, int]:
    where = {text.strip(): i for i, text in enumerate(header) if text.strip()}
    missing = [c for c in wanted if c not in where]
    if missing:
        raise LogError(
            f"sheet {sheet!r}: unknown columns (missing {', '.join(missing)}; "
            f"found {', '.join(where) or 'none'})"
        )
    return where


def _camille(source: LogSource, rows: Rows) -> ReadLog:
    header = next(rows, None)
    if header is None:
        raise LogError(f"sheet {CAMILLE_SHEET!r} is empty")
    cols = _columns(header, CAMILLE_COLUMNS, CAMILLE_SHEET)
    phased = "隐私政策状态" in cols
    warnings: list[str] = []
    events: list[RuntimeEvent] = []
    last: float | None = None
    odd_phase = 0
    bad_times: list[int] = []
    for number, row in enumerate(rows, start=2):
        cell = _cells(row, cols)
        if not any(cell(c) for c in CAMILLE_COLUMNS):
            continue
        frames = _java_frames(cell("调用堆栈").splitlines())
        phase = "unknown"
        if phased:
            phase = PHASE_TEXT.get(cell("隐私政策状态").strip(), "unknown")
            odd_phase += phase == "unknown"
        stamp = cell("时间点").strip()
        at = _camille_time(stamp)
        if at is None:
            bad_times.append(number)
        elif last is not None and at < last - CLOCK_SLACK:
            warnings.append(
                f"clock went back {last - at:.0f} s at row {number} ({stamp}); "
                "times are the device's and were kept as written"
            )
        last = at if at is not None else last
        action, message = cell("操作行为").strip(), cell("行为描述").strip()
        events.append(
            RuntimeEvent(
                log=source.name,
                row=number,
                api=frames[0] if frames else message,
                at=at,
                time=stamp,
                phase=phase,
                frames=frames,
                label=" / ".join(x for x in (action, message) if x),
                args=cell("传入参数").strip(),
            )
        )
        _check_rows(number)
    if bad_times:
        warnings.append(f"{len(bad_times)} time(s) not read (rows {_few(bad_times)})")
    if odd_phase:
        warnings.append(f"{odd_phase} row(s) with an unknown 隐私政策状态: consent phase unknown")
    if not phased:
        warnings.append("older camille report without 隐私政策状态: consent phase unknown")
    warnings += _clock_warnings(events)
    fmt = "camille" if phased else "camille-5"
    info = RuntimeLog(source.name, source.sha256, fmt, len(events), None, "camille")
    return ReadLog(info, events, warnings=warnings)


def _sentry(source: LogSource, rows: Rows) -> ReadLog:
    header = next(rows, None)
    if header is None:
        raise LogError(f"sheet {SENTRY_SHEET!r} is empty")
    cols = _columns(header, SENTRY_COLUMNS, SENTRY_SHEET)
    warnings: list[str] = []
    calls: list[RuntimeEvent] = []
    consent: tuple[float | None, str] | None = None
    bad_times: list[int] = []
    no_year = False
    for number, row in enumerate(rows, start=2):
        cell = _cells(row, cols)
        if not any(cell(c) for c in SENTRY_COLUMNS):
            continue
        stamp = cell("调用时间(倒序排序)").strip()
        at, had_year = _sentry_time(stamp)
        no_year = no_year or not had_year
        if at is None:
            bad_times.append(number)
        if SENTRY_CONSENT in (cell("别名"), cell("函数名"), cell("调用堆栈")):
            if consent is not None:
                warnings.append(f"consent marked again at row {number}; the first one counts")
            else:
                consent = (at, stamp)
            continue
        function, alias = cell("函数名"), cell("别名")
        if THREAD_MARK not in function and THREAD_MARK in alias:
            # calls made before PrivacySentry was initialised are written with the two swapped
            # (PrivacyProxyUtil.doFilePrinter: PrivacyFunBean(funName, funAlias, ...))
            function, alias = alias, function
        name = function.split("\n", 1)[0].strip().rstrip("-").strip()
        frames = _java_frames(cell("调用堆栈").splitlines())
        calls.append(
            RuntimeEvent(
                log=source.name,
                row=number,
                api=name,
                at=at,
                time=stamp,
                frames=frames,
                label=alias.strip(),
            )
        )
        _check_rows(number)
    if bad_times:
        warnings.append(f"{len(bad_times)} time(s) not read (rows {_few(bad_times)})")
    calls.sort(key=lambda e: (e.at is None, e.at or 0.0, e.row))
    if no_year and _spans_new_year(calls):
        warnings.append("times without a year span more than 300 days: read as one year")
    warnings += _clock_warnings(calls)
    if consent is None:
        warnings.append(f"no {SENTRY_CONSENT} row: consent phase unknown")
    elif consent[0] is None:
        warnings.append(f"consent time {consent[1]!r} not read: consent phase unknown")
    else:
        moment = consent[0]
        calls = [_phased(e, moment) for e in calls]
    info = RuntimeLog(
        source.name,
        source.sha256,
        "privacysentry",
        len(calls),
        consent[1] if consent else None,
        "PrivacySentry",
        consent[0] if consent else None,
    )
    return ReadLog(info, calls, warnings=warnings)


def _phased(event: RuntimeEvent, moment: float) -> RuntimeEvent:
    if event.at is None:
        return event
    phase = "before" if event.at < moment else "after"
    return RuntimeEvent(
        event.log,
        event.row,
        event.api,
        event.at,
        event.time,
        phase,
        event.frames,
        event.label,
        event.args,
    )


def _cells(row: list[str], cols: dict[str, int]) -> Any:
    def cell(name: str) -> str:
        index = cols.get(name)
        return row[index] if index is not None and index < len(row) else ""

    return cell


def _check_rows(number: int) -> None:
    if number > MAX_EVENTS:
        raise LogError(f"more than {MAX_EVENTS} rows: not a sheet a hook tool wrote")


def _few(numbers: Sequence[int], shown: int = 5) -> str:
    more = f" and {len(numbers) - shown} more" if len(numbers) > shown else ""
    return ", ".join(map(str, numbers[:shown])) + more


def _java_frames(lines: Iterable[str]) -> tuple[str, ...]:
    """ "cls.method" of each stack line: "   a.B.c(B.java:12)" (camille, Throwable) or
    "a.B.c() 12 <- " (PrivacySentry)."""
    out = []
    for line in lines:
        text = line.strip().removeprefix("at ").strip()
        text = text.removesuffix("<-").strip()
        cut = text.find("(")
        name = (text[:cut] if cut >= 0 else text.split(" ", 1)[0]).strip()
        if name and "." in name:
            out.append(name)
    return tuple(out)


def _camille_time(text: str) -> float | None:
    """Seconds of camille's "Y-M-D h:m:s", whose month counts from 0 (getMonth())."""
    found = CAMILLE_TIME.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second = map(int, found.groups())
    return _seconds(year, month + 1, day, hour, minute, second)


def _sentry_time(text: str) -> tuple[float | None, bool]:
    """Seconds of a PrivacySentry time, and whether it had a year."""
    for pattern, year_digits in SENTRY_TIMES:
        found = pattern.match(text)
        if found is None:
            continue
        parts = list(map(int, found.groups()))
        if year_digits is None:
            parts = [NO_YEAR, *parts]
        elif year_digits == 2:
            parts[0] += 2000
        year, month, day, hour, minute, second, millis = parts
        at = _seconds(year, month, day, hour, minute, second)
        return (at + millis / 1000 if at is not None else None), year_digits is not None
    return None, True


def _seconds(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float | None:
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        return None
    return moment.timestamp()


def _clock_warnings(events: Sequence[RuntimeEvent]) -> list[str]:
    """A device clock that was not set (times before 2000) makes times and frequencies
    meaningless: say so once."""
    unset = [e.row for e in events if e.at is not None and e.at < UNSET_CLOCK]
    if not unset:
        return []
    return [f"{len(unset)} time(s) before 2000 (rows {_few(unset)}): the device clock was not set"]


def _spans_new_year(events: Sequence[RuntimeEvent]) -> bool:
    times = [e.at for e in events if e.at is not None]
    return bool(times) and max(times) - min(times) > 300 * 86400


# ---- JSON lines --------------------------------------------------------------------------


def _jsonl(source: LogSource) -> ReadLog:
    from pi_scan.datafiles import validator

    check = validator("runtime-log")
    events: list[RuntimeEvent] = []
    warnings: list[str] = []
    package: str | None = None
    version: int | None = None
    tool = ""
    consent: tuple[float | None, str] | None = None
    last: float | None = None
    dropped = 0
    name = source.name
    interned: dict[tuple[str, ...], tuple[str, ...]] = {}
    with source.open() as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line:
                continue
            data = _json_line(line, number, check)
            kind = data["event"]
            if kind == "start":
                if number != 1 and package is None and events:
                    raise LogError(f"line {number}: the start line must come first")
                package, version, tool = (
                    data["package"],
                    data.get("version_code"),
                    data.get("tool", ""),
                )
                continue
            if number == 1 or package is None:
                raise LogError("line 1: not a runtime log (no start line naming the package)")
            stamp = data["time"]
            at = _json_time(stamp)
            text = stamp if isinstance(stamp, str) else str(stamp)
            if at is None:
                warnings.append(f"line {number}: time {text!r} not read")
            if kind == "consent":
                if consent is None:
                    consent = (at, text)
                else:
                    warnings.append(f"line {number}: consent marked again; the first one counts")
                continue
            if at is not None and last is not None and at < last - CLOCK_SLACK:
                warnings.append(f"line {number}: clock went back {last - at:.0f} s ({text})")
            last = at if at is not None else last
            if len(events) >= MAX_EVENTS:
                dropped += 1
                continue
            api = data["api"]
            raw_stack = tuple(data.get("stack") or ())
            frames = interned.get(raw_stack)
            if frames is None:  # one parse and one tuple per distinct stack
                frames = interned[raw_stack] = _java_frames(raw_stack)
            args = data.get("args")
            events.append(
                RuntimeEvent(
                    log=name,
                    row=number,
                    api=f"{api['class']}.{api['method']}",
                    at=at,
                    time=text,
                    phase=data.get("phase", "unknown"),
                    frames=frames,
                    label=str(data.get("label", "")),
                    args=json.dumps(args, ensure_ascii=False) if args is not None else "",
                )
            )
    if package is None:
        raise LogError("no start line naming the package: not a runtime log")
    if dropped:
        warnings.append(f"{dropped} call(s) after the first {MAX_EVENTS} not read")
    warnings += _clock_warnings(events)
    if consent is not None and consent[0] is not None:
        moment = consent[0]
        events = [_phased(e, moment) if e.phase == "unknown" else e for e in events]
    elif consent is not None:
        warnings.append(f"consent time {consent[1]!r} not read")
    info = RuntimeLog(
        source.name,
        source.sha256,
        "jsonl",
        len(events),
        consent[1] if consent else None,
        tool,
        consent[0] if consent else None,
    )
    return ReadLog(info, events, package, version, warnings)


def _json_line(line: bytes, number: int, check: Any) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError as exc:
        what = "truncated" if number > 1 else "not JSON"
        raise LogError(f"line {number}: {what}: {exc}") from None
    if plain_call(data):
        return data  # type: ignore[no-any-return]
    errors = sorted(check.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        where = "/".join(map(str, error.path)) or "line"
        raise LogError(f"line {number}: {where}: {error.message}")
    if not isinstance(data, dict):  # the schema says object; for mypy
        raise LogError(f"line {number}: not an object")
    return data


CALL_KEYS = frozenset({"event", "time", "api", "stack", "args", "phase", "label"})
PHASES = frozenset({"before", "after", "unknown"})


def plain_call(data: Any) -> bool:
    """True only for a call line the schema accepts (most lines of a log): they skip the schema
    check, which costs a hundred times more; anything else is checked against the schema,
    which names what is wrong.  tests/test_runtime_logs.py holds the two to agreement."""
    if not isinstance(data, dict) or data.get("event") != "call" or not CALL_KEYS.issuperset(data):
        return False
    time, api = data.get("time"), data.get("api")
    if isinstance(time, str):
        if not time:
            return False
    elif not (isinstance(time, int | float) and not isinstance(time, bool) and time >= 0):
        return False
    if not isinstance(api, dict) or api.keys() != {"class", "method"}:
        return False
    if not all(isinstance(api[k], str) and api[k] for k in ("class", "method")):
        return False
    stack = data.get("stack", [])
    if not isinstance(stack, list) or not all(isinstance(f, str) for f in stack):
        return False
    if "phase" in data and data["phase"] not in PHASES:
        return False
    return "label" not in data or isinstance(data["label"], str)


def _json_time(value: str | float) -> float | None:
    """Seconds of an ISO 8601 time (naive: read as UTC) or of milliseconds since the epoch."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / 1000
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


# ---- logs and the app they belong to -----------------------------------------------------


def attach_runtime(facts: ApkFacts, sources: Sequence[LogSource], only: bool) -> ApkFacts:
    """The app's facts with the runtime logs that belong to it merged in (`runtime_logs`,
    `runtime_events`); every log refused or odd adds a one-line warning to `warnings`.

    A log belongs to the app when its file name (`<package>[@<versionCode>].<ext>`) or its
    start line names the app's package (and version code, when given).  When `only` (the run
    scans one app), a log given by name that names no package is offered to this app, and one
    naming another package is refused by name.  A log with no package of its own is checked
    against the app: some class of its stacks outside the framework and the hook tool must be
    the app's (its package, its components' packages, its DEX classes).
    """
    logs: list[RuntimeLog] = list(facts.runtime_logs)
    events: list[RuntimeEvent] = list(facts.runtime_events)
    warnings: list[str] = list(facts.warnings)
    for source in sources:
        named, version = named_package(source.path)
        claimed = header_package(source) or named
        if claimed is None and not (only and source.explicit):
            continue
        if claimed is not None and claimed != facts.package:
            if only and source.explicit:
                warnings.append(
                    f"runtime log {source.name}: refused: it is a log of {claimed}, "
                    f"not of {facts.package}"
                )
            continue
        if version is not None and facts.version_code is not None and version != facts.version_code:
            warnings.append(
                f"runtime log {source.name}: refused: it is for version code {version}, "
                f"the app is {facts.version_code}"
            )
            continue
        try:
            read = read_log(source)
        except LogError as exc:
            warnings.append(f"runtime log {source.name}: not used: {exc}")
            continue
        except OSError as exc:
            warnings.append(f"runtime log {source.name}: not used: cannot be read: {exc}")
            continue
        problem = _belongs(read, facts)
        if problem is not None:
            warnings.append(f"runtime log {source.name}: refused: {problem}")
            continue
        if not read.events:
            warnings.append(f"runtime log {source.name}: holds no calls")
        warnings += [f"runtime log {source.name}: {w}" for w in read.warnings]
        logs.append(read.info)
        events += read.events
    if len(logs) == len(facts.runtime_logs) and len(warnings) == len(facts.warnings):
        return facts
    return dataclasses.replace(
        facts, runtime_logs=tuple(logs), runtime_events=tuple(events), warnings=tuple(warnings)
    )


def _belongs(read: ReadLog, facts: ApkFacts) -> str | None:
    """Why the log is not this app's, or None."""
    if read.package is not None:
        if read.package != facts.package:
            return f"it is a log of {read.package}, not of {facts.package}"
        if (
            read.version_code is not None
            and facts.version_code is not None
            and read.version_code != facts.version_code
        ):
            return f"it is for version code {read.version_code}, the app is {facts.version_code}"
        return None
    app_classes = {
        class_of(f)
        for e in read.events
        for f in e.frames
        if not framework_frame(f) and not tool_frame(f)
    }
    if not app_classes:
        return None  # nothing to tell by: kept, the frames name no code of any app
    own = set(facts.classes)
    prefixes = {facts.package + "."} | {
        c.name.rsplit(".", 1)[0] + "." for c in facts.components if "." in c.name
    }
    if any(c in own or c.startswith(tuple(prefixes)) for c in app_classes):
        return None
    other = _common_package(app_classes)
    return (
        f"it is a log of {other or 'another app'}, not of {facts.package} "
        "(no class of its stacks is in this app)"
    )


def _common_package(classes: Iterable[str]) -> str | None:
    """The package most of the classes share, by their first three name parts."""
    counts: dict[str, int] = {}
    for name in classes:
        parts = name.split(".")[:-1][:3]
        if len(parts) >= 2:
            key = ".".join(parts)
            counts[key] = counts.get(key, 0) + 1
    return max(sorted(counts), key=counts.__getitem__) if counts else None
