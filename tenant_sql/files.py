"""Migration files: `NNNN_name.sql`, ordered by version, checksummed (sha256 of the bytes).

System files live in tenant_sql/migrations/system and run in `public`; tenant files live in
tenant_sql/migrations/tenant and run once per tenant schema. A file is applied once and never
edited afterwards: the migrator refuses to run when an applied file's checksum changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from components.errors import HotspotError

Kind = Literal["system", "tenant"]
KINDS: tuple[Kind, ...] = ("system", "tenant")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
FILE_RE = re.compile(r"^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$")


@dataclass(frozen=True)
class MigrationFile:
    version: int
    name: str  # the file name, e.g. "0003_radius_tables.sql"
    sql: str
    checksum: str  # sha256 hex of the file's bytes

    def __repr__(self) -> str:  # the SQL body would flood tracebacks
        return f"MigrationFile({self.name!r}, checksum={self.checksum[:12]})"


def default_directory(kind: Kind) -> Path:
    if kind not in KINDS:
        raise HotspotError(f"migration kind must be one of {KINDS}, not {kind!r}")
    return MIGRATIONS_DIR / kind


def load_migrations(kind: Kind, directory: Path | None = None) -> tuple[MigrationFile, ...]:
    """Every `*.sql` file of `directory` (default: the packaged one for `kind`), by version.

    Refuses names that do not match NNNN_name.sql, duplicate versions, files that are not UTF-8,
    and transaction control in a file (the migrator owns the transaction)."""
    folder = Path(directory) if directory is not None else default_directory(kind)
    if not folder.is_dir():
        raise HotspotError(f"{kind} migrations directory {folder} does not exist")
    by_version: dict[int, MigrationFile] = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith("."):
            continue
        if path.suffix != ".sql":
            if path.name.endswith(("~", ".swp", ".orig", ".rej")):
                raise HotspotError(f"{path}: stray editor/patch file in the migrations directory")
            continue  # README and the like
        m = FILE_RE.fullmatch(path.name)
        if not m:
            raise HotspotError(
                f"{path}: migration files are named NNNN_name.sql (4 digits, lower-case a-z0-9_)"
            )
        version = int(m.group(1))
        if version == 0:
            raise HotspotError(f"{path}: version 0000 is reserved; start at 0001")
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise HotspotError(f"{path}: not UTF-8 ({e})") from None
        if version in by_version:
            raise HotspotError(f"{path}: version {version:04d} is also used by {by_version[version].name}")
        _refuse_transaction_control(path, text)
        by_version[version] = MigrationFile(version, path.name, text, hashlib.sha256(data).hexdigest())
    return tuple(by_version[v] for v in sorted(by_version))


_TX_RE = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|ABORT|END|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|START\s+TRANSACTION)\b", re.I)


def _refuse_transaction_control(path: Path, text: str) -> None:
    """A COMMIT inside a file would end the per-schema transaction half way (and the lock)."""
    for stmt in split_statements(text):
        if _TX_RE.match(stmt.text):
            raise HotspotError(
                f"{path}: line {stmt.line}: transaction control ({stmt.text.split()[0]}) is not allowed "
                "in a migration file; the migrator runs each schema in one transaction"
            )


# ---------------------------------------------------------------- splitting a file into statements


@dataclass(frozen=True)
class Statement:
    text: str  # without the trailing semicolon, stripped
    start: int  # character offset of the first character of `text` in the file
    end: int  # offset just past `text`
    line: int  # 1-based line of `start`


_DOLLAR_TAG_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def split_statements(text: str) -> list[Statement]:
    """Split SQL on top-level semicolons, honouring quotes, E'' strings, dollar quotes and
    comments. Used to name the failing statement and to refuse transaction control; the migrator
    itself sends whole files. (SQL-standard `BEGIN ATOMIC` bodies are not recognised.)"""
    out: list[Statement] = []
    i, n, start = 0, len(text), 0

    def emit(stop: int) -> None:
        s = _skip_comments(text, start, stop)
        body = text[s:stop].rstrip()
        if body:
            out.append(Statement(body, s, s + len(body), text.count("\n", 0, s) + 1))

    while i < n:
        c = text[i]
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif c == "/" and text.startswith("/*", i):
            i = _block_comment_end(text, i, n)
        elif c == "'":
            escapes = i > 0 and text[i - 1] in "eE" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_"))
            i += 1
            while i < n:
                if escapes and text[i] == "\\":
                    i += 2
                elif text[i] == "'":
                    if text.startswith("''", i):
                        i += 2
                    else:
                        i += 1
                        break
                else:
                    i += 1
        elif c == '"':
            j = i + 1
            while True:
                j = text.find('"', j)
                if j < 0 or not text.startswith('""', j):
                    break
                j += 2
            i = n if j < 0 else j + 1
        elif c == "$" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = _DOLLAR_TAG_RE.match(text, i)
            if m:
                j = text.find(m.group(0), m.end())
                i = n if j < 0 else j + len(m.group(0))
            else:
                i += 1
        elif c == ";":
            emit(i)
            i += 1
            start = i
        else:
            i += 1
    emit(n)
    return out


def _block_comment_end(text: str, i: int, stop: int) -> int:
    """Offset just past the /* ... */ comment starting at i (PostgreSQL nests them)."""
    depth, i = 1, i + 2
    while i < stop and depth:
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _skip_comments(text: str, i: int, stop: int) -> int:
    """Offset of the first character of code at or after i (leading blanks and comments skipped)."""
    while i < stop:
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            j = text.find("\n", i, stop)
            i = stop if j < 0 else j + 1
        elif text.startswith("/*", i):
            i = _block_comment_end(text, i, stop)
        else:
            return i
    return stop
