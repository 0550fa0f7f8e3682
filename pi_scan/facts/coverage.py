"""Coverage: could the scan see the code that the app runs?

A packer (加固) or protector encrypts the app's DEX code and ships a stub that decrypts or
loads it at run time; a DEX file may also be unreadable.  Then every check that reads code
(sensitive APIs, SDK classes, pre-consent chains, strings in code) sees only part of the app,
and a pass of such a check means nothing.  `coverage_facts()` (called by `derive`) finds:

* `packers`: packers and protectors, from their stub Application class (the manifest's
  `<application android:name>`), stub classes in the DEX, native libraries (catalogue
  category "packer" in sdks.json, and the names below) and files under assets/ (native
  libraries shipped there, encrypted payloads with known names), and an Application class
  that the manifest names but no DEX file defines (code loaded at run time);
* `coverage_limits`: one line per reason the code seen is not the code that runs (each
  packer, each DEX file that could not be read, a manifest class missing from the code, a
  call graph that could not be built).  Empty when the scan saw all the code.

`Coverage` in results is built from those (pi_scan.batch.judge), with `code_rules()`: the rules
that read code in a way that finding nothing lets them pass.  With partial coverage their
passes become "not evaluated" (`apply_coverage`): never a silent pass.

Stub class and file names: verified against public packer-detection code (APKiD-style lists in
several open-source tools); the catalogue's packer entries give the native libraries.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pi_scan.facts.sdks import SdkCatalogue
from pi_scan.model import AllOf, AnyOf, Condition, Coverage, Leaf, Not, Outcome, Rule, Status

PACKER = "packer"
UNKNOWN = "packer-unknown"

# Names of packers the SDK catalogue has no entry for.
PACKER_NAMES: Mapping[str, str] = {
    "packer-alibaba": "Alibaba Jushi packer",
    "packer-dingxiang": "DingXiang packer",
    UNKNOWN: "unidentified packer (the Application class is loaded at run time)",
}

# Stub Application classes (and stub classes in the DEX) -> packer id.
STUB_CLASSES: Mapping[str, str] = {
    "com.stub.StubApp": "packer-jiagu360",
    "com.qihoo.util.StubApplication": "packer-jiagu360",
    "com.tencent.StubShell.TxAppEntry": "packer-legu",
    "com.secneo.apkwrapper.ApplicationWrapper": "packer-bangcle",
    "com.secshell.shellwrapper.SecAppWrapper": "packer-bangcle",
    "com.bangcle.protect.ApplicationWrapper": "packer-bangcle",
    "com.SecShell.SecShell": "packer-bangcle",
    "s.h.e.l.l.S": "packer-ijiami",
    "com.shell.SuperApplication": "packer-ijiami",
    "com.baidu.protect.StubApplication": "packer-baidu",
    "com.ali.mobisecenhance.StubApplication": "packer-alibaba",
    "com.netease.nis.wrapper.MyApplication": "packer-yidun",
    "com.dingxiang.mobile.DXApplication": "packer-dingxiang",
}

# File names (of native libraries, and of files under assets/) -> packer id.
PACKER_FILES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), packer)
    for pattern, packer in (
        (r"^libjiagu.*\.(so|jar)$", "packer-jiagu360"),
        (r"^libshell[ax].*\.so$", "packer-legu"),
        (r"^libshell-super\..*\.so$", "packer-legu"),
        (r"^(libSecShell.*\.so|libDexHelper.*\.so|secData0\.jar)$", "packer-bangcle"),
        (r"^(libexecmain.*\.so|ijiami.*\.(dat|ajm))$", "packer-ijiami"),
        (r"^(libbaiduprotect.*\.so|baiduprotect.*\.jar)$", "packer-baidu"),
        (r"^(libmobisec.*\.so|aliprotect\.dat)$", "packer-alibaba"),
        (r"^libnesec.*\.so$", "packer-yidun"),
    )
)

# Facts that are read from the code (DEX).  A rule that fires on them when they hold
# something passes when the code is hidden: with partial coverage that pass is not real.
CODE_FACTS = frozenset(
    {
        "classes",
        "method_refs",
        "field_refs",
        "strings",
        "string_users",
        "app_strings",
        "api_uses",
        "collectable_api_uses",
        "api_pi_types",
        "pre_consent",
        "reflection",
        "sdks",
        "sdk_categories",
        "entry_points",
        "code_graph",
        "reflection_code",
        "intent_query_code",
        "installed_app_lists",
        "platform_api_uses",
        "dormant_api_uses",
        "app_reachable",
        "policy_urls",
        "consent_flag_keys",
        "consent_texts",
        "account_deletion_texts",
    }
)

_DEX_WARNING = re.compile(r"(?:^|!)(?:<prepended dex>|[^\s:!]+\.dex): ")


def coverage_facts(
    facts: Mapping[str, Any], sdks: Sequence[Mapping[str, Any]], catalogue: SdkCatalogue
) -> dict[str, Any]:
    """`packers` and `coverage_limits` of one app (see the module docstring)."""
    classes = facts.get("classes") or ()
    class_set = set(classes)
    found: dict[str, list[str]] = {}

    def add(packer: str, signal: str) -> None:
        signals = found.setdefault(packer, [])
        if signal not in signals:
            signals.append(signal)

    for sdk in sdks:
        if sdk.get("category") == PACKER:
            for item in sdk.get("evidence") or ():
                add(str(sdk["id"]), f"{item['kind']} {item['value']}")
    app_class = facts.get("application.class")
    if isinstance(app_class, str) and app_class in STUB_CLASSES:
        add(STUB_CLASSES[app_class], f"application {app_class}")
    for name in sorted(class_set.intersection(STUB_CLASSES)):
        add(STUB_CLASSES[name], f"class {name}")
    for lib in facts.get("native_libs") or ():
        packer = _packer_of_file(str(lib.get("name", "")), catalogue)
        if packer is not None:
            add(packer, f"native_lib {lib.get('name')}")
    for asset in facts.get("assets") or ():
        packer = _packer_of_file(asset.rsplit("/", 1)[-1], catalogue)
        if packer is not None:
            add(packer, f"asset {asset}")
    dex_files = facts.get("dex_files") or ()
    missing = _missing_classes(facts, class_set)
    if isinstance(app_class, str) and app_class in missing.values() and not found and dex_files:
        add(UNKNOWN, f"application {app_class} not in the DEX files")
    packers = [
        {
            "id": pid,
            "name": _name(pid, catalogue),
            "signals": signals[:5],
            "summary": f"{_name(pid, catalogue)}: {', '.join(signals[:3])}",
        }
        for pid, signals in sorted(found.items())
    ]
    limits = [
        f"packed or protected by {packer['name']} ({', '.join(packer['signals'][:2])}): "
        f"the code that runs is decrypted or loaded at run time; the DEX files read here "
        f"define {len(classes)} classes"
        for packer in packers
    ]
    limits += [
        f"DEX file not read: {w}" for w in facts.get("warnings") or () if _DEX_WARNING.search(w)
    ]
    for what, name in missing.items():
        limits.append(f"the manifest's {what} {name} is not in the DEX files")
    if not dex_files and facts.get("components"):
        limits.append("no DEX file, yet the manifest declares components")
    limits += [x for x in facts.get("code_graph_limits") or () if x.startswith("call graph not")]
    return {"packers": packers, "coverage_limits": limits}


def _packer_of_file(name: str, catalogue: SdkCatalogue) -> str | None:
    sid = catalogue.sdk_of_native_lib(name)
    if sid is not None and catalogue.by_id[sid].category == PACKER:
        return sid
    return next((packer for pattern, packer in PACKER_FILES if pattern.match(name)), None)


def _name(packer: str, catalogue: SdkCatalogue) -> str:
    sdk = catalogue.by_id.get(packer)
    return sdk.name if sdk is not None else PACKER_NAMES.get(packer, packer)


def _missing_classes(facts: Mapping[str, Any], classes: set[str]) -> dict[str, str]:
    """The Application class and launcher activity, when the manifest names them and no DEX
    file defines them."""
    if not facts.get("dex_files"):
        return {}
    out: dict[str, str] = {}
    app_class = facts.get("application.class")
    if isinstance(app_class, str) and app_class and app_class not in classes:
        out["Application class"] = app_class
    launcher = facts.get("launcher_activity")
    aliases = {
        c.get("name"): c.get("target_activity")
        for c in facts.get("components") or ()
        if c.get("kind") == "activity-alias"
    }
    launcher = aliases.get(launcher) or launcher
    if isinstance(launcher, str) and launcher and launcher not in classes:
        out["launcher activity"] = launcher
    return out


# --------------------------------------------------------------------------------------------
# Rules that read code, and the coverage of a result
# --------------------------------------------------------------------------------------------


def code_rules(rules: Iterable[Rule]) -> tuple[str, ...]:
    """Ids of the rules that would fire on something found in code: they read a code fact
    outside any `not` (finding nothing there makes them pass)."""
    return tuple(r.id for r in rules if _reads_code(r.condition, negated=False))


def _reads_code(cond: Condition, negated: bool) -> bool:
    if isinstance(cond, Leaf):
        return not negated and cond.fact in CODE_FACTS
    if isinstance(cond, Not):
        return _reads_code(cond.item, not negated)
    items = cond.items if isinstance(cond, AllOf | AnyOf) else ()
    return any(_reads_code(c, negated) for c in items)


def coverage_of(seen: Mapping[str, Any], rules: Iterable[Rule]) -> Coverage:
    """The coverage of one app's scan from its derived facts."""
    limits = tuple(seen.get("coverage_limits") or ())
    packers = tuple(str(p["name"]) for p in seen.get("packers") or ())
    runtime = tuple(str(c["id"]) for c in seen.get("runtime_calls") or () if c.get("id"))
    if not limits:
        return Coverage(complete=True, packers=packers, runtime_apis=runtime)
    return Coverage(
        complete=False,
        packers=packers,
        limits=limits,
        rules=code_rules(rules),
        runtime_apis=runtime,
    )


def apply_coverage(
    outcomes: Iterable[Outcome], coverage: Coverage
) -> tuple[tuple[Outcome, ...], Coverage]:
    """With partial coverage, the passes of the code-level rules become "not evaluated"; the
    coverage returned names the rules that were."""
    if coverage.complete:
        return tuple(outcomes), coverage
    shown = "; ".join(coverage.limits[:2])
    if len(coverage.limits) > 2:
        shown += f" (+{len(coverage.limits) - 2})"
    reason = f"the app's code could not all be read, so finding nothing proves nothing: {shown}"
    code = set(coverage.rules)
    out: list[Outcome] = []
    skipped: list[str] = []
    for outcome in outcomes:
        if outcome.status is Status.PASSED and outcome.rule_id in code:
            outcome = dataclasses.replace(outcome, status=Status.NOT_EVALUATED, reason=reason)
            skipped.append(outcome.rule_id)
        out.append(outcome)
    return tuple(out), dataclasses.replace(coverage, rules=tuple(skipped))
