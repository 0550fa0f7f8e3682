"""Signing certificates (v1 JAR signatures, v2, v3 and v3.1 APK Signature Scheme blocks).

Only *who signed* is read; nothing is verified (a scan judges what the app does, and a
tampered signature is still the signer the package claims).  The structures are parsed here
rather than through androguard's APK object: that object re-parses the whole zip with its own
reader (which inflates entries without limit and picks another duplicate than Android does),
and its signing-block and signature-file lookups are quadratic in hostile counts.  Every
length here is checked against the bytes that hold it, and every loop advances by at least
four bytes, so no input can make this slow.  A signature that cannot be read is a warning, not
a failure: the rest of the app can still be judged.
"""

from __future__ import annotations

import hashlib
import re
import struct
import warnings
from collections.abc import Callable, Iterator

from androguard.util import get_certificate_name_string  # type: ignore[import-untyped]
from asn1crypto import cms  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract.archive import Archive, describe
from pi_scan.extract.limits import MAX_SIGNING_BLOCK_PAIRS, MAX_V1_SIGNERS
from pi_scan.model import Certificate

_SIGNATURE_FILE = re.compile(r"\AMETA-INF/(?s:.)*\.(DSA|EC|RSA)\Z")
_BLOCK_MAGIC = b"APK Sig Block 42"
_V2, _V3, _V31 = 0x7109871A, 0xF05368C0, 0x1B93AD61


class SignatureFormatError(ValueError):
    """A signature structure that does not hold together; the message says where."""


def subject_of(der: bytes) -> str:
    """RFC 4514 subject ("CN=Sample,O=pi-scan"); odd certificates that cryptography rejects
    (negative serials, bad encodings seen in the wild) fall back to asn1crypto's reading."""
    try:
        with warnings.catch_warnings():  # e.g. a negative serial: stderr is no place for it
            warnings.simplefilter("ignore")
            return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except Exception:
        name = asn1_x509.Certificate.load(der).subject
        return str(get_certificate_name_string(name, short=True, delimiter=","))


def _certificate(scheme: str, der: bytes) -> Certificate:
    return Certificate(
        scheme=scheme, subject=subject_of(der), sha256=hashlib.sha256(der).hexdigest()
    )


# --------------------------------------------------------------------------------------------
# v1: META-INF/*.RSA|DSA|EC next to a .SF file
# --------------------------------------------------------------------------------------------


def _v1_names(zf: Archive) -> list[str]:
    names = zf.namelist()
    present = set(names)
    return [
        name
        for name in names
        if _SIGNATURE_FILE.search(name) and name.rsplit(".", 1)[0] + ".SF" in present
    ]


def _v1_ders(zf: Archive, warnings: list[str]) -> list[bytes]:
    """The certificate of the first SignerInfo of each signature file (the one a platform
    before Android 7 checks, and the one every real APK has alone)."""
    names = _v1_names(zf)
    if len(names) > MAX_V1_SIGNERS:
        warnings.append(
            f"v1 signature: {len(names)} signature files, only the first {MAX_V1_SIGNERS} read"
        )
    ders: list[bytes] = []
    for name in names[:MAX_V1_SIGNERS]:
        der = _signer_certificate(zf.read(name))
        if der is not None:
            ders.append(der)
    return ders


def _signer_certificate(pkcs7: bytes) -> bytes | None:
    signed = cms.ContentInfo.load(pkcs7)["content"]
    infos = signed["signer_infos"]
    if not infos:
        return None
    sid = infos[0]["sid"]
    if sid.name != "issuer_and_serial_number":
        return None
    issuer = sid.chosen["issuer"]
    serial = sid.chosen["serial_number"].native
    for cert in signed["certificates"] or ():
        if cert.name != "certificate":
            continue
        tbs = cert.chosen["tbs_certificate"]
        if tbs["serial_number"].native == serial and tbs["issuer"] == issuer:
            return bytes(cert.chosen.dump())
    return None


# --------------------------------------------------------------------------------------------
# v2, v3, v3.1: the APK Signing Block before the central directory
# --------------------------------------------------------------------------------------------


def _u32(data: bytes, pos: int, what: str) -> int:
    if pos + 4 > len(data):
        raise SignatureFormatError(f"{what} runs past its block")
    value: int = struct.unpack_from("<I", data, pos)[0]
    return value


