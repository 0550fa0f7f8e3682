"""The permission, app-type and sensitive-API catalogues: loading, validation, cross-checks.

Four JSON files in `rules/catalog/` belong together:

* `pi-types.json` - the PI type ids every other catalogue speaks of;
* `permissions.json` - Android permissions, the PI each exposes and the app types for which that
  PI is necessary (`necessary_for`);
* `app-types.json` - the 39 app types of 国信办秘字〔2021〕14号 with their necessary PI and the
  permissions exposing it (`necessary_permissions`);
* `apis.json` - code-level indicators (method/field reference prefixes, content URIs, strings).

Each file is validated against its JSON Schema (Draft 2020-12, `pi_scan/schemas/`) and
then cross-checked against its siblings: PI types exist, app-type ids and permission names
resolve, `necessary_for` and `necessary_permissions` agree in both directions, ids are unique.
Every problem raises `RuleLoadError(file, json_path, message)`.

The loaders return immutable objects: frozen dataclasses, and catalogues that are read-only
mappings keyed by permission name, app-type id or API id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from pi_scan.datafiles import builtin_rules_dir, load_json, load_validated
from pi_scan.errors import RuleLoadError

PI_TYPES_FILE = "pi-types.json"
PERMISSIONS_FILE = "permissions.json"
APP_TYPES_FILE = "app-types.json"
APIS_FILE = "apis.json"

PROTECTIONS = ("dangerous", "special", "normal", "signature", "privileged")
API_KINDS = ("method", "field", "uri", "string")
# What a "string" entry compares when the catalogue does not say.
DEFAULT_STRING_MODE = "contains"

_V = TypeVar("_V")


def builtin_catalog_dir() -> Path:
    """The catalogues shipped with pi-scan (`rules/catalog`, inside the wheel `_rules/catalog`)."""
    return builtin_rules_dir() / "catalog"


# ----------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True)
class Text:
    en: str
    zh: str


@dataclass(frozen=True)
class PiType:
    id: str
    en: str
    zh: str
    sensitive: bool


@dataclass(frozen=True)
class PiExposure:
    """Whether a runtime permission lets the app read PI, and on what basis (TC260 guide)."""

    exposes: bool
    basis: str  # listed, successor, write-only, no-pi-read or not-in-guide
    document: str  # regulation tag, e.g. "TC260-PERM"
    clause: str


@dataclass(frozen=True)
class Permission:
    name: str
    protection: str  # one of PROTECTIONS
    group: str | None  # Android permission group, runtime permissions only
    api_level: int | None  # None: not part of the public SDK
    max_api: int | None  # last API level on which it keeps its documented effect
    defined_by: str  # "android", "google-play-services" or "launcher"
    pi_types: tuple[str, ...]
    sensitive: bool
    necessary_for: frozenset[str]  # app-type ids
    en: str
    zh: str
    note: Text | None = None
    pi_exposure: PiExposure | None = None  # runtime (dangerous) permissions only

    @property
    def short_name(self) -> str:
        """The part after the last dot ("READ_SMS")."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def exposes_pi(self) -> bool:
        return bool(self.pi_types)


@dataclass(frozen=True)
class NecessaryPi:
    """One item of necessary PI of an app type."""

    en: str
    zh: str
    pi_types: tuple[str, ...]


@dataclass(frozen=True)
class AppType:
    id: str
    number: int
    zh: str
    en: str
    basic_function: Text
    necessary_pi: tuple[NecessaryPi, ...]
    necessary_permissions: tuple[str, ...]
    verified: bool
    examples: tuple[Text, ...] = ()
    note: Text | None = None

    @property
    def pi_types(self) -> frozenset[str]:
        """All PI types of the necessary PI items."""
        return frozenset(t for item in self.necessary_pi for t in item.pi_types)

    @property
    def needs_no_pi(self) -> bool:
        """True for the types whose basic function needs no personal information at all."""
        return not self.necessary_pi


ACCESS_KINDS = ("permission", "none", "privileged", "blocked")


