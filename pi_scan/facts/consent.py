"""Code evidence: who collects what before consent, through which calls, and what the app
shows of a privacy policy and a consent dialog.

`consent_facts()` is called by `pi_scan.facts.derive` and adds (see DERIVED_FACTS):

* `pre_consent`: sensitive APIs of the catalogue (method and field entries, weak ones left
  out; and the same reached by reflection with constant names) and SDK initialisations that
  the call graph (`code_graph`, from `pi_scan.extract.callgraph`) reaches from the entry
  points that run before any consent is possible.  Each comes with its chain of calls, the
  SDK (or first-party code) that makes the final call, whether a consent gate stands on the
  way, and a confidence;
* `reflection`: reflective lookups of catalogue APIs with constant class and member names,
  anywhere in the code;
* `sdks[].status`: "present", "initialised" (app code calls into it, or its own components
  start it) or "collects" (initialised, and its code makes a read that is collectable), and
  `sdks[].initialised_when`: "before-consent" (a reported pre-consent initialisation starts
  it), "after-consent", or null for an SDK only present;
* `policy_files`, `policy_urls`, `consent_flag_keys`, `consent_texts`,
  `account_deletion_texts`: what the app holds of a policy, a consent dialog and account
  deletion.

Consent gates.  A step of a chain (method M calling the next method, or the target, at
operation p) is gated when M, before p, reads a stored consent flag: a getter
(SharedPreferences, MMKV or an app's own get/is/has/read... helper) right after a constant key
that names consent ("privacy_agreed", "isAgreePrivacy", "同意隐私政策"...; keys naming a URL
are not flags), or a call of an app method that reads one (up to three calls down).  An SDK's
documented privacy switch (sdks.json `consent_init.privacy_api`: JPush setAuth, AMap
updatePrivacyAgree, Tencent Map setAgreePrivacy ...) called before p gates that SDK's
initialisation and collection.  A pre-initialisation documented as safe before consent
(`consent_init.pre_consent`, e.g. Umeng preInit) is not an initialisation, and neither it nor
a privacy switch is walked into: what the vendor documents as safe to call before consent is
not evidence against the app that calls it (JPush's setAuth reaches far into its SDK's code
through calls the graph can only guess at).

Confidence: high from the Application, providers and startup initializers through plain
calls (a virtual or interface call with a single possible run-time target is one); medium
through a call site with several possible targets, a thread or handler hand-over, reflection,
or from a broadcast receiver; low when reached only from the launcher activity, which may
show the consent dialog itself, or through three or more such guessed steps (MAX_LOOSE);
medium from the launcher of an app that shows no sign of any consent dialog (no consent
texts, refusal choice or consent flag), which then cannot be asking.

Weak catalogue entries (getPackageInfo, getSimOperator ..., used routinely for other ends) are
left out of `pre_consent`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pi_scan.facts.apis import ApiMatcher
from pi_scan.facts.catalog import ApiEntry
from pi_scan.facts.platform import PlatformCatalogue
from pi_scan.facts.sdks import SdkCatalogue, class_of_member
from pi_scan.facts.texts import joined as shared_join
from pi_scan.model import CodeNode, RefTable

FIRST_PARTY = "first-party"
TIER_OF = {"application": 0, "provider": 0, "startup": 0, "receiver": 1, "launcher": 2}
CONFIDENCE = ("high", "medium", "low")
LAUNCHER_NOTE = "reached only from the launcher activity, which may show the consent dialog itself"
NO_DIALOG_NOTE = "reached from the launcher activity; the app shows no consent dialog"
REFLECTIVE_METHODS = ("Ljava/lang/Class;->getMethod(", "Ljava/lang/Class;->getDeclaredMethod(")
REFLECTIVE_FIELDS = ("Ljava/lang/Class;->getField(", "Ljava/lang/Class;->getDeclaredField(")
FOR_NAME = "Ljava/lang/Class;->forName("
MAX_TEXTS = 20
MAX_KEYS = 50
READER_DEPTH = 3
KEY_WINDOW = 4  # a getter's key is among the operations just before it
# Edges of the call graph resolved by a guess at the run-time object: a call site with
# several possible targets, a hand-over, reflection.  A chain through MAX_LOOSE of them is
# low confidence.
LOOSE_STEPS = frozenset({"dispatch", "async", "reflection", "activity"})
# a callback handed over as a parameter, guessed among every one of its type: one such step
# makes a chain low confidence (checked by hand on real apps: those chains were mostly wrong)
GUESSED_STEPS = frozenset({"async-guess"})
MAX_LOOSE = 3
# code_graph_limits lines that leave the whole-app set incomplete (pi_scan.extract.callgraph)
INCOMPLETE = (
    "call graph not built",
    "whole-app call graph:",
    "call graph: budget",
    "call graph: depth",
)

# A constant key that names consent; one that names a URL or link is not a flag.
CONSENT_KEY = re.compile(
    r"(?i)(agree|consent|accept|privacy|policy|protocol|licen[cs]e|同意|隐私|协议|政策|授权)"
)
NOT_A_FLAG = re.compile(r"(?i)(url|link|http|www\.|\.html?$|\s)")
STORE_GETTERS = (
    "Landroid/content/SharedPreferences;->get",
    "Landroid/content/SharedPreferences;->contains(",
    "Lcom/tencent/mmkv/MMKV;->decode",
    "Lcom/tencent/mmkv/MMKV;->get",
    "Lcom/tencent/mmkv/MMKV;->contains",
    "Landroidx/datastore/",
)
APP_GETTER = re.compile(r";->(get|is|has|read|load|decode|contains|query|fetch)[A-Za-z0-9_]*\(")
# getters whose String argument names something else than a flag (a file, a service ...)
NOT_FLAG_GETTER = re.compile(
    r";->(getSharedPreferences|getSystemService|getDir|getDatabasePath|getFileStreamPath"
    r"|getIdentifier|getPackageInfo|getApplicationInfo|getDefaultSharedPreferences)\("
)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{2,63}$")
FLAG_STATE = re.compile(r"(?i)(agree|consent|accept|同意|授权)")
FLAG_SUBJECT = re.compile(r"(?i)(privacy|policy|protocol|licen[cs]e|user|terms|隐私|协议|政策)")

POLICY_FILE = re.compile(
    r"(?i)(privacy|policy|agreement|protocol|terms|yinsi|xieyi|隐私|协议|政策|条款)"
)
URL = re.compile(r"https?://[^\s\"'<>()]+")
POLICY_URL = re.compile(r"(?i)(privacy|policy|agreement|protocol|terms|yinsi|xieyi|隐私|协议)")
AGREE_WORD = re.compile(r"(?i)(同意|\bagree|\baccept|接受)")
POLICY_WORD = re.compile(r"(?i)(隐私|政策|协议|privacy|policy|terms of)")
# literal parts (lower case) that every match of the expressions below contains
AGREE_NEEDLES = ("同意", "agree", "accept", "接受")
FLAG_NEEDLES = ("agree", "consent", "accept", "同意", "授权")
DELETION_NEEDLES = ("注销", "删除", "account", "zhuxiao")
URL_NEEDLES = ("http",)
NEEDLES = (*AGREE_NEEDLES, *FLAG_NEEDLES, *DELETION_NEEDLES, *URL_NEEDLES)  # all of them
REFUSAL = re.compile(r"(?i)(不同意|拒绝|暂不使用|\bdisagree\b|\bdecline\b|\bdo not agree\b)")
DELETION = re.compile(
    r"(?i)(注销(账号|帐号|账户|帐户)|(账号|帐号|账户|帐户)注销|删除(账号|帐号)"
    r"|(delete|close|deactivate) (my |your |the )?account|account deletion"
    r"|zhuxiao|cancel_?account|account_?cancel|delete_?account|destroy_?account)"
)


# --------------------------------------------------------------------------------------------
# Entry
# --------------------------------------------------------------------------------------------


def consent_facts(
    facts: Mapping[str, Any],
    apis: ApiMatcher,
    catalogue: SdkCatalogue,
    sdks: list[dict[str, Any]],
    api_uses: Sequence[Mapping[str, Any]],
    components: Sequence[Mapping[str, Any]],
    platform: PlatformCatalogue | None = None,
    texts: tuple[Sequence[str], Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The derived code-evidence facts of one app; sets `status` on each of `sdks`.

    `texts` are the app's own (resource strings, DEX strings) that the policy, consent and
    deletion facts read (`app_resource_strings`, `app_strings`: no library's resources, no
    string only SDK or platform-library code loads); by default every resource and DEX string.

    With `platform`, a platform library's call of an API that needs a permission the app does
    not hold is no pre-consent target (the library checks the permission itself: AppCompat's
    TwilightManager), and items are attributed to "platform:<library>" when its code makes the
    final call."""
    owner = _Owners(catalogue)
    detected = {s["id"] for s in sdks}
    strings: Sequence[str] = facts.get("strings") or ()
    resources: Sequence[str] = facts.get("resource_strings") or ()
    own_strings = strings
    if texts is not None:
        resources, own_strings = texts
    nodes = list(facts.get("code_graph") or ())
    graph = _Graph(nodes)
    code_texts = _Texts(own_strings)
    all_texts = _Texts(resources).plus(code_texts)
    flag_keys = consent_flag_keys(code_texts, graph.flag_keys)
    consent_texts = _texts(all_texts, AGREE_WORD, AGREE_NEEDLES, _is_consent_text)
    # Without any sign of a consent dialog, the launcher activity does not show one either.
    refusal = [t for t in resources if REFUSAL.search(t)]
    dialog = bool(flag_keys or consent_texts or refusal)
    analysis = _Analysis(graph, apis, catalogue, owner, detected, _Present(strings), dialog)
    if platform is not None:
        analysis.platform = platform
        analysis.held = frozenset(facts.get("permissions") or ())
    pre_consent = analysis.findings(facts.get("entry_points") or ())
    reach = reachable_classes(facts)
    _set_status(sdks, facts.get("method_refs") or (), api_uses, components, owner, catalogue, reach)
    _set_when(sdks, pre_consent)
    return {
        "pre_consent": pre_consent,
        "reflection": reflection_uses(facts.get("reflection_code") or (), apis, owner),
        "policy_files": sorted(
            p
            for p in [*(facts.get("assets") or ()), *(facts.get("raw_resources") or ())]
            if POLICY_FILE.search(p.rsplit("/", 1)[-1])
        ),
        "policy_urls": policy_urls(all_texts),
        "consent_flag_keys": flag_keys,
        "consent_texts": consent_texts,
        "account_deletion_texts": _texts(all_texts, DELETION, DELETION_NEEDLES),
    }


