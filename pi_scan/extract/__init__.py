"""Extraction: turn one APK or split bundle into `ApkFacts`.

This package is the only place in pi_scan that imports androguard.  Nothing here touches the
network, writes to disk or runs code from the app: the file is hashed as a stream and read as a
zip, each entry that is needed is decompressed in memory behind a zip-bomb guard (DEX files
once, straight into the DEX reader), and every failure leaves as a one-line
`ApkAnalysisError`, so one bad file can never stop a scan of many.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO, NamedTuple

from loguru import logger

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract import agpublic, container  # noqa: F401  (agpublic before androguard)
from pi_scan.extract.archive import (
    MANIFEST,
    RESOURCES,
    Archive,
    ArchiveListing,
    BudgetExceeded,
    InflateBudget,
    describe,
    dex_names,
    list_archive,
    merge_listings,
    open_zip,
    prepended_dex,
)
from pi_scan.extract.callgraph import (
    IDENTIFIER,
    INTENT_QUERIES,
    MAX_REFLECTIVE,
    REFLECTIVE_LOOKUPS,
    CodeIndex,
    app_entry_points,
    build_code_graphs,
    descriptor,
    entry_points,
    methods_calling,
    reflective_methods,
)
from pi_scan.extract.dex import DexPart, DexTables, combine, read_dex_part
from pi_scan.extract.gcpause import no_cyclic_gc
from pi_scan.extract.limits import MAX_LAYOUTS
from pi_scan.extract.manifest import ManifestInfo, parse_manifest, sort_components
from pi_scan.extract.policytext import bundled_documents
from pi_scan.extract.signing import read_certificates
from pi_scan.extract.tolerant import layout_identifiers
from pi_scan.model import (
    ApkFacts,
    Certificate,
    CodeEntry,
    CodeNode,
    CustomPermission,
    Feature,
    PermissionUse,
    PolicyDocument,
    RefTable,
    ResourceText,
)

__all__ = ["extract_facts", "set_verbose"]

_CHUNK = 1024 * 1024
SERVICES = "META-INF/services/"
MAX_SERVICE_FILE = 64 * 1024  # a provider-configuration file lists a few class names
MAX_SERVICES = 10_000


def set_verbose(on: bool) -> None:
    """Show androguard's own log lines (it warns freely about odd but harmless APKs)."""
    if on:
        logger.enable("androguard")
    else:
        logger.disable("androguard")


set_verbose(False)


def extract_facts(path: Path) -> ApkFacts:
    """All facts about the app at `path`; raises only ApkAnalysisError, with a one-line reason."""
    try:
        with no_cyclic_gc():
            return _extract(Path(path))
    except ApkAnalysisError as exc:
        raise ApkAnalysisError(_one_line(str(exc))) from exc
    except RecursionError as exc:
        raise ApkAnalysisError("too deeply nested to analyse") from exc
    except Exception as exc:  # the boundary: androguard, zipfile, lxml, struct, ...
        raise ApkAnalysisError(f"cannot analyse ({describe(exc)})") from exc


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "cannot analyse"


class _Identity(NamedTuple):
    """The file as a whole: for a bundle, the container, not its base APK."""

    path: str
    sha256: str
    size: int


@contextlib.contextmanager
def _file_errors() -> Iterator[None]:
    """Turn the OS's reasons for not reading a file into one-line analysis errors."""
    try:
        yield
    except FileNotFoundError as exc:
        raise ApkAnalysisError("missing path") from exc
    except PermissionError as exc:
        raise ApkAnalysisError("permission denied") from exc
    except IsADirectoryError as exc:
        raise ApkAnalysisError("is a directory, not a file") from exc
    except OSError as exc:
        raise ApkAnalysisError(f"cannot read file ({exc.strerror or describe(exc)})") from exc


