"""The declarative base, shared column types and database-level settings."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum
import fcntl
import os
import secrets
from typing import Any

from sqlalchemy import DateTime, MetaData, String, TypeDecorator, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

#: Constraint names are stable across SQLite and PostgreSQL, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zones; without this a value read back would be naive and
    compare wrongly with :func:`utcnow`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use election.db.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


#: Ballot ids and receipts avoid look-alike letters so they can be read aloud.
READABLE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def random_code(length: int) -> str:
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(length))


def random_id() -> str:
    """A random primary key: carries no order and no time."""
    return secrets.token_hex(16)


RandomId = String(32)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Durability and integrity on every SQLite connection.

    ``synchronous=FULL`` in WAL mode fsyncs at every commit: an accepted vote must
    survive a power cut.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # pysqlite's own transaction handling would issue BEGIN lazily and defeat
    # BEGIN IMMEDIATE; we emit BEGIN ourselves (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    path = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
    cursor.close()
    if path:
        # Writers queue on a lock file next to the database (see _sqlite_begin); where
        # it cannot be created (a read-only folder) the busy timeout alone does the job.
        with contextlib.suppress(OSError):
            connection_record.info["writer_lock"] = os.open(
                f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600
            )


#: False while serving a request that only reads (GET/HEAD); see ``_sqlite_begin``.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    """Start SQLite write transactions with ``BEGIN IMMEDIATE``.

    A deferred transaction that reads and then writes fails with "database is
    locked" instead of waiting when another writer got there first; taking the
    write lock up front makes concurrent writers queue (on the lock file, see
    below; the busy timeout stays as a backstop). Read-only requests keep a
    deferred ``BEGIN`` so they never wait for writers.
    """
    if conn.dialect.name != "sqlite":
        return
    if not write_intent.get():
        conn.exec_driver_sql("BEGIN")
        return
    # SQLite's busy handler makes waiting writers sleep and poll (1, 2, 5 … 100 ms), so
    # under a burst most of the time is spent asleep. Waiting on an OS lock instead
    # wakes the next writer the moment the previous one is done.
    fd = conn.info.get("writer_lock")
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        conn.info["writer_locked"] = True
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Pool, "close")
def _sqlite_close(dbapi_connection: Any, connection_record: Any) -> None:
    fd = connection_record.info.pop("writer_lock", None)
    if fd is not None:
        os.close(fd)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn: Any) -> None:
    if conn.dialect.name == "sqlite" and conn.info.pop("writer_locked", False):
        fcntl.flock(conn.info["writer_lock"], fcntl.LOCK_UN)


def enum_type(enum_cls: type[enum.StrEnum], name: str, length: int = 24) -> SAEnum:
    """A portable enum column: VARCHAR plus a CHECK constraint listing the values."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
