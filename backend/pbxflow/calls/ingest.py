"""The ingestion service: AMI call events of every Asterisk node into the calls event store.

One :class:`~pbxflow.ami.AmiNode` per node (``PBXFLOW_AMI_URL``), with events on. Its
single consumer hands each event to :meth:`CallIngestor._on_event`, which keeps the call
events (``projections.calls.model.CALL_EVENTS``; ``Newexten`` only for the applications
the protocol shows), gives each its identity (``events.record``) and queues it. One
flusher task appends the queue in batches (``batch_size``, after at most ``linger``
seconds) through ``events.Appender`` (idempotent), in arrival order.

Back-pressure and memory: at most ``max_pending`` events wait for the database. When the
queue is full the handler waits, the node's bounded event queue fills, the AMI client
stops reading the socket and TCP pushes back on Asterisk. A failed append is retried
(with backoff) and never dropped; only Asterisk itself drops events, when a session stays
unwritable longer than its ``writetimeout`` (it then closes the session; we reconnect and
reconcile).

Reconciliation, after every (re)login (``on_connected``): ``Ping`` gives the node's clock
(``before``), ``CoreShowChannels`` its live channels; both are awaited only after the
events parsed before their answers have been queued, and the list is queued as one
``pbxflow.Reconcile`` event behind them. The projection then creates the channels it did
not know and ends the ones Asterisk no longer has (docs/calls.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from projections.calls.model import CALL_EVENTS, PROTOCOL_APPS

from ..ami import AmiEndpoint, AmiError, AmiNode, _endpoints
from .events import CONNECTED, DISCONNECTED, RECONCILE, Appender, CallsApplication, canonical_headers, record, synthetic

log = logging.getLogger(__name__)

# AMI event classes the ingestion logs in for (the manager user needs read = these).
EVENT_CLASSES = "system,call,user,agent,dialplan,dtmf"
_LIST_DROP = {"Event", "ActionID", "content"}


def keep(name: str, headers: dict) -> bool:
    """Whether an AMI event is a call event the store keeps."""
    if name not in CALL_EVENTS:
        return False
    if name == "Newexten":
        return headers.get("Application") in PROTOCOL_APPS
    return True


@dataclass
class IngestStats:
    received: int = 0  # call events handed to the ingestion
    ignored: int = 0  # other AMI events
    appended: int = 0  # events offered to the store
    inserted: int = 0  # of which new (the rest were already there: duplicates)
    batches: int = 0
    append_failures: int = 0
    reconciles: int = 0
    reconcile_failures: int = 0
    pending_high_water: int = 0
    waits: int = 0  # times the handler waited for room (back-pressure)
    last_error: str | None = None
    last_position: int | None = None
    last_batch_ms: float = 0.0
    append_seconds: float = 0.0
    nodes: dict = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.appended - self.inserted


class CallIngestor:
    """Ingestion from one or more AMI nodes, inside a running asyncio loop.

    ``on_appended(position)`` runs (in a worker thread) after each committed batch.
    ``instance`` names this ingesting process in its connection markers.
    """

    def __init__(self, app: CallsApplication, endpoints: str | Iterable[str | AmiEndpoint] | None = None, *,
                 batch_size: int = 500, linger: float = 0.02, max_pending: int = 20_000,
                 node_options: dict[str, Any] | None = None, on_appended: Callable[[int | None], None] | None = None,
                 instance: str | None = None, reconcile_timeout: float = 30.0):
        self.app = app
        self.appender = Appender(app)
        self.endpoints = _endpoints(endpoints)
        self.batch_size = batch_size
        self.linger = linger
        self.max_pending = max_pending
        self.node_options = {"queue_size": 2000, "handler_timeout": None, **(node_options or {})}
        self.on_appended = on_appended
        self.instance = instance or uuid.uuid4().hex[:12]
        self.reconcile_timeout = reconcile_timeout
        self.stats = IngestStats()
        self.nodes: list[AmiNode] = []
        self._pending: list = []
        self._wake: asyncio.Event | None = None
        self._room: asyncio.Condition | None = None
        self._flusher: asyncio.Task | None = None
        self._sessions: dict[str, int] = {}
        self._seq = 0
        self._closing = False
        self._idle: asyncio.Event | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> "CallIngestor":
        self._wake = asyncio.Event()
        self._room = asyncio.Condition()
        self._idle = asyncio.Event()
        self._idle.set()
        self._flusher = asyncio.create_task(self._flush_loop(), name="calls-ingest-flush")
        for ep in self.endpoints:
            node = AmiNode(ep, events=EVENT_CLASSES, on_connected=self._connected, on_disconnected=self._disconnected,
                           **self.node_options)
            node.on("*", self._on_event)
            self.nodes.append(node)
            self.stats.nodes[node.name] = {"connected": False, "reconciled_at": None}
            await node.start()
        return self

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.gather(*(n.wait_connected(timeout) for n in self.nodes))

    async def close(self, *, drain_timeout: float = 10.0) -> None:
        """Stop: the events the nodes have read are queued, the queue is appended, then
        the connections close. Events Asterisk sends after that are not ours any more."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + drain_timeout
        targets = {n.name: n.stats.events_received for n in self.nodes}
        while loop.time() < deadline and any(n.stats.events_delivered < targets[n.name] for n in self.nodes if n.connected):
            await asyncio.sleep(0.005)
        self._closing = True
        await asyncio.gather(*(n.close() for n in self.nodes), return_exceptions=True)
        await self.flush(max(0.1, deadline - loop.time()))
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def abort(self) -> None:
        """Stop at once, dropping what is queued (a crash, for tests)."""
        self._closing = True
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
        await asyncio.gather(*(n.close() for n in self.nodes), return_exceptions=True)
        self._pending.clear()

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far is in the store."""
        assert self._wake is not None and self._idle is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._pending or not self._idle.is_set():
            self._wake.set()
            if loop.time() > deadline:
                raise TimeoutError(f"{len(self._pending)} call events not appended within {timeout:g} s")
            await asyncio.sleep(0.005)

    @property
    def pending(self) -> int:
        return len(self._pending)

    # --- events ------------------------------------------------------------------------

    async def _on_event(self, node: AmiNode, message) -> None:
        # panoramisk's Message keeps (header, value) pairs by lower-cased name; reading them
        # there is several times cheaper than its case-insensitive items().
        store = getattr(message, "_store", None)
        headers = canonical_headers(store.values() if isinstance(store, dict) else message.items())
        name = str(headers.get("Event", ""))
        if not keep(name, headers):
            self.stats.ignored += 1
            return
        self._seq += 1
        event = record(node.name, headers, received=time.time(),
                       fallback=f"{self.instance}:{self._sessions.get(node.name, 0)}:{self._seq}")
        await self._queue(event)

    async def _queue(self, event) -> None:
        assert self._room is not None and self._wake is not None
        if len(self._pending) >= self.max_pending:
            self.stats.waits += 1
            async with self._room:
                await self._room.wait_for(lambda: len(self._pending) < self.max_pending or self._closing)
        self._pending.append(event)
        self.stats.received += 1
        if len(self._pending) > self.stats.pending_high_water:
            self.stats.pending_high_water = len(self._pending)
        if len(self._pending) >= self.batch_size:
            self._wake.set()
        elif len(self._pending) == 1:
            self._wake.set()

    async def _flush_loop(self) -> None:
        assert self._wake is not None and self._room is not None and self._idle is not None
        delay = 0.05
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.linger and len(self._pending) < self.batch_size:
                await asyncio.sleep(self.linger)
            while self._pending:
                batch = self._pending[: self.batch_size * 4]
                self._idle.clear()
                try:
                    started = time.perf_counter()
                    result = await asyncio.to_thread(self._append, batch)
                    self.stats.last_batch_ms = (time.perf_counter() - started) * 1000
                    self.stats.append_seconds += self.stats.last_batch_ms / 1000
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the database is unavailable: keep the batch, retry
                    self.stats.append_failures += 1
                    self.stats.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("calls ingestion: append of %d events failed (%s); retrying in %.2f s",
                                len(batch), self.stats.last_error, delay)
                    self._idle.set()
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                delay = 0.05
                del self._pending[: len(batch)]
                self.stats.appended += result.offered
                self.stats.inserted += result.inserted
                self.stats.batches += 1
                if result.position is not None:
                    self.stats.last_position = result.position
                async with self._room:
                    self._room.notify_all()
            self._idle.set()

    def _append(self, batch: list):
        result = self.appender.append(batch)
        if self.on_appended is not None:
            try:
                self.on_appended(result.position)
            except Exception:  # pragma: no cover - a callback must not lose the batch
                log.exception("calls ingestion: on_appended failed")
        return result

    # --- connection hooks: markers and reconciliation ------------------------------------

    async def _connected(self, node: AmiNode) -> None:
        session = self._sessions.get(node.name, 0) + 1
        self._sessions[node.name] = session
        self.stats.nodes[node.name]["connected"] = True
        try:
            await self.reconcile(node, session)
        except (AmiError, asyncio.TimeoutError, TimeoutError) as exc:
            self.stats.reconcile_failures += 1
            self.stats.last_error = f"reconcile {node.name}: {exc}"
            log.warning("calls ingestion: reconciliation with %s failed: %s; dropping the session to retry", node.name, exc)
            proto = node._protocol
            if proto is not None:
                proto.abort("reconciliation failed")

    async def _disconnected(self, node: AmiNode, reason: str) -> None:
        self.stats.nodes[node.name]["connected"] = False
        if self._closing:
            return
        now = time.time()
        await self._queue(synthetic(node.name, DISCONNECTED, now, {"instance": self.instance, "reason": reason},
                                    key=[self.instance, self._sessions.get(node.name, 0)]))

    async def _delivered(self, node: AmiNode, target: int) -> None:
        """Until the node's consumer has handled every event it had received at ``target``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconcile_timeout
        while node.stats.events_delivered < target:
            if loop.time() > deadline:
                raise TimeoutError("events before the channel list were not handled in time")
            await asyncio.sleep(0.002)

    async def reconcile(self, node: AmiNode, session: int = 0) -> None:
        pong = await node.action({"Action": "Ping"}, self.reconcile_timeout)
        if isinstance(pong, list):
            pong = pong[0]
        try:
            before = float(pong.get("Timestamp"))
        except (TypeError, ValueError):
            before = time.time()
        await self._delivered(node, node.stats.events_received)
        await self._queue(synthetic(node.name, CONNECTED, before, {"instance": self.instance, "session": session},
                                    key=[self.instance, session, before]))
        answer = await node.action({"Action": "CoreShowChannels"}, self.reconcile_timeout, as_list=True)
        messages = answer if isinstance(answer, list) else [answer]
        channels = [{k: v for k, v in canonical_headers(m.items()).items() if k not in _LIST_DROP}
                    for m in messages if m.get("Event") == "CoreShowChannel"]
        devices = await self._device_states(node)
        await self._delivered(node, node.stats.events_received)
        uids = sorted(c.get("Uniqueid", "") for c in channels)
        await self._queue(synthetic(node.name, RECONCILE, before, {"before": before, "channels": channels,
                                                                   "devices": devices},
                                    key=[before, uids]))
        self.stats.reconciles += 1
        self.stats.nodes[node.name]["reconciled_at"] = before
        log.info("calls ingestion: %s reconciled, %d live channels", node.name, len(channels))

    async def _device_states(self, node: AmiNode) -> list[dict]:
        """Every device state Asterisk has (``DeviceStateList``); none if it cannot list them."""
        try:
            answer = await node.action({"Action": "DeviceStateList"}, self.reconcile_timeout, as_list=True)
        except AmiError as exc:
            log.info("calls ingestion: %s lists no device states: %s", node.name, exc)
            return []
        messages = answer if isinstance(answer, list) else [answer]
        return [{"Device": m.get("Device"), "State": m.get("State")} for m in messages
                if m.get("Event") == "DeviceStateChange" and m.get("Device")]

    def status(self) -> dict:
        s = self.stats
        return {"nodes": [{"node": n.name, "connected": n.connected, "reconnects": n.stats.reconnects,
                           "last_error": n.stats.last_error, **s.nodes.get(n.name, {})} for n in self.nodes],
                "received": s.received, "appended": s.appended, "inserted": s.inserted, "duplicates": s.duplicates,
                "pending": len(self._pending), "batches": s.batches, "append_failures": s.append_failures,
                "reconciles": s.reconciles, "last_error": s.last_error, "position": s.last_position}


class CallIngestion:
    """A :class:`CallIngestor` on its own asyncio loop in a daemon thread (for ``pbxflow serve``)."""

    def __init__(self, app: CallsApplication, urls=None, **options: Any):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pbxflow-calls-ingest", daemon=True)
        self._thread.start()

        async def start() -> CallIngestor:
            return await CallIngestor(app, urls, **options).start()

        try:
            self.ingestor: CallIngestor = self._call(start(), 10.0)
        except BaseException:
            self._stop_loop()
            raise

    def _call(self, coro, timeout: float):
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def status(self) -> dict:
        return self.ingestor.status()

    def close(self, timeout: float = 15.0) -> None:
        try:
            self._call(self.ingestor.close(drain_timeout=timeout - 2), timeout)
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10.0)
        if not self._thread.is_alive():
            self._loop.close()

