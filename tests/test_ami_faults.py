"""pbxflow.ami against a fake AMI server with injected faults."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import tracemalloc

import pytest
from fake_ami import FakeAmi, FakeAmiThread

from pbxflow.ami import (
    AmiConnectionError,
    AmiEndpoint,
    AmiNode,
    AmiReloader,
    AmiTimeout,
    ClusterReloadError,
    ReloadError,
    ami_urls_from_env,
    normalise_modules,
    parse_ami_url,
    parse_ami_urls,
)

SAFETY = 20.0  # seconds: a hang fails the test instead of blocking the run

FAST = dict(
    connect_timeout=1.0,
    action_timeout=2.0,
    ping_interval=60.0,  # tests that need the watchdog turn it on
    ping_timeout=1.0,
    backoff_initial=0.05,
    backoff_max=0.4,
    backoff_jitter=0.2,
    stable_after=60.0,
)


async def eventually(predicate, timeout: float = SAFETY, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
async def fake():
    server = await FakeAmi().start()
    yield server
    await server.stop()


def node_for(server: FakeAmi, **options) -> AmiNode:
    return AmiNode(server.url, **{**FAST, **options})


# ------------------------------------------------------------------- URLs


def test_parse_single_url_and_mask_secret():
    ep = parse_ami_url("ami://pbxflow:s3cr%40t@127.0.0.1:5038")
    assert (ep.host, ep.port, ep.username, ep.secret, ep.tls) == ("127.0.0.1", 5038, "pbxflow", "s3cr@t", False)
    assert ep.name == "127.0.0.1:5038"
    for text in (repr(ep), str(ep), ep.masked_url()):
        assert "s3cr" not in text and "***" in text
    assert parse_ami_url("ami://u:p@asterisk.local").port == 5038
    assert parse_ami_url("amis://u:p@[::1]:5039").name == "[::1]:5039"


def test_parse_multiple_urls_and_env():
    eps = parse_ami_urls(" ami://a:x@10.0.0.1:5038 , ami://b:y@10.0.0.2 ,")
    assert [e.name for e in eps] == ["10.0.0.1:5038", "10.0.0.2:5038"]
    eps = ami_urls_from_env({"PBXFLOW_AMI_URL": "ami://a:x@h1:1,ami://a:x@h2:2"})
    assert [e.name for e in eps] == ["h1:1", "h2:2"]


@pytest.mark.parametrize("bad", [
    "http://u:p@h:1", "ami://h:5038", "ami://u@h:5038", "ami://u:p@h:notaport", "ami://u:p@h:1/path",
    "ami://u:topsecret@h:1,ami://u:p@h:2",
])
def test_parse_rejects_bad_urls_without_leaking_the_secret(bad):
    with pytest.raises(ValueError) as info:
        parse_ami_url(bad)
    assert "topsecret" not in str(info.value)


def test_parse_urls_rejects_duplicates_and_empty():
    with pytest.raises(ValueError, match="twice"):
        parse_ami_urls("ami://u:p@h:1,ami://u:q@h:1")
    with pytest.raises(ValueError):
        parse_ami_urls(" , ")
    with pytest.raises(ValueError, match="PBXFLOW_AMI_URL"):
        ami_urls_from_env({})


def test_modules_deduplicated_and_dialplan_mapped():
    assert normalise_modules({"res_pjsip.so", "dialplan", "pbx_config.so", " res_pjsip.so "}) == [
        "pbx_config.so", "res_pjsip.so"]
    assert normalise_modules("app_queue.so") == ["app_queue.so"]
    for bad in ("", "res_pjsip.so\r\nAction: Originate", "a: b"):
        with pytest.raises(ValueError):
            normalise_modules({bad})


# ---------------------------------------------------------- login / actions


async def test_login_ping_and_secret_never_on_the_wire_or_in_logs(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.secret = "Very$ecret-42"
    node = node_for(fake)
    async with node:
        await node.wait_connected(SAFETY)
        assert node.connected
        resp = await node.ping()
        assert resp.ping == "Pong"
        assert node.version == "11.0.0"
        assert node.stats.connects == 1 and node.stats.reconnects == 0
        assert "Very$ecret" not in repr(node)
    assert fake.logins == 1
    assert b"Very$ecret" not in bytes(fake.raw)  # MD5 challenge: only a key travels
    assert "Very$ecret" not in caplog.text
    assert not node.connected


async def test_plain_login_when_no_challenge(fake):
    fake.allow_challenge = False
    async with node_for(fake) as node:
        await node.wait_connected(SAFETY)
        assert (await node.ping()).success


async def test_wrong_secret_is_reported_and_retried(fake):
    node = AmiNode(AmiEndpoint("127.0.0.1", fake.port, "pbxflow", "wrong"), **FAST)
    async with node:
        with pytest.raises(AmiTimeout, match="refused"):
            await node.wait_connected(0.5)
        await eventually(lambda: node.stats.login_failures >= 2, what="retried logins")
        assert not node.connected
        with pytest.raises(AmiTimeout, match="not connected.*Authentication failed"):
            await node.action({"Action": "Ping"}, timeout=0.2)


async def test_reload_confirmed_and_deduplicated(fake):
    async with node_for(fake) as node:
        done = await node.reload({"res_pjsip.so", "dialplan", "pbx_config.so"})
        assert done == ["pbx_config.so", "res_pjsip.so"]
        assert sorted(fake.reloads()) == ["pbx_config.so", "res_pjsip.so"]


async def test_reload_refusal_names_node_and_module(fake):
    fake.refuse["res_pjsip.so"] = "Module does not support reload"
    async with node_for(fake) as node:
        with pytest.raises(ReloadError) as info:
            await node.reload({"res_pjsip.so"})
        assert info.value.node == fake.name and info.value.module == "res_pjsip.so"
        assert fake.name in str(info.value) and "res_pjsip.so" in str(info.value)
        assert "does not support reload" in str(info.value)
        with pytest.raises(ReloadError, match="No such module"):
            await node.reload({"chan_sip.so"})


async def test_header_injection_refused(fake):
    async with node_for(fake) as node:
        await node.wait_connected(SAFETY)
        with pytest.raises(ValueError):
            await node.action({"Action": "Reload", "Module": "x\r\nAction: Originate"})
        assert node.connected


async def test_garbage_does_not_crash_the_client(fake):
    fake.garbage = True
    async with node_for(fake) as node:
        await node.wait_connected(SAFETY)
        for _ in range(5):
            assert (await node.ping()).success
        await node.reload({"res_pjsip.so", "dialplan"})
        channels = await node.action({"Action": "CoreShowChannels"})
        assert channels[-1].event == "CoreShowChannelsComplete"
        assert node.stats.garbage > 0
        assert node.stats.unmatched_responses > 0
        assert node.stats.connects == 1 and node.stats.disconnects == 0


async def test_slow_answers_within_timeout(fake):
    fake.delay = 0.2
    async with node_for(fake, connect_timeout=2.0) as node:
        assert (await node.ping(timeout=2.0)).success
        with pytest.raises(AmiTimeout, match="no answer to Ping"):
            await node.action({"Action": "Ping"}, timeout=0.05)
        # the late answer is dropped, not leaked into the pending table
        await eventually(lambda: node.stats.unmatched_responses >= 1, what="late answer")
        assert not node._protocol.responses
        assert node.connected


# ------------------------------------------------------------- reconnects


async def test_dropped_connection_fails_pending_and_reconnects_with_backoff(fake):
    calls = []
    # stable_after=0: every logged-in session resets the backoff (flapping servers are another test)
    node = node_for(fake, rng=random.Random(7), stable_after=0.0,
                    on_connected=lambda n: calls.append(n.stats.connects))
    async with node:
        await node.wait_connected(SAFETY)
        await eventually(lambda: calls == [1], what="on_connected after login")

        # the server drops the connection instead of answering: the action fails at once, it does not hang
        fake.drop_after = 1
        with pytest.raises(AmiConnectionError, match="connection lost"):
            await asyncio.wait_for(node.action({"Action": "Ping"}, timeout=SAFETY), SAFETY)
        fake.drop_after = None
        await eventually(lambda: node.stats.reconnects == 1 and calls == [1, 2], what="reconnect + hook")
        assert (await node.ping()).success

        # while the server refuses connections the delays grow exponentially up to the cap, with jitter
        await fake.stop_listening()
        before = len(node.stats.backoff_delays)
        await fake.drop_connections()
        await eventually(lambda: len(node.stats.backoff_delays) - before >= 6, what="backoff attempts")
        delays = list(node.stats.backoff_delays)[before:]
        bases = [b for b, _ in delays]
        assert bases[:5] == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.4])
        assert all(b * (1 - 0.2) <= actual <= b for b, actual in delays)
        assert len({actual for _, actual in delays}) > 1  # jittered
        assert not node.connected

        await fake.start_listening()
        await eventually(lambda: node.connected and calls[-1] == 3, what="reconnect after refusals")
        assert node.stats.reconnects == 2 and node.stats.disconnects == 2
        assert node.stats.connect_failures >= 5  # one delay follows the session itself
        assert (await node.ping()).success


async def test_flapping_server_is_not_hammered(fake):
    # sessions shorter than stable_after do not reset the backoff
    async def resync(node):
        await node.action({"Action": "Ping"})  # the server drops the connection instead of answering

    fake.drop_after = 1
    node = node_for(fake, stable_after=60.0, on_connected=resync)
    async with node:
        # five backoffs need six sessions; waiting on the delays themselves avoids counting a
        # session whose disconnect has not been handled yet
        await eventually(lambda: len(node.stats.backoff_delays) >= 5, what="flapping sessions")
        bases = [b for b, _ in node.stats.backoff_delays][:5]
        assert bases == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.4])
        assert sum(a["action"] == "Ping" for a in fake.actions) >= 4  # each session's resync was cut short


async def test_actions_wait_for_the_reconnect(fake):
    async with node_for(fake) as node:
        await node.wait_connected(SAFETY)
        await fake.drop_connections()
        await eventually(lambda: not node.connected, what="disconnect noticed")
        assert (await node.ping(timeout=SAFETY)).success  # sent once the node is back
        assert node.stats.reconnects == 1


async def test_silent_server_detected_by_ping_watchdog(fake):
    calls = []
    node = node_for(fake, ping_interval=0.1, ping_timeout=0.3, on_connected=lambda n: calls.append(1))
    async with node:
        await node.wait_connected(SAFETY)
        fake.silent_after = 0  # half-open: reads, never answers
        await eventually(lambda: node.stats.ping_timeouts >= 1, what="watchdog")
        fake.silent_after = None
        await eventually(lambda: node.connected and node.stats.reconnects >= 1 and len(calls) >= 2,
                         what="reconnect after half-open")
        assert (await node.ping()).success
        assert "half-open" in (node.stats.last_error or "") or node.stats.last_error is None


async def test_action_on_silent_server_times_out(fake):
    async with node_for(fake) as node:
        await node.wait_connected(SAFETY)
        fake.silent_after = 0
        with pytest.raises(AmiTimeout, match=r"no answer to Reload \(module=res_pjsip.so\) within 0.3 s") as info:
            await asyncio.wait_for(node.action({"Action": "Reload", "Module": "res_pjsip.so"}, timeout=0.3), SAFETY)
        assert info.value.node == fake.name
        with pytest.raises(ReloadError, match="res_pjsip.so") as info:
            await asyncio.wait_for(node.reload({"res_pjsip.so"}, timeout=0.3), SAFETY)
        assert fake.name in str(info.value)
        assert not node._protocol.responses  # nothing left pending


async def test_server_silent_from_the_start(fake):
    fake.silent = True  # accepts TCP, never sends the banner
    async with node_for(fake, connect_timeout=0.2) as node:
        with pytest.raises(AmiTimeout, match="not connected"):
            await asyncio.wait_for(node.action({"Action": "Ping"}, timeout=0.5), SAFETY)
        await eventually(lambda: node.stats.connect_failures >= 2, what="retries")
        assert "banner" in node.stats.last_error


async def test_not_an_ami_server():
    async def http(reader, writer):
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()

    server = await asyncio.start_server(http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AmiNode(f"ami://u:p@127.0.0.1:{port}", **FAST) as node:
            await eventually(lambda: node.stats.connect_failures >= 1, what="failure")
            assert "banner" in node.stats.last_error
    finally:
        server.close()


async def test_close_stops_reconnecting_and_fails_waiters(fake):
    node = node_for(fake)
    await node.start()
    await node.wait_connected(SAFETY)
    fake.silent_after = 0
    pending = asyncio.ensure_future(node.action({"Action": "Ping"}, timeout=SAFETY))
    await asyncio.sleep(0.05)
    await node.close()
    with pytest.raises(AmiConnectionError):
        await asyncio.wait_for(pending, SAFETY)
    accepted = fake.accepted
    await asyncio.sleep(0.3)
    assert fake.accepted == accepted
    with pytest.raises(AmiConnectionError, match="closed"):
        await node.action({"Action": "Ping"}, timeout=1)


# ------------------------------------------------------------------ events


async def test_handler_exception_does_not_drop_the_connection(fake):
    seen, everything = [], []

    def flaky(node, event):
        seen.append(event.seq)
        if event.seq == "1":
            raise RuntimeError("handler bug")

    async def star(node, event):
        everything.append(event.event)

    async with node_for(fake) as node:
        node.on("TestEvent", flaky)
        node.on("*", star)
        await node.wait_connected(SAFETY)
        for seq in range(1, 4):
            await fake.emit({"Event": "TestEvent", "Seq": str(seq)})
        await eventually(lambda: len(seen) == 3, what="events")
        await eventually(lambda: everything.count("TestEvent") == 3, what="star handler")
        assert seen == ["1", "2", "3"]
        assert node.stats.handler_errors == 1
        assert node.connected and node.stats.connects == 1 and node.stats.disconnects == 0
        assert (await node.ping()).success


async def test_hung_async_handler_times_out(fake):
    got = []

    async def hangs(node, event):
        await asyncio.sleep(3600)

    async with node_for(fake, handler_timeout=0.1) as node:
        node.on("Hang", hangs)
        node.on("After", lambda n, e: got.append(e.event))
        await node.wait_connected(SAFETY)
        await fake.emit({"Event": "Hang"})
        await fake.emit({"Event": "After"})
        await eventually(lambda: got == ["After"], what="event after a hung handler")
        assert node.stats.handler_errors == 1


async def test_event_burst_with_slow_handler_stays_bounded(fake):
    total, bound = 50_000, 100
    seqs: list[int] = []
    high = [0]

    async def slow(node, event):
        seqs.append(int(event.seq))
        high[0] = max(high[0], node._events.qsize())
        if len(seqs) % 50 == 0:
            await asyncio.sleep(0.001)

    node = node_for(fake, queue_size=bound, ping_interval=0.1, ping_timeout=0.3)
    async with node:
        node.on("TestEvent", slow)
        await node.wait_connected(SAFETY)
        tracemalloc.start()
        try:
            burst = asyncio.ensure_future(fake.burst(total, padding=120))  # ~190 bytes an event, ~9.5 MB in all
            await eventually(lambda: len(seqs) == total, timeout=120, what="all events")
            await asyncio.wait_for(burst, SAFETY)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 3_000_000, f"peak {peak} bytes while 9.5 MB of events streamed through"
        assert seqs == list(range(total))  # nothing dropped, in order
        assert node.stats.queue_high_water <= bound
        assert high[0] <= bound
        assert node.stats.read_pauses > 0  # back-pressure engaged
        # what is held in memory is bounded by the queue plus one socket read (256 KiB)
        assert node.stats.buffer_high_water <= 256 * 1024 + 4096
        # busy, not dead: the watchdog did not mistake back-pressure for a half-open socket
        assert node.stats.ping_timeouts == 0
        assert node.stats.connects == 1 and node.stats.disconnects == 0
        assert (await node.ping()).success


# ----------------------------------------------------------- sync facade


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_reloader_reloads_every_node():
    with FakeAmiThread(FakeAmi(), FakeAmi()) as (a, b):
        with AmiReloader(f"{a.url},{b.url}", timeout=5.0, **FAST) as reloader:
            reloader.reload({"res_pjsip.so", "dialplan"})
            assert sorted(a.reloads()) == sorted(b.reloads()) == ["pbx_config.so", "res_pjsip.so"]
            assert all(s["connected"] for s in reloader.status())
            reloader.reload(set())  # nothing to do


def test_reloader_names_the_node_that_refuses():
    with FakeAmiThread(FakeAmi(), FakeAmi()) as (good, bad):
        bad.refuse["res_pjsip.so"] = "Module does not support reload"
        with AmiReloader([good.url, bad.url], timeout=5.0, **FAST) as reloader:
            with pytest.raises(ClusterReloadError) as info:
                reloader.reload({"res_pjsip.so"})
            err = info.value
            assert err.nodes == [bad.name]
            assert bad.name in str(err) and "res_pjsip.so" in str(err) and "does not support reload" in str(err)
            assert good.name not in str(err)
            assert isinstance(err.errors[bad.name], ReloadError)
            assert good.reloads() == ["res_pjsip.so"]  # the healthy node still reloaded


def test_reloader_names_an_unreachable_node_within_the_timeout():
    down = f"ami://pbxflow:pbxflow@127.0.0.1:{_closed_port()}"
    with FakeAmiThread(FakeAmi()) as (up,):
        with AmiReloader([up.url, down], timeout=0.5, **FAST) as reloader:
            with pytest.raises(ClusterReloadError) as info:
                reloader.reload({"dialplan"})
            assert info.value.nodes == [down.rsplit("@", 1)[1]]
            assert "pbx_config.so" in str(info.value) and "not connected" in str(info.value)
            assert "pbxflow:pbxflow" not in str(info.value)
            assert up.reloads() == ["pbx_config.so"]


def test_reloader_reads_the_environment(monkeypatch):
    with FakeAmiThread(FakeAmi()) as (a,):
        monkeypatch.setenv("PBXFLOW_AMI_URL", a.url)
        reloader = AmiReloader(timeout=5.0, **FAST)
        try:
            reloader.reload({"app_queue.so"})
        finally:
            reloader.close()
        assert a.reloads() == ["app_queue.so"]
        assert not reloader._thread.is_alive()
        with pytest.raises(RuntimeError):
            reloader.reload({"app_queue.so"})
