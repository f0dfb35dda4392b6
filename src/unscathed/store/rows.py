"""Row helpers shared by the web app's data access: time, lookups with ownership, races settled in SQL."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T = TypeVar("T")


class NotFound(LookupError):
    """No such row (the web app answers 404)."""


class NotYours(PermissionError):
    """The row belongs to another user (the web app answers 403)."""


class ConflictError(ValueError):
    """The request contradicts what is already recorded (the web app answers 409)."""


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time in the store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def now() -> datetime:
    return datetime.now(timezone.utc)


def found(session: Session, record_type: type[T], record_id: int, what: str) -> T:
    """The row with this id, or ``NotFound``."""
    record = session.get(record_type, record_id)
    if record is None:
        raise NotFound(f"no {what} with id {record_id}")
    return record


def owned(session: Session, record_type: type[T], record_id: int, user_id: int, what: str) -> T:
    """A row that belongs to ``user_id``: ``NotFound`` if there is none, ``NotYours`` if it is someone else's."""
    record = found(session, record_type, record_id, what)
    if record.user_id != user_id:
        raise NotYours(f"this {what} belongs to someone else")
    return record


def add_once(session: Session, record: T, twin: Callable[[], T | None]) -> T | None:
    """Insert ``record``; when a concurrent request inserted its twin first (a unique constraint says so),
    return ``twin()``, the row that request made."""
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return twin()
    return record


def take_slot(session: Session, record_type: type, key_column: Any, key: int) -> bool:
    """Take one of the ``remaining`` slots of a row; of two requests racing for the last one, exactly one wins."""
    taken = session.execute(update(record_type).where(key_column == key, record_type.remaining > 0).values(remaining=record_type.remaining - 1))
    return taken.rowcount == 1


def answer_once(session: Session, record: Any, values: dict[str, Any], same: Callable[[Any], bool], what: str) -> bool:
    """Set ``values`` on an unanswered row (``answered_at`` empty), in SQL so two racing requests cannot both
    do it. True if this call answered it; False if it was answered already with the same answer (a retried
    request); ``ConflictError`` if with a different one."""
    record_type = type(record)
    done = session.execute(update(record_type).where(record_type.id == record.id, record_type.answered_at.is_(None)).values(answered_at=now(), **values))
    if done.rowcount == 1:
        return True
    session.rollback()
    session.refresh(record)
    if not same(record):
        raise ConflictError(f"{what} {record.id} was already answered differently")
    return False
