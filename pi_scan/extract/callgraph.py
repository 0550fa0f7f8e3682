"""Which code runs before the user can consent, and which over the app's whole life: a call
graph from the app's entry points.

Built from our own reading of the DEX files (no androguard), lazily: starting at the entry
points, it decodes only the methods it reaches (breadth first, at most `max_depth` calls deep
and `budget` methods in all), so a big app costs little more than a small one.

Two reachable sets (`build_code_graphs`):

* pre-consent (`entry_points`, in tiers of how surely they run before consent):
  tier 0: the manifest's Application class (`<clinit>`, `<init>`, `attachBaseContext`,
  `onCreate`) and the real Application behind a hot-fix shell (`real_applications`: Tinker's
  ApplicationLike, TINKER_PATCH_APPLICATION), every declared ContentProvider (`<clinit>`,
  `<init>`, `attachInfo`, `onCreate`: SDK auto-init providers run before
  Application.onCreate), and the initializers named in the meta-data of androidx.startup's
  InitializationProvider (`create`); tier 1: broadcast receivers of a broadcast the system
  sends by itself (an "android." action: boot, connectivity ...; `onReceive`); tier 2: the
  launcher activity's `onCreate`.  Not UI callbacks: listeners, a dialog's buttons and
  android:onClick handlers run on the user's action.
* whole app (`app_entry_points`): the same walk continued from every component, the classes
  the framework creates from layouts (custom Views, fragments), from meta-data (startup
  initializers, Firebase component registrars) and WorkManager workers, and the methods named
  by android:onClick in a layout; every instantiated class with a framework supertype
  (android.*, androidx.*: listeners, Views, fragments, Handlers ...) has its own overridable
  methods run (`CodeIndex.own_methods`).

An entry method a class does not declare is looked up in its superclasses defined in the app.

Calls (`edges` of each node, with how they were resolved):

* "call": invoke-static/direct/super (resolved upward to the implementation inherited), and a
  virtual or interface call with exactly one possible run-time target (below);
* "dispatch": a virtual or interface call with several possible targets.  A call of `sig` on
  static type T reaches the implementation of `sig` in each class C that is a subtype of T
  (class hierarchy) and can exist at run time (rapid type analysis): instantiated by reached
  code (new-instance, a singleton read from its own static field such as Kotlin's lambda
  INSTANCE, reflection below), or created by the framework (the entry components; in the
  whole-app set also the seeds above).  A class instantiated later adds its implementations
  to the call sites seen before.  toString, hashCode, equals ... called on a plain Object are
  not dispatched (any class answers; none leads to PI);
* "async": a Runnable, Callable, TimerTask, AsyncTask or Handler callback handed to the
  framework to run later (new Thread(Runnable), Handler/View.post*, Activity.runOnUiThread,
  Executor.execute, ExecutorService.submit, Timer.schedule, AsyncTask.execute,
  Handler.sendMessage ...): the callbacks of the classes the method instantiated since its
  previous hand-over (the argument is made just before), or else before it in the method, or
  else (a guess, bounded like dispatch, labelled "async-guess" unless only one class of that
  callback type exists) of every instantiated class of that callback type in the caller's code
  base (its first two package segments, `code_base`: another vendor's Handler does not get the
  messages a JCore class sends to a Handler it was given); and a Thread
  subclass's run() for its start();
* "activity": startActivity / startActivityForResult / startActivities with an explicit
  Intent: the last app Activity class named by a const-class in the method before the call
  (since the previous start) is created by the framework and its onCreate, onStart and
  onResume run (a splash screen that moves on to the main activity by itself);
* "clinit": the first use of another app class (static call or field, new-instance) runs its
  static initialiser;
* "reflection": Class.forName / ClassLoader.loadClass with a constant app class name runs its
  static initialiser, and with Class/Constructor.newInstance in the same method (or on a
  const-class) instantiates it and runs its no-argument constructor; ServiceLoader.load(X.class)
  instantiates the providers of X listed in the app's META-INF/services/X.

Bounds: a call site with more than MAX_DISPATCH (8) possible targets by dispatch or a guessed
hand-over is megamorphic: the pre-consent graph follows none of them (a site that reaches
everything proves nothing about which code runs); the whole-app set follows the first
APP_MAX_DISPATCH (16).  Chains are at most `max_depth` (15) calls; the pre-consent graph
visits at most `budget` (10,000) methods and the whole-app set `app_budget` (10,000, the
pre-consent ones included): about 60 us each, so that a walk at its limits costs about half
the rest of a big app's extraction.  Each limit reached is noted.

Desugared Java lambdas and Kotlin lambdas are ordinary classes in DEX (new-instance or a
static INSTANCE, then an interface call), so the rules above cover them.  Reflection with
names built at run time and native code are not followed.

What is recorded per reached method (`CodeNode`) is catalogue-independent, so that
`pi_scan.facts` decides what is sensitive: its operations in code order (invoked methods
and accessed fields in smali form, const-strings prefixed with '"', const-class with '@',
new-instance with '+'), its resolved edges (operation index, target method, how), and the
constant boolean first and last arguments of its static calls into app classes (`consts`: a privacy
switch such as JCollectionAuth.setAuth(ctx, false); set by const/4, const/16 or const on
every path to the call, `_boolean_constants`).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from pi_scan.extract.dex import (
    _FIELD_OPS,
    _INVOKE_OPS,
    _POLYMORPHIC_OPS,
    _STAR,
    _U32,
    _WIDTHS,
    ClassDef,
    DexFormatError,
    DexTables,
    _byte_class,
    _payload_end,
    _uleb,
    indices_starting,
)
from pi_scan.model import CodeEdge, CodeEntry, CodeNode

__all__ = [
    "DEFAULT_APP_BUDGET",
    "DEFAULT_BUDGET",
    "DEFAULT_DEPTH",
    "AppSeeds",
    "CodeGraph",
    "CodeGraphs",
    "CodeIndex",
    "app_entry_points",
    "build_code_graph",
    "build_code_graphs",
    "entry_points",
    "reflective_methods",
]

DEFAULT_DEPTH = 15
DEFAULT_BUDGET = 10_000
DEFAULT_APP_BUDGET = 10_000  # methods of the whole-app set (the pre-consent ones included)
# Run-time targets of one call site (dispatch or a hand-over from elsewhere): with more, the
# site is megamorphic and the pre-consent graph follows none of them; the whole-app set
# follows the first APP_MAX_DISPATCH found (deterministic).  The whole-app bound also bounds its
# cost: a megamorphic site's targets are most of the edges of a big app's walk.
MAX_DISPATCH = 8
APP_MAX_DISPATCH = 16
MAX_REFLECTIVE = 5_000  # methods with reflective lookups kept per app

OBJECT = "Ljava/lang/Object;"
TIERS = {"application": 0, "provider": 0, "startup": 0, "receiver": 1, "launcher": 2}
STARTUP_PROVIDER = "androidx.startup.InitializationProvider"
STARTUP_VALUE = "androidx.startup"

# Entry methods per component kind (sig = name + descriptor); looked up through superclasses.
_ENTRY_METHODS: Mapping[str, tuple[str, ...]] = {
    "application": (
        "<clinit>()V",
        "<init>()V",
        "attachBaseContext(Landroid/content/Context;)V",
        "onCreate()V",
    ),
    "provider": (
        "<clinit>()V",
        "<init>()V",
        "attachInfo(Landroid/content/Context;Landroid/content/pm/ProviderInfo;)V",
        "onCreate()Z",
    ),
    "receiver": (
        "<clinit>()V",
        "<init>()V",
        "onReceive(Landroid/content/Context;Landroid/content/Intent;)V",
    ),
    "launcher": ("<clinit>()V", "<init>()V", "onCreate(Landroid/os/Bundle;)V"),
}
_STATIC_ONLY = frozenset({"<clinit>()V", "<init>()V"})  # never inherited
# A Tinker ApplicationLike's methods that its shell forwards (and its constructors).
_DELEGATE_METHODS = ("<init>", "onBaseContextAttached", "attachBaseContext", "onCreate")
# TinkerPatch (and Bugly hot-fix) reflect mode: the original Application's class name
# (https://github.com/TinkerPatch/tinkerpatch-sdk/blob/master/docs/tinkerpatch-android-sdk.md).
TINKER_PATCH_META = "TINKER_PATCH_APPLICATION"
SYSTEM_ACTION = "android."  # broadcasts the platform sends (android.intent.action.BOOT_COMPLETED)
TINKER_SHELL = "/TinkerApplication;"  # com.tencent.tinker.loader.app.TinkerApplication
# meta-data values that make the named key a class the framework or a library creates:
# androidx.startup's InitializationProvider and Firebase's ComponentDiscoveryService.
_META_CREATED = frozenset({STARTUP_VALUE, "com.google.firebase.components.ComponentRegistrar"})
WORKER = "Landroidx/work/ListenableWorker;"  # created by WorkManager's WorkerFactory
# Library packages shipped in the app: the framework-called methods of an app class are its
# own and those of its superclasses up to the first library one.
_LIBRARY = (
    "Landroid/",
    "Landroidx/",
    "Landroid/support/",
    "Lcom/google/android/material/",
    "Lkotlin/",
    "Lkotlinx/",
)
# Supertypes that make an instantiated class one the framework calls back (listeners, Views,
# fragments, lifecycle observers, Handlers, BroadcastReceivers...).
_FRAMEWORK_CALLED = ("Landroid/", "Landroidx/", "Landroid/support/")
IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$")
_VIEW_HANDLER = "(Landroid/view/View;)V"  # the signature android:onClick requires
_METHOD_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]{0,127}$")
_FOR_NAME = ("Ljava/lang/Class;->forName(", "Ljava/lang/ClassLoader;->loadClass(")
SERVICE_LOADER = "Ljava/util/ServiceLoader;->load("
_START_ACTIVITY = ("startActivity(", "startActivityForResult(", "startActivities(")
ACTIVITY = "Landroid/app/Activity;"
ACTIVITY_LIFECYCLE = (
    "<init>()V",
    "onCreate(Landroid/os/Bundle;)V",
    "onStart()V",
    "onResume()V",
)
_NEW_INSTANCE_REFLECT = (
    "Ljava/lang/Class;->newInstance(",
    "Ljava/lang/reflect/Constructor;->newInstance(",
)

# Framework supertypes the DEX cannot tell (their classes are not in the app).
FRAMEWORK_SUPERS: Mapping[str, tuple[str, ...]] = {
    "Ljava/lang/Thread;": ("Ljava/lang/Runnable;",),
    "Ljava/util/TimerTask;": ("Ljava/lang/Runnable;",),
    "Ljava/util/concurrent/FutureTask;": (
        "Ljava/lang/Runnable;",
        "Ljava/util/concurrent/RunnableFuture;",
    ),
    "Landroid/app/Application;": ("Landroid/content/ContextWrapper;", "Landroid/content/Context;"),
    "Landroid/app/Activity;": ("Landroid/content/ContextWrapper;", "Landroid/content/Context;"),
    "Landroid/app/Service;": ("Landroid/content/ContextWrapper;", "Landroid/content/Context;"),
    "Landroid/content/ContextWrapper;": ("Landroid/content/Context;",),
}

# Framework methods that run a callback later: "Lcls;->name(" -> callback method names (the
# Thread constructors count only with a Runnable: see _PARAM_SINKS).
_RUN = ("run", "call")
ASYNC_SINKS: Mapping[str, tuple[str, ...]] = {
    **{
        f"Landroid/os/Handler;->{m}(": _RUN
        for m in ("post", "postDelayed", "postAtTime", "postAtFrontOfQueue")
    },
    **{
        f"Landroid/os/Handler;->{m}(": ("handleMessage",)
        for m in (
            "sendMessage",
            "sendMessageDelayed",
            "sendMessageAtTime",
            "sendEmptyMessage",
            "sendEmptyMessageDelayed",
            "sendEmptyMessageAtTime",
        )
    },
    **{f"Landroid/view/View;->{m}(": _RUN for m in ("post", "postDelayed", "postOnAnimation")},
    "Landroid/app/Activity;->runOnUiThread(": _RUN,
    "Ljava/util/concurrent/Executor;->execute(": _RUN,
    **{
        f"Ljava/util/concurrent/{c};->{m}(": _RUN
        for c in ("ExecutorService", "ThreadPoolExecutor", "AbstractExecutorService")
        for m in ("execute", "submit", "invokeAll", "invokeAny")
    },
    **{
        f"Ljava/util/concurrent/{c};->{m}(": _RUN
        for c in ("ScheduledExecutorService", "ScheduledThreadPoolExecutor")
        for m in ("schedule", "scheduleAtFixedRate", "scheduleWithFixedDelay", "execute", "submit")
    },
    **{f"Ljava/util/Timer;->{m}(": _RUN for m in ("schedule", "scheduleAtFixedRate")},
    **{
        f"Landroid/os/AsyncTask;->{m}(": ("onPreExecute", "doInBackground")
        for m in ("execute", "executeOnExecutor")
    },
    "Ljava/util/concurrent/FutureTask;-><init>(": _RUN,
    **{
        f"Ljava/util/concurrent/CompletableFuture;->{m}(": ("run", "get")
        for m in ("runAsync", "supplyAsync")
    },
}
# Sinks only with these parameters: "Lcls;->name(" -> ((parameter prefix, callbacks), ...).
_PARAM_SINKS: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Ljava/lang/Thread;-><init>(": (
        ("Ljava/lang/Thread;-><init>(Ljava/lang/Runnable;", _RUN),
        ("Ljava/lang/Thread;-><init>(Ljava/lang/ThreadGroup;Ljava/lang/Runnable;", _RUN),
    ),
    "Landroid/os/AsyncTask;->execute(": (
        ("Landroid/os/AsyncTask;->execute(Ljava/lang/Runnable;", _RUN),
    ),
}
# Callback name -> the framework type whose instantiated subtypes are tried when the method
# that hands a callback over does not instantiate one itself.
_CALLBACK_TYPES: Mapping[str, str] = {
    "run": "Ljava/lang/Runnable;",
    "call": "Ljava/util/concurrent/Callable;",
    "get": "Ljava/util/function/Supplier;",
    "handleMessage": "Landroid/os/Handler;",
    "doInBackground": "Landroid/os/AsyncTask;",
    "onPreExecute": "Landroid/os/AsyncTask;",
}
_CALLBACK_SET = frozenset(_CALLBACK_TYPES.values())

REFLECTIVE_LOOKUPS = (
    "Ljava/lang/Class;->getMethod(",
    "Ljava/lang/Class;->getDeclaredMethod(",
    "Ljava/lang/Class;->getField(",
    "Ljava/lang/Class;->getDeclaredField(",
)

_VIRTUAL, _SUPER, _DIRECT, _STATIC, _INTERFACE = range(5)
_INVOKE_KIND = {
    **{0x6E + k: k for k in range(5)},
    **{0x74 + k: k for k in range(5)},
}
_CONST_STRING, _CONST_STRING_JUMBO, _CONST_CLASS, _NEW_INSTANCE = 0x1A, 0x1B, 0x1C, 0x22
_SGET_OBJECT = 0x62
_STATIC_FIELD_OPS = range(0x60, 0x6E)
_NOT_VIRTUAL = 0x8 | 0x2 | 0x10000  # ACC_STATIC, ACC_PRIVATE, ACC_CONSTRUCTOR
# Object's own methods called on a plain Object (logging, hashing, comparing): every class
# may answer, none is a way to personal information; not followed.
_OBJECT_SIGS = frozenset(
    {
        "toString()Ljava/lang/String;",
        "hashCode()I",
        "equals(Ljava/lang/Object;)Z",
        "finalize()V",
        "clone()Ljava/lang/Object;",
    }
)


def _code_pattern() -> re.Pattern[bytes]:
    """One instruction walk like dex.py's, capturing invokes (group 1), field accesses,
    const-string, const-class and new-instance (group 2), const-string/jumbo (group 3) and
    the start of a payload (group 4)."""
    special = {_CONST_STRING, _CONST_STRING_JUMBO, _CONST_CLASS, _NEW_INSTANCE}
    nop = rb"\x00[\x00\x04-\xff]"
    boring = [_byte_class(_WIDTHS[1]) + b".", nop]
    for width in (2, 3, 5):
        ops = [op for op in _WIDTHS[width] if op not in special]
        boring.append(_byte_class(ops) + b"." * (2 * width - 1))
    boring.append(_byte_class(_POLYMORPHIC_OPS) + b"." * 7)
    invoke = _byte_class(_INVOKE_OPS)
    four = _byte_class((*_FIELD_OPS, _CONST_STRING, _CONST_CLASS, _NEW_INSTANCE))
    loop = b"(?:" + b"|".join(boring) + b")" + _STAR
    record = (
        b"(?:(" + invoke + b"...)..|(" + four + rb"...)|(\x1b.....)|(\x00[\x01-\x03]..)|\Z|..?)"
    )
    return re.compile(loop + record, re.DOTALL)


_CODE = _code_pattern()


# --------------------------------------------------------------------------------------------
# Class index
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Class:
    dex: int
    super: str | None
    interfaces: tuple[str, ...]
    data_off: int
    methods: dict[str, tuple[int, int, int]] | None = None  # sig -> (index, code_off, access)
    implementations: dict[str, str] | None = None  # overridable sig -> method that runs


class _Classes(Mapping[str, _Class]):
    """Class descriptor -> _Class, each made when first looked up: a big app defines 50,000
    classes and the graph visits a few hundred.  The first definition of a class wins."""

    def __init__(self, tables: Sequence[DexTables]) -> None:
        self._defs: dict[str, tuple[int, ClassDef]] = {
            definition[0]: (dex, definition)
            for dex in reversed(range(len(tables)))
            for definition in reversed(tables[dex].class_defs)
        }
        self._made: dict[str, _Class] = {}

    def __getitem__(self, desc: str) -> _Class:
        made = self._made.get(desc)
        if made is None:
            dex, (_, parent, interfaces, data_off) = self._defs[desc]
            made = self._made[desc] = _Class(dex, parent, interfaces, data_off)
        return made

    def __contains__(self, desc: object) -> bool:
        return desc in self._defs

    def get(self, desc: str, default: None = None) -> _Class | None:  # type: ignore[override]
        made = self._made.get(desc)
        return made if made is not None or desc not in self._defs else self[desc]

    def __iter__(self) -> Iterator[str]:
        return iter(self._defs)

    def __len__(self) -> int:
        return len(self._defs)


class CodeIndex:
    """The classes of all DEX files of an app (the first definition of a class wins), with
    their hierarchy; methods and code are read on demand."""

    def __init__(self, tables: Sequence[DexTables]) -> None:
        self.tables = tuple(tables)
        self.classes = _Classes(self.tables)
        self._children: dict[str, list[str]] | None = None
        self._ancestors: dict[str, frozenset[str]] = {}
        # (DEX, prefixes) -> the byte pattern of an invoke of such a method (`may_invoke`)
        self._invoke_patterns: dict[tuple[int, tuple[str, ...]], re.Pattern[bytes] | None] = {}

    def __contains__(self, desc: object) -> bool:
        return desc in self.classes

    def methods(self, desc: str) -> dict[str, tuple[int, int, int]]:
        """Methods the class declares: sig -> (method index in its DEX, code_off, access)."""
        cls = self.classes.get(desc)
        if cls is None:
            return {}
        if cls.methods is None:
            cls.methods = self._read_methods(desc, cls)
        return cls.methods

    def _read_methods(self, desc: str, cls: _Class) -> dict[str, tuple[int, int, int]]:
        out: dict[str, tuple[int, int, int]] = {}
        if not cls.data_off:
            return out
        table = self.tables[cls.dex]
        data, names = table.data, table.methods
        pos = cls.data_off
        counts = []
        for _ in range(4):
            value, pos = _uleb(data, pos)
            counts.append(value)
        static_fields, instance_fields, direct, virtual = counts
        if 2 * (static_fields + instance_fields) + 3 * (direct + virtual) > len(data) - pos:
            raise DexFormatError(f"class_data of {desc}: member counts exceed the file")
        for _ in range(2 * (static_fields + instance_fields)):
            pos = _uleb(data, pos)[1]
        prefix = len(desc) + 2
        index = 0
        for i in range(direct + virtual):
            if i == direct:
                index = 0
            diff, pos = _uleb(data, pos)
            access, pos = _uleb(data, pos)
            code_off, pos = _uleb(data, pos)
            index += diff
            if index >= len(names):
                raise DexFormatError(f"class_data of {desc}: method index {index} out of range")
            ref = names[index]
            if ref.startswith(desc) and ref[len(desc) : prefix] == "->":
                out.setdefault(ref[prefix:], (index, code_off, access))
        return out

    def resolve(self, desc: str, sig: str) -> str | None:
        """The method that a call of `sig` on `desc` runs: declared by `desc` or inherited
        from its closest superclass in the app that declares it (None if none, or abstract)."""
        seen: set[str] = set()
        current: str | None = desc
        while current is not None and current in self.classes and current not in seen:
            seen.add(current)
            found = self.methods(current).get(sig)
            if found is not None:
                return f"{current}->{sig}" if found[1] else None
            if sig in _STATIC_ONLY:
                return None
            current = self.classes[current].super
        return None

    def implementations(self, desc: str) -> dict[str, str]:
        """What a virtual call of each signature runs on an instance of `desc`: the closest
        declaration with code in `desc` and its app superclasses (not static, private or
        constructors)."""
        cls = self.classes.get(desc)
        if cls is None:
            return {}
        if cls.implementations is None:
            out: dict[str, str] = {}
            current: str | None = desc
            seen: set[str] = set()
            while current is not None and current in self.classes and current not in seen:
                seen.add(current)
                for sig, (_, code, access) in self.methods(current).items():
                    if code and not access & _NOT_VIRTUAL and sig not in out:
                        out[sig] = f"{current}->{sig}"
                current = self.classes[current].super
            cls.implementations = out
        return cls.implementations

    def declares_code(self, desc: str, sig: str) -> bool:
        found = self.methods(desc).get(sig)
        return found is not None and found[1] != 0

    def children(self, desc: str) -> list[str]:
        """App classes whose superclass or one of whose interfaces is `desc`, sorted."""
        if self._children is None:
            children: dict[str, list[str]] = {}
            for name in sorted(self.classes):
                cls = self.classes[name]
                for parent in (cls.super, *cls.interfaces):
                    if parent is not None:
                        children.setdefault(parent, []).append(name)
            self._children = children
        return self._children.get(desc, [])

    def subclasses(self, desc: str, limit: int) -> Iterator[str]:
        """App subtypes of `desc` (transitively, breadth first), at most `limit`."""
        seen = {desc}
        queue = deque(self.children(desc))
        count = 0
        while queue and count < limit:
            name = queue.popleft()
            if name in seen:
                continue
            seen.add(name)
            count += 1
            yield name
            queue.extend(self.children(name))

    def ancestors(self, desc: str) -> frozenset[str]:
        """Every supertype of `desc` that can be told: app classes and interfaces, the
        framework types they name, and FRAMEWORK_SUPERS above those."""
        cached = self._ancestors.get(desc)
        if cached is not None:
            return cached
        found: set[str] = set()
        stack = [desc]
        while stack:
            name = stack.pop()
            if name in found:
                continue
            found.add(name)
            cls = self.classes.get(name)
            if cls is not None:
                stack.extend(p for p in (cls.super, *cls.interfaces) if p is not None)
            else:
                stack.extend(FRAMEWORK_SUPERS.get(name, ()))
        result = frozenset(found)
        self._ancestors[desc] = result
        return result

    def methods_named(self, desc: str, name: str) -> list[str]:
        """Methods with code called `name` (any descriptor) that `desc` declares or inherits
        from app superclasses, each signature once (the closest declaration)."""
        out: dict[str, str] = {}
        current: str | None = desc
        seen: set[str] = set()
        while current is not None and current in self.classes and current not in seen:
            seen.add(current)
            for sig, (_, code, _) in self.methods(current).items():
                if code and sig.startswith(name + "(") and sig not in out:
                    out[sig] = f"{current}->{sig}"
            current = self.classes[current].super
        return [out[sig] for sig in sorted(out)]

    def own_methods(self, desc: str) -> list[str]:
        """The overridable methods with code of `desc` and its superclasses up to the first
        library one (androidx, support, Kotlin...), each signature once: the app's own
        callbacks of a framework-called class."""
        out: dict[str, str] = {}
        current: str | None = desc
        seen: set[str] = set()
        while (
            current is not None
            and current in self.classes
            and current not in seen
            and not current.startswith(_LIBRARY)
        ):
            seen.add(current)
            for sig, (_, code, access) in self.methods(current).items():
                if code and not access & _NOT_VIRTUAL and sig not in out:
                    out[sig] = f"{current}->{sig}"
            current = self.classes[current].super
        return [out[sig] for sig in sorted(out)]

    def subclasses_of(self, desc: str) -> list[str]:
        """App subtypes of `desc` that are not library classes."""
        return [d for d in self.subclasses(desc, len(self.classes)) if not d.startswith(_LIBRARY)]

    def known_invokes(self, dex: int, prefixes: tuple[str, ...], indices: list[int]) -> None:
        """The indices of the methods of DEX `dex` starting with one of `prefixes`, when the
        caller has them already (`may_invoke` finds them otherwise)."""
        self._invoke_patterns[(dex, prefixes)] = _invoke_pattern(indices)

    def may_invoke(self, desc: str, code_off: int, prefixes: tuple[str, ...]) -> bool:
        """Whether the code at `code_off` (of class `desc`) may invoke a method whose smali
        reference starts with one of `prefixes`: its bytes hold an invoke opcode followed,
        two bytes on, by the index of such a method (every such invoke does; a few others
        may, so the caller decodes what passes).  False for no code."""
        if not code_off or desc not in self.classes:
            return False
        dex = self.classes[desc].dex
        key = (dex, prefixes)
        if key not in self._invoke_patterns:
            self.known_invokes(dex, prefixes, indices_starting(self.tables[dex].methods, prefixes))
        pattern = self._invoke_patterns[key]
        if pattern is None:
            return False
        data = self.tables[dex].data
        if code_off + 16 > len(data):
            return True  # let the decoder say what is wrong
        (units,) = _U32.unpack_from(data, code_off + 12)
        start = code_off + 16
        return pattern.search(data, start, min(len(data), start + 2 * units)) is not None

    def code(self, method: str) -> _Code:
        """The decoded operations of an app method (empty for abstract/native/unknown)."""
        arrow = method.find("->")
        desc, sig = method[:arrow], method[arrow + 2 :]
        found = self.methods(desc).get(sig)
        if found is None or not found[1]:
            return _Code()
        return _decode(self.tables[self.classes[desc].dex], found[1])


def _invoke_pattern(indices: list[int]) -> re.Pattern[bytes] | None:
    """The bytes of an invoke (35c/3rc/45cc/4rcc: opcode, a byte, the 16-bit method index)
    of one of the methods at `indices`; None if there is none."""
    wanted = [i for i in indices if i < 1 << 16]
    if not wanted:
        return None
    ops = re.escape(bytes((*range(0x6E, 0x73), *range(0x74, 0x79), 0xFA, 0xFB)))
    found = b"|".join(re.escape(i.to_bytes(2, "little")) for i in wanted)
    return re.compile(b"[" + ops + b"].(?:" + found + b")", re.DOTALL)


# --------------------------------------------------------------------------------------------
# Decoding one method
# --------------------------------------------------------------------------------------------


@dataclass
class _Code:
    """One method's operations in code order, and where its calls and uses are."""

    ops: list[str] = field(default_factory=list)
    invokes: list[tuple[int, int, str]] = field(default_factory=list)  # pos, kind, ref
    statics: list[tuple[int, str]] = field(default_factory=list)  # pos, class (static use)
    created: list[tuple[int, str]] = field(default_factory=list)  # pos, class instantiated
    # pos, parameter, value: the constant boolean arguments of static calls into app classes
    consts: list[tuple[int, int, int]] = field(default_factory=list)


