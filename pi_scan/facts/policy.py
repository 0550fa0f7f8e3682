"""The privacy policy as facts: what it declares (PI types, permissions, third-party SDKs) and
how that compares with what the app was found doing.

Which text.  A policy supplied by the auditor (`--policy`, `--policy-dir`) wins; otherwise the
policies bundled in the APK (files of assets/ and res/raw/ read by
`pi_scan.extract.policytext`, then long DEX or resource strings of the app's own that read as
a policy) are read together: an app often ships its policy and its SDK list as two files.
Without any text the comparison facts are null, so the rules that need them are "not
evaluated" with the reason in `policy_missing` (an online-only policy, an empty or unreadable
file).

Parsing (Chinese first, English too), line by line as the text reader lays documents out:
sections by their headings; the PI types named, through the synonym table
`rules/catalog/policy-terms.json` matched with one Aho-Corasick automaton (ahocorasick-rs), a
mention inside a clause that opens with a denial ("我们不会收集…", "we do not collect") being a
denial unless the sentence makes it conditional ("未经您同意…不会"); the runtime permissions
explained (a permission group's word in a clause about permissions, or the permission's
constant); the third-party SDK list in its usual forms: a table under a header row
(SDK名称 | 第三方主体 | 使用目的 | 收集个人信息类型 | 隐私政策链接), labelled lines
("SDK名称：…"), a numbered name followed by labelled lines, or a name with its details in brackets.

Comparing.  An SDK counts as listed when the policy names it by name, Chinese name or alias
(sdks.json `name`, `name_zh`, `aliases`; case, spaces and a trailing "SDK" do not count); a
listing by its vendor alone (`vendor`, `vendor_zh`, `legal_entity`, `legal_entity_en`) covers it
only when it is that vendor's only SDK in the app, otherwise it is advice to list each SDK (逐一).
A base component (`part_of`: JIGUANG JCore, Firebase installations, the Google advertising-ID
client) is covered by the listing of a product it is part of, and is not counted as a separate
SDK of its vendor; when that product must be listed itself, the product's finding stands for
both.  The SDKs that must be listed
are those that collect (`sdks[].status`) or are started and documented by their vendor to
collect PI.  A PI type is collected when a collectable API use reads it (weak catalogue entries,
routinely used for other ends, left out) or an SDK that must be
listed is documented to collect it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from pi_scan.datafiles import load_validated
from pi_scan.errors import RuleLoadError
from pi_scan.model import PolicyDocument, PolicyReview

TERMS_FILE = "policy-terms.json"
MIN_STRING_POLICY = 500  # shorter strings are consent dialogs, not policies
MAX_STRING_POLICIES = 3
MIN_TEXT = 20  # characters (without spaces): less is an empty page
COLUMNS = ("url", "pi", "entity", "purpose", "name")  # order in which header cells are tried
SENTENCE_END = re.compile(r"[。；;！？!?\n]|\.(\s|$)")
CLAUSE_END_ZH = re.compile(r"[，,：:]")
NUMBERING = re.compile(
    r"^\s*(\(?\d+(\.\d+)*[.)、．]?|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|[-*•·●])\s*"
)
HEADING = re.compile(
    r"^(第[一二三四五六七八九十百\d]+[章条部分节]|[一二三四五六七八九十]+[、.．]|\d+(\.\d+)*[、.．]?\s"
    r"|[（(][一二三四五六七八九十\d]+[)）])"
)
LABEL = re.compile(r"^(?P<label>[^:：|（(]{1,16})[:：]\s*(?P<value>.*)$")
BRACKETED = re.compile(r"^(?P<name>[^（(:：|]{2,40})[（(](?P<rest>.*[:：].*)[)）]?\s*[。；;]?$")
URL = re.compile(r"https?://[^\s|,，；;）)]+")
ASCII_WORD = re.compile(r"[a-z0-9]")
CONTRAST = re.compile(r"\b(but|however|instead|whereas|although)\b|但|而是")
SUB_HEADING = re.compile(r"^([（(][一二三四五六七八九十\d]+[)）]|\d+\.\d+)")
LABEL_END = re.compile(r"\s*(权限|permission)?\s*[:：]")
PERMISSION_TABLE = re.compile(r"(?i)(权限|permission)")


# --------------------------------------------------------------------------------------------
# the terms catalogue


@dataclass(frozen=True)
class PolicyTerms:
    """rules/catalog/policy-terms.json, ready for matching."""

    pi_terms: Mapping[str, frozenset[str]]  # normalised term -> PI types
    groups: Mapping[str, tuple[str, ...]]  # permission group -> normalised words
    permission_words: tuple[str, ...]
    negations: tuple[str, ...]
    conditions: tuple[str, ...]
    headers: Mapping[str, tuple[str, ...]]  # column -> normalised header words
    section_words: tuple[str, ...]

    @cached_property
    def _automaton(self) -> tuple[Any, list[str]]:
        import ahocorasick_rs  # lazily: only apps with a policy text need it

        terms = list(self.pi_terms)
        return ahocorasick_rs.AhoCorasick(terms), terms

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the automaton (scan workers are sent the catalogues, and an
        automaton does not pickle): a worker makes its own when it first needs it."""
        return {k: v for k, v in self.__dict__.items() if k != "_automaton"}

    def find(self, text: str) -> Iterator[tuple[int, str, frozenset[str]]]:
        """(end, term, PI types) of every term in `text`, overlapping ones too; `end` is the
        position of the term's last character.  In order of `end`, the longest term first."""
        automaton, terms = self._automaton
        matches = automaton.find_matches_as_indexes(text, overlapping=True)
        for number, _, end in sorted(matches, key=lambda m: (m[2], m[1])):
            term = terms[number]
            yield end - 1, term, self.pi_terms[term]


