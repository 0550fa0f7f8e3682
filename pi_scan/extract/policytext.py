"""Privacy-policy documents as text: HTML, plain text, Markdown and PDF, in UTF-8, UTF-16 or the
Chinese national encodings (GBK/GB18030), read from an APK's assets/ and res/raw/ or from a file
the auditor supplies.

The text keeps the document's structure in a form the policy parser reads line by line: one
block (heading, paragraph, list item) a line, headings prefixed with "# ", and each table row as
its cells joined by " | " (the SDK and permission tables of Chinese policies are tables).

Encodings.  A byte-order mark decides; then a charset the document declares (HTML <meta>,
XML declaration); then strict UTF-8; then strict GB18030 when what it decodes is mostly CJK
text (GB18030 is a superset of GBK and GB2312, which older Chinese policy pages use); then
charset-normalizer's guess.  GB18030 is tried before the statistical guess because short Chinese
pages are where such guesses go wrong (a GBK page taken for Big5 or Shift-JIS), while a strict
GB18030 decode that yields Chinese characters is almost never wrong.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import PurePosixPath

from pi_scan.errors import ApkAnalysisError
from pi_scan.extract.archive import BudgetExceeded
from pi_scan.model import PolicyDocument

MAX_POLICY_BYTES = 4 * 1024 * 1024
MAX_CANDIDATES = 60  # files read to see whether they are a policy
MIN_POLICY_CHARS = 200
MAX_UNNAMED_BYTES = 1024 * 1024  # a file not named like a policy is looked into up to this size
# a policy title as bytes, in the encodings policies come in ("隐私" = privacy)
TITLE_BYTES = (
    *(word.encode(codec) for word in ("隐私", "隱私") for codec in ("utf-8", "gb18030")),
    "隐私".encode("utf-16-le"),
    "隐私".encode("utf-16-be"),
    b"rivacy",
    b"RIVACY",
)
EXTENSIONS = {".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text", ".md": "markdown"}
EXTENSIONS[".markdown"] = "markdown"
EXTENSIONS[".pdf"] = "pdf"
# names that mark a policy (or the SDK list that belongs to one)
POLICY_NAME = re.compile(
    r"(?i)(privacy|policy|yinsi|yszc|隐私|政策|sdk_?list|third_?party|shared_?list|共享清单)"
)
# content that marks a policy: a policy title and collection wording
POLICY_TITLE = re.compile(
    r"(?i)(隐私政策|隐私保护指引|隐私权政策|隐私协议|隐私声明|privacy policy|privacy notice)"
)
COLLECT_WORD = re.compile(r"(?i)(收集|个人信息|collect|personal (data|information))")
DECLARED_CHARSET = re.compile(
    rb"""(?i)(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})"""
)
BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "section", "article", "header", "footer", "table"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "tr", "thead", "tbody", "title", "blockquote"}
    | {"pre", "dt", "dd", "dl", "hr"}
)
SKIP_TAGS = frozenset({"script", "style", "head", "noscript", "template"})


class PolicyReadError(ValueError):
    """A supplied policy file that cannot be read as text."""


# --------------------------------------------------------------------------------------------
# documents


def read_document(data: bytes, source: str, origin: str) -> PolicyDocument:
    """The document in `data` as text; an unreadable one carries its `error` (never raises)."""
    sha = hashlib.sha256(data).hexdigest()
    kind = document_format(data, source)
    if len(data) > MAX_POLICY_BYTES:
        return PolicyDocument(
            source, origin, sha, kind, error=f"larger than {MAX_POLICY_BYTES} bytes"
        )
    if kind == "pdf":
        try:
            text = pdf_text(data)
        except Exception as exc:  # pypdf raises many kinds on a broken file
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            return PolicyDocument(source, origin, sha, kind, error=f"unreadable PDF ({reason})")
        return PolicyDocument(source, origin, sha, kind, None, tidy(text.splitlines()))
    text, encoding = decode_text(data)
    if kind == "html":
        text = html_text(text)
    elif kind == "markdown":
        text = markdown_text(text)
    else:
        text = tidy(text.splitlines())
    return PolicyDocument(source, origin, sha, kind, encoding, text)


def document_format(data: bytes, name: str) -> str:
    """ "pdf", "html", "markdown" or "text", from the content first, then the name."""
    head = data[:1024].lstrip().lower()
    if data[:5] == b"%PDF-":
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head:
        return "html"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in EXTENSIONS and EXTENSIONS[suffix] != "pdf":
        return EXTENSIONS[suffix]
    if re.search(rb"<(p|div|table|h[1-6]|br)\b", head):
        return "html"
    return "text"


def string_document(text: str, source: str) -> PolicyDocument:
    """A policy held in a DEX or resource string (HTML markup in it is read as HTML)."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if re.search(r"<(p|div|br|table|h[1-6]|b|font|span)\b", text, re.I):
        return PolicyDocument(source, "bundled", sha, "html", "utf-8", html_text(text))
    body = text.replace("\\n", "\n")
    return PolicyDocument(source, "bundled", sha, "text", "utf-8", tidy(body.splitlines()))


def looks_like_policy(text: str) -> bool:
    """A privacy policy or its SDK list: a policy title and collection wording, long enough."""
    if len(text) < MIN_POLICY_CHARS:
        return False
    return bool(POLICY_TITLE.search(text[:20000])) and len(COLLECT_WORD.findall(text[:50000])) >= 3