def _decode(table: DexTables, code_off: int) -> _Code:
    data = table.data
    if code_off + 16 > len(data):
        raise DexFormatError(f"code_item at 0x{code_off:x} outside the file")
    (units,) = _U32.unpack_from(data, code_off + 12)
    start = code_off + 16
    end = start + 2 * units
    if end > len(data):
        raise DexFormatError(f"code_item at 0x{code_off:x} overruns the file")
    code = _Code()
    strings, types, methods, fields = table.strings, table.types, table.methods, table.fields
    ops, invokes, statics, created = code.ops, code.invokes, code.statics, code.created
    sites: list[tuple[int, int, str]] = []  # calls with a boolean parameter: pos, offset, ref
    pos = start
    while pos < end:
        next_pos = end
        for match in _CODE.finditer(data, pos, end):
            group = match.lastindex
            if group is None:
                continue
            record = match.group(group)
            op = record[0]
            if group == 4:  # a payload: skip it by its size, then walk on
                next_pos = _payload_end(data, match.start(4), end)
                break
            if group == 3:
                ops.append('"' + strings[_U32.unpack_from(record, 2)[0]])
                continue
            index = record[2] | record[3] << 8
            if group == 1:
                ref = methods[index]
                invokes.append((len(ops), _INVOKE_KIND[op], ref))
                if (
                    op in (0x71, 0x77)  # invoke-static(/range): the privacy switches are static
                    # a boolean last or first: the user's choice, setAuth(ctx, false),
                    # Tencent.setIsPermissionGranted(true, model)
                    and ("Z)" in ref or "(Z" in ref)
                    and not ref.startswith(_FRAMEWORK_CLASSES)
                ):
                    sites.append((len(ops), match.start(1), ref))
                ops.append(ref)
            elif op == _CONST_STRING:
                ops.append('"' + strings[index])
            elif op == _NEW_INSTANCE:
                desc = types[index]
                created.append((len(ops), desc))
                ops.append("+" + desc)
            elif op == _CONST_CLASS:
                ops.append("@" + types[index])
            else:  # field access
                ref = fields[index]
                if op in _STATIC_FIELD_OPS:
                    owner = ref[: ref.find("->")]
                    statics.append((len(ops), owner))
                    if op == _SGET_OBJECT:  # a singleton (Kotlin lambda INSTANCE, ...)
                        created.append((len(ops), ref[ref.rfind(":") + 1 :]))
                ops.append(ref)
        pos = next_pos
    if sites:
        code.consts = _boolean_constants(data, start, end, sites)
    return code