def load_policy_terms(path: Path, pi_types: Iterable[str], groups: Iterable[str]) -> PolicyTerms:
    """Load and cross-check the terms catalogue (PI types and groups must exist)."""
    data = load_validated(path, "policy-terms")
    file = str(path)
    known = set(pi_types)
    terms: dict[str, set[str]] = {}
    for i, entry in enumerate(data["pi_terms"]):
        for j, pi in enumerate(entry["pi_types"]):
            if pi not in known:
                raise RuleLoadError(
                    file, f"$.pi_terms[{i}].pi_types[{j}]", f"unknown PI type {pi!r}"
                )
        for word in [*entry["zh"], *entry["en"]]:
            terms.setdefault(norm(word), set()).update(entry["pi_types"])
    known_groups = set(groups)
    for group in data["permission_groups"]:
        if group not in known_groups:
            raise RuleLoadError(file, f"$.permission_groups.{group}", f"unknown group {group!r}")
    return PolicyTerms(
        pi_terms={t: frozenset(v) for t, v in terms.items()},
        groups={g: _words(v) for g, v in data["permission_groups"].items()},
        permission_words=_words(data["permission_words"]),
        negations=_words(data["negations"]),
        conditions=_words(data["conditions"]),
        headers={c: _words(v) for c, v in data["sdk_headers"].items()},
        section_words=_words(data["sdk_section_words"]),
    )