@dataclass(frozen=True)
class AccessStep:
    """How a sensitive API hands out its PI on some device levels and targetSdk values.

    The step covers device API levels `from_api`..`to_api` and apps whose targetSdk is in
    `min_target`..`max_target` (None: unbounded).  `access` is one of ACCESS_KINDS:
    "permission" (one of `any_of` and all of `all_of` declared; or a <queries> element, when
    `or_queries` is "broad" or "any"), "none" (no permission needed), "privileged" (only
    privileged system apps get it; `any_of` names the permission) or "blocked" (no PI for
    ordinary apps; `returns` says what they get instead).
    """

    access: str
    from_api: int | None = None
    to_api: int | None = None
    min_target: int | None = None
    max_target: int | None = None
    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    or_queries: str | None = None
    returns: str | None = None
    note: str | None = None
    source: str | None = None

    def covers(self, device: int, target: int) -> bool:
        """Whether the step applies on device level `device` to an app targeting `target`."""
        return (
            (self.from_api is None or device >= self.from_api)
            and (self.to_api is None or device <= self.to_api)
            and (self.min_target is None or target >= self.min_target)
            and (self.max_target is None or target <= self.max_target)
        )


@dataclass(frozen=True)
class ApiEntry:
    id: str
    kind: str  # one of API_KINDS
    match: str
    pi_type: str
    sensitive: bool
    category: str
    en: str
    zh: str
    match_mode: str | None = None  # "string" entries: "contains", "equals" or "prefix"
    with_string: str | None = None  # also required: this exact DEX string
    weak: bool = False
    # every permission named by `access` (any step), for cross-checks and listings
    requires_permission: tuple[str, ...] = ()
    api_min: int | None = None
    api_max: int | None = None
    note: Text | None = None
    # what the call needs to return the PI, by device level and targetSdk (first match decides);
    # a plain requires_permission list becomes one step
    access: tuple[AccessStep, ...] = (AccessStep("none"),)
    source: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------------------
# catalogues: read-only mappings


class Catalogue(Mapping[str, _V], Generic[_V]):
    """Entries of one catalogue file by key, in file order."""

    __slots__ = ("_entries", "path")

    def __init__(self, path: str, entries: Iterable[tuple[str, _V]]) -> None:
        self.path = path
        self._entries: Mapping[str, _V] = MappingProxyType(dict(entries))

    def __getitem__(self, key: str) -> _V:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}, {len(self)} entries)"


class PiTypeCatalogue(Catalogue[PiType]):
    __slots__ = ()


class PermissionCatalogue(Catalogue[Permission]):
    """Permissions by full name; also knows the app-type ids it was checked against."""

    __slots__ = ("app_type_ids",)

    def __init__(
        self, path: str, entries: Iterable[tuple[str, Permission]], app_type_ids: Iterable[str]
    ) -> None:
        super().__init__(path, entries)
        self.app_type_ids: frozenset[str] = frozenset(app_type_ids)


class AppTypeCatalogue(Catalogue[AppType]):
    """App types by id."""

    __slots__ = ()

    def by_number(self, number: int) -> AppType:
        for app_type in self.values():
            if app_type.number == number:
                return app_type
        raise KeyError(number)


class ApiCatalogue(Catalogue[ApiEntry]):
    """Sensitive-API entries by id."""

    __slots__ = ()


@dataclass(frozen=True)
class Catalogues:
    """All four catalogues of one folder, loaded and cross-checked together."""

    pi_types: PiTypeCatalogue
    permissions: PermissionCatalogue
    app_types: AppTypeCatalogue
    apis: ApiCatalogue


# ----------------------------------------------------------------------------------------------
# loading


def load_pi_types(path: str | Path) -> PiTypeCatalogue:
    """Load `pi-types.json` ({"types": {id: {en, zh, sensitive}}})."""
    path = Path(path)
    data = load_json(path)
    file = str(path)
    if not isinstance(data, dict) or not isinstance(data.get("types"), dict):
        raise RuleLoadError(file, "$.types", "expected an object of PI types")
    out: list[tuple[str, PiType]] = []
    for key, entry in data["types"].items():
        where = f"$.types.{key}"
        if not isinstance(entry, dict):
            raise RuleLoadError(file, where, "expected an object")
        for name, kind in (("en", str), ("zh", str), ("sensitive", bool)):
            if not isinstance(entry.get(name), kind):
                raise RuleLoadError(file, f"{where}.{name}", f"expected {kind.__name__}")
        out.append((key, PiType(key, entry["en"], entry["zh"], entry["sensitive"])))
    return PiTypeCatalogue(file, out)