def bundled_documents(
    names: Iterable[str], read: Callable[[str], bytes], sizes: Callable[[str], int]
) -> tuple[PolicyDocument, ...]:
    """The privacy policies among the files of assets/ and res/raw/: a file named like a
    policy (any text extension, or none) is kept when it has text about personal information;
    another HTML, text or Markdown file only when its content is a policy.  The bytes of an
    unnamed file must hold a policy title (in UTF-8, GB18030 or UTF-16) before it is decoded,
    so apps with many web assets are not slowed down."""
    found: list[PolicyDocument] = []
    candidates: list[tuple[bool, str]] = []
    for name in names:
        if not (name.startswith("assets/") or name.startswith("res/raw")):
            continue
        base = name.rsplit("/", 1)[-1]
        named = bool(POLICY_NAME.search(base))
        suffix = PurePosixPath(base).suffix.lower()
        if not (suffix in EXTENSIONS or (named and "." not in base)):
            continue
        limit = MAX_POLICY_BYTES if named else MAX_UNNAMED_BYTES
        if 0 < sizes(name) <= limit:
            candidates.append((named, name))
    # named ones first, then the others: only so many files are opened
    candidates.sort(key=lambda item: (not item[0], item[1]))
    for named, name in candidates[:MAX_CANDIDATES]:
        try:
            data = read(name)
        except BudgetExceeded:  # a zip bomb stops the scan
            raise
        except ApkAnalysisError:  # an unreadable entry is not a policy; the scan goes on
            continue
        if not named and not any(title in data for title in TITLE_BYTES):
            continue
        doc = read_document(data, name, "bundled")
        if doc.error is not None:
            if named:
                found.append(doc)
            continue
        if looks_like_policy(doc.text) or (named and _mentions_policy(doc.text)):
            found.append(doc)
    return tuple(found)


def _mentions_policy(text: str) -> bool:
    return len(text) >= MIN_POLICY_CHARS and bool(COLLECT_WORD.search(text))


def read_policy_file(path: str, data: bytes) -> PolicyDocument:
    """A supplied policy file; PolicyReadError (one line, naming the file) when unreadable."""
    doc = read_document(data, path, "supplied")
    if doc.error is not None:
        raise PolicyReadError(f"{path}: {doc.error}")
    return doc


# --------------------------------------------------------------------------------------------
# encodings


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was decoded with (see the module's docstring)."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, "replace"), codec.removesuffix("-sig")
    declared = DECLARED_CHARSET.search(data[:2048])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        if name in ("gb2312", "gbk", "gb_2312-80", "x-gbk"):
            name = "gb18030"  # its superset: pages labelled GB2312 often use GBK characters
        try:
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _mostly_cjk(text):
        return text, "gb18030"
    from charset_normalizer import from_bytes  # lazily: only for undeclared non-UTF-8 files

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("utf-8", "replace"), "utf-8 (with replacements)"


def _mostly_cjk(text: str) -> bool:
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return True
    cjk = sum(
        1
        for c in wide
        if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"
    )
    return cjk >= 0.8 * len(wide)


# --------------------------------------------------------------------------------------------
# formats


class _HtmlText(HTMLParser):
    """Blocks a line, headings as "# ...", table rows as cells joined by " | "."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.cells: list[str] | None = None
        self.cell: list[str] | None = None
        self.skip = 0
        self.heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skip += 1
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("http"):
                self._text(f" {href} ")
        elif tag in BLOCK_TAGS and self.cell is None:
            self._flush()
            self.heading = tag in ("h1", "h2", "h3", "h4", "h5", "h6", "title")
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.cell is not None and self.cells is not None:
            self.cells.append(_squash("".join(self.cell)))
            self.cell = None
        elif tag == "tr" and self.cells is not None:
            if any(self.cells):
                self.lines.append(" | ".join(c.replace("|", "/") for c in self.cells))
            self.cells = None
        elif tag in BLOCK_TAGS and self.cell is None:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self._text(data)

    def _text(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        else:
            self.current.append(data)

    def _flush(self) -> None:
        line = _squash("".join(self.current))
        if line:
            self.lines.append(("# " if self.heading else "") + line)
        self.current = []
        self.heading = False

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines)


def html_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.text()


MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def markdown_text(text: str) -> str:
    out: list[str] = []
    for raw in text.splitlines():
        line = MD_LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}".strip(), raw).strip()
        if MD_RULE.match(line):
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            out.append("# " + heading.group(2).strip("# "))
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            out.append(" | ".join(cells))
            continue
        line = re.sub(r"^([-*+]|\d+\.)\s+", "", line)
        out.append(re.sub(r"(\*\*|__|`)", "", line))
    return tidy(out)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader  # lazily: only when a PDF policy is read

    reader = PdfReader(io.BytesIO(data))
    return "\n".join((page.extract_text() or "") for page in reader.pages)


def tidy(lines: Iterable[str]) -> str:
    return "\n".join(s for s in (_squash(line) for line in lines) if s)


def _squash(text: str) -> str:
    return re.sub(r"[ \t\u00a0\u3000\r\f\v]+", " ", text).strip()
