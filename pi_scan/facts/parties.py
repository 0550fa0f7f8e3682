"""Facts that tell the app's own code and texts from platform libraries' and SDKs'.

* `split_api_uses`: each sensitive-API use's callers split by party (`party_callers`: the
  callers, a platform library's marked "(platform:<library>, called from <app class>)"; the
  SDKs' ids are in `sdks`).  A platform library's call site counts as the app's use
  only when an app class calls into the library class that makes the call and, when the API
  needs a permission (`requires_permission` in apis.json), the app holds one of them; the
  others are moved to `platform_callers` (with `reached_from` and `counted`) and out of `callers`.
  A use left with no caller at all moves to the derived fact `platform_api_uses`.  Precision:
  "calls into" is one step (an app class invoking a method of that very class); an app that
  reaches the library class through other library classes (AppCompatActivity ->
  AppCompatDelegateImpl -> TwilightManager) is not seen as reaching it.
* `installed_app_lists`: the calls that can list the installed apps, each with how:
  "list" (getInstalledPackages/Applications, LauncherApps.getActivityList),
  "launcher-query" (queryIntentActivities ... in a method holding the constant
  android.intent.action.MAIN, unless the method narrows the intent to one package or
  component, or names only categories other than LAUNCHER: the app's own), "specific-intent"
  (the method holds another intent action, a MIME type or a URI scheme: share, view, a
  browser; or a MAIN query narrowed as above), "unknown-intent" (no constant in the
  method: the intent is made elsewhere) or "uid-probe" (getPackagesForUid: a loop over uids
  would list the apps, but loops are not seen in the operations, so it is listed and not
  counted).  Only "list" and "launcher-query" are `counted`, and for a platform library only
  when the app reaches it.  resolveActivity answers with one activity and is not listed.
  Precision: per calling method, not data flow: a MAIN constant anywhere in the method counts,
  and an intent built in another method than the query is "unknown-intent" (not counted).
  Package visibility (targetSdk 30+ without QUERY_ALL_PACKAGES or a <queries> entry) is not
  taken into account.
* `app_strings`: the DEX strings without those that only SDK and platform-library classes
  load (a QQ login URL in the QQ SDK is not the app's login screen): a string some app class
  loads, or that no code loads (identifiers, annotation values), stays; each with the
  classes that load it (`callers`), which evidence names.
* `app_resource_strings`: the string resources of the default and Chinese locales that belong
  to no known library (by name and the libraries' prefixes), with name and locale.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from itertools import compress
from typing import Any

from pi_scan.facts.catalog import ApiEntry, PiType
from pi_scan.facts.platform import APP, PLATFORM, SDK, Parties, PlatformCatalogue
from pi_scan.facts.sdks import class_of_member
from pi_scan.facts.texts import subset_of
from pi_scan.model import RefTable, is_read_locale, uint32_array

LIST_METHODS = (
    "Landroid/content/pm/PackageManager;->getInstalledPackages(",
    "Landroid/content/pm/PackageManager;->getInstalledApplications(",
    "Landroid/content/pm/LauncherApps;->getActivityList(",
)
QUERY_METHODS = (
    "Landroid/content/pm/PackageManager;->queryIntentActivities(",
    "Landroid/content/pm/PackageManager;->queryIntentActivityOptions(",
    "Landroid/content/pm/PackageManager;->queryIntentServices(",
    "Landroid/content/pm/PackageManager;->queryBroadcastReceivers(",
)
UID_METHODS = ("Landroid/content/pm/PackageManager;->getPackagesForUid(",)
ACTION_MAIN = "android.intent.action.MAIN"
SPECIFIC_HINTS = ("android.intent.action.", "android.media.action.", "android.settings.")
INTENT_TYPE_CALLS = (
    "Landroid/content/Intent;->setType(",
    "Landroid/content/Intent;->setData(",
    "Landroid/content/Intent;->setDataAndType(",
    "Landroid/net/Uri;->parse(",
)
# A MAIN query narrowed to one package or to a category of the app's own is no list of the
# installed apps (a sample app listing its own demo screens, a launcher of its own plug-ins).
OWN_SCOPE_CALLS = (
    "Landroid/content/Intent;->setPackage(",
    "Landroid/content/Intent;->setClassName(",
    "Landroid/content/Intent;->setComponent(",
)
CATEGORY_LAUNCHER = "android.intent.category.LAUNCHER"


# --------------------------------------------------------------------------------------------
# API uses
# --------------------------------------------------------------------------------------------


class _Reach:
    """Whether app code calls into a class (one step), from the method references."""

    def __init__(self, refs: Iterable[Any] | RefTable, parties: Parties) -> None:
        self.table = RefTable.of(refs)
        self.parties = parties
        self.known: dict[str, str | None] = {}

    def reached_by(self, dotted: str) -> str | None:
        """An app class invoking a method of `dotted`, or None."""
        if dotted in self.known:
            return self.known[dotted]
        prefix = "L" + dotted.replace(".", "/") + ";->"
        found = None
        for i in self.table.prefixed(prefix):
            found = next(
                (c for c in self.table.callers(i) if self.parties.of_class(c)[0] == APP), None
            )
            if found is not None:
                break
        self.known[dotted] = found
        return found


def split_api_uses(
    uses: Sequence[dict[str, Any]],
    facts: Mapping[str, Any],
    parties: Parties,
    entries: Mapping[str, ApiEntry],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(api_uses, platform_api_uses): see the module docstring."""
    held = set(facts.get("permissions") or ())
    reach = _Reach(facts.get("method_refs") or (), parties)
    kept: list[dict[str, Any]] = []
    platform_only: list[dict[str, Any]] = []
    for use in uses:
        callers: list[str] = list(use.get("callers") or ())
        if use.get("kind") not in ("method", "field") or not callers:
            kept.append({**use, "party_callers": [], "platform_callers": []})
            continue
        entry = entries.get(str(use["id"]))
        needs = entry.requires_permission if entry is not None else ()
        allowed = not needs or bool(held.intersection(needs))
        counted: list[str] = []
        platform: list[dict[str, Any]] = []
        labelled: list[str] = []
        for caller in callers:
            kind, ident = parties.of_class(caller)
            if kind != PLATFORM:
                counted.append(caller)
                labelled.append(caller)  # an SDK's classes name it (`sdks` has its id)
                continue
            via = reach.reached_by(caller)
            ok = via is not None and allowed
            platform.append({"class": caller, "library": ident, "reached_from": via, "counted": ok})
            if ok:
                counted.append(caller)
                labelled.append(f"{caller} ({PLATFORM}:{ident}, called from {via})")
        first = any(parties.of_class(c)[0] in (APP, PLATFORM) for c in counted)
        item = {
            **use,
            "callers": counted,
            "first_party": first,
            "party_callers": labelled,
            "platform_callers": platform,
        }
        (kept if counted else platform_only).append(item)
    return kept, platform_only


