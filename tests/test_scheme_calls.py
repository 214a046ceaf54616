"""Routing schemes agree with their simulation: real calls through the local Asterisk.

Each case builds components and a scheme through the application, publishes it, applies
the rendered config to the sandbox (asterisk/sandbox) and places a call from the operator
trunk with SIPp (asterisk/sipp/uac_trunk_keys.xml, keys at scripted times as RFC 4733
events or SIP INFO). Callees are SIPp phones that answer, are busy or do not answer. The
compiled dialplan reports every node visit as ``UserEvent(PbxflowNode)`` over AMI; the
nodes one call visited must equal the path the simulator (pbxflow.routing.simulate)
computes for the same scheme, components, keys, callees and call instant.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import re
import struct
import subprocess
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings, strategies as st

from pbxflow import media_convert, scheme_service
from pbxflow.ami import AmiNode
from pbxflow.context import SYSTEM
from pbxflow.routing import graph as g
from pbxflow.routing.simulate import Callee, Key, Scenario, simulate
from projections.asterisk.applier import ConfigApplier
from projections.asterisk.scheme import KEEP_REVISIONS, scheme_context, scheme_key
from sipp import OK, SCENARIOS, Ports, Sipp, SippResult, allocate, wait_for
from test_asterisk_calls import Ext, channels, make_ext, make_tenant, register

pytestmark = pytest.mark.asterisk

DTMF_PCAPS = Path("/usr/share/sip-tester")
TRUNK_CALLER = "74990000001"


# --- AMI: the node visits of each call ----------------------------------------------------


class NodeEvents:
    """PbxflowNode user events and hangups from the sandbox's AMI, collected in the background."""

    def __init__(self, url: str):
        self.events: list[dict] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="test-ami-events", daemon=True)
        self._thread.start()

        async def start() -> AmiNode:
            node = AmiNode(url, events="on", connect_timeout=5.0, action_timeout=10.0, backoff_initial=0.1,
                           backoff_max=1.0, stable_after=0.0)
            node.on("UserEvent", self._record)
            node.on("Hangup", self._record)
            await node.start()
            await node.wait_connected(15.0)
            return node

        self._node = asyncio.run_coroutine_threadsafe(start(), self._loop).result(20)

    def _record(self, node, message) -> None:
        with self._lock:
            self.events.append({k: v for k, v in message.items()})

    def mark(self) -> int:
        with self._lock:
            return len(self.events)

    def since(self, mark: int) -> list[dict]:
        with self._lock:
            return list(self.events[mark:])

    def visits(self, scheme_id: str, mark: int, *, revision: int | None = None, calls: int = 1,
               timeout: float = 30.0) -> list[list[dict]]:
        """The node visits of the first ``calls`` calls into the scheme (that revision) after ``mark``,
        each until its hangup."""
        key = scheme_key(scheme_id)

        def done():
            events = self.since(mark)
            nodes = [e for e in events if e.get("UserEvent") == "PbxflowNode" and e.get("Scheme") == key
                     and (revision is None or e.get("Revision") == str(revision))]
            ids = list(dict.fromkeys(e["Uniqueid"] for e in nodes))[:calls]
            hung = {e.get("Uniqueid") for e in events if e.get("Event") == "Hangup"}
            if len(ids) < calls or not set(ids) <= hung:
                return None
            return [[e for e in nodes if e["Uniqueid"] == uid] for uid in ids]

        return wait_for(done, timeout, 0.05, f"{calls} call(s) through scheme {key} to hang up")

    def menus(self, visits: list[dict]) -> list[dict]:
        """The PbxflowMenu events (nested menus entered, ``back``) of the call those visits belong to."""
        if not visits:
            return []
        uid, key = visits[0]["Uniqueid"], visits[0]["Scheme"]
        return [e for e in self.since(0) if e.get("UserEvent") == "PbxflowMenu" and e.get("Uniqueid") == uid
                and e.get("Scheme") == key]

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._node.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


# --- keys: RFC 4733 events from sipp's recordings, or SIP INFO ----------------------------


def dtmf_pcap(key: str, index: int, out: Path) -> Path:
    """sipp's recording of one key, renumbered as the ``index``-th key of a call.

    The recordings share one SSRC and each has fixed sequence numbers and an RTP timestamp;
    Asterisk ignores an event whose timestamp equals the last one it ended (the same key twice)
    and may drop packets that go back in sequence, so every key of a call moves on both.
    """
    name = {"*": "star", "#": "pound"}.get(key, key)
    data = (DTMF_PCAPS / f"dtmf_2833_{name}.pcap").read_bytes()
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    assert struct.unpack(endian + "I", data[20:24])[0] == 1, "expected an Ethernet capture"
    out_parts = [data[:24]]
    off, first_seq = 24, None
    while off < len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        record, pkt = data[off:off + 16], bytearray(data[off + 16:off + 16 + incl])
        off += 16 + incl
        rtp = 14 + (pkt[14] & 0x0F) * 4 + 8
        seq = struct.unpack(">H", pkt[rtp + 2:rtp + 4])[0]
        first_seq = seq if first_seq is None else first_seq
        pkt[rtp + 2:rtp + 8] = struct.pack(">HI", 1000 + 50 * index + (seq - first_seq), 16000 * (index + 1))
        out_parts += [record, bytes(pkt)]
    path = out / f"dtmf-{index}-{name}.pcap"
    path.write_bytes(b"".join(out_parts))
    return path


