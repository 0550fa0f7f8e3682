"""Core data types of pi-scan.

Every stage of the pipeline (discover -> extract -> facts -> engine -> outcomes -> verdict ->
reports -> exit code) exchanges these frozen dataclasses.  This module imports nothing from
pi_scan, so any stage may depend on it without creating cycles.
"""

from __future__ import annotations

import hashlib
import io
import json
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, overload

# --------------------------------------------------------------------------------------------
# Facts: what the extractor found in one app.  `pi-scan facts` prints them; rules read them.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """One signing certificate."""

    scheme: str  # "v1", "v2" or "v3"
    subject: str  # RFC 4514 string, e.g. "CN=Sample,O=pi-scan"
    sha256: str  # lower-case hex fingerprint of the DER certificate


@dataclass(frozen=True)
class PermissionUse:
    """One <uses-permission> (or <uses-permission-sdk-23>) element."""

    name: str
    max_sdk: int | None = None
    sdk23: bool = False  # declared with <uses-permission-sdk-23>


@dataclass(frozen=True)
class CustomPermission:
    """One <permission> element: a permission the app defines itself."""

    name: str
    protection_level: str | None = None


@dataclass(frozen=True)
class Component:
    """One activity, activity-alias, service, receiver or provider of the manifest."""

    kind: str  # "activity", "activity-alias", "service", "receiver", "provider"
    name: str  # fully qualified class name (or alias name)
    exported: bool  # effective value, including the implicit rule below API 31
    exported_explicit: bool | None = None  # the android:exported attribute as written
    enabled: bool = True
    permission: str | None = None
    authorities: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    meta_data: Mapping[str, str] = field(default_factory=dict)
    target_activity: str | None = None  # activity-alias only
    process: str | None = None


@dataclass(frozen=True)
class Feature:
    """One <uses-feature> element."""

    name: str
    required: bool = True


@dataclass(frozen=True)
class NativeLib:
    """One native library found in the archive."""

    name: str  # file name, e.g. "libjcore.so"
    abi: str  # e.g. "arm64-v8a"
    path: str  # zip entry path


@dataclass(frozen=True)
class MemberRef:
    """A method or field referenced by DEX code, with the classes whose code uses it."""

    ref: str  # smali form: "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    callers: tuple[str, ...] = ()  # dotted names of classes whose code invokes/reads it, sorted

    # Rules read facts as mappings; a DEX holds hundreds of thousands of references, so they
    # are served as they are instead of being copied into dicts.
    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in ("ref", "callers") else default

    def __getitem__(self, key: str) -> Any:
        if key not in ("ref", "callers"):
            raise KeyError(key)
        return getattr(self, key)


def uint32_array(values: Any) -> array[int]:
    """A numpy array of non-negative ints below 2**32 as a compact array of unsigned 32-bit
    ints (RefTable's columns), copied once (no numpy import here: warm rescans need none)."""
    out = array("I")
    out.frombytes(values.astype("uint32", order="C", copy=False).view("uint8").data)
    return out


def picked(items: Sequence[str], indices: Sequence[int]) -> Sequence[str]:
    """items[i] for each index, picked in C by one itemgetter (the indices are valid)."""
    return (
        itemgetter(*indices)(items) if len(indices) > 1 else tuple(map(items.__getitem__, indices))
    )


