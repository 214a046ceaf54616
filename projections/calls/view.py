"""The calls read models and the thread that keeps them up to date.

Tables (all written in one transaction per batch, together with the tracking row, so the
projection is exactly-once and resumable like the directory's):

* ``calls_active``   — one row per live call: the call state (JSONB, what ``model.CallBook``
  works on) and its public summary (F-CAL-4);
* ``calls_history``  — one row per finished call with its protocol (F-CAL-2, F-CAL-3);
* ``calls_presence`` — the last state of every device per node (F-CAL-8);
* ``calls_changes``  — the change feed behind ``GET /api/tenants/{id}/events``: live call
  summaries, ended calls and presence changes, by tenant code, pruned after a while.

Unlike the directory (the library's ``ProjectionRunner``: one transaction per event), the
calls projection runs in batches (``process``): AMI traffic is thousands of events per
second. ``CallsProjector`` wakes on the store's NOTIFY and processes what is new.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

import psycopg
from eventsourcing.persistence import Tracking
from psycopg.sql import SQL, Identifier

from projections.tracking import SignallingTrackingRecorder

from .model import CallBook, Effects

log = logging.getLogger(__name__)

VERSIONS_TABLE = "projection_versions"
FEED_KEEP_SECONDS = 900  # the change feed is for live clients; older entries are pruned


def ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


class CallsView(SignallingTrackingRecorder):
    active_table = "calls_active"
    history_table = "calls_history"
    presence_table = "calls_presence"
    changes_table = "calls_changes"
    hooks_table = "calls_hooks"  # webhook events (F-CAL-7), followed by pbxflow.calls.webhooks
    VERSION = 1
    projection_name = "calls"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        a, h, p, c = (Identifier(t) for t in (self.active_table, self.history_table, self.presence_table,
                                                self.changes_table))
        self.sql_create_statements.extend([
            SQL("CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, id uuid NOT NULL, node text NOT NULL,"
                " tenant_code text, started_at timestamptz NOT NULL, state jsonb NOT NULL, summary jsonb NOT NULL,"
                " updated_at timestamptz NOT NULL)").format(a),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (tenant_code, started_at)").format(
                Identifier(f"{self.active_table}_tenant_idx"), a),
            SQL("CREATE TABLE IF NOT EXISTS {} (id uuid PRIMARY KEY, node text NOT NULL, linkedid text NOT NULL,"
                " tenant_code text, direction text NOT NULL, result text NOT NULL,"
                " started_at timestamptz NOT NULL, answered_at timestamptz, ended_at timestamptz NOT NULL,"
                " duration integer NOT NULL, billable_seconds integer NOT NULL,"
                " caller text, caller_name text, called text, did text,"
                " answered_by text, answered_by_name text, answered_by_device text, answered_by_extension uuid,"
                " scheme text, voicemail text, recording text, fax text, reconciled boolean NOT NULL,"
                " protocol jsonb NOT NULL, position bigint NOT NULL)").format(h),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (tenant_code, started_at DESC, id)").format(
                Identifier(f"{self.history_table}_tenant_idx"), h),
            SQL("CREATE TABLE IF NOT EXISTS {} (node text NOT NULL, device text NOT NULL, tenant_code text,"
                " state text NOT NULL, since timestamptz NOT NULL, PRIMARY KEY (device, node))").format(p),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (tenant_code)").format(
                Identifier(f"{self.presence_table}_tenant_idx"), p),
            SQL("CREATE TABLE IF NOT EXISTS {} (position bigserial PRIMARY KEY, tenant_code text, kind text NOT NULL,"
                " payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())").format(c),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (tenant_code, position)").format(
                Identifier(f"{self.changes_table}_tenant_idx"), c),
            SQL("CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, version integer NOT NULL)").format(
                Identifier(VERSIONS_TABLE)),
            # Not truncated by a rebuild: the unique key keeps re-emitted events out.
            SQL("CREATE TABLE IF NOT EXISTS {} (position bigserial PRIMARY KEY, key text NOT NULL UNIQUE,"
                " tenant_code text NOT NULL, event text NOT NULL, call_id uuid NOT NULL, at timestamptz NOT NULL,"
                " payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())").format(
                Identifier(self.hooks_table)),
        ])
        self._insert_hooks = SQL(
            "INSERT INTO {} (key, tenant_code, event, call_id, at, payload) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (key) DO NOTHING").format(Identifier(self.hooks_table))
        self.hook_listeners: list[Callable[[], None]] = []  # called after a batch wrote webhook events
        self.batch_listeners: list[Callable[[], None]] = []  # called after every committed batch (second stages)
        self._upsert_active = SQL(
            "INSERT INTO {} (key, id, node, tenant_code, started_at, state, summary, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET tenant_code = EXCLUDED.tenant_code,"
            " state = EXCLUDED.state, summary = EXCLUDED.summary, updated_at = EXCLUDED.updated_at").format(a)
        self._delete_active = SQL("DELETE FROM {} WHERE key = ANY(%s)").format(a)
        self._insert_history = SQL(
            "INSERT INTO {} (id, node, linkedid, tenant_code, direction, result, started_at, answered_at, ended_at,"
            " duration, billable_seconds, caller, caller_name, called, did, answered_by, answered_by_name,"
            " answered_by_device, answered_by_extension, scheme, voicemail, recording, reconciled, protocol, position)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO NOTHING").format(h)
        self._upsert_presence = SQL(
            "INSERT INTO {} (node, device, tenant_code, state, since) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (device, node) DO UPDATE SET tenant_code = EXCLUDED.tenant_code, state = EXCLUDED.state,"
            " since = EXCLUDED.since").format(p)
        self._insert_changes = SQL(
            "INSERT INTO {} (tenant_code, kind, payload) SELECT * FROM unnest(%s::text[], %s::text[], %s::jsonb[])"
            " RETURNING position").format(c)
        self._devices = SQL(
            "SELECT d->>'username' AS device, o.id, o.data->>'number' AS number, o.data->>'name' AS name"
            " FROM rm_objects o CROSS JOIN LATERAL jsonb_array_elements(o.data->'devices') d"
            " WHERE o.kind = 'extension' AND o.tenant_id IN"
            " (SELECT id FROM rm_objects WHERE kind = 'tenant' AND data->>'code' = ANY(%s))"
            " AND d->>'username' = ANY(%s)")
        self.book: CallBook | None = None
        self._book_position: int | None = None  # the position the in-memory state is at
        self._lock = threading.Lock()  # one batch at a time in this process
        self._directory: bool | None = None  # whether the directory read model exists here
        self._feed_cond = threading.Condition()
        self.feed_position = 0
        self._batches = 0

    # --- state ---------------------------------------------------------------------

    def _load_book(self) -> CallBook:
        book = CallBook()
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT state FROM {} ORDER BY key").format(Identifier(self.active_table)))
            states = [r["state"] for r in curs.fetchall()]
            curs.execute(SQL("SELECT node, device, tenant_code AS tenant, state, extract(epoch FROM since) AS since"
                             " FROM {}").format(Identifier(self.presence_table)))
            presence = [{**r, "since": float(r["since"])} for r in curs.fetchall()]
            curs.execute(SQL("SELECT coalesce(max(position), 0) AS p FROM {}").format(Identifier(self.changes_table)))
            self.feed_position = max(self.feed_position, curs.fetchone()["p"])
        book.load(states, presence)
        book.finished_check = self._finished
        return book

    def _finished(self, cid: str) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT 1 FROM {} WHERE id = %s").format(Identifier(self.history_table)), (cid,))
            return curs.fetchone() is not None

    def forget_state(self) -> None:
        self.book = None

    # --- processing ----------------------------------------------------------------

    def process(self, app, *, batch_size: int = 1000, stop: int | None = None,
                progress: Callable[[int], None] | None = None, max_batches: int | None = None) -> int:
        """Project the events after this view's position, ``batch_size`` per transaction.

        Returns the number of events processed. A failed batch rolls back and drops the
        in-memory state (reloaded from the tables on the next call)."""
        name = app.name
        processed = 0
        batches = 0
        with self._lock:
            position = self.max_tracking_id(name) or 0
            while max_batches is None or batches < max_batches:
                if stop is not None and position >= stop:
                    break
                notifications = app.recorder.select_notifications(start=position, limit=batch_size, stop=stop,
                                                                  inclusive_of_start=False)
                if not notifications:
                    break
                if self.book is None or self._book_position != position:
                    # (Re)load when another process moved the position: the rows are then newer.
                    self.book = self._load_book()
                book = self.book
                try:
                    for n in notifications:
                        event = app.mapper.to_domain_event(n)
                        book.apply(event.node, event.name, event.at, event.headers)
                    effects = book.take_effects()
                    last = notifications[-1].id
                    feed_last = self._write(effects, Tracking(name, last))
                except BaseException:
                    self.book = None
                    raise
                position = self._book_position = last
                processed += len(notifications)
                batches += 1
                self._signal(name, position)
                if effects.hooks:
                    for listener in list(self.hook_listeners):
                        listener()
                for listener in list(self.batch_listeners):
                    listener()
                if feed_last:
                    with self._feed_cond:
                        self.feed_position = max(self.feed_position, feed_last)
                        self._feed_cond.notify_all()
                if progress is not None:
                    progress(position)
        return processed

    def _write(self, eff: Effects, tracking: Tracking) -> int | None:
        """One transaction: the rows the effects name, and the tracking row. Returns the
        last feed position written."""
        now = datetime.now(timezone.utc)
        feed_last = None
        with self.datastore.transaction(commit=True) as curs:
            names = self._resolve(curs, eff.finished)
            with curs.connection.pipeline():
                if eff.removed:
                    curs.execute(self._delete_active, (list(eff.removed),))
                if eff.active:
                    curs.executemany(self._upsert_active, [
                        (key, s["id"], s["node"], _tenant(s), ts(s["started"]),
                         json.dumps(s), json.dumps(s.get("published") or {}), now)
                        for key, s in eff.active.items()])
                if eff.finished:
                    curs.executemany(self._insert_history, [self._history_params(r, names, tracking) for r in eff.finished])
                if eff.hooks:
                    curs.executemany(self._insert_hooks, [(k, t, e, c, ts(at), json.dumps(p))
                                                          for k, t, e, c, at, p in eff.hooks])
                if eff.presence:
                    curs.executemany(self._upsert_presence, [
                        (p["node"], p["device"], p["tenant"], p["state"], ts(p["since"])) for p in eff.presence.values()])
                self._insert_tracking(curs, tracking)
            if eff.feed:
                curs.execute(self._insert_changes, ([t for t, _, _ in eff.feed], [k for _, k, _ in eff.feed],
                                                    [json.dumps(p) for _, _, p in eff.feed]))
                feed_last = max(r["position"] for r in curs.fetchall())
            self._batches += 1
            if self._batches % 200 == 0:
                curs.execute(SQL("DELETE FROM {} WHERE created_at < now() - make_interval(secs => %s)").format(
                    Identifier(self.changes_table)), (FEED_KEEP_SECONDS,))
        return feed_last

    def _resolve(self, curs, finished: list[dict]) -> dict[str, dict]:
        """The extensions behind the answering devices (the directory read model, when here)."""
        devices = sorted({r["answered_by_device"] for r in finished if r.get("answered_by_device")})
        if not devices:
            return {}
        if self._directory is None:
            curs.execute("SELECT to_regclass('rm_objects') IS NOT NULL AS found")
            self._directory = bool(curs.fetchone()["found"])
        if not self._directory:
            return {}
        tenants = sorted({r["tenant"] for r in finished if r.get("tenant")})
        curs.execute(self._devices, (tenants, devices))
        return {r["device"]: r for r in curs.fetchall()}

    @staticmethod
    def _history_params(r: dict, names: dict, tracking: Tracking) -> tuple:
        ext = names.get(r.get("answered_by_device") or "")
        answered_by = ext["number"] if ext else r.get("answered_by")
        return (r["id"], r["node"], r["linkedid"], r["tenant"], r["direction"], r["result"], ts(r["started"]),
                ts(r["answered"]), ts(r["ended"]), r["duration"], r["billable"], r.get("caller"), r.get("caller_name"),
                r.get("called"), r.get("did"), answered_by, ext["name"] if ext else None, r.get("answered_by_device"),
                ext["id"] if ext else None, r.get("scheme"), r.get("voicemail"), r.get("recording"), r["reconciled"],
                json.dumps(r["protocol"]), tracking.notification_id)

    # --- the change feed ---------------------------------------------------------------

    def wait_feed(self, position: int, timeout: float) -> int:
        """Block until the feed passes ``position`` (this process's projection) or timeout."""
        with self._feed_cond:
            if self.feed_position <= position:
                self._feed_cond.wait(timeout)
            return self.feed_position

    # --- versions, reset --------------------------------------------------------------

    def stored_version(self) -> int | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT version FROM {} WHERE name = %s").format(Identifier(VERSIONS_TABLE)),
                         (self.projection_name,))
            row = curs.fetchone()
        return row["version"] if row else None

    def record_version(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("INSERT INTO {} (name, version) VALUES (%s, %s)"
                             " ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version").format(Identifier(VERSIONS_TABLE)),
                         (self.projection_name, self.VERSION))

    def ensure_version(self, app) -> bool:
        """Rebuild from the first event when another VERSION of this view wrote the rows."""
        stored = self.stored_version()
        if stored is None or stored == self.VERSION:
            self.record_version()
            return False
        log.warning("read model %r was built by version %s, this is %s: rebuilding it", self.projection_name,
                    stored, self.VERSION)
        self.reset(app.name)
        self.process(app)
        self.record_version()
        return True

    def reset(self, application_name: str) -> None:
        with self._lock:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(SQL("TRUNCATE {}, {}, {}").format(Identifier(self.active_table), Identifier(self.history_table),
                                                              Identifier(self.presence_table)))
                curs.execute(SQL("DELETE FROM {} WHERE application_name = %s").format(
                    Identifier(self.tracking_table_name)), (application_name,))
            self.book = None
            self.forget()