# --------------------------------------------------------------------------------------------
# Owners of classes
# --------------------------------------------------------------------------------------------


class _Owners:
    """The SDK of a class (cached per class), from smali or dotted names."""

    def __init__(self, catalogue: SdkCatalogue) -> None:
        self.catalogue = catalogue
        self.cache: dict[str, str | None] = {}

    def of_class(self, name: str) -> str | None:
        try:
            return self.cache[name]
        except KeyError:
            found = self.cache[name] = self.catalogue.sdk_of_class(name)
            return found

    def of_member(self, smali: str) -> str | None:
        return self.of_class(smali[: smali.find("->")])


def short(smali: str) -> str:
    """'Lcom/a/B;->m(I)V' -> 'com.a.B.m' (for compact chains)."""
    if "->" not in smali:
        return smali
    name = smali[smali.find("->") + 2 :]
    cut = min((i for i in (name.find("("), name.find(":")) if i >= 0), default=len(name))
    return f"{class_of_member(smali)}.{name[:cut]}"


# --------------------------------------------------------------------------------------------
# The graph and its consent gates
# --------------------------------------------------------------------------------------------


class _Graph:
    """The reached methods by name, with the positions of consent checks in each."""

    def __init__(self, nodes: Iterable[CodeNode]) -> None:
        self.nodes: dict[str, CodeNode] = {}
        for node in nodes:
            self.nodes.setdefault(node.method, node)
        self.flag_keys: list[str] = []
        direct: dict[str, list[tuple[int, str]]] = {}
        for method, node in self.nodes.items():
            found = list(_flag_reads(node.ops))
            if found:
                direct[method] = found
                self.flag_keys.extend(key for _, key in found)
        readers: dict[str, str] = {
            m: f"reads consent flag {found[0][1]!r}" for m, found in direct.items()
        }
        for _ in range(READER_DEPTH):  # methods calling a reader read it too
            added = {}
            for method, node in self.nodes.items():
                if method in readers:
                    continue
                for edge in node.edges:
                    if edge.target in readers:
                        added[method] = f"{readers[edge.target]} (in {short(edge.target)})"
                        break
            if not added:
                break
            readers.update(added)
        self.gates: dict[str, list[tuple[int, str]]] = {}
        for method, node in self.nodes.items():
            gates = [(pos, f"reads consent flag {key!r}") for pos, key in direct.get(method, ())]
            gates += [
                (e.at, f"{readers[e.target]} (in {short(e.target)})")
                for e in node.edges
                if e.target in readers and e.target != method
            ]
            if gates:
                self.gates[method] = sorted(gates)

    def gate_before(self, method: str, pos: int) -> str | None:
        for at, text in self.gates.get(method, ()):
            if at < pos:
                return f"{text} in {short(method)}"
            break
        return None