INFO_DTMF = """  <send retrans="500">
    <![CDATA[

      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]
      [routes]
      Max-Forwards: 70
      From: <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: @CSEQ@ INFO
      Contact: <sip:[$caller]@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=@KEY@
      Duration=160

    ]]>
  </send>
  <recv response="200" />
"""


def keys_scenario(keys: list[Key], method: str, workdir: Path, name: str) -> Path:
    """uac_trunk_keys.xml with steps that press ``keys`` (times after the answer) by ``method``."""
    steps, last = [], 0.0
    for i, k in enumerate(sorted(keys, key=lambda k: k.at)):
        steps.append(f'  <recv request="BYE" timeout="{max(1, round((k.at - last) * 1000))}" ontimeout="key{i}" next="bye" />')
        steps.append(f'  <label id="key{i}" />')
        if method == "rfc2833":
            pcap = dtmf_pcap(k.key, i, workdir)
            steps.append(f'  <nop><action><exec play_pcap_audio="{pcap}" /></action></nop>')
        else:
            steps.append(INFO_DTMF.replace("@CSEQ@", str(2 + i)).replace("@KEY@", k.key).rstrip("\n"))
        last = k.at
    text = (SCENARIOS / "uac_trunk_keys.xml").read_text()
    assert "  <!-- @KEYS@ -->\n" in text
    path = workdir / f"{name}.xml"
    path.write_text(text.replace("  <!-- @KEYS@ -->\n", "\n".join(steps) + "\n"))
    return path


# --- the PBX under test ------------------------------------------------------------------


UAS = {"answer": "uas_answer.xml", "busy": "uas_busy.xml", "no_answer": "uas_noanswer.xml"}


@dataclass
class Pbx:
    runtime: object
    asterisk: object
    phones: Sipp
    applier: ConfigApplier
    events: NodeEvents
    workdir: Path
    tenant_id: str
    code: str
    tz: str
    dids: list[str]
    exts: dict[str, Ext]  # by number
    ports: dict[str, Ports]  # registered phones by number, and the operator's side (OUTSIDE)
    media_id: str
    tone: str  # voice message: 1 s tone
    tone2: str  # the tone twice: 2 s
    schedules: dict[str, str]  # always_open, always_closed, closed_today -> id
    classifier: str  # +74997654321 and +7812*
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def create(self, kind: str, data: dict) -> str:
        r = self.runtime.app.create(SYSTEM, kind, self.tenant_id, data)
        self.runtime.wait(r.notification_id)
        return r.id

    def update(self, kind: str, obj_id: str, patch: dict) -> None:
        r = self.runtime.app.update(SYSTEM, kind, self.tenant_id, obj_id, None, patch)
        self.runtime.wait(r.notification_id)

    def apply(self) -> None:
        self.applier.step()
        self.applier.apply_pending()
        assert self.applier.status.in_sync, self.applier.status.last_error

    def scheme(self, graph: dict, scheme_id: str | None = None) -> tuple[str, int]:
        """Create (or replace the draft of) a scheme, publish it and apply: (id, revision)."""
        if scheme_id is None:
            scheme_id = self.create("scheme", {"name": f"Scheme {next(self.counter)}", "graph": graph})
        else:
            r = self.runtime.app.replace_scheme_draft(SYSTEM, self.tenant_id, scheme_id, None, graph)
            self.runtime.wait(r.notification_id)
        _, rev = scheme_service.publish(self.runtime, SYSTEM, self.tenant_id, scheme_id, None, "agreement test")
        self.runtime.wait(rev.notification_id)
        self.apply()
        return scheme_id, rev.data["number"]

    def start_callees(self, callees: dict[str, Callee]) -> dict:
        """The callees' SIPp phones by number."""
        procs = {}
        for number, callee in callees.items():
            if number == OUTSIDE:
                continue  # the test starts the operator's side itself
            if callee.behaviour == "unavailable":
                assert number not in self.ports, f"{number} is registered: it cannot be unavailable"
                continue
            extra = {"hold_ms": int(callee.talk * 1000)} if callee.behaviour == "answer" else {}
            procs[number] = self.phones.uas(UAS[callee.behaviour], self.ports[number], timeout=90, **extra)
        return procs

    def start_call(self, number: str, *, caller: str = TRUNK_CALLER, keys: list[Key] = (), method: str = "rfc2833"):
        n = next(self.counter)
        workdir = self.workdir / f"call-{n}"
        workdir.mkdir()
        scenario = keys_scenario(list(keys), method, workdir, f"uac-{n}")
        return self.phones.start(str(scenario), allocate(), service=number.lstrip("+"), timeout=90, caller=caller)

    def finish(self, procs: list) -> None:
        for p in procs:
            p.kill()
        wait_for(lambda: not channels(self.asterisk), 15, 0.2, "the channels to close")

    def check_call(self, scheme_id: str, revision: int, number: str, *, caller: str = TRUNK_CALLER,
                   keys: list[Key] = (), method: str = "rfc2833", callees: dict[str, Callee] | None = None,
                   answering: tuple[str, ...] = ()) -> dict:
        """Place a call and compare its node visits (and the menus it entered) with the simulation;
        ``answering``: phones that must have taken the call. The simulation."""
        callees = callees or {}
        uas = self.start_callees(callees)
        mark = self.events.mark()
        at = datetime.now(timezone.utc)
        call = self.start_call(number, caller=caller, keys=keys, method=method)
        try:
            result = call.wait()
            assert result.rc == OK, result.describe()
            [visits] = self.events.visits(scheme_id, mark, revision=revision)
            for phone in answering:  # each took the call, answered and hung up
                took = uas[phone].wait(30)
                assert took.rc == OK, took.describe()
        finally:
            self.finish(list(uas.values()) + [call])
        sim = self.simulate(scheme_id, revision, number, caller=caller, keys=keys, callees=callees, at=at)
        assert_same_path(visits, sim, revision, result)
        assert_same_menus(visits, self.events.menus(visits), sim, self.menu_chains(scheme_id, revision))
        return sim

    def menu_chains(self, scheme_id: str, revision: int) -> dict[str, list[str]]:
        """IVR node -> its menus in the compiler's numbering (the Menu field of PbxflowMenu)."""
        doc = scheme_service.revision_doc(self.runtime, self.tenant_id, scheme_id, revision)["nodes"]
        comps = scheme_service.components(self.runtime, self.tenant_id)
        return {nid: comps.menu_chain(n["params"].get("menu_id")) for nid, n in g.nodes_of(doc).items() if n["type"] == "ivr"}

    def simulate(self, scheme_id: str, revision: int, number: str, *, caller: str, keys, callees, at) -> dict:
        doc = scheme_service.revision_doc(self.runtime, self.tenant_id, scheme_id, revision)["nodes"]
        comps = scheme_service.components(self.runtime, self.tenant_id)
        scenario = Scenario(number=number, caller=caller, at=at, keys=[Key(k.key, k.at) for k in keys], callees=callees)
        return simulate(doc, comps, scenario)


