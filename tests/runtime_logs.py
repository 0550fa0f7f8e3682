"""Runtime-log fixtures written the way the hook tools write them.

camille (https://github.com/zhengjim/camille) writes its report with xlwt in
`utlis/__init__.py` write_xlsx(): sheet App_privacy_compliance_testing, header row 0, one row
per call; its times come from script.js get_format_time() (getMonth(): January is 0, no zero
padding) and its stacks from Throwable.getStackTrace(), "   frame\\r\\n" each.  Releases
before November 2022 wrote 时间点 | 操作行为 | 行为描述 | 传入参数 | 调用堆栈.

PrivacySentry (https://github.com/allenymt/PrivacySentry) writes an Excel 97 workbook with jxl
(DefaultFilePrint.kt, ExcelUtil.kt): sheets 隐私合规 and 调用次数, header row 0; 函数名 is
"name-\\n线程名: main", times "MM-dd HH:mm:ss.SSS", stacks "cls.method() line <- \\n" lines
(PrivacyUtil.getStackTrace); the consent row reads 点击隐私协议确认 in every cell.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

CAMILLE_HEADER = (
    "隐私政策状态",
    "时间点",
    "行为主体",
    "操作行为",
    "行为描述",
    "传入参数",
    "调用堆栈",
)
CAMILLE5_HEADER = ("时间点", "操作行为", "行为描述", "传入参数", "调用堆栈")
SENTRY_HEADER = ("调用时间(倒序排序)", "别名", "函数名", "调用堆栈")


def camille_time(moment: datetime) -> str:
    """As script.js get_format_time() writes it: month from getMonth(), nothing padded."""
    m = moment
    return f"{m.year}-{m.month - 1}-{m.day} {m.hour}:{m.minute}:{m.second}"


def camille_stack(frames: Sequence[str]) -> str:
    """As script.js getStackTrace() writes it: "   frame\\r\\n" for each."""
    return "".join(f"   {f}\r\n" for f in frames)


def camille_row(
    moment: datetime, frames: Sequence[str], before: bool | None, message: str = "获取IMEI"
) -> dict[str, str]:
    return {
        "隐私政策状态": "" if before is None else "同意隐私政策" + ("前" if before else "后"),
        "时间点": camille_time(moment),
        "行为主体": "APP本身",
        "操作行为": "获取电话相关信息",
        "行为描述": message,
        "传入参数": "",
        "调用堆栈": camille_stack(frames),
    }


def write_xls(
    path: Path, sheets: Iterable[tuple[str, Sequence[str], Iterable[dict[str, str]]]]
) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, header, rows in sheets:
        sheet = book.add_sheet(name)
        for col, title in enumerate(header):
            sheet.write(0, col, title)
        for index, row in enumerate(rows, start=1):
            for col, title in enumerate(header):
                sheet.write(index, col, row.get(title, ""))
    book.save(str(path))
    return path


def write_xlsx(
    path: Path, sheets: Iterable[tuple[str, Sequence[str], Iterable[dict[str, str]]]]
) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, header, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.append(list(header))
        for row in rows:
            sheet.append([row.get(title, "") for title in header])
    book.save(path)
    return path


def camille_log(path: Path, rows: Iterable[dict[str, str]], columns: int = 7) -> Path:
    header = CAMILLE_HEADER if columns == 7 else CAMILLE5_HEADER
    return write_xls(path, [("App_privacy_compliance_testing", header, list(rows))])


def sentry_time(moment: datetime) -> str:
    return moment.strftime("%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def sentry_stack(frames: Sequence[str]) -> str:
    return " <- \n".join(f"{f}() {n + 10}" for n, f in enumerate(frames))


def sentry_row(moment: datetime, name: str, alias: str, frames: Sequence[str]) -> dict[str, str]:
    return {
        "调用时间(倒序排序)": sentry_time(moment),
        "别名": alias,
        "函数名": f"{name}-\n线程名: main",
        "调用堆栈": sentry_stack(frames),
    }


def sentry_consent(moment: datetime) -> dict[str, str]:
    mark = "点击隐私协议确认"
    return {
        "调用时间(倒序排序)": sentry_time(moment),
        "别名": mark,
        "函数名": mark,
        "调用堆栈": mark,
    }


def sentry_log(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    rows = list(rows)
    counts = [
        {"别名": r["别名"], "函数名": r["函数名"], "调用堆栈": r["调用堆栈"], "调用次数": "1"}
        for r in rows
    ]
    return write_xls(
        path,
        [
            ("隐私合规", SENTRY_HEADER, rows),
            ("调用次数", ("别名", "函数名", "调用堆栈", "调用次数"), counts),
        ],
    )


def jsonl_log(
    path: Path, package: str, lines: Iterable[dict[str, Any]], version: int | None = None
) -> Path:
    start: dict[str, Any] = {"event": "start", "package": package, "tool": "test-hook 1"}
    if version is not None:
        start["version_code"] = version
    with open(path, "w", encoding="utf-8") as out:
        for item in [start, *lines]:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def jsonl_call(
    moment: datetime, cls: str, method: str, stack: Sequence[str], phase: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "event": "call",
        "time": moment.isoformat(timespec="milliseconds"),
        "api": {"class": cls, "method": method},
        "stack": [f"{f}(Unknown Source)" for f in stack],
    }
    if phase is not None:
        item["phase"] = phase
    return item