# --------------------------------------------------------------------------------------------
# Constant boolean arguments
# --------------------------------------------------------------------------------------------

# Calls into these are the platform's; the constants of interest are passed to SDK methods
# (JCollectionAuth.setAuth(ctx, false)).
_FRAMEWORK_CLASSES = ("Landroid/", "Landroidx/", "Ljava/", "Ljavax/", "Lkotlin/", "Ldalvik/")


def _units() -> list[int]:
    units = [1] * 256
    for width, ops in _WIDTHS.items():
        for op in ops:
            units[op] = width
    for op in _FIELD_OPS:
        units[op] = 2
    for op in _INVOKE_OPS:
        units[op] = 3
    for op in _POLYMORPHIC_OPS:
        units[op] = 4
    return units


_UNITS = _units()
# instructions that write no register (returns, monitors, throw, branches, puts, invokes,
# check-cast, fill-array-data ...)
_NO_DEST = frozenset(
    (
        0x00, 0x0E, 0x0F, 0x10, 0x11, 0x1D, 0x1E, 0x1F, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A,
        0x2B, 0x2C, *range(0x32, 0x3E), *range(0x4B, 0x52), *range(0x59, 0x60),
        *range(0x67, 0x79), 0xFA, 0xFB, 0xFC, 0xFD,
    )
)  # fmt: skip


