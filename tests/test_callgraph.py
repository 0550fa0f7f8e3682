"""The call graph from the entry points (pi_scan.extract.callgraph), on a DEX fixture built
from tests/data/dex/src/callgraph (tests/data/dex/build.sh) and on the sample APKs."""

from __future__ import annotations

import zipfile

import pytest

from pi_scan.extract import callgraph as cg
from pi_scan.extract import extract_facts
from pi_scan.extract.callgraph import (
    CodeGraph,
    CodeIndex,
    build_code_graph,
    entry_points,
    reflective_methods,
)
from pi_scan.extract.dex import DexFormatError, DexTables, read_dex, read_dex_tables
from pi_scan.model import CodeEntry, CodeNode

from .conftest import ROOT, sample

FIXTURE = ROOT / "tests" / "data" / "dex" / "callgraph.dex"
COMPONENTS = [
    ("provider", "cg.Prov", {}),
    ("provider", "androidx.startup.InitializationProvider", {"cg.Init": "androidx.startup"}),
    ("receiver", "cg.Boot", {}),
    ("receiver", "cg.Missing", {}),  # declared, not in the code: skipped
]


@pytest.fixture(scope="module")
def tables() -> DexTables:
    return read_dex_tables(FIXTURE.read_bytes(), "callgraph.dex")[1]


@pytest.fixture(scope="module")
def index(tables: DexTables) -> CodeIndex:
    return CodeIndex([tables])


@pytest.fixture(scope="module")
def entries(index: CodeIndex) -> list[CodeEntry]:
    return entry_points(index, "cg.App", COMPONENTS, "cg.Main")


@pytest.fixture(scope="module")
def graph(index: CodeIndex, entries: list[CodeEntry]) -> CodeGraph:
    return build_code_graph(index, entries)


def nodes(graph: CodeGraph) -> dict[str, CodeNode]:
    return {n.method: n for n in graph.nodes}


def calls(graph: CodeGraph, method: str) -> set[tuple[str, str]]:
    """(target, how) of the calls of one method, short names ("Sink.fromBase")."""
    node = nodes(graph)[method]
    return {(_short(e.target), e.how) for e in node.edges}


def _short(smali: str) -> str:
    cls, _, rest = smali.partition("->")
    return f"{cls[1:-1].split('/')[-1]}.{rest.split('(')[0]}"


def reached(graph: CodeGraph) -> set[str]:
    return {_short(n.method) for n in graph.nodes}


APP_ON_CREATE = "Lcg/App;->onCreate()V"


# --- entry points ---------------------------------------------------------------------------


def test_entry_points_in_tiers_with_inherited_methods(entries: list[CodeEntry]) -> None:
    found = [(e.kind, _short(e.method)) for e in entries]
    assert found == [
        ("application", "App.<init>"),
        ("application", "BaseApp.attachBaseContext"),  # inherited from the app's superclass
        ("application", "App.onCreate"),
        ("provider", "Prov.<init>"),
        ("provider", "Prov.onCreate"),
        ("startup", "Init.<init>"),
        ("startup", "Init.create"),  # named in InitializationProvider's meta-data
        ("receiver", "Boot.<init>"),
        ("receiver", "Boot.onReceive"),
        ("launcher", "Main.<init>"),
        ("launcher", "Main.onCreate"),
    ]
    assert {e.component for e in entries if e.kind == "startup"} == {
        "androidx.startup.InitializationProvider"
    }


def test_no_entry_points_without_manifest_classes(index: CodeIndex) -> None:
    assert entry_points(index, "cg.Nope", [("provider", "cg.Gone", {})], None) == []


# --- resolving calls ------------------------------------------------------------------------


def test_class_hierarchy_dispatch_to_subclass_overrides(graph: CodeGraph) -> None:
    assert {("Impl1.work", "dispatch"), ("Impl2.work", "dispatch")} <= calls(graph, APP_ON_CREATE)
    assert ("Sink.fromImpl1", "call") in calls(graph, "Lcg/Impl1;->work()V")


