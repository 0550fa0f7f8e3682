"""androguard's table of the platform's public resource ids, read faster.

`androguard.core.resources.public` (imported by androguard's binary XML reader, which reads
every manifest) parses the 190 KB public.xml it ships with xml.dom.minidom at import: about
20 ms of every pi-scan run (and 6 MB).  `install()` puts in its place a module with the same
two tables (`_public_res` and `SYSTEM_RESOURCES`) read from the same file by two regular
expressions (about 2 ms).  It runs when this module is imported, which
`pi_scan.extract` does before any module that imports androguard; when the file or the
module is not where this androguard keeps them, or the file does not parse, nothing is
replaced and androguard reads it itself.
The tests check the tables against androguard's own.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path
from typing import Any

NAME = "androguard.core.resources.public"


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_PUBLIC = re.compile(r"<public\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')


def read_public_xml(path: Path) -> dict[str, dict[str, int]]:
    """{type: {name: id}} of the <public> elements, as androguard's module builds it.

    The file (androguard's own, not an APK's) is a flat list of
    `<public type="attr" name="theme" id="0x01010000" />` elements between comments, so it is
    read with regular expressions rather than an XML parser: no DTD or entity can reach one.
    A file with a DTD or a CDATA section is refused (androguard then reads it itself)."""
    text = path.read_text(encoding="utf-8")
    if "<!DOCTYPE" in text or "<![CDATA[" in text:
        raise ValueError(f"{path}: not the plain list of <public> elements expected")
    tables: dict[str, dict[str, int]] = {}
    for match in _PUBLIC.finditer(_COMMENT.sub("", text)):
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        kind, name = attributes["type"], attributes["name"]
        tables.setdefault(kind, {})[name] = int(attributes["id"], 16)
    return tables


def system_resources(tables: dict[str, dict[str, int]]) -> dict[str, Any]:
    """androguard's SYSTEM_RESOURCES: attributes and styles, forward and inverse."""
    return {
        key: {"forward": dict(tables[kind]), "inverse": {v: k for k, v in tables[kind].items()}}
        for key, kind in (("attributes", "attr"), ("styles", "style"))
    }


def install() -> bool:
    """Put the fast module in place unless androguard's is loaded already; whether it is."""
    if NAME in sys.modules:
        return isinstance(sys.modules[NAME], _FastPublic)
    try:
        spec = importlib.util.find_spec(NAME)
        if spec is None or spec.origin is None:
            return False
        tables = read_public_xml(Path(spec.origin).with_name("public.xml"))
        resources = system_resources(tables)
    except Exception:  # anything odd: androguard reads the file itself
        return False
    module = _FastPublic(NAME, __doc__)
    module.__file__ = spec.origin
    module.__spec__ = spec
    module._public_res = tables
    module.SYSTEM_RESOURCES = resources
    sys.modules[NAME] = module
    package = sys.modules[NAME.rpartition(".")[0]]
    package.__dict__["public"] = module  # as the import system sets a submodule
    return True


class _FastPublic(types.ModuleType):
    """The stand-in module (a type of its own, so that `install` can tell it)."""

    _public_res: dict[str, dict[str, int]]
    SYSTEM_RESOURCES: dict[str, Any]


install()