def _hash(handle: BinaryIO) -> tuple[str, int]:
    """SHA-256 and size, streamed: a bundle can carry gigabytes of OBB data that is never
    otherwise read, so the file is not loaded whole just to be hashed."""
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def _extract(path: Path) -> ApkFacts:
    with _file_errors():
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):  # a FIFO or a device would stream forever
            raise ApkAnalysisError("not a regular file")
        handle = path.open("rb")
    with handle:
        with _file_errors():
            sha256, size = _hash(handle)
        identity = _Identity(str(path), sha256, size)
        with _file_errors():
            zf = open_zip(handle)
            if container.is_container(path, zf):
                return _bundle_facts(identity, zf, path.suffix.lower())
            if not zf.has(MANIFEST):
                raise ApkAnalysisError("no AndroidManifest.xml (not an APK)")
            part = _read_part(zf, prefix="")
            certificates, cert_warnings = read_certificates(zf)
        # still open: the call graph reads DEX files again from the zip
        return _facts(identity, part, [part], certificates, cert_warnings, splits=())


# --------------------------------------------------------------------------------------------
# one APK
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """What one APK (a standalone app or one member of a bundle) contributes."""

    manifest: ManifestInfo
    dex_files: tuple[str, ...]
    dex: list[DexPart]  # each DEX file as read, united (and then let go) by `_facts`
    loaders: tuple[Callable[[], bytes], ...]  # each one's bytes again, for the call graph
    reflective: tuple[CodeNode, ...]  # methods doing reflective lookups
    code_limits: tuple[str, ...]  # what could not be read of them
    listing: ArchiveListing
    warnings: tuple[str, ...]
    tamper: tuple[str, ...]  # tamper indicators, bundle members' named "member!entry"
    layout_names: tuple[str, ...] = ()  # names in res/layout: View classes, onClick handlers
    services: tuple[tuple[str, str], ...] = ()  # META-INF/services: (service, provider) dotted
    policies: tuple[PolicyDocument, ...] = ()  # privacy policies in assets/ and res/raw/


PREPENDED_DEX = "<prepended dex>"


def _read_part(
    zf: Archive,
    prefix: str,
    inherited_sdk: int | None = None,
    defined: set[str] | None = None,
) -> _Part:
    """Manifest, DEX and listing of one APK.  `prefix` ("split.apk!") names bundle members in
    dex_files, warnings and tamper indicators; `defined` holds the classes that the APKs
    read before defined (the first definition of a class wins)."""
    if not zf.has(MANIFEST):
        raise ApkAnalysisError("no AndroidManifest.xml (not an APK)")
    resources, res_warnings = _read_resources(zf)
    manifest = parse_manifest(zf.read(MANIFEST), resources, inherited_sdk)
    names = dex_names(zf.namelist())
    dex = _read_dex_files(zf, names, prefix, set() if defined is None else defined)
    return _Part(
        manifest=manifest,
        dex_files=tuple(prefix + name for name in dex.loaded),
        dex=list(dex.parts),
        loaders=dex.loaders,
        reflective=dex.reflective,
        code_limits=dex.limits,
        listing=list_archive(zf.namelist()),
        warnings=tuple(prefix + w for w in res_warnings + manifest.warnings) + dex.warnings,
        tamper=_prefixed(prefix, (*zf.indicators, *manifest.tamper_indicators)),
        layout_names=_layout_names(zf),
        services=_services(zf),
        policies=bundled_documents(zf.namelist(), zf.read, lambda name: zf.entry(name).size),
    )


def _services(zf: Archive) -> tuple[tuple[str, str], ...]:
    """(service, provider) class names of META-INF/services/ (java.util.ServiceLoader's
    provider-configuration files: one class name a line, '#' starts a comment)."""
    found: list[tuple[str, str]] = []
    for name in zf.namelist():
        service = name[len(SERVICES) :]
        if not name.startswith(SERVICES) or not IDENTIFIER.match(service):
            continue
        try:
            text = zf.read(name)[:MAX_SERVICE_FILE].decode("utf-8", "replace")
        except BudgetExceeded:
            raise
        except ApkAnalysisError:
            continue
        for line in text.splitlines():
            provider = line.split("#", 1)[0].strip()
            if IDENTIFIER.match(provider):
                found.append((service, provider))
    return tuple(found[:MAX_SERVICES])