def _words(bilingual: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    return tuple(norm(w) for w in [*bilingual["zh"], *bilingual["en"]])


def norm(text: str) -> str:
    """Case-folded, NFKC (full-width letters and brackets made plain), single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def _squeeze(text: str) -> str:
    """norm() without any spaces: "JPush SDK" and "jpushsdk" compare equal."""
    return re.sub(r"\s+", "", norm(text))


# --------------------------------------------------------------------------------------------
# parsing


@dataclass
class Mention:
    pi_type: str
    term: str
    line: int
    negated: bool


@dataclass
class SdkRow:
    name: str
    entity: str = ""
    purpose: str = ""
    pi: str = ""
    url: str = ""
    line: int = 0


@dataclass
class ParsedPolicy:
    lines: list[str]
    headings: list[tuple[int, str]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    rows: list[SdkRow] = field(default_factory=list)

    def section_of(self, line: int) -> str:
        title = ""
        for at, text in self.headings:
            if at > line:
                break
            title = text
        return title

    @cached_property
    def squeezed(self) -> str:
        return _squeeze("\n".join(self.lines))

    @cached_property
    def spaced(self) -> str:
        return norm("\n".join(self.lines))

    @cached_property
    def language(self) -> str:
        text = "\n".join(self.lines)
        cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
        return "zh" if cjk >= 0.1 * len(text) or cjk > 200 else "en"


def parse_policy(text: str, terms: PolicyTerms) -> ParsedPolicy:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    parsed = ParsedPolicy(lines)
    for i, line in enumerate(lines):
        if _is_heading(line):
            parsed.headings.append((i, line.removeprefix("# ").strip()))
    parsed.mentions = list(_mentions(lines, terms))
    parsed.rows = _sdk_rows(lines, terms)
    return parsed


def _is_heading(line: str) -> bool:
    if line.startswith("# "):
        return True
    if (
        len(line) > 40
        or " | " in line
        or line.endswith(("。", "；", ";", ".", "，", ",", "：", ":"))
    ):
        return False
    return bool(HEADING.match(line))


def _mentions(lines: list[str], terms: PolicyTerms) -> Iterable[Mention]:
    for i, raw in enumerate(lines):
        # sentence by sentence: a denial never reaches past its sentence, and a policy that
        # is one long line is not scanned again for every term in it
        for sentence in _sentences(norm(raw)):
            for end, term, types in terms.find(sentence):
                start = end - len(term) + 1
                if not _bounded(sentence, start, end, term):
                    continue
                negated = _negated(sentence, start, terms) or _denied_label(sentence, end, terms)
                for pi in sorted(types):
                    yield Mention(pi, term, i, negated)


def _sentences(line: str) -> Iterable[str]:
    start = 0
    for match in SENTENCE_END.finditer(line):
        yield line[start : match.end()]
        start = match.end()
    if start < len(line):
        yield line[start:]


def _bounded(line: str, start: int, end: int, term: str) -> bool:
    """ASCII terms match whole words only ("face" is not in "interface")."""
    if ASCII_WORD.match(term[0]) and start > 0 and ASCII_WORD.match(line[start - 1]):
        return False
    after = line[end + 1] if end + 1 < len(line) else ""
    return not (ASCII_WORD.match(term[-1]) and after and ASCII_WORD.match(after))


def _negated(line: str, start: int, terms: PolicyTerms) -> bool:
    """A denial cue earlier in the same clause, and nothing conditional in the sentence."""
    sentence_start = max((m.end() for m in SENTENCE_END.finditer(line, 0, start)), default=0)
    ends = [m.start() for m in SENTENCE_END.finditer(line, start)]
    sentence = line[sentence_start : ends[0] if ends else len(line)]
    before = line[sentence_start:start]
    if not ASCII_WORD.search(before[-30:] if before else "") or _cjk(before):
        # Chinese clauses end at commas; English lists run across them
        cut = max((m.end() for m in CLAUSE_END_ZH.finditer(before)), default=0)
        before = before[cut:]
    # "we do not collect X, but we collect Y": Y is no denial
    cut = max((m.end() for m in CONTRAST.finditer(before)), default=0)
    before = before[cut:]
    if not any(neg in before for neg in terms.negations):
        return False
    return not any(cond in sentence for cond in terms.conditions)


def _denied_label(line: str, end: int, terms: PolicyTerms) -> bool:
    """A label answered by a denial: "通讯录权限：我们不会申请"."""
    after = line[end + 1 :]
    label = LABEL_END.match(after)
    if not label:
        return False
    rest = after[label.end() :]
    stop = SENTENCE_END.search(rest)
    answer = rest[: stop.start() if stop else len(rest)]
    return any(neg in answer for neg in terms.negations) and not any(
        cond in answer for cond in terms.conditions
    )


def _cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _column(cell: str, terms: PolicyTerms) -> str | None:
    text = _squeeze(cell)
    if not text or len(text) > 24:
        return None
    for column in COLUMNS:
        if any(_squeeze(w) in text for w in terms.headers[column]):
            return column
    return None


def _sdk_rows(lines: list[str], terms: PolicyTerms) -> list[SdkRow]:
    rows: list[SdkRow] = []
    header: list[str | None] | None = None
    current: SdkRow | None = None
    previous = ""
    in_sdk_section = False
    bare_list = False  # after "…third-party service providers used by the app:"
    for i, line in enumerate(lines):
        body = line.removeprefix("# ")
        if bare_list:
            if _bare_item(line):
                rows.append(SdkRow(NUMBERING.sub("", body).strip(), line=i))
                previous = body
                continue
            bare_list = False
        if LIST_LEAD.search(body) and body.rstrip().endswith((":", "：")):
            # the generator templates' form: a lead line, then one service name a line
            bare_list = True
            previous = body
            continue
        if _is_heading(line) and not SUB_HEADING.match(body):  # "（1）腾讯Bugly" stays inside
            heading = _squeeze(body)
            in_sdk_section = any(_squeeze(w) in heading for w in terms.section_words)
        if " | " in body:
            cells = [c.strip() for c in body.split(" | ")]
            columns = [_column(c, terms) for c in cells]
            if "name" in columns and sum(1 for c in columns if c) >= 2:
                # a permission table (权限名称 | 使用目的) is no SDK list
                header = None if PERMISSION_TABLE.search(body) else columns
                continue
            if header is not None:
                row = _table_row(cells, header, i)
                if row is not None:
                    rows.append(row)
                continue
        header = None
        found = LABEL.match(NUMBERING.sub("", body))
        if found:
            column = _column(found.group("label"), terms)
            value = found.group("value").strip()
            if column == "name" and value:
                current = SdkRow(value, line=i)
                rows.append(current)
            elif column is not None:
                if current is None or current.line < i - 8:
                    # a name line followed by labelled lines, in the SDK section (elsewhere
                    # "使用目的：…" lines describe the app's own functions)
                    name = NUMBERING.sub("", previous).strip(" ：:")
                    sdk_like = in_sdk_section or "sdk" in name.lower()
                    if not sdk_like or not (2 <= len(name) <= 40) or LABEL.match(name):
                        previous = body
                        continue
                    current = SdkRow(name, line=i - 1)
                    rows.append(current)
                _fill(current, column, value)
            previous = body
            continue
        bracketed = BRACKETED.match(NUMBERING.sub("", body))
        if bracketed and any(
            _column(part.split("：")[0].split(":")[0], terms) in ("entity", "purpose", "pi")
            for part in re.split(r"[；;，,]", bracketed.group("rest"))
        ):
            current = SdkRow(bracketed.group("name").strip(), line=i)
            for part in re.split(r"[；;]", bracketed.group("rest")):
                label = LABEL.match(part.strip())
                if label:
                    column = _column(label.group("label"), terms)
                    if column not in (None, "name"):
                        _fill(current, str(column), label.group("value").strip(" ）)"))
            rows.append(current)
        current = None  # a line that is no label ends the item
        previous = body
    return rows


LIST_LEAD = re.compile(
    r"(?i)(third[- ]party (service providers?|services|sdks?|libraries)"
    r"|第三方(sdk|服务|服务商|合作方))"
)
SENTENCE_PUNCT = re.compile(r"[。；;！？!?.,，:：]\s*$|[。；;]")


def _bare_item(line: str) -> bool:
    """One name on a line of such a list: short, no sentence, not a heading."""
    item = NUMBERING.sub("", line.removeprefix("# ")).strip()
    return (
        2 <= len(item) <= 40
        and not SENTENCE_PUNCT.search(item)
        and not _is_heading(line)
        and " | " not in item
        and LABEL.match(item) is None
    )


def _table_row(cells: list[str], header: list[str | None], line: int) -> SdkRow | None:
    values: dict[str, str] = {}
    for column, cell in zip(header, cells, strict=False):
        if column is not None and cell:
            values.setdefault(column, cell)
    name = values.get("name", "")
    if not name:
        return None
    url = URL.search(values.get("url", ""))
    return SdkRow(
        name,
        values.get("entity", ""),
        values.get("purpose", ""),
        values.get("pi", ""),
        url.group(0) if url else values.get("url", ""),
        line,
    )


def _fill(row: SdkRow, column: str, value: str) -> None:
    if column == "url":
        found = URL.search(value)
        value = found.group(0) if found else value
    if not getattr(row, column):
        setattr(row, column, value)


# --------------------------------------------------------------------------------------------
# choosing the text


class Choice(NamedTuple):
    """The documents to compare, or why there are none: status "none" (no text at all),
    "empty" (a document without text) or "unparseable" (one that cannot be read)."""

    docs: list[PolicyDocument]
    status: str = "compared"
    reason: str | None = None


NO_TEXT = (
    "no privacy-policy text: none bundled in the APK (assets/, res/raw/, long strings) and"
    " none supplied with --policy or --policy-dir"
)


def choose_documents(
    documents: Sequence[PolicyDocument], own_texts: Iterable[tuple[str, str]]
) -> Choice:
    """The supplied policy, else the bundled files, else long policy strings of the app's own."""
    # lazily: a warm rescan served from the results store never loads pi_scan.extract
    from pi_scan.extract.policytext import looks_like_policy, string_document

    supplied = [d for d in documents if d.origin == "supplied"]
    if supplied:
        return _readable(supplied)
    bundled = [d for d in documents if d.origin == "bundled"]
    files = _readable(bundled) if bundled else Choice([], "none", NO_TEXT)
    if files.docs:
        return files
    strings = []
    for source, text in own_texts:
        if len(text) >= MIN_STRING_POLICY and looks_like_policy(text):
            strings.append(string_document(text, source))
            if len(strings) >= MAX_STRING_POLICIES:
                break
    return Choice(strings) if strings else files


def _readable(docs: list[PolicyDocument]) -> Choice:
    good = [d for d in docs if d.error is None and d.text.strip()]
    if good:
        return Choice(good)
    reasons = [
        f"{d.origin} policy {d.source}: " + (d.error or "no text (empty, or a scanned image)")
        for d in docs
    ]
    status = "unparseable" if all(d.error for d in docs) else "empty"
    return Choice([], status, "; ".join(reasons))


# --------------------------------------------------------------------------------------------
# comparing


@dataclass(frozen=True)
class _Keys:
    names: tuple[str, ...]  # squeezed SDK-level names
    vendors: tuple[str, ...]  # squeezed vendor-level names


PARENS = re.compile(r"\s*[（(]([^)）]*)[)）]")
# what is left of "<vendor> <word>" that names a kind of SDK, not one SDK
GENERIC_NAMES = frozenset(
    {"analytics", "statistics", "messaging", "location", "payment", "performance", "share"}
    | {"installations", "verification", "authentication", "advertising", "crashreport", "login"}
    | {"mobileads", "audiencenetwork", "pushservice", "mapsdk", "crash", "push", "maps"}
)


def sdk_keys(raw: Mapping[str, Any]) -> _Keys:
    """The names a policy may list an SDK by, and its vendor's names.  A name in parts
    ("高德地图 / 定位") gives each part; a short Chinese later part is taken with the vendor
    ("高德定位"), since alone it is an ordinary word; a bracketed part is a name of its own
    ("优量汇（广点通）"); "Tencent Bugly" is also "Bugly"."""
    vendor_zh = PARENS.sub("", str(raw.get("vendor_zh") or "")).strip()
    names: list[str] = []
    for value in [raw.get("name"), raw.get("name_zh"), *(raw.get("aliases") or ())]:
        if not value:
            continue
        text = str(value)
        for inner in PARENS.findall(text):
            names += [p for p in re.split(r"\s*/\s*", inner) if len(_squeeze(p)) >= 3]
        for i, part in enumerate(re.split(r"\s*/\s*", PARENS.sub("", text))):
            part = part.strip()
            if i > 0 and _cjk(part) and len(part) <= 4 and vendor_zh:
                part = vendor_zh + part
            if part:
                names.append(part)
    vendor_words = {
        w.lower().strip("+()（）")
        for v in (raw.get("vendor"), raw.get("vendor_zh"))
        if v
        for w in str(v).split()
    }
    for name in list(names):  # "Tencent Bugly" is written "Bugly" as often
        words = name.split()
        if len(words) > 1 and words[0].lower() in vendor_words:
            rest = " ".join(words[1:])
            # "Bugly", not "Push", nor "Analytics" (Umeng Analytics, Sensors Analytics): a
            # generic word left alone would name every SDK of its kind
            if len(_squeeze(rest)) >= 5 and _squeeze(rest) not in GENERIC_NAMES:
                names.append(rest)
    vendors: list[str] = []
    for key in ("legal_entity", "legal_entity_en", "vendor", "vendor_zh"):
        value = str(raw.get(key) or "")
        vendors += [inner for inner in PARENS.findall(value) if len(_squeeze(inner)) >= 2]
        vendors.append(PARENS.sub("", value).strip())
    squeezed = [_squeeze(n) for n in names]
    # a trailing "SDK" does not count: "JPush SDK" is listed as "JPush", "极光推送SDK" as "极光推送"
    squeezed += [k[:-3] for k in squeezed if k.endswith("sdk")]
    return _Keys(
        tuple(dict.fromkeys(k for k in squeezed if len(k) >= 3)),
        tuple(dict.fromkeys(k for k in map(_squeeze, vendors) if len(k) >= 2)),
    )


def _found(key: str, text: str, spaced: str = "") -> bool:
    """`key` (squeezed) in the policy: a key with Chinese characters in the squeezed `text`,
    an ASCII key as whole words in `spaced` (the norm() text; "JIGUANG SDK" names JIGUANG)."""
    if _cjk(key) or not spaced:
        return key in text
    return _word_in(key, spaced) or _word_in(key, spaced.replace(" ", ""))


def _word_in(key: str, text: str) -> bool:
    start = text.find(key)
    while start >= 0:
        end = start + len(key)
        left = start == 0 or not (ASCII_WORD.match(key[0]) and ASCII_WORD.match(text[start - 1]))
        right = end >= len(text) or not (ASCII_WORD.match(key[-1]) and ASCII_WORD.match(text[end]))
        if not right and text.startswith("sdk", end):  # "Foo Push SDK" lists "Foo Push"
            right = end + 3 >= len(text) or not ASCII_WORD.match(text[end + 3])
        if left and right:
            return True
        start = text.find(key, start + 1)
    return False


_KEYS: dict[tuple[str, int], tuple[Mapping[str, Any], _Keys]] = {}


def keys_of(sid: str, raw: Mapping[str, Any]) -> _Keys:
    """sdk_keys, kept per catalogue entry (the catalogue is read once per process; the entry
    is kept with its keys, so its id() is never reused for another one)."""
    key = (sid, id(raw))
    found = _KEYS.get(key)
    if found is None or found[0] is not raw:
        found = _KEYS[key] = (raw, sdk_keys(raw))
    return found[1]


def must_list(sdk: Mapping[str, Any]) -> str | None:
    """Why the policy must list this detected SDK, or None."""
    status = sdk.get("status") or "present"
    if status == "collects":
        return "collects"
    if status == "initialised" and sdk.get("pi"):
        return "started; its vendor documents that it collects " + ", ".join(sdk["pi"])
    return None


def policy_facts(
    documents: Sequence[PolicyDocument],
    own_texts: Iterable[tuple[str, str]],
    terms: PolicyTerms | None,
    sdks: Sequence[Mapping[str, Any]],
    catalogue: Mapping[str, Mapping[str, Any]],
    collectable_uses: Sequence[Mapping[str, Any]],
    dangerous: Sequence[str],
    groups: Mapping[str, str | None],
) -> dict[str, Any]:
    """The policy facts of one app (see DERIVED_FACTS); the comparison facts are None
    when there is no text to compare."""
    docs, status, missing = choose_documents(documents, own_texts)
    empty: dict[str, Any] = dict.fromkeys(COMPARISON_FACTS)
    if terms is None and docs:
        status, missing, docs = "none", f"no {TERMS_FILE} in the catalogue folder", []
    if not docs or terms is None:
        return {**empty, "policy": None, "policy_status": status, "policy_missing": missing}
    text = "\n".join(d.text for d in docs)
    parsed = parse_policy(text, terms)
    sources = ", ".join(f"{d.origin} policy {d.source}" for d in docs)
    if len(parsed.squeezed) < MIN_TEXT:
        reason = f"{sources}: no text ({len(parsed.squeezed)} characters)"
        return {**empty, "policy": None, "policy_status": "empty", "policy_missing": reason}
    from pi_scan.extract.policytext import COLLECT_WORD  # lazily, as in choose_documents

    if not parsed.mentions and not parsed.rows and not COLLECT_WORD.search(text):
        reason = f"{sources}: says nothing about personal information (not a privacy policy?)"
        return {**empty, "policy": None, "policy_status": "unparseable", "policy_missing": reason}

    declared: dict[str, Mention] = {}
    denied: dict[str, Mention] = {}
    for m in parsed.mentions:
        (denied if m.negated else declared).setdefault(m.pi_type, m)
    denied = {k: v for k, v in denied.items() if k not in declared}

    # --- SDKs
    required = [(s, why) for s in sdks if (why := must_list(s))]
    required_ids = {s["id"] for s, _ in required}
    keys = {s["id"]: keys_of(s["id"], catalogue.get(s["id"]) or s) for s in sdks}
    detected = {s["id"] for s in sdks}
    # a base component (sdks.json `part_of`: JIGUANG JCore under JPush) is listed under the
    # product that needs it, never on its own
    parents = {
        s["id"]: [p for p in (catalogue.get(s["id"]) or s).get("part_of") or () if p in detected]
        for s in sdks
    }

    def named(sid: str) -> bool:
        return any(_found(n, parsed.squeezed, parsed.spaced) for n in keys[sid].names)

    # a listing by vendor or legal entity covers an SDK only when it is that vendor's only SDK
    # in the app (its base components not counted)
    vendor_count: dict[str, int] = {}
    for s in sdks:
        if not parents[s["id"]]:
            for v in keys[s["id"]].vendors:
                vendor_count[v] = vendor_count.get(v, 0) + 1
    undisclosed: list[dict[str, Any]] = []
    vendor_only: list[dict[str, Any]] = []
    for s, why in required:
        k = keys[s["id"]]
        label = _label(s)
        if named(s["id"]):
            continue
        ups = parents[s["id"]]
        if any(named(p) for p in ups) or any(p in required_ids for p in ups):
            continue  # covered by its product's listing, or reported under that product
        by_vendor = [v for v in k.vendors if _found(v, parsed.squeezed, parsed.spaced)]
        if by_vendor and all(vendor_count.get(v, 0) <= 1 for v in by_vendor):
            continue
        if by_vendor:
            others = sorted(
                _label(o)
                for o in sdks
                if o["id"] != s["id"]
                and not parents[o["id"]]
                and set(keys[o["id"]].vendors) & set(by_vendor)
            )
            vendor_only.append(
                {
                    "id": s["id"],
                    "name": s["name"],
                    "vendor": s["vendor"],
                    "matched": by_vendor[0],
                    "summary": (
                        f"{label}: listed only by its vendor, which also has"
                        f" {', '.join(others)} here"
                    ),
                }
            )
            continue
        undisclosed.append(
            {
                "id": s["id"],
                "name": s["name"],
                "name_zh": s.get("name_zh"),
                "vendor": s["vendor"],
                "status": s.get("status") or "present",
                "summary": f"{label} ({why}): not named in the policy",
            }
        )
    listed: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    for row in parsed.rows:
        text = _squeeze(f"{row.name} {row.entity}")
        name_text, name_spaced = _squeeze(row.name), norm(row.name)
        ids = sorted(
            sid
            for sid, raw in catalogue.items()
            if any(_found(n, name_text, name_spaced) for n in keys_of(sid, raw).names)
        )
        if not ids:  # by legal entity alone
            ids = sorted(
                sid
                for sid, raw in catalogue.items()
                if raw.get("legal_entity") and _found(_squeeze(str(raw["legal_entity"])), text)
            )
        item = {
            "name": row.name,
            "entity": row.entity,
            "purpose": row.purpose,
            "pi": row.pi,
            "url": row.url,
            "sdk_ids": ids,
            "section": parsed.section_of(row.line),
        }
        listed.append(item)
        if ids and not set(ids) & detected:
            unmatched.append(
                {**item, "summary": f"{row.name}: listed in the policy, not found in the app"}
            )

    # --- PI types
    by: dict[str, list[str]] = {}
    for use in collectable_uses:
        if use.get("weak"):  # routine uses too (interface lists, SIM operator): no proof of PI
            continue
        if use.get("callers") or use.get("kind") in ("string", "uri"):
            who = ", ".join(sorted(use.get("sdks") or ())) or "app"
            by.setdefault(str(use["pi_type"]), []).append(f"{use['id']} ({who})")
    for s, _ in required:
        for pi in s.get("pi") or ():
            by.setdefault(str(pi), []).append(f"{_label(s)} (documented by its vendor)")
    undeclared = [
        {
            "pi_type": pi,
            "denied": pi in denied,
            "by": sorted(set(who))[:5],
            "summary": (
                f"{pi}: collected by {_first(sorted(set(who)))}; "
                + (
                    f"the policy says it is not collected ({denied[pi].term!r})"
                    if pi in denied
                    else "not declared in the policy"
                )
            ),
        }
        for pi, who in sorted(by.items())
        if pi not in declared
    ]

    # --- permissions
    explained: list[dict[str, Any]] = []
    unexplained: list[dict[str, Any]] = []
    lines = [norm(line) for line in parsed.lines]
    raw = [unicodedata.normalize("NFKC", line) for line in parsed.lines]
    for name in dangerous:
        short = name.rsplit(".", 1)[-1]
        group = groups.get(name)
        term = _explained(short, group, lines, terms, raw)
        if term is not None:
            explained.append({"name": name, "group": group, "term": term})
        else:
            unexplained.append(
                {
                    "name": name,
                    "group": group,
                    "summary": (
                        f"{short} ({group or 'no group'}): requested, its purpose not explained"
                    ),
                }
            )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return {
        "policy": {
            "sources": [f"{d.origin}: {d.source}" for d in docs],
            "sha256": digest,
            "chars": len(text),
            "language": parsed.language,
            "sections": [h for _, h in parsed.headings][:100],
        },
        "policy_status": "compared",
        "policy_missing": None,
        "policy_pi_types": [
            {"id": pi, "term": m.term, "section": parsed.section_of(m.line)}
            for pi, m in sorted(declared.items())
        ],
        "policy_denied_pi_types": [
            {"id": pi, "term": m.term, "section": parsed.section_of(m.line)}
            for pi, m in sorted(denied.items())
        ],
        "policy_sdks": listed,
        "policy_permissions": explained,
        "policy_undisclosed_sdks": undisclosed,
        "policy_vendor_only_sdks": vendor_only,
        "policy_undeclared_pi": undeclared,
        "policy_unexplained_permissions": unexplained,
        "policy_unmatched_sdks": unmatched,
        "policy_found_pi": sorted(by),
    }


COMPARISON_FACTS = (
    "policy_pi_types",
    "policy_denied_pi_types",
    "policy_sdks",
    "policy_permissions",
    "policy_undisclosed_sdks",
    "policy_vendor_only_sdks",
    "policy_undeclared_pi",
    "policy_unexplained_permissions",
    "policy_unmatched_sdks",
    "policy_found_pi",
)


def _explained(
    short: str, group: str | None, lines: list[str], terms: PolicyTerms, raw: list[str]
) -> str | None:
    """How the policy explains the permission: its constant (`CAMERA`, `android.permission.CAMERA`
    as written, not the ordinary word "camera" in a sentence about something else), or a word
    of its group in a clause about permissions."""
    constant = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(short)}(?![A-Za-z0-9_])")
    qualified = f"android.permission.{short.lower()}"
    for line, original in zip(lines, raw, strict=True):
        if qualified in line or constant.search(original):
            return short
    words = terms.groups.get(group or "", ())
    for line in lines:
        if not any(w in line for w in terms.permission_words):
            continue
        if any(neg in line for neg in terms.negations):  # "通讯录权限：我们不会申请"
            continue
        for word in words:
            if word in line:
                return word
    return None


