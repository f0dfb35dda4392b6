"""Data access for web accounts: users, server-side sessions and login attempts.

Passwords arrive here already hashed, and session ids are already the SHA-256 of the cookie token: this module
never sees a secret.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .rows import now, utc
from .schema import LoginAttemptRecord, UserRecord, WebSessionRecord

ROLES = ("admin", "labeler", "rater", "redteamer")


class AccountError(ValueError):
    """A bad account request (unknown role, name taken, ...); the message is shown to the admin."""


def create_user(session: Session, username: str, password_hash: str, role: str) -> UserRecord:
    """Add an active user. Raises ``AccountError`` for an unknown role, a bad name or a taken name."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if not username or len(username) > 100 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError("a username is 1 to 100 letters, digits, '.', '-' or '_'")
    user = UserRecord(username=username, password_hash=password_hash, role=role, active=True)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AccountError(f"username {username!r} is taken") from None
    return user


def user_by_name(session: Session, username: str) -> UserRecord | None:
    return session.scalar(select(UserRecord).where(UserRecord.username == username))


def users(session: Session) -> list[UserRecord]:
    return list(session.scalars(select(UserRecord).order_by(UserRecord.username)))


def set_active(session: Session, user_id: int, active: bool) -> None:
    """(De)activate a user; deactivating also ends every session they hold."""
    user = session.get(UserRecord, user_id)
    if user is None:
        raise AccountError(f"no user with id {user_id}")
    user.active = active
    if not active:
        session.execute(delete(WebSessionRecord).where(WebSessionRecord.user_id == user_id))
    session.commit()


def set_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    """Replace a password; every session of the user ends."""
    user = session.get(UserRecord, user_id)
    if user is None:
        raise AccountError(f"no user with id {user_id}")
    user.password_hash = password_hash
    session.execute(delete(WebSessionRecord).where(WebSessionRecord.user_id == user_id))
    session.commit()


def create_session(session: Session, session_id: str, user_id: int, csrf_token: str, lifetime: timedelta) -> None:
    """Start a session, and clear out expired ones (of anyone) while at it."""
    session.execute(delete(WebSessionRecord).where(WebSessionRecord.expires_at < now()))
    session.add(WebSessionRecord(id=session_id, user_id=user_id, csrf_token=csrf_token, expires_at=now() + lifetime))
    session.commit()


def session_user(session: Session, session_id: str) -> tuple[UserRecord, str] | None:
    """(user, CSRF token) of a live session of an active user, else None."""
    row = session.execute(select(UserRecord, WebSessionRecord.csrf_token, WebSessionRecord.expires_at).join(WebSessionRecord, WebSessionRecord.user_id == UserRecord.id).where(WebSessionRecord.id == session_id)).first()
    if row is None or not row[0].active or utc(row[2]) <= now():
        return None
    return row[0], row[1]


def delete_session(session: Session, session_id: str) -> None:
    session.execute(delete(WebSessionRecord).where(WebSessionRecord.id == session_id))
    session.commit()


def record_login_attempt(session: Session, username: str, client: str, succeeded: bool) -> None:
    session.add(LoginAttemptRecord(username=username[:100], client=client[:100], succeeded=succeeded))
    session.commit()


def recent_failures(session: Session, username: str, since: datetime) -> tuple[int, datetime | None]:
    """(failed attempts for ``username`` since ``since`` and after its last success, time of the last one)."""
    last_success = session.scalar(select(func.max(LoginAttemptRecord.created_at)).where(LoginAttemptRecord.username == username, LoginAttemptRecord.succeeded.is_(True)))
    start = max(since, utc(last_success)) if last_success is not None else since
    count, last = session.execute(select(func.count(), func.max(LoginAttemptRecord.created_at)).where(LoginAttemptRecord.username == username, LoginAttemptRecord.succeeded.is_(False), LoginAttemptRecord.created_at > start)).one()
    return int(count), (utc(last) if last is not None else None)