def test_interface_calls_reach_only_instantiated_implementations(graph: CodeGraph) -> None:
    # the only instantiated implementation: as sure as a direct call
    assert ("ServiceImpl.serve", "call") in calls(graph, APP_ON_CREATE)
    assert "UnusedService.serve" not in reached(graph)
    assert "Sink.unreached" not in reached(graph)


def test_hand_overs_to_threads_handlers_and_executors(graph: CodeGraph) -> None:
    hand_overs = {t for t, how in calls(graph, APP_ON_CREATE) if how == "async"}
    assert hand_overs == {
        "App$1.run",  # anonymous Runnable given to new Thread(...)
        "App$$ExternalSyntheticLambda0.run",  # lambda posted to a Handler (desugared by D8)
        "App$2.call",  # anonymous Callable submitted to an ExecutorService
        "Worker.run",  # a Thread subclass started
    }
    assert {"Sink.fromThread", "Sink.fromLambda", "Sink.fromCallable", "Sink.fromWorker"} <= (
        reached(graph)
    )
    # a Thread subclass's constructor calls Thread() without a Runnable: no hand-over
    assert not any(e.how == "async" for e in nodes(graph)["Lcg/Worker;-><init>()V"].edges)


def test_a_guessed_hand_over_stays_in_the_callers_code_base(graph: CodeGraph) -> None:
    """Poster.kick sends a message to a Handler it was given: of the Handlers made so far,
    the app's own runs it, not another vendor's (vx.sdk), whose code never sees the app's
    Handler.  With one candidate left the hand-over is as sure as a plain one."""
    assert "Vendor.start" in reached(graph)  # the other vendor's Handler is instantiated
    assert calls(graph, "Lcg/Poster;->kick(Landroid/os/Handler;)V") == {
        ("AppHandler.handleMessage", "async")
    }
    assert "VendorHandler.handleMessage" not in reached(graph)


def test_an_explicit_intent_starts_the_named_activity(graph: CodeGraph) -> None:
    """A splash screen that moves on by itself (baidu-lbs-demo: the launcher's thread starts
    DemoMain, whose onCreate initialises the Baidu Map SDK): the started activity's lifecycle
    runs; an activity only named by a const-class before is not started."""
    started = {t for t, how in calls(graph, "Lcg/Main;->onCreate(Landroid/os/Bundle;)V")}
    assert {"Home.<init>", "Home.onCreate"} <= started
    assert all(
        how == "activity"
        for t, how in calls(graph, "Lcg/Main;->onCreate(Landroid/os/Bundle;)V")
        if t.startswith("Home.")
    )
    assert "Sink.fromHome" in reached(graph)
    assert "Sink.fromSettings" not in reached(graph)
    assert not any(t.startswith("Settings.") for t in started)


def test_kotlin_style_invoke_through_an_app_interface(graph: CodeGraph) -> None:
    assert calls(graph, "Lcg/Runner;->go(Lcg/Block;)V") == {("App$3.invoke", "call")}
    assert "Sink.fromBlock" in reached(graph)


def test_static_initialiser_runs_on_first_use(graph: CodeGraph) -> None:
    assert ("Config.<clinit>", "clinit") in calls(graph, APP_ON_CREATE)


def test_payloads_are_skipped(graph: CodeGraph) -> None:
    assert calls(graph, "Lcg/Switches;->pick(I)I") == {("Sink.afterSwitch", "call")}


def test_depth_limit(graph: CodeGraph) -> None:
    assert "Deep.d14" in reached(graph) and "Deep.d15" not in reached(graph)
    assert "Sink.deepest" not in reached(graph)
    assert any("depth limit of 15 calls reached" in x for x in graph.limits)


def test_budget_limit(index: CodeIndex, entries: list[CodeEntry]) -> None:
    small = build_code_graph(index, entries, budget=5)
    assert len(small.nodes) == 5
    assert any("budget of 5 methods reached" in x for x in small.limits)