def load_permissions(
    path: str | Path,
    *,
    pi_types_path: str | Path | None = None,
    app_types_path: str | Path | None = None,
) -> PermissionCatalogue:
    """Load `permissions.json`; PI types and app types are read from the same folder by default."""
    path = Path(path)
    file = str(path)
    data = load_validated(path, "permissions")
    pi_types = load_pi_types(pi_types_path or path.parent / PI_TYPES_FILE)
    app_types_file = Path(app_types_path or path.parent / APP_TYPES_FILE)
    app_perms = _necessary_permissions_by_type(load_validated(app_types_file, "app-types"))

    names: set[str] = set()
    entries: list[tuple[str, Permission]] = []
    for i, raw in enumerate(data["permissions"]):
        where = f"$.permissions[{i}]"
        name = raw["name"]
        if name in names:
            raise RuleLoadError(file, f"{where}.name", f"duplicate permission {name!r}")
        names.add(name)
        _check_pi_types(file, f"{where}.pi_types", raw["pi_types"], pi_types)
        _check_sensitive(file, where, raw["sensitive"], raw["pi_types"], pi_types)
        exposure = raw.get("pi_exposure")
        if exposure is not None and exposure["exposes"] and not raw["pi_types"]:
            raise RuleLoadError(
                file, f"{where}.pi_exposure.exposes", "exposes PI but lists no pi_types"
            )
        max_api = raw.get("max_api")
        if max_api is not None and raw["api_level"] is not None and max_api < raw["api_level"]:
            raise RuleLoadError(file, f"{where}.max_api", "max_api is below api_level")
        for j, type_id in enumerate(raw["necessary_for"]):
            if type_id not in app_perms:
                raise RuleLoadError(
                    file,
                    f"{where}.necessary_for[{j}]",
                    f"unknown app type {type_id!r} (not in {app_types_file.name})",
                )
            if name not in app_perms[type_id]:
                raise RuleLoadError(
                    file,
                    f"{where}.necessary_for[{j}]",
                    f"app type {type_id!r} does not list {name} in necessary_permissions "
                    f"({app_types_file.name})",
                )
        for type_id, perms in app_perms.items():
            if name in perms and type_id not in raw["necessary_for"]:
                raise RuleLoadError(
                    file,
                    f"{where}.necessary_for",
                    f"app type {type_id!r} lists this permission in necessary_permissions "
                    f"({app_types_file.name}) but necessary_for does not name it",
                )
        entries.append((name, _permission(raw)))
    return PermissionCatalogue(file, entries, app_perms)


def load_app_types(
    path: str | Path,
    *,
    pi_types_path: str | Path | None = None,
    permissions_path: str | Path | None = None,
) -> AppTypeCatalogue:
    """Load `app-types.json`; PI types and permissions are read from the same folder by default."""
    path = Path(path)
    file = str(path)
    data = load_validated(path, "app-types")
    pi_types = load_pi_types(pi_types_path or path.parent / PI_TYPES_FILE)
    perms_file = Path(permissions_path or path.parent / PERMISSIONS_FILE)
    perm_raw = {p["name"]: p for p in load_validated(perms_file, "permissions")["permissions"]}

    ids: set[str] = set()
    numbers: set[int] = set()
    entries: list[tuple[str, AppType]] = []
    for i, raw in enumerate(data["types"]):
        where = f"$.types[{i}]"
        if raw["id"] in ids:
            raise RuleLoadError(file, f"{where}.id", f"duplicate app type {raw['id']!r}")
        ids.add(raw["id"])
        if raw["number"] in numbers:
            raise RuleLoadError(file, f"{where}.number", f"duplicate number {raw['number']}")
        numbers.add(raw["number"])
        type_pi: set[str] = set()
        for j, item in enumerate(raw["necessary_pi"]):
            _check_pi_types(file, f"{where}.necessary_pi[{j}].pi_types", item["pi_types"], pi_types)
            type_pi.update(item["pi_types"])
        for j, name in enumerate(raw["necessary_permissions"]):
            at = f"{where}.necessary_permissions[{j}]"
            perm = perm_raw.get(name)
            if perm is None:
                raise RuleLoadError(
                    file, at, f"unknown permission {name!r} (not in {perms_file.name})"
                )
            if raw["id"] not in perm["necessary_for"]:
                raise RuleLoadError(
                    file,
                    at,
                    f"{name} does not name app type {raw['id']!r} in necessary_for "
                    f"({perms_file.name})",
                )
            if not type_pi.intersection(perm["pi_types"]):
                raise RuleLoadError(
                    file, at, f"{name} exposes none of the PI types of this type's necessary PI"
                )
        for name, perm in perm_raw.items():
            if raw["id"] in perm["necessary_for"] and name not in raw["necessary_permissions"]:
                raise RuleLoadError(
                    file,
                    f"{where}.necessary_permissions",
                    f"{name} names this type in necessary_for ({perms_file.name}) "
                    "but is missing here",
                )
        entries.append((raw["id"], _app_type(raw)))
    if numbers != set(range(1, len(numbers) + 1)):
        raise RuleLoadError(file, "$.types", f"numbers must run from 1 to {len(numbers)}")
    return AppTypeCatalogue(file, entries)