class RefTable(Sequence[MemberRef]):
    """The member references of an app's code, sorted and unique, with their callers.

    A big app references half a million methods and fields; as one MemberRef and one tuple of
    callers each they cost ~150 MB and a second to build.  Stored in columns instead: `refs`
    (sorted), and the callers of all refs as indices into `names` (the app's classes, sorted)
    in one array, ref i's being `callers_at[starts[i]:starts[i + 1]]`.  It is a read-only
    sequence of MemberRef, each made when asked for; code that looks at every ref reads `refs`
    and `callers(i)` and never makes them all.
    """

    __slots__ = ("callers_at", "names", "refs", "starts")

    def __init__(
        self,
        refs: tuple[str, ...],
        starts: array[int],
        callers_at: array[int],
        names: tuple[str, ...],
    ) -> None:
        if len(starts) != len(refs) + 1 or starts[-1] != len(callers_at):
            raise ValueError("RefTable: starts do not match refs and callers")
        self.refs = refs
        self.starts = starts
        self.callers_at = callers_at
        self.names = names

    @classmethod
    def of(cls, items: Iterable[MemberRef | Mapping[str, Any]] | RefTable) -> RefTable:
        """A table from MemberRefs or {"ref", "callers"} mappings (rule cases, tests); a
        table is returned as it is.  Duplicated refs are united."""
        if isinstance(items, RefTable):
            return items
        found: dict[str, set[str]] = {}
        for item in items:
            found.setdefault(str(item["ref"]), set()).update(item.get("callers") or ())
        return cls.from_mapping(found)

    @classmethod
    def from_mapping(cls, refs: Mapping[str, Iterable[str]]) -> RefTable:
        """A table from {ref: callers}."""
        keys = tuple(sorted(refs))
        callers = [sorted(set(refs[key])) for key in keys]
        names = tuple(sorted({name for group in callers for name in group}))
        number = {name: i for i, name in enumerate(names)}
        starts = array("I", [0])
        flat = array("I")
        for group in callers:
            flat.extend(number[name] for name in group)
            starts.append(len(flat))
        return cls(keys, starts, flat, names)

    def __len__(self) -> int:
        return len(self.refs)

    @overload
    def __getitem__(self, index: int) -> MemberRef: ...

    @overload
    def __getitem__(self, index: slice) -> list[MemberRef]: ...

    def __getitem__(self, index: int | slice) -> MemberRef | list[MemberRef]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self.refs))[index]]
        return MemberRef(self.refs[index], self.callers(index % len(self.refs)))

    def __iter__(self) -> Iterator[MemberRef]:
        return map(MemberRef, self.refs, map(self.callers, range(len(self.refs))))

    def callers(self, index: int) -> tuple[str, ...]:
        """The classes whose code uses ref `index`, sorted."""
        starts = self.starts
        at = self.callers_at[starts[index] : starts[index + 1]]
        return tuple(map(self.names.__getitem__, at))

    def used(self) -> list[int]:
        """The indices of the refs that some code uses (the others are only declared)."""
        starts = self.starts
        return [i for i, (a, b) in enumerate(pairwise(starts)) if a != b]

    def prefixed(self, prefix: str) -> range:
        """The indices of the refs that start with `prefix` (a binary search: refs are sorted)."""
        first = bisect_left(self.refs, prefix)
        last = first
        end = len(self.refs)
        while last < end and self.refs[last].startswith(prefix):
            last += 1
        return range(first, last)

    def as_dict(self) -> dict[str, frozenset[str]]:
        """{ref: callers}: every ref with the set of classes that use it."""
        every = range(len(self.refs))
        return dict(zip(self.refs, map(frozenset, map(self.callers, every)), strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RefTable):
            every = range(len(self.refs))
            return self.refs == other.refs and list(map(self.callers, every)) == list(
                map(other.callers, every)
            )
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RefTable({len(self.refs)} refs, {len(self.callers_at)} uses)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RefTable, (self.refs, self.starts, self.callers_at, self.names))


EMPTY_REFS = RefTable((), array("I", [0]), array("I"), ())


@dataclass(frozen=True)
class CodeEntry:
    """A method Android runs before any screen can ask for consent (pi_scan.extract.callgraph)."""

    method: str  # smali: "Lcom/example/App;->onCreate()V"
    kind: str  # "application", "provider", "startup", "receiver" or "launcher"
    # (a hot-fix shell's real Application, e.g. a Tinker ApplicationLike, is "application")
    component: str  # the manifest class it belongs to (dotted)


@dataclass(frozen=True, slots=True)
class CodeEdge:
    """A call from a reached method: where (index in its ops), to which app method, and how it
    was resolved: "call" (also a call with one possible run-time target), "dispatch" (one of
    several), "async", "clinit" or "reflection" (pi_scan.extract.callgraph)."""

    at: int
    target: str
    how: str = "call"