def _prefixed(data: bytes, pos: int, what: str) -> tuple[bytes, int]:
    """A uint32-length-prefixed slice at `pos`, and the position after it."""
    length = _u32(data, pos, what)
    end = pos + 4 + length
    if end > len(data):
        raise SignatureFormatError(f"{what} of {length} bytes runs past its block")
    return data[pos + 4 : end], end


def _sequence(data: bytes, what: str) -> Iterator[bytes]:
    """The items of a sequence of length-prefixed items."""
    pos = 0
    while pos < len(data):
        item, pos = _prefixed(data, pos, what)
        yield item


def signing_block(zf: Archive, warnings: list[str]) -> dict[int, bytes]:
    """ID -> value of the APK Signing Block's pairs (the first of duplicate IDs, as apksig
    reads them); {} when there is no block."""
    end = zf.cd_offset
    footer = zf.read_raw(end - 24, 24) if end >= 24 else b""
    if len(footer) < 24 or footer[8:] != _BLOCK_MAGIC:
        return {}
    size = struct.unpack_from("<Q", footer)[0]
    start = end - size - 8
    if size < 24 or start < 0:
        warnings.append("signatures: APK Signing Block size does not fit the file")
        return {}
    block = zf.read_raw(start, size + 8)
    if struct.unpack_from("<Q", block)[0] != size:
        warnings.append("signatures: APK Signing Block sizes at its start and end differ")
        return {}
    return _pairs(block[8:-24], warnings)


def _pairs(data: bytes, warnings: list[str]) -> dict[int, bytes]:
    pairs: dict[int, bytes] = {}
    pos = count = 0
    while pos + 12 <= len(data):
        count += 1
        if count > MAX_SIGNING_BLOCK_PAIRS:
            warnings.append(
                f"signatures: APK Signing Block has more than {MAX_SIGNING_BLOCK_PAIRS} "
                "entries, the rest not read"
            )
            break
        length, key = struct.unpack_from("<QI", data, pos)
        if length < 4 or pos + 8 + length > len(data):
            warnings.append("signatures: malformed APK Signing Block entry")
            break
        pairs.setdefault(key, data[pos + 12 : pos + 8 + length])
        pos += 8 + length
    return pairs


def _scheme_ders(value: bytes) -> list[bytes]:
    """Certificates of every signer of a v2/v3/v3.1 block value: signers > signer > signed
    data > (digests, certificates, ...)."""
    signers, end = _prefixed(value, 0, "signer sequence")
    if end != len(value):
        raise SignatureFormatError("size of signer sequence and block differ")
    ders: list[bytes] = []
    for signer in _sequence(signers, "signer"):
        signed_data, _ = _prefixed(signer, 0, "signed data")
        _digests, pos = _prefixed(signed_data, 0, "digests")
        certificates, _ = _prefixed(signed_data, pos, "certificates")
        ders.extend(_sequence(certificates, "certificate"))
    return ders


# --------------------------------------------------------------------------------------------
# all schemes
# --------------------------------------------------------------------------------------------


def read_certificates(zf: Archive) -> tuple[tuple[Certificate, ...], tuple[str, ...]]:
    """(certificates, warnings): unique per scheme, sorted by scheme then fingerprint.

    v3.1 blocks (the rotated key for newer platforms) are reported under "v3", the scheme they
    extend.
    """
    warnings: list[str] = []
    block = signing_block(zf, warnings)
    readers: list[tuple[str, Callable[[], list[bytes]]]] = [
        ("v1", lambda: _v1_ders(zf, warnings)),
        ("v2", lambda: _scheme_ders(block[_V2]) if _V2 in block else []),
        ("v3", lambda: _scheme_ders(block[_V3]) if _V3 in block else []),
        ("v3", lambda: _scheme_ders(block[_V31]) if _V31 in block else []),
    ]
    found: dict[tuple[str, str], Certificate] = {}
    for scheme, read in readers:
        try:
            for der in read():
                cert = _certificate(scheme, der)
                found.setdefault((scheme, cert.sha256), cert)
        except ApkAnalysisError as exc:
            warnings.append(f"{scheme} signature: {exc}")
        except Exception as exc:  # asn1crypto and cryptography raise anything on bad DER
            warnings.append(f"{scheme} signature: unreadable ({describe(exc)})")
    return tuple(found[key] for key in sorted(found)), tuple(warnings)
