"""pi_scan.extract.agpublic: androguard's public-resource tables, read without minidom."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pi_scan.extract import agpublic

ANDROGUARDS_OWN = textwrap.dedent(
    """
    import json
    from androguard.core.resources import public
    res = public.SYSTEM_RESOURCES
    print(json.dumps({
        "type": type(public).__name__,
        "tables": public._public_res,
        "resources": {k: {"forward": v["forward"], "inverse": sorted(v["inverse"].items())}
                      for k, v in res.items()},
    }))
    """
)


def _fresh(code: str) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: dict[str, object] = json.loads(run.stdout)
    return loaded


def test_the_tables_are_androguards_own() -> None:
    """The stand-in holds exactly what androguard's minidom reading builds (run in a fresh
    interpreter that never imports pi_scan)."""
    own = _fresh(ANDROGUARDS_OWN)
    assert own["type"] == "module"
    module = sys.modules[agpublic.NAME]
    assert isinstance(module, agpublic._FastPublic)
    assert module._public_res == own["tables"]
    resources = {
        k: {"forward": v["forward"], "inverse": sorted(map(list, v["inverse"].items()))}
        for k, v in module.SYSTEM_RESOURCES.items()
    }
    assert resources == own["resources"]
    assert len(module.SYSTEM_RESOURCES["attributes"]["inverse"]) > 1000  # android:name ...
    assert module.SYSTEM_RESOURCES["attributes"]["inverse"][0x01010003] == "name"


def test_pi_scan_extract_puts_it_in_place_before_androguards_reader_is_imported() -> None:
    code = "import pi_scan.extract, sys\n" + ANDROGUARDS_OWN.replace(
        "from androguard.core.resources import public",
        "from androguard.core.resources import public\n"
        "import androguard.core.axml as axml\n"
        "assert axml.public is public and 'xml.dom.minidom' not in sys.modules",
    )
    assert _fresh(code)["type"] == "_FastPublic"


def test_without_the_file_nothing_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, agpublic.NAME)
    missing = type("Spec", (), {"origin": str(tmp_path / "public.py")})()
    monkeypatch.setattr(agpublic.importlib.util, "find_spec", lambda name: missing)
    assert agpublic.install() is False
    assert agpublic.NAME not in sys.modules
    xml = tmp_path / "public.xml"
    xml.write_text("<resources><public type='attr' name='x' id='0x1'/>", encoding="utf-8")
    assert agpublic.install() is False  # not the layout expected: androguard reads its own
    xml.write_text('<!DOCTYPE r [<!ENTITY e "x">]><public type="attr" name="&e;" id="0x1"/>')
    assert agpublic.install() is False


def test_installed_twice_is_installed_once() -> None:
    module = sys.modules[agpublic.NAME]
    assert agpublic.install() is True
    assert sys.modules[agpublic.NAME] is module
