"""Reading runtime logs: camille (7 and 5 columns), PrivacySentry, pi-scan JSON lines, and
the logs that cannot be used."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from pi_scan.extract.runtime import (
    LogError,
    attach_runtime,
    log_source,
    named_package,
    read_log,
)
from pi_scan.model import ApkFacts, Component
from tests.runtime_logs import (
    CAMILLE_HEADER,
    camille_log,
    camille_row,
    jsonl_call,
    jsonl_log,
    sentry_consent,
    sentry_log,
    sentry_row,
    write_xls,
    write_xlsx,
)

IMEI = "android.telephony.TelephonyManager.getDeviceId"
APP_FRAMES = (IMEI, "com.example.app.Boot.init", "com.example.app.App.onCreate")
T0 = datetime(2026, 1, 5, 9, 7, 3)


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(
        T0.replace(tzinfo=timezone.utc).timestamp() + seconds, timezone.utc
    ).replace(tzinfo=None)


def secs(moment: datetime) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


def app(
    package: str = "com.example.app", classes: tuple[str, ...] = ("com.example.app.App",)
) -> ApkFacts:
    return ApkFacts(
        path="x.apk",
        sha256="0" * 64,
        size=1,
        package=package,
        version_code=3,
        classes=classes,
        components=(Component(kind="activity", name=f"{package}.Main", exported=True),),
    )


def test_camille_seven_columns(tmp_path: Path) -> None:
    path = camille_log(
        tmp_path / "report.xlsx",  # camille writes OLE2 even under an .xlsx name
        [camille_row(at(0), APP_FRAMES, True), camille_row(at(5), APP_FRAMES, False)],
    )
    read = read_log(log_source(path))
    assert read.info.format == "camille"
    first, second = read.events
    assert first.time == "2026-0-5 9:7:3"  # January written as month 0
    assert first.at == secs(T0)
    assert first.phase == "before" and second.phase == "after"
    assert first.api == IMEI
    assert first.frames == APP_FRAMES
    assert first.label == "获取电话相关信息 / 获取IMEI"
    assert read.warnings == []


def test_camille_five_columns_have_no_phase(tmp_path: Path) -> None:
    path = camille_log(tmp_path / "old.xls", [camille_row(at(0), APP_FRAMES, None)], columns=5)
    read = read_log(log_source(path))
    assert read.info.format == "camille-5"
    assert [e.phase for e in read.events] == ["unknown"]
    assert any("consent phase unknown" in w for w in read.warnings)


def test_camille_as_xlsx_and_clock_going_back(tmp_path: Path) -> None:
    rows = [camille_row(at(60), APP_FRAMES, True), camille_row(at(0), APP_FRAMES, True)]
    path = write_xlsx(
        tmp_path / "r.xlsx", [("App_privacy_compliance_testing", CAMILLE_HEADER, rows)]
    )
    read = read_log(log_source(path))
    assert read.info.format == "camille" and len(read.events) == 2
    assert any("clock went back 60 s at row 3" in w for w in read.warnings)


def test_privacysentry_orders_rows_and_reads_consent(tmp_path: Path) -> None:
    frames = (
        "com.yl.lib.privacy_proxy.PrivacyTelephonyProxy$TelephonyProxy.getDeviceId",
        "com.example.app.App.onCreate",
    )
    rows = [  # written newest first
        sentry_row(at(9), "getDeviceId", "IMEI", frames),
        sentry_consent(at(5)),
        sentry_row(at(1), "getDeviceId", "IMEI", frames),
    ]
    read = read_log(log_source(sentry_log(tmp_path / "privacy_result.xls", rows)))
    assert read.info.format == "privacysentry"
    assert read.info.consent == "01-05 09:07:08.000"
    assert [(e.api, e.phase) for e in read.events] == [
        ("getDeviceId", "before"),
        ("getDeviceId", "after"),
    ]
    assert read.events[0].frames == frames
    assert read.events[0].label == "IMEI"


def test_privacysentry_rows_written_before_its_init_have_name_and_alias_swapped(
    tmp_path: Path,
) -> None:
    row = sentry_row(at(1), "getDeviceId", "IMEI", APP_FRAMES[1:])
    row["别名"], row["函数名"] = row["函数名"], row["别名"]
    read = read_log(log_source(sentry_log(tmp_path / "p.xls", [row])))
    assert (read.events[0].api, read.events[0].label) == ("getDeviceId", "IMEI")


def test_privacysentry_without_consent_row(tmp_path: Path) -> None:
    rows = [sentry_row(at(1), "getDeviceId", "IMEI", APP_FRAMES[1:])]
    read = read_log(log_source(sentry_log(tmp_path / "p.xls", rows)))
    assert read.events[0].phase == "unknown"
    assert any("no 点击隐私协议确认 row" in w for w in read.warnings)


def test_jsonl_with_consent_marker(tmp_path: Path) -> None:
    path = jsonl_log(
        tmp_path / "run.jsonl",
        "com.example.app",
        [
            jsonl_call(at(0), "android.telephony.TelephonyManager", "getDeviceId", APP_FRAMES[1:]),
            {"event": "consent", "time": at(3).isoformat()},
            jsonl_call(at(4), "android.telephony.TelephonyManager", "getDeviceId", APP_FRAMES[1:]),
            jsonl_call(
                at(5), "android.net.wifi.WifiInfo", "getMacAddress", APP_FRAMES[1:], "before"
            ),
        ],
        version=3,
    )
    read = read_log(log_source(path))
    assert read.package == "com.example.app" and read.version_code == 3
    assert [e.phase for e in read.events] == ["before", "after", "before"]
    assert read.events[0].api == IMEI
    assert read.events[0].frames == APP_FRAMES[1:]
    assert read.info.tool == "test-hook 1"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b'{"event": "start", "package": "com.a.b"}\n{"event": "call", "ti', "line 2: truncated"),
        (b'{"event": "call", "time": 1, "api": {"class": "a", "method": "b"}}\n', "no start line"),
        (b'{"event": "start", "package": "com.a.b"}\n{"event": "call"}\n', "line 2"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "not a readable Excel 97 workbook"),
        (b"PK\x03\x04garbage", "not a readable Excel workbook"),
    ],
)
def test_bad_logs(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.log"
    path.write_bytes(content)
    with pytest.raises(LogError, match=reason):
        read_log(log_source(path))


def test_truncated_xls(tmp_path: Path) -> None:
    path = camille_log(tmp_path / "r.xls", [camille_row(at(0), APP_FRAMES, True)] * 50)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LogError, match="Excel 97"):
        read_log(log_source(path))


def test_unknown_sheet_and_columns(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "a.xls", [("Sheet1", ("a", "b"), [])])
    with pytest.raises(LogError, match=r"unknown workbook: .*its sheets: Sheet1"):
        read_log(log_source(path))
    path = write_xls(tmp_path / "b.xls", [("App_privacy_compliance_testing", ("时间点", "x"), [])])
    with pytest.raises(LogError, match=r"unknown columns .missing 操作行为, 行为描述, 调用堆栈"):
        read_log(log_source(path))


def test_named_package() -> None:
    assert named_package("logs/com.example.app@12.xls") == ("com.example.app", 12)
    assert named_package("com.example.app.xls") == ("com.example.app", None)
    assert named_package("report.xls") == (None, None)


def test_attach_refuses_a_log_of_another_app(tmp_path: Path) -> None:
    other = jsonl_log(tmp_path / "run.jsonl", "com.other.app", [])
    facts = attach_runtime(app(), [log_source(other)], only=True)
    assert facts.runtime_logs == ()
    assert any(
        "refused: it is a log of com.other.app, not of com.example.app" in w for w in facts.warnings
    )
    # a camille report has no package: its app frames tell
    frames = (IMEI, "com.other.app.sdk.Boot.init")
    report = camille_log(tmp_path / "report.xls", [camille_row(at(0), frames, True)])
    facts = attach_runtime(app(), [log_source(report)], only=True)
    assert facts.runtime_logs == ()
    assert any(
        "report.xls: refused: it is a log of com.other.app, not of com.example.app" in w
        for w in facts.warnings
    )


def test_attach_matches_by_name_and_version(tmp_path: Path) -> None:
    good = camille_log(tmp_path / "com.example.app@3.xls", [camille_row(at(0), APP_FRAMES, True)])
    wrong = camille_log(tmp_path / "com.example.app@4.xls", [camille_row(at(0), APP_FRAMES, True)])
    elsewhere = camille_log(tmp_path / "com.other.app.xls", [camille_row(at(0), APP_FRAMES, True)])
    sources = [replace(log_source(p), explicit=False) for p in (good, wrong, elsewhere)]
    facts = attach_runtime(app(), sources, only=False)
    assert [log.name for log in facts.runtime_logs] == ["com.example.app@3.xls"]
    assert len(facts.runtime_events) == 1
    assert any(
        "com.example.app@4.xls: refused: it is for version code 4" in w for w in facts.warnings
    )
    assert not any("com.other.app" in w for w in facts.warnings)  # another app's: not offered


def test_attach_keeps_a_log_whose_frames_are_the_apps(tmp_path: Path) -> None:
    report = camille_log(tmp_path / "report.xls", [camille_row(at(0), APP_FRAMES, True)])
    facts = attach_runtime(app(), [log_source(report)], only=True)
    assert [log.format for log in facts.runtime_logs] == ["camille"]
    # in a batch, a log that names no package is offered to no app
    facts = attach_runtime(app(), [log_source(report)], only=False)
    assert facts.runtime_logs == ()


def test_jsonl_calls_beyond_the_cap_are_counted_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pi_scan.extract.runtime.MAX_EVENTS", 5)
    calls = [
        jsonl_call(at(i), "android.telephony.TelephonyManager", "getDeviceId", APP_FRAMES[1:])
        for i in range(8)
    ]
    read = read_log(log_source(jsonl_log(tmp_path / "big.jsonl", "com.example.app", calls)))
    assert len(read.events) == 5
    assert "3 call(s) after the first 5 not read" in read.warnings
    # the frames of identical stacks are one tuple, not one per call
    assert len({id(e.frames) for e in read.events}) == 1


def test_an_unset_device_clock_is_named(tmp_path: Path) -> None:
    call = jsonl_call(at(0), "android.telephony.TelephonyManager", "getDeviceId", APP_FRAMES[1:])
    log = jsonl_log(tmp_path / "c.jsonl", "com.example.app", [call | {"time": 5000}])
    read = read_log(log_source(log))
    assert read.events[0].at == 5.0
    assert read.warnings == ["1 time(s) before 2000 (rows 2): the device clock was not set"]


CALL = {"event": "call", "time": 5, "api": {"class": "a.B", "method": "c"}}


@pytest.mark.parametrize(
    "line",
    [
        CALL,
        CALL | {"time": "2026-01-05T09:07:03", "stack": ["a.B.c(B.java:1)"], "phase": "before"},
        CALL | {"args": [1, "x"], "label": "IMEI", "time": 0.5},
        CALL | {"time": -1},
        CALL | {"time": ""},
        CALL | {"time": True},
        CALL | {"time": None},
        CALL | {"api": {"class": "a.B"}},
        CALL | {"api": {"class": "a.B", "method": ""}},
        CALL | {"api": {"class": "a.B", "method": "c", "x": 1}},
        CALL | {"api": "a.B.c"},
        CALL | {"stack": "a.B.c"},
        CALL | {"stack": [1]},
        CALL | {"phase": "during"},
        CALL | {"label": 3},
        CALL | {"extra": 1},
        {"event": "call", "time": 5},
        {"event": "consent", "time": 5},
        {"event": "start", "package": "com.a.b"},
        [CALL],
    ],
)
def test_the_fast_call_check_never_accepts_what_the_schema_rejects(line: Any) -> None:
    from pi_scan.datafiles import validator
    from pi_scan.extract.runtime import plain_call

    valid = validator("runtime-log").is_valid(line)
    assert not plain_call(line) or valid
    if isinstance(line, dict) and line.get("event") == "call":
        assert plain_call(line) == valid  # and it takes every valid call line