def _tenant(state: dict) -> str | None:
    from .model import tenant_of

    return tenant_of(state)


class CallsProjector:
    """Runs ``CallsView.process`` whenever the calls store has new events (a daemon thread).

    Wakes on the store's NOTIFY (its own LISTEN connection), and polls every
    ``poll_interval`` seconds as a fallback. An error is logged and retried after a
    pause, from the last committed position; ``error`` holds the last one.
    """

    def __init__(self, app, view: CallsView, conninfo: str, *, batch_size: int = 1000, poll_interval: float = 1.0):
        self.app = app
        self.view = view
        self.conninfo = conninfo
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.error: str | None = None
        self.batches = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pbxflow-calls-projection", daemon=True)

    def start(self) -> "CallsProjector":
        self._thread.start()
        return self

    def _listen(self) -> psycopg.Connection | None:
        try:
            conn = psycopg.connect(self.conninfo, autocommit=True)
            conn.execute(SQL("LISTEN {}").format(Identifier(self.app.recorder.channel_name)))
            return conn
        except psycopg.Error as exc:
            log.warning("calls projection: cannot LISTEN (%s); polling", exc)
            return None

    def _run(self) -> None:
        conn = self._listen()
        try:
            while not self._stop.is_set():
                try:
                    while not self._stop.is_set() and self.view.process(self.app, batch_size=self.batch_size, max_batches=1):
                        self.batches += 1
                    self.error = None
                except Exception as exc:  # the store or the read model is unavailable
                    self.error = f"{type(exc).__name__}: {exc}"
                    log.exception("calls projection failed; retrying")
                    self._stop.wait(1.0)
                    continue
                conn = self._wait(conn)
        finally:
            if conn is not None:
                conn.close()

    def _wait(self, conn: psycopg.Connection | None) -> psycopg.Connection | None:
        """Until a NOTIFY of the store (or the poll interval); returns the LISTEN connection."""
        if conn is None or conn.closed:
            self._stop.wait(self.poll_interval)
            return self._listen()
        try:
            for _ in conn.notifies(timeout=self.poll_interval, stop_after=1):
                pass
            return conn
        except psycopg.Error:
            conn.close()
            self._stop.wait(0.2)
            return self._listen()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
