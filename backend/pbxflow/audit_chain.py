"""Tamper evidence of the action history: hash chains over ``rm_audit``.

Each tenant's rows (and the platform's, tenant NULL) form one chain in position
order: a row's ``hash`` is sha256 over the previous row's hash in the same chain
(empty for the first) and the canonical JSON of the row's content, and its
``prev_hash`` repeats that previous hash. Editing a row breaks its own hash;
deleting one breaks the link of the next; moving one (position or tenant) breaks
its hash. The projection computes the hashes (``projections/directory.py``);
``verify`` walks the chains again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

# The content a hash covers, by rm_audit column.
FIELDS = ("notification_id", "at", "actor_id", "actor_login", "actor_role", "ip", "request_id", "tenant_id",
          "object_type", "object_id", "object_name", "action", "version", "diff")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def canonical(row: dict) -> bytes:
    """The canonical JSON of a row's content (``diff`` as decoded JSON)."""
    content = {f: _plain(row[f]) for f in FIELDS}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(prev_hash: str | None, row: dict) -> str:
    return hashlib.sha256((prev_hash or "").encode() + b"\n" + canonical(row)).hexdigest()


def chain_key(tenant_id: Any) -> str | None:
    """The chain a row belongs to: its tenant's, or None for the platform chain."""
    return str(tenant_id) if tenant_id else None


@dataclass(frozen=True)
class Break:
    tenant_id: str | None  # None: the platform chain
    position: int  # the first row found broken
    previous: int | None  # the last intact row before it in the chain
    reason: str

    def __str__(self) -> str:
        chain = f"tenant {self.tenant_id}" if self.tenant_id else "platform"
        return f"{chain} chain broken at position {self.position}: {self.reason}"


@dataclass
class Report:
    rows: int
    chains: int
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks


def walk(rows: Iterable[dict]) -> Report:
    """Check rows given in position order; the first break of each chain is reported."""
    last: dict[str | None, tuple[str, int]] = {}
    broken: dict[str | None, Break] = {}
    n = 0
    for row in rows:
        n += 1
        key = chain_key(row["tenant_id"])
        if key in broken:
            last[key] = (row["hash"], row["notification_id"])
            continue
        prev_hash, prev_pos = last.get(key, (None, None))
        pos = row["notification_id"]
        if row["hash"] is None:
            broken[key] = Break(key, pos, prev_pos, "row has no hash")
        elif row["prev_hash"] != prev_hash:
            where = f"after position {prev_pos}" if prev_pos is not None else "at the start of the chain"
            broken[key] = Break(key, pos, prev_pos, f"does not follow the previous row: rows missing or reordered {where}")
        elif row_hash(prev_hash, row) != row["hash"]:
            broken[key] = Break(key, pos, prev_pos, "content changed (hash mismatch)")
        last[key] = (row["hash"], pos)
    return Report(n, len(last), sorted(broken.values(), key=lambda b: b.position))


def verify(conn, audit_table: str = "rm_audit", batch: int = 5000) -> Report:
    """Walk every chain of ``audit_table`` (read in position order, ``batch`` rows at a time)."""

    def rows():
        after = None
        with conn.cursor(row_factory=dict_row) as cur:
            while True:
                if after is None:
                    cur.execute(SQL("SELECT * FROM {} ORDER BY notification_id LIMIT %s").format(Identifier(audit_table)), (batch,))
                else:
                    cur.execute(SQL("SELECT * FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s").format(
                        Identifier(audit_table)), (after, batch))
                got = cur.fetchall()
                if not got:
                    return
                yield from got
                after = got[-1]["notification_id"]

    return walk(rows())


def last_hashes(curs, audit_table: str) -> dict[str | None, str | None]:
    """The hash of the newest row of each chain (the projection's starting point)."""
    curs.execute(SQL("SELECT DISTINCT ON (tenant_id) tenant_id, hash FROM {} ORDER BY tenant_id, notification_id DESC").format(
        Identifier(audit_table)))
    return {chain_key(r["tenant_id"]): r["hash"] for r in curs.fetchall()}


def rehash_all(curs, audit_table: str, batch: int = 5000) -> int:
    """Compute every row's hashes from the stored content (for rows written before
    the chains existed). Returns the number of rows updated."""
    table = Identifier(audit_table)
    select = SQL("SELECT * FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s").format(table)
    update = SQL("UPDATE {} SET prev_hash = %s, hash = %s WHERE notification_id = %s").format(table)
    last: dict[str | None, str] = {}
    after, updated = -(2**63), 0
    while True:  # keyset batches: bounded memory on large tables
        curs.execute(select, (after, batch))
        rows = curs.fetchall()
        if not rows:
            return updated
        updates = []
        for row in rows:
            key = chain_key(row["tenant_id"])
            prev = last.get(key)
            h = row_hash(prev, row)
            last[key] = h
            if row["hash"] != h or row["prev_hash"] != prev:
                updates.append((prev, h, row["notification_id"]))
        if updates:
            curs.executemany(update, updates)
            updated += len(updates)
        after = rows[-1]["notification_id"]