def _layout_names(zf: Archive) -> tuple[str, ...]:
    """The identifiers in the string pools of res/layout*/ files: the classes the framework
    creates from them (custom Views, fragments) and the methods named by android:onClick.
    Only adds to the whole-app set, so an unreadable layout is skipped."""
    found: set[str] = set()
    layouts = [n for n in zf.namelist() if n.startswith("res/layout") and n.endswith(".xml")]
    for name in layouts[:MAX_LAYOUTS]:
        try:
            data = zf.read(name)
        except BudgetExceeded:
            raise
        except ApkAnalysisError:
            continue
        found.update(layout_identifiers(data))
    return tuple(sorted(found))


def _prefixed(prefix: str, indicators: Iterable[str]) -> tuple[str, ...]:
    """Indicators of a bundle member name it: "duplicate_entry:base.apk!classes.dex", and
    "multiple_eocd:base.apk" for one about the member as a whole."""
    if not prefix:
        return tuple(indicators)
    member = prefix.rstrip("!")
    return tuple(
        f"{kind}:{prefix}{name}" if name else f"{kind}:{member}"
        for kind, _, name in (item.partition(":") for item in indicators)
    )


def _read_resources(zf: Archive) -> tuple[bytes | None, tuple[str, ...]]:
    """resources.arsc, which only serves to resolve labels and resource names: when it cannot
    be read, the manifest facts are still right, so this is a warning."""
    if not zf.has(RESOURCES):
        return None, ()
    try:
        return zf.read(RESOURCES), ()
    except BudgetExceeded:
        raise
    except ApkAnalysisError as exc:
        return None, (f"{exc}; resource references left unresolved",)


class _DexFiles(NamedTuple):
    parts: tuple[DexPart, ...]
    loaders: tuple[Callable[[], bytes], ...]
    reflective: tuple[CodeNode, ...]
    limits: tuple[str, ...]  # reflective methods that could not be read
    warnings: tuple[str, ...]
    loaded: tuple[str, ...]  # names of the DEX files read (or tried)


def _read_dex_files(zf: Archive, names: list[str], prefix: str, defined: set[str]) -> _DexFiles:
    """Read each DEX straight from the zip.  A DEX that cannot be parsed is a warning and the
    others are still read (packers often plant a broken classes.dex next to real code); a
    DEX glued in front of the zip (Janus) comes first.

    The methods doing reflective lookups are read here, while a DEX's bytes are at hand;
    the bytes are then dropped (the call graph reads them again if it needs them), so that
    a big app's DEX files are never all in memory at once.  The biggest DEX is read first,
    while little else is held: reading one needs about three times its size for a moment."""
    janus = prepended_dex(zf)
    blobs: list[tuple[str, bytes | None]] = [(PREPENDED_DEX, janus)] if janus else []
    blobs += [(name, None) for name in names]
    sizes = [len(blob) if blob is not None else zf.entry(name).size for name, blob in blobs]
    read: dict[int, tuple[DexPart, list[CodeNode], str | None]] = {}
    failed: dict[int, str] = {}
    for i in sorted(range(len(blobs)), key=sizes.__getitem__, reverse=True):
        name, blob = blobs[i]
        data = blob if blob is not None else zf.read(name)  # the zip-bomb guard refuses all
        try:
            part = read_dex_part(data, name)
        except Exception as exc:  # DexFormatError, or a parser slip on a hostile file
            reason = describe(exc)
            failed[i] = prefix + (reason if reason.startswith(f"{name}: ") else f"{name}: {reason}")
            continue
        try:
            read[i] = part, _reflective(part, data), None
        except Exception as exc:  # DexFormatError, or a reader slip on a hostile file
            note = _one_line(f"reflective methods of {prefix}{name} not read: {describe(exc)}")
            read[i] = part, [], note
    parts: list[DexPart] = []
    loaders: list[Callable[[], bytes]] = []
    reflective: list[CodeNode] = []
    limits: list[str] = []
    for i, (name, blob) in enumerate(blobs):
        if i not in read:
            continue
        part, nodes, limit = read[i]
        parts.append(part)
        loaders.append(partial(zf.reread, name) if blob is None else partial(bytes, blob))
        reflective += (n for n in nodes if n.method[: n.method.find(";") + 1] not in defined)
        limits += [limit] if limit else []
        defined.update(desc for desc, _, _, _ in part.class_defs)  # the first definition wins
    return _DexFiles(
        tuple(parts),
        tuple(loaders),
        tuple(reflective),
        tuple(limits),
        tuple(failed[i] for i in sorted(failed)),
        tuple(name for name, _ in blobs),
    )


