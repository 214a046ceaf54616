"""The calls event store: AMI events as recorded domain events, appended exactly once.

Every AMI event becomes one ``AmiEventRecorded`` in the ``Calls`` application (tables
``calls_events``; the configuration lives in ``config_events``). Its originator id is the
event's *identity*, a UUID derived from the node and the complete event (``event_id``), at
version 1; the store's unique (originator_id, version) key makes a second append of the
same event a no-op (``append`` inserts with ``ON CONFLICT DO NOTHING``). So a batch
retried after an ambiguous commit, or the same event received by two ingesting processes
(an overlapping restart), is stored once.

Why the whole event: AMI events have no global id. With ``timestampevents = yes``
Asterisk stamps each event once (``Timestamp: <seconds>.<microseconds>``) and writes the
very same text to every session, and channel events carry the full channel snapshot
(``Uniqueid``, ``Linkedid``, state, dialplan position…), so the text identifies the event.
An event without ``Timestamp`` gets a session discriminator instead (``fallback``): it
is then idempotent against retries only, not against a second ingesting process.

Synthetic events (reconciliation, connection markers) use names starting with
``pbxflow.`` and the same class.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

import msgspec
import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import JSONTranscoder
from psycopg.sql import SQL, Identifier

NAMESPACE = uuid.UUID("8f1d7c52-3a0e-4f55-9c07-2e6b7e1d4a90")
SYNTHETIC = "pbxflow."
RECONCILE = "pbxflow.Reconcile"
CONNECTED = "pbxflow.Connected"
DISCONNECTED = "pbxflow.Disconnected"


class AmiEventRecorded(DomainEvent):
    """One AMI event of one Asterisk node, as received (``headers`` in wire order).

    ``at``: the node's ``Timestamp`` (seconds since the epoch, node clock), or the
    ingestion time when the event has none; ``timestamp``: when it was ingested.
    """

    node: str
    name: str
    at: float
    headers: dict


class CallsTranscoder(JSONTranscoder):
    """The library's JSON format, encoded and decoded with msgspec (several times faster).

    Top-level values of registered types (the event's ``timestamp``) are written as the
    library writes them (``{"_type_": "datetime_iso", "_data_": …}``), so the standard
    ``JSONTranscoder`` reads these events too, and this one reads the standard's."""

    def encode(self, obj: Any) -> bytes:
        if isinstance(obj, dict):
            types = self.types
            obj = {k: ({"_type_": types[type(v)].name, "_data_": types[type(v)].encode(v)} if type(v) in types else v)
                   for k, v in obj.items()}
        try:
            return msgspec.json.encode(obj)
        except TypeError:  # a registered type nested deeper: the library's way
            return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        if data.count(b'"_type_"') > 1:
            return super().decode(data)
        obj = msgspec.json.decode(data)
        if isinstance(obj, dict):
            for key, value in obj.items():
                if isinstance(value, dict) and "_type_" in value and len(value) == 2 and "_data_" in value:
                    obj[key] = self.names[value["_type_"]].decode(value["_data_"])
        return obj


class CallsApplication(Application[uuid.UUID]):
    """The calls event store. Writes go through ``append`` (idempotent batches), not ``save``."""

    name = "Calls"

    def construct_transcoder(self) -> JSONTranscoder:
        transcoder = CallsTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def head_position(self) -> int:
        return self.recorder.max_notification_id() or 0


def canonical_headers(items: Iterable[tuple[str, Any]]) -> dict:
    """The headers worth keeping: panoramisk's empty ``content`` pseudo-header dropped.
    (Repeated headers, e.g. several ``ChanVariable``, come as lists.)"""
    out = dict(items)
    if "content" in out and not out["content"]:
        del out["content"]
    return out


def event_id(node: str, headers: Mapping[str, Any], fallback: str | None = None) -> uuid.UUID:
    """The identity of one event of one node: a version-5 UUID (SHA-1, ``NAMESPACE``) of the
    compact UTF-8 JSON ``[node, [[header, value], ...]]`` (plus ``fallback`` when given)."""
    body = msgspec.json.encode([node, list(headers.items())] + ([fallback] if fallback else []))
    return uuid.UUID(bytes=hashlib.sha1(NAMESPACE.bytes + body).digest()[:16], version=5)


def event_time(headers: Mapping[str, Any]) -> float | None:
    raw = headers.get("Timestamp")
    if isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            return None
    return None


def record(node: str, headers: Mapping[str, Any], *, received: float, fallback: str | None = None,
           name: str | None = None) -> AmiEventRecorded:
    """The domain event for one AMI event (``headers`` as from ``canonical_headers``)."""
    at = event_time(headers)
    ident = event_id(node, headers, None if at is not None else fallback)
    return AmiEventRecorded(
        originator_id=ident, originator_version=1, timestamp=datetime.now(timezone.utc),
        node=node, name=name or str(headers.get("Event", "")), at=at if at is not None else received,
        headers=dict(headers),
    )


def synthetic(node: str, name: str, at: float, data: dict, *, key: Sequence[Any]) -> AmiEventRecorded:
    """A pbxflow event about a node (``key``: what makes it the same event twice)."""
    ident = uuid.uuid5(NAMESPACE, json.dumps([node, name, *key], separators=(",", ":"), default=str))
    return AmiEventRecorded(originator_id=ident, originator_version=1, timestamp=datetime.now(timezone.utc),
                            node=node, name=name, at=at, headers=data)


@dataclass(frozen=True)
class Appended:
    offered: int
    inserted: int
    position: int | None  # the last notification id inserted by this append


class Appender:
    """Idempotent batch appends into the application's events table.

    One transaction: the library's table lock (insert order = commit order, so readers
    tailing the notification log never skip a later-committed lower id), a NOTIFY for its
    subscribers, and the encoded events that are not stored yet (see ``append``).
    """

    def __init__(self, app: CallsApplication):
        self.app = app
        recorder = app.recorder
        ds = recorder.datastore
        self._recorder = recorder
        table = Identifier(ds.schema, recorder.events_table_name)
        self._lock = [SQL("SET LOCAL lock_timeout = '{}s'").format(ds.lock_timeout),
                      SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table)]
        self._notify = SQL("NOTIFY {}").format(Identifier(recorder.channel_name))
        self._insert = SQL(
            "WITH ins AS (INSERT INTO {} (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%s::uuid[], %s::int8[], %s::text[], %s::bytea[])"
            " ON CONFLICT DO NOTHING RETURNING notification_id)"
            " SELECT count(*) AS n, max(notification_id) AS last FROM ins"
        ).format(table)
        self._copy = SQL("COPY {} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)").format(table)
        self._last = SQL("SELECT max(notification_id) AS last FROM {}").format(table)
        self.duplicate_batches = 0  # batches that took the ON CONFLICT path

    def encode(self, events: Sequence[AmiEventRecorded]) -> tuple[list, list, list, list]:
        """Columns of the stored events (mapper-encoded), each event once."""
        mapper = self.app.mapper
        seen: set[uuid.UUID] = set()
        ids, versions, topics, states = [], [], [], []
        for event in events:
            if event.originator_id in seen:
                continue
            seen.add(event.originator_id)
            s = mapper.to_stored_event(event)
            ids.append(s.originator_id)
            versions.append(s.originator_version)
            topics.append(s.topic)
            states.append(s.state)
        return ids, versions, topics, states

    def append(self, events: Sequence[AmiEventRecorded], encoded: tuple | None = None) -> Appended:
        """Store the events not stored yet, in one transaction.

        Fast path: one binary ``COPY`` (the bulk insert path, ~3x an ``INSERT … SELECT``).
        A duplicate fails it as a whole (unique key); the batch is then inserted again
        with ``ON CONFLICT DO NOTHING``, which skips exactly the events already stored."""
        columns = encoded if encoded is not None else self.encode(events)
        if not columns[0]:
            return Appended(len(events), 0, None)
        with self._recorder.datastore.get_connection() as conn:
            try:
                with conn.transaction(), conn.cursor(binary=True) as curs:
                    self._begin(curs)
                    with curs.copy(self._copy) as copy:
                        copy.set_types(["uuid", "int8", "text", "bytea"])
                        for row in zip(*columns):
                            copy.write_row(row)
                    inserted = curs.rowcount
                    curs.execute(self._last)
                    last = curs.fetchone()["last"]
                return Appended(len(events), inserted, last)
            except psycopg.errors.UniqueViolation:
                self.duplicate_batches += 1
            with conn.transaction(), conn.cursor(binary=True) as curs:
                self._begin(curs)
                curs.execute(self._insert, columns)
                row = curs.fetchone()
        return Appended(len(events), int(row["n"]), row["last"])

    def _begin(self, curs) -> None:
        for statement in self._lock:
            curs.execute(statement)
        curs.execute(self._notify)