@dataclass(frozen=True)
class CodeNode:
    """A method reached from the entry points, as read from its code.

    ops: its operations in code order: invoked methods and accessed fields (smali), const
    strings prefixed with '"', const-class with '@', new-instance with '+'.
    """

    method: str
    ops: tuple[str, ...] = ()
    edges: tuple[CodeEdge, ...] = ()
    # (op index, parameter index, value): boolean arguments of static calls into app classes a
    # constant sets on every path to the call (JCollectionAuth.setAuth(ctx, false): (i, 1, 0))
    consts: tuple[tuple[int, int, int], ...] = ()


def is_read_locale(locale: str) -> bool:
    """Whether the app's texts in `locale` are read: the default locale ("", or androguard's
    "\\x00\\x00") and the Chinese ones ("zh", "zh-rCN", "zh-rTW", "zh-rHK", "b+zh+Hans",
    "b+zh+Hant+TW" ...), the texts Chinese users see or fall back to."""
    text = locale.strip("\x00").strip()
    if not text:
        return True
    if text.startswith("b+"):
        return text[2:].split("+", 1)[0].lower() == "zh"
    return text.replace("_", "-").split("-", 1)[0].lower() == "zh"


@dataclass(frozen=True)
class ResourceText:
    """One string resource: its name, its locale ("" for the default, "zh-rCN", "b+zh+Hans" ...)
    and its value."""

    name: str
    locale: str
    value: str


@dataclass(frozen=True)
class PolicyDocument:
    """The text of a privacy policy: bundled in the APK (a file in assets/ or res/raw/, a long
    DEX or resource string) or supplied by the auditor (`--policy`, `--policy-dir`)."""

    source: str  # zip entry ("assets/privacy.html"), file path, or "dex string" / "@string/x"
    origin: str  # "bundled" or "supplied"
    sha256: str  # of the bytes as read (of the UTF-8 text for strings)
    format: str  # "html", "text", "markdown" or "pdf"
    encoding: str | None = None  # how the bytes were decoded ("utf-8", "gb18030", ...)
    text: str = ""  # the readable text, one block (paragraph, heading, table row) a line
    error: str | None = None  # why no text could be read (unparseable PDF, ...)


@dataclass(frozen=True)
class PolicyReview:
    """What the app's privacy policy declares, against what the app was found doing."""

    status: str  # "compared", "none" (no text), "empty" or "unparseable"
    reason: str = ""  # one line: what was compared, or why nothing could be
    sources: tuple[str, ...] = ()  # the documents read ("supplied: policy.html")
    sha256: str | None = None  # digest of the text compared
    declared_pi: tuple[str, ...] = ()  # PI types the policy says it collects
    denied_pi: tuple[str, ...] = ()  # PI types the policy says it does not collect
    found_pi: tuple[str, ...] = ()  # PI types the app collects (collectable use, collecting SDK)
    missing_pi: tuple[str, ...] = ()  # found, not declared
    listed_sdks: tuple[str, ...] = ()  # SDK names as the policy lists them
    found_sdks: tuple[str, ...] = ()  # SDKs detected that collect or are started
    missing_sdks: tuple[str, ...] = ()  # collecting SDKs the list leaves out
    vendor_only_sdks: tuple[str, ...] = ()  # covered only by a vendor that has several SDKs here
    unmatched_sdks: tuple[str, ...] = ()  # listed, not found in the app
    explained_permissions: tuple[str, ...] = ()
    unexplained_permissions: tuple[str, ...] = ()  # dangerous permissions requested, not explained


@dataclass(frozen=True)
class RuntimeEvent:
    """One call of a hooked API seen in a runtime log (`pi_scan.extract.runtime`)."""

    log: str  # the log's file name
    row: int  # its row (spreadsheets, header = 1) or line (JSON lines)
    api: str  # "android.telephony.TelephonyManager.getDeviceId", or a bare method name
    at: float | None  # device clock, seconds (local time read as UTC); None: not readable
    time: str = ""  # the time as the log wrote it
    phase: str = "unknown"  # consent phase: "before", "after" or "unknown"
    frames: tuple[str, ...] = ()  # "class.method", the hooked method or its caller first
    label: str = ""  # the tool's own description of the call
    args: str = ""


