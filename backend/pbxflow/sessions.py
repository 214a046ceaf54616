"""Login sessions (bearer tokens). Operational state, not configuration: a plain table.

Only a hash of each token is stored, so a database dump gives no usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from uuid import UUID

from psycopg_pool import ConnectionPool

TTL = timedelta(hours=12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, pool: ConnectionPool):
        self.pool = pool
        with pool.connection() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS auth_sessions ("
                " token_hash text PRIMARY KEY, user_id uuid NOT NULL,"
                " created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)"
            )

    def open(self, user_id: str) -> str:
        token = secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO auth_sessions VALUES (%s, %s, %s, %s)",
                (_digest(token), UUID(user_id), now, now + TTL),
            )
        return token

    def user_for(self, token: str) -> str | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT user_id FROM auth_sessions WHERE token_hash = %s AND expires_at > now()",
                (_digest(token),),
            ).fetchone()
        return str(row[0]) if row else None

    def close(self, token: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM auth_sessions WHERE token_hash = %s", (_digest(token),))
