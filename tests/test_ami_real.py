"""pbxflow.ami against the real local Asterisk (asterisk/sandbox).

The sandbox comes from the suite's ``asterisk`` fixture (tests/conftest.py);
``ensure_up`` restarts it if something stopped it. It fails (never skips) when
Asterisk cannot be started.

Asterisk itself is not restarted here: the sandbox is shared with other
sessions (sipp runs, other test sessions). Reconnection against the real
server is driven by a server-side close (``Action: Logoff``), by a TCP relay
that cuts or freezes (half-open) the connection, and ``manager reload`` is
shown not to disturb the client.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pbxflow.ami import AmiNode, AmiReloader, ReloadError

pytestmark = pytest.mark.asterisk

REPO = Path(__file__).resolve().parents[1]
SANDBOX = REPO / "asterisk" / "sandbox"
SAFETY = 60.0  # seconds; generous so that a concurrent session restarting the sandbox does not fail us


@dataclass
class AmiSandbox:
    url: str
    name: str
    was_running: bool  # before this session: then it is not ours to stop
    started: set[int] = field(default_factory=set)  # pids of the Asterisks this session started

    def cli(self, command: str) -> str:
        out = _sandbox("cli", command, timeout=60)
        if out.returncode != 0:
            raise AssertionError(f"asterisk/sandbox cli {command!r} failed ({out.returncode}): {out.stdout}{out.stderr}")
        return out.stdout

    def ensure_up(self) -> None:
        """Start Asterisk unless it runs; fail (never skip) when it cannot start."""
        if _running_pid() is not None:
            return
        up = _sandbox("up", timeout=900)  # the first run builds the root (cached afterwards)
        if up.returncode != 0:
            pytest.fail(f"asterisk/sandbox up failed ({up.returncode}):\n{up.stdout}\n{up.stderr}")
        pid = _running_pid()
        if pid is None:
            pytest.fail(f"asterisk/sandbox up succeeded but status says it is not running:\n{up.stdout}")
        if "already running" not in up.stdout:  # a concurrent session may have won the race
            self.started.add(pid)


def _sandbox(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(SANDBOX), *args], capture_output=True, text=True, timeout=timeout)


def _running_pid() -> int | None:
    status = _sandbox("status", timeout=60)
    match = re.search(r"running \(pid (\d+)\)", status.stdout)
    return int(match.group(1)) if status.returncode == 0 and match else None


@pytest.fixture(scope="session")
def ami_sandbox_session(asterisk):
    """The suite's sandbox (conftest ``asterisk``: started for this run, on this run's config)."""
    return AmiSandbox(asterisk.ami_url, f"127.0.0.1:{asterisk.ami_port}", was_running=True)


@pytest.fixture
def ami_sandbox(ami_sandbox_session):
    """A running sandbox for each test (another session may have stopped it meanwhile)."""
    ami_sandbox_session.ensure_up()
    return ami_sandbox_session


def node_for(sandbox_or_url, **options) -> AmiNode:
    url = sandbox_or_url if isinstance(sandbox_or_url, str) else sandbox_or_url.url
    defaults = dict(connect_timeout=5.0, action_timeout=15.0, ping_interval=5.0, ping_timeout=5.0,
                    backoff_initial=0.1, backoff_max=1.0, stable_after=0.0)
    return AmiNode(url, **{**defaults, **options})


async def eventually(predicate, timeout: float = SAFETY, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class Relay:
    """A TCP relay in front of the real AMI port that can cut or freeze connections."""

    def __init__(self, port: int):
        self.target = port
        self.port = 0
        self.conns: list[dict] = []
        self.accepted = 0
        self._server = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def name(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> "Relay":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _handle(self, client_r, client_w):
        task = asyncio.current_task()
        self._tasks.add(task)
        self.accepted += 1
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            client_w.transport.abort()
            return
        conn = {"frozen": False, "writers": (client_w, up_w)}
        self.conns.append(conn)

        async def pipe(reader, writer):
            while data := await reader.read(65536):
                while conn["frozen"]:
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
            writer.transport.abort()

        try:
            await asyncio.gather(pipe(client_r, up_w), pipe(up_r, client_w), return_exceptions=True)
        finally:
            for w in conn["writers"]:
                w.transport.abort()
            self._tasks.discard(task)

    def cut(self) -> None:
        for conn in self.conns:
            for w in conn["writers"]:
                w.transport.abort()

    def freeze(self) -> None:
        """Existing connections stop forwarding but stay open (half-open as seen by both ends)."""
        for conn in self.conns:
            conn["frozen"] = True

    async def close(self) -> None:
        self._server.close()
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def relay_url(sandbox: AmiSandbox, relay: Relay) -> str:
    return sandbox.url.rsplit("@", 1)[0] + f"@127.0.0.1:{relay.port}"


# ----------------------------------------------------------------------------


async def test_login_and_ping(ami_sandbox):
    async with node_for(ami_sandbox) as node:
        await node.wait_connected(SAFETY)
        resp = await node.ping()
        assert resp.response == "Success" and resp.ping == "Pong"
        assert node.version and node.version[0].isdigit()  # "Asterisk Call Manager/<version>"
        assert node.stats.connects >= 1 and node.stats.login_failures == 0


async def test_reload_confirmed(ami_sandbox):
    async with node_for(ami_sandbox) as node:
        done = await node.reload({"res_pjsip.so", "dialplan"}, timeout=SAFETY)
        assert done == ["pbx_config.so", "res_pjsip.so"]
        # modules the applier will reload later exist in the sandbox, too
        assert await node.reload({"app_queue.so", "app_voicemail.so", "res_musiconhold.so"}, timeout=SAFETY)
        with pytest.raises(ReloadError, match="No such module") as info:
            await node.reload({"chan_sip.so"}, timeout=SAFETY)  # noload in the sandbox
        assert info.value.node == ami_sandbox.name and info.value.module == "chan_sip.so"


def test_sync_reloader_against_real_asterisk(ami_sandbox):
    with AmiReloader(ami_sandbox.url, timeout=SAFETY, backoff_initial=0.1, backoff_max=1.0) as reloader:
        reloader.reload({"res_pjsip.so", "dialplan"})
        assert reloader.status()[0]["connected"]


async def test_core_show_channels_as_resync_hook(ami_sandbox):
    listed = []

    async def resync(node):
        items = await node.action({"Action": "CoreShowChannels"})
        assert items[0].response == "Success"
        complete = items[-1]
        assert complete.event == "CoreShowChannelsComplete"
        channels = [m for m in items if m.event == "CoreShowChannel"]
        assert int(complete.listitems) == len(channels)
        listed.append(len(channels))

    async with node_for(ami_sandbox, on_connected=resync) as node:
        await eventually(lambda: len(listed) == 1, what="resync after login")
        assert node.stats.hook_errors == 0


async def test_handler_error_keeps_the_real_connection(ami_sandbox):
    seen = []

    def handler(node, event):
        seen.append(event.get("Seq"))
        if event.get("Seq") == "1":
            raise RuntimeError("handler bug")

    async with node_for(ami_sandbox) as node:
        node.on("UserEvent", handler)
        await node.wait_connected(SAFETY)
        for seq in ("1", "2", "3"):
            await node.action({"Action": "UserEvent", "UserEvent": "pbxflow-ami-test", "Seq": seq})
        await eventually(lambda: seen[-3:] == ["1", "2", "3"], what="user events")
        assert node.stats.handler_errors == 1
        assert node.stats.disconnects == 0
        assert (await node.ping()).success


async def test_client_survives_manager_reload(ami_sandbox):
    async with node_for(ami_sandbox) as node:
        await node.wait_connected(SAFETY)
        await asyncio.to_thread(ami_sandbox.cli, "manager reload")
        # Asterisk keeps existing AMI sessions across `manager reload`; if a
        # version drops them, the node must be back: either way it is usable.
        await node.wait_connected(SAFETY)
        assert (await node.ping(timeout=SAFETY)).success
        await node.reload({"dialplan"}, timeout=SAFETY)


async def test_reconnects_after_asterisk_closes_the_session(ami_sandbox):
    logins = []
    async with node_for(ami_sandbox, on_connected=lambda n: logins.append(n.stats.connects)) as node:
        await eventually(lambda: logins == [1], what="first login")
        bye = await node.action({"Action": "Logoff"})  # Asterisk answers Goodbye and closes the socket
        assert bye.response == "Goodbye"
        await eventually(lambda: len(logins) >= 2 and node.connected, what="reconnect after server close")
        assert node.stats.reconnects >= 1 and node.stats.disconnects >= 1
        assert (await node.ping()).success


async def test_reconnects_after_cut_and_half_open_connection(ami_sandbox):
    relay = await Relay(int(ami_sandbox.name.rsplit(":", 1)[1])).start()
    resyncs = []

    async def resync(node):
        items = await node.action({"Action": "CoreShowChannels"})
        resyncs.append(items[-1].event)

    node = node_for(relay_url(ami_sandbox, relay), ping_interval=0.2, ping_timeout=0.5, on_connected=resync)
    try:
        async with node:
            await eventually(lambda: resyncs == ["CoreShowChannelsComplete"], what="resync after login")

            relay.cut()  # connection reset
            await eventually(lambda: len(resyncs) == 2 and node.connected, what="reconnect after cut")
            assert (await node.ping()).success

            relay.freeze()  # half-open: the socket stays up, nothing comes back
            await eventually(lambda: node.stats.ping_timeouts >= 1, what="watchdog")
            await eventually(lambda: len(resyncs) >= 3 and node.connected, what="reconnect after half-open")
            assert resyncs == ["CoreShowChannelsComplete"] * len(resyncs)
            assert (await node.ping()).success
            await node.reload({"res_pjsip.so"}, timeout=SAFETY)
            assert relay.accepted >= 3
    finally:
        await relay.close()