def _flag_reads(ops: Sequence[str]) -> Iterable[tuple[int, str]]:
    """(position, key) of each getter call that reads a consent flag with a constant key."""
    for pos, op in enumerate(ops):
        if not op.startswith("L") or "(" not in op:
            continue
        store = op.startswith(STORE_GETTERS)
        if not store and not (APP_GETTER.search(op) and "Ljava/lang/String;" in op):
            continue
        if NOT_FLAG_GETTER.search(op):
            continue
        for back in range(pos - 1, max(pos - 1 - KEY_WINDOW, -1), -1):
            previous = ops[back]
            if previous.startswith('"'):
                key = previous[1:]
                if CONSENT_KEY.search(key) and not NOT_A_FLAG.search(key) and len(key) <= 64:
                    yield pos, key
                break


# --------------------------------------------------------------------------------------------
# Targets in one method
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    pos: int
    kind: str  # "api" or "sdk_init"
    target: str  # API id or SDK id
    ref: str
    sdk: str | None  # the SDK concerned (for privacy-switch gates)
    pi_type: str | None = None
    via: str = "call"  # "call", "reflection", "auto-init"
    documented: bool = False  # a documented post-consent initialisation


class _Analysis:
    def __init__(
        self,
        graph: _Graph,
        apis: ApiMatcher,
        catalogue: SdkCatalogue,
        owner: _Owners,
        detected: set[str],
        strings: Container[str],
        dialog: bool = True,
    ) -> None:
        self.graph = graph
        self.dialog = dialog
        self.apis = apis
        self.owner = owner
        self.detected = detected
        self.strings = strings
        self.consent: dict[str, Mapping[str, list[str]]] = {}
        for sid in sorted(detected):
            sdk = catalogue.by_id.get(sid)
            init = (sdk.raw.get("consent_init") if sdk is not None else None) or {}
            self.consent[sid] = {
                key: list(init.get(key) or ())
                for key in ("pre_consent", "post_consent", "privacy_api")
            }
        self.switches = [
            (prefix, sid) for sid, init in self.consent.items() for prefix in init["privacy_api"]
        ]
        # privacy switch -> the value of its last boolean argument that says the user agreed
        self.consent_values: dict[str, bool] = {}
        for sid in sorted(detected):
            sdk = catalogue.by_id.get(sid)
            init = (sdk.raw.get("consent_init") if sdk is not None else None) or {}
            self.consent_values.update(init.get("consent_values") or {})
        # documented as safe before consent (pre-initialisations and privacy switches, which
        # may live in another SDK's classes: JPush's switch is in JIGUANG's core)
        self.safe = tuple(
            prefix
            for init in self.consent.values()
            for key in ("pre_consent", "privacy_api")
            for prefix in init[key]
        )
        self._targets: dict[str, list[_Target]] = {}
        self.platform: PlatformCatalogue | None = None
        self.held: frozenset[str] = frozenset()

    def _platform_of(self, method: str) -> str | None:
        if self.platform is None:
            return None
        return self.platform.lib_of_class(method[: method.find("->")])

    # ---- what one method does

    def targets(self, method: str) -> list[_Target]:
        cached = self._targets.get(method)
        if cached is None:
            node = self.graph.nodes.get(method)
            cached = self._targets[method] = list(self._scan(method, node)) if node else []
        return cached

    def _scan(self, method: str, node: CodeNode) -> Iterable[_Target]:
        caller_sdk = self.owner.of_member(method)
        # a platform library's call that needs a permission the app lacks cannot read anything
        guarded = caller_sdk is None and self._platform_of(method) is not None
        for pos, op in enumerate(node.ops):
            if not op.startswith(("L", "[")):
                continue
            for entry in self.apis.entries_for(op):
                if (
                    guarded
                    and entry.requires_permission
                    and not self.held.intersection(entry.requires_permission)
                ):
                    continue
                if self._counts(entry):
                    yield _Target(pos, "api", entry.id, op, caller_sdk, entry.pi_type)
            if "(" in op:
                init = self._sdk_init(op, caller_sdk)
                if init is not None and self._accessor_of_safe_call(node.ops, pos):
                    init = None
                if init is not None:
                    yield _Target(pos, "sdk_init", init[0], op, init[0], documented=init[1])
        for pos, entry, text in reflective_calls(node.ops, self.apis):
            if self._counts(entry):
                yield _Target(pos, "api", entry.id, text, caller_sdk, entry.pi_type, "reflection")

    def _switch(self, node: CodeNode, pos: int) -> tuple[str, bool | None] | None:
        """The privacy switch called at `pos` with a documented consent value, and whether its
        constant argument says the user consented (None: not a constant)."""
        op = node.ops[pos]
        for prefix, agreed in self.consent_values.items():
            if op.startswith(prefix):
                args = [(param, value) for at, param, value in node.consts if at == pos]
                if not args:
                    return prefix, None
                return prefix, bool(max(args)[1]) == agreed
        return None

    def _accessor_of_safe_call(self, ops: Sequence[str], pos: int) -> bool:
        """Whether the call at `pos` only fetches the object a documented consent-safe call
        of the same class is made on next (Getui's PushManager.getInstance().preInit(ctx))."""
        if not self.safe or pos + 1 >= len(ops):
            return False
        op, following = ops[pos], ops[pos + 1]
        return following.startswith(self.safe) and following.startswith(op[: op.find("->") + 2])

    def _counts(self, entry: ApiEntry) -> bool:
        if entry.weak or entry.kind not in ("method", "field"):
            return False
        return entry.with_string is None or entry.with_string in self.strings

    def _sdk_init(self, ref: str, caller_sdk: str | None) -> tuple[str, bool] | None:
        sid = self.owner.of_member(ref)
        if sid is None or sid not in self.detected or sid == caller_sdk:
            return None
        if self.safe and ref.startswith(self.safe):
            return None
        return sid, ref.startswith(tuple(self.consent[sid]["post_consent"]))

    def switch_before(self, method: str, pos: int, sdk: str | None) -> str | None:
        """The first documented privacy switch of `sdk` that `method` calls before `pos`."""
        if sdk is None:
            return None
        node = self.graph.nodes.get(method)
        prefixes = tuple(prefix for prefix, sid in self.switches if sid == sdk)
        if node is None or not prefixes:
            return None
        for at, op in enumerate(node.ops[:pos]):
            if not op.startswith(prefixes):
                continue
            switch = self._switch(node, at)
            if switch is None:  # no documented argument: calling it is the gate
                return f"calls {sdk}'s privacy switch {short(op)} first, in {short(method)}"
            if switch[1] is False:  # told that consent is not given: it does not collect
                return (
                    f"calls {sdk}'s privacy switch {short(op)} first with consent not given, "
                    f"in {short(method)}"
                )
            # consent granted (then the SDK collects) or an argument not known: no gate
        return None

    # ---- the search

    def findings(self, entries: Iterable[Any]) -> list[dict[str, Any]]:
        roots = [_entry(e) for e in entries]
        roots = [r for r in roots if r[0] in self.graph.nodes]
        best: dict[tuple[str, str, str], tuple[tuple[int, ...], dict[str, Any]]] = {}
        for phase, gated in enumerate((False, True)):
            visited: set[str] = set()
            for tier in (0, 1, 2):
                starts = [r for r in roots if TIER_OF.get(r[1], 2) == tier and r[0] not in visited]
                self._search(starts, tier, phase, gated, visited, best)
        self._auto_init(roots, best)
        found = [item for _, item in best.values()]
        return sorted(found, key=lambda f: (f["gated"], f["kind"], f["target"], f["attributed_to"]))

    def _search(
        self,
        starts: list[tuple[str, str, str]],
        tier: int,
        phase: int,
        allow_gated: bool,
        visited: set[str],
        best: dict[tuple[str, str, str], tuple[tuple[int, ...], dict[str, Any]]],
    ) -> None:
        parent: dict[str, str | None] = {}
        root_of: dict[str, tuple[str, str, str]] = {}
        gate_of: dict[str, str | None] = {}
        loose: dict[str, int] = {}  # steps through dispatch, a hand-over or reflection
        depth: dict[str, int] = {}
        queue: deque[str] = deque()
        for root in starts:
            if root[0] in visited:
                continue
            visited.add(root[0])
            parent[root[0]] = None
            root_of[root[0]] = root
            gate_of[root[0]] = None
            loose[root[0]] = 0
            depth[root[0]] = 0
            queue.append(root[0])
        while queue:
            method = queue.popleft()
            path_gate = gate_of[method]
            for target in self.targets(method):
                gate = (
                    path_gate
                    or self.graph.gate_before(method, target.pos)
                    or self.switch_before(method, target.pos, target.sdk)
                )
                if gate is not None and not allow_gated:
                    continue
                chain = self._chain(method, parent)
                if target.kind == "api" and not self._app_reaches(method, chain):
                    continue  # a platform library's own start-up (Instant Run's bootstrap)
                item = self._item(target, method, chain, root_of[method], tier, gate, loose[method])
                key = (item["kind"], item["target"], item["attributed_to"])
                rank = (phase, tier, depth[method], 0 if target.documented else 1)
                if key not in best or rank < best[key][0]:
                    best[key] = (rank, item)
            node = self.graph.nodes[method]
            for edge in node.edges:
                pos, nxt, how = edge.at, edge.target, edge.how
                if nxt in visited or nxt not in self.graph.nodes:
                    continue
                if self.safe and nxt.startswith(self.safe):
                    continue  # documented as safe before consent: the vendor's to keep
                gate = (
                    path_gate
                    or self.graph.gate_before(method, pos)
                    # told that consent is not given, the SDK's own code collects nothing
                    or self.switch_before(method, pos, self.owner.of_member(nxt))
                )
                if gate is not None and not allow_gated:
                    continue
                visited.add(nxt)
                parent[nxt] = method
                root_of[nxt] = root_of[method]
                gate_of[nxt] = gate
                loose[nxt] = loose[method] + (
                    MAX_LOOSE if how in GUESSED_STEPS else how in LOOSE_STEPS
                )
                depth[nxt] = depth[method] + 1
                queue.append(nxt)

    @staticmethod
    def _chain(method: str, parent: Mapping[str, str | None]) -> list[str]:
        chain = [method]
        step = parent.get(method)
        while step is not None:
            chain.append(step)
            step = parent.get(step)
        return chain[::-1]

    def _app_reaches(self, method: str, chain: list[str]) -> bool:
        """A platform library's call site counts only when the app's own code is on the way
        to it: a chain that runs in platform-library code from its entry point on (a library
        Application class the manifest names) is the library's business."""
        if self.owner.of_member(method) is not None or self._platform_of(method) is None:
            return True
        return any(self.owner.of_member(m) is None and self._platform_of(m) is None for m in chain)

    def _item(
        self,
        target: _Target,
        method: str,
        chain: list[str],
        root: tuple[str, str, str],
        tier: int,
        gate: str | None,
        loose: int,
    ) -> dict[str, Any]:
        level = tier
        if level == 0 and (loose or target.via == "reflection"):
            level = 1
        if level == 2 and not self.dialog:
            level = 1
        if loose >= MAX_LOOSE:  # each step is a guess at the object the code holds
            level = 2
        caller_sdk = self.owner.of_member(method)
        lib = None if caller_sdk else self._platform_of(method)
        attributed = caller_sdk or (f"platform:{lib}" if lib else FIRST_PARTY)
        full = [*chain, target.ref]
        confidence = CONFIDENCE[level]
        note = f"{confidence} confidence"
        if root[1] == "launcher":
            note += f": {LAUNCHER_NOTE if self.dialog else NO_DIALOG_NOTE}"
        shown = _compact([short(m) for m in chain] + [short(target.ref)])
        summary = f"{target.target}: {shown} [{note}]"
        if gate:
            summary += f" (gated: {gate})"
        return {
            "entry": root[0],
            "entry_kind": root[1],
            "component": root[2],
            "kind": target.kind,
            "target": target.target,
            "pi_type": target.pi_type,
            "ref": target.ref,
            "chain": full,
            "via": target.via,
            "attributed_to": attributed,
            "callers": [class_of_member(method)],
            "gated": gate is not None,
            "gate": gate,
            "confidence": confidence,
            "summary": summary,
        }

    def _auto_init(
        self,
        roots: list[tuple[str, str, str]],
        best: dict[tuple[str, str, str], tuple[tuple[int, ...], dict[str, Any]]],
    ) -> None:
        """An SDK's own provider or startup initializer initialises it before consent: its
        onCreate (create) is the SDK's code and calls on into the app's code or reads PI."""
        for method, kind, component in roots:
            if kind not in ("provider", "startup") or not re.search(
                r"->(onCreate|create)\(", method
            ):
                continue
            sid = self.owner.of_member(method)
            if sid is None or sid not in self.detected:
                continue
            key = ("sdk_init", sid, sid)
            if key in best or not (self.graph.nodes[method].edges or self.targets(method)):
                continue
            what = "provider" if kind == "provider" else "androidx.startup initializer"
            summary = (
                f"{sid}: {short(method)} [high confidence: its auto-init {what} "
                f"{component} runs before Application.onCreate]"
            )
            best[key] = (
                (0, 0, 0, 1),
                {
                    "entry": method,
                    "entry_kind": kind,
                    "component": component,
                    "kind": "sdk_init",
                    "target": sid,
                    "pi_type": None,
                    "ref": method,
                    "chain": [method],
                    "via": "auto-init",
                    "attributed_to": sid,
                    "callers": [class_of_member(method)],
                    "gated": False,
                    "gate": None,
                    "confidence": "high",
                    "summary": summary,
                },
            )


