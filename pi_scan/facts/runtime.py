"""Runtime evidence: the calls a runtime log saw (`pi_scan.extract.runtime`), mapped to the
sensitive-API catalogue and to the parties of our own SDK and platform-library catalogues, and
merged with what the code shows.

`pi_scan.facts.derive` calls, when the app's facts hold runtime events:

* each call is mapped to the API catalogue by its class and method ("Lcls;->name("); a bare
  method name (PrivacySentry's 函数名) by the name alone when the catalogue has one class for
  it, or several of one PI type.  A call the catalogue does not know is kept and named;
* each call is attributed from its frames: the first frame outside the Android framework and
  the language runtimes (`framework_frame`) and outside the hook tool (`tool_frame`:
  PrivacySentry's com.yl.lib.* proxies, Frida's) that is not a platform library's, classified
  with the SDK and platform-library catalogues (a platform library's frame counts only when
  nothing else called), never the log's own 行为主体, a substring guess;
* `runtime_calls`: one item per API (known or not) with its calls' count, phases, times and
  parties: what the frequency rule (PI-RUN-001, operator `burst`) and the reports read;
* `merge_api_uses()`: the static `api_uses` gain `source` ("static" or "both") and, when the
  log saw the API, `runtime` (count, phases, first time, the first stack); APIs seen only at
  run time (native code, reflection, packed code) become uses of their own, `source` "runtime";
* `merge_pre_consent()`: calls before consent become `pre_consent` items (entry_kind "runtime",
  confidence high, not gated: the log saw the read before the user agreed), or confirm the
  static chain of the same API and party (`source` "both").  A read the code shows behind a
  consent gate but that the log saw before consent is flagged all the same;
* `merge_runtime_sdks()`: SDKs seen at work get the status their calls prove;
* `runtime_timeline()`: the PI reads in time order around the consent moment, for reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pi_scan.facts.apis import ApiMatcher, use_record
from pi_scan.facts.catalog import ApiEntry
from pi_scan.facts.consent import FIRST_PARTY
from pi_scan.facts.platform import APP, PLATFORM, SDK, Parties
from pi_scan.facts.sdks import SdkCatalogue, sdk_record
from pi_scan.model import class_of, framework_frame, tool_frame

MAX_TIMES = 5000  # times kept per API for the frequency rule (the earliest ones)
_DOTTED = re.compile(r"^[\w$]+(\.[\w$]+)+$")


def runtime_calls(
    events: Sequence[Mapping[str, Any]], apis: ApiMatcher, parties: Parties
) -> list[dict[str, Any]]:
    """One item per API the logs saw called, in catalogue-id order (unknown APIs last)."""
    names = _by_method_name(apis.entries)
    groups: dict[str, dict[str, Any]] = {}
    for event in events:
        entries, note = _entries(str(event["api"]), apis, names)
        args = str(event.get("args") or "").lower()
        if args:  # getString(resolver, "android_id"): the argument names which setting
            entries = [e for e in entries if not e.with_string or e.with_string.lower() in args]
        party, frame = _attribute(event.get("frames") or (), parties)
        targets: list[ApiEntry | None] = list(entries) or [None]
        for entry in targets:
            key = entry.id if entry is not None else f"?{event['api']}"
            group = groups.get(key)
            if group is None:
                group = groups[key] = _group(entry, event, note)
            _add(group, event, party, frame)
    out = [_finish(g) for g in groups.values()]
    return sorted(out, key=lambda g: (g["id"] is None, g["id"] or "", g["api"]))


TIMELINE_SIDE = 250  # reads kept on each side of the consent moment


def runtime_timeline(
    events: Sequence[Mapping[str, Any]], apis: ApiMatcher, parties: Parties
) -> list[dict[str, Any]]:
    """The PI reads (catalogue APIs, weak ones left out) in time order, for the reports'
    timeline: the last TIMELINE_SIDE before consent (or of unknown phase) and the first
    TIMELINE_SIDE after it."""
    names = _by_method_name(apis.entries)
    reads = []
    for event in events:
        entries, _note = _entries(str(event["api"]), apis, names)
        args = str(event.get("args") or "").lower()
        entries = [e for e in entries if not e.weak]
        if args:
            entries = [e for e in entries if not e.with_string or e.with_string.lower() in args]
        if not entries:
            continue
        party, _frame = _attribute(event.get("frames") or (), parties)
        at = event.get("at")
        reads.append(
            {
                "at": float(at) if isinstance(at, int | float) else None,
                "time": str(event.get("time") or ""),
                "api": entries[0].id,
                "pi_type": entries[0].pi_type,
                "phase": str(event.get("phase") or "unknown"),
                "party": party,
                "log": str(event.get("log") or ""),
            }
        )
    reads.sort(key=lambda r: (r["at"] is None, r["at"] or 0.0))
    after = [r for r in reads if r["phase"] == "after"][:TIMELINE_SIDE]
    before = [r for r in reads if r["phase"] != "after"][-TIMELINE_SIDE:]
    return sorted(before + after, key=lambda r: (r["at"] is None, r["at"] or 0.0))


def _by_method_name(entries: Iterable[ApiEntry]) -> dict[str, list[ApiEntry]]:
    out: dict[str, list[ApiEntry]] = {}
    for entry in entries:
        if entry.kind == "method" and "->" in entry.match:
            name = entry.match.split("->", 1)[1].split("(", 1)[0]
            out.setdefault(name, []).append(entry)
    return out


def smali_ref(api: str) -> str | None:
    """ "Lcls;->name(" of a dotted "cls.name"; None for a bare name."""
    if not _DOTTED.match(api):
        return None
    cls, name = api.rsplit(".", 1)
    return f"L{cls.replace('.', '/')};->{name}("


def _entries(
    api: str, apis: ApiMatcher, names: Mapping[str, list[ApiEntry]]
) -> tuple[list[ApiEntry], str]:
    ref = smali_ref(api)
    if ref is not None:
        return list(apis.entries_for(ref)), ""
    found = names.get(api, [])
    if len({e.pi_type for e in found}) == 1:
        note = "" if len(found) == 1 else f"by method name; one of {', '.join(e.id for e in found)}"
        return found[:1], note
    if found:
        return [], f"method name {api} is ambiguous: {', '.join(e.id for e in found)}"
    return [], ""


def _attribute(frames: Iterable[str], parties: Parties) -> tuple[str, str | None]:
    """(party, frame): "first-party", an SDK id, "platform:<id>" or "unknown", and the frame."""
    platform: tuple[str, str] | None = None
    for frame in frames:
        if framework_frame(frame) or tool_frame(frame):
            continue
        kind, ident = parties.of_class(class_of(frame))
        if kind == SDK and ident:
            return ident, frame
        if kind == APP:
            return FIRST_PARTY, frame
        if kind == PLATFORM and platform is None:
            platform = (f"platform:{ident}", frame)
    return platform if platform is not None else ("unknown", None)


def _group(entry: ApiEntry | None, event: Mapping[str, Any], note: str) -> dict[str, Any]:
    api = str(event["api"])
    return {
        "id": entry.id if entry is not None else None,
        "api": _api_name(entry) if entry is not None else api,
        "known": entry is not None,
        "pi_type": entry.pi_type if entry is not None else None,
        "weak": entry.weak if entry is not None else False,
        "note": note or ("" if entry is not None else "not in the API catalogue"),
        "count": 0,
        "phases": {"before": 0, "after": 0, "unknown": 0},
        "times": [],
        "first_time": None,
        "first_at": None,
        "parties": {},
        "logs": [],
        "stack": list(event.get("frames") or ()),
        "source": "runtime",
    }


def _api_name(entry: ApiEntry) -> str:
    match = entry.match
    if "->" in match:
        cls, name = match.split("->", 1)
        return f"{cls[1:-1].replace('/', '.')}.{name.split('(', 1)[0]}"
    return match


def _add(group: dict[str, Any], event: Mapping[str, Any], party: str, frame: str | None) -> None:
    group["count"] += 1
    phase = str(event.get("phase") or "unknown")
    group["phases"][phase] = group["phases"].get(phase, 0) + 1
    at = event.get("at")
    if isinstance(at, int | float) and len(group["times"]) < MAX_TIMES:
        group["times"].append(float(at))
    if isinstance(at, int | float) and (group["first_at"] is None or at < group["first_at"]):
        group["first_at"], group["first_time"] = float(at), str(event.get("time") or "")
    parties = group["parties"]
    slot = parties.setdefault(party, {"party": party, "count": 0, "before": 0, "frames": []})
    slot["count"] += 1
    if phase == "before":
        slot["before"] += 1
        if "first_before" not in slot:
            slot["first_before"] = {
                "time": str(event.get("time") or ""),
                "log": str(event.get("log") or ""),
                "row": event.get("row"),
                "stack": list(event.get("frames") or ()),
            }
    if frame is not None and frame not in slot["frames"] and len(slot["frames"]) < 5:
        slot["frames"].append(frame)
    log = str(event.get("log") or "")
    if log not in group["logs"]:
        group["logs"].append(log)


def _finish(group: dict[str, Any]) -> dict[str, Any]:
    group["times"].sort()
    group["parties"] = sorted(group["parties"].values(), key=lambda p: (-p["count"], p["party"]))
    span = ""
    if len(group["times"]) > 1:
        span = f" within {group['times'][-1] - group['times'][0]:.0f} s"
    who = ", ".join(f"{p['party']} {p['count']}×" for p in group["parties"])
    name = group["id"] or f"{group['api']} (unknown API)"
    phases = group["phases"]
    group["summary"] = (
        f"{name}: {group['count']} call(s) at run time{span} "
        f"(before consent {phases['before']}, after {phases['after']}, "
        f"unknown {phases['unknown']}; by {who})"
    )
    return group


def runtime_evidence(call: Mapping[str, Any]) -> dict[str, Any]:
    """What a static item gains from the log: count, phases, first time, the first stack."""
    return {
        "count": call["count"],
        "phases": dict(call["phases"]),
        "first_time": call["first_time"],
        "stack": list(call["stack"]),
        "parties": [p["party"] for p in call["parties"]],
        "logs": list(call["logs"]),
    }


def merge_api_uses(
    api_uses: list[dict[str, Any]],
    calls: Sequence[Mapping[str, Any]],
    entries: Mapping[str, ApiEntry],
    parties: Parties,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The static uses with `source` and `runtime`, and the uses seen only at run time."""
    seen = {str(c["id"]): c for c in calls if c["id"] is not None}
    for use in api_uses:
        call = seen.pop(str(use["id"]), None)
        use["source"] = "static" if call is None else "both"
        if call is not None:
            use["runtime"] = runtime_evidence(call)
    added = []
    for api_id, call in sorted(seen.items()):
        entry = entries.get(api_id)
        if entry is None:
            continue
        callers = sorted({class_of(f) for p in call["parties"] for f in p["frames"]})
        sdks = sorted({p["party"] for p in call["parties"] if _is_sdk(p["party"])})
        first_party = any(p["party"] == FIRST_PARTY for p in call["parties"])
        added.append(
            {
                **use_record(entry, [_ref_text(entry)], callers, sdks, first_party),
                "party_callers": [f"{c} ({parties.label(c)})" for c in callers],
                "platform_callers": [],
                "source": "runtime",
                "runtime": runtime_evidence(call),
            }
        )
    return api_uses, added


