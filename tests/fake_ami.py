"""An asyncio fake Asterisk Manager Interface server for fault injection.

Speaks enough AMI for pbxflow.ami: banner, Challenge (MD5), Login (plain or
MD5 key), Logoff, Ping, Reload, Command, CoreShowChannels. Behaviour is
switched by attributes, which may be changed while the server runs:

* normal (defaults)
* ``drop_after = N``     close the connection when the N-th action after login
                         arrives (it is not answered)
* ``garbage = True``     write junk (lines without a colon, binary bytes,
                         blocks that are neither Event nor Response, a stray
                         Response) before every answer
* ``silent = True``      accept TCP but never send a byte, not even the banner
* ``silent_after = N``   answer N actions after login, then read but never
                         answer again (a half-open connection, as seen from
                         the client)
* ``delay = seconds``    slow answers
* ``refuse = {module: message}`` answer ``Response: Error`` to Reload of module
* :meth:`emit` / :meth:`burst` write events to the live connections
* :meth:`stop_listening` / :meth:`start_listening` refuse / accept new
  connections on the same port; :meth:`drop_connections` cuts live ones

For synchronous tests, :class:`FakeAmiThread` runs servers on a loop in a
background thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from dataclasses import dataclass, field

DEFAULT_MODULES = frozenset(
    {"res_pjsip.so", "pbx_config.so", "app_queue.so", "app_voicemail.so", "res_musiconhold.so", "chan_pjsip.so"}
)
GARBAGE = (
    b"this line has no colon\r\n"
    b"\x00\xff\xfe binary \xc3\r\n"
    b"Foo: bar\r\nBaz: qux\r\n\r\n"  # a block that is neither Event nor Response
    b"Response: Success\r\nActionID: nobody-waits-for-this\r\n\r\n"
    b"\r\n\r\n"
    b"Message: half a message without its Response\r\n\r\n"
)


@dataclass
class Conn:
    id: int
    writer: asyncio.StreamWriter
    authed: bool = False
    actions_after_login: int = 0
    challenge: str | None = None
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class FakeAmi:
    def __init__(self, username: str = "pbxflow", secret: str = "pbxflow", *, version: str = "11.0.0",
                 modules=DEFAULT_MODULES, allow_challenge: bool = True):
        self.username = username
        self.secret = secret
        self.version = version
        self.modules = set(modules)
        self.allow_challenge = allow_challenge
        # fault injection
        self.drop_after: int | None = None
        self.garbage = False
        self.silent = False
        self.silent_after: int | None = None
        self.delay = 0.0
        self.refuse: dict[str, str] = {}
        # observations
        self.port = 0
        self.accepted = 0
        self.logins = 0
        self.login_failures = 0
        self.actions: list[dict[str, str]] = []  # every action after login (headers, lower-case keys)
        self.raw = bytearray()  # everything received, to check what went over the wire
        self.conns: dict[int, Conn] = {}
        self.max_write_buffer = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._login_cond: asyncio.Condition | None = None

    @property
    def url(self) -> str:
        return f"ami://{self.username}:{self.secret}@127.0.0.1:{self.port}"

    @property
    def name(self) -> str:
        return f"127.0.0.1:{self.port}"

    def reloads(self) -> list[str]:
        return [a.get("module", "") for a in self.actions if a.get("action", "").lower() == "reload"]

    # -- lifecycle
    async def start(self) -> "FakeAmi":
        self._login_cond = asyncio.Condition()
        await self.start_listening()
        return self

    async def start_listening(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop_listening(self) -> None:
        """Refuse new connections (live ones stay)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def drop_connections(self) -> None:
        for conn in list(self.conns.values()):
            conn.writer.transport.abort()

    async def stop(self) -> None:
        await self.stop_listening()
        await self.drop_connections()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_logins(self, n: int, timeout: float = 10.0) -> None:
        assert self._login_cond is not None
        async with self._login_cond:
            await asyncio.wait_for(self._login_cond.wait_for(lambda: self.logins >= n), timeout)

    # -- events
    async def emit(self, headers: dict[str, str]) -> None:
        data = _format(headers)
        for conn in list(self.conns.values()):
            if conn.authed:
                await self._write(conn, data)

    async def burst(self, n: int, event: str = "TestEvent", chunk: int = 500, padding: int = 120) -> None:
        """Write n events (Seq: 0..n-1) to every logged-in connection, respecting
        TCP flow control (drain), so a client that stops reading stalls us."""
        pad = "x" * padding
        for conn in list(self.conns.values()):
            if not conn.authed:
                continue
            for start in range(0, n, chunk):
                data = b"".join(
                    _format({"Event": event, "Privilege": "user,all", "Seq": str(i), "Padding": pad})
                    for i in range(start, min(n, start + chunk))
                )
                async with conn.write_lock:
                    conn.writer.write(data)
                    self.max_write_buffer = max(self.max_write_buffer, conn.writer.transport.get_write_buffer_size())
                    await conn.writer.drain()

    # -- protocol
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        self.accepted += 1
        conn = Conn(self.accepted, writer)
        self.conns[conn.id] = conn
        try:
            if not self.silent:
                await self._write(conn, f"Asterisk Call Manager/{self.version}\r\n".encode())
            while True:
                try:
                    data = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                self.raw += data
                if self.silent:
                    continue
                headers = _parse(data)
                if not await self._answer(conn, headers):
                    return
        except asyncio.CancelledError:
            pass
        finally:
            self.conns.pop(conn.id, None)
            self._tasks.discard(task)
            writer.transport.abort()

    async def _answer(self, conn: Conn, h: dict[str, str]) -> bool:
        """Answer one action; False closes the connection."""
        action = h.get("action", "").lower()
        aid = h.get("actionid", "")
        if conn.authed:
            conn.actions_after_login += 1
            self.actions.append(h)
            if self.drop_after is not None and conn.actions_after_login >= self.drop_after:
                return False
            if self.silent_after is not None and conn.actions_after_login > self.silent_after:
                return True
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.garbage:
            await self._write(conn, GARBAGE)
        ok = {"Response": "Success", "ActionID": aid}

        if action == "challenge":
            if not self.allow_challenge or h.get("authtype", "").lower() != "md5":
                await self._reply(conn, {"Response": "Error", "ActionID": aid, "Message": "Must specify AuthType"})
            else:
                conn.challenge = str(int(time.time() * 1000) % 1000000000)
                await self._reply(conn, {**ok, "Challenge": conn.challenge})
            return True
        if action == "login":
            if h.get("authtype", "").lower() == "md5" and conn.challenge:
                expected = hashlib.md5((conn.challenge + self.secret).encode()).hexdigest()
                good = h.get("key", "") == expected
            else:
                good = h.get("secret", None) == self.secret
            if h.get("username") != self.username or not good:
                self.login_failures += 1
                await self._reply(conn, {"Response": "Error", "ActionID": aid, "Message": "Authentication failed"})
                return False
            conn.authed = True
            self.logins += 1
            await self._reply(conn, {**ok, "Message": "Authentication accepted"})
            if h.get("events", "on").lower() != "off":
                await self._reply(conn, {"Event": "FullyBooted", "Privilege": "system,all", "Status": "Fully Booted"})
            assert self._login_cond is not None
            async with self._login_cond:
                self._login_cond.notify_all()
            return True
        if not conn.authed:
            await self._reply(conn, {"Response": "Error", "ActionID": aid, "Message": "Permission denied"})
            return True
        if action == "logoff":
            await self._reply(conn, {"Response": "Goodbye", "ActionID": aid, "Message": "Thanks for all the fish."})
            return False
        if action == "ping":
            await self._reply(conn, {**ok, "Ping": "Pong", "Timestamp": f"{time.time():.6f}"})
        elif action == "reload":
            module = h.get("module", "")
            if module in self.refuse:
                await self._reply(conn, {"Response": "Error", "ActionID": aid, "Message": self.refuse[module]})
            elif module not in self.modules:
                await self._reply(conn, {"Response": "Error", "ActionID": aid, "Message": "No such module"})
            else:
                await self._reply(conn, {**ok, "Message": "Module Reloaded"})
        elif action == "command":
            command = h.get("command", "")
            output = "Dialplan reloaded." if command == "dialplan reload" else f"No such command '{command}'"
            await self._reply(conn, {**ok, "Message": "Command output follows", "Output": output})
        elif action == "coreshowchannels":
            await self._reply(conn, {**ok, "EventList": "start", "Message": "Channels will follow"})
            await self._reply(conn, {"Event": "CoreShowChannelsComplete", "ActionID": aid, "EventList": "Complete",
                                     "ListItems": "0"})
        else:
            await self._reply(conn, {"Response": "Error", "ActionID": aid, "Message": "Invalid/unknown command"})
        return True

    async def _reply(self, conn: Conn, headers: dict[str, str]) -> None:
        await self._write(conn, _format(headers))

    async def _write(self, conn: Conn, data: bytes) -> None:
        async with conn.write_lock:
            if conn.writer.transport.is_closing():
                return
            conn.writer.write(data)
            try:
                await conn.writer.drain()
            except ConnectionError:
                pass


def _format(headers: dict[str, str]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()


def _parse(data: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").split("\r\n"):
        if ": " in line:
            key, value = line.split(": ", 1)
            headers[key.lower()] = value
    return headers


class FakeAmiThread:
    """Run fake servers on an event loop in a background thread (for sync tests)::

        with FakeAmiThread(FakeAmi(), FakeAmi()) as (a, b):
            ...
    """

    def __init__(self, *servers: FakeAmi):
        self.servers = servers
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-ami", daemon=True)

    def call(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self) -> tuple[FakeAmi, ...]:
        self.thread.start()
        for server in self.servers:
            self.call(server.start())
        return self.servers

    def __exit__(self, *exc) -> None:
        try:
            for server in self.servers:
                self.call(server.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()
