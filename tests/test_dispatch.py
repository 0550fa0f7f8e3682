"""Dispatch precision and the two reachable sets, on an app built from
tests/data/dex/src/dispatch (tests/data/dex/build.sh) with a manifest and a layout made here.

The regression: Application.onCreate calls an abstract method and an interface method with
many implementations, only one of each ever created.  Resolved by the class hierarchy alone,
the call reaches TrackingStep.run, which reads the device ID, and the app gets a pre-consent
finding for code that can never run.  Resolving only to classes that can exist at run time
(instantiated by reached code, or by the framework) leaves it out.  The launcher's layout
button (android:onClick) and the consent dialog's positive button start location: reachable in
the app's life, not before consent.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pi_scan.extract import callgraph as cg
from pi_scan.extract import extract_facts
from pi_scan.extract.callgraph import (
    CodeIndex,
    app_entry_points,
    build_code_graph,
    build_code_graphs,
    entry_points,
    real_applications,
)
from pi_scan.extract.dex import DexTables, read_dex_tables
from pi_scan.extract.tolerant import layout_identifiers
from pi_scan.facts import load_knowledge, rule_facts
from pi_scan.judge import judge
from pi_scan.judge.ruleset import load_rules
from pi_scan.model import CodeEntry

from .conftest import ROOT
from .malformed import ANDROID_URI, El, build_axml

FIXTURE = ROOT / "tests" / "data" / "dex" / "dispatch.dex"
KNOWLEDGE = load_knowledge()
RULES = load_rules()
COMPONENTS = [("activity", "dsp.MainActivity", {})]

STEP_RUN = "(Landroid/content/Context;)V"
TRACKING = f"Ldsp/TrackingStep;->run{STEP_RUN}"
LOCATING = f"Ldsp/LocatingStep;->run{STEP_RUN}"
TRACKER_FEATURE = f"Ldsp/TrackerFeature;->start{STEP_RUN}"
LOCATE = "Ldsp/Locator;->locate(Landroid/content/Context;)V"
ON_CLICK = "Ldsp/MainActivity;->startLocation(Landroid/view/View;)V"
AGREE = "Ldsp/AgreeListener;->onClick(Landroid/content/DialogInterface;I)V"


@pytest.fixture(scope="module")
def tables() -> DexTables:
    return read_dex_tables(FIXTURE.read_bytes(), "dispatch.dex")[1]


@pytest.fixture(scope="module")
def index(tables: DexTables) -> CodeIndex:
    return CodeIndex([tables])


def layout() -> bytes:
    return build_axml(
        El(
            "LinearLayout",
            [(ANDROID_URI, "orientation", "vertical")],
            [
                El("dsp.MapView", [(ANDROID_URI, "id", "@+id/map")]),
                El("Button", [(ANDROID_URI, "onClick", "startLocation")]),
            ],
        )
    )


def build_apk(path: Path, application: str, meta: Mapping[str, str] | None = None) -> Path:
    app_children = [
        El("meta-data", [(ANDROID_URI, "name", k), (ANDROID_URI, "value", v)])
        for k, v in (meta or {}).items()
    ]
    launcher = El(
        "activity",
        [(ANDROID_URI, "name", "dsp.MainActivity"), (ANDROID_URI, "exported", True)],
        [
            El(
                "intent-filter",
                children=[
                    El("action", [(ANDROID_URI, "name", "android.intent.action.MAIN")]),
                    El("category", [(ANDROID_URI, "name", "android.intent.category.LAUNCHER")]),
                ],
            )
        ],
    )
    manifest = El(
        "manifest",
        [(ANDROID_URI, "versionCode", 1), (ANDROID_URI, "versionName", "1.0"), (None, "package", "dsp")],
        [
            El("uses-sdk", [(ANDROID_URI, "minSdkVersion", 21), (ANDROID_URI, "targetSdkVersion", 34)]),
            El("uses-permission", [(ANDROID_URI, "name", "android.permission.ACCESS_FINE_LOCATION")]),
            El("uses-permission", [(ANDROID_URI, "name", "android.permission.READ_PHONE_STATE")]),
            El("application", [(ANDROID_URI, "name", application)], [*app_children, launcher]),
        ],
    )  # fmt: skip
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("AndroidManifest.xml", build_axml(manifest))
        zf.writestr("classes.dex", FIXTURE.read_bytes())
        zf.writestr("res/layout/activity_main.xml", layout())
        zf.writestr("META-INF/services/dsp.Feature", "# providers\ndsp.ServiceFeature\n")
    return path


def rule_view(path: Path) -> dict[str, Any]:
    return rule_facts(extract_facts(path), KNOWLEDGE, None)


# --- the graph ------------------------------------------------------------------------------


def test_virtual_call_reaches_only_instantiated_overriders(index: CodeIndex) -> None:
    entries = entry_points(index, "dsp.App", COMPONENTS, "dsp.MainActivity")
    graph = build_code_graph(index, entries)
    reached = {n.method for n in graph.nodes}
    # the class hierarchy offers all of them ...
    assert {"Ldsp/TrackingStep;", "Ldsp/LocatingStep;", "Ldsp/Step9;"} <= set(
        index.subclasses("Ldsp/Step;", 100)
    )
    # ... but only QuietStep and LocalFeature (and the reflectively made Plugin) exist
    on_create = next(n for n in graph.nodes if n.method == "Ldsp/App;->onCreate()V")
    targets = {(e.target.split("->")[0], e.how) for e in on_create.edges}
    assert ("Ldsp/QuietStep;", "call") in targets  # the only possible target: a plain call
    assert ("Ldsp/LocalFeature;", "call") in targets
    assert not {TRACKING, LOCATING, TRACKER_FEATURE, LOCATE} & reached
    assert not any(m.startswith("Ldsp/Step1") for m in reached)


def test_reflection_with_a_constant_name_instantiates(index: CodeIndex) -> None:
    entries = entry_points(index, "dsp.App", COMPONENTS, "dsp.MainActivity")
    graph = build_code_graph(index, entries)
    load = next(n for n in graph.nodes if n.method.startswith("Ldsp/Registry;->load("))
    hows = {(e.target, e.how) for e in load.edges}
    assert ("Ldsp/Plugin;-><clinit>()V", "reflection") in hows
    assert ("Ldsp/Plugin;-><init>()V", "reflection") in hows
    # Feature.start now has two possible targets: LocalFeature and Plugin
    assert (f"Ldsp/Plugin;->start{STEP_RUN}", "dispatch") in hows


def test_the_whole_app_set_adds_ui_callbacks(index: CodeIndex) -> None:
    entries = entry_points(index, "dsp.App", COMPONENTS, "dsp.MainActivity")
    seeds = app_entry_points(index, "dsp.App", COMPONENTS, layout_identifiers(layout()))
    assert "Ldsp/MapView;" in seeds.created  # named in the layout
    assert seeds.methods == (ON_CLICK,)  # android:onClick="startLocation"
    graphs = build_code_graphs(index, entries, seeds)
    pre = {n.method for n in graphs.pre_consent.nodes}
    app = set(graphs.app)
    assert pre <= app
    assert {ON_CLICK, AGREE, LOCATING, LOCATE, "Ldsp/MapView;->onAttachedToWindow()V"} <= app
    assert not {ON_CLICK, AGREE, LOCATING, LOCATE} & pre
    # still only what can exist: nothing creates TrackingStep or TrackerFeature
    assert not {TRACKING, TRACKER_FEATURE} & app


def test_megamorphic_call_sites_are_not_followed_before_consent(
    index: CodeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = entry_points(index, "dsp.App", COMPONENTS, "dsp.MainActivity")
    monkeypatch.setattr(cg, "MAX_DISPATCH", 1)
    graph = build_code_graph(index, entries)
    reached = {n.method for n in graph.nodes}
    assert f"Ldsp/Plugin;->start{STEP_RUN}" not in reached  # two targets: more than one
    assert f"Ldsp/LocalFeature;->start{STEP_RUN}" not in reached
    assert "call graph: 3 call sites with more than 1 possible targets not followed" in (
        graph.limits
    )


def test_tinker_shell_names_the_real_application(index: CodeIndex) -> None:
    assert real_applications(index, "dsp.ShellApp", {}) == ["dsp.RealAppLike"]
    assert real_applications(index, "dsp.App", {}) == []
    # constant class names in the constructor of an Application that is not a Tinker shell
    assert real_applications(index, "dsp.NotAShell", {}) == []
    entries = entry_points(index, "dsp.ShellApp", COMPONENTS, None)
    assert [(e.method, e.kind, e.component) for e in entries] == [
        ("Ldsp/ShellApp;-><init>()V", "application", "dsp.ShellApp"),
        ("Lcom/tencent/tinker/loader/app/TinkerApplication;->onCreate()V", "application", "dsp.ShellApp"),
        ("Ldsp/RealAppLike;-><init>(Landroid/app/Application;)V", "application", "dsp.ShellApp"),
        ("Ldsp/RealAppLike;->onCreate()V", "application", "dsp.ShellApp"),
    ]  # fmt: skip


def test_tinker_patch_meta_data_names_the_original_application(index: CodeIndex) -> None:
    meta = {"TINKER_PATCH_APPLICATION": "dsp.App"}
    assert real_applications(index, "com.tencent.tinker.loader.app.TinkerApplication", meta) == [
        "dsp.App"
    ]
    entries = entry_points(
        index, "com.tencent.tinker.loader.app.TinkerApplication", COMPONENTS, None, meta
    )
    shell = "com.tencent.tinker.loader.app.TinkerApplication"
    assert CodeEntry("Ldsp/App;->onCreate()V", "application", shell) in entries


def test_service_loader_creates_the_listed_providers(index: CodeIndex) -> None:
    entries = entry_points(index, "dsp.App", COMPONENTS, "dsp.MainActivity")
    start = f"Ldsp/ServiceFeature;->start{STEP_RUN}"
    assert start not in {n.method for n in build_code_graph(index, entries).nodes}
    services = {"Ldsp/Feature;": ["Ldsp/ServiceFeature;"]}
    graph = build_code_graphs(index, entries, None, services=services).pre_consent
    nodes = {n.method: n for n in graph.nodes}
    assert start in nodes
    load = nodes["Ldsp/Services;->startAll(Landroid/content/Context;)V"]
    assert ("Ldsp/ServiceFeature;-><init>()V", "reflection") in {
        (e.target, e.how) for e in load.edges
    }


def test_layout_string_pool() -> None:
    names = layout_identifiers(layout())
    assert {"dsp.MapView", "startLocation"} <= set(names)
    assert layout_identifiers(b"not binary xml") == []
    assert layout_identifiers(layout()[:40]) == []  # a pool cut short: nothing


def test_classes_named_in_meta_data_are_created(index: CodeIndex) -> None:
    registrar = "com.google.firebase.components.ComponentRegistrar"
    components = [
        *COMPONENTS,
        ("service", "com.google.firebase.components.ComponentDiscoveryService", {
            "com.google.firebase.components:dsp.Plugin": registrar,
            "com.google.firebase.components:dsp.Missing": registrar,
            "other": "dsp.Step1",
        }),
    ]  # fmt: skip
    seeds = app_entry_points(index, "dsp.App", components)
    assert "Ldsp/Plugin;" in seeds.created
    assert "Ldsp/Step1;" not in seeds.created  # a meta-data value that creates nothing
    assert seeds.methods == ()  # no layout: no onClick handler


def utf8_xml(strings: list[str]) -> bytes:
    """A binary XML whose string pool is UTF-8, as aapt2 writes layouts (no nodes needed)."""
    offsets, data = [], bytearray()
    for text in strings:
        offsets.append(len(data))
        raw = text.encode("utf-8")
        data += bytes([len(text), len(raw)]) + raw + b"\x00"
    while len(data) % 4:
        data += b"\x00"
    start = 28 + 4 * len(strings)
    pool = struct.pack("<HHIIIIII", 1, 28, start + len(data), len(strings), 0, 0x100, start, 0)
    pool += struct.pack(f"<{len(offsets)}I", *offsets) + bytes(data)
    return struct.pack("<HHI", 3, 8, 8 + len(pool)) + pool


def test_layout_identifiers_in_a_utf8_pool() -> None:
    strings = ["", "layout_width", "onClick", "openMap", "com.example.ui.MapFragment", "地图 map"]
    assert layout_identifiers(utf8_xml(strings)) == [
        "layout_width", "onClick", "openMap", "com.example.ui.MapFragment",
    ]  # fmt: skip
    # without an onClick attribute only class names count
    assert layout_identifiers(utf8_xml(strings[4:])) == ["com.example.ui.MapFragment"]


def test_only_receivers_of_system_broadcasts_run_before_consent(index: CodeIndex) -> None:
    components = [("receiver", "dsp.MainActivity", {}), ("receiver", "dsp.App", {})]
    actions = {
        "dsp.MainActivity": ("android.intent.action.BOOT_COMPLETED", "x.y.MESSAGE"),
        "dsp.App": ("cn.jpush.android.intent.RECEIVE_MESSAGE",),  # sent by the SDK itself
    }
    entries = entry_points(index, None, components, None, None, actions)
    assert {e.component for e in entries if e.kind == "receiver"} == {"dsp.MainActivity"}
    # without the actions (a caller that does not know them) every receiver counts
    entries = entry_points(index, None, components, None)
    assert {e.component for e in entries if e.kind == "receiver"} == {"dsp.MainActivity", "dsp.App"}


# --- the findings ---------------------------------------------------------------------------


def test_no_pre_consent_finding_from_code_that_cannot_run(tmp_path: Path) -> None:
    apk = build_apk(tmp_path / "dispatch.apk", "dsp.App")
    facts = extract_facts(apk)
    seen = rule_facts(facts, KNOWLEDGE, None)
    assert seen["pre_consent"] == []
    result = judge(str(apk), facts, RULES, KNOWLEDGE, None)
    assert not {"PI-CONS-001", "PI-CONS-002"} & {o.rule_id for o in result.failed}
    # the whole-app set holds the dialog's button and the layout's onClick handler
    assert {ON_CLICK, AGREE, LOCATE} <= set(facts.app_reachable)
    assert TRACKING not in facts.app_reachable
    assert f"Ldsp/ServiceFeature;->start{STEP_RUN}" in {n.method for n in facts.code_graph}


def test_the_real_application_behind_a_shell_is_an_entry(tmp_path: Path) -> None:
    apk = build_apk(tmp_path / "shell.apk", "dsp.ShellApp")
    seen = rule_view(apk)
    [item] = [f for f in seen["pre_consent"] if f["kind"] == "api"]
    assert item["target"] == "API-SETTINGS-SECURE-ANDROID-ID"
    assert item["entry"] == "Ldsp/RealAppLike;->onCreate()V"
    assert item["entry_kind"] == "application" and item["confidence"] == "high"
