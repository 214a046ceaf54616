"""Verified replay (F-AUD-4): rebuild the read model into fresh tables and compare.

The events up to the live view's position are projected into ``*_verify`` tables
(with their own tracking table), then each live table is compared with its
rebuilt twin by row digests: per row sha256 of its JSON (computed by PostgreSQL),
per table sha256 of the sorted row digests plus the row count. Differing rows are
named by key. The verify tables are dropped afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from psycopg.sql import SQL, Identifier

from projections.directory import DirectoryProjection, DirectoryView

VERIFY_NAME = DirectoryProjection.name + "_verify"


class VerifyView(DirectoryView):
    objects_table = DirectoryView.objects_table + "_verify"
    audit_table = DirectoryView.audit_table + "_verify"


# Each live table, its rebuilt twin, and the key naming a row.
TABLES = ((DirectoryView.objects_table, VerifyView.objects_table, "id"),
          (DirectoryView.audit_table, VerifyView.audit_table, "notification_id"))


@dataclass
class TableDiff:
    table: str
    live_rows: int
    rebuilt_rows: int
    live_digest: str
    rebuilt_digest: str
    changed: list[str] = field(default_factory=list)  # keys whose rows differ
    missing: list[str] = field(default_factory=list)  # rebuilt, but not in the live table
    extra: list[str] = field(default_factory=list)  # in the live table, not rebuilt

    @property
    def identical(self) -> bool:
        return self.live_digest == self.rebuilt_digest and self.live_rows == self.rebuilt_rows

    def __str__(self) -> str:
        if self.identical:
            return f"{self.table}: identical ({self.live_rows} rows, digest {self.live_digest[:16]})"
        parts = [f"{self.table}: DIFFERENT (live {self.live_rows} rows, rebuilt {self.rebuilt_rows})"]
        for label, keys in (("changed", self.changed), ("missing from live", self.missing), ("only in live", self.extra)):
            if keys:
                shown = ", ".join(keys[:50]) + (f" ... ({len(keys)} in all)" if len(keys) > 50 else "")
                parts.append(f"  {label}: {shown}")
        return "\n".join(parts)


@dataclass
class Result:
    position: int
    events: int
    tables: list[TableDiff]

    @property
    def identical(self) -> bool:
        return all(t.identical for t in self.tables)


def _digests(curs, table: str, key: str) -> dict[str, str]:
    curs.execute(SQL(
        "SELECT {key}::text AS k, encode(sha256(convert_to(to_jsonb(t)::text, 'UTF8')), 'hex') AS d FROM {table} t"
    ).format(key=Identifier(key), table=Identifier(table)))
    return {r["k"]: r["d"] for r in curs.fetchall()}


def table_digest(rows: dict[str, str]) -> str:
    """Order-independent: sha256 over the sorted row digests and the count."""
    h = hashlib.sha256(str(len(rows)).encode())
    for d in sorted(rows.values()):
        h.update(d.encode())
    return h.hexdigest()


def compare(curs, live: str, rebuilt: str, key: str) -> TableDiff:
    a, b = _digests(curs, live, key), _digests(curs, rebuilt, key)
    diff = TableDiff(live, len(a), len(b), table_digest(a), table_digest(b))
    if not diff.identical:
        diff.changed = sorted((k for k in a.keys() & b.keys() if a[k] != b[k]), key=_sort_key)
        diff.missing = sorted(b.keys() - a.keys(), key=_sort_key)
        diff.extra = sorted(a.keys() - b.keys(), key=_sort_key)
    return diff


def _sort_key(k: str):
    return (0, int(k), "") if k.isdigit() else (1, 0, k)


def verify(app, env: dict, live_view: DirectoryView, *, batch_size: int = 1000,
           progress: Callable[[str], None] | None = None,
           on_event: Callable[[int], None] | None = None) -> Result:
    """Rebuild into the verify tables up to ``live_view``'s position and compare."""
    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.utils import Environment

    say = progress or (lambda _m: None)
    factory = InfrastructureFactory.construct(env=Environment(VERIFY_NAME, env))
    try:
        view = factory.tracking_recorder(VerifyView)
        try:
            view.reset(app.name)  # leftovers of an interrupted run
            position = live_view.max_tracking_id(app.name) or 0
            say(f"rebuilding into {VerifyView.objects_table}, {VerifyView.audit_table} up to position {position}")
            events = view.catch_up(app, batch_size=batch_size, stop=position, progress=on_event)
            live_position = SQL("SELECT max(notification_id) AS n FROM {} WHERE application_name = %s").format(
                Identifier(live_view.tracking_table_name))
            for _attempt in range(20):
                with view.datastore.transaction(commit=False) as curs:
                    # One snapshot of both sides, in which the live view is at ``position``.
                    curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    curs.execute(live_position, (app.name,))
                    now = curs.fetchone()["n"] or 0
                    if now == position:
                        tables = []
                        for live, rebuilt, key in TABLES:
                            say(f"comparing {live} with {rebuilt}")
                            tables.append(compare(curs, live, rebuilt, key))
                        return Result(position, events, tables)
                # The live projection moved on: follow it, compare at its new position.
                events += view.catch_up(app, batch_size=batch_size, stop=now, progress=on_event)
                position = now
            raise RuntimeError("the live read model kept moving; verify again when it is quieter")
        finally:
            with view.datastore.transaction(commit=True) as curs:
                for table in (VerifyView.objects_table, VerifyView.audit_table, view.tracking_table_name):
                    curs.execute(SQL("DROP TABLE IF EXISTS {}").format(Identifier(table)))
            say("dropped the verify tables")
    finally:
        factory.close()