def load_apis(
    path: str | Path,
    *,
    pi_types_path: str | Path | None = None,
    permissions_path: str | Path | None = None,
) -> ApiCatalogue:
    """Load `apis.json`; PI types and permissions are read from the same folder by default."""
    path = Path(path)
    file = str(path)
    data = load_validated(path, "apis")
    pi_types = load_pi_types(pi_types_path or path.parent / PI_TYPES_FILE)
    perms_file = Path(permissions_path or path.parent / PERMISSIONS_FILE)
    perm_names = {p["name"] for p in load_validated(perms_file, "permissions")["permissions"]}

    entries: list[tuple[str, ApiEntry]] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["apis"]):
        where = f"$.apis[{i}]"
        if raw["id"] in seen:
            raise RuleLoadError(file, f"{where}.id", f"duplicate API id {raw['id']!r}")
        seen.add(raw["id"])
        _check_pi_types(file, f"{where}.pi_type", [raw["pi_type"]], pi_types)
        if raw["sensitive"] != pi_types[raw["pi_type"]].sensitive and "note" not in raw:
            raise RuleLoadError(
                file,
                f"{where}.sensitive",
                f"differs from PI type {raw['pi_type']!r}; add a note explaining why",
            )
        _check_access(file, f"{where}.requires_permission", raw, perm_names, perms_file.name)
        api_min, api_max = raw.get("api_min"), raw.get("api_max")
        if api_min is not None and api_max is not None and api_max < api_min:
            raise RuleLoadError(file, f"{where}.api_max", "api_max is below api_min")
        entries.append((raw["id"], _api(raw)))
    return ApiCatalogue(file, entries)


def load_catalogues(directory: str | Path | None = None) -> Catalogues:
    """Load and cross-check the four catalogues of one folder (default: the built-in ones)."""
    folder = Path(directory) if directory is not None else builtin_catalog_dir()
    return Catalogues(
        pi_types=load_pi_types(folder / PI_TYPES_FILE),
        permissions=load_permissions(folder / PERMISSIONS_FILE),
        app_types=load_app_types(folder / APP_TYPES_FILE),
        apis=load_apis(folder / APIS_FILE),
    )


# ----------------------------------------------------------------------------------------------
# helpers


def _check_pi_types(
    file: str, where: str, values: Iterable[str], pi_types: Mapping[str, PiType]
) -> None:
    for j, value in enumerate(values):
        if value not in pi_types:
            at = where if where.endswith(".pi_type") else f"{where}[{j}]"
            raise RuleLoadError(file, at, f"unknown PI type {value!r} (not in {PI_TYPES_FILE})")


def _check_access(
    file: str, where: str, raw: Mapping[str, Any], perm_names: set[str], perms_file: str
) -> None:
    for j, item in enumerate(raw.get("requires_permission", ())):
        if isinstance(item, str):
            names: list[tuple[str, str]] = [(f"{where}[{j}]", item)]
        else:
            names = [
                (f"{where}[{j}].{key}[{k}]", name)
                for key in ("any_of", "all_of")
                for k, name in enumerate(item.get(key, ()))
            ]
            for low, high in (("from_api", "to_api"), ("min_target", "max_target")):
                bounds = item.get(low), item.get(high)
                if bounds[0] is not None and bounds[1] is not None and bounds[1] < bounds[0]:
                    raise RuleLoadError(file, f"{where}[{j}].{high}", f"{high} is below {low}")
        for at, name in names:
            if name not in perm_names:
                raise RuleLoadError(file, at, f"unknown permission {name!r} (not in {perms_file})")