@dataclass(frozen=True)
class RuntimeLog:
    """A runtime log merged into an app's scan."""

    name: str  # file name
    sha256: str
    format: str  # "camille", "camille-5", "privacysentry" or "jsonl"
    events: int  # calls read
    consent: str | None = None  # the consent moment as the log wrote it, if it has one
    tool: str = ""
    consent_at: float | None = None  # the same in device seconds, when it could be read


@dataclass(frozen=True)
class LogSource:
    """A runtime log handed to a scan: its path, digest and, when sent to a far worker, its
    bytes.  `explicit`: given by name for the app (not found in a folder)."""

    path: str
    sha256: str
    data: bytes | None = None
    explicit: bool = True

    @property
    def name(self) -> str:
        return Path(self.path).name

    def open(self) -> IO[bytes]:
        if self.data is not None:
            return io.BytesIO(self.data)
        return open(self.path, "rb")


# Frames of the Android framework and the language runtimes: never the code an event is
# attributed to (the first frame outside them is).
FRAMEWORK_PREFIXES = (
    "android.",
    "com.android.",
    "java.",
    "javax.",
    "dalvik.",
    "libcore.",
    "sun.",
    "kotlin.",
    "kotlinx.",
    "org.apache.harmony.",
)
# The hook tools' own classes: PrivacySentry is compiled into the app (its proxies call the
# hooked API), camille's Frida agent leaves at most re.frida frames.
TOOL_PREFIXES = ("com.yl.lib.", "re.frida.")


def framework_frame(frame: str) -> bool:
    return frame.startswith(FRAMEWORK_PREFIXES)


def tool_frame(frame: str) -> bool:
    return frame.startswith(TOOL_PREFIXES)


def class_of(frame: str) -> str:
    """The class of a "cls.method" frame."""
    return frame.rsplit(".", 1)[0]


@dataclass(frozen=True)
class ApkFacts:
    """Everything the rules may look at for one app (one APK or one split bundle)."""

    # identity
    path: str
    sha256: str
    size: int
    package: str
    version_code: int | None = None
    version_name: str | None = None
    label: str | None = None
    label_zh: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    compile_sdk: int | None = None
    certificates: tuple[Certificate, ...] = ()
    # manifest
    permissions: tuple[PermissionUse, ...] = ()
    custom_permissions: tuple[CustomPermission, ...] = ()
    application: Mapping[str, str | bool | None] = field(default_factory=dict)
    components: tuple[Component, ...] = ()
    launcher_activity: str | None = None
    app_meta_data: Mapping[str, str] = field(default_factory=dict)
    queries_packages: tuple[str, ...] = ()
    queries_actions: tuple[str, ...] = ()
    queries_providers: tuple[str, ...] = ()
    features: tuple[Feature, ...] = ()
    # dex
    dex_files: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    method_refs: Sequence[MemberRef] = ()  # a RefTable when extracted
    field_refs: Sequence[MemberRef] = ()
    strings: tuple[str, ...] = ()
    # the same strings with the classes whose code loads each (const-string); a RefTable
    string_users: Sequence[MemberRef] = ()
    # resources
    resource_strings: tuple[str, ...] = ()  # string resources, all locales
    # the rest of the archive
    native_libs: tuple[NativeLib, ...] = ()
    assets: tuple[str, ...] = ()
    raw_resources: tuple[str, ...] = ()
    nested_apks: tuple[str, ...] = ()
    splits: tuple[str, ...] = ()  # names of the APKs merged into this app (bundles only)
    warnings: tuple[str, ...] = ()  # parts of the app that could not be read
    # signs that the container was manipulated to hide content from analysis, e.g.
    # "duplicate_entry:classes.dex" (pi_scan.extract.archive and .tolerant list them all)
    tamper_indicators: tuple[str, ...] = ()
    # code evidence (pi_scan.extract.callgraph): what runs before consent is possible
    entry_points: tuple[CodeEntry, ...] = ()
    code_graph: tuple[CodeNode, ...] = ()  # methods reached from entry_points
    code_graph_limits: tuple[str, ...] = ()  # budgets the graph ran into, if any
    reflection_code: tuple[CodeNode, ...] = ()  # methods anywhere doing reflective lookups
    # methods anywhere asking the package manager which apps answer an intent
    # (queryIntentActivities, queryIntentServices ...), with their operations
    intent_query_code: tuple[CodeNode, ...] = ()
    # string resources of the default and Chinese locales, with their names
    resource_texts: tuple[ResourceText, ...] = ()
    # the whole-app set: every method the app may run over its life (components, callbacks)
    app_reachable: tuple[str, ...] = ()
    # privacy-policy texts: bundled files read from assets/ and res/raw/, or supplied ones
    policy_documents: tuple[PolicyDocument, ...] = ()
    # runtime logs merged into the scan (pi_scan.extract.runtime) and the calls they hold
    runtime_logs: tuple[RuntimeLog, ...] = ()
    runtime_events: tuple[RuntimeEvent, ...] = ()


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