def _entry(entry: Any) -> tuple[str, str, str]:
    get: Callable[[str], Any] = (
        entry.get if isinstance(entry, Mapping) else lambda k: getattr(entry, k)
    )
    return str(get("method")), str(get("kind")), str(get("component"))


def _compact(steps: list[str], keep: int = 2) -> str:
    """entry -> a -> ... (n more) ... -> y -> target."""
    if len(steps) <= 2 * keep + 1:
        return " -> ".join(steps)
    hidden = len(steps) - 2 * keep
    return " -> ".join([*steps[:keep], f"... ({hidden} more)", *steps[-keep:]])


# --------------------------------------------------------------------------------------------
# Reflection
# --------------------------------------------------------------------------------------------


def reflective_calls(ops: Sequence[str], apis: ApiMatcher) -> Iterable[tuple[int, ApiEntry, str]]:
    """(position, catalogue entry, description) of each reflective lookup of a catalogue API
    with constant names: the member name is the last constant string before the lookup, the
    class the last class-name constant (a string or a const-class) before that."""
    for pos, op in enumerate(ops):
        methods = op.startswith(REFLECTIVE_METHODS)
        if not methods and not op.startswith(REFLECTIVE_FIELDS):
            continue
        member_at = next((i for i in range(pos - 1, -1, -1) if ops[i].startswith('"')), None)
        if member_at is None:
            continue
        member = ops[member_at][1:]
        cls = None
        for i in range(member_at - 1, -1, -1):
            candidate = ops[i]
            if candidate.startswith("@L"):
                cls = candidate[1:]
                break
            if candidate.startswith('"') and _looks_like_class(candidate[1:]):
                cls = "L" + candidate[1:].replace(".", "/") + ";"
                break
        if cls is None:
            continue
        ref = f"{cls}->{member}" + ("(" if methods else ":")
        dotted = class_of_member(cls + "->")
        text = f"reflection: {dotted}.{member} ({'getMethod' if methods else 'getField'})"
        for entry in apis.entries_for(ref):
            yield pos, entry, text


