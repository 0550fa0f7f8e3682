"""Split-APK bundles (.apks, .xapk, .apkm): recognising them and finding their APKs.

A bundle is a zip of a base APK plus split APKs (features, ABIs, densities, languages); the
installed app is their union, so the caller analyses each member and merges them.  This module
only decides what is a bundle and which member is the base.
"""

from __future__ import annotations

import json
from pathlib import Path

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract.archive import MANIFEST, Archive
from pi_scan.extract.limits import MAX_BUNDLE_MEMBERS

CONTAINER_SUFFIXES = (".apks", ".xapk", ".apkm")
ENCRYPTED_APKM = "encrypted .apkm not supported"
_BASE_NAMES = ("base.apk", "base-master.apk")
_STANDALONES = "standalones/"


def is_container(path: Path, zf: Archive) -> bool:
    """A bundle by extension, or by content: no root manifest, but APKs at the top level or a
    base APK anywhere (bundletool puts splits/base-master.apk in a folder).

    A file with a root AndroidManifest.xml is an APK whatever it is called, so a mislabelled
    APK is still scanned; and a broken APK that merely carries a plugin in assets/ is not
    mistaken for a bundle of that plugin.
    """
    if zf.has(MANIFEST):
        return False
    if path.suffix.lower() in CONTAINER_SUFFIXES:
        return True
    return any(
        "/" not in name or name.rsplit("/", 1)[-1] in _BASE_NAMES for name in apk_members(zf)
    )


def apk_members(zf: Archive) -> list[str]:
    """The APK entries of a bundle.

    bundletool's .apks may carry both splits/ and standalones/ (whole APKs for pre-Lollipop
    devices); the standalones duplicate the splits, so they are only used when alone.
    """
    names = [name for name in zf.namelist() if name.lower().endswith(".apk")]
    preferred = [name for name in names if not name.startswith(_STANDALONES)]
    members = sorted(preferred or names)
    if len(members) > MAX_BUNDLE_MEMBERS:
        raise ApkAnalysisError(f"more than {MAX_BUNDLE_MEMBERS} APKs in the bundle (limit)")
    return members


def base_hint(zf: Archive, members: list[str]) -> str | None:
    """The member the bundle itself names as base: by file name, else by an XAPK's manifest.json
    ("split_apks" with id "base", or the classic single "<package_name>.apk")."""
    for member in members:
        if member.rsplit("/", 1)[-1] in _BASE_NAMES:
            return member
    declared = _xapk_manifest(zf)
    split_apks = declared.get("split_apks")
    if isinstance(split_apks, list):
        for item in split_apks:
            if isinstance(item, dict) and item.get("id") == "base" and item.get("file") in members:
                return str(item["file"])
    package = declared.get("package_name")
    if isinstance(package, str) and f"{package}.apk" in members:
        return f"{package}.apk"
    return None


def _xapk_manifest(zf: Archive) -> dict[str, object]:
    """manifest.json of an XAPK, or {} when absent or unreadable (it is only a hint)."""
    if not zf.has("manifest.json"):
        return {}
    try:
        loaded = json.loads(zf.read("manifest.json").decode("utf-8-sig"))
    except (ApkAnalysisError, ValueError, RecursionError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def read_member(zf: Archive, name: str, suffix: str) -> bytes:
    """Bytes of one member APK.  For .apkm, members that are not zips mean the encrypted
    APKMirror format, which cannot be read without the vendor's keys."""
    encrypted_apkm = ApkAnalysisError(ENCRYPTED_APKM)
    if suffix == ".apkm" and zf.entry(name).flags & 0x1:
        raise encrypted_apkm
    data = zf.read(name)
    if suffix == ".apkm" and not data.startswith(b"PK"):
        raise encrypted_apkm
    return data


def order_members(members: list[str], base: str) -> list[str]:
    """Base first, then the splits sorted by name."""
    return [base, *sorted(name for name in members if name != base)]