def test_deterministic(index: CodeIndex, entries: list[CodeEntry], graph: CodeGraph) -> None:
    again = build_code_graph(CodeIndex(index.tables), entries)
    assert again == graph


def test_ops_are_in_code_order_with_strings_and_refs(graph: CodeGraph) -> None:
    ops = nodes(graph)["Lcg/Reflect;->imei(Landroid/content/Context;)Ljava/lang/Object;"].ops
    names = [op for op in ops if op.startswith('"')]
    assert names == ['"phone', '"android.telephony.TelephonyManager', '"getImei']
    forname = ops.index("Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;")
    assert ops.index('"android.telephony.TelephonyManager') < forname
    gated = nodes(graph)[APP_ON_CREATE].ops
    key = gated.index('"user_agreed_privacy')
    assert gated[key + 1].startswith("Landroid/content/SharedPreferences;->getBoolean(")


def test_decoded_calls_agree_with_the_dex_reader(tables: DexTables, graph: CodeGraph) -> None:
    """Every method a reached method invokes is one read_dex attributes to its class."""
    refs = read_dex(tables.data).method_refs.as_dict()
    for node in graph.nodes:
        owner = node.method[1 : node.method.find(";")].replace("/", ".")
        for op in node.ops:
            if op.startswith("L") and "(" in op:
                assert owner in refs[op], (node.method, op)


def test_reflective_methods(index: CodeIndex) -> None:
    found = reflective_methods(index, ["cg.Reflect", "cg.App", "cg.Nope"])
    assert [n.method for n in found] == [
        "Lcg/Reflect;->imei(Landroid/content/Context;)Ljava/lang/Object;"
    ]


def test_only_methods_whose_bytes_hold_a_lookup_invoke_are_decoded(tables: DexTables) -> None:
    """The byte pre-check (an invoke opcode, then the index of a lookup method two bytes on)
    passes the method that calls getMethod and skips the others of its class (the private
    constructor), and the answer is the same as decoding every method."""
    from pi_scan.extract.callgraph import REFLECTIVE_LOOKUPS

    index = CodeIndex([tables])
    desc = "Lcg/Reflect;"
    checked = {
        sig: index.may_invoke(desc, code_off, REFLECTIVE_LOOKUPS)
        for sig, (_, code_off, _) in index.methods(desc).items()
    }
    assert checked == {
        "<init>()V": False,
        "imei(Landroid/content/Context;)Ljava/lang/Object;": True,
    }
    assert not index.may_invoke("Lcg/App;", 0, REFLECTIVE_LOOKUPS)  # no code
    assert not index.may_invoke(desc, 1, ("Lnot/There;->x(",))  # no such method in the DEX
    decoded: list[str] = []
    real = CodeIndex.code

    def counted(self: CodeIndex, method: str) -> object:
        decoded.append(method)
        return real(self, method)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CodeIndex, "code", counted)
        found = reflective_methods(CodeIndex([tables]), ["cg.Reflect", "cg.App"])
    assert [n.method for n in found] == [
        "Lcg/Reflect;->imei(Landroid/content/Context;)Ljava/lang/Object;"
    ]
    assert decoded == [n.method for n in found]


def test_a_malformed_dex_is_a_dex_format_error(tables: DexTables) -> None:
    truncated = tables.data[:0x200]  # the class data and code are past the end
    broken = DexTables(
        lambda: truncated,
        tables.strings,
        tables.types,
        tables.methods,
        tables.fields,
        tables.class_defs,
    )
    with pytest.raises(DexFormatError):
        CodeIndex([broken]).code(APP_ON_CREATE)


# --- in the extraction ----------------------------------------------------------------------


