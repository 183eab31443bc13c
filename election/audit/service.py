"""Recording and verifying the audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from election.audit.models import GENESIS, AuditEvent
from election.db import utcnow

#: Key of the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK = 5_340_271
_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
#: The chain's head (plain SQL on the table: every vote appends an event).
_EVENTS = AuditEvent.__table__
_HEAD = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_INSERT = insert(_EVENTS).returning(_EVENTS.c.id)


@dataclass(frozen=True)
class Actor:
    """Who performs an operation, as services see it (no Flask objects)."""

    id: int | None
    label: str

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(None, label)


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    **details: Any,
) -> AuditEvent:
    """Append an event to the chain in the caller's transaction; returns the event as
    written (with its id; not attached to the session).

    Appends are serialised (an advisory lock on PostgreSQL; SQLite transactions that
    write already hold the database's write lock), so each event links to the true
    head; the unique ``prev_hash`` turns any fork into an error instead of a silent
    branch. Changes pending in the session are flushed first, so the event follows what
    it records.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK, {"k": _CHAIN_LOCK})
    session.flush()
    head = session.scalar(_HEAD)
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        object_type=object_type or "",
        object_id=None if object_id is None else str(object_id),
        details=_jsonable(details),
        prev_hash=head or GENESIS,
    )
    event.hash = event.compute_hash()
    # A plain INSERT, not the ORM's unit of work: every vote appends an event, and a
    # burst of votes feels each statement's cost.
    values = {c.key: getattr(event, c.key) for c in _EVENTS.columns if c.key != "id"}
    event.id = session.execute(_INSERT, values).scalar_one()
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    head: str
    broken_at: int | None = None
    reason: str = ""


def verify(session: Session) -> ChainReport:
    """Walk the chain in id order; report the first event that does not link or hash."""
    expected_prev = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        if event.prev_hash != expected_prev:
            return ChainReport(False, count, expected_prev, event.id, "prev_hash does not link")
        if event.compute_hash() != event.hash:
            return ChainReport(False, count, expected_prev, event.id, "hash does not match")
        expected_prev = event.hash
        count += 1
    return ChainReport(True, count, expected_prev)


def events_page(
    session: Session, *, action: str = "", page: int = 1, size: int = 50
) -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, whose action starts with ``action``; and how
    many such events there are."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    count_stmt = select(func.count(AuditEvent.id))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action))
        count_stmt = count_stmt.where(AuditEvent.action.startswith(action))
    total = session.scalar(count_stmt) or 0
    events = list(session.scalars(stmt.limit(size).offset((page - 1) * size)))
    return events, total


def head_hash(session: Session) -> str:
    return (
        session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    )
