"""Tenant-scoped reads of the calls read models.

A tenant's calls are the rows with its code (``PBXFLOW_TENANT`` of the channels, or the
code prefix of its devices) that started after the tenant was created: a code released by
a deleted tenant and taken again never shows the old tenant's calls.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from ..errors import NotFound
from . import recordings

DIRECTIONS = ("in", "out", "internal")
RESULTS = ("answered", "no answer", "busy", "no route", "failed", "forwarded", "voicemail")


@dataclass(frozen=True)
class Scope:
    tenant_id: str
    code: str
    since: datetime


def iso(value: datetime | float | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    return value.isoformat()


def describe(step: dict) -> str:
    """One protocol step in words (F-CAL-3)."""
    s = step.get("step")
    to = step.get("to") or step.get("device") or "?"
    if s == "start":
        return f"call from {step.get('caller') or 'unknown'} to {step.get('called') or '?'}"
    if s == "node":
        return f"routing scheme {step.get('scheme')} r{step.get('revision')}: node {step.get('node')}"
    if s == "hop_limit":
        return "routing loop: hop limit reached"
    if s == "dial":
        return f"ringing {to}"
    if s == "dial_end":
        status = {"ANSWER": "answered", "BUSY": "busy", "NOANSWER": "no answer", "CANCEL": "caller hung up",
                  "CHANUNAVAIL": "unavailable", "CONGESTION": "congestion"}.get(step.get("status") or "", step.get("status"))
        secs = step.get("seconds")
        return f"rang {to}" + (f" for {secs:g} s" if isinstance(secs, (int, float)) else "") + f": {status}"
    if s == "answered":
        return f"answered by {step.get('by') or step.get('device') or '?'}"
    if s == "originator":
        return f"click-to-call: {step.get('device') or '?'} answered, now calling the number"
    if s == "voicemail":
        return f"went to voicemail {step.get('box') or ''}".rstrip()
    if s == "queue":
        return f"entered group queue {step.get('queue')}"
    if s == "queue_join":
        return f"waiting in queue {step.get('queue')} at position {step.get('position')}"
    if s == "queue_leave":
        return f"left queue {step.get('queue')}"
    if s == "queue_abandon":
        return f"caller gave up waiting in queue {step.get('queue')}"
    if s == "agent_called":
        return f"queue rang {step.get('member')}"
    if s == "agent_connect":
        return f"queue connected {step.get('member')} after {step.get('hold_seconds')} s"
    if s == "agent_no_answer":
        return f"{step.get('member')} did not answer"
    if s == "agent_complete":
        who = {"agent": step.get("member"), "caller": "the caller", "transfer": "a transfer"}.get(str(step.get("reason")).lower())
        return f"queue call with {step.get('member')} ended by {who or step.get('reason')}"
    if s == "playback":
        return f"played {step.get('data') or 'a message'}"
    if s == "key":
        return f"caller pressed {step.get('digit')}"
    if s == "hangup":
        return f"{step.get('channel')} hung up ({step.get('cause_text') or step.get('cause')})"
    if s == "lost":
        return f"{step.get('channel')} ended while pbxflow was not connected to Asterisk"
    if s == "seen":
        return f"{step.get('channel')} found in Asterisk's channel list after a reconnect"
    if s == "transfer":
        return f"{step.get('kind')} transfer to {step.get('to') or '?'}"
    if s == "recording":
        return f"recording the call on {step.get('device') or '?'}"
    if s == "end":
        return f"call ended: {step.get('result')}"
    return str(s).replace("_", " ")


def protocol(steps: list[dict], started: float | None) -> list[dict]:
    out = []
    for step in steps:
        at = step.get("at")
        item = {k: v for k, v in step.items() if k != "at"}
        item["at"] = iso(at)
        item["offset"] = round(at - started, 3) if isinstance(at, (int, float)) and started is not None else None
        item["text"] = describe(step)
        out.append(item)
    return out


def history_item(row: dict) -> dict:
    answered_by = None
    if row["answered_by"] or row["answered_by_device"]:
        answered_by = {"number": row["answered_by"], "name": row["answered_by_name"], "device": row["answered_by_device"],
                       "extension_id": str(row["answered_by_extension"]) if row["answered_by_extension"] else None}
    return {
        "id": str(row["id"]), "direction": row["direction"], "result": row["result"],
        "started_at": iso(row["started_at"]), "answered_at": iso(row["answered_at"]), "ended_at": iso(row["ended_at"]),
        "duration": row["duration"], "billable_seconds": row["billable_seconds"],
        "caller": row["caller"], "caller_name": row["caller_name"], "called": row["called"], "did": row["did"],
        "answered_by": answered_by, "scheme": row["scheme"], "voicemail": row["voicemail"],
        "recording": row["recording"], "fax": row["fax"], "reconciled": row["reconciled"], "node": row["node"],
    }


def active_item(summary: dict) -> dict:
    out = dict(summary)
    out["started_at"] = iso(summary.get("started_at"))
    out["answered_at"] = iso(summary.get("answered_at"))
    return out


HISTORY_COLUMNS = ("id, node, direction, result, started_at, answered_at, ended_at, duration, billable_seconds, caller,"
                   " caller_name, called, did, answered_by, answered_by_name, answered_by_device, answered_by_extension,"
                   " scheme, voicemail, recording, fax, reconciled")


class CallsQueries:
    def __init__(self, pool: ConnectionPool, view=None, recordings_dir: Path | None = None):
        self.pool = pool
        self.view = view
        self._recordings = recordings_dir  # where call recordings are (default: recordings.recordings_root())

    @property
    def recordings_dir(self) -> Path:
        return self._recordings or recordings.recordings_root()

    def recording_path(self, scope: Scope, call_id: str) -> Path | None:
        """The file of a finished call's recording (None: the call has none); NotFound for no such call."""
        rows = self._rows("SELECT recording FROM calls_history WHERE id = %s AND tenant_code = %s AND started_at >= %s",
                          (_call_uuid(call_id), scope.code, scope.since))
        if not rows:
            raise NotFound(f"no call with id {call_id}")
        return recordings.path_of(self.recordings_dir, scope.code, rows[0]["recording"])

    def _with_recording(self, scope: Scope, item: dict) -> dict:
        """The row's ``recording`` (a relative file name) as the API shows it: a link, or None."""
        path = recordings.path_of(self.recordings_dir, scope.code, item.get("recording"))
        item["recording"] = recordings.link(scope.tenant_id, item["id"], path)
        return item

    def _rows(self, query: str, params: Any = ()) -> list[dict]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params)
            return cur.fetchall()

    def scope(self, tenant_id: str) -> Scope:
        """The tenant's code and creation time; NotFound for anything else."""
        try:
            tid = uuid.UUID(str(tenant_id))
        except ValueError:
            raise NotFound(f"no tenant with id {tenant_id}") from None
        rows = self._rows("SELECT data->>'code' AS code, created_at FROM rm_objects WHERE id = %s AND kind = 'tenant'", (tid,))
        if not rows or not rows[0]["code"]:
            raise NotFound(f"no tenant with id {tenant_id}")
        return Scope(str(tid), rows[0]["code"], rows[0]["created_at"])

    def history(self, scope: Scope, *, limit: int = 50, offset: int = 0, direction: str | None = None,
                result: str | None = None, since: datetime | None = None, until: datetime | None = None,
                number: str | None = None) -> tuple[int, list[dict]]:
        where = ["tenant_code = %s", "started_at >= %s"]
        params: list[Any] = [scope.code, scope.since]
        if direction:
            where.append("direction = %s")
            params.append(direction)
        if result:
            where.append("result = %s")
            params.append(result)
        if since is not None:
            where.append("started_at >= %s")
            params.append(since)
        if until is not None:
            where.append("started_at < %s")
            params.append(until)
        if number:
            where.append("(caller LIKE %s OR called LIKE %s OR did LIKE %s OR answered_by LIKE %s)")
            params += [f"%{number}%"] * 4
        clause = " AND ".join(where)
        total = self._rows(f"SELECT count(*) AS n FROM calls_history WHERE {clause}", params)[0]["n"]
        rows = self._rows(f"SELECT {HISTORY_COLUMNS} FROM calls_history WHERE {clause}"
                          " ORDER BY started_at DESC, id LIMIT %s OFFSET %s", [*params, limit, offset])
        return total, [self._with_recording(scope, history_item(r)) for r in rows]

    def call(self, scope: Scope, call_id: str) -> dict:
        cid = _call_uuid(call_id)
        rows = self._rows(f"SELECT {HISTORY_COLUMNS}, protocol FROM calls_history"
                          " WHERE id = %s AND tenant_code = %s AND started_at >= %s", (cid, scope.code, scope.since))
        if rows:
            item = self._with_recording(scope, history_item(rows[0]))
            started = rows[0]["started_at"].timestamp()
            item["protocol"] = protocol(rows[0]["protocol"], started)
            item["active"] = False
            return item
        live = self._rows("SELECT state, summary FROM calls_active WHERE id = %s AND tenant_code = %s AND started_at >= %s",
                          (cid, scope.code, scope.since))
        if not live:
            raise NotFound(f"no call with id {call_id}")
        state = live[0]["state"]
        item = active_item(live[0]["summary"] or {})
        item["protocol"] = protocol(state.get("protocol", []), state.get("started"))
        item["active"] = True
        return item

    def active(self, scope: Scope) -> list[dict]:
        rows = self._rows("SELECT summary FROM calls_active WHERE tenant_code = %s AND started_at >= %s"
                          " ORDER BY started_at, key", (scope.code, scope.since))
        return [active_item(r["summary"]) for r in rows if r["summary"]]

    def presence(self, scope: Scope) -> list[dict]:
        """The tenant's extensions, each device with its state (unknown until Asterisk reported one)."""
        exts = self._rows("SELECT id, data FROM rm_objects WHERE kind = 'extension' AND tenant_id = %s ORDER BY title, id",
                          (scope.tenant_id,))
        states = {}
        for r in self._rows("SELECT device, node, state, since FROM calls_presence WHERE tenant_code = %s ORDER BY since",
                            (scope.code,)):
            prev = states.get(r["device"])
            if prev is None or _rank(r["state"]) >= _rank(prev["state"]):
                states[r["device"]] = r
        out = []
        for ext in exts:
            devices = []
            for dev in ext["data"].get("devices", []):
                username = dev.get("username")
                st = states.get(username) if username else None
                devices.append({"id": dev.get("id"), "type": dev.get("type"), "device": username,
                                "state": st["state"] if st else "unknown", "since": iso(st["since"]) if st else None})
            best = max((d["state"] for d in devices), key=_rank, default="unknown")
            out.append({"extension_id": str(ext["id"]), "number": ext["data"].get("number"), "name": ext["data"].get("name"),
                        "state": best, "devices": devices})
        return out

    def feed_head(self) -> int:
        return self._rows("SELECT coalesce(max(position), 0) AS p FROM calls_changes")[0]["p"]

    def changes(self, scope: Scope, after: int, limit: int = 500) -> list[dict]:
        rows = self._rows("SELECT position, kind, payload FROM calls_changes WHERE tenant_code = %s AND position > %s"
                          " ORDER BY position LIMIT %s", (scope.code, after, limit))
        out = []
        for r in rows:
            payload = dict(r["payload"])
            if r["kind"] == "call":
                payload = active_item(payload)
            else:
                for key in ("since", "ended_at"):
                    if key in payload:
                        payload[key] = iso(payload[key])
            out.append({"position": r["position"], "kind": r["kind"], "payload": payload})
        return out


def _call_uuid(call_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(call_id))
    except ValueError:
        raise NotFound(f"no call with id {call_id}") from None


_RANKS = {"talking": 5, "hold": 4, "ringing": 3, "free": 2, "offline": 1, "unknown": 0}


def _rank(state: str) -> int:
    return _RANKS.get(state, 0)
