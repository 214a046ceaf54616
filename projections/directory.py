"""Read models of the configuration: current objects, and the action history (F-AUD-1).

Both tables are written in one transaction with the tracking record, so a
restart resumes exactly after the last processed event (exactly-once) and a
replay rebuilds identical rows.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import singledispatchmethod
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from pbxflow import audit_chain
from pbxflow.domain import kinds
from pbxflow.domain.objects import DirectoryObject

from .tracking import SignallingTrackingRecorder


log = logging.getLogger(__name__)

VERSIONS_TABLE = "projection_versions"


def _uuid(value) -> UUID | None:
    return UUID(str(value)) if value else None


class DirectoryView(SignallingTrackingRecorder):
    """Tables: ``rm_objects`` (current state, JSONB per object) and ``rm_audit``."""

    objects_table = "rm_objects"
    audit_table = "rm_audit"
    # The shape of the rows written. Raise it when a change needs the read model rebuilt:
    # the next start (``ensure_version``) resets and replays it. Stored in ``projection_versions``.
    VERSION = 1
    projection_name = "directory"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        o, a = Identifier(self.objects_table), Identifier(self.audit_table)
        self.sql_create_statements.extend([
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " id uuid PRIMARY KEY, kind text NOT NULL, tenant_id uuid, version integer NOT NULL,"
                " title text NOT NULL, data jsonb NOT NULL,"
                " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)"
            ).format(o),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (kind, tenant_id, title)").format(Identifier(f"{self.objects_table}_kind_idx"), o),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " notification_id bigint PRIMARY KEY, at timestamptz NOT NULL,"
                " actor_id text, actor_login text NOT NULL, actor_role text, ip text, request_id text,"
                " tenant_id uuid, object_type text NOT NULL, object_id uuid NOT NULL, object_name text NOT NULL,"
                " action text NOT NULL, version integer NOT NULL, diff jsonb NOT NULL,"
                " prev_hash text, hash text)"
            ).format(a),
            # Stores created before the hash chains (rows get their hashes in create_table).
            SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS prev_hash text").format(a),
            SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS hash text").format(a),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (tenant_id, at DESC)").format(Identifier(f"{self.audit_table}_tenant_idx"), a),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (object_id, notification_id)").format(Identifier(f"{self.audit_table}_object_idx"), a),
            SQL("CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, version integer NOT NULL)").format(Identifier(VERSIONS_TABLE)),
        ])
        self._upsert = SQL(
            "INSERT INTO {} (id, kind, tenant_id, version, title, data, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, version = EXCLUDED.version,"
            " title = EXCLUDED.title, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at"
        ).format(o)
        self._select = SQL("SELECT kind, tenant_id, title, data FROM {} WHERE id = %s").format(o)
        self._select_many = SQL("SELECT id, kind, tenant_id, title, data FROM {} WHERE id = ANY(%s)").format(o)
        self._delete = SQL("DELETE FROM {} WHERE id = %s").format(o)
        self._audit = SQL(
            "INSERT INTO {} (notification_id, at, actor_id, actor_login, actor_role, ip, request_id, tenant_id,"
            " object_type, object_id, object_name, action, version, diff, prev_hash, hash)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
        ).format(a)
        # The hash of the newest audit row of each chain (tenant id, None: platform), as
        # committed plus the rows of the transaction in progress; loaded on first use,
        # dropped when a transaction fails or the view is reset.
        self._chains: dict[str | None, str | None] | None = None

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("SELECT 1 FROM {} WHERE hash IS NULL LIMIT 1").format(Identifier(self.audit_table)))
            if curs.fetchone() is not None:
                curs.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(Identifier(self.audit_table)))
                audit_chain.rehash_all(curs, self.audit_table)
        self._chains = None

    def _load_chains(self, curs) -> None:
        if self._chains is None:
            self._chains = audit_chain.last_hashes(curs, self.audit_table)

    # One transaction per event: rows + audit entry + tracking.
    def apply(self, event, tracking: Tracking) -> None:
        try:
            with self.datastore.transaction(commit=True) as curs:
                if isinstance(event, DirectoryObject.Event):
                    self._load_chains(curs)
                    self._apply(curs, event, tracking)
                self._insert_tracking(curs, tracking)
        except BaseException:
            self._chains = None  # may hold hashes of rows rolled back
            raise
        self._signal(tracking.application_name, tracking.notification_id)

    def catch_up(self, app, *, batch_size: int = 1000, progress: Callable[[int], None] | None = None,
                 stop: int | None = None) -> int:
        """Process the events after this view's position, ``batch_size`` per transaction.

        For replays and large backlogs, before the ``ProjectionRunner`` starts (it then
        resumes after the position reached here); the runner's one transaction per event
        pays a commit (WAL flush) and several round trips per event. Each batch's rows
        and the tracking of its last event commit together, so exactly-once holds as
        with ``apply``. The rows the batch needs are read in one query and kept in
        memory, and the writes are pipelined. ``stop``: the last position to process
        (default: the head). Returns the number of events processed.
        """
        name = app.name
        position = self.max_tracking_id(name) or 0
        processed = 0
        while True:
            if stop is not None and position >= stop:
                return processed
            notifications = app.recorder.select_notifications(start=position, limit=batch_size, stop=stop,
                                                              inclusive_of_start=False)
            if not notifications:
                return processed
            events = [(app.mapper.to_domain_event(n), Tracking(name, n.id)) for n in notifications]
            objects = [(e, t) for e, t in events if isinstance(e, DirectoryObject.Event)]
            created = {e.originator_id for e, _ in objects if isinstance(e, DirectoryObject.Created)}
            wanted = list({e.originator_id for e, _ in objects} - created)
            try:
                with self.datastore.transaction(commit=True) as curs:
                    rows: dict = dict.fromkeys(wanted)
                    if wanted:
                        curs.execute(self._select_many, (wanted,))
                        rows.update((r["id"], r) for r in curs.fetchall())
                    self._load_chains(curs)
                    with curs.connection.pipeline():
                        for event, tracking in objects:
                            self._apply(curs, event, tracking, rows)
                        self._insert_tracking(curs, events[-1][1])
            except BaseException:
                self._chains = None
                raise
            position = events[-1][1].notification_id
            processed += len(events)
            self._signal(name, position)
            if progress is not None:
                progress(position)

    def _apply(self, curs, event, tracking: Tracking, rows: dict | None = None) -> None:
        """Write what one event changes. ``rows``: the current rows by object id, kept
        up to date here, instead of a SELECT per event (``catch_up``)."""
        oid = event.originator_id
        meta = event.meta
        if isinstance(event, DirectoryObject.Created):
            kind = kinds.REGISTRY.get(event.kind)
            title = kind.title(event.data) if kind else ""
            curs.execute(self._upsert, (oid, event.kind, _uuid(event.tenant_id), event.originator_version, title,
                                        json.dumps(event.data), event.timestamp, event.timestamp))
            diff = {k: [None, v] for k, v in event.data.items()}
            self._record(curs, tracking, event, meta, event.kind, _uuid(event.tenant_id), title, "create", diff)
            if rows is not None:
                rows[oid] = {"kind": event.kind, "tenant_id": _uuid(event.tenant_id), "title": title, "data": dict(event.data)}
            return
        if rows is not None:
            row = rows.get(oid)
        else:
            curs.execute(self._select, (oid,))
            row = curs.fetchone()
        if row is None:  # events of an object already deleted: history only
            return
        kind_name, tenant_id, title, data = row["kind"], row["tenant_id"], row["title"], row["data"]
        kind = kinds.REGISTRY.get(kind_name)
        if isinstance(event, DirectoryObject.Changed):
            for key, (_old, new) in event.diff.items():
                if key == "tenant_id":
                    tenant_id = _uuid(new)
                elif new is None:
                    data.pop(key, None)
                else:
                    data[key] = new
            title = kind.title(data) if kind else title
            curs.execute(self._upsert, (oid, kind_name, tenant_id, event.originator_version, title,
                                        json.dumps(data), event.timestamp, event.timestamp))
            audit_tenant = _uuid(meta.get("tenant_id")) or tenant_id
            self._record(curs, tracking, event, meta, kind_name, audit_tenant, title, event.action, event.diff)
            if rows is not None:
                rows[oid] = {"kind": kind_name, "tenant_id": tenant_id, "title": title, "data": data}
        elif isinstance(event, DirectoryObject.Noted):
            curs.execute(self._upsert, (oid, kind_name, tenant_id, event.originator_version, title,
                                        json.dumps(data), event.timestamp, event.timestamp))
            self._record(curs, tracking, event, meta, kind_name, tenant_id, title, event.action, {"details": event.details})
        elif isinstance(event, DirectoryObject.Deleted):
            curs.execute(self._delete, (oid,))
            diff = {k: [v, None] for k, v in data.items()}
            self._record(curs, tracking, event, meta, kind_name, tenant_id, title, "delete", diff)
            if rows is not None:
                rows[oid] = None

    def _record(self, curs, tracking, event, meta, kind, tenant_id, title, action, diff) -> None:
        diff_json = json.dumps(kinds.mask_secrets(diff))
        row = {
            "notification_id": tracking.notification_id, "at": event.timestamp, "actor_id": meta.get("actor_id"),
            "actor_login": meta.get("actor_login") or "", "actor_role": meta.get("actor_role"), "ip": meta.get("ip"),
            "request_id": meta.get("request_id"), "tenant_id": tenant_id, "object_type": kind,
            "object_id": event.originator_id, "object_name": title, "action": action,
            "version": event.originator_version, "diff": json.loads(diff_json),  # as read back from the table
        }
        if self._chains is None:  # a caller outside apply/catch_up
            self._load_chains(curs)
        chain = audit_chain.chain_key(tenant_id)
        prev_hash = self._chains.get(chain)
        row_hash = audit_chain.row_hash(prev_hash, row)
        self._chains[chain] = row_hash
        curs.execute(self._audit, (
            row["notification_id"], row["at"], row["actor_id"], row["actor_login"], row["actor_role"], row["ip"],
            row["request_id"], tenant_id, kind, event.originator_id, title, action, event.originator_version, diff_json,
            prev_hash, row_hash,
        ))

    def stored_version(self) -> int | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT version FROM {} WHERE name = %s").format(Identifier(VERSIONS_TABLE)), (self.projection_name,))
            row = curs.fetchone()
        return row["version"] if row else None

    def record_version(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("INSERT INTO {} (name, version) VALUES (%s, %s)"
                             " ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version").format(Identifier(VERSIONS_TABLE)),
                         (self.projection_name, self.VERSION))

    def ensure_version(self, app, *, batch_size: int = 1000, progress: Callable[[int], None] | None = None) -> bool:
        """Rebuild the read model (reset, batched ``catch_up``) when it was written by
        another ``VERSION`` of this view; returns whether it did. Call before the
        projection runner starts. A store from before the versions were recorded
        counts as version 1; an empty read model just records the version. The
        version is recorded after the rebuild, so an interrupted one starts again."""
        stored = self.stored_version()
        if stored is None:
            stored = 1 if self.max_tracking_id(app.name) is not None else self.VERSION
        if stored == self.VERSION:
            self.record_version()
            return False
        log.warning("read model %r was built by version %s of its projection, this is version %s: rebuilding it",
                    self.projection_name, stored, self.VERSION)
        started = time.monotonic()
        self.reset(app.name)
        events = self.catch_up(app, batch_size=batch_size, progress=progress)
        self.record_version()
        log.warning("read model %r rebuilt at version %s from %d events in %.1f s",
                    self.projection_name, self.VERSION, events, time.monotonic() - started)
        return True

    def reset(self, application_name: str) -> None:
        """Empty the read model so that it rebuilds from the first event."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("TRUNCATE {}, {}").format(Identifier(self.objects_table), Identifier(self.audit_table)))
            curs.execute(SQL("DELETE FROM {} WHERE application_name = %s").format(Identifier(self.tracking_table_name)), (application_name,))
        self._chains = None
        self.forget()


class DirectoryProjection(Projection[DirectoryView]):
    name = "directory"
    # Only object events: claim events change no row, and skipping them saves a
    # transaction per claim (an extension command stores one object event and 2+ claims).
    topics = tuple(get_topic(c) for c in (DirectoryObject.Created, DirectoryObject.Changed,
                                          DirectoryObject.Noted, DirectoryObject.Deleted))

    @singledispatchmethod
    def process_event(self, domain_event: DomainEventProtocol, tracking: Tracking) -> None:
        self.view.apply(domain_event, tracking)
