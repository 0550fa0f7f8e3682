"""Signing certificates (v1 JAR signatures, v2 and v3 APK Signature Scheme blocks).

androguard's APK object is used only for this, created with skip_analysis so it does not parse
the manifest a second time.  A signature that cannot be read is a warning, not a failure: the
rest of the app can still be judged.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from androguard.core.apk import APK  # type: ignore[import-untyped]
from androguard.util import get_certificate_name_string  # type: ignore[import-untyped]
from asn1crypto import cms  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract.archive import check_entry, describe
from pi_scan.model import Certificate

_SCHEMES = ("v1", "v2", "v3")


def subject_of(der: bytes) -> str:
    """RFC 4514 subject ("CN=Sample,O=pi-scan"); odd certificates that cryptography rejects
    (negative serials, bad encodings seen in the wild) fall back to asn1crypto's reading."""
    try:
        return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except Exception:
        name = asn1_x509.Certificate.load(der).subject
        return str(get_certificate_name_string(name, short=True, delimiter=","))


def _certificate(scheme: str, der: bytes) -> Certificate:
    return Certificate(
        scheme=scheme, subject=subject_of(der), sha256=hashlib.sha256(der).hexdigest()
    )


def _v1_ders(apk: Any, zf: zipfile.ZipFile) -> list[bytes]:
    """Signer certificates of the JAR signature files, checked with the zip-bomb guard first
    because androguard inflates them itself."""
    ders: list[bytes] = []
    for name in apk.get_signature_names():
        sf_name = name.rsplit(".", 1)[0] + ".SF"
        for entry in (name, sf_name):
            check_entry(zf.getinfo(entry))
        der = apk.get_certificate_der(name)
        if der is None:
            der = _unverified_signer(apk, name)
        if der is not None:
            ders.append(bytes(der))
    return ders


def _unverified_signer(apk: Any, name: str) -> bytes | None:
    """The certificate the first SignerInfo names, for signatures androguard cannot verify
    (unusual algorithms): who signed is still a fact worth reporting."""
    signed = cms.ContentInfo.load(apk.get_file(name))["content"]
    infos = signed["signer_infos"]
    if not infos:
        return None
    cert = apk.find_certificate(signed["certificates"], infos[0])
    return None if cert is None else bytes(cert.dump())


def _block_ders(getter: Callable[[], Iterable[Any]]) -> list[bytes]:
    return [bytes(der) for der in getter()]


class _FromApkInspector(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "apkInspector" not in record.pathname


@contextlib.contextmanager
def _mute_apkinspector() -> Iterator[None]:
    """Keep androguard's zip reader (apkInspector) quiet.

    It logs through the module-level `logging.warning()`, which on an unconfigured root logger
    calls basicConfig() and so would change the whole process's logging, and would print to
    stderr.  A NullHandler prevents the former for the duration, a filter drops its records.
    """
    root = logging.getLogger()
    handler, muted = logging.NullHandler(), _FromApkInspector()
    root.addHandler(handler)
    root.addFilter(muted)
    try:
        yield
    finally:
        root.removeFilter(muted)
        root.removeHandler(handler)


def read_certificates(
    data: bytes, zf: zipfile.ZipFile
) -> tuple[tuple[Certificate, ...], tuple[str, ...]]:
    """(certificates, warnings): unique per scheme, sorted by scheme then fingerprint.

    v3.1 blocks (the rotated key for newer platforms) are reported under "v3", the scheme they
    extend.
    """
    with _mute_apkinspector():
        return _read_certificates(data, zf)


def _read_certificates(
    data: bytes, zf: zipfile.ZipFile
) -> tuple[tuple[Certificate, ...], tuple[str, ...]]:
    warnings: list[str] = []
    try:
        apk: Any = APK(data, raw=True, skip_analysis=True)
    except Exception as exc:
        return (), (f"signatures: cannot parse the archive ({describe(exc)})",)
    readers: dict[str, list[Callable[[], list[bytes]]]] = {
        "v1": [lambda: _v1_ders(apk, zf)],
        "v2": [lambda: _block_ders(apk.get_certificates_der_v2)],
        "v3": [
            lambda: _block_ders(apk.get_certificates_der_v3),
            lambda: _block_ders(apk.get_certificates_der_v31),
        ],
    }
    found: dict[tuple[str, str], Certificate] = {}
    for scheme in _SCHEMES:
        for read in readers[scheme]:
            try:
                for der in read():
                    cert = _certificate(scheme, der)
                    found.setdefault((scheme, cert.sha256), cert)
            except ApkAnalysisError as exc:
                warnings.append(f"{scheme} signature: {exc}")
            except Exception as exc:
                warnings.append(f"{scheme} signature: unreadable ({describe(exc)})")
    return tuple(found[key] for key in sorted(found)), tuple(warnings)
