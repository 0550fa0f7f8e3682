"""The privacy policy against the app: reading (formats, encodings), parsing and comparing,
on fixture policies with the comparison judged by hand (tests/fixtures/policies/expected.json),
and end to end through `pi-scan scan --policy`."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pi_scan.cli import main
from pi_scan.extract.policytext import decode_text, read_document
from pi_scan.facts import load_knowledge
from pi_scan.facts.policy import policy_facts
from pi_scan.model import PolicyDocument

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
CASES = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))["cases"]
KNOWLEDGE = load_knowledge()
SAMPLES = Path(__file__).parent.parent / "samples"

EN03_LINES = [
    "Privacy Policy of City Map",
    "1. Information we collect",
    "We collect your precise location and nearby Wi-Fi networks to show the map.",
    "We ask for the location permission to show where you are.",
    "2. Third-party SDKs",
    "The location SDK provided by AutoNavi collects location, Wi-Fi and cell tower information.",
]


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF with these lines in Helvetica (as a word processor would write it)."""
    text = (
        "BT /F1 11 Tf 50 780 Td 14 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for line in lines
        )
        + " ET"
    )
    stream = zlib.compress(text.encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def fixture_bytes(name: str) -> bytes:
    if name == "en03-policy.pdf":
        return pdf_bytes(EN03_LINES)
    return (FIXTURES / name).read_bytes()


def app_sdks(statuses: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for sid, status in statuses.items():
        sdk = KNOWLEDGE.sdks.by_id[sid]
        out.append(
            {
                "id": sid,
                "name": sdk.name,
                "name_zh": sdk.name_zh,
                "vendor": sdk.vendor,
                "category": sdk.category,
                "pi": list(sdk.pi),
                "status": status,
            }
        )
    return out


def compare(case: dict[str, Any], document: PolicyDocument) -> dict[str, Any]:
    app = case["app"]
    uses = [
        {"id": f"API-{pi}", "pi_type": pi, "callers": ["com.example.Main"], "sdks": []}
        for pi in app["pi"]
    ]
    permissions = KNOWLEDGE.catalogues.permissions
    return policy_facts(
        [document],
        [],
        KNOWLEDGE.policy_terms,
        app_sdks(app["sdks"]),
        {s.id: s.raw for s in KNOWLEDGE.sdks.sdks},
        uses,
        [f"android.permission.{p}" for p in app["permissions"]],
        {p.name: p.group for p in permissions.values()},
    )


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_fixture_policy(case: dict[str, Any]) -> None:
    doc = read_document(fixture_bytes(case["file"]), case["file"], "supplied")
    if "encoding" in case:
        assert doc.encoding == case["encoding"]
    seen = compare(case, doc)
    want = case["expect"]
    if want is None:  # no text: not evaluated, with the reason naming the file
        assert seen["policy"] is None
        assert case["file"] in seen["policy_missing"]
        assert seen["policy_undisclosed_sdks"] is None
        return
    assert seen["policy"] is not None, seen["policy_missing"]
    got = {
        "undisclosed": sorted(s["id"] for s in seen["policy_undisclosed_sdks"]),
        "vendor_only": sorted(s["id"] for s in seen["policy_vendor_only_sdks"]),
        "undeclared": sorted(p["pi_type"] for p in seen["policy_undeclared_pi"]),
        "denied": sorted(p["pi_type"] for p in seen["policy_undeclared_pi"] if p["denied"]),
        "unexplained": sorted(
            p["name"].rsplit(".", 1)[-1] for p in seen["policy_unexplained_permissions"]
        ),
        "unmatched": sorted(s["name"] for s in seen["policy_unmatched_sdks"]),
        "listed": [s["name"] for s in seen["policy_sdks"]],
    }
    assert got == {k: (v if k == "listed" else sorted(v)) for k, v in want.items()}


def test_every_fixture_is_a_case() -> None:
    files = {p.name for p in FIXTURES.iterdir() if p.name != "expected.json"}
    cases = {c["file"] for c in CASES}
    assert files <= cases
    assert sum(c["file"].startswith("zh") for c in CASES) >= 10
    assert sum(c["file"].startswith("en") for c in CASES) >= 3


def test_listed_under_legal_entity_or_alias_is_never_accused() -> None:
    """JPush named only as 深圳市和讯华谷信息技术有限公司, or as JIGUANG SDK, is listed."""
    for name in ("zh03-entity.txt", "zh05-alias.html"):
        case = next(c for c in CASES if c["file"] == name)
        seen = compare(case, read_document(fixture_bytes(name), name, "supplied"))
        assert "jpush" not in {s["id"] for s in seen["policy_undisclosed_sdks"]}


def test_encodings() -> None:
    text = "我们会收集您的位置信息和通讯录，详见隐私政策。"
    assert decode_text(text.encode("gb18030")) == (text, "gb18030")
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8"))[0] == text
    assert decode_text(text.encode("utf-16"))[0] == text
    declared = b'<meta charset="gb2312">' + text.encode("gbk")
    assert decode_text(declared) == (b'<meta charset="gb2312">'.decode() + text, "gb18030")


def test_unreadable_pdf_is_an_error_not_a_pass() -> None:
    doc = read_document(b"%PDF-1.4\nnot really", "p.pdf", "supplied")
    assert doc.error is not None and "unreadable PDF" in doc.error
    case = {"app": {"sdks": {"jpush": "collects"}, "pi": [], "permissions": []}}
    seen = compare(case, doc)
    assert seen["policy"] is None and "p.pdf" in seen["policy_missing"]


def test_scan_with_supplied_policy(tmp_path: Path) -> None:
    """End to end: sdk-collector embeds JPush, Umeng, Getui and GDT; a policy listing only
    JPush (by its legal entity) and Umeng leaves out Getui and GDT."""
    policy = tmp_path / "policy.html"
    policy.write_text(
        "<h2>第三方SDK</h2><table><tr><th>SDK名称</th><th>第三方主体</th><th>收集个人信息类型</th></tr>"
        "<tr><td>推送服务</td><td>深圳市和讯华谷信息技术有限公司</td><td>设备标识符、IP地址</td></tr>"
        "<tr><td>友盟统计分析SDK</td><td>友盟+</td><td>设备信息</td></tr></table>"
        "<p>我们会收集您的设备标识符（IMEI、IMSI、Android ID、OAID）、设备信息、IP地址和位置信息。</p>"
        "<p>我们会申请位置权限和电话权限。</p>",
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main,
        ["scan", "--no-store", "-q", "--policy", str(policy), "-o", f"json:{out}",
         str(SAMPLES / "sdk-collector.apk")],
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    app = report["results"][0]
    fired = {f["rule_id"]: f for f in app["findings"]}
    assert "PI-POL-001" in fired
    values = " ".join(e["value"] for e in fired["PI-POL-001"]["evidence"])
    assert "Getui" in values and "GDT" in values
    assert "JPush" not in values and "Umeng" not in values
    review = app["policy"]
    assert review["status"] == "compared"
    assert "installed_apps" in review["missing_pi"]


def test_scan_without_policy_is_not_evaluated_with_reason(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main, ["scan", "--no-store", "-q", "-o", f"json:{out}", str(SAMPLES / "legacy.apk")]
    )
    assert result.exit_code in (0, 1), result.output
    app = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    reasons = app["not_evaluated"]
    assert "PI-POL-001" in reasons and "no privacy-policy text" in reasons["PI-POL-001"]
    assert app["policy"]["status"] == "none"


def test_bad_policy_file_is_a_one_line_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["scan", "--no-store", "-q", "--policy", str(empty), str(SAMPLES / "clean.apk")]
    )
    assert result.exit_code == 2
    assert "empty.html" in result.output and "Traceback" not in result.output


def test_policy_dir_and_config_key(tmp_path: Path) -> None:
    """--policy-dir takes files named by package; the config key policy_dir does the same,
    relative to the config file."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "org.piscan.sample.legacy.md").write_text(
        "# 隐私政策\n\n我们会收集您的设备标识符（IMEI）用于安全风控。\n\n"
        "我们会申请电话权限、位置权限和通讯录权限。\n",
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("not named by a package", encoding="utf-8")
    out = tmp_path / "r.json"
    apk = str(SAMPLES / "legacy.apk")
    args = ["scan", "--no-store", "-q", "-o", f"json:{out}", apk]
    result = CliRunner().invoke(main, [*args, "--policy-dir", str(folder)])
    assert result.exit_code in (0, 1), result.output
    review = json.loads(out.read_text(encoding="utf-8"))["results"][0]["policy"]
    assert review["status"] == "compared"
    assert review["sources"] == [f"supplied: {folder / 'org.piscan.sample.legacy.md'}"]
    assert review["missing_pi"] == [] and review["unexplained_permissions"] == []

    config = tmp_path / "pi-scan.toml"
    config.write_text('policy_dir = "policies"\n', encoding="utf-8")
    result = CliRunner().invoke(main, [*args, "--config", str(config)])
    assert result.exit_code in (0, 1), result.output
    review = json.loads(out.read_text(encoding="utf-8"))["results"][0]["policy"]
    assert review["status"] == "compared"


def test_policy_dir_without_policies_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["scan", "--no-store", "-q", "--policy-dir", str(tmp_path), str(SAMPLES / "clean.apk")],
    )
    assert result.exit_code == 2
    assert "no policy files named by package" in result.output


def test_bundled_policy_of_a_sample_is_read_and_compared() -> None:
    """clean.apk bundles assets/privacy_policy.html (Chinese and English): it is found, its
    denials read ("本应用不读取设备标识符、位置、通讯录…"), and nothing is missing."""
    from pi_scan.extract import extract_facts
    from pi_scan.facts import rule_facts

    seen = rule_facts(extract_facts(SAMPLES / "clean.apk"), KNOWLEDGE, None)
    assert seen["policy_status"] == "compared"
    assert seen["policy"]["sources"] == ["bundled: assets/privacy_policy.html"]
    denied = {p["id"] for p in seen["policy_denied_pi_types"]}
    assert {"device_id", "contacts", "sms", "installed_apps"} <= denied
    assert seen["policy_undisclosed_sdks"] == [] and seen["policy_undeclared_pi"] == []


def test_bundled_documents_by_name_and_by_content() -> None:
    """Named files are read; another text file only when its content is a policy; images and
    unrelated texts are not."""
    from pi_scan.extract.policytext import bundled_documents

    policy = (
        "<h1>隐私政策</h1>"
        + "<p>我们会收集您的个人信息，包括设备标识符。收集的个人信息仅用于推送。</p>" * 8
    ).encode("gbk")
    files = {
        "assets/web/yszc.html": policy,
        "assets/help/index.html": policy,
        "assets/help/about.html": "<p>关于我们：一个天气应用。</p>".encode(),
        "assets/logo.png": b"\x89PNG....",
        "res/raw/licenses.txt": b"Apache License 2.0 " * 40,
    }
    docs = bundled_documents(files, files.__getitem__, lambda n: len(files[n]))
    assert [d.source for d in docs] == ["assets/web/yszc.html", "assets/help/index.html"]
    assert all(d.encoding == "gb18030" and "设备标识符" in d.text for d in docs)


def test_a_long_string_policy_is_read() -> None:
    from pi_scan.facts.policy import choose_documents

    text = (
        "隐私政策\\n"
        + "我们会收集您的设备标识符和位置信息，用于提供服务；收集的个人信息不会出售。" * 20
    )
    choice = choose_documents(
        [], [("@string/privacy_text [default]", "短文本"), ("dex string", text)]
    )
    assert choice.status == "compared"
    assert [d.source for d in choice.docs] == ["dex string"]
    assert "位置信息" in choice.docs[0].text and "\\n" not in choice.docs[0].text


def test_terms_catalogue_is_checked(tmp_path: Path) -> None:
    from pi_scan.errors import RuleLoadError
    from pi_scan.facts.catalog import builtin_catalog_dir
    from pi_scan.facts.policy import load_policy_terms

    data = json.loads((builtin_catalog_dir() / "policy-terms.json").read_text(encoding="utf-8"))
    data["pi_terms"][0]["pi_types"] = ["no_such_type"]
    bad = tmp_path / "policy-terms.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(RuleLoadError, match="unknown PI type 'no_such_type'"):
        load_policy_terms(bad, KNOWLEDGE.catalogues.pi_types, ["LOCATION"])


@pytest.mark.parametrize(
    ("sentence", "denied"),
    [
        ("我们不会收集您的通讯录。", True),
        ("未经您的同意，我们不会收集您的通讯录。", False),
        ("我们会收集您的通讯录，用于添加好友。", False),
        ("通讯录权限：我们不会申请。", True),
        ("We do not collect your contacts, call logs or SMS.", True),
        ("We will not access your contacts without your consent.", False),
        ("We collect your contacts to find friends.", False),
        ("We do not collect your email, but we collect your contacts.", False),
        ("我们不会收集您的短信，但会读取您的通讯录。", False),
    ],
)
def test_denials(sentence: str, denied: bool) -> None:
    from pi_scan.facts.policy import parse_policy

    assert KNOWLEDGE.policy_terms is not None
    parsed = parse_policy(sentence, KNOWLEDGE.policy_terms)
    mentions = [m for m in parsed.mentions if m.pi_type == "contacts"]
    assert mentions and all(m.negated is denied for m in mentions)


def test_one_policy_for_several_apps_warns(tmp_path: Path) -> None:
    policy = tmp_path / "p.txt"
    policy.write_text(
        "隐私政策\n我们会收集您的设备标识符（IMEI）用于安全风控。\n", encoding="utf-8"
    )
    apks = [str(SAMPLES / "clean.apk"), str(SAMPLES / "legacy.apk")]
    result = CliRunner().invoke(main, ["scan", "--no-store", "-q", "--policy", str(policy), *apks])
    assert result.exit_code in (0, 1)
    assert "was compared with 2 apps" in result.output


def test_explain_and_facts_take_a_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy.txt"
    policy.write_text(
        "隐私政策\n第三方SDK：极光推送、友盟统计分析SDK。\n我们会收集您的设备标识符和位置信息。\n",
        encoding="utf-8",
    )
    apk = str(SAMPLES / "sdk-collector.apk")
    result = CliRunner().invoke(main, ["explain", apk, "PI-POL-001", "--policy", str(policy)])
    assert result.exit_code == 0, result.output
    assert "Getui Push" in result.output and "JPush" not in result.output
    result = CliRunner().invoke(main, ["facts", apk, "--policy", str(policy)])
    assert result.exit_code == 0
    seen = json.loads(result.output)
    assert seen["policy_status"] == "compared"
    assert {s["id"] for s in seen["policy_undisclosed_sdks"]} == {"gdt", "getui-push"}


def test_a_long_one_line_policy_is_fast() -> None:
    import time

    from pi_scan.facts.policy import parse_policy

    assert KNOWLEDGE.policy_terms is not None
    text = (
        "我们会收集您的设备标识符（IMEI、Android ID、OAID）、位置信息和通讯录，用于提供服务；"
        * 2000
    )
    start = time.perf_counter()
    parsed = parse_policy(text, KNOWLEDGE.policy_terms)
    assert time.perf_counter() - start < 5
    assert {m.pi_type for m in parsed.mentions} >= {"device_id", "contacts", "location_precise"}


def test_entity_listing_covers_the_entitys_only_sdk() -> None:
    """zh11 names only 深圳市腾讯计算机系统有限公司: with Bugly alone in the app that covers it."""
    name = "zh11-entity-tencent.txt"
    case = {"app": {"sdks": {"tencent-bugly": "collects"}, "pi": [], "permissions": []}}
    seen = compare(case, read_document(fixture_bytes(name), name, "supplied"))
    assert seen["policy_undisclosed_sdks"] == [] and seen["policy_vendor_only_sdks"] == []


def test_base_component_without_its_product_is_listed_on_its_own() -> None:
    """JCore's part_of covers it only through a product that is in the app: with no JIGUANG
    product here it is judged by its own names (zh12 names JPush, not JCore)."""
    name = "zh12-jcore.md"
    case = {"app": {"sdks": {"jiguang-jcore": "collects"}, "pi": [], "permissions": []}}
    seen = compare(case, read_document(fixture_bytes(name), name, "supplied"))
    # JPush's legal entity is named and JCore is the entity's only SDK here: covered
    assert seen["policy_undisclosed_sdks"] == [] and seen["policy_vendor_only_sdks"] == []
    bare = read_document(
        "隐私政策\n我们会收集您的设备标识符（IMEI、Android ID）。".encode(), "p", "supplied"
    )
    seen = compare(case, bare)
    assert [s["id"] for s in seen["policy_undisclosed_sdks"]] == ["jiguang-jcore"]


def test_part_of_names_catalogued_sdks_with_a_source() -> None:
    sdks = {s.id: s.raw for s in KNOWLEDGE.sdks.sdks}
    parts = {sid: raw["part_of"] for sid, raw in sdks.items() if raw.get("part_of")}
    assert {"jiguang-jcore", "firebase-core", "google-ad-id"} <= set(parts)
    for sid, ups in parts.items():
        assert sid not in ups and all(u in sdks for u in ups), sid
        assert "https://" in sdks[sid]["part_of_source"], sid


def test_a_trailing_sdk_does_not_count() -> None:
    """A catalogue name "Foo Push SDK" is found as "Foo Push" in a policy, and the reverse."""
    from pi_scan.facts.policy import _found, _squeeze, sdk_keys

    keys = sdk_keys({"name": "Foo Push SDK", "vendor": "Bar Corp"})
    assert "foopush" in keys.names and "foopushsdk" in keys.names
    text = "我们使用了 Foo Push 为您推送消息。"
    assert any(_found(k, _squeeze(text), text.lower()) for k in keys.names)
    plain = sdk_keys({"name": "Foo Push", "vendor": "Bar Corp"})
    text = "第三方SDK：Foo Push SDK"
    assert any(_found(k, _squeeze(text), text.lower()) for k in plain.names)


@pytest.mark.parametrize(
    ("line", "explained"),
    [
        ("The app may need some information, including but not limited to Camera.", False),
        ("CAMERA: used to scan the QR code on your ticket.", True),
        ("android.permission.CAMERA（相机）：用于扫描二维码", True),
        ("We ask for the camera permission to scan QR codes.", True),
        ("相机权限：用于拍摄头像。", True),
    ],
)
def test_a_permission_is_explained_by_its_constant_not_an_ordinary_word(
    line: str, explained: bool
) -> None:
    doc = read_document(
        f"Privacy Policy\nWe collect personal information.\n{line}".encode(), "p", "supplied"
    )
    case = {"app": {"sdks": {}, "pi": [], "permissions": ["CAMERA"]}}
    seen = compare(case, doc)
    names = [p["name"] for p in seen["policy_permissions"]]
    assert (names == ["android.permission.CAMERA"]) is explained, seen["policy_permissions"]


def test_bundled_policy_in_another_language_is_unparseable_not_missing() -> None:
    """A file named like a policy whose text is neither Chinese nor English (modelled on a
    Portuguese generator policy, benchmarks/policy: biblia-adonai-1.0) is kept with the reason,
    so the comparison is "unparseable" naming the file, not "no policy bundled"; beside an
    English file it is left out and the English one is compared."""
    from pi_scan.extract.policytext import bundled_documents, policy_language

    pt = (
        "<h2>Política de Privacidade</h2><p>Este aplicativo é oferecido sem custo. Podemos pedir o"
        " tipo de celular, o sistema operacional e a forma como você usa o aplicativo; essas"
        " informações ficam no seu aparelho e não são enviadas para mim de nenhuma maneira.</p>"
        "<p>O aplicativo usa serviços de terceiros que podem identificar você.</p>" * 2
    ).encode()
    en = (
        b"<h2>Privacy Policy</h2><p>We collect your device model and the IP address of your"
        b" device to keep the service running, and we do not share your personal information.</p>"
    ) * 2
    assert policy_language(pt.decode()) is None and policy_language(en.decode()) == "en"
    assert policy_language("我们会收集您的设备信息。" * 5) == "zh"
    assert policy_language("Мы собираем ваш IP-адрес и сведения об устройстве. " * 5) is None
    files = {"assets/privacy_policy.html": pt}
    docs = bundled_documents(files, files.__getitem__, lambda n: len(files[n]))
    assert len(docs) == 1 and docs[0].error is not None and "language" in docs[0].error
    case = {"app": {"sdks": {"jpush": "collects"}, "pi": [], "permissions": []}}
    seen = compare(case, docs[0])
    assert seen["policy"] is None and seen["policy_status"] == "unparseable"
    assert "assets/privacy_policy.html" in seen["policy_missing"]
    assert "language" in seen["policy_missing"]
    files["res/raw/privacy_policy_en.html"] = en
    docs = bundled_documents(files, files.__getitem__, lambda n: len(files[n]))
    assert sorted(d.source for d in docs) == [
        "assets/privacy_policy.html",
        "res/raw/privacy_policy_en.html",
    ]
    seen = policy_facts(list(docs), [], KNOWLEDGE.policy_terms, [], {}, [], [], {})
    assert seen["policy_status"] == "compared"
    assert seen["policy"]["sources"] == ["bundled: res/raw/privacy_policy_en.html"]


def test_a_generic_word_is_no_sdk_name() -> None:
    """'Umeng Analytics' is also written 'Umeng', and 'Tencent Bugly' 'Bugly'; but 'Analytics'
    alone names no SDK: a policy that only speaks of analytics lists neither Umeng nor Sensors."""
    from pi_scan.facts.policy import sdk_keys

    by_id = KNOWLEDGE.sdks.by_id
    for sid in ("umeng-analytics", "sensors-analytics"):
        assert "analytics" not in sdk_keys(by_id[sid].raw).names, sid
    assert "bugly" in sdk_keys(by_id["tencent-bugly"].raw).names
    doc = read_document(
        "隐私政策\n我们使用第三方 analytics 服务统计设备信息。".encode(), "p", "supplied"
    )
    case = {"app": {"sdks": {"umeng-analytics": "collects"}, "pi": [], "permissions": []}}
    seen = compare(case, doc)
    assert [s["id"] for s in seen["policy_undisclosed_sdks"]] == ["umeng-analytics"]


@pytest.mark.parametrize(("weak", "flagged"), [(False, ["ip_address"]), (True, [])])
def test_a_weak_use_is_no_collected_pi_type(weak: bool, flagged: list[str]) -> None:
    """A real app listed its network interfaces only to find the Wi-Fi MAC
    (NetworkInterface.getNetworkInterfaces, a weak catalogue entry): that is no IP address the
    policy must declare; a use that reads the address (getInetAddresses) is."""
    text = "隐私政策\n" + "为向您提供服务，我们会收集您的设备型号、操作系统版本等设备信息。" * 5
    document = read_document(text.encode("utf-8"), "p.txt", "supplied")
    api = "API-NET-INTERFACES" if weak else "API-NET-INET-ADDRESSES"
    use = {"id": api, "pi_type": "ip_address", "callers": ["a.Main"], "sdks": [], "weak": weak}
    seen = policy_facts([document], [], KNOWLEDGE.policy_terms, [], {}, [use], [], {})
    assert [u["pi_type"] for u in seen["policy_undeclared_pi"]] == flagged


def test_the_terms_catalogue_pickles_after_matching() -> None:
    """Scan workers are sent the catalogues: the automaton made for matching stays behind,
    and the copy makes its own."""
    import pickle

    from pi_scan.facts import load_knowledge

    terms = load_knowledge().policy_terms
    before = list(terms.find("我们会收集您的手机号码和位置信息"))
    assert before
    again = pickle.loads(pickle.dumps(terms))
    assert "_automaton" not in again.__dict__
    assert list(again.find("我们会收集您的手机号码和位置信息")) == before
