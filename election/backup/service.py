"""Backing up and restoring the whole database.

SQLite uses its online backup API (:meth:`sqlite3.Connection.backup`): a consistent
copy even while the app is writing. PostgreSQL uses ``pg_dump --format=custom`` and
``pg_restore``, given the connection's parts through the ``PG*`` environment
variables, so the password never appears on a command line.

No Flask here: the functions take a database URL and paths, so the CLI, tests and
scripts can all call them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, exists, inspect, select, table
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
#: Tables that hold no data of the app: their rows do not make a database "non-empty".
BOOKKEEPING_TABLES = frozenset({"alembic_version"})
#: pg_dump and pg_restore are looked for on PATH, then here (Debian's layout).
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: A bound on the external tools, so a stuck server cannot hang the command forever.
PG_TIMEOUT = 3600


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (for the CLI)."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    dialect: str
    size: int


def dialect_of(url: str | URL) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"unsupported database: {name}")
    return name


def _sqlite_path(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _engine(url: str | URL) -> Engine:
    # NullPool: nothing stays connected after the check (a restore needs the database alone).
    return create_engine(url, poolclass=NullPool)


def user_tables_with_rows(url: str | URL) -> list[str]:
    """The app's tables that hold at least one row (empty list: the database is empty)."""
    if dialect_of(url) == "sqlite" and not _sqlite_path(url).exists():
        return []
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            names = [n for n in inspect(conn).get_table_names() if n not in BOOKKEEPING_TABLES]
            return [
                name
                for name in sorted(names)
                if conn.execute(select(exists().select_from(table(name)))).scalar()
            ]
    finally:
        engine.dispose()


def _has_tables(url: str | URL) -> bool:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def create_backup(url: str | URL, path: Path, *, overwrite: bool = False) -> BackupInfo:
    """Write a backup of the database at ``url`` to ``path``.

    The file appears only when complete (written next to it, then renamed). Raises
    :class:`BackupError` when ``path`` exists (unless ``overwrite``) or the copy fails.
    """
    dialect = dialect_of(url)
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists (use --force to replace it)")
    if not path.parent.is_dir():
        raise BackupError(f"folder {path.parent} does not exist")
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        if dialect == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _pg_dump(url, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(path=path, dialect=dialect, size=path.stat().st_size)


def restore_backup(url: str | URL, path: Path, *, force: bool = False) -> BackupInfo:
    """Restore the backup at ``path`` into the database at ``url``.

    The database must be empty (no rows in any table; an upgraded but unused schema
    counts as empty) unless ``force``, which replaces what is there. Stop the app
    first: a restore swaps the data under running processes. Raises
    :class:`BackupError`.
    """
    dialect = dialect_of(url)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    kind = _backup_kind(path)
    if kind != dialect:
        raise BackupError(f"{path} is a {kind} backup; the database is {dialect}")
    if not force:
        filled = user_tables_with_rows(url)
        if filled:
            raise BackupError(
                "the database is not empty (rows in "
                + ", ".join(filled[:5])
                + (", …" if len(filled) > 5 else "")
                + "); use --force to replace its contents"
            )
    if dialect == "sqlite":
        _sqlite_restore(path, _sqlite_path(url))
    else:
        _pg_restore(url, path)
    return BackupInfo(path=path, dialect=dialect, size=path.stat().st_size)


def _backup_kind(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a backup made by `flask backup create`")


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"database file {source} does not exist")
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        # A backup is one self-contained file, not a WAL database with side files.
        dst.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(dst, target)


def _check_sqlite(conn: sqlite3.Connection, where: Path) -> None:
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{where} is not a usable SQLite database: {exc}") from exc
    if result != "ok":
        raise BackupError(f"{where} failed SQLite's integrity check: {result}")


def _sqlite_restore(backup: Path, target: Path) -> None:
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    with closing(sqlite3.connect(backup)) as src:
        _check_sqlite(src, backup)
        tables = {row[0] for row in src.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            raise BackupError(f"{backup} is not a backup of this app (no alembic_version)")
        with closing(sqlite3.connect(target, timeout=30)) as dst:
            # The backup API replaces every page of the target in one step, under
            # SQLite's own locking: a reader sees the old database or the new one.
            src.backup(dst)
            _check_sqlite(dst, target)


# --- PostgreSQL --------------------------------------------------------------------------


def pg_binary(name: str) -> str:
    """Path of ``pg_dump``/``pg_restore``: on PATH, else the newest Debian install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/").glob(PG_BIN_GLOB.lstrip("/") + "/" + name),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} not found: install the PostgreSQL client tools")


def pg_environment(url: str | URL) -> dict[str, str]:
    """The ``PG*`` variables naming the database of ``url`` for libpq's tools."""
    parsed = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    host = parsed.host or parsed.query.get("host")
    if isinstance(host, tuple):
        host = host[0]
    parts = {
        "PGHOST": host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
        "PGSSLMODE": parsed.query.get("sslmode"),
    }
    env.update({k: str(v) for k, v in parts.items() if v})
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed program, arguments are paths we build
            args, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} did not finish in {PG_TIMEOUT} s") from exc
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.returncode}")


def _pg_dump(url: str | URL, target: Path) -> None:
    _run(
        [pg_binary("pg_dump"), "--format=custom", "--no-password", f"--file={target}"],
        pg_environment(url),
        "pg_dump",
    )


def _pg_restore(url: str | URL, backup: Path) -> None:
    env = pg_environment(url)
    if not env.get("PGDATABASE"):
        raise BackupError("the database URL names no database")
    _run([pg_binary("pg_restore"), "--list", str(backup)], env, "reading the backup")
    args = [
        pg_binary("pg_restore"),
        "--no-owner",
        "--no-password",
        "--exit-on-error",
        # All or nothing: a failed restore leaves the database as it was.
        "--single-transaction",
        f"--dbname={env['PGDATABASE']}",
    ]
    if _has_tables(url):
        # A forced restore, or an upgraded but empty schema: drop what the backup
        # brings back first.
        args += ["--clean", "--if-exists"]
    _run([*args, str(backup)], env, "pg_restore")