def _dest_table() -> dict[int, tuple[int, bool]]:
    """opcode -> (where its destination register is: 4 for vA in the high byte's low nibble,
    8 for vAA, 16 for vAAAA; whether it may be a register pair).  Unsure widths count as
    pairs: forgetting one register too many only loses a constant."""
    table: dict[int, tuple[int, bool]] = {}
    for ops, where, wide in (
        ((0x01, 0x07, 0x20, 0x21, 0x23, 0x52, *range(0x54, 0x59), *range(0xD0, 0xD8)), 4, False),
        ((0x04, 0x53, *range(0x7B, 0x90), *range(0xB0, 0xD0)), 4, True),
        ((0x02, 0x08, 0x0A, 0x0C, 0x0D, 0x15, 0x1A, 0x1B, 0x1C, 0x22, 0x44, *range(0x46, 0x4B),
          0x60, *range(0x62, 0x67), *range(0x2D, 0x32), *range(0xD8, 0xE3), 0xFE, 0xFF), 8, False),
        ((0x05, 0x0B, 0x16, 0x17, 0x18, 0x19, 0x45, 0x61, *range(0x90, 0xB0)), 8, True),
        ((0x03, 0x09), 16, False),
        ((0x06,), 16, True),
    ):  # fmt: skip
        for op in ops:
            table[op] = (where, wide)
    return table


