"""Finding apps: folders, odd paths, duplicates, stable order."""

from __future__ import annotations

import os
from pathlib import Path

from pi_scan.batch.discover import Target, discover


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_folder_is_searched_recursively_in_sorted_order(tmp_path: Path) -> None:
    for name in ("b/z.apk", "a.APK", "b/a.xapk", "c/d/e.apks", "c/f.apkm", "notes.txt"):
        touch(tmp_path / name)
    got = [Path(t.path).relative_to(tmp_path).as_posix() for t in discover([str(tmp_path)])]
    assert got == ["a.APK", "b/a.xapk", "b/z.apk", "c/f.apkm", "c/d/e.apks"]


def test_file_named_explicitly_is_scanned_whatever_its_name(tmp_path: Path) -> None:
    path = touch(tmp_path / "app.bin")
    assert discover([str(path)]) == [Target(str(path))]


def test_missing_path_is_a_target_with_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope.apk"
    assert discover([str(missing)]) == [Target(str(missing), "no such file or folder")]


def test_empty_folder(tmp_path: Path) -> None:
    [target] = discover([str(tmp_path)])
    assert target.problem == "no APK, APKS, XAPK or APKM files found"


def test_folder_of_a_thousand_other_files(tmp_path: Path) -> None:
    for i in range(1000):
        touch(tmp_path / f"f{i}.txt")
    [target] = discover([str(tmp_path)])
    assert target.problem == "no APK, APKS, XAPK or APKM files found (1000 other files skipped)"


def test_same_file_twice_is_scanned_once(tmp_path: Path) -> None:
    path = touch(tmp_path / "a.apk")
    os.symlink(path, tmp_path / "link.apk")
    got = discover([str(path), str(tmp_path), str(tmp_path / "link.apk")])
    assert got == [Target(str(path))]


def test_symlinked_folder_loop_does_not_hang(tmp_path: Path) -> None:
    touch(tmp_path / "a" / "x.apk")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    assert [t.path for t in discover([str(tmp_path)])] == [str(tmp_path / "a" / "x.apk")]