class Verdict(IntEnum):
    """Outcome for an app, ordered so that max() aggregates."""

    PASS = 0
    NOTICE = 1
    REMOVAL = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Verdict:
        return cls[text.upper()]


class Level(IntEnum):
    """What a rule's finding leads to.  ADVICE is shown in every report but never changes the
    verdict or the gate; NOTICE and REMOVAL raise the verdict to their own name."""

    ADVICE = 0
    NOTICE = 1
    REMOVAL = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def verdict(self) -> Verdict:
        """The least verdict a finding at this level gives its app (advice: pass)."""
        return Verdict(int(self))

    @classmethod
    def parse(cls, text: str) -> Level:
        return cls[text.upper()]


class Status(str, Enum):
    """Result of one rule on one app."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_EVALUATED = "not_evaluated"  # the rule needs something the scan does not have
    NOT_APPLICABLE = "not_applicable"  # the rule presumes something the app does not do
    SUPPRESSED = "suppressed"  # failed, but waived or baselined (see Outcome.justification)


@dataclass(frozen=True)
class Citation:
    document: str  # short tag from the regulations catalogue, e.g. "RDFF", "PIPL", "CSL"
    clause: str  # e.g. "3.1", "Art. 13"
    former_clause: str | None = None  # the number before a renumbering (CSL before 2026)


@dataclass(frozen=True)
class Leaf:
    fact: str
    op: str
    value: object = None
    where: Condition | None = None  # for the "any"/"all"/"none" item operators


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Leaf | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Applicability:
    """When a rule applies.  Where `condition` does not hold, the rule is not applicable
    (`otherwise` "not_applicable") or its finding is only advice (`otherwise` "advice");
    `reason` says why, e.g. "the app processes no personal information"."""

    condition: Condition
    otherwise: str  # "not_applicable" or "advice"
    reason: Mapping[str, str]


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level  # what a violation leads to
    title: Mapping[str, str]  # {"en": ..., "zh": ...}
    message: Mapping[str, str]
    remediation: Mapping[str, str]
    citations: tuple[Citation, ...]
    condition: Condition
    tags: tuple[str, ...] = ()
    category: str | None = None  # regulator problem label, e.g. "illegal-collection"
    source: str | None = None  # file the rule was loaded from
    requires: tuple[str, ...] = ()  # facts that must be known (not null), else not evaluated
    applies: Applicability | None = None  # None: always applies

    def text(self, attr: str, lang: str) -> str:
        texts: Mapping[str, str] = getattr(self, attr)
        return texts.get(lang) or texts["en"]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallerGroup:
    """The callers of an API that belong to one party."""

    party: str  # "app", "sdk" or "platform" (a platform library)
    name: str = ""  # the SDK's or library's name; "" for the app
    vendor: str | None = None
    callers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """One thing that made a rule fire, and where it was found."""

    fact: str  # fact name, e.g. "permissions"
    value: str  # what matched, e.g. "android.permission.READ_SMS" (raw form, kept in JSON)
    where: str  # e.g. "AndroidManifest.xml <uses-permission>" or "classes2.dex"
    callers: tuple[str, ...] = ()  # classes whose code uses it (DEX evidence)
    # API evidence read aloud: the API as Java ("TelephonyManager.getDeviceId()"), the PI it
    # reads (en, zh) and its callers under their party
    api: str = ""
    pi: tuple[str, ...] = ()
    groups: tuple[CallerGroup, ...] = ()
    note: str = ""  # e.g. why an API use cannot return PI to this app
    # what showed it: "static" (the package), "runtime" (a runtime log) or "both"; "" for
    # evidence that is not about code (the package's own, so static)
    source: str = ""


def combined_source(sources: Iterable[str]) -> str:
    """ "static", "runtime" or "both" for a set of evidence sources ("" counts as static)."""
    seen = {s or "static" for s in sources}
    if "both" in seen or seen >= {"static", "runtime"}:
        return "both"
    return "runtime" if seen == {"runtime"} else "static"


@dataclass(frozen=True)
class Outcome:
    rule_id: str
    status: Status
    level: Level
    evidence: tuple[Evidence, ...] = ()
    reason: str | None = None  # why a rule was not evaluated / not applicable / only advice
    justification: str | None = None  # why a failure is suppressed (waiver reason, "baseline")
    not_rectified: bool = False  # also found in an earlier, notified version of the app

    @property
    def source(self) -> str:
        """What showed the finding: "static" (the package), "runtime" (only a runtime log) or
        "both" (a runtime log confirms what the package shows, or each shows part of it)."""
        return combined_source(e.source for e in self.evidence)

    def fingerprint(self, package: str) -> str:
        """Identity of a finding that survives rebuilds: package, rule and evidence values only.

        Paths, versions, evidence locations and callers are left out on purpose: a new build of
        the same app keeps its fingerprints (the key of baselines and SARIF partialFingerprints).
        """
        values = sorted({e.value for e in self.evidence})
        payload = json.dumps([package, self.rule_id, values], ensure_ascii=True)
        return hashlib.sha256(payload.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class SdkUse:
    """A third-party SDK found in an app, for the SDK inventory of reports."""

    id: str
    name: str
    vendor: str
    category: str
    confidence: str  # "high", "medium" or "low"
    name_zh: str | None = None
    country: str | None = None
    signals: tuple[str, ...] = ()  # e.g. "class com.umeng.commonsdk.UMConfigure"
    pi: tuple[str, ...] = ()  # PI types its vendor documents it collects
    reads: tuple[str, ...] = ()  # PI types its code was seen reading (sensitive APIs)

    # "present" (its code is only there), "initialised" (app code calls into it, or its
    # auto-init provider is declared) or "collects" (initialised, and its code makes a read
    # that can return PI to this app: see `reads`)
    status: str = "present"


@dataclass(frozen=True)
class Coverage:
    """How much of an app the scan could see.  Incomplete when the code that runs is not the
    code that was read: a packer or protector hides it, or a DEX file could not be parsed."""

    complete: bool = True
    packers: tuple[str, ...] = ()  # names of the packers/protectors detected
    limits: tuple[str, ...] = ()  # what could not be seen, one line each
    rules: tuple[str, ...] = ()  # code-level rules that found nothing: not evaluated, not passed
    # APIs of the catalogue that a runtime log saw called: what the scan did see of the code that
    # runs, when a packer hides it from the static checks
    runtime_apis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inventory:
    """What the catalogues say about an app: its type, SDKs and the PI its code reads."""

    app_type: str | None = None
    sdks: tuple[SdkUse, ...] = ()
    pi_types: tuple[str, ...] = ()  # read by code or exposed by requested permissions
    api_uses: tuple[str, ...] = ()  # ids of sensitive-API catalogue entries used
    call_sites: tuple[str, ...] = ()  # "API-ID <- caller class" for each call of those APIs


@dataclass(frozen=True)
class Named:
    """Something from a catalogue shown by its id and its words in English and Chinese."""

    id: str
    en: str
    zh: str


@dataclass(frozen=True)
class SdkDisclosure:
    """One row of the third-party SDK list (第三方SDK共享清单) an app's privacy policy
    publishes, drafted from a detected SDK and its catalogue entry.  None (or empty) is what
    the catalogue does not know: a reporter shows it as "to be filled in", never a guess."""

    id: str
    name: str
    category: str
    status: str  # SdkUse.status: "present", "initialised" or "collects"
    confidence: str
    name_zh: str | None = None
    vendor: str | None = None
    vendor_zh: str | None = None
    legal_entity: str | None = None  # the vendor's registered company, as its policy names it
    legal_entity_en: str | None = None
    purpose: Named | None = None  # the catalogue's wording, else the category's (purpose_by)
    purpose_by: str = "catalogue"  # "catalogue" or "category"
    pi: tuple[Named, ...] = ()  # PI types the vendor documents it collects
    pi_optional: tuple[Named, ...] = ()  # ... only with optional or extended features
    pi_source: str | None = None
    reads: tuple[Named, ...] = ()  # PI types its code can read in this app (collectable uses)
    permissions: tuple[str, ...] = ()  # declared permissions its code's collectable reads need
    policy_url: str | None = None
    disclosure_source: str | None = None
    aliases: tuple[str, ...] = ()
    # base components shipped inside it and never listed on their own (sdks.json `part_of`:
    # JIGUANG JCore inside JPush), folded into this row: their names
    includes: tuple[Named, ...] = ()


@dataclass(frozen=True)
class SdkList:
    """The draft third-party SDK list of one app (`pi-scan sdk-list`)."""

    path: str
    package: str
    tool_version: str
    label: str | None = None
    label_zh: str | None = None
    version_name: str | None = None
    version_code: int | None = None
    sdks: tuple[SdkDisclosure, ...] = ()
    coverage: Coverage = field(default_factory=Coverage)


@dataclass(frozen=True)
class RuntimeRead:
    """One read of personal information a runtime log saw, for the timeline of reports."""

    at: float | None  # device seconds
    time: str  # as the log wrote it
    api: str  # the API catalogue id
    pi_type: str
    phase: str  # "before", "after" or "unknown" (consent)
    party: str  # "first-party", an SDK id, "platform:<id>" or "unknown"
    log: str


@dataclass(frozen=True)
class ApkResult:
    path: str
    facts: ApkFacts | None
    outcomes: tuple[Outcome, ...] = ()
    verdict: Verdict = Verdict.PASS
    verdict_reasons: tuple[str, ...] = ()
    error: str | None = None  # set when the app could not be analysed
    inventory: Inventory = field(default_factory=Inventory)
    coverage: Coverage = field(default_factory=Coverage)
    policy: PolicyReview | None = None  # privacy policy against behaviour; None: not judged
    # PI reads runtime logs saw, in time order, around the consent moment (RUNTIME_TIMELINE)
    timeline: tuple[RuntimeRead, ...] = ()

    @property
    def failed(self) -> tuple[Outcome, ...]:
        """Findings that count: failed outcomes at notice or removal level."""
        return tuple(
            o for o in self.outcomes if o.status is Status.FAILED and o.level > Level.ADVICE
        )

    @property
    def advice(self) -> tuple[Outcome, ...]:
        """Failed outcomes at advice level: shown, never counted."""
        return tuple(
            o for o in self.outcomes if o.status is Status.FAILED and o.level is Level.ADVICE
        )


@dataclass(frozen=True)
class ScanResult:
    results: tuple[ApkResult, ...]
    ruleset: RuleSet
    tool_version: str
    generated_at: str  # ISO 8601, UTC
    warnings: tuple[str, ...] = ()  # about the run itself (stale waivers, unreadable store ...)

    @property
    def errors(self) -> tuple[ApkResult, ...]:
        return tuple(r for r in self.results if r.error is not None)


# --------------------------------------------------------------------------------------------
# Verdict policy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """Raise the verdict to `to` when every given condition holds over the failed findings."""

    id: str
    to: Verdict
    reason: Mapping[str, str]
    min_findings: int | None = None
    min_rdff_categories: int | None = None
    tags_any: tuple[str, ...] = ()
    rules_all: tuple[str, ...] = ()
    rules_any: tuple[str, ...] = ()
    not_rectified: bool = False  # some finding persists from an earlier notified version


@dataclass(frozen=True)
class Policy:
    overrides: Mapping[str, Level] = field(default_factory=dict)
    escalations: tuple[Escalation, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """Rules ready to run, with the policy and the pack metadata reports need."""

    rules: tuple[Rule, ...]
    policy: Policy
    version: str  # e.g. "pi-scan-core@2026.11.0"
    categories: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    documents: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
