"""The results store: one SQLite file that remembers every app scanned, so a rescan skips what
it already knows, an interrupted scan resumes, and `pi-scan history` shows an app over time.

A stored result is keyed by the app file's SHA-256, the rules that judged it (rule-pack
version plus a digest of the rules: `pi_scan.batch.codec.ruleset_digest`), the tool (`tool_id`: its
version and a digest of its code and built-in catalogues), the app type and the SHA-256 of the
privacy policy supplied for the app (`--policy`, `--policy-dir`; "" for none), and kept as
versioned JSON (`pi_scan.batch.codec`), never pickle.  Each result is committed on its own, so a
scan killed half-way keeps everything it finished.  The file is in WAL mode with a busy
timeout, so several pi-scan processes can share it: SQLite serialises their writes.

It also remembers each file's SHA-256 with the stat fields it was hashed under (device, inode,
size, mtime and ctime in ns, as text: an inode may not fit SQLite's signed 64-bit integers), so
a rescan need not read a file again whose fields are all unchanged.

Errors are raised as `StoreError`; deciding that a broken store must not stop a scan is the
caller's business (`pi_scan.batch.runner`)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pi_scan import __version__
from pi_scan.batch.codec import CodecError, format_tag, result_from_json, result_to_json
from pi_scan.datafiles import builtin_rules_dir
from pi_scan.model import ApkResult, Level

BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    sha256       TEXT NOT NULL,
    rules        TEXT NOT NULL,
    tool         TEXT NOT NULL,
    app_type     TEXT NOT NULL,
    format       TEXT NOT NULL,
    package      TEXT,
    version_code INTEGER,
    version_name TEXT,
    verdict      TEXT NOT NULL,
    removal      INTEGER NOT NULL,
    notice       INTEGER NOT NULL,
    error        TEXT,
    path         TEXT NOT NULL,
    scanned_at   TEXT NOT NULL,
    result       TEXT NOT NULL,
    policy       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sha256, rules, tool, app_type, policy)
);
CREATE INDEX IF NOT EXISTS results_by_package ON results (package, version_code);
CREATE TABLE IF NOT EXISTS files (
    path         TEXT PRIMARY KEY,
    stat         TEXT NOT NULL,
    sha256       TEXT NOT NULL
);
"""


class StoreError(Exception):
    """The store cannot be opened, read or written (unwritable, full disk, not a database)."""


def default_path() -> Path:
    """`$XDG_CACHE_HOME/pi-scan/results.sqlite`, else `~/.cache/pi-scan/results.sqlite`."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "pi-scan" / "results.sqlite"


@functools.cache
def tool_id() -> str:
    """The pi-scan version and a digest of its code and built-in catalogues ("0.1.0+3f9a...").

    A development build whose code or catalogues changed under the same version number must
    not serve results of the old code; hashing the package's ~70 files takes a few ms, once.
    """
    package = Path(__file__).resolve().parent.parent
    files = sorted(package.rglob("*.py")) + sorted((builtin_rules_dir() / "catalog").glob("*"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{__version__}+{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class Key:
    """What a stored result depends on besides the file's bytes."""

    rules: str  # pi_scan.batch.codec.ruleset_digest(ruleset)
    tool: str = field(default_factory=tool_id)


@dataclass(frozen=True)
class HistoryRow:
    """One stored scan of one version of a package (`pi-scan history`)."""

    package: str
    version_code: int | None
    version_name: str | None
    sha256: str
    verdict: str  # "pass", "notice", "removal" or "error"
    removal: int
    notice: int
    rules: str
    tool: str
    app_type: str | None
    scanned_at: str
    path: str


# The connection factory; tests swap it to simulate a full disk.
connect: Callable[..., sqlite3.Connection] = sqlite3.connect