_DEST = _dest_table()


def word16(data: bytes, pos: int) -> int:
    return data[pos + 2] | data[pos + 3] << 8


_GOTO = {0x28: 1, 0x29: 2, 0x2A: 4}  # goto, goto/16, goto/32: offset size in bytes
_IF = range(0x32, 0x3E)  # if-test, if-testz: a 16-bit offset at byte 2
_SWITCH = (0x2B, 0x2C)  # packed-switch, sparse-switch: a 32-bit payload offset at byte 2
_STOP = frozenset((0x0E, 0x0F, 0x10, 0x11, 0x27, 0x28, 0x29, 0x2A))  # no fall-through


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _branches(data: bytes, start: int, end: int) -> list[tuple[int, int]] | None:
    """(source, target) byte offsets of the method's branches and switch cases (None if a
    switch payload cannot be read)."""
    found: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        op = data[pos]
        if op == 0x00 and data[pos + 1] in (1, 2, 3):
            pos = _payload_end(data, pos, end)
            continue
        if op in _GOTO:
            size = _GOTO[op]
            raw = (
                data[pos + 1]
                if size == 1
                else int.from_bytes(data[pos + 2 : pos + 2 + size], "little")
            )
            found.append((pos, pos + 2 * _signed(raw, 8 * size)))
        elif op in _IF:
            found.append((pos, pos + 2 * _signed(data[pos + 2] | data[pos + 3] << 8, 16)))
        elif op in _SWITCH:
            payload = pos + 2 * _signed(int.from_bytes(data[pos + 2 : pos + 6], "little"), 32)
            if not start <= payload < end - 4:
                return None
            size = data[payload + 2] | data[payload + 3] << 8
            first = payload + (8 if op == 0x2B else 4 + 4 * size)
            for i in range(size):
                at = first + 4 * i
                if at + 4 > end:
                    return None
                offset = _signed(int.from_bytes(data[at : at + 4], "little"), 32)
                found.append((pos, pos + 2 * offset))
        pos += 2 * _UNITS[op]
    return found