def _looks_like_class(text: str) -> bool:
    parts = text.split(".")
    return len(parts) >= 2 and all(p.isidentifier() for p in parts)


def reflection_uses(
    nodes: Iterable[CodeNode], apis: ApiMatcher, owner: _Owners | None = None
) -> list[dict[str, Any]]:
    """Every reflective lookup of a catalogue API with constant names, sorted."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for node in nodes:
        for _pos, entry, text in reflective_calls(node.ops, apis):
            caller = class_of_member(node.method)
            sdk = owner.of_class(caller) if owner is not None else None
            target = text.split(": ", 1)[1].split(" (", 1)[0]
            out.setdefault(
                (entry.id, node.method),
                {
                    "id": entry.id,
                    "pi_type": entry.pi_type,
                    "target": target,
                    "method": node.method,
                    "callers": [caller],
                    "sdk": sdk,
                    "first_party": sdk is None,
                    "summary": f"{entry.id}: {target} looked up by reflection in "
                    f"{short(node.method)}",
                },
            )
    return [out[k] for k in sorted(out)]


# --------------------------------------------------------------------------------------------
# SDK status
# --------------------------------------------------------------------------------------------


def reachable_classes(facts: Mapping[str, Any]) -> frozenset[str] | None:
    """The classes (dotted) with a method in the whole-app reachable set (`app_reachable`),
    or None when that set may be incomplete: not built, or a limit of the walk was reached
    (budget, depth, a call site with too many targets)."""
    methods: Sequence[str] = facts.get("app_reachable") or ()
    limits: Sequence[str] = facts.get("code_graph_limits") or ()
    if not methods or any(line.startswith(INCOMPLETE) for line in limits):
        return None
    return frozenset(class_of_member(m) for m in methods)


def _set_when(sdks: list[dict[str, Any]], pre_consent: Sequence[Mapping[str, Any]]) -> None:
    """`initialised_when` of each started SDK: "before-consent" when an ungated pre-consent
    initialisation of high or medium confidence (what PI-CONS-002 reports) starts it, else
    "after-consent"; null for an SDK that is only present."""
    before = {
        str(item["target"])
        for item in pre_consent
        if item["kind"] == "sdk_init"
        and not item["gated"]
        and item["confidence"] in ("high", "medium")
    }
    for sdk in sdks:
        if sdk.get("status") in ("initialised", "collects"):
            sdk["initialised_when"] = "before-consent" if sdk["id"] in before else "after-consent"
        else:
            sdk["initialised_when"] = None


def _set_status(
    sdks: list[dict[str, Any]],
    method_refs: Iterable[Any],
    api_uses: Sequence[Mapping[str, Any]],
    components: Sequence[Mapping[str, Any]],
    owner: _Owners,
    catalogue: SdkCatalogue,
    reach: Container[str] | None = None,
) -> None:
    """present / initialised / collects, with the evidence for the status (a few items).
    With the whole-app reachable classes (`reach`), only code the app can run counts: an
    SDK whose PI-reading code nothing reaches does not collect, and a call from first-party
    code nothing reaches does not initialise."""
    detected = {s["id"] for s in sdks}
    switches = tuple(  # privacy switches and documented pre-initialisations
        prefix
        for sid in sorted(detected)
        if sid in catalogue.by_id
        for key in ("privacy_api", "pre_consent")
        for prefix in (catalogue.by_id[sid].raw.get("consent_init") or {}).get(key) or ()
    )
    evidence: dict[str, list[str]] = {sid: [] for sid in detected}
    collects: dict[str, list[str]] = {sid: [] for sid in detected}
    for use in api_uses:  # only reads that can return PI to this app count
        if use.get("kind") not in ("method", "field") or not use.get("collectable"):
            continue
        if reach is None:
            for sid in use.get("sdks") or ():
                if sid in collects:
                    collects[sid].append(str(use["id"]))
            continue
        for caller in use.get("callers") or ():
            sid = owner.of_class(caller)
            if sid in collects and caller in reach:
                collects[sid].append(str(use["id"]))
    for component in components:
        sid = component.get("sdk")
        if sid in evidence and component.get("kind") == "provider":
            evidence[sid].append(f"auto-init provider {component.get('name')}")
        for started in component.get("starts_sdks") or ():
            if started in evidence:
                evidence[started].append(f"androidx.startup initializer in {component.get('name')}")
    # only references into the detected SDKs' packages (a C-level prefix test per reference)
    packages = tuple(
        "L" + prefix.replace(".", "/")
        for sid in sorted(detected)
        if sid in catalogue.by_id
        for prefix in (*catalogue.by_id[sid].prefixes, *catalogue.by_id[sid].packages)
    )
    by_owner: dict[str, str | None] = {}
    started_by: dict[str, dict[str, str]] = {}  # SDK -> SDKs whose code calls it, a caller each
    table = RefTable.of(method_refs if packages else ())
    for i, text in enumerate(table.refs):
        if not text.startswith(packages):
            continue
        callers = table.callers(i)
        if not callers:
            continue
        if switches and text.startswith(switches):  # the user's choice, a safe pre-init: no start
            continue
        cls = text[: text.find("->")]
        try:
            sid = by_owner[cls]
        except KeyError:
            sid = by_owner[cls] = owner.of_class(cls)
        if sid is None or sid not in evidence:
            continue
        for c in callers:  # another detected SDK's code the app can run calling into this one
            if reach is not None and c not in reach:
                continue
            other = owner.of_class(c)
            if other is not None and other != sid and other in evidence:
                started_by.setdefault(sid, {}).setdefault(other, c)
        if len(evidence[sid]) >= 3:
            continue
        first = next(
            (c for c in callers if owner.of_class(c) is None and (reach is None or c in reach)),
            None,
        )
        if first is not None:
            evidence[sid].append(f"called from {first}: {short(text)}")
    # an SDK that a started SDK calls is started too (a map SDK starting its location SDK)
    changed = True
    while changed:
        changed = False
        for sid, callers_by_sdk in sorted(started_by.items()):
            if evidence[sid]:
                continue
            awake = sorted(other for other in callers_by_sdk if evidence[other])
            if awake:
                evidence[sid].append(f"called from SDK {awake[0]} ({callers_by_sdk[awake[0]]})")
                changed = True
    for sdk in sdks:  # code nothing starts collects nothing: collects needs initialised
        sid = sdk["id"]
        if collects[sid] and evidence[sid]:
            sdk["status"] = "collects"
            sdk["status_evidence"] = sorted(set(collects[sid]))[:5]
        elif evidence[sid]:
            sdk["status"] = "initialised"
            sdk["status_evidence"] = evidence[sid][:3]
        else:
            sdk["status"] = "present"
            sdk["status_evidence"] = []


# --------------------------------------------------------------------------------------------
# Policy and consent texts
# --------------------------------------------------------------------------------------------


class _Texts:
    """Texts searched by literal needles (`JoinedTexts.find_folded`) and then by a regular
    expression: only the texts a needle hits meet the expression.  `plus` searches several
    groups (resource strings and DEX strings) as one, without copying them together."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.groups = [(texts, shared_join(texts))]  # the rules search the same texts

    def plus(self, other: _Texts) -> _Texts:
        """These texts and `other`'s, searched as one (each group joined once)."""
        both = _Texts(())
        both.groups = self.groups + other.groups
        return both

    def having(self, pattern: re.Pattern[str], needles: Iterable[str]) -> list[str]:
        """The texts in which `pattern` matches; each match must contain one of `needles`
        (lower case)."""
        needles = list(needles)
        found: list[str] = []
        for texts, joined in self.groups:
            hits = sorted({k for needle in needles for k in joined.find_folded(needle)})
            found += (texts[k] for k in hits if pattern.search(texts[k]))
        return found