CONSENT_CALLED = ("pre_consent_called", "post_consent_called", "privacy_api_called")


def merge_runtime_sdks(
    sdks: list[dict[str, Any]], calls: Sequence[Mapping[str, Any]], catalogue: SdkCatalogue
) -> None:
    """The SDKs the logs saw calling sensitive APIs: an SDK the package shows gains the
    frames as `runtime` evidence and the status its calls prove ("collects" for a collectable
    read, else at least "initialised"); one the package does not show (packed code) joins the
    list with that evidence alone.  In place."""
    by_id = {str(s["id"]): s for s in sdks}
    for call in calls:
        collects = bool(call.get("collectable")) and not call["weak"] and call["id"] is not None
        for slot in call["parties"]:
            sid = str(slot["party"])
            sdk = catalogue.by_id.get(sid)
            if sdk is None:
                continue
            entry = by_id.get(sid)
            if entry is None:
                entry = by_id[sid] = {
                    **sdk_record(sdk, "high", [], 0),  # high: its code ran
                    "status": "present",
                    "status_evidence": [],
                    **dict.fromkeys(CONSENT_CALLED),
                }
                sdks.append(entry)
            shown = {e["value"] for e in entry["evidence"] if e["kind"] == "runtime"}
            for frame in slot["frames"]:
                if frame not in shown and len(shown) < 3:
                    entry["evidence"].append({"kind": "runtime", "value": frame})
                    shown.add(frame)
            if collects and entry.get("status") != "collects":
                entry["status"] = "collects"
                entry["status_evidence"] = [f"{call['id']} at run time"]
            elif entry.get("status") == "present":
                entry["status"] = "initialised"
                entry["status_evidence"] = [f"{call['id'] or call['api']} at run time"]