def test_extraction_records_entry_points_and_graph() -> None:
    facts = extract_facts(sample("sdk-collector.apk"))
    assert [e.kind for e in facts.entry_points] == [
        "application", "application", "provider", "provider", "receiver", "receiver",
        "launcher", "launcher",
    ]  # fmt: skip
    app = {n.method: n for n in facts.code_graph}[
        "Lorg/piscan/sample/sdkcollector/NewsApp;->onCreate()V"
    ]
    assert {e.target.split("->")[0] for e in app.edges} == {
        "Lcom/umeng/commonsdk/UMConfigure;",
        "Lcn/jpush/android/api/JPushInterface;",
        "Lcom/igexin/sdk/PushManager;",
        "Lcom/qq/e/comm/managers/GDTAdSdk;",
    }
    assert facts.code_graph_limits == ()


def test_multidex_graph_crosses_dex_files() -> None:
    facts = extract_facts(sample("multidex.apk"))
    reached_classes = {n.method.split("->")[0] for n in facts.code_graph}
    assert "Lorg/piscan/sample/multidex/tracking/DeviceInfo;" in reached_classes  # classes2.dex


def test_bundle_graph_uses_every_member() -> None:
    facts = extract_facts(sample("split.apks"))
    assert facts.entry_points and facts.code_graph


def test_a_failing_graph_is_a_limit_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> CodeGraph:
        raise DexFormatError("class_data of Lx; member counts exceed the file")

    monkeypatch.setattr("pi_scan.extract.build_code_graphs", broken)
    facts = extract_facts(sample("sdk-collector.apk"))
    assert facts.code_graph == () and facts.classes
    [limit] = facts.code_graph_limits
    assert limit.startswith("call graph not built: ") and "member counts exceed" in limit


def test_packed_sample_graph_holds_only_the_stub() -> None:
    facts = extract_facts(sample("packed.apk"))
    assert {n.method for n in facts.code_graph} == {
        "Lcom/stub/StubApp;-><init>()V",
        "Lcom/stub/StubApp;->attachBaseContext(Landroid/content/Context;)V",
    }


def test_large_apk_graph_is_budgeted() -> None:
    """Benchmarks/README.md measures this at scale; here: the budget holds on real code."""
    large = ROOT / "benchmarks" / ".cache" / "large.apk"
    if not large.exists():
        pytest.skip("benchmarks/.cache/large.apk not built")
    with zipfile.ZipFile(large) as zf:
        name = "classes.dex"
        tables = read_dex_tables(zf.read(name), name)[1]
    index = CodeIndex([tables])
    main = index.resolve("Lcom/android/tools/r8/D8;", "main([Ljava/lang/String;)V")
    if main is None:
        pytest.skip("D8 is not in classes.dex of this build")
    graph = build_code_graph(index, [CodeEntry(main, "application", "bench")], budget=2_000)
    # what only megamorphic call sites reach is left out of the 2,000 methods visited
    assert 0 < len(graph.nodes) <= 2_000
    assert any("budget of 2000 methods reached" in x for x in graph.limits)
    assert (
        max(
            sum(1 for e in n.edges if e.at == at and e.how == "dispatch")
            for n in graph.nodes
            for at in {e.at for e in n.edges}
        )
        <= cg.MAX_DISPATCH
    )


def test_constant_boolean_arguments_of_app_calls(graph: CodeGraph) -> None:
    """Privacy.setAuth(this, false), setAuth(this, mode > 0) and setAuth(this, true): the
    constants are read, the computed value (a branch sets it) is not."""
    app = nodes(graph)[APP_ON_CREATE]
    set_auth = "Lcg/Privacy;->setAuth(Landroid/content/Context;Z)V"
    calls_at = [pos for pos, op in enumerate(app.ops) if op == set_auth]
    assert len(calls_at) == 3
    values = {pos: value for pos, param, value in app.consts if param == 1}
    assert [values.get(pos) for pos in calls_at] == [0, None, 1]
    # the platform's own calls are not read (SharedPreferences.getBoolean(key, false))
    assert all(app.ops[pos].startswith("Lcg/") for pos, _, _ in app.consts)