def assert_same_path(visits: list[dict], sim: dict, revision: int, result: SippResult | None = None) -> None:
    observed = [v["Node"] for v in visits]
    assert {v["Revision"] for v in visits} == {str(revision)}, visits
    if observed != sim["nodes"]:
        start = _stamp(visits[0]) if visits else 0.0
        real = [(v["Node"], round(_stamp(v) - start, 2)) for v in visits]
        planned = [(v["node"], v["at"], v.get("port")) for v in sim["path"]]
        raise AssertionError(f"the real call visited {real}\nthe simulator says {planned} -> {sim['outcome']}\n"
                             + (result.describe() if result else ""))


def assert_same_menus(visits: list[dict], events: list[dict], sim: dict, chains: dict[str, list[str]]) -> None:
    """The menus the call entered after its IVR node's own (by node and number) are the simulated ones."""
    observed = [(e["Node"], int(e["Menu"])) for e in events]
    planned = [(v["node"], chains[v["node"]].index(m["menu"])) for v in sim["path"] for m in v.get("menus", ())]
    assert observed == planned, f"the real call entered menus {observed}, the simulator says {planned}"


def _stamp(event: dict) -> float:
    try:
        return float(event.get("Timestamp", "0"))
    except ValueError:
        return 0.0


def tone_wav(path: Path, seconds: float = 1.0, frequency: int = 440) -> bytes:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
                    "-ac", "1", "-ar", "8000", "-c:a", "pcm_s16le", str(path)], check=True, timeout=60)
    return path.read_bytes()


def upload_tone(runtime, tenant_id: str, code: str, data_dir: Path, tmp: Path) -> str:
    """A 1 s tone as the tenant's media, converted where Asterisk reads it (as an upload is)."""
    src = tmp / "tone.wav"
    content = tone_wav(src)
    info = media_convert.probe(src)
    media_id = str(uuid.uuid4())
    converted = data_dir / "asterisk" / "media" / code / f"{media_id}.wav"
    converted.parent.mkdir(parents=True, exist_ok=True)
    media_convert.convert(src, converted)
    r = runtime.app.create(SYSTEM, "media", tenant_id, {
        "name": "Tone", "format": info.format, "codec": info.codec, "duration_ms": info.duration_ms, "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(), "filename": "tone.wav", "sample_rate": info.sample_rate,
        "channels": info.channels}, obj_id=uuid.UUID(media_id))
    runtime.wait(r.notification_id)
    return media_id


PHONES = ("202", "203", "204")  # registered SIPp phones
OUTSIDE = "+74951112233"  # an outside number: the SIPp at the trunk's address takes the call
ABSENT = "209"  # never registered: unavailable


