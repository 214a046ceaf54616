"""Webhook delivery (F-CAL-7): call events to tenants' HTTP endpoints, signed, retried, logged.

The calls projection writes each webhook event once to ``calls_hooks`` (unique key: call id,
event, leg), in the same transaction as the read models. ``WebhookWorker``:

1. **fan-out** — follows ``calls_hooks`` by position (cursor row ``webhook_cursor``, locked
   while it moves, so several processes can run workers): for each event and each enabled
   webhook of the event's tenant that wants it, one row in ``webhook_deliveries``; the unique
   key (webhook, event key) holds each pair once, whatever retries or rebuilds happen. The
   body (JSON) is fixed at this point, so every attempt sends the same bytes;
2. **dispatch** — claims due deliveries (``FOR UPDATE SKIP LOCKED``, then a lease), POSTs
   them with ``X-Pbxflow-Signature: sha256=<hex HMAC-SHA256(secret, body)>``,
   ``X-Pbxflow-Delivery: <delivery id>`` and ``X-Pbxflow-Event``; a 2xx is delivered;
   network errors, timeouts, 5xx and 429 are retried after 1, 2, 4 … s (capped at
   ``max_delay``) up to ``max_attempts``; other answers (3xx, 4xx) fail at once.

Delivery is at least once towards the receiver (a crash between its answer and our commit
repeats the POST): receivers deduplicate by ``X-Pbxflow-Delivery``. Order is not guaranteed
across retries (first attempts of one webhook go out one after the other, in event order);
bodies carry the node's event time ``at``.

``clock`` (epoch seconds) is injectable: every stored time comes from it, so tests step time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

DELIVERIES = "webhook_deliveries"
CURSOR = "webhook_cursor"
SIGNATURE_HEADER = "X-Pbxflow-Signature"
DELIVERY_HEADER = "X-Pbxflow-Delivery"
EVENT_HEADER = "X-Pbxflow-Event"

_SCHEMA = [
    f"CREATE TABLE IF NOT EXISTS {DELIVERIES} (id uuid PRIMARY KEY, webhook_id uuid NOT NULL, tenant_id uuid NOT NULL,"
    " event_key text NOT NULL, event text NOT NULL, call_id uuid NOT NULL, hook_position bigint NOT NULL,"
    " body text NOT NULL, status text NOT NULL, attempts integer NOT NULL DEFAULT 0,"
    " created_at timestamptz NOT NULL, next_attempt_at timestamptz, last_attempt_at timestamptz,"
    " last_status integer, last_error text, delivered_at timestamptz, log jsonb NOT NULL DEFAULT '[]',"
    " UNIQUE (webhook_id, event_key))",
    f"CREATE INDEX IF NOT EXISTS {DELIVERIES}_due_idx ON {DELIVERIES} (next_attempt_at) WHERE status = 'pending'",
    f"CREATE INDEX IF NOT EXISTS {DELIVERIES}_hook_idx ON {DELIVERIES} (webhook_id, created_at DESC)",
    f"CREATE TABLE IF NOT EXISTS {CURSOR} (name text PRIMARY KEY, position bigint NOT NULL)",
]
_ready: set[str] = set()
_ready_lock = threading.Lock()


def ensure_tables(pool: ConnectionPool) -> None:
    key = str(id(pool))
    with _ready_lock:
        if key in _ready:
            return
        with pool.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('pbxflow webhooks schema'))")
            for stmt in _SCHEMA:
                conn.execute(stmt)
        _ready.add(key)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, timezone.utc)


def _iso(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _ts(value).isoformat()
    return value


def _body(delivery_id: str, webhook_id: str, tenant_id: str, hook: dict) -> str:
    payload = hook["payload"]
    call = {k: (_iso(v) if k.endswith("_at") else v) for k, v in (payload.get("call") or {}).items()}
    out = {"id": delivery_id, "event": hook["event"], "at": _iso(payload.get("at")), "webhook_id": webhook_id,
           "tenant_id": tenant_id, "call": call}
    out.update({k: v for k, v in payload.items() if k not in ("event", "at", "call")})
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is the receiver's answer, not followed
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST; the HTTP status (any), or an OSError for network trouble."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


class WebhookWorker:
    def __init__(self, pool: ConnectionPool, *, clock: Callable[[], float] = time.time,
                 post: Callable[[str, bytes, dict[str, str], float], int] = http_post,
                 timeout: float = 5.0, base_delay: float = 1.0, max_delay: float = 300.0, max_attempts: int = 8,
                 max_age: float = 86400.0, batch: int = 200, concurrency: int = 8, poll_interval: float = 0.5,
                 lease: float = 60.0):
        self.pool = pool
        self.clock = clock
        self.post = post
        self.timeout = timeout
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self.max_age = max_age  # events older than this (node time) are not fanned out (e.g. a rebuild)
        self.batch = batch
        self.poll_interval = poll_interval
        self.lease = lease
        self.error: str | None = None
        self.sent = 0
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="pbxflow-webhook")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._rounds = 0
        ensure_tables(pool)

    # --- schedule ----------------------------------------------------------------------

    def delay(self, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones: 1, 2, 4, … capped."""
        return min(self.base_delay * 2 ** (attempts - 1), self.max_delay)

    # --- fan-out -----------------------------------------------------------------------

    def fan_out(self) -> int:
        """New webhook events into deliveries, one per (webhook, event); returns rows made."""
        made = 0
        now = self.clock()
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(f"INSERT INTO {CURSOR} (name, position) VALUES ('calls', 0) ON CONFLICT (name) DO NOTHING")
            cur.execute(f"SELECT position FROM {CURSOR} WHERE name = 'calls' FOR UPDATE")
            position = cur.fetchone()["position"]
            cur.execute("SELECT position, key, tenant_code, event, call_id, at, payload, created_at FROM calls_hooks"
                        " WHERE position > %s ORDER BY position LIMIT %s", (position, self.batch))
            hooks = cur.fetchall()
            if not hooks:
                return 0
            codes = sorted({h["tenant_code"] for h in hooks})
            cur.execute("SELECT w.id, w.tenant_id, w.data, w.created_at, t.data->>'code' AS code,"
                        " t.created_at AS tenant_created FROM rm_objects w JOIN rm_objects t"
                        " ON t.id = w.tenant_id AND t.kind = 'tenant'"
                        " WHERE w.kind = 'webhook' AND t.data->>'code' = ANY(%s)", (codes,))
            by_code: dict[str, list[dict]] = {}
            for w in cur.fetchall():
                by_code.setdefault(w["code"], []).append(w)
            rows = []
            for h in hooks:
                if h["at"].timestamp() < now - self.max_age:
                    continue
                started = (h["payload"].get("call") or {}).get("started_at")
                for w in by_code.get(h["tenant_code"], ()):
                    data = w["data"]
                    if not data.get("enabled", True) or h["event"] not in data.get("events", ()):
                        continue
                    if h["created_at"] < w["created_at"]:
                        continue  # the webhook did not exist yet
                    if started is not None and started < w["tenant_created"].timestamp():
                        continue  # a call of an earlier tenant with the same code
                    did = str(uuid.uuid5(uuid.UUID(str(w["id"])), h["key"]))
                    rows.append((did, w["id"], w["tenant_id"], h["key"], h["event"], h["call_id"], h["position"],
                                 _body(did, str(w["id"]), str(w["tenant_id"]), h), _ts(now), _ts(now)))
            if rows:
                cur.executemany(f"INSERT INTO {DELIVERIES} (id, webhook_id, tenant_id, event_key, event, call_id,"
                                " hook_position, body, status, created_at, next_attempt_at)"
                                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'pending', %s, %s)"
                                " ON CONFLICT (webhook_id, event_key) DO NOTHING RETURNING id", rows, returning=True)
                while True:
                    made += len(cur.fetchall())
                    if not cur.nextset():
                        break
            cur.execute(f"UPDATE {CURSOR} SET position = %s WHERE name = 'calls'", (hooks[-1]["position"],))
        return made

    # --- dispatch ----------------------------------------------------------------------

    def dispatch(self) -> int:
        """Attempt every due delivery once; returns how many were attempted."""
        now = self.clock()
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(f"UPDATE {DELIVERIES} d SET next_attempt_at = %s FROM ("
                        f"SELECT id FROM {DELIVERIES} WHERE status = 'pending' AND next_attempt_at <= %s"
                        " ORDER BY next_attempt_at, hook_position LIMIT %s FOR UPDATE SKIP LOCKED) due"
                        " WHERE d.id = due.id RETURNING d.id, d.webhook_id, d.event, d.body, d.attempts",
                        (_ts(now + self.lease), _ts(now), self.batch))
            due = cur.fetchall()
            if not due:
                return 0
            cur.execute("SELECT id, data FROM rm_objects WHERE kind = 'webhook' AND id = ANY(%s)",
                        (sorted({d["webhook_id"] for d in due}),))
            hooks = {r["id"]: r["data"] for r in cur.fetchall()}
        # One webhook's deliveries in order (one after the other), different webhooks in parallel.
        per_hook: dict[Any, list[dict]] = {}
        for d in due:
            per_hook.setdefault(d["webhook_id"], []).append(d)
        outcomes = [o for chunk in self._executor.map(
            lambda ds: [self._attempt(d, hooks.get(d["webhook_id"])) for d in ds], per_hook.values()) for o in chunk]
        with self.pool.connection() as conn, conn.cursor() as cur:
            cur.executemany(f"UPDATE {DELIVERIES} SET status = %s, attempts = %s, last_attempt_at = %s,"
                            " last_status = %s, last_error = %s, next_attempt_at = %s, delivered_at = %s,"
                            " log = log || %s::jsonb WHERE id = %s", outcomes)
        self.sent += len(due)
        return len(due)

    def _attempt(self, d: dict, hook: dict | None) -> tuple:
        attempts = d["attempts"]
        at = self.clock()
        code: int | None = None
        error: str | None = None
        if hook is None:
            error, retry = "the webhook was deleted", False
        elif not hook.get("enabled", True):
            error, retry = "the webhook was disabled", False
        else:
            attempts += 1
            body = d["body"].encode()
            headers = {"Content-Type": "application/json", "User-Agent": "pbxflow-webhooks/1",
                       SIGNATURE_HEADER: sign(hook["secret"], body), DELIVERY_HEADER: str(d["id"]),
                       EVENT_HEADER: d["event"]}
            try:
                code = self.post(hook["url"], body, headers, self.timeout)
            except Exception as exc:  # network: refused, reset, timeout, DNS, TLS
                error = f"{type(exc).__name__}: {exc}"[:500]
            if code is not None and 200 <= code < 300:
                entry = {"at": _iso(at), "status": code}
                return ("delivered", attempts, _ts(at), code, None, None, _ts(at), json.dumps([entry]), d["id"])
            if code is not None:
                error = f"HTTP {code}"
            retry = code is None or code >= 500 or code == 429
        entry = {"at": _iso(at), "status": code, "error": error}
        if retry and attempts < self.max_attempts:
            next_at = _ts(at + self.delay(attempts))
            entry["retry_at"] = next_at.isoformat()
            return ("pending", attempts, _ts(at), code, error, next_at, None, json.dumps([entry]), d["id"])
        return ("failed", attempts, _ts(at), code, error, None, None, json.dumps([entry]), d["id"])

    # --- running -------------------------------------------------------------------------

    def run_once(self) -> tuple[int, int]:
        made = 0
        while True:
            n = self.fan_out()
            made += n
            if not n:
                break
        attempted = 0
        while True:
            n = self.dispatch()
            attempted += n
            if n < self.batch:
                break
        self._rounds += 1
        if self._rounds % 1000 == 0:
            self.prune()
        return made, attempted

    def prune(self, keep_events: float = 7 * 86400, keep_deliveries: float = 30 * 86400) -> None:
        now = self.clock()
        with self.pool.connection() as conn:
            conn.execute(f"DELETE FROM calls_hooks WHERE created_at < %s AND position <="
                         f" (SELECT position FROM {CURSOR} WHERE name = 'calls')", (_ts(now - keep_events),))
            conn.execute(f"DELETE FROM {DELIVERIES} WHERE status <> 'pending' AND created_at < %s",
                         (_ts(now - keep_deliveries),))

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> "WebhookWorker":
        self._thread = threading.Thread(target=self._run, name="pbxflow-webhooks", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
                self.error = None
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("webhook delivery failed; retrying")
                self._stop.wait(1.0)
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._executor.shutdown(wait=False, cancel_futures=True)


# --- reads (the delivery log API) ---------------------------------------------------------

def delivery_log(pool: ConnectionPool, tenant_id: str, webhook_id: str, *, limit: int, offset: int,
                 status: str | None = None) -> dict:
    ensure_tables(pool)
    where, params = "tenant_id = %s AND webhook_id = %s", [tenant_id, webhook_id]
    if status:
        where += " AND status = %s"
        params.append(status)
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(f"SELECT count(*) AS n FROM {DELIVERIES} WHERE {where}", params)
        total = cur.fetchone()["n"]
        cur.execute(f"SELECT id, event, event_key, call_id, status, attempts, created_at, next_attempt_at, last_attempt_at,"
                    f" last_status, last_error, delivered_at, log FROM {DELIVERIES} WHERE {where}"
                    " ORDER BY created_at DESC, hook_position DESC, id LIMIT %s OFFSET %s", [*params, limit, offset])
        rows = cur.fetchall()
    items = []
    for r in rows:
        items.append({
            "id": str(r["id"]), "event": r["event"], "call_id": str(r["call_id"]), "status": r["status"],
            "attempts": r["attempts"], "created_at": r["created_at"].isoformat(),
            "next_attempt_at": r["next_attempt_at"].isoformat() if r["status"] == "pending" and r["next_attempt_at"] else None,
            "last_attempt_at": r["last_attempt_at"].isoformat() if r["last_attempt_at"] else None,
            "last_status": r["last_status"], "last_error": r["last_error"],
            "delivered_at": r["delivered_at"].isoformat() if r["delivered_at"] else None,
            "log": r["log"],
        })
    return {"total": total, "items": items, "limit": limit, "offset": offset}