def _reflective(part: DexPart, data: bytes) -> list[CodeNode]:
    """The part's methods that look members up by reflection (`reflective_methods`)."""
    wanted = part.method_indices(REFLECTIVE_LOOKUPS)
    users = part.users_of(REFLECTIVE_LOOKUPS, wanted)
    if not users:
        return []
    index = CodeIndex([part.tables(data)])
    index.known_invokes(0, REFLECTIVE_LOOKUPS, wanted)  # only methods invoking them decoded
    return list(reflective_methods(index, users))


# --------------------------------------------------------------------------------------------
# bundles
# --------------------------------------------------------------------------------------------


def _bundle_facts(identity: _Identity, zf: Archive, suffix: str) -> ApkFacts:
    """Scan a bundle as the one app it installs as; identity and signatures from the base."""
    members = container.apk_members(zf)
    if not members:
        raise ApkAnalysisError(f"no APK inside the {suffix or 'bundle'} file")
    blobs = {name: container.read_member(zf, name, suffix) for name in members}
    budget = zf.budget
    base_name = container.base_hint(zf, members) or _first_unsplit(blobs, budget)
    try:
        base_zip = open_zip(io.BytesIO(blobs[base_name]), budget)
        defined: set[str] = set()  # classes of the members read so far (the first one wins)
        base_part = _read_part(base_zip, f"{base_name}!", None, defined)
    except ApkAnalysisError as exc:
        raise ApkAnalysisError(f"{base_name}: {exc}") from exc
    sdk = base_part.manifest.effective_target_sdk
    parts = [base_part]
    splits = [base_name]
    warnings: list[str] = []
    for name in container.order_members(members, base_name)[1:]:
        try:
            member = open_zip(io.BytesIO(blobs[name]), budget)
            parts.append(_read_part(member, f"{name}!", sdk, defined))
            splits.append(name)
        except BudgetExceeded:
            raise
        except ApkAnalysisError as exc:  # a broken feature split should not hide the rest
            warnings.append(f"{name}: {exc}")
    certificates, cert_warnings = read_certificates(base_zip)
    return _facts(
        identity,
        base_part,
        parts,
        certificates,
        cert_warnings + tuple(warnings),
        tuple(splits),
        tuple(zf.indicators),
    )


def _first_unsplit(blobs: Mapping[str, bytes], budget: InflateBudget) -> str:
    """The base of a bundle that does not name it: the first member whose manifest has no
    split="..." attribute.  Only manifests are parsed here; DEX is read once, later."""
    for name in sorted(blobs):
        try:
            zf = open_zip(io.BytesIO(blobs[name]), budget)
            if parse_manifest(zf.read(MANIFEST), None).split is None:
                return name
        except (ApkAnalysisError, KeyError):
            continue
    raise ApkAnalysisError("no base APK in bundle")