@pytest.fixture(scope="module")
def pbx(embedded_server, asterisk, reloader, tmp_path_factory):
    """One tenant for the module's tests (each test uses its own numbers and objects): a trunk,
    DIDs, phones 202-204 registered from SIPp, 209 never registered, a 1 s tone, schedules."""
    from conftest import drop_database, make_database
    from pbxflow.runtime import Runtime

    tmp = tmp_path_factory.mktemp("schemes")
    db = make_database(embedded_server)
    runtime = Runtime(db)
    phones = Sipp(asterisk.sip_port, tmp / "sipp")
    events = None
    try:
        trunk_ports = allocate()  # where the operator's side answers calls that leave through the trunk
        trunk = runtime.app.create(SYSTEM, "trunk", None, {"name": "Operator", "host": "127.0.0.1", "port": trunk_ports.sip,
                                                            "username": "pbxflow-trunk", "password": "trunk-secret-1"})
        runtime.wait(trunk.notification_id)
        t = make_tenant(runtime, "Schemes")
        tid, code = t.id, t.data["code"]
        tz = t.data.get("timezone") or "UTC"
        dids = [f"+7495555{i:04d}" for i in range(1, 12)]
        for did in dids:
            r = runtime.app.create(SYSTEM, "number", None, {"number": did})
            runtime.wait(r.notification_id)
            r = runtime.app.allocate_number(SYSTEM, tid, did)
            runtime.wait(r.notification_id)
        exts = {n: make_ext(runtime, tid, n, f"Phone {n}") for n in PHONES + (ABSENT,)}
        media_id = upload_tone(runtime, tid, code, asterisk.data_dir, tmp)

        def make(kind, data):
            r = runtime.app.create(SYSTEM, kind, tid, data)
            runtime.wait(r.notification_id)
            return r.id

        tone = make("voice_message", {"name": "Tone", "media_id": media_id})
        tone2 = make("voice_message", {"name": "Tone twice", "media_id": media_id, "repeat": 2})
        classifier = make("classifier", {"name": "Known", "entries": [{"number": "+74997654321"}, {"number": "+7812*"}]})
        today = datetime.now(ZoneInfo(tz)).date()
        schedules = {
            "always_open": make("schedule", {"name": "Always open", "periods": WHOLE_WEEK}),
            "always_closed": make("schedule", {"name": "Always closed", "periods": []}),
            "closed_today": make("schedule", {"name": "Holiday", "periods": WHOLE_WEEK, "exceptions": around(today)}),
        }
        applier = ConfigApplier(runtime.pool, asterisk.config_dir, reloader)
        applier.full()
        applier.apply_pending()
        assert applier.status.in_sync, applier.status.last_error
        ports = {OUTSIDE: trunk_ports}
        for n in PHONES:
            ports[n] = allocate()
            register(asterisk, phones, exts[n], ports[n])
        events = NodeEvents(asterisk.ami_url)
        yield Pbx(runtime, asterisk, phones, applier, events, tmp, tid, code, tz, dids, exts, ports, media_id, tone, tone2,
                  schedules, classifier)
    finally:
        if events is not None:
            events.close()
        phones.close()
        runtime.close()
        drop_database(embedded_server, db)


WHOLE_WEEK = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "00:00"}]


def around(day: date) -> list[dict]:
    """Closed on ``day`` and the days either side (a run that crosses midnight stays closed)."""
    return [{"date": (day + timedelta(days=d)).isoformat(), "open": False} for d in (-1, 0, 1)]


def graph(*nodes: tuple, edges: list[tuple[str, str, str]]) -> dict:
    """A public graph from (id, type, params) nodes and (from, port, to) edges."""
    return {"nodes": [{"id": i, "type": t, "params": p} for i, t, p in nodes],
            "edges": [{"from": f, "port": p, "to": to} for f, p, to in edges]}


# --- worked examples ---------------------------------------------------------------------


def nodes(sim: dict) -> list[str]:
    return sim["nodes"]


def test_greeting_group_overflow_message_hang_up(pbx):
    group = pbx.create("group", {"name": "Sales", "number": "500", "ring_time": 10, "max_wait": 3,
                                 "members": [{"extension_id": pbx.exts["202"].id}]})
    did = pbx.dids[0]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("greeting", "play_message", {"voice_message_id": pbx.tone}),
        ("sales", "group", {"group_id": group}),
        ("sorry", "play_message", {"voice_message_id": pbx.tone}),
        ("bye", "hangup", {"cause": "normal"}),
        edges=[("in", "next", "greeting"), ("greeting", "next", "sales"), ("sales", "overflow", "sorry"), ("sorry", "next", "bye")]))
    # Nobody answers within the group's maximum wait: the overflow message, then the end.
    sim = pbx.check_call(sid, rev, did, callees={"202": Callee("no_answer")})
    assert nodes(sim) == ["in", "greeting", "sales", "sorry", "bye"]
    # A member answers: the call ends with the conversation.
    sim = pbx.check_call(sid, rev, did, callees={"202": Callee("answer", after=0.5, talk=1)})
    assert nodes(sim) == ["in", "greeting", "sales"] and sim["outcome"]["result"] == "answered"


def test_schedule_open_and_closed_to_two_groups(pbx):
    day = pbx.create("group", {"name": "Day", "number": "501", "ring_time": 10, "max_wait": 5,
                               "members": [{"extension_id": pbx.exts["202"].id}]})
    night = pbx.create("group", {"name": "Night", "number": "502", "ring_time": 10, "max_wait": 5,
                                 "members": [{"extension_id": pbx.exts["203"].id}]})
    office = pbx.create("schedule", {"name": "Office", "periods": WHOLE_WEEK})
    did = pbx.dids[1]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("hours", "time_condition", {"schedule_id": office}),
        ("day", "group", {"group_id": day}),
        ("night", "group", {"group_id": night}),
        ("survey", "play_message", {"voice_message_id": pbx.tone}),
        edges=[("in", "next", "hours"), ("hours", "open", "day"), ("hours", "closed", "night"), ("day", "answered", "survey")]))
    answer = Callee("answer", after=0.5, talk=1)
    # The member hangs up; the caller goes on (answered is connected).
    sim = pbx.check_call(sid, rev, did, callees={"202": answer})
    assert nodes(sim) == ["in", "hours", "day", "survey"]
    # Today becomes a holiday: the schedule change alone reaches the compiled scheme.
    pbx.update("schedule", office, {"exceptions": around(datetime.now(ZoneInfo(pbx.tz)).date())})
    pbx.apply()
    sim = pbx.check_call(sid, rev, did, callees={"203": answer})
    assert nodes(sim) == ["in", "hours", "night"] and sim["outcome"]["result"] == "answered"