def _is_sdk(party: str) -> bool:
    return party not in (FIRST_PARTY, "unknown") and not party.startswith("platform:")


def _ref_text(entry: ApiEntry) -> str:
    if entry.kind == "method":
        return entry.match + ")"
    return entry.match


def merge_pre_consent(
    pre_consent: list[dict[str, Any]], calls: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """`pre_consent` with the calls the logs saw before consent (see the module doc)."""
    out = list(pre_consent)
    for call in calls:
        if call["id"] is None or call["weak"] or not call["phases"]["before"]:
            continue
        for slot in call["parties"]:
            if not slot["before"]:
                continue
            party = str(slot["party"])
            first = slot["first_before"]
            static = [
                item
                for item in out
                if item.get("kind") == "api"
                and item.get("target") == call["id"]
                and item.get("attributed_to") == party
                and item.get("source") != "runtime"
            ]
            evidence = {
                "count": slot["before"],
                "first_time": first["time"],
                "log": first["log"],
                "row": first["row"],
                "stack": first["stack"],
            }
            ungated = [item for item in static if not item.get("gated")]
            if ungated:
                for item in ungated:
                    item["source"] = "both"
                    item["runtime"] = evidence
                continue
            frame = slot["frames"][0] if slot["frames"] else None
            gated_note = " although the code reads a consent flag first" if static else ""
            where = f"{first['log']} row {first['row']}"
            out.append(
                {
                    "entry": f"runtime log {first['log']}",
                    "entry_kind": "runtime",
                    "component": None,
                    "kind": "api",
                    "target": call["id"],
                    "pi_type": call["pi_type"],
                    "ref": smali_ref(str(call["api"])) or str(call["api"]),
                    "chain": list(reversed(first["stack"])),
                    "via": "runtime",
                    "attributed_to": party,
                    "callers": [class_of(frame)] if frame else [],
                    "gated": False,
                    "gate": None,
                    "confidence": "high",
                    "summary": (
                        f"{call['id']}: called {slot['before']}× before consent at run time"
                        f"{gated_note} (first at {first['time']}, {where}) by {party}"
                        + (f" from {frame}" if frame else "")
                        + " [runtime]"
                    ),
                    "source": "runtime",
                    "runtime": evidence,
                }
            )
    for item in out:
        item.setdefault("source", "static")
    return out