# --------------------------------------------------------------------------------------------
# assembling the facts
# --------------------------------------------------------------------------------------------


def _facts(
    identity: _Identity,
    base: _Part,
    parts: list[_Part],
    certificates: tuple[Certificate, ...],
    extra_warnings: tuple[str, ...],
    splits: tuple[str, ...],
    container_tamper: tuple[str, ...] = (),
) -> ApkFacts:
    """ApkFacts from the base part (identity, application, launcher) and the union of all."""
    m = base.manifest
    manifests = [p.manifest for p in parts]
    warnings = [w for p in parts for w in p.warnings] + list(extra_warnings)
    dex, tables = combine([d for p in parts for d in p.dex], [f for p in parts for f in p.loaders])
    for p in parts:  # their tables are in `dex` now: free them before the facts are derived
        p.dex.clear()
    listing = merge_listings(p.listing for p in parts)
    code = _code_evidence(m, parts, tables, dex.method_refs)
    return ApkFacts(
        path=identity.path,
        sha256=identity.sha256,
        size=identity.size,
        package=m.package,
        version_code=m.version_code,
        version_name=m.version_name,
        label=m.label,
        label_zh=m.label_zh,
        min_sdk=m.min_sdk,
        target_sdk=m.target_sdk,
        compile_sdk=m.compile_sdk,
        certificates=certificates,
        permissions=_union_permissions(x.permissions for x in manifests),
        custom_permissions=_union_custom(x.custom_permissions for x in manifests),
        application=dict(m.application),
        components=sort_components([c for x in manifests for c in x.components]),
        launcher_activity=m.launcher_activity,
        app_meta_data=_union_meta(x.app_meta_data for x in manifests),
        queries_packages=_union_sorted(x.queries_packages for x in manifests),
        queries_actions=_union_sorted(x.queries_actions for x in manifests),
        queries_providers=_union_sorted(x.queries_providers for x in manifests),
        features=_union_features(x.features for x in manifests),
        dex_files=tuple(name for p in parts for name in p.dex_files),
        classes=dex.classes,
        method_refs=dex.method_refs,
        field_refs=dex.field_refs,
        strings=dex.strings,
        string_users=dex.string_users,
        resource_strings=_union_sorted(x.resource_strings for x in manifests),
        native_libs=listing.native_libs,
        assets=listing.assets,
        raw_resources=listing.raw_resources,
        nested_apks=listing.nested_apks,
        splits=splits,
        warnings=tuple(_one_line(w) for w in warnings),
        tamper_indicators=tuple(
            _one_line(t)
            for t in dict.fromkeys([*container_tamper, *(x for p in parts for x in p.tamper)])
        ),
        entry_points=code.entries,
        code_graph=code.nodes,
        code_graph_limits=code.limits,
        reflection_code=code.reflective,
        intent_query_code=code.intent_queries,
        resource_texts=_union_texts(x.resource_texts for x in manifests),
        app_reachable=code.app,
        policy_documents=tuple(d for p in parts for d in p.policies),
    )


class _CodeEvidence(NamedTuple):
    entries: tuple[CodeEntry, ...] = ()
    nodes: tuple[CodeNode, ...] = ()
    limits: tuple[str, ...] = ()
    reflective: tuple[CodeNode, ...] = ()
    intent_queries: tuple[CodeNode, ...] = ()
    app: tuple[str, ...] = ()