# --------------------------------------------------------------------------------------------
# Installed-app list
# --------------------------------------------------------------------------------------------


def installed_app_lists(facts: Mapping[str, Any], parties: Parties) -> list[dict[str, Any]]:
    """Every call that can list the installed apps, by caller class (see the module
    docstring), sorted by (counted first, ref, caller)."""
    table = RefTable.of(facts.get("method_refs") or ())
    reach = _Reach(table, parties)
    code: dict[str, list[Any]] = {}
    for node in facts.get("intent_query_code") or ():
        method = node.method if hasattr(node, "method") else str(node.get("method"))
        ops = node.ops if hasattr(node, "ops") else node.get("ops") or ()
        code.setdefault(class_of_member(method), []).append((method, tuple(ops)))
    out = []
    for prefixes, fixed in (
        (LIST_METHODS, "list"),
        (QUERY_METHODS, None),
        (UID_METHODS, "uid-probe"),
    ):
        for key in prefixes:
            for i in table.prefixed(key):
                ref = table.refs[i]
                for caller in table.callers(i):
                    how, where = (fixed, None) if fixed else _query_kind(key, code.get(caller, ()))
                    out.append(_list_item(ref, caller, how, where, parties, reach))
    out.sort(key=lambda x: (not x["counted"], x["ref"], x["caller"]))
    return out