def _meet(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    """What two paths agree on."""
    return {reg: value for reg, value in a.items() if b.get(reg, value + 1) == value}


def _boolean_parameters(ref: str) -> list[tuple[int, int]]:
    """(parameter index, register offset) of each boolean parameter of a method reference,
    the offset counted in argument registers (long and double take two)."""
    params = ref[ref.find("(") + 1 : ref.find(")")]
    out: list[tuple[int, int]] = []
    i = index = offset = 0
    while i < len(params):
        char = params[i]
        j = i
        while params[j] == "[":
            j += 1
        if params[j] == "L":
            j = params.index(";", j)
        if char == "Z":
            out.append((index, offset))
        offset += 2 if char in "JD" else 1
        index += 1
        i = j + 1
    return out


def _boolean_constants(
    data: bytes, start: int, end: int, sites: Sequence[tuple[int, int, str]]
) -> list[tuple[int, int, int]]:
    """(op position, parameter index, value) for the boolean arguments of `sites` that a
    const/4, const/16 or const instruction sets on every path to the call.  One walk in code
    order: at a forward branch's target the registers keep the values all the paths there
    agree on, at a loop's head (the target of a backward branch) and where no path is known
    (an exception handler) nothing is known; an instruction that may write a register
    forgets it."""
    branches = _branches(data, start, end)
    if branches is None:
        return []
    by_source: dict[int, list[int]] = {}
    for source, target in branches:
        by_source.setdefault(source, []).append(target)
    loops = {target for source, target in branches if target <= source}
    forward = {target for source, target in branches if target > source} - loops
    at_offset = {offset: (pos, ref) for pos, offset, ref in sites}
    out: list[tuple[int, int, int]] = []
    pending: dict[int, dict[int, int]] = {}  # forward target -> what the branches there agree
    known: dict[int, int] = {}
    live = True  # the previous instruction falls through to this one
    pos = start
    while pos < end:
        if pos in loops:
            known = {}
        elif pos in forward:
            incoming = pending.pop(pos, {})
            known = _meet(known, incoming) if live else incoming
        elif not live:
            known = {}
        live = True
        op = data[pos]
        if op == 0x00 and data[pos + 1] in (1, 2, 3):
            pos = _payload_end(data, pos, end)
            live = False
            continue
        b1 = data[pos + 1]
        if op == 0x12:  # const/4 vA, #+B
            known[b1 & 0xF] = _signed(b1 >> 4, 4)
        elif op == 0x13:  # const/16 vAA, #+BBBB
            known[b1] = _signed(data[pos + 2] | data[pos + 3] << 8, 16)
        elif op == 0x14:  # const vAA, #+BBBBBBBB
            known[b1] = _signed(int.from_bytes(data[pos + 2 : pos + 6], "little"), 32)
        elif pos in at_offset:
            index, ref = at_offset[pos]
            word = data[pos + 4] | data[pos + 5] << 8
            if op >= 0x74:  # invoke-*/range {vCCCC .. vNNNN}
                regs = list(range(word, word + b1))
            else:  # invoke-* {vC, vD, vE, vF, vG}
                regs = [word & 0xF, word >> 4 & 0xF, word >> 8 & 0xF, word >> 12, b1 & 0xF]
                regs = regs[: b1 >> 4]
            this = 0 if op in (0x71, 0x77) else 1  # invoke-static(/range) has no receiver
            for param, offset in _boolean_parameters(ref):
                value = known.get(regs[this + offset]) if this + offset < len(regs) else None
                if value in (0, 1):
                    out.append((index, param, value))
        elif op not in _NO_DEST:  # writes its destination (and the next one, if wide)
            where = _DEST.get(op)
            if where is None:  # an unused opcode: nothing is known after it
                known = {}
            else:
                reg = b1 & 0xF if where[0] == 4 else b1 if where[0] == 8 else word16(data, pos)
                known.pop(reg, None)
                if where[1]:
                    known.pop(reg + 1, None)
        for target in by_source.get(pos, ()):
            if target in forward:
                pending[target] = (
                    _meet(pending[target], known) if target in pending else dict(known)
                )
        if op in _STOP:
            live = False
        pos += 2 * _UNITS[op]
    return out


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def descriptor(dotted: str) -> str:
    """'com.example.App' -> 'Lcom/example/App;'."""
    return "L" + dotted.replace(".", "/") + ";"


def entry_points(
    index: CodeIndex,
    application: str | None,
    components: Iterable[tuple[str, str, Mapping[str, str]]],
    launcher: str | None,
    app_meta: Mapping[str, str] | None = None,
    receiver_actions: Mapping[str, Sequence[str]] | None = None,
) -> list[CodeEntry]:
    """The entry methods present in the code, in tier order (see the module docstring).

    components: (kind, class name, meta-data) of the manifest's components; app_meta: the
    <application>'s meta-data (TINKER_PATCH_APPLICATION); receiver_actions: the actions of
    each receiver's intent filters, when known: then only receivers of a broadcast the
    system sends by itself (an "android." action: boot, connectivity, package changes ...)
    are entry points; the others run when the app or an SDK sends to them."""
    wanted: list[tuple[str, str, str]] = []  # kind, dotted class, component
    if application:
        wanted.append(("application", application, application))
        delegates = real_applications(index, application, app_meta or {})
        wanted += [("delegate", delegate, application) for delegate in delegates]
    receivers: list[tuple[str, str, str]] = []
    for kind, name, meta in components:
        if kind == "provider":
            wanted.append(("provider", name, name))
            if name == STARTUP_PROVIDER:
                for key, value in sorted(meta.items()):
                    if value == STARTUP_VALUE:
                        wanted.append(("startup", key, name))
        elif kind == "receiver" and (
            receiver_actions is None
            or any(a.startswith(SYSTEM_ACTION) for a in receiver_actions.get(name, ()))
        ):
            receivers.append(("receiver", name, name))
    wanted += sorted(receivers)
    if launcher:
        wanted.append(("launcher", launcher, launcher))
    out: list[CodeEntry] = []
    seen: set[str] = set()
    for kind, dotted, component in wanted:
        desc = descriptor(dotted)
        if desc not in index:
            continue
        if kind in ("startup", "delegate"):
            names = ("create",) if kind == "startup" else _DELEGATE_METHODS
            methods = [
                m
                for m in (index.resolve(desc, "<clinit>()V"), index.resolve(desc, "<init>()V"))
                if m is not None
            ] + [m for name in names for m in index.methods_named(desc, name)]
            kind = "startup" if kind == "startup" else "application"
        else:
            methods = [m for m in (index.resolve(desc, s) for s in _ENTRY_METHODS[kind]) if m]
        for method in methods:
            if method not in seen:
                seen.add(method)
                out.append(CodeEntry(method, kind, component))
    return sorted(out, key=lambda e: TIERS[e.kind])  # stable: manifest order within a tier


def real_applications(index: CodeIndex, application: str, app_meta: Mapping[str, str]) -> list[str]:
    """The real Application behind a hot-fix shell (dotted names, in the code):

    * Tinker's TinkerApplication is given its ApplicationLike's class name as a constant
      string by the shell's constructor (`super(flags, "com.x.AppLike", ...)`) or returned by
      `getApplicationLikeClassName()`; the shell creates it by reflection and forwards
      attachBaseContext and onCreate to it;
    * TinkerPatch/Bugly's reflect mode names the original Application in the meta-data
      TINKER_PATCH_APPLICATION.

    A multidex shell (MultiDexApplication) is an ordinary superclass; packer stubs whose
    payload is encrypted are reported as partial coverage (pi_scan.facts.coverage)."""
    found: list[str] = []
    meta = app_meta.get(TINKER_PATCH_META)
    if meta and meta != application:
        found.append(meta)
    desc = descriptor(application)
    if not any(a.endswith(TINKER_SHELL) for a in index.ancestors(desc)):
        return found
    for sig in ("<init>()V", "getApplicationLikeClassName()Ljava/lang/String;"):
        method = index.resolve(desc, sig)
        if method is None:
            continue
        for op in index.code(method).ops:
            if op.startswith('"') and IDENTIFIER.match(op[1:]) and "." in op:
                name = op[1:]
                target = descriptor(name)
                if target != desc and target in index and index.methods_named(target, "onCreate"):
                    found.append(name)
    return list(dict.fromkeys(found))


def app_entry_points(
    index: CodeIndex,
    application: str | None,
    components: Iterable[tuple[str, str, Mapping[str, str]]],
    layout_strings: Iterable[str] = (),
    app_meta: Mapping[str, str] | None = None,
) -> AppSeeds:
    """What the framework runs or creates over the app's whole life (the whole-app set):
    every component and the real Application (created, with their callbacks), the classes
    named in layouts (custom Views, fragments), in meta-data (androidx.startup initializers,
    Firebase component registrars), and WorkManager workers; the methods named by
    android:onClick in a layout, on every activity."""
    created: list[str] = []
    activities: list[str] = []
    if application:
        created.append(descriptor(application))
        created += [descriptor(d) for d in real_applications(index, application, app_meta or {})]
    for kind, name, meta in components:
        created.append(descriptor(name))
        if kind in ("activity", "activity-alias"):
            activities.append(descriptor(name))
        for key, value in sorted(meta.items()):
            if value in _META_CREATED:  # Firebase: "com.google.firebase.components:CLASS"
                created.append(descriptor(key.rsplit(":", 1)[-1]))
    strings = set(layout_strings)
    for text in sorted(strings):
        if "." in text and IDENTIFIER.match(text):
            created.append(descriptor(text))
    if WORKER in index:  # WorkManager is in the app: its workers
        created += index.subclasses_of(WORKER)
    handlers = {s for s in strings if _METHOD_NAME.match(s)}
    methods: list[str] = []
    for activity in dict.fromkeys(activities):  # its public methods name(View), inherited too
        for sig, target in sorted(index.implementations(activity).items()):
            if sig.endswith(_VIEW_HANDLER) and sig[: -len(_VIEW_HANDLER)] in handlers:
                methods.append(target)
    return AppSeeds(
        tuple(d for d in dict.fromkeys(created) if d in index), tuple(dict.fromkeys(methods))
    )


# --------------------------------------------------------------------------------------------
# The graph
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeGraph:
    entries: tuple[CodeEntry, ...]
    nodes: tuple[CodeNode, ...]
    limits: tuple[str, ...]


@dataclass(frozen=True)
class AppSeeds:
    """What the framework creates or calls over the app's life (`app_entry_points`)."""

    created: tuple[str, ...] = ()  # class descriptors: instantiated, their callbacks reached
    methods: tuple[str, ...] = ()  # methods run directly (android:onClick handlers)


@dataclass(frozen=True)
class CodeGraphs:
    pre_consent: CodeGraph
    app: tuple[str, ...]  # every method reached in the whole-app set, in discovery order
    app_limits: tuple[str, ...]


class _Builder:
    def __init__(
        self,
        index: CodeIndex,
        max_depth: int,
        budget: int,
        services: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.index = index
        self.services = services or {}  # service type -> provider classes (descriptors)
        self.max_depth = max_depth
        self.budget = budget
        self.whole_app = False  # instantiated framework-called classes get their callbacks
        self.roots: dict[str, None] = {}  # entries, and callbacks of the whole app
        self.depth: dict[str, int] = {}
        self.queue: deque[str] = deque()
        self.edges: dict[str, list[CodeEdge]] = {}
        self.edge_keys: set[tuple[str, int, str]] = set()
        self.ops: dict[str, tuple[str, ...]] = {}
        self.consts: dict[str, tuple[tuple[int, int, int], ...]] = {}
        self.instantiated: dict[str, None] = {}  # in order: deterministic
        self.by_ancestor: dict[str, list[str]] = {}  # callback type -> instantiated subtypes
        # sig -> (instantiated class, the method a call of sig runs on it)
        self.impl: dict[str, list[tuple[str, str]]] = {}
        # (type, sig) -> how many of impl[sig] were looked at, the targets among them
        self.matches: dict[tuple[str, str], tuple[int, list[str]]] = {}
        self.sites: dict[str, list[tuple[str, int, str]]] = {}  # sig -> caller, pos, type
        self.fanout: dict[tuple[str, int], int] = {}  # targets by dispatch or a guessed hand-over
        self.saturated: set[tuple[str, int]] = set()  # sites that refused more targets
        # Targets one site takes: one more than MAX_DISPATCH before consent (enough to know it
        # is megamorphic, and it is left out), APP_MAX_DISPATCH in the whole-app walk, which
        # takes the sites saturated before up again (`deferred`: caller, pos, type, sig).
        self.cap = MAX_DISPATCH + 1
        self.deferred: list[tuple[str, int, str, str]] = []
        self.over_depth = 0
        self.over_budget = 0

    # ---- bookkeeping

    def discover(self, method: str, depth: int) -> bool:
        if method in self.depth:
            return True
        if depth > self.max_depth:
            self.over_depth += 1
            return False
        if len(self.depth) >= self.budget:
            self.over_budget += 1
            return False
        self.depth[method] = depth
        self.queue.append(method)
        return True

    def root(self, method: str) -> None:
        if self.discover(method, 0):
            self.roots[method] = None

    def edge(self, caller: str, pos: int, target: str, how: str, guess: bool = False) -> bool:
        """Add an edge; False when the call site already has `cap` targets by dispatch or
        by a guessed hand-over (`guess`)."""
        key = (caller, pos, target)
        edge_keys = self.edge_keys
        if key in edge_keys:
            return True
        if how == "dispatch" or guess:
            site = (caller, pos)
            count = self.fanout.get(site, 0)
            if count >= self.cap:
                self.saturated.add(site)
                return False
            self.fanout[site] = count + 1
        if target in self.depth or self.discover(target, self.depth[caller] + 1):
            edge_keys.add(key)
            self.edges.setdefault(caller, []).append(CodeEdge(pos, target, how))
        return True

    def instantiate(self, desc: str) -> None:
        index = self.index
        if desc in self.instantiated or desc not in index:
            return
        self.instantiated[desc] = None
        ancestors = index.ancestors(desc) | {OBJECT}
        for callback_type in sorted(_CALLBACK_SET & ancestors):
            self.by_ancestor.setdefault(callback_type, []).append(desc)
        if self.whole_app:
            self._callbacks(desc, ancestors)
        for sig, target in index.implementations(desc).items():
            self.impl.setdefault(sig, []).append((desc, target))
            sites = self.sites.get(sig)
            if not sites:
                continue
            full = []
            for i, (caller, pos, static) in enumerate(sites):  # earlier call sites
                if static in ancestors and not self.edge(caller, pos, target, "dispatch"):
                    full.append(i)
            for i in reversed(full):  # saturated sites take no more targets
                self.deferred.append((*sites[i], sig))
                del sites[i]

    def _callbacks(self, desc: str, ancestors: frozenset[str]) -> None:
        """Whole app: an instantiated class the framework calls back (a listener, View,
        fragment, Handler...) has its own methods run by it."""
        if desc.startswith(_LIBRARY) or not any(a.startswith(_FRAMEWORK_CALLED) for a in ancestors):
            return
        for method in self.index.own_methods(desc):
            self.root(method)

    def site(self, caller: str, pos: int, static: str, sig: str) -> None:
        """A call that dispatches on the run-time type: the implementations in the classes
        instantiated so far (and later) that are subtypes of the called type."""
        if static == OBJECT and sig in _OBJECT_SIGS:
            return
        for target in self._targets(static, sig):
            if not self.edge(caller, pos, target, "dispatch"):
                self.deferred.append((caller, pos, static, sig))
                return  # saturated: not registered for later classes either
        self.sites.setdefault(sig, []).append((caller, pos, static))

    def _targets(self, static: str, sig: str) -> list[str]:
        """The implementations of `sig` in the instantiated subtypes of `static` so far
        (kept per type and signature, extended with the classes instantiated since)."""
        impl = self.impl.get(sig)
        if not impl:
            return []
        key = (static, sig)
        cached = self.matches.get(key)
        if cached is None:
            cached = self.matches[key] = (0, [])
        scanned, found = cached
        if scanned < len(impl):
            ancestors = self.index.ancestors
            found += [target for desc, target in impl[scanned:] if static in ancestors(desc)]
            self.matches[key] = (len(impl), found)
        return list(found)

    # ---- one method

    def visit(self, method: str) -> None:
        index = self.index
        own = method[: method.find("->")]
        code = index.code(method)
        self.ops[method] = tuple(code.ops)
        if code.consts:
            self.consts[method] = tuple(code.consts)
        for _, desc in code.created:
            self.instantiate(desc)
        for pos, desc in code.created:
            if desc != own:
                self._clinit(method, pos, desc)
        for pos, desc in code.statics:
            if desc != own:
                self._clinit(method, pos, desc)
        made = [(pos, desc) for pos, desc in code.created if desc in index]
        last_sink = -1
        last_start = -1
        reflective = False
        for pos, kind, ref in code.invokes:
            arrow = ref.find("->")
            cls, sig = ref[:arrow], ref[arrow + 2 :]
            if cls in index:
                self._app_call(method, pos, kind, cls, sig)
            elif kind in (_VIRTUAL, _INTERFACE):
                self.site(method, pos, cls, sig)
            if ref.startswith(_FOR_NAME):
                reflective = True
            elif ref.startswith(SERVICE_LOADER) and self.services:
                self._service_loader(method, pos, code)
            if sig.startswith(_START_ACTIVITY):
                self._start_activity(method, pos, code.ops, last_start)
                last_start = pos
            callbacks = _async_callbacks(ref)
            if callbacks:
                # the callback handed over is made just before: since the previous hand-over
                window = [d for at, d in made if last_sink < at < pos]
                self._async(method, pos, callbacks, window or [d for at, d in made if at < pos])
                last_sink = pos
        if reflective or any(ref.startswith(_NEW_INSTANCE_REFLECT) for _, _, ref in code.invokes):
            self._reflection(method, code, reflective)

    def _app_call(self, caller: str, pos: int, kind: int, cls: str, sig: str) -> None:
        index = self.index
        if kind in (_VIRTUAL, _INTERFACE):
            self.site(caller, pos, cls, sig)
            if (
                kind == _VIRTUAL
                and sig == "start()V"
                and "Ljava/lang/Thread;" in index.ancestors(cls)
            ):
                run = index.resolve(cls, "run()V")
                if run is not None:
                    self.edge(caller, pos, run, "async")
            return
        target = index.resolve(cls, sig)
        if target is not None:
            self.edge(caller, pos, target, "call")
        if kind == _STATIC and cls != caller[: caller.find("->")]:
            self._clinit(caller, pos, cls)

    def _reflection(self, caller: str, code: _Code, for_name: bool) -> None:
        """Class.forName / loadClass with a constant app class name initialises it; with
        Class/Constructor.newInstance in the same method (or on a const-class), it is
        instantiated and its no-argument constructor runs."""
        index = self.index
        creates = any(ref.startswith(_NEW_INSTANCE_REFLECT) for _, _, ref in code.invokes)
        for pos, op in enumerate(code.ops):
            if op.startswith('"') and for_name and IDENTIFIER.match(op[1:]):
                desc = descriptor(op[1:])
            elif op.startswith("@L") and creates:
                desc = op[1:]
            else:
                continue
            if desc not in index:
                continue
            if index.declares_code(desc, "<clinit>()V"):
                self.edge(caller, pos, f"{desc}-><clinit>()V", "reflection")
            if creates:
                self.instantiate(desc)
                init = index.resolve(desc, "<init>()V")
                if init is not None:
                    self.edge(caller, pos, init, "reflection")

    def _service_loader(self, caller: str, pos: int, code: _Code) -> None:
        """ServiceLoader.load(X.class) creates the providers of X listed in the app's
        META-INF/services/X (the const-class before the call names X)."""
        index = self.index
        for op in reversed(code.ops[:pos]):
            if op.startswith("@"):
                for provider in self.services.get(op[1:], ()):
                    if provider not in index:
                        continue
                    self.instantiate(provider)
                    init = index.resolve(provider, "<init>()V")
                    if init is not None:
                        self.edge(caller, pos, init, "reflection")
                return

    def _async(self, caller: str, pos: int, callbacks: tuple[str, ...], made: list[str]) -> None:
        index = self.index
        found = False
        for desc in dict.fromkeys(made):
            for name in callbacks:
                for target in index.methods_named(desc, name):
                    found = True
                    self.edge(caller, pos, target, "async")
        if found:
            return
        base = code_base(caller)
        for name in callbacks:  # handed over from elsewhere: an instantiated callback type
            static = _CALLBACK_TYPES.get(name)
            if static is None:
                continue
            for desc in list(self.by_ancestor.get(static, ())):
                if not desc.startswith(base):  # another vendor's callback: not handed here
                    continue
                for target in index.methods_named(desc, name):
                    if not self.edge(caller, pos, target, ASYNC_GUESS, guess=True):
                        return

    def _start_activity(self, caller: str, pos: int, ops: Sequence[str], since: int) -> None:
        """An explicit Intent started: the last app Activity named by a const-class between
        the previous start and this one is created and its lifecycle runs."""
        index = self.index
        for at in range(pos - 1, since, -1):
            op = ops[at]
            if not op.startswith("@L"):
                continue
            desc = op[1:]
            if desc not in index or ACTIVITY not in index.ancestors(desc):
                continue
            self.instantiate(desc)
            for sig in ACTIVITY_LIFECYCLE:
                target = index.resolve(desc, sig)
                if target is not None:
                    self.edge(caller, pos, target, "activity")
            return

    def _clinit(self, caller: str, pos: int, desc: str) -> None:
        if self.index.declares_code(desc, "<clinit>()V"):
            self.edge(caller, pos, f"{desc}-><clinit>()V", "clinit")

    # ---- all

    def run(self, entries: Sequence[str], created: Iterable[str] = ()) -> None:
        for method in entries:
            self.instantiate(method[: method.find("->")])
        for desc in created:
            self.instantiate(desc)
        for method in entries:
            self.root(method)
        while self.queue:
            self.visit(self.queue.popleft())

    def snapshot(self, max_dispatch: int) -> tuple[list[CodeNode], int]:
        """The nodes reached from the roots when the call sites with more than `max_dispatch`
        targets are left out, and how many sites those are; a site's only target is a plain
        "call"."""
        fanout = self.fanout
        megamorphic = {site for site, count in fanout.items() if count > max_dispatch}
        kept: dict[str, tuple[CodeEdge, ...]] = {}
        seen = set(self.roots)
        queue = deque(self.roots)
        while queue:
            method = queue.popleft()
            out = []
            for e in self.edges.get(method, ()):
                site = (method, e.at)
                if e.how in ("dispatch", "async", ASYNC_GUESS) and site in megamorphic:
                    continue
                if e.how == "dispatch" and fanout.get(site) == 1:
                    e = CodeEdge(e.at, e.target, "call")
                elif e.how == ASYNC_GUESS and fanout.get(site) == 1:  # the only candidate
                    e = CodeEdge(e.at, e.target, "async")
                out.append(e)
                if e.target not in seen:
                    seen.add(e.target)
                    queue.append(e.target)
            kept[method] = tuple(out)
        nodes = [
            CodeNode(m, self.ops.get(m, ()), kept[m], self.consts.get(m, ()))
            for m in self.depth
            if m in seen
        ]
        return nodes, len(megamorphic)

    def limits(self, megamorphic: int, max_dispatch: int, prefix: str = "call graph") -> list[str]:
        out = []
        if self.over_budget:
            out.append(
                f"{prefix}: budget of {self.budget} methods reached "
                f"({self.over_budget} calls not followed)"
            )
        if self.over_depth:
            out.append(
                f"{prefix}: depth limit of {self.max_depth} calls reached "
                f"({self.over_depth} calls not followed)"
            )
        if megamorphic and max_dispatch == APP_MAX_DISPATCH:
            out.append(
                f"{prefix}: {megamorphic} call sites with more than {max_dispatch} possible "
                f"targets (the first {max_dispatch} followed)"
            )
        elif megamorphic:
            out.append(
                f"{prefix}: {megamorphic} call sites with more than {max_dispatch} possible "
                "targets not followed"
            )
        return out


def code_base(desc: str) -> str:
    """The code base of a class or method: its first two package segments ("Lcn/jiguang/"),
    or its package when it has fewer.  A guessed hand-over stays in the caller's code base: JCore
    sending a message to a Handler it got from elsewhere runs one of JIGUANG's Handlers, not
    Baidu location's."""
    cls = desc[: desc.find("->")] if "->" in desc else desc
    first = cls.find("/")
    second = cls.find("/", first + 1) if first >= 0 else -1
    if second >= 0 and cls.find("/", second + 1) >= 0:
        return cls[: second + 1]
    return cls[: cls.rfind("/") + 1] if first >= 0 else "L"


# A callback handed over from elsewhere (a parameter): which one runs is a guess among every
# instantiated class of its type, blind to which caller passed which; the pre-consent chains
# through it are low confidence (pi_scan.facts.consent).
ASYNC_GUESS = "async-guess"


def _async_callbacks(ref: str) -> tuple[str, ...]:
    key = ref[: ref.find("(") + 1]
    for prefix, callbacks in _PARAM_SINKS.get(key, ()):
        if ref.startswith(prefix):
            return callbacks
    return ASYNC_SINKS.get(key, ())


def build_code_graph(
    index: CodeIndex,
    entries: Sequence[CodeEntry],
    max_depth: int = DEFAULT_DEPTH,
    budget: int = DEFAULT_BUDGET,
) -> CodeGraph:
    """The methods reached from `entries` (see the module docstring), in discovery order."""
    return build_code_graphs(index, entries, None, max_depth, budget).pre_consent


def build_code_graphs(
    index: CodeIndex,
    entries: Sequence[CodeEntry],
    seeds: AppSeeds | None,
    max_depth: int = DEFAULT_DEPTH,
    budget: int = DEFAULT_BUDGET,
    app_budget: int = DEFAULT_APP_BUDGET,
    services: Mapping[str, Sequence[str]] | None = None,
) -> CodeGraphs:
    """The pre-consent graph from `entries`, then (with `seeds`) the whole-app set: the same
    walk continued from everything the framework creates or calls later, so the methods of
    the first are decoded once."""
    builder = _Builder(index, max_depth, budget, services)
    builder.run([e.method for e in entries])
    nodes, megamorphic = builder.snapshot(MAX_DISPATCH)
    pre = CodeGraph(tuple(entries), tuple(nodes), tuple(builder.limits(megamorphic, MAX_DISPATCH)))
    if seeds is None:
        return CodeGraphs(pre, (), ())
    builder.whole_app = True
    builder.budget = max(app_budget, budget)
    builder.over_budget = builder.over_depth = 0
    builder.cap = APP_MAX_DISPATCH
    builder.saturated.clear()
    deferred, builder.deferred = builder.deferred, []
    for site in deferred:  # megamorphic before consent: up to the whole-app bound now
        builder.site(*site)
    for desc in list(builder.instantiated):  # entry classes: their other callbacks too
        builder._callbacks(desc, index.ancestors(desc))
    builder.run(seeds.methods, seeds.created)
    # nothing left out: every method discovered is reached from a root
    limits = builder.limits(len(builder.saturated), APP_MAX_DISPATCH, "whole-app call graph")
    return CodeGraphs(pre, tuple(builder.depth), tuple(limits))


def reflective_methods(
    index: CodeIndex, classes: Iterable[str], limit: int = MAX_REFLECTIVE
) -> tuple[CodeNode, ...]:
    """Methods of `classes` (dotted names) that look a member up by reflection and hold a
    constant string, with their operations (edges are not resolved here).  Only methods
    whose bytes hold an invoke of a lookup method are decoded (`CodeIndex.may_invoke`)."""
    out: list[CodeNode] = []
    for dotted in sorted(set(classes)):
        desc = descriptor(dotted)
        for sig, (_, code_off, _) in sorted(index.methods(desc).items()):
            if not index.may_invoke(desc, code_off, REFLECTIVE_LOOKUPS):
                continue
            method = f"{desc}->{sig}"
            code = index.code(method)
            if not any(ref.startswith(REFLECTIVE_LOOKUPS) for _, _, ref in code.invokes):
                continue
            if not any(op.startswith('"') for op in code.ops):
                continue
            out.append(CodeNode(method, tuple(code.ops), ()))
            if len(out) >= limit:
                return tuple(out)
    return tuple(out)


# Framework calls that ask the package manager which apps answer an intent (resolveActivity,
# which answers with one activity, never lists); `methods_calling` keeps the
# operations of the methods making them, so that `pi_scan.facts` can tell an installed-app
# list (a MAIN/LAUNCHER query) from a question about one intent (share, view, a scheme).
INTENT_QUERIES = (
    "Landroid/content/pm/PackageManager;->queryIntentActivities(",
    "Landroid/content/pm/PackageManager;->queryIntentActivityOptions(",
    "Landroid/content/pm/PackageManager;->queryIntentServices(",
    "Landroid/content/pm/PackageManager;->queryBroadcastReceivers(",
)
MAX_INTENT_QUERIES = 2_000  # methods kept per app


def methods_calling(
    index: CodeIndex,
    classes: Iterable[str],
    prefixes: tuple[str, ...] = INTENT_QUERIES,
    limit: int = MAX_INTENT_QUERIES,
) -> tuple[CodeNode, ...]:
    """Methods of `classes` (dotted names) that invoke a method starting with one of
    `prefixes`, with their operations (edges are not resolved here)."""
    out: list[CodeNode] = []
    for dotted in sorted(set(classes)):
        desc = descriptor(dotted)
        if desc not in index:
            continue
        for sig in sorted(index.methods(desc)):
            method = f"{desc}->{sig}"
            code = index.code(method)
            if not any(ref.startswith(prefixes) for _, _, ref in code.invokes):
                continue
            out.append(CodeNode(method, tuple(code.ops), ()))
            if len(out) >= limit:
                return tuple(out)
    return tuple(out)