def test_ivr_keys_1_2_0_and_timeout(pbx):
    menu = pbx.create("ivr_menu", {"name": "Main", "prompt_voice_message_id": pbx.tone, "digit_timeout": 2, "max_errors": 2,
                                   "keys": [{"key": "1", "action": "exit"}, {"key": "2", "action": "exit"},
                                            {"key": "0", "action": "exit"}]})
    did = pbx.dids[2]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("menu", "ivr", {"menu_id": menu}),
        ("sales", "dial", {"extension_id": pbx.exts["202"].id, "ring_time": 5}),
        ("support", "dial", {"extension_id": pbx.exts["203"].id, "ring_time": 5}),
        ("operator", "play_message", {"voice_message_id": pbx.tone}),
        ("closed", "hangup", {"cause": "busy"}),
        edges=[("in", "next", "menu"), ("menu", "key:1", "sales"), ("menu", "key:2", "support"), ("menu", "key:0", "operator"),
               ("menu", "timeout", "closed")]))
    cases = [
        # keys, DTMF method, callees, expected path
        ([Key("1", 0.5)], "rfc2833", {"202": Callee("answer", after=0.5, talk=1)}, ["in", "menu", "sales"]),
        ([Key("2", 2.0)], "info", {"203": Callee("busy")}, ["in", "menu", "support"]),
        ([Key("0", 1.5)], "info", {}, ["in", "menu", "operator"]),
        # a key nobody listens for (7) counts as an error; then silence: two errors, the timeout exit
        ([Key("7", 1.5)], "rfc2833", {}, ["in", "menu", "closed"]),
        ([], "rfc2833", {}, ["in", "menu", "closed"]),
    ]
    for keys, method, callees, expected in cases:
        sim = pbx.check_call(sid, rev, did, keys=keys, method=method, callees=callees)
        assert nodes(sim) == expected


def test_ivr_wrong_key_while_the_prompt_plays(pbx):
    """A key that is not on the menu interrupts the prompt as an invalid choice (Background()
    alone ignores keys that are no extension of the menu's context)."""
    long_prompt = pbx.create("voice_message", {"name": "Prompt 3 s", "media_id": pbx.media_id, "repeat": 3})
    menu = pbx.create("ivr_menu", {"name": "Short", "prompt_voice_message_id": long_prompt, "digit_timeout": 2, "max_errors": 1,
                                   "keys": [{"key": "1", "action": "exit"}]})
    did = pbx.dids[7]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("menu", "ivr", {"menu_id": menu}),
        ("one", "hangup", {"cause": "normal"}),
        ("wrong", "hangup", {"cause": "busy"}),
        ("late", "hangup", {"cause": "congestion"}),
        edges=[("in", "next", "menu"), ("menu", "key:1", "one"), ("menu", "invalid", "wrong"), ("menu", "timeout", "late")]))
    for method in ("rfc2833", "info"):
        sim = pbx.check_call(sid, rev, did, keys=[Key("5", 1.0)], method=method)
        assert nodes(sim) == ["in", "menu", "wrong"]


def test_direct_dial(pbx):
    did = pbx.dids[10]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("dd", "direct_dial", {"voice_message_id": pbx.tone, "max_digits": 3, "wait": 2}),
        ("bye", "hangup", {"cause": "normal"}),
        edges=[("in", "next", "dd"), ("dd", "timeout", "bye")]))
    # 209 is an extension (it leaves the scheme there); 99 is no number; nothing: the timeout.
    for keys, method, expected in (([Key("2", 0.5), Key("0", 1.5), Key("9", 2.5)], "rfc2833", ["in", "dd"]),
                                   ([Key("9", 0.5), Key("9", 1.5)], "info", ["in", "dd", "bye"]),
                                   ([], "info", ["in", "dd", "bye"])):
        sim = pbx.check_call(sid, rev, did, keys=keys, method=method)
        assert nodes(sim) == expected, keys


def test_caller_prefix_rules(pbx):
    vip = pbx.create("classifier", {"name": "VIP", "entries": [{"number": "+74991112233"}, {"number": "+7812*"}]})
    did = pbx.dids[3]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("moscow", "caller_filter", {"prefixes": ["+7495", "7499"]}),
        ("known", "caller_filter", {"classifier_id": vip}),
        ("local", "play_message", {"voice_message_id": pbx.tone}),
        ("vip", "hangup", {"cause": "busy"}),
        ("other", "hangup", {"cause": "congestion"}),
        edges=[("in", "next", "moscow"), ("moscow", "match", "local"), ("moscow", "no_match", "known"),
               ("known", "match", "vip"), ("known", "no_match", "other")]))
    for caller, expected in (
        ("74951234567", ["in", "moscow", "local"]),
        ("+74997654321", ["in", "moscow", "local"]),
        ("74991112233", ["in", "moscow", "local"]),  # the prefix rule comes first
        ("78121234567", ["in", "moscow", "known", "vip"]),
        ("74991112233", ["in", "moscow", "local"]),
        ("88005553535", ["in", "moscow", "known", "other"]),
    ):
        sim = pbx.check_call(sid, rev, did, caller=caller)
        assert nodes(sim) == expected, caller


def test_ring_a_device_then_a_message_on_no_answer(pbx):
    did = pbx.dids[4]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("ring", "dial", {"extension_id": pbx.exts["202"].id, "ring_time": 5}),
        ("sorry", "play_message", {"voice_message_id": pbx.tone}),
        ("bye", "hangup", {"cause": "normal"}),
        edges=[("in", "next", "ring"), ("ring", "no_answer", "sorry"), ("ring", "unavailable", "sorry"), ("sorry", "next", "bye")]))
    sim = pbx.check_call(sid, rev, did, callees={"202": Callee("no_answer")})
    assert nodes(sim) == ["in", "ring", "sorry", "bye"] and sim["duration"] == 6
    sim = pbx.check_call(sid, rev, did, callees={"202": Callee("busy")})
    assert nodes(sim) == ["in", "ring"] and sim["outcome"]["result"] == "hangup"
    sim = pbx.check_call(sid, rev, did, callees={"202": Callee("answer", after=0.5, talk=1)})
    assert nodes(sim) == ["in", "ring"] and sim["outcome"]["result"] == "answered"


