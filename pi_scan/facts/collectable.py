"""Whether a sensitive-API use can actually hand out PI in this app: `collectable`.

A call only collects personal information if, on some device the app can run on, it returns the
PI for this app.  That depends on the device's API level (from the app's minSdk to the newest),
on the app's targetSdk (many restrictions apply only to apps targeting a newer level), and on
the permissions the app declares (a `maxSdkVersion` ends a declaration, and
`<uses-permission-sdk-23>` starts it at API 23).  The API catalogue says what each call needs
(`ApiEntry.access`, `api_min`, `api_max`; see apis.schema.json); this module reads the app's side
from its facts and answers with a reason an auditor can check:

    collectable(<TelephonyManager.getDeviceId>, AppSdk(21, 28, (Declared(READ_PHONE_STATE),)))
    == (True, "needs READ_PRIVILEGED_PHONE_STATE (privileged apps only) on Android 10+;
              READ_PHONE_STATE declared, minSdk 21: collectable on Android 5.0-9 (API 21-28)")

The device levels are walked one by one; levels with the same outcome and the same why are
reported as one span ("on Android 6.0+").  Levels before the API existed are left out of the
reason when other levels say more.

Android's own defaults apply: an unknown minSdk is 1, an unknown targetSdk is the minSdk.
A use that is not collectable may be reported as advice ("would read X if Y"), never as a
violation.  Pure functions only: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pi_scan.facts.catalog import AccessStep, ApiEntry

# The newest Android API level the catalogues were checked against (permissions.json
# api_level_current); a device level above it behaves like it.
NEWEST_API = 36

# <queries> intent action that makes every launchable app visible (package visibility)
BROAD_QUERY_ACTIONS = frozenset({"android.intent.action.MAIN"})

ANDROID_VERSIONS = {
    1: "1.0", 2: "1.1", 3: "1.5", 4: "1.6", 5: "2.0", 6: "2.0.1", 7: "2.1", 8: "2.2", 9: "2.3",
    10: "2.3.3", 11: "3.0", 12: "3.1", 13: "3.2", 14: "4.0", 15: "4.0.3", 16: "4.1", 17: "4.2",
    18: "4.3", 19: "4.4", 20: "4.4W", 21: "5.0", 22: "5.1", 23: "6.0", 24: "7.0", 25: "7.1",
    26: "8.0", 27: "8.1", 28: "9", 29: "10", 30: "11", 31: "12", 32: "12L", 33: "13", 34: "14",
    35: "15", 36: "16",
}  # fmt: skip


@dataclass(frozen=True)
class Declared:
    """One declared permission: <uses-permission> (up to `max_sdk`) or <uses-permission-sdk-23>."""

    name: str
    max_sdk: int | None = None
    sdk23: bool = False

    def on(self, device: int) -> bool:
        """Whether the declaration is in force on device level `device`."""
        if self.sdk23 and device < 23:
            return False
        return self.max_sdk is None or device <= self.max_sdk


@dataclass(frozen=True)
class AppSdk:
    """The facts about an app that decide whether a call returns PI (one app, or a bundle:
    the permissions and <queries> of all its members, as extraction unites them)."""

    min_sdk: int | None = None
    target_sdk: int | None = None
    permissions: tuple[Declared, ...] = ()
    queries_packages: tuple[str, ...] = ()
    queries_actions: tuple[str, ...] = ()
    queries_providers: tuple[str, ...] = ()

    @property
    def min_level(self) -> int:
        return self.min_sdk if self.min_sdk is not None and self.min_sdk >= 1 else 1

    @property
    def target(self) -> int:
        """targetSdk, or minSdk when the manifest does not say (as Android does)."""
        return self.target_sdk if self.target_sdk is not None else self.min_level

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any]) -> AppSdk:
        """From the flat facts (`permission_uses`, `min_sdk`, `target_sdk`, `queries.*`)."""
        uses: Iterable[Mapping[str, Any]] = facts.get("permission_uses") or ()
        declared = [Declared(str(u["name"]), u.get("max_sdk"), bool(u.get("sdk23"))) for u in uses]
        if not declared:  # facts without permission_uses (rule test cases): plain names
            declared = [Declared(str(name)) for name in facts.get("permissions") or ()]
        return cls(
            min_sdk=_int(facts.get("min_sdk")),
            target_sdk=_int(facts.get("target_sdk")),
            permissions=tuple(declared),
            queries_packages=tuple(facts.get("queries.packages") or ()),
            queries_actions=tuple(facts.get("queries.actions") or ()),
            queries_providers=tuple(facts.get("queries.providers") or ()),
        )

    def declared_on(self, device: int) -> frozenset[str]:
        """The permissions declared in force on device level `device`."""
        return frozenset(p.name for p in self.permissions if p.on(device))

    def queries(self, kind: str) -> bool:
        """Whether the <queries> element gives the visibility `kind` ("broad" or "any")."""
        if kind == "broad":
            return bool(BROAD_QUERY_ACTIONS.intersection(self.queries_actions))
        return bool(self.queries_packages or self.queries_actions or self.queries_providers)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def android(level: int) -> str:
    """ "Android 6.0" for 23; "API 40" for a level this module does not know."""
    version = ANDROID_VERSIONS.get(level)
    return f"Android {version}" if version is not None else f"API {level}"


def short(name: str) -> str:
    """READ_PHONE_STATE for android.permission.READ_PHONE_STATE."""
    return name.rsplit(".", 1)[-1]


def _names(names: Sequence[str]) -> str:
    return ", ".join(short(n) for n in names)


@dataclass(frozen=True)
class _Level:
    """What happens on one device level: PI or not, and why (the why groups levels)."""

    ok: bool
    why: str


def _on_level(entry: ApiEntry, app: AppSdk, device: int) -> _Level:
    target = app.target
    if entry.api_min is not None and device < entry.api_min:
        return _Level(False, f"the API does not exist before {android(entry.api_min)}")
    step = next((s for s in entry.access if s.covers(device, target)), None)
    if step is None:
        return _Level(False, "returns no PI")
    beyond = entry.api_max is not None and device > entry.api_max
    if beyond and step.access not in ("blocked", "privileged"):
        return _Level(False, "returns no PI")
    return _judge(step, app, device)


def _judge(step: AccessStep, app: AppSdk, device: int) -> _Level:
    if step.access == "none":
        return _Level(True, step.note or "needs no permission")
    if step.access == "blocked":
        return _Level(False, step.note or f"returns {step.returns or 'no PI'}")
    declared = app.declared_on(device)
    if step.access == "privileged":
        needs = _names(step.any_of) if step.any_of else "a privileged permission"
        text = step.note or f"needs {needs} (privileged apps only)"
        return _Level(False, text)
    have = [n for n in step.any_of if n in declared]
    missing_all = [n for n in step.all_of if n not in declared]
    queries = step.or_queries is not None and app.queries(step.or_queries)
    if (have or queries) and not missing_all:
        if have:
            why = f"{short(have[0])} declared"
        elif step.or_queries == "broad":
            why = "a broad <queries> declared"
        else:
            why = "<queries> declared"
        if step.all_of:
            why = f"{_names(step.all_of)} and {why}"
        return _Level(True, why)
    parts = []
    if not have and not queries:
        alternatives = [short(n) for n in step.any_of]
        if step.or_queries is not None:
            alternatives.append("a broad <queries>" if step.or_queries == "broad" else "<queries>")
        parts.append(_not_declared(alternatives, step, app, device))
    if missing_all:
        parts.append(f"{_names(missing_all)} not declared")
    text = " and ".join(parts)
    if step.note:
        text = f"{step.note}: {text}"
    return _Level(False, text)


def _not_declared(alternatives: list[str], step: AccessStep, app: AppSdk, device: int) -> str:
    ended = sorted(
        {p for p in app.permissions if p.name in step.any_of and not p.on(device)},
        key=lambda p: p.name,
    )
    if ended:
        p = ended[0]
        bound = f"maxSdkVersion {p.max_sdk}" if p.max_sdk is not None else "uses-permission-sdk-23"
        return f"{short(p.name)} declared only with {bound}"
    if len(alternatives) == 1:
        return f"{alternatives[0]} not declared"
    if len(alternatives) == 2:
        return f"neither {alternatives[0]} nor {alternatives[1]} declared"
    return f"none of {', '.join(alternatives)} declared"


def _span(lo: int, hi: int, newest: int) -> str:
    if hi >= newest:
        return f"on {android(lo)}+"
    if lo == hi:
        return f"on {android(lo)}"
    version = ANDROID_VERSIONS.get(hi)
    return f"on {android(lo)}-{version if version is not None else f'API {hi}'}"


def _api_span(lo: int, hi: int, newest: int) -> str:
    return f"API {lo}+" if hi >= newest else (f"API {lo}" if lo == hi else f"API {lo}-{hi}")


def collectable(entry: ApiEntry, app: AppSdk, newest: int = NEWEST_API) -> tuple[bool, str]:
    """Whether `entry` returns PI to `app` on some device level from its minSdk to the newest,
    and an English reason an auditor can read."""
    # device levels above the newest behave like it: a manifest claiming minSdk 10000 is
    # judged on the newest level only (and never makes this loop long)
    hi = newest
    lo = min(app.min_level, hi)
    runs: list[tuple[int, int, _Level]] = []
    for device in range(lo, hi + 1):
        level = _on_level(entry, app, device)
        if runs and runs[-1][2] == level:
            runs[-1] = (runs[-1][0], device, level)
        else:
            runs.append((device, device, level))
    good = [r for r in runs if r[2].ok]
    bad = [r for r in runs if not r[2].ok]
    sdk = f"minSdk {app.min_level}"
    if not _target_free(entry):
        sdk = f"{sdk}, targetSdk {app.target}"
    if not good:
        said = [r for r in bad if not _quiet(r[2])] or bad
        if len(said) == 1 and not _device_bound(said[0][2].why):
            why = said[0][2].why
            return False, why if _target_free(entry) else f"{why} (targetSdk {app.target})"
        texts = [f"{level.why} {_span(a, b, hi)}" for a, b, level in said]
        return False, f"{'; '.join(texts)}; {sdk}"
    levels = sorted(d for a, b, _ in good for d in range(a, b + 1))
    whys = list(dict.fromkeys(level.why for _, _, level in good))
    spans = ", ".join(_collect_span(a, b, hi) for a, b in _ranges(levels))
    texts = [f"{level.why} {_span(a, b, hi)}" for a, b, level in bad if not _quiet(level)]
    if not texts:
        return True, f"{'; '.join(whys)}: collectable {spans}"
    return True, f"{'; '.join(texts)}; {'; '.join(whys)}, {sdk}: collectable {spans}"


def _collect_span(lo: int, hi: int, newest: int) -> str:
    return f"{_span(lo, hi, newest)} ({_api_span(lo, hi, newest)})"


def _ranges(levels: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for d in levels:
        if out and out[-1][1] == d - 1:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _quiet(level: _Level) -> bool:
    """Levels below the API's own introduction are not worth a word when others collect."""
    return level.why.startswith("the API does not exist")