def _code_evidence(
    m: ManifestInfo, parts: list[_Part], tables: tuple[DexTables, ...], refs: RefTable
) -> _CodeEvidence:
    """The call graph from the entry points, read from the DEX files of all parts, the methods
    doing reflective lookups (read with each part) and those asking which apps answer an
    intent.  It only adds evidence: a
    malformed part of the code it reads stops it with a limit noted, never the extraction."""
    reflective = sorted((n for p in parts for n in p.reflective), key=_class_then_method)
    found = tuple(reflective[:MAX_REFLECTIVE])
    noted = tuple(limit for p in parts for limit in p.code_limits)
    if not tables:
        return _CodeEvidence(limits=noted, reflective=found)
    try:
        index = CodeIndex(tables)
    except Exception as exc:  # DexFormatError, or a reader slip on a hostile file
        reason = _one_line(f"call graph not built: {describe(exc)}")
        return _CodeEvidence(limits=(reason, *noted), reflective=found)
    queries = _intent_queries(refs, index)
    try:
        components = [(c.kind, c.name, c.meta_data) for p in parts for c in p.manifest.components]
        app_class = m.application.get("class")
        application = app_class if isinstance(app_class, str) else None
        app_meta = _union_meta(p.manifest.app_meta_data for p in parts)
        actions = {
            c.name: c.actions for p in parts for c in p.manifest.components if c.kind == "receiver"
        }
        entries = entry_points(
            index, application, components, m.launcher_activity, app_meta, actions
        )
        layouts = (name for p in parts for name in p.layout_names)
        seeds = app_entry_points(index, application, components, layouts, app_meta)
        services: dict[str, list[str]] = {}
        for p in parts:
            for service, provider in p.services:
                services.setdefault(descriptor(service), []).append(descriptor(provider))
        graphs = build_code_graphs(index, entries, seeds, services=services)
    except Exception as exc:  # DexFormatError, or a reader slip on a hostile file
        reason = _one_line(f"call graph not built: {describe(exc)}")
        return _CodeEvidence(limits=(reason, *noted), reflective=found, intent_queries=queries)
    graph = graphs.pre_consent
    limits = graph.limits + graphs.app_limits + noted
    return _CodeEvidence(graph.entries, graph.nodes, limits, found, queries, graphs.app)


def _intent_queries(refs: RefTable, index: CodeIndex) -> tuple[CodeNode, ...]:
    """The methods that ask which apps answer an intent, with their operations (the
    installed-app-list rules read the intent's constant strings there), read with the call
    graph's index.  Only evidence: a reader slip on a hostile file leaves it empty."""
    users = {c for key in INTENT_QUERIES for i in refs.prefixed(key) for c in refs.callers(i)}
    if not users:
        return ()
    try:
        return methods_calling(index, users)
    except Exception:  # DexFormatError, or a reader slip on a hostile file
        return ()


def _union_texts(groups: Iterable[tuple[ResourceText, ...]]) -> tuple[ResourceText, ...]:
    return tuple(sorted({t for group in groups for t in group}, key=_text_key))


def _text_key(text: ResourceText) -> tuple[str, str, str]:
    return text.name, text.locale, text.value


def _class_then_method(node: CodeNode) -> tuple[str, str]:
    """The order reflective_methods gives: by dotted class name, then by method."""
    return node.method[1 : node.method.find(";")].replace("/", "."), node.method


def _union_sorted(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(sorted({item for group in groups for item in group}))


def _union_permissions(groups: Iterable[tuple[PermissionUse, ...]]) -> tuple[PermissionUse, ...]:
    found = {item for group in groups for item in group}
    return tuple(sorted(found, key=lambda p: (p.name, p.sdk23, p.max_sdk or 0)))


def _union_custom(groups: Iterable[tuple[CustomPermission, ...]]) -> tuple[CustomPermission, ...]:
    found: dict[str, CustomPermission] = {}
    for group in groups:
        for item in group:
            found.setdefault(item.name, item)
    return tuple(found[name] for name in sorted(found))


def _union_features(groups: Iterable[tuple[Feature, ...]]) -> tuple[Feature, ...]:
    found: dict[str, Feature] = {}
    for group in groups:
        for item in group:
            found.setdefault(item.name, item)
    return tuple(found[name] for name in sorted(found))


def _union_meta(groups: Iterable[Mapping[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for group in groups:
        for key, value in group.items():
            merged.setdefault(key, value)
    return dict(sorted(merged.items()))