class _Present:
    """Whether a string is among the app's strings, each answer kept (a set of half a million
    strings would cost 30 MB for the few strings asked about)."""

    def __init__(self, strings: Sequence[str]) -> None:
        self.strings = strings
        self.known: dict[str, bool] = {}

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        found = self.known.get(text)
        if found is None:
            found = self.known[text] = text in self.strings
        return found


def policy_urls(texts: _Texts) -> list[str]:
    found: set[str] = set()
    for text in texts.having(URL, URL_NEEDLES):
        for url in URL.findall(text):
            if POLICY_URL.search(url) or POLICY_URL.search(text):
                found.add(url.rstrip(".,;"))
    return sorted(found)[: MAX_TEXTS * 2]


def consent_flag_keys(strings: _Texts, read_in_code: Iterable[str]) -> list[str]:
    """Keys the code reads as consent flags, and identifiers in the code that name one."""
    keys = set(read_in_code)
    for text in strings.having(FLAG_STATE, FLAG_NEEDLES):
        if IDENTIFIER.match(text) and FLAG_SUBJECT.search(text):
            keys.add(text)
    return sorted(keys)[:MAX_KEYS]


def _is_consent_text(text: str) -> bool:
    return len(text) <= 500 and bool(POLICY_WORD.search(text))


def _texts(
    texts: _Texts,
    pattern: re.Pattern[str],
    needles: Iterable[str],
    test: Callable[[str], object] = bool,
) -> list[str]:
    found = {t for t in texts.having(pattern, needles) if test(t)}
    return sorted(found, key=lambda t: (len(t), t))[:MAX_TEXTS]
