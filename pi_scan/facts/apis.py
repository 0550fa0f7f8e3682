"""Finding sensitive-API use and summarising permissions, over the flat fact dict.

`find_api_uses` matches the API catalogue against the DEX facts:

* "method" / "field" entries match `method_refs` / `field_refs` whose smali reference starts with
  the entry (which always ends at "(" or ":", so all overloads match and "getImei(" never matches
  "getImeiX(").  Only references with callers count: a reference nobody invokes is dead weight
  in the DEX, not use.
* "uri" entries match DEX strings equal to the URI or continuing it with "/", "?" or "#"
  ("content://sms/inbox" matches "content://sms", "content://smsx" does not).
* "string" entries match DEX strings by `match_mode`: "contains" (side-channel paths,
  properties), "equals" (reflection targets) or "prefix".
* `with_string` additionally requires that exact DEX string somewhere in the app (the string
  table is per DEX file, so this is app-wide, not per caller).

Strings carry no callers, so string and URI hits report `callers: []` and `first_party: None`.

Every lookup is indexed: one dictionary probe per reference (refs lists can hold 500k items),
one pass over the strings, and one `str.find` scan per "contains" needle over the joined
string table; never references x entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pi_scan.errors import UsageError
from pi_scan.facts.catalog import ApiEntry, PermissionCatalogue
from pi_scan.facts.texts import SEP, Searchable
from pi_scan.facts.texts import joined as shared_join
from pi_scan.model import RefTable

URI_SCHEME = "content://"
URI_BOUNDARIES = frozenset("/?#")


@dataclass
class _Hit:
    entry: ApiEntry
    refs: set[str] = field(default_factory=set)
    callers: set[str] = field(default_factory=set)


class ApiMatcher:
    """The API catalogue indexed for matching; build once, use for many apps."""

    def __init__(self, apis: Iterable[ApiEntry]) -> None:
        self.entries: tuple[ApiEntry, ...] = tuple(sorted(apis, key=lambda e: e.id))
        self._methods: dict[str, list[ApiEntry]] = {}
        self._fields: dict[str, list[ApiEntry]] = {}
        self._uris: dict[str, list[ApiEntry]] = {}
        self._equals: dict[str, list[ApiEntry]] = {}
        self._prefixes: list[ApiEntry] = []
        self._contains: list[ApiEntry] = []
        for entry in self.entries:
            if entry.kind == "method":
                self._methods.setdefault(entry.match, []).append(entry)
            elif entry.kind == "field":
                self._fields.setdefault(entry.match, []).append(entry)
            elif entry.kind == "uri":
                self._uris.setdefault(entry.match, []).append(entry)
            elif entry.match_mode == "equals":
                self._equals.setdefault(entry.match, []).append(entry)
            elif entry.match_mode == "prefix":
                self._prefixes.append(entry)
            else:
                if SEP in entry.match or "\n" in entry.match:  # they join the strings
                    raise ValueError(f"{entry.id}: match must not contain NUL or a newline")
                self._contains.append(entry)

    @property
    def needles(self) -> tuple[str, ...]:
        """The literals looked up in the joined DEX strings (`pi_scan.facts.texts.expect`):
        of the string entries ("equals", "prefix", "contains", the URI scheme) and of the
        exact strings some entries also require (`with_string`)."""
        found = [*self._equals, *(e.match for e in (*self._prefixes, *self._contains))]
        found += [URI_SCHEME] if self._uris else []
        found += [e.with_string for e in self.entries if e.with_string is not None]
        return tuple(found)

    def entries_for(self, ref: str) -> list[ApiEntry]:
        """The "method" or "field" entries that one smali reference matches."""
        paren = ref.find("(")
        if paren >= 0:
            return self._methods.get(ref[: paren + 1], [])
        colon = ref.find(":")
        return self._fields.get(ref[: colon + 1], []) if colon >= 0 else []

    def find(
        self, facts: Mapping[str, Any], sdk_of_class: Callable[[str], str | None]
    ) -> list[dict[str, Any]]:
        """API uses in one app's facts; see `find_api_uses`."""
        hits: dict[str, _Hit] = {}
        self._match_refs(facts.get("method_refs") or (), "(", self._methods, hits)
        self._match_refs(facts.get("field_refs") or (), ":", self._fields, hits)
        strings: Sequence[str] = facts.get("strings") or ()
        joined = shared_join(strings)  # the rules and the consent facts search it too
        if strings:
            self._match_strings(strings, joined, hits)
        needed = {h.entry.with_string for h in hits.values() if h.entry.with_string is not None}
        if needed:
            present = {text for text in needed if _holds(joined, strings, text)}
            hits = {
                k: h
                for k, h in hits.items()
                if h.entry.with_string is None or h.entry.with_string in present
            }
        return [self._report(hits[k], sdk_of_class) for k in sorted(hits)]

    # ---- references

    @staticmethod
    def _match_refs(
        refs: Iterable[Mapping[str, Any]] | RefTable,
        stop: str,
        index: Mapping[str, list[ApiEntry]],
        hits: dict[str, _Hit],
    ) -> None:
        if not index:
            return
        table = RefTable.of(refs)
        # the refs are sorted: those of one entry (class and name up to `stop`) are a range
        for key, entries in index.items():
            for i in table.prefixed(key):
                ref = table.refs[i]
                callers = table.callers(i)
                if ref.find(stop) != len(key) - 1 or not callers:
                    continue
                for entry in entries:
                    hit = hits.get(entry.id)
                    if hit is None:
                        hit = hits[entry.id] = _Hit(entry)
                    hit.refs.add(ref)
                    hit.callers.update(callers)

    # ---- strings

    def _match_strings(
        self, strings: Sequence[str], joined: Searchable, hits: dict[str, _Hit]
    ) -> None:
        # each test looks its literal up in the joined strings (one pass finds all of them,
        # see `needles`) and checks the few strings that hold it; Python sees only the hits
        for text, entries in self._equals.items():
            if _holds(joined, strings, text):
                _add_string_hits(entries, text, hits)
        for s in _holding(joined, strings, URI_SCHEME, str.startswith) if self._uris else ():
            for key in _uri_keys(s):
                found = self._uris.get(key)
                if found is not None:
                    _add_string_hits(found, s, hits)
        for entry in self._prefixes:
            for s in _holding(joined, strings, entry.match, str.startswith):
                _add_string_hits((entry,), s, hits)
        for entry in self._contains:
            for k in joined.find(entry.match):
                _add_string_hits((entry,), strings[k], hits)

    # ---- output

    @staticmethod
    def _report(hit: _Hit, sdk_of_class: Callable[[str], str | None]) -> dict[str, Any]:
        entry = hit.entry
        callers = sorted(hit.callers)
        sdks: set[str] = set()
        first_party: bool | None = None
        if entry.kind in ("method", "field"):
            first_party = False
            for caller in callers:
                sdk = sdk_of_class(caller)
                if sdk is None:
                    first_party = True
                else:
                    sdks.add(sdk)
        return use_record(entry, sorted(hit.refs), callers, sorted(sdks), first_party)