def _access(raw: Mapping[str, Any]) -> tuple[AccessStep, ...]:
    items = raw.get("requires_permission", ())
    if not items:
        return (AccessStep("none"),)
    if all(isinstance(item, str) for item in items):
        return (AccessStep("permission", any_of=tuple(items)),)
    return tuple(
        AccessStep(
            access=item["access"],
            from_api=item.get("from_api"),
            to_api=item.get("to_api"),
            min_target=item.get("min_target"),
            max_target=item.get("max_target"),
            any_of=tuple(item.get("any_of", ())),
            all_of=tuple(item.get("all_of", ())),
            or_queries=item.get("or_queries"),
            returns=item.get("returns"),
            note=item.get("note"),
            source=item.get("source"),
        )
        for item in items
    )


def _check_sensitive(
    file: str, where: str, sensitive: bool, values: Iterable[str], pi_types: Mapping[str, PiType]
) -> None:
    expected = any(pi_types[v].sensitive for v in values)
    if sensitive != expected:
        raise RuleLoadError(
            file,
            f"{where}.sensitive",
            f"must be {str(expected).lower()}: it follows the sensitivity of the PI types",
        )


def _necessary_permissions_by_type(data: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    return {t["id"]: frozenset(t["necessary_permissions"]) for t in data["types"]}


def _text(raw: Mapping[str, Any] | None) -> Text | None:
    return None if raw is None else Text(raw["en"], raw["zh"])


def _permission(raw: Mapping[str, Any]) -> Permission:
    return Permission(
        name=raw["name"],
        protection=raw["protection"],
        group=raw["group"],
        api_level=raw["api_level"],
        max_api=raw.get("max_api"),
        defined_by=raw.get("defined_by", "android"),
        pi_types=tuple(raw["pi_types"]),
        sensitive=raw["sensitive"],
        necessary_for=frozenset(raw["necessary_for"]),
        en=raw["en"],
        zh=raw["zh"],
        note=_text(raw.get("note")),
        pi_exposure=_exposure(raw.get("pi_exposure")),
    )


def _exposure(raw: Mapping[str, Any] | None) -> PiExposure | None:
    if raw is None:
        return None
    return PiExposure(raw["exposes"], raw["basis"], raw["document"], raw["clause"])


def _app_type(raw: Mapping[str, Any]) -> AppType:
    return AppType(
        id=raw["id"],
        number=raw["number"],
        zh=raw["zh"],
        en=raw["en"],
        basic_function=Text(raw["basic_function"]["en"], raw["basic_function"]["zh"]),
        necessary_pi=tuple(
            NecessaryPi(item["en"], item["zh"], tuple(item["pi_types"]))
            for item in raw["necessary_pi"]
        ),
        necessary_permissions=tuple(raw["necessary_permissions"]),
        verified=raw["verified"],
        examples=tuple(Text(e["en"], e["zh"]) for e in raw.get("examples", ())),
        note=_text(raw.get("note")),
    )


def _api(raw: Mapping[str, Any]) -> ApiEntry:
    kind = raw["kind"]
    access = _access(raw)
    source = raw.get("source", ())
    return ApiEntry(
        id=raw["id"],
        kind=kind,
        match=raw["match"],
        pi_type=raw["pi_type"],
        sensitive=raw["sensitive"],
        category=raw["category"],
        en=raw["en"],
        zh=raw["zh"],
        match_mode=raw.get("match_mode", DEFAULT_STRING_MODE) if kind == "string" else None,
        with_string=raw.get("with_string"),
        weak=raw.get("weak", False),
        requires_permission=tuple(
            dict.fromkeys(name for step in access for name in (*step.any_of, *step.all_of))
        ),
        api_min=raw.get("api_min"),
        api_max=raw.get("api_max"),
        note=_text(raw.get("note")),
        access=access,
        source=(source,) if isinstance(source, str) else tuple(source),
    )