def test_forward_to_an_outside_number(pbx):
    did = pbx.dids[6]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("out", "forward", {"number": OUTSIDE, "ring_time": 4}),
        ("engaged", "play_message", {"voice_message_id": pbx.tone}),
        ("nobody", "hangup", {"cause": "normal"}),
        ("down", "hangup", {"cause": "congestion"}),
        edges=[("in", "next", "out"), ("out", "busy", "engaged"), ("out", "no_answer", "nobody"), ("out", "unavailable", "down")]))
    # The operator refuses the call (503): unavailable. (A trunk that does not answer at all
    # rings out the ring time: over UDP nothing tells Asterisk sooner.)
    refuse = pbx.workdir / "uas_refuse.xml"
    refuse.write_text((SCENARIOS / "uas_busy.xml").read_text().replace("486 Busy Here", "503 Service Unavailable"))
    for callee, scenario, expected in (
        (Callee("answer", after=0.5, talk=1), "uas_answer.xml", ["in", "out"]),
        (Callee("busy"), "uas_busy.xml", ["in", "out", "engaged"]),
        (Callee("no_answer"), "uas_noanswer.xml", ["in", "out", "nobody"]),
        (Callee("unavailable"), str(refuse), ["in", "out", "down"]),
    ):
        extra = {"hold_ms": int(callee.talk * 1000)} if callee.behaviour == "answer" else {}
        uas = pbx.phones.uas(scenario, pbx.ports[OUTSIDE], timeout=60, **extra)
        try:
            sim = pbx.check_call(sid, rev, did, callees={OUTSIDE: callee})
        finally:
            pbx.finish([uas])
        assert nodes(sim) == expected, callee


def test_publishing_a_change_drops_no_call(pbx):
    """A call in progress on revision 1 survives publishing revision 2 and finishes on revision 1,
    even though revision 2 removed the node it was in; the next call takes revision 2's path."""
    long_tone = pbx.create("voice_message", {"name": "Long", "media_id": pbx.media_id, "repeat": 4})
    did = pbx.dids[5]
    sid, rev1 = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("welcome", "play_message", {"voice_message_id": long_tone}),
        ("ring", "dial", {"extension_id": pbx.exts["202"].id, "ring_time": 10}),
        edges=[("in", "next", "welcome"), ("welcome", "next", "ring")]))
    callees = {"202": Callee("answer", after=0.5, talk=2)}
    uas = pbx.start_callees(callees)
    mark = pbx.events.mark()
    at = datetime.now(timezone.utc)
    first = pbx.start_call(did)
    try:
        wait_for(lambda: [e for e in pbx.events.since(mark) if e.get("Node") == "welcome"], 10, 0.05, "the welcome message")
        [before] = [c for c in channels(pbx.asterisk) if c["name"].startswith("PJSIP/trunk-")]
        sid, rev2 = pbx.scheme(graph(
            ("in", "entry", {"numbers": [did]}),
            ("closed", "play_message", {"voice_message_id": pbx.tone}),
            ("bye", "hangup", {"cause": "normal"}),
            edges=[("in", "next", "closed"), ("closed", "next", "bye")]), sid)
        assert rev2 == rev1 + 1
        # Both revisions are in the dialplan; the number enters revision 2.
        text = (pbx.asterisk.config_dir / f"extensions_t_{pbx.code}.conf").read_text()
        ctx1, ctx2 = scheme_context(pbx.code, sid, rev1), scheme_context(pbx.code, sid, rev2)
        assert f"[{ctx1}]" in text and f"[{ctx2}]" in text
        assert f"Goto({ctx2},node-in,1)" in text and f"Goto({ctx1},node-in,1)" not in text
        # Still in revision 1's message (4 s) on the same channel when revision 2 is live.
        assert before["name"] in [c["name"] for c in channels(pbx.asterisk)] and first.proc.poll() is None
        assert not [e for e in pbx.events.since(mark) if e.get("Node") == "ring"]
        # The next call takes revision 2's path, while the first one is still on revision 1.
        second = pbx.check_call(sid, rev2, did)
        assert nodes(second) == ["in", "closed", "bye"]
        result = first.wait()
        assert result.rc == OK and result.received("BYE"), result.describe()  # the callee hung up after talking
        [visits] = pbx.events.visits(sid, mark, revision=rev1)
    finally:
        pbx.finish(list(uas.values()) + [first])
    sim = pbx.simulate(sid, rev1, did, caller=TRUNK_CALLER, keys=[], callees=callees, at=at)
    assert_same_path(visits, sim, rev1, result)
    assert nodes(sim) == ["in", "welcome", "ring"] and sim["outcome"]["result"] == "answered"


# --- any small scheme (hypothesis) -----------------------------------------------------------

CALLERS = ("74951234567", "74997654321", "78121234567", "88005553535")
PREFIXES = (["7495"], ["7499", "+7812"], ["8"])
MENU_KEYS = ("1", "2", "0")
PRESSED = MENU_KEYS + ("5",)  # 5 is on no menu: an invalid choice (2 may start a directly dialled 20x)
MAX_SECONDS = 12  # of a generated call, as simulated
# CI runs a fixed set of 8 examples; PBXFLOW_AGREEMENT_EXAMPLES=N explores N random ones instead.
EXAMPLES = int(os.environ.get("PBXFLOW_AGREEMENT_EXAMPLES") or 0)
SHIFTS = (-1.0, -0.5, 0.5, 1.0)