def use_record(
    entry: ApiEntry,
    refs: list[str],
    callers: list[str],
    sdks: list[str],
    first_party: bool | None,
) -> dict[str, Any]:
    """One API use as the facts hold it (found in the code, or seen only in a runtime log)."""
    return {
        "id": entry.id,
        "pi_type": entry.pi_type,
        "sensitive": entry.sensitive,
        "kind": entry.kind,
        "category": entry.category,
        "weak": entry.weak,
        "match": entry.match,
        "refs": refs,
        "callers": callers,
        "sdks": sdks,
        "first_party": first_party,
    }


def _holding(
    joined: Searchable, strings: Sequence[str], text: str, test: Callable[[str, str], bool]
) -> list[str]:
    """The strings s holding `text` (found in them joined) for which test(s, text)."""
    return [s for s in map(strings.__getitem__, joined.find(text)) if test(s, text)]


def _holds(joined: Searchable, strings: Sequence[str], text: str) -> bool:
    """Whether `text` is one of the strings."""
    return bool(_holding(joined, strings, text, str.__eq__))


def _add_string_hits(entries: Iterable[ApiEntry], s: str, hits: dict[str, _Hit]) -> None:
    for entry in entries:
        hit = hits.get(entry.id)
        if hit is None:
            hit = hits[entry.id] = _Hit(entry)
        hit.refs.add(s)


def _uri_keys(s: str) -> Iterable[str]:
    """The string itself and every prefix of it that ends before "/", "?" or "#"."""
    yield s
    for i in range(len(URI_SCHEME) + 1, len(s)):
        if s[i] in URI_BOUNDARIES:
            yield s[:i]


def find_api_uses(
    facts: Mapping[str, Any],
    apis: ApiMatcher | Iterable[ApiEntry],
    sdk_of_class: Callable[[str], str | None],
) -> list[dict[str, Any]]:
    """Sensitive-API uses in one app, one dict per catalogue entry that matched, sorted by id.

    Each dict: id, pi_type, sensitive, kind, match, refs (matched references or strings, sorted),
    callers (dotted class names, sorted; [] for strings), sdks (sorted SDK ids of the callers, via
    `sdk_of_class`), first_party (some caller belongs to no SDK; None for strings).
    `apis` is an `ApiMatcher` (reuse it across apps) or the catalogue entries (e.g. an
    `ApiCatalogue.values()`), indexed on the fly.
    """
    matcher = apis if isinstance(apis, ApiMatcher) else ApiMatcher(apis)
    cache: dict[str, str | None] = {}

    def cached(name: str) -> str | None:
        if name not in cache:
            cache[name] = sdk_of_class(name)
        return cache[name]

    return matcher.find(facts, cached)


def permission_facts(
    permissions: Iterable[str], catalogue: PermissionCatalogue, app_type: str | None
) -> dict[str, Any]:
    """What the declared permissions add up to, for rules and reports.

    * dangerous_permissions: declared runtime permissions (sorted);
    * dangerous_groups: their distinct Android permission groups (sorted);
    * pi_types_by_permission: distinct PI types the declared permissions expose (sorted);
    * unnecessary_permissions: declared dangerous or special permissions that expose PI which is
      not necessary PI for `app_type` (sorted); None when the app type is not known.

    Permissions missing from the catalogue are ignored.  An unknown `app_type` is a UsageError.
    """
    declared = sorted(set(permissions))
    known = [catalogue[name] for name in declared if name in catalogue]
    dangerous = [p for p in known if p.protection == "dangerous"]
    unnecessary: list[str] | None = None
    if app_type is not None:
        if app_type not in catalogue.app_type_ids:
            raise UsageError(
                f"unknown app type {app_type!r}; known types: "
                + ", ".join(sorted(catalogue.app_type_ids))
            )
        unnecessary = [
            p.name
            for p in known
            if p.protection in ("dangerous", "special")
            and p.pi_types
            and app_type not in p.necessary_for
        ]
    return {
        "dangerous_permissions": [p.name for p in dangerous],
        "dangerous_groups": sorted({p.group for p in dangerous if p.group is not None}),
        "pi_types_by_permission": sorted({t for p in known for t in p.pi_types}),
        "unnecessary_permissions": unnecessary,
    }
