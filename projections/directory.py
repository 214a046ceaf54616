"""Read models of the configuration: current objects, and the action history (F-AUD-1).

Both tables are written in one transaction with the tracking record, so a
restart resumes exactly after the last processed event (exactly-once) and a
replay rebuilds identical rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import singledispatchmethod
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from pbxflow.domain import kinds
from pbxflow.domain.objects import DirectoryObject

from .tracking import SignallingTrackingRecorder


def _uuid(value) -> UUID | None:
    return UUID(str(value)) if value else None


class DirectoryView(SignallingTrackingRecorder):
    """Tables: ``rm_objects`` (current state, JSONB per object) and ``rm_audit``."""

    objects_table = "rm_objects"
    audit_table = "rm_audit"

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
                " action text NOT NULL, version integer NOT NULL, diff jsonb NOT NULL)"
            ).format(a),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (tenant_id, at DESC)").format(Identifier(f"{self.audit_table}_tenant_idx"), a),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (object_id, notification_id)").format(Identifier(f"{self.audit_table}_object_idx"), a),
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
            " object_type, object_id, object_name, action, version, diff)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
        ).format(a)

    # One transaction per event: rows + audit entry + tracking.
    def apply(self, event, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            if isinstance(event, DirectoryObject.Event):
                self._apply(curs, event, tracking)
            self._insert_tracking(curs, tracking)
        self._signal(tracking.application_name, tracking.notification_id)

    def catch_up(self, app, *, batch_size: int = 1000, progress: Callable[[int], None] | None = None) -> int:
        """Process the events after this view's position, ``batch_size`` per transaction.

        For replays and large backlogs, before the ``ProjectionRunner`` starts (it then
        resumes after the position reached here); the runner's one transaction per event
        pays a commit (WAL flush) and several round trips per event. Each batch's rows
        and the tracking of its last event commit together, so exactly-once holds as
        with ``apply``. The rows the batch needs are read in one query and kept in
        memory, and the writes are pipelined. Returns the number of events processed.
        """
        name = app.name
        position = self.max_tracking_id(name) or 0
        processed = 0
        while True:
            notifications = app.recorder.select_notifications(start=position, limit=batch_size, inclusive_of_start=False)
            if not notifications:
                return processed
            events = [(app.mapper.to_domain_event(n), Tracking(name, n.id)) for n in notifications]
            objects = [(e, t) for e, t in events if isinstance(e, DirectoryObject.Event)]
            created = {e.originator_id for e, _ in objects if isinstance(e, DirectoryObject.Created)}
            wanted = list({e.originator_id for e, _ in objects} - created)
            with self.datastore.transaction(commit=True) as curs:
                rows: dict = dict.fromkeys(wanted)
                if wanted:
                    curs.execute(self._select_many, (wanted,))
                    rows.update((r["id"], r) for r in curs.fetchall())
                with curs.connection.pipeline():
                    for event, tracking in objects:
                        self._apply(curs, event, tracking, rows)
                    self._insert_tracking(curs, events[-1][1])
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
        curs.execute(self._audit, (
            tracking.notification_id, event.timestamp, meta.get("actor_id"), meta.get("actor_login") or "",
            meta.get("actor_role"), meta.get("ip"), meta.get("request_id"), tenant_id, kind,
            event.originator_id, title, action, event.originator_version, json.dumps(kinds.mask_secrets(diff)),
        ))

    def reset(self, application_name: str) -> None:
        """Empty the read model so that it rebuilds from the first event."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("TRUNCATE {}, {}").format(Identifier(self.objects_table), Identifier(self.audit_table)))
            curs.execute(SQL("DELETE FROM {} WHERE application_name = %s").format(Identifier(self.tracking_table_name)), (application_name,))
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