def fake_id(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


@dataclass
class Generated:
    """A scheme drawn by hypothesis: its graph (menus by fake id), menus, callees and call."""

    graph: dict
    menus: dict[str, dict]  # fake id -> menu document
    callees: dict[str, Callee]
    caller: str
    method: str
    keys: list[Key] = field(default_factory=list)

    def real_graph(self, ids: dict[str, str]) -> dict:
        text = json.dumps(self.graph)
        for fake, real in ids.items():
            text = text.replace(fake, real)
        return json.loads(text)


def draw_scheme(draw, pbx: Pbx, did: str) -> Generated:
    """A tree of at most 6 nodes below the entry (and hang-ups), where a menu's port may also
    lead back to a menu above it; each phone is dialled at most once (it takes one call)."""
    nodes: list[tuple] = [("in", "entry", {"numbers": [did]})]
    edges: list[tuple] = []
    menus: dict[str, dict] = {}
    callees: dict[str, Callee] = {}
    free = list(PHONES + (ABSENT,))
    counter = itertools.count(1)
    budget = [draw(st.integers(3, 6))]
    short = {"play_message": "play", "caller_filter": "filter", "time_condition": "time", "ivr": "menu", "dial": "dial",
             "hangup": "bye", "set_name": "name"}

    nested_ids = itertools.count(501)

    def menu_doc(nested: bool = False) -> dict:
        """A menu; a node's menu may lead to a nested one (created first: ``menus`` keeps the
        order), whose keys and exits may go ``back``; either may allow direct dialling."""
        keys = []
        more = ["back", "back"] if nested else ["ivr_menu", "ivr_menu", "ivr_menu"]
        for k in draw(st.lists(st.sampled_from(MENU_KEYS), min_size=1, max_size=3, unique=True)):
            action = draw(st.sampled_from(["exit", "repeat", "exit", "voice_message", "hangup"] + more))
            item = {"key": k, "action": action}
            if action == "voice_message":
                item["target"] = pbx.tone
            elif action == "ivr_menu":
                child = fake_id(next(nested_ids))
                menus[child] = menu_doc(nested=True)
                item["target"] = child
            keys.append(item)
        exits = ["exit", "hangup"] + (["back"] if nested else [])
        return {"name": f"Menu {len(menus) + 1}", "description": "",
                "prompt_voice_message_id": draw(st.sampled_from([pbx.tone, pbx.tone2, None])),
                "invalid_prompt_voice_message_id": draw(st.sampled_from([None, pbx.tone])),
                "digit_timeout": draw(st.integers(2, 3)), "max_errors": draw(st.sampled_from([2, 1])),
                "allow_direct_dial": draw(st.sampled_from([False, False, True])), "keys": keys,
                "default_exit": {"action": draw(st.sampled_from(exits))},
                "timeout_exit": {"action": draw(st.sampled_from(["exit"] + exits))}}

    def sub(depth: int, loops: list[str], from_menu: bool) -> str | None:
        """A subtree (its first node, or None: the port stays unconnected). ``loops``: the IVR
        nodes above with no dial node in between (a dialled phone takes one call), which a
        menu's port (``from_menu``) may lead back to."""
        kinds = ["hangup", "none"] + (["back"] if loops and from_menu else []) if depth else []
        if budget[0] > 0 and depth < 4:
            kinds = (["ivr", "dial"] if free else ["ivr"]) + ["play_message", "caller_filter", "time_condition", "ivr",
                                                               "set_name"] + (["dial"] if free else []) + kinds
        kind = draw(st.sampled_from(kinds or ["hangup", "none"]))
        if kind == "none":
            return None
        if kind == "back":
            return draw(st.sampled_from(loops))
        budget[0] -= kind != "hangup"
        nid = f"{short[kind]}{next(counter)}"
        ports: list[str] = []
        if kind == "hangup":
            params = {"cause": draw(st.sampled_from(["normal", "busy", "congestion"]))}
        elif kind == "play_message":
            params, ports = {"voice_message_id": draw(st.sampled_from([pbx.tone, pbx.tone2]))}, ["next"]
        elif kind == "caller_filter":
            params = draw(st.sampled_from([{"prefixes": p} for p in PREFIXES] + [{"classifier_id": pbx.classifier}]))
            ports = ["match", "no_match"]
        elif kind == "set_name":
            params, ports = {"text": "Agreed", "mode": draw(st.sampled_from(["prefix", "replace"]))}, ["next"]
        elif kind == "time_condition":
            params, ports = {"schedule_id": pbx.schedules[draw(st.sampled_from(sorted(pbx.schedules)))]}, ["open", "closed"]
        elif kind == "dial":
            number = draw(st.sampled_from(free))
            free.remove(number)
            callees[number] = Callee("unavailable") if number == ABSENT else draw(st.sampled_from(
                [Callee("answer", after=0.5, talk=1), Callee("busy"), Callee("no_answer")]))
            params = {"extension_id": pbx.exts[number].id, "ring_time": draw(st.integers(2, 3))}
            ports = ["answered", "no_answer", "busy", "unavailable"]
        else:
            menu_id = fake_id(len(menus) + 1)
            menu = menus[menu_id] = menu_doc()
            params = {"menu_id": menu_id}
            ports = [f"key:{k['key']}" for k in menu["keys"] if k["action"] == "exit"]
            ports += [port for port, exit_field in (("invalid", "default_exit"), ("timeout", "timeout_exit"))
                      if menu[exit_field]["action"] == "exit"]
        nodes.append((nid, kind, params))
        below = [] if kind == "dial" else loops + ([nid] if kind == "ivr" else [])
        for port in ports:
            child = sub(depth + 1, below, kind == "ivr")
            if child is not None:
                edges.append((nid, port, child))
        return nid

    first = None
    while first is None:  # the entry leads somewhere
        first = sub(0, [], False)
    edges.append(("in", "next", first))
    return Generated(graph(*nodes, edges=edges), menus, callees, draw(st.sampled_from(CALLERS)),
                     draw(st.sampled_from(["rfc2833", "info"])))


def outline(sim: dict) -> tuple:
    """What a call did, as far as the agreement test compares it (and a little more)."""
    return (tuple((v["node"], v.get("port"), tuple(m["menu"] for m in v.get("menus", ()))) for v in sim["path"]),
            sim["outcome"].get("result"))


def robust(doc: dict, comps, scenario: Scenario, keys: list[Key]) -> dict | None:
    """The simulation with ``keys``, when moving any key, or all of them, by up to a second
    changes nothing; else None (a key too close to the edge of a window that listens)."""
    def run(ks):
        return simulate(doc, comps, msgspec.structs.replace(scenario, keys=[Key(k.key, max(0.0, k.at)) for k in ks]))

    base = run(keys)
    want = outline(base)
    for shift in SHIFTS:
        if outline(run([Key(k.key, k.at + shift) for k in keys])) != want:
            return None
        for i in range(len(keys)):
            moved = [Key(k.key, k.at + shift) if j == i else k for j, k in enumerate(keys)]
            if outline(run(moved)) != want:
                return None
    return base


def draw_keys(draw, doc: dict, comps, scenario: Scenario) -> list[Key]:
    """Up to three keys, each at least 1.5 s after the one before and robust (see ``robust``)."""
    keys: list[Key] = []
    for _ in range(draw(st.sampled_from([2, 1, 3, 0]))):
        sim = robust(doc, comps, scenario, keys)
        if sim is None or sim["answered_at"] is None:
            break
        end = sim["duration"] - sim["answered_at"] - 1.0  # never after the call
        key = draw(st.sampled_from(PRESSED))
        start = keys[-1].at + 1.5 if keys else 0.0
        times = [start + 0.5 * i for i in range(int(max(0.0, end - start) / 0.5) + 1) if start + 0.5 * i <= end]
        times = [t for t in times if robust(doc, comps, scenario, keys + [Key(key, t)]) is not None]
        if not times:
            break
        keys.append(Key(key, draw(st.sampled_from(times))))
    return keys


def test_any_small_scheme_agrees_with_its_simulation(pbx):
    """Generated schemes and calls: the scheme is planned with the simulator (menus under
    stand-in ids), keys are placed where a second either way changes nothing, then the menus
    and the scheme are created and published (one scheme, a revision per example) and the
    call is placed and compared as in every other test."""
    did = pbx.dids[8]
    state = {"scheme": None}
    covered: Counter = Counter()
    base = scheme_service.components(pbx.runtime, pbx.tenant_id)

    @settings(max_examples=EXAMPLES or 8, derandomize=not EXAMPLES, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.data())
    def agree(data):
        gen = draw_scheme(data.draw, pbx, did)
        doc = g.from_graph(gen.graph)
        comps = replace(base, ivr_menus={**base.ivr_menus, **{i: {**m, "id": i} for i, m in gen.menus.items()}})
        scenario = Scenario(number=did, caller=gen.caller, at=datetime.now(timezone.utc), callees=gen.callees)
        gen.keys = draw_keys(data.draw, doc, comps, scenario)
        planned = robust(doc, comps, scenario, gen.keys)
        assume(planned is not None and planned["duration"] <= MAX_SECONDS)
        note(f"scheme {gen.graph}\nmenus {gen.menus}\ncaller {gen.caller}, keys {gen.keys} by {gen.method}, "
             f"callees {gen.callees}\nplanned {planned['path']} -> {planned['outcome']}")
        ids: dict[str, str] = {}
        for fake, menu in gen.menus.items():  # nested menus first: their ids go into the menus above
            text = json.dumps(menu)
            for known, real in ids.items():
                text = text.replace(known, real)
            ids[fake] = pbx.create("ivr_menu", json.loads(text))
        state["scheme"], revision = pbx.scheme(gen.real_graph(ids), state["scheme"])
        sim = pbx.check_call(state["scheme"], revision, did, caller=gen.caller, keys=gen.keys, method=gen.method,
                             callees=gen.callees)
        assert nodes(sim) == nodes(planned)
        covered[sim["outcome"].get("result", "")] += 1
        covered["with nested menus entered"] += any(v.get("menus") for v in sim["path"])
        covered["with nested menus"] += any(k["action"] == "ivr_menu" for menu in gen.menus.values() for k in menu["keys"])

    agree()
    print(f"agreement examples: {dict(covered)}")  # what the calls covered (pytest -s)
    # Every example published a revision of one scheme: the dialplan keeps the latest few.
    text = (pbx.asterisk.config_dir / f"extensions_t_{pbx.code}.conf").read_text()
    live = pbx.runtime.app.load("scheme", state["scheme"], pbx.tenant_id).data["published_revision"]
    prefix = f"t-{pbx.code}-s-{scheme_key(state['scheme'])}-r"
    kept = sorted(int(n) for n in re.findall(rf"^\[{re.escape(prefix)}(\d+)\]$", text, re.M))
    assert kept == list(range(max(1, live - KEEP_REVISIONS + 1), live + 1))