def _label(sdk: Mapping[str, Any]) -> str:
    zh = sdk.get("name_zh")
    return f"{sdk['name']} ({zh})" if zh and zh != sdk["name"] else str(sdk["name"])


def _first(items: list[str], shown: int = 3) -> str:
    more = f" (+{len(items) - shown})" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


# --------------------------------------------------------------------------------------------
# the report's view


def review_of(seen: Mapping[str, Any]) -> PolicyReview:
    """What the reports show of the policy against the behaviour."""
    policy = seen.get("policy")
    if policy is None:
        reason = str(seen.get("policy_missing") or NO_TEXT)
        return PolicyReview(status=str(seen.get("policy_status") or "none"), reason=reason)
    required = [s for s in seen.get("sdks") or () if must_list(s)]
    declared = tuple(p["id"] for p in seen["policy_pi_types"])
    missing_sdks = tuple(_label(s) for s in seen["policy_undisclosed_sdks"])
    missing_pi = tuple(p["pi_type"] for p in seen["policy_undeclared_pi"])
    return PolicyReview(
        status="compared",
        reason=(
            f"{len(required)} SDKs to list, {len(missing_sdks)} missing; "
            f"{len(seen['policy_found_pi'])} PI types collected, {len(missing_pi)} not declared; "
            f"{len(seen['policy_unexplained_permissions'])} dangerous permissions not explained"
        ),
        sources=tuple(policy["sources"]),
        sha256=policy["sha256"],
        declared_pi=declared,
        denied_pi=tuple(p["id"] for p in seen["policy_denied_pi_types"]),
        found_pi=tuple(seen["policy_found_pi"]),
        missing_pi=missing_pi,
        listed_sdks=tuple(r["name"] for r in seen["policy_sdks"]),
        found_sdks=tuple(_label(s) for s in required),
        missing_sdks=missing_sdks,
        vendor_only_sdks=tuple(str(s["name"]) for s in seen["policy_vendor_only_sdks"]),
        unmatched_sdks=tuple(r["name"] for r in seen["policy_unmatched_sdks"]),
        explained_permissions=tuple(p["name"] for p in seen["policy_permissions"]),
        unexplained_permissions=tuple(p["name"] for p in seen["policy_unexplained_permissions"]),
    )