def _query_kind(key: str, methods: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[str, str | None]:
    """How the caller class's methods that make this query build the intent."""
    kind: tuple[str, str | None] = ("unknown-intent", None)
    for method, ops in methods:
        if not any(op.startswith(key) for op in ops):
            continue
        consts = [op[1:] for op in ops if op.startswith('"')]
        if ACTION_MAIN in consts:
            categories = _added_categories(ops)
            own = any(op.startswith(OWN_SCOPE_CALLS) for op in ops) or (
                categories and CATEGORY_LAUNCHER not in categories
            )
            if not own:
                return "launcher-query", method
            kind = ("specific-intent", method)
            continue
        if any(c.startswith(SPECIFIC_HINTS) or "/" in c or c.endswith(":") for c in consts) or any(
            op.startswith(INTENT_TYPE_CALLS) for op in ops
        ):
            kind = ("specific-intent", method)
    return kind


def _added_categories(ops: Sequence[str]) -> list[str]:
    """The constant strings handed to Intent.addCategory (the constant just before the call)."""
    found, last = [], None
    for op in ops:
        if op.startswith('"'):
            last = op[1:]
        elif op.startswith("Landroid/content/Intent;->addCategory(") and last is not None:
            found.append(last)
    return found


def _list_item(
    ref: str, caller: str, how: str, method: str | None, parties: Parties, reach: _Reach
) -> dict[str, Any]:
    kind, ident = parties.of_class(caller)
    party = kind if ident is None else f"{kind}:{ident}"
    lists = how in ("list", "launcher-query")
    via = reach.reached_by(caller) if kind == PLATFORM else None
    counted = lists and (kind != PLATFORM or via is not None)
    name = ref[ref.find("->") + 2 : ref.find("(")]
    where = f" in {method}" if method else ""
    summary = f"{name} ({how}) <- {caller} [{party}]{where}"
    if kind == PLATFORM:
        summary += f"; called from app class {via}" if via else "; not called from app code"
    return {
        "ref": ref,
        "caller": caller,
        "callers": [caller],
        "party": party,
        "how": how,
        "method": method,
        "counted": counted,
        "summary": summary,
    }


# --------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------


def app_resource_strings(
    texts: Iterable[Any], platform: PlatformCatalogue, fallback: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The app's own string resources: default and Chinese locales, library names left out.

    Facts without names and locales (`resource_texts` empty: built by hand, or by an older
    extractor) give `fallback` (the plain `resource_strings`) as they are, name and locale
    unknown."""
    texts = list(texts)
    if not texts:
        return [
            {"value": v, "name": None, "locale": None, "where": "(name and locale not known)"}
            for v in fallback
        ]
    out = []
    for text in texts:
        get = text.get if isinstance(text, Mapping) else lambda k, t=text: getattr(t, k)
        name, locale, value = str(get("name")), str(get("locale") or ""), str(get("value"))
        if not is_read_locale(locale) or platform.lib_of_resource(name) is not None:
            continue
        shown = locale or "default"
        out.append(
            {"value": value, "name": name, "locale": locale, "where": f"@string/{name} [{shown}]"}
        )
    return out


def app_strings(facts: Mapping[str, Any], parties: Parties) -> RefTable:
    """The DEX strings the app's own code may show (see the module docstring), as a RefTable
    (strings with their loading classes).  Without `string_users` (facts from elsewhere than
    the extractor), every string stays, with no loaders."""
    import numpy as np  # a warm rescan never derives facts: it need not load numpy

    strings: Sequence[str] = facts.get("strings") or ()
    users = facts.get("string_users")
    table = RefTable.of(users) if users else None
    if table is None or table.refs != tuple(strings):
        return RefTable(tuple(strings), array("I", bytes(4 * (len(strings) + 1))), array("I"), ())
    names = table.names
    # uint32 and bool columns throughout: this runs when a big app's memory use peaks
    mine = np.fromiter((kind == APP for kind in parties.kinds(names)), np.bool_, len(names))
    starts = np.frombuffer(table.starts, np.uint32)
    callers = np.frombuffer(table.callers_at, np.uint32)
    own = np.zeros(len(callers) + 1, np.uint32)  # own[i]: callers before i that are the app's
    np.cumsum(mine[callers], out=own[1:])
    keep = own[starts[1:]] > own[starts[:-1]]  # some caller is the app's ...
    keep |= starts[1:] == starts[:-1]  # ... or none (a string no code loads)
    del own
    if keep.all():
        subset_of(table.refs, strings, range(len(strings)))  # the same texts, joined once
        return table
    counts = np.diff(starts)
    kept_starts = np.zeros(int(np.count_nonzero(keep)) + 1, np.uint32)
    np.cumsum(counts[keep], out=kept_starts[1:])
    kept_callers = uint32_array(callers[np.repeat(keep, counts)])
    del counts
    kept_table = RefTable(
        tuple(compress(table.refs, keep.tobytes())), uint32_array(kept_starts), kept_callers, names
    )
    del kept_starts
    # searched through the joined DEX strings rather than joined again (pi_scan.facts.texts)
    subset_of(kept_table.refs, strings, uint32_array(np.flatnonzero(keep).astype(np.uint32)))
    return kept_table


# --------------------------------------------------------------------------------------------
# Evidence an auditor can read aloud
# --------------------------------------------------------------------------------------------

_JAVA_TYPES = {
    "V": "void", "Z": "boolean", "B": "byte", "S": "short", "C": "char",
    "I": "int", "J": "long", "F": "float", "D": "double",
}  # fmt: skip
_PARTY_ORDER = {APP: 0, SDK: 1, PLATFORM: 2}


def java_signature(ref: str) -> str:
    """A smali member reference as Java: "TelephonyManager.getDeviceId()", "Build.SERIAL",
    "Settings.Secure.getString(ContentResolver, String)"; anything else as it is."""
    cls, sep, member = ref.partition(";->")
    if not sep or not cls.startswith("L"):
        return ref
    simple = cls[1:].rsplit("/", 1)[-1].replace("$", ".")
    if "(" not in member:
        return f"{simple}.{member.split(':', 1)[0]}"
    name, _, rest = member.partition("(")
    return f"{simple}.{name}({', '.join(_java_params(rest.split(')', 1)[0]))})"


def _java_params(desc: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(desc):
        dims = 0
        while i < len(desc) and desc[i] == "[":
            dims += 1
            i += 1
        if i >= len(desc):
            break
        if desc[i] == "L":
            end = desc.find(";", i)
            if end < 0:
                break
            name = desc[i + 1 : end].rsplit("/", 1)[-1].replace("$", ".")
            i = end + 1
        else:
            name = _JAVA_TYPES.get(desc[i], desc[i])
            i += 1
        out.append(name + "[]" * dims)
    return out


def describe_uses(
    uses: Sequence[dict[str, Any]], parties: Parties, pi_types: Mapping[str, PiType]
) -> None:
    """Give each API use what evidence shows an auditor: `signature` (the API as Java, or the
    string or URI), `pi_label` (en/zh name of the PI type it reads) and `caller_groups`: its
    callers under their party (the app; an SDK with its name and vendor; a platform library,
    with the app class that reaches it)."""
    for use in uses:
        refs = use.get("refs") or ()
        first = str(refs[0]) if refs else str(use.get("id"))
        use["signature"] = (
            java_signature(first) if use.get("kind") in ("method", "field") else first
        )
        pi_type = pi_types.get(str(use.get("pi_type")))
        use["pi_label"] = {"en": pi_type.en, "zh": pi_type.zh} if pi_type is not None else {}
        reached = {
            str(p["class"]): p.get("reached_from")
            for p in use.get("platform_callers") or ()
            if p.get("counted")
        }
        groups: dict[tuple[str, str | None], list[str]] = {}
        for caller in use.get("callers") or ():
            kind, ident = parties.of_class(str(caller))
            via = reached.get(str(caller))
            shown = f"{caller} (called from {via})" if kind == PLATFORM and via else str(caller)
            groups.setdefault((kind, ident), []).append(shown)
        out = []
        for (kind, ident), callers in sorted(
            groups.items(), key=lambda kv: (_PARTY_ORDER.get(kv[0][0], 3), kv[0][1] or "")
        ):
            name, vendor = "", None
            sdk = parties.sdks.by_id.get(ident) if kind == SDK and ident else None
            lib = parties.platform.by_id.get(ident) if kind == PLATFORM and ident else None
            if sdk is not None:
                name, vendor = sdk.name, sdk.vendor
            elif lib is not None:
                name, vendor = lib.name, lib.vendor
            out.append(
                {"party": kind, "id": ident, "name": name, "vendor": vendor, "callers": callers}
            )
        use["caller_groups"] = out


def drop_dormant(
    uses: Sequence[dict[str, Any]], sdks: Iterable[Mapping[str, Any]], parties: Parties
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(api_uses, dormant_api_uses): call sites in the code of an SDK that nothing starts
    (status "present": no app code calls into it, none of its components is declared) do not
    run, so they are taken out of `callers`; a use left with no caller moves to
    `dormant_api_uses`, which no built-in rule reads."""
    asleep = {str(s["id"]) for s in sdks if s.get("status") == "present"}
    active: list[dict[str, Any]] = []
    dormant: list[dict[str, Any]] = []
    for use in uses:
        callers = list(use.get("callers") or ())
        if not asleep or use.get("kind") not in ("method", "field") or not callers:
            active.append(use)
            continue
        awake = [c for c in callers if not _in(parties.of_class(c), asleep)]
        if len(awake) == len(callers):
            active.append(use)
            continue
        gone = [c for c in callers if c not in awake]
        kept = {
            **use,
            "callers": awake,
            # an SDK's callers stand in party_callers as they are (only a platform library's
            # carry a note), so the dormant ones are dropped by name
            "party_callers": [c for c in use.get("party_callers") or () if c not in gone],
            "sdks": [s for s in use.get("sdks") or () if s not in asleep],
            "dormant_callers": gone,
        }
        (active if awake else dormant).append(kept)
    return active, dormant


def _in(party: tuple[str, str | None], sdk_ids: set[str]) -> bool:
    return party[0] == SDK and party[1] in sdk_ids