def _device_bound(why: str) -> bool:
    return why.startswith(("returns", "the API does not exist"))


def _target_free(entry: ApiEntry) -> bool:
    return all(s.min_target is None and s.max_target is None for s in entry.access)


class Judge:
    """`collectable` for one app, remembered per catalogue entry."""

    def __init__(
        self, entries: Mapping[str, ApiEntry], facts: Mapping[str, Any], newest: int = NEWEST_API
    ) -> None:
        self.entries = entries
        self.app = AppSdk.from_facts(facts)
        self.newest = newest
        self._seen: dict[str, tuple[bool, str]] = {}

    def __call__(self, api_id: str) -> tuple[bool, str]:
        found = self._seen.get(api_id)
        if found is None:
            entry = self.entries.get(api_id)
            if entry is None:
                found = (True, "not in the API catalogue: assumed collectable")
            else:
                found = collectable(entry, self.app, self.newest)
            self._seen[api_id] = found
        return found

    def add(self, items: Iterable[Mapping[str, Any]], key: str = "id") -> list[dict[str, Any]]:
        """Each item with `collectable` and `collectable_reason` of the entry its `key` names
        (a new dict each; items whose key is no string are copied unchanged)."""
        out = []
        for item in items:
            api_id = item.get(key)
            if isinstance(api_id, str):
                ok, why = self(api_id)
                out.append({**item, "collectable": ok, "collectable_reason": why})
            else:
                out.append(dict(item))
        return out


def collectable_uses(
    api_uses: Iterable[Mapping[str, Any]],
    entries: Mapping[str, ApiEntry],
    facts: Mapping[str, Any],
    newest: int = NEWEST_API,
) -> list[dict[str, Any]]:
    """Each API use with `collectable` and `collectable_reason` added (a new dict each)."""
    return Judge(entries, facts, newest).add(api_uses)
