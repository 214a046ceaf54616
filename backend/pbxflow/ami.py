"""A resilient Asterisk Manager Interface (AMI) client on top of panoramisk.

panoramisk 1.4 supplies the wire format (``Action`` serialisation, ``Message``
parsing, response/event-list completion rules). Its connection management has
gaps that bite a long-running PBX controller; this module keeps the parsing
layer and replaces the rest:

* Event callbacks run synchronously inside ``data_received``: an exception in
  one escapes into asyncio's transport and *drops the connection*; coroutine
  callbacks become unbounded fire-and-forget tasks. Here, events go into a
  bounded queue drained by ONE consumer task per node; handler errors are
  logged and counted, the connection stays up.
* No back-pressure: every chunk is parsed at once and dispatched. Here, when
  the event queue is full, parsing stops and the transport's reading is paused
  until the consumer catches up (memory stays bounded: queue + one read chunk).
* The ping timer only *sends* ``Ping``; nobody checks the answer, so a
  half-open socket is never noticed. Here a watchdog expects an answer within
  ``ping_timeout`` and otherwise aborts the socket and reconnects.
* Futures of actions in flight never resolve when the connection drops (they
  are parked and only re-sent on a ``FullyBooted`` event, i.e. never with
  ``Events: off``; Ping/Login futures are forgotten) and a re-sent action may run
  twice. Here every pending action fails at once with
  :class:`AmiConnectionError`; nothing is replayed, callers decide.
* ``send_action`` has no timeout. Here :meth:`AmiNode.action` always runs under
  ``asyncio.wait_for``; timed-out or late actions are removed from the pending
  table (panoramisk keeps them forever).
* Reconnect uses a fixed 2 s delay, has no connect timeout, ignores a refused
  login (the client then sits there unauthenticated) and keeps a pending
  reconnect alive after ``close()``. Here: connect/banner/login timeouts,
  exponential backoff with jitter and a cap, login failures are retried and
  reported, ``close()`` stops everything, and ``on_connected`` runs after
  every successful (re)login so callers can resynchronise.
* Data is decoded chunk by chunk with ``errors='ignore'`` (a UTF-8 character
  split across reads is silently lost) and an unterminated message grows the
  buffer without limit. Here complete messages are decoded, and a message
  larger than ``max_message_size`` is a protocol error (reconnect).
* Header values are written verbatim: a CR/LF in a value injects AMI headers.
  Here such actions are refused.
* ``Action`` objects bind their future to the loop current at construction, so
  they must be built on the loop's thread; the synchronous facade
  :class:`AmiReloader` runs its own loop in a background thread for that.

The secret never appears in logs, reprs or exceptions; logins use the MD5
challenge (``Action: Challenge``) so the secret does not travel on the wire
either (plain ``Secret:`` only when the server offers no challenge).

Reloading: ``Action: Reload`` with ``Module: <name>`` answers definitely
(``Response: Success`` / ``Message: Module Reloaded``, or ``Response: Error`` /
``Message: No such module`` etc.), whereas ``Action: Command`` answers
``Response: Success`` even when the CLI command failed. "dialplan" therefore
maps to ``Module: pbx_config.so``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import inspect
import logging
import os
import random
import re
import ssl as ssl_module
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable, Mapping, Union
from urllib.parse import quote, unquote, urlsplit

from panoramisk import actions
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

log = logging.getLogger(__name__)

ENV_URL = "PBXFLOW_AMI_URL"
DEFAULT_PORT = 5038
BANNER_PREFIX = "Asterisk Call Manager/"
# The CLI's "dialplan reload" is pbx_config's reload.
MODULE_ALIASES = {"dialplan": "pbx_config.so", "pbx_config": "pbx_config.so"}
_TRANSIENT_RELOAD = ("in progress",)  # "A reload is in progress": retry shortly
_SEPARATOR = re.compile(rb"\r?\n\r?\n")
_SECRET_HEADERS = {"secret", "key"}

Handler = Callable[["AmiNode", Message], Union[None, Awaitable[None]]]
Hook = Callable[["AmiNode"], Union[None, Awaitable[None]]]


# --------------------------------------------------------------------- errors


class AmiError(Exception):
    """Base class; ``node`` names the Asterisk node, ``reason`` says what happened."""

    def __init__(self, node: str, reason: str):
        super().__init__(f"Asterisk node {node}: {reason}")
        self.node = node
        self.reason = reason


class AmiConnectionError(AmiError, ConnectionError):
    """Not connected, the connection dropped while waiting, or the client is closed."""


class AmiTimeout(AmiError, TimeoutError):
    """No answer in time (silent / half-open server, or not connected in time)."""


class AmiAuthError(AmiError):
    """The server refused the login."""


class AmiProtocolError(AmiError):
    """The peer does not speak AMI (bad banner, oversized message)."""


class ReloadError(AmiError):
    """One node did not confirm the reload of one module."""

    def __init__(self, node: str, module: str, reason: str):
        AmiError.__init__(self, node, f"reload of {module} failed: {reason}")
        self.module = module
        self.detail = reason


class ClusterReloadError(AmiError):
    """The reload failed on some nodes; ``errors`` maps node name -> exception."""

    def __init__(self, errors: Mapping[str, BaseException], total: int):
        self.errors = dict(errors)
        names = ", ".join(sorted(self.errors))
        details = "; ".join(f"{exc}" for _, exc in sorted(self.errors.items()))
        Exception.__init__(self, f"reload failed on {len(self.errors)} of {total} Asterisk node(s) ({names}): {details}")
        self.node = names
        self.reason = details

    @property
    def nodes(self) -> list[str]:
        return sorted(self.errors)


# ------------------------------------------------------------------------ URLs


@dataclass(frozen=True, repr=False)
class AmiEndpoint:
    """Where and as whom to log in. ``repr``/``str`` mask the secret."""

    host: str
    port: int
    username: str
    secret: str
    tls: bool = False

    @property
    def name(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def masked_url(self) -> str:
        scheme = "amis" if self.tls else "ami"
        return f"{scheme}://{quote(self.username, safe='')}:***@{self.name}"

    def __repr__(self) -> str:
        return f"AmiEndpoint({self.masked_url()!r})"

    __str__ = masked_url


def parse_ami_url(url: str) -> AmiEndpoint:
    """Parse one ``ami://user:secret@host[:port]`` (``amis://`` for TLS).

    User and secret are percent-decoded (write ``@``, ``:``, ``,`` in a secret
    as ``%40``, ``%3A``, ``%2C``). Error messages never contain the secret.
    """
    if not isinstance(url, str):
        raise TypeError("an AMI URL must be a string")
    text = url.strip()
    if "," in text:
        raise ValueError("parse_ami_url takes one node; use parse_ami_urls for a comma-separated list")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid AMI URL: {exc}") from None
    if parts.scheme not in ("ami", "amis"):
        raise ValueError("invalid AMI URL: expected ami://user:secret@host:port")
    if not parts.hostname:
        raise ValueError("invalid AMI URL: no host")
    if parts.username is None or parts.password is None:
        raise ValueError(f"invalid AMI URL for {parts.hostname}: user and secret are required (ami://user:secret@host:port)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"invalid AMI URL for {parts.hostname}: unexpected path, query or fragment")
    username, secret = unquote(parts.username), unquote(parts.password)
    if not username or not secret:
        raise ValueError(f"invalid AMI URL for {parts.hostname}: empty user or secret")
    if any(c in username + secret for c in "\r\n"):
        raise ValueError(f"invalid AMI URL for {parts.hostname}: user and secret must be one line")
    return AmiEndpoint(parts.hostname, port or DEFAULT_PORT, username, secret, parts.scheme == "amis")


def parse_ami_urls(text: str) -> list[AmiEndpoint]:
    """Parse comma-separated AMI URLs (one per Asterisk node); at least one."""
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    if not items:
        raise ValueError("no AMI URL given (expected ami://user:secret@host:port[,ami://...])")
    endpoints: list[AmiEndpoint] = []
    for i, item in enumerate(items, 1):
        try:
            endpoints.append(parse_ami_url(item))
        except ValueError as exc:
            raise ValueError(f"AMI node {i}: {exc}") from None
    names = [e.name for e in endpoints]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"AMI node listed twice: {', '.join(dupes)}")
    return endpoints


def ami_urls_from_env(environ: Mapping[str, str] | None = None) -> list[AmiEndpoint]:
    env = os.environ if environ is None else environ
    value = env.get(ENV_URL, "")
    if not value.strip():
        raise ValueError(f"{ENV_URL} is not set (expected ami://user:secret@host:port[,ami://...])")
    try:
        return parse_ami_urls(value)
    except ValueError as exc:
        raise ValueError(f"{ENV_URL}: {exc}") from None


def _endpoints(urls: str | AmiEndpoint | Iterable[str | AmiEndpoint] | None) -> list[AmiEndpoint]:
    if urls is None:
        return ami_urls_from_env()
    if isinstance(urls, AmiEndpoint):
        return [urls]
    if isinstance(urls, str):
        return parse_ami_urls(urls)
    out: list[AmiEndpoint] = []
    for item in urls:
        out.extend([item] if isinstance(item, AmiEndpoint) else parse_ami_urls(item))
    if not out:
        raise ValueError("no AMI node given")
    names = [e.name for e in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"AMI node listed twice: {', '.join(dupes)}")
    return out


def normalise_modules(modules: str | Iterable[str]) -> list[str]:
    """Map aliases ("dialplan" -> pbx_config.so), drop duplicates, sort."""
    if isinstance(modules, str):
        modules = [modules]
    out: set[str] = set()
    for module in modules:
        if not isinstance(module, str) or not module.strip() or any(c in module for c in "\r\n:"):
            raise ValueError(f"invalid Asterisk module name {module!r}")
        name = module.strip()
        out.add(MODULE_ALIASES.get(name.lower(), name))
    return sorted(out)


def describe(action: Mapping[str, Any]) -> str:
    """A loggable summary of an action: never the secret or key."""
    items = {str(k).lower(): v for k, v in action.items()}
    name = str(items.get("action", "?"))
    extra = [f"{k}={items[k]}" for k in ("module", "command") if k in items]
    return name + (f" ({', '.join(extra)})" if extra else "")


# ------------------------------------------------------------------- protocol


@dataclass
class AmiStats:
    connects: int = 0  # successful logins
    reconnects: int = 0  # successful logins after the first one
    disconnects: int = 0  # logged-in sessions that ended
    connect_failures: int = 0  # TCP connect / banner / login attempts that failed
    login_failures: int = 0  # of which: login refused
    ping_timeouts: int = 0  # half-open connections detected by the watchdog
    handler_errors: int = 0  # exceptions (or timeouts) in event handlers, logged and dropped
    hook_errors: int = 0  # exceptions in on_connected / on_disconnected
    garbage: int = 0  # unparseable blocks ignored
    unmatched_responses: int = 0  # responses nobody waits for (late, after a timeout)
    events_received: int = 0
    events_delivered: int = 0
    queue_high_water: int = 0
    buffer_high_water: int = 0  # bytes held in the read buffer
    read_pauses: int = 0  # times reading stopped because the event queue was full
    last_error: str | None = None
    backoff_delays: deque = field(default_factory=lambda: deque(maxlen=64))  # (base, actual) seconds


class _Protocol(AMIProtocol):
    """One TCP connection. Reuses panoramisk's Action/Message; owns framing,
    back-pressure and the fate of pending actions."""

    def __init__(self, node: "AmiNode"):
        self.node = node
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.pos = 0  # parse position in buffer
        self.responses: dict[str, actions.Action] = {}
        self.encoding = node.encoding
        self.version: str | None = None
        self.closed = False
        self.close_reason: str | None = None
        self.paused = False
        self.resumed_at = 0.0
        self.data_at = 0.0
        self.banner: asyncio.Future = self.loop.create_future()
        self.lost: asyncio.Future = self.loop.create_future()

    # -- asyncio callbacks
    def connection_made(self, transport):
        self.transport = transport
        self.data_at = self.loop.time()

    def data_received(self, data: bytes) -> None:
        self.data_at = self.loop.time()
        if self.pos:
            del self.buffer[: self.pos]
            self.pos = 0
        self.buffer += data
        stats = self.node.stats
        if len(self.buffer) > stats.buffer_high_water:
            stats.buffer_high_water = len(self.buffer)
        self._process()

    def eof_received(self):
        return False  # close the transport

    def connection_lost(self, exc):
        self.closed = True
        reason = self.close_reason or (f"{type(exc).__name__}: {exc}" if exc else "closed by the server")
        self.close_reason = reason
        pending = {id(a): a for a in self.responses.values()}
        self.responses.clear()
        for act in pending.values():
            if not act.future.done():
                act.future.set_exception(AmiConnectionError(self.node.name, f"connection lost before the answer to {describe(act)} ({reason})"))
        if not self.banner.done():
            self.banner.set_exception(AmiConnectionError(self.node.name, f"connection closed before the AMI banner ({reason})"))
            self.banner.exception()
        if not self.lost.done():
            self.lost.set_result(reason)
        self.buffer = bytearray()
        self.pos = 0
        self.node._protocol_lost(self, reason)

    # -- closing
    def abort(self, reason: str) -> None:
        if not self.closed and self.transport is not None:
            self.close_reason = self.close_reason or reason
            self.transport.abort()

    def close(self, reason: str = "closed by the client") -> None:
        if not self.closed and self.transport is not None:
            self.close_reason = self.close_reason or reason
            self.transport.close()

    # -- sending
    def send(self, data: Mapping[str, Any], as_list: bool | None = None) -> asyncio.Future:
        if self.closed or self.transport is None or self.transport.is_closing():
            raise AmiConnectionError(self.node.name, f"not connected, cannot send {describe(data)}")
        for key, value in data.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            if any(c in str(key) for c in "\r\n:") or any(c in str(v) for v in values for c in "\r\n"):
                raise ValueError(f"AMI header {key!r} of {describe(data)} contains a line break")
        act = actions.Action(dict(data.items()), as_list=as_list)  # never reuse a caller's Action (loop-bound future)
        self.responses[act.id] = act
        act.future.add_done_callback(lambda f, a=act: self._forget(a))
        try:
            self.transport.write(str(act).encode(self.encoding))
        except Exception as exc:  # never log the action itself: it may carry the secret
            self._forget(act)
            raise AmiConnectionError(self.node.name, f"cannot send {describe(data)}: {type(exc).__name__}") from None
        return act.future

    def _forget(self, act: actions.Action) -> None:
        if self.responses.get(act.id) is act:
            del self.responses[act.id]
        fut = act.future
        if fut.done() and not fut.cancelled():
            fut.exception()  # mark retrieved: nobody may be waiting any more

    # -- receiving
    def _process(self) -> None:
        node = self.node
        if not self.banner.done():
            end = self.buffer.find(b"\n", self.pos)
            if end < 0:
                if len(self.buffer) - self.pos > 1024:
                    self._protocol_error("no AMI banner (is this an Asterisk manager port?)")
                return
            line = bytes(self.buffer[self.pos : end]).decode(self.encoding, "replace").strip()
            self.pos = end + 1
            if not line.startswith(BANNER_PREFIX):
                self._protocol_error(f"unexpected banner {line[:60]!r} (is this an Asterisk manager port?)")
                return
            self.version = line[len(BANNER_PREFIX) :]
            self.banner.set_result(self.version)
        queue = node._events
        while not self.closed:
            if queue.full():
                self._pause()
                return
            match = _SEPARATOR.search(self.buffer, self.pos)
            if match is None:
                break
            block = bytes(self.buffer[self.pos : match.start()])
            self.pos = match.end()
            if block.strip():
                self._handle_block(block)
        if self.closed:
            return
        if len(self.buffer) - self.pos > node.max_message_size:
            self._protocol_error(f"message larger than {node.max_message_size} bytes")
        elif self.paused:
            self._resume()

    def _pause(self) -> None:
        if not self.paused and not self.closed and self.transport is not None:
            self.paused = True
            self.node.stats.read_pauses += 1
            self.transport.pause_reading()

    def _resume(self) -> None:
        self.paused = False
        self.resumed_at = self.loop.time()
        if not self.closed and self.transport is not None:
            self.transport.resume_reading()

    def wake(self) -> None:
        """The consumer made room in the queue: continue parsing, maybe resume reading."""
        if self.paused and not self.closed:
            self._process()

    def _protocol_error(self, reason: str) -> None:
        self.node.stats.last_error = f"protocol error: {reason}"
        log.warning("%s: AMI protocol error: %s; dropping the connection", self.node.name, reason)
        self.abort(f"protocol error: {reason}")

    def _handle_block(self, block: bytes) -> None:
        text = block.decode(self.encoding, "replace")
        lines = [line.rstrip("\r") for line in text.split("\n")]
        try:
            message = Message.from_line("\r\n".join(lines).strip())
        except Exception:
            message = None
        if message is None:
            self.node.stats.garbage += 1
            log.debug("%s: ignoring %d bytes that are not an AMI message", self.node.name, len(block))
            return
        self.handle_message(message)

    def handle_message(self, message: Message) -> None:
        act = None
        if message.id:
            act = self.responses.get(message.id)
        if act is None and message.action_id:
            act = self.responses.get(message.action_id)
        if act is not None:
            try:
                complete = act.add_message(message)
            except Exception as exc:  # a malformed answer must not break the reader
                complete = True
                if not act.future.done():
                    act.future.set_exception(AmiProtocolError(self.node.name, f"malformed answer to {describe(act)}: {exc}"))
            if complete or act.future.done():
                self._forget(act)
            return
        if "event" in message:
            self.node._enqueue(message)
            if message.event.lower() == "shutdown":
                log.warning("%s: Asterisk is shutting down (%s); reconnecting", self.node.name, message.get("Shutdown", "?"))
                self.close("Asterisk shut down")
            return
        self.node.stats.unmatched_responses += 1
        log.debug("%s: dropping an answer nobody waits for (%s)", self.node.name, message.get("Response", "?"))


# ----------------------------------------------------------------------- node


class AmiNode:
    """A self-healing AMI session with one Asterisk node (asyncio).

    ``await node.start()`` returns at once; the node connects, logs in and
    keeps reconnecting (exponential backoff with jitter, capped) until
    :meth:`close`. Actions issued while disconnected wait for the connection
    within their timeout.
    """

    def __init__(
        self,
        endpoint: AmiEndpoint | str,
        *,
        events: str = "on",
        queue_size: int = 1000,
        action_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        ping_interval: float = 10.0,
        ping_timeout: float = 5.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        backoff_factor: float = 2.0,
        backoff_jitter: float = 0.25,
        stable_after: float = 10.0,
        handler_timeout: float = 30.0,
        max_message_size: int = 8 * 1024 * 1024,
        encoding: str = "utf-8",
        on_connected: Hook | None = None,
        on_disconnected: Callable[["AmiNode", str], Any] | None = None,
        rng: random.Random | None = None,
    ):
        self.endpoint = parse_ami_url(endpoint) if isinstance(endpoint, str) else endpoint
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if not 0 <= backoff_jitter < 1:
            raise ValueError("backoff_jitter must be in [0, 1)")
        self.name = self.endpoint.name
        self.events = events
        self.action_timeout = action_timeout
        self.connect_timeout = connect_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.backoff_factor = backoff_factor
        self.backoff_jitter = backoff_jitter
        self.stable_after = stable_after
        self.handler_timeout = handler_timeout
        self.max_message_size = max_message_size
        self.encoding = encoding
        self.on_connected = on_connected
        self.on_disconnected = on_disconnected
        self.stats = AmiStats()
        self.version: str | None = None
        self._rng = rng or random.Random()
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._events: asyncio.Queue = asyncio.Queue(maxsize=queue_size)
        self._ready = asyncio.Event()
        self._closed = asyncio.Event()
        self._protocol: _Protocol | None = None
        self._runner: asyncio.Task | None = None
        self._consumer: asyncio.Task | None = None

    def __repr__(self) -> str:
        state = "connected" if self.connected else "disconnected"
        return f"<AmiNode {self.endpoint.masked_url()} {state}>"

    @property
    def connected(self) -> bool:
        """Logged in on a live socket (as far as we know)."""
        return self._ready.is_set()

    @property
    def queue_size(self) -> int:
        return self._events.maxsize

    # -- handlers
    def on(self, event: str, handler: Handler) -> Handler:
        """Call ``handler(node, message)`` (sync or async) for events named
        ``event`` (case-insensitive), or for every event with ``'*'``."""
        self._handlers[event.lower()].append(handler)
        return handler

    def off(self, event: str, handler: Handler) -> None:
        handlers = self._handlers.get(event.lower(), [])
        if handler in handlers:
            handlers.remove(handler)

    # -- lifecycle
    async def start(self) -> "AmiNode":
        if self._closed.is_set():
            raise AmiConnectionError(self.name, "client closed")
        if self._runner is None:
            self._consumer = asyncio.create_task(self._consume(), name=f"ami-events {self.name}")
            self._runner = asyncio.create_task(self._run(), name=f"ami-connection {self.name}")
        return self

    async def wait_connected(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._wait_ready(), timeout)
        except asyncio.TimeoutError:
            raise AmiTimeout(self.name, f"not connected within {timeout:g} s (last error: {self.stats.last_error})") from None

    async def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._ready.clear()
        for task in (self._runner, self._consumer):
            if task is not None and not task.done():
                task.cancel()
        for task in (self._runner, self._consumer):
            if task is not None:
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                except Exception:  # pragma: no cover - defensive
                    log.exception("%s: AMI task failed while closing", self.name)
        proto = self._protocol
        if proto is not None and not proto.closed:
            proto.abort("client closed")
        self._protocol = None

    async def __aenter__(self) -> "AmiNode":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # -- actions
    async def action(self, action: Mapping[str, Any], timeout: float | None = None, *, as_list: bool | None = None):
        """Send an action and return its answer (a Message, or a list of Messages
        for event lists). Waits for the connection if needed; never longer than
        ``timeout`` in total (:class:`AmiTimeout`). A connection lost after
        sending raises :class:`AmiConnectionError` (the action is not re-sent)."""
        if timeout is None:
            timeout = self.action_timeout
        state = {"sent": False}
        try:
            return await asyncio.wait_for(self._send_when_ready(action, as_list, state), timeout)
        except asyncio.TimeoutError:
            if state["sent"]:
                reason = f"no answer to {describe(action)} within {timeout:g} s"
            else:
                reason = f"not connected, {describe(action)} not sent within {timeout:g} s (last error: {self.stats.last_error})"
            raise AmiTimeout(self.name, reason) from None

    async def _wait_ready(self) -> None:
        if self._ready.is_set():
            return
        if self._closed.is_set():
            raise AmiConnectionError(self.name, "client closed")
        ready = asyncio.ensure_future(self._ready.wait())
        closed = asyncio.ensure_future(self._closed.wait())
        try:
            await asyncio.wait({ready, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
            closed.cancel()
        if not self._ready.is_set():
            raise AmiConnectionError(self.name, "client closed")

    async def _send_when_ready(self, action, as_list, state):
        while True:
            await self._wait_ready()
            proto = self._protocol
            if proto is None or proto.closed:  # lost between ready and now: wait for the next session
                await asyncio.sleep(0.01)
                continue
            fut = proto.send(action, as_list)
            state["sent"] = True
            return await fut

    async def ping(self, timeout: float | None = None) -> Message:
        resp = await self.action({"Action": "Ping"}, timeout)
        if not resp.success:
            raise AmiError(self.name, f"Ping refused: {resp.message or resp.response}")
        return resp

    async def command(self, command: str, timeout: float | None = None) -> str:
        """Run a CLI command; returns its output. NB: AMI answers Success even
        when the CLI command failed, so check the output."""
        resp = await self.action({"Action": "Command", "Command": command}, timeout)
        if isinstance(resp, list):
            resp = resp[0]
        if not resp.success:
            raise AmiError(self.name, f"command {command!r} refused: {resp.message or resp.response}")
        output = resp.get("Output", None)
        if output is None:
            return resp.content or ""
        return "\n".join(output) if isinstance(output, list) else str(output)

    async def reload(self, modules: str | Iterable[str], timeout: float | None = None) -> list[str]:
        """Reload each module once (``Action: Reload``), confirmed by
        ``Response: Success``; raises :class:`ReloadError` naming node and module.
        ``timeout`` bounds the whole call. Returns the modules reloaded."""
        names = normalise_modules(modules)
        if timeout is None:
            timeout = self.action_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for module in names:
            retry_delay = 0.05
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise ReloadError(self.name, module, f"not confirmed within {timeout:g} s")
                try:
                    resp = await self.action({"Action": "Reload", "Module": module}, remaining)
                except AmiError as exc:
                    raise ReloadError(self.name, module, exc.reason) from exc
                if isinstance(resp, list):
                    resp = resp[0]
                if resp.response == "Success":
                    log.debug("%s: reloaded %s (%s)", self.name, module, resp.message)
                    break
                message = resp.message or "no message"
                transient = any(t in message.lower() for t in _TRANSIENT_RELOAD)
                if transient and loop.time() + retry_delay < deadline:
                    await asyncio.sleep(retry_delay)
                    retry_delay = min(retry_delay * 2, 1.0)
                    continue
                raise ReloadError(self.name, module, f"Asterisk answered {resp.response or 'nothing'}: {message}")
        return names

    # -- internals: connection supervisor
    def _backoff(self, attempt: int) -> tuple[float, float]:
        base = min(self.backoff_max, self.backoff_initial * self.backoff_factor**attempt)
        return base, base * self._rng.uniform(1 - self.backoff_jitter, 1.0)

    def _note_error(self, exc: BaseException) -> None:
        reason = exc.reason if isinstance(exc, AmiError) else f"{type(exc).__name__}: {exc}"
        first = self.stats.last_error != reason
        self.stats.last_error = reason
        self.stats.connect_failures += 1
        (log.warning if first else log.debug)("%s: AMI connect failed: %s", self.name, reason)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while not self._closed.is_set():
            try:
                proto = await self._connect_and_login()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._note_error(exc)
            else:
                started = loop.time()
                reason = await self._session(proto)
                if loop.time() - started >= self.stable_after:
                    attempt = 0
                if self.on_disconnected is not None and not self._closed.is_set():
                    await self._run_hook(self.on_disconnected, reason)
            if self._closed.is_set():
                break
            base, delay = self._backoff(attempt)
            attempt += 1
            self.stats.backoff_delays.append((base, delay))
            log.debug("%s: reconnecting in %.2f s", self.name, delay)
            await asyncio.sleep(delay)

    async def _connect_and_login(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        ep = self.endpoint
        ssl_ctx = ssl_module.create_default_context() if ep.tls else None
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(lambda: _Protocol(self), ep.host, ep.port, ssl=ssl_ctx), self.connect_timeout
            )
        except asyncio.TimeoutError:
            raise AmiTimeout(self.name, f"TCP connect timed out after {self.connect_timeout:g} s") from None
        except OSError as exc:
            raise AmiConnectionError(self.name, f"cannot connect: {exc.strerror or exc}") from None
        self._protocol = proto
        try:
            try:
                self.version = await asyncio.wait_for(asyncio.shield(proto.banner), self.connect_timeout)
            except asyncio.TimeoutError:
                raise AmiTimeout(self.name, f"connected, but no AMI banner within {self.connect_timeout:g} s (silent server)") from None
            await self._login(proto)
        except BaseException:
            proto.abort("login did not complete")
            raise
        return proto

    async def _raw(self, proto: _Protocol, action: Mapping[str, Any]) -> Message:
        try:
            resp = await asyncio.wait_for(proto.send(action), self.connect_timeout)
        except asyncio.TimeoutError:
            raise AmiTimeout(self.name, f"no answer to {describe(action)} within {self.connect_timeout:g} s") from None
        return resp[0] if isinstance(resp, list) else resp

    async def _login(self, proto: _Protocol) -> None:
        ep = self.endpoint
        login: dict[str, str] = {"Action": "Login", "Username": ep.username, "Events": self.events}
        resp = await self._raw(proto, {"Action": "Challenge", "AuthType": "MD5"})
        challenge = resp.get("Challenge", "") if resp.success else ""
        if challenge:
            login["AuthType"] = "MD5"
            login["Key"] = hashlib.md5((challenge + ep.secret).encode(self.encoding)).hexdigest()
        else:
            login["Secret"] = ep.secret
        resp = await self._raw(proto, login)
        if not resp.success:
            self.stats.login_failures += 1
            raise AmiAuthError(self.name, f"login as {ep.username!r} refused: {resp.message or resp.response or 'no answer'}")

    async def _session(self, proto: _Protocol) -> str:
        stats = self.stats
        stats.connects += 1
        if stats.connects > 1:
            stats.reconnects += 1
        stats.last_error = None
        self._ready.set()
        log.info("%s: AMI logged in as %s (Asterisk Call Manager/%s)%s", self.name, self.endpoint.username,
                 self.version, f", reconnect #{stats.reconnects}" if stats.reconnects else "")
        tasks = []
        if self.ping_interval and self.ping_interval > 0:
            tasks.append(asyncio.create_task(self._watchdog(proto), name=f"ami-ping {self.name}"))
        if self.on_connected is not None:
            tasks.append(asyncio.create_task(self._run_hook(self.on_connected), name=f"ami-on-connected {self.name}"))
        try:
            reason = await asyncio.shield(proto.lost)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if not proto.closed:
                proto.abort("client closed")
        return reason

    def _protocol_lost(self, proto: _Protocol, reason: str) -> None:
        if proto is not self._protocol:
            return
        was_ready = self._ready.is_set()
        self._ready.clear()
        if was_ready:
            self.stats.disconnects += 1
            if not self._closed.is_set():
                self.stats.last_error = reason
                log.warning("%s: AMI connection lost: %s", self.name, reason)

    async def _watchdog(self, proto: _Protocol) -> None:
        loop = asyncio.get_running_loop()
        while not proto.closed:
            await asyncio.sleep(self.ping_interval)
            try:
                fut = proto.send({"Action": "Ping"})
            except (AmiConnectionError, RuntimeError):
                return
            window = loop.time()
            while not fut.done():
                await asyncio.wait({fut}, timeout=self.ping_timeout)
                if fut.done() or proto.closed:
                    break
                # Reading paused by our own back-pressure, or bytes still arriving:
                # the peer is alive and the answer is queued behind other data.
                if proto.paused or proto.resumed_at >= window or proto.data_at >= window:
                    window = loop.time()
                    continue
                self.stats.ping_timeouts += 1
                log.warning("%s: no answer to Ping within %g s; treating the connection as half-open, reconnecting",
                            self.name, self.ping_timeout)
                fut.cancel()
                proto.abort(f"no answer to Ping within {self.ping_timeout:g} s (half-open connection)")
                return
            if fut.cancelled() or fut.exception() is not None:
                return

    async def _run_hook(self, hook: Callable[..., Any], *args: Any) -> None:
        try:
            result = hook(self, *args)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception:
            self.stats.hook_errors += 1
            log.exception("%s: AMI %s hook failed", self.name, getattr(hook, "__name__", "connection"))

    # -- internals: events
    def _enqueue(self, message: Message) -> None:
        # The protocol checks for room before parsing each message.
        self._events.put_nowait(message)
        self.stats.events_received += 1
        size = self._events.qsize()
        if size > self.stats.queue_high_water:
            self.stats.queue_high_water = size

    async def _consume(self) -> None:
        while True:
            message = await self._events.get()
            proto = self._protocol
            if proto is not None:
                proto.wake()
            name = message.event.lower()
            for handler in (*self._handlers.get(name, ()), *self._handlers.get("*", ())):
                try:
                    result = handler(self, message)
                    if inspect.isawaitable(result):
                        await asyncio.wait_for(result, self.handler_timeout)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self.stats.handler_errors += 1
                    if isinstance(exc, asyncio.TimeoutError):
                        log.error("%s: AMI handler %r for %s timed out after %g s", self.name, handler, message.event,
                                  self.handler_timeout)
                    else:
                        log.exception("%s: AMI handler %r failed on %s event; continuing", self.name, handler,
                                      message.event)
            self.stats.events_delivered += 1


# ------------------------------------------------------------ sync facade


class AmiReloader:
    """Blocking :class:`~projections.asterisk.applier.Reloader` over all nodes.

    Runs an asyncio loop in a daemon thread with one :class:`AmiNode` per URL
    (``urls``: comma-separated string, list, or ``None`` for ``$PBXFLOW_AMI_URL``).
    Construction does not wait for Asterisk; :meth:`reload` waits up to
    ``timeout`` for connections and confirmations, and raises
    :class:`ClusterReloadError` naming every node that failed.
    """

    def __init__(self, urls: str | Iterable[str | AmiEndpoint] | None = None, *, timeout: float = 30.0,
                 events: str = "off", **node_options: Any):
        self.endpoints = _endpoints(urls)
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pbxflow-ami", daemon=True)
        self._thread.start()
        self._closed = False

        async def start() -> list[AmiNode]:
            nodes = [AmiNode(ep, events=events, **node_options) for ep in self.endpoints]
            for node in nodes:
                await node.start()
            return nodes

        try:
            self.nodes: list[AmiNode] = self._call(start(), 10.0)
        except BaseException:
            self._stop_loop()
            raise

    def __repr__(self) -> str:
        return f"<AmiReloader {', '.join(e.masked_url() for e in self.endpoints)}>"

    def _call(self, coro, timeout: float):
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def reload(self, modules: set[str] | Iterable[str], timeout: float | None = None) -> None:
        if self._closed:
            raise RuntimeError("AmiReloader is closed")
        names = normalise_modules(modules)
        if not names:
            return
        timeout = self.timeout if timeout is None else timeout

        async def reload_all() -> None:
            results = await asyncio.gather(*(node.reload(names, timeout) for node in self.nodes), return_exceptions=True)
            errors = {node.name: r for node, r in zip(self.nodes, results) if isinstance(r, BaseException)}
            if errors:
                raise ClusterReloadError(errors, len(self.nodes))

        try:
            self._call(reload_all(), timeout + 5.0)  # the nodes enforce `timeout`; this is a safety limit
        except concurrent.futures.TimeoutError:
            raise ClusterReloadError({n.name: AmiTimeout(n.name, "reload did not finish") for n in self.nodes},
                                     len(self.nodes)) from None

    def action(self, action: Mapping[str, Any], timeout: float | None = None, *,
               nodes: int | None = None) -> list[Message | BaseException]:
        """Send one action to every node (or the first ``nodes`` of them) at once; each node's
        answer, or the exception it raised, in node order. Answers are not judged here."""
        if self._closed:
            raise RuntimeError("AmiReloader is closed")
        timeout = self.timeout if timeout is None else timeout
        targets = self.nodes[:nodes] if nodes is not None else self.nodes

        async def send_all() -> list:
            return list(await asyncio.gather(*(n.action(action, timeout) for n in targets), return_exceptions=True))

        try:
            return self._call(send_all(), timeout + 5.0)
        except concurrent.futures.TimeoutError:
            return [AmiTimeout(n.name, f"no answer to {describe(action)}") for n in targets]

    def status(self) -> list[dict[str, Any]]:
        return [{"node": n.name, "connected": n.connected, "reconnects": n.stats.reconnects,
                 "last_error": n.stats.last_error} for n in self.nodes]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        async def close_all() -> None:
            await asyncio.gather(*(node.close() for node in self.nodes), return_exceptions=True)

        try:
            self._call(close_all(), 10.0)
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10.0)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> "AmiReloader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