class ResultStore:
    """An open results store.  Not shared between threads; one per process is enough."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with _errors(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._prepare()

    def _prepare(self) -> None:
        self._retry(self._db.execute, "PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._retry(self._db.executescript, _SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(results)")}
        # a store written before supplied policies were keyed: the column is added (its rows
        # keep the old primary key, so a result under one policy replaces one under another;
        # `get` still never serves a result judged against another policy)
        if "policy" not in columns:
            self._retry(
                self._db.execute, "ALTER TABLE results ADD COLUMN policy TEXT NOT NULL DEFAULT ''"
            )

    @staticmethod
    def _retry(run: Callable[..., object], *args: object) -> None:
        """Run a write.  SQLite answers "database is locked" at once, without the busy wait,
        where waiting could deadlock (two processes opening a new store, one switching the
        journal mode; a write on a snapshot another process has just moved past): try again
        until the busy timeout has passed."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                run(*args)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def close(self) -> None:
        with _errors(self.path):
            self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(
        self,
        sha256: str,
        key: Key,
        app_type: Callable[[str], str | None],
        policy: Callable[[str], str] | None = None,
    ) -> ApkResult | None:
        """The stored result for these bytes judged under `key`, or None.

        The app type is part of the key, but which type applies depends on the package, which
        is only known once the app has been read: so every row for the bytes is fetched and
        the one stored under the type that applies to its package is taken.  So is the digest
        of the privacy policy supplied for the package (`policy`; "" when none is).
        """
        with _errors(self.path):
            rows = self._db.execute(
                "SELECT package, app_type, format, result, policy FROM results"
                " WHERE sha256 = ? AND rules = ? AND tool = ?",
                (sha256, key.rules, key.tool),
            ).fetchall()
        for package, stored_type, fmt, text, stored_policy in rows:
            wanted = app_type(package) if package is not None else None
            digest = policy(package) if policy is not None and package is not None else ""
            if stored_policy != digest:
                continue
            if stored_type == (wanted or "") and fmt == format_tag():
                try:
                    return result_from_json(text)
                except CodecError:
                    return None
        return None

    def put(
        self, sha256: str, key: Key, result: ApkResult, app_type: str | None, policy: str = ""
    ) -> None:
        """Store one result, committed at once (a later crash keeps it); `policy` is the
        digest of the privacy policy supplied for it ("" when none was)."""
        facts = result.facts
        removal, notice = _counts(result)
        row = (
            sha256, key.rules, key.tool, app_type or "", format_tag(),
            facts.package if facts else None,
            facts.version_code if facts else None,
            facts.version_name if facts else None,
            "error" if result.error else result.verdict.label,
            removal, notice, result.error, result.path,
            datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            result_to_json(result), policy,
        )  # fmt: skip
        with _errors(self.path):
            self._retry(
                self._db.execute,
                "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                row,
            )

    def known_digest(self, path: str, signature: tuple[int, ...]) -> str | None:
        """The SHA-256 remembered for the file at `path` (absolute) if it was hashed under
        the same stat fields, else None."""
        with _errors(self.path):
            row = self._db.execute(
                "SELECT stat, sha256 FROM files WHERE path = ?", (path,)
            ).fetchone()
        if row is None or row[0] != _stat_text(signature):
            return None
        return str(row[1])

    def remember(self, path: str, signature: tuple[int, ...], sha256: str) -> None:
        """Remember the SHA-256 of the file at `path` (absolute) under its stat fields."""
        with _errors(self.path):
            self._retry(
                self._db.execute,
                "INSERT OR REPLACE INTO files VALUES (?,?,?)",
                (path, _stat_text(signature), sha256),
            )

    def forget(self, path: str) -> None:
        """Drop what is remembered of the file at `path`: it is hashed again next time."""
        with _errors(self.path):
            self._retry(self._db.execute, "DELETE FROM files WHERE path = ?", (path,))

    def history(self, package: str) -> list[HistoryRow]:
        """Every stored scan of `package`, oldest version first."""
        with _errors(self.path):
            rows = self._db.execute(
                "SELECT package, version_code, version_name, sha256, verdict, removal, notice,"
                " rules, tool, app_type, scanned_at, path FROM results WHERE package = ?"
                " ORDER BY version_code IS NULL, version_code, version_name, scanned_at",
                (package,),
            ).fetchall()
        return [_history_row(row) for row in rows]

    def count(self) -> int:
        with _errors(self.path):
            (n,) = self._db.execute("SELECT count(*) FROM results").fetchone()
        return int(n)


def _stat_text(signature: tuple[int, ...]) -> str:
    return ":".join(str(field) for field in signature)


def _history_row(row: tuple[Any, ...]) -> HistoryRow:
    package, code, name, sha256, verdict, removal, notice, rules, tool, app_type, at, path = row
    return HistoryRow(
        package, code, name, sha256, verdict, removal, notice, rules, tool, app_type or None, at,
        path,
    )  # fmt: skip


def _counts(result: ApkResult) -> tuple[int, int]:
    failed = result.failed
    removal = sum(1 for o in failed if o.level is Level.REMOVAL)
    return removal, len(failed) - removal


@contextlib.contextmanager
def _errors(path: Path) -> Iterator[None]:
    """Turn SQLite's and the OS's errors into one-line StoreErrors naming the store."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"results store {path}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
