"""Groups (queues) in the real Asterisk (asterisk/sandbox) with SIPp phones: the round-robin
rotation, the maximum queue length and a greeting uploaded as MP3, heard as RTP by the caller.

Same pattern as tests/test_asterisk_components.py: objects through the application (or the
API, for the upload), the ConfigApplier applies them to the sandbox and reloads Asterisk, SIPp
places and takes the calls.
"""

from __future__ import annotations

import re
import socket
import struct
import subprocess
import threading

import pytest

from sipp import OK, allocate, udp_bound, wait_for
from test_asterisk_calls import apply, channels, make_ext, make_tenant, register
from test_asterisk_components import create, hang_up_all

pytestmark = pytest.mark.asterisk


def queue_members_idle(asterisk, queue: str, count: int) -> bool:
    """Whether `queue show` lists ``count`` members, all "Not in use" (free to be rung again)."""
    shown = asterisk.cli(f"queue show {queue}")
    return len(re.findall(r"\(Not in use\)", shown)) == count


# --- round robin with memory ---------------------------------------------------------------


def test_round_robin_with_memory_rotates_through_the_members(runtime, asterisk, reloader, phones, tmp_path):
    t = make_tenant(runtime, "Round robin")
    code = t.data["code"]
    caller = make_ext(runtime, t.id, "201", "Caller")
    members = [make_ext(runtime, t.id, n, f"Member {n}") for n in ("202", "203", "204")]
    create(runtime, "group", t.id, {"name": "Support", "number": "500", "strategy": "round_robin_memory", "ring_time": 15,
                                    "max_wait": 60, "members": [{"extension_id": m.id, "priority": 1} for m in members]})
    apply(runtime, asterisk, reloader)
    queue = f"t-{code}-q500"
    assert "'rrmemory' strategy" in asterisk.cli(f"queue show {queue}")

    ports = {}
    for m in members:
        ports[m.username] = allocate()
        register(asterisk, phones, m, ports[m.username])

    def answering_phone(username: str):
        # Answers the first INVITE, talks 300 ms and hangs up; one call per process. A finished
        # SIPp's ports can stay bound a moment longer (its <exec> child inherits the sockets).
        p = ports[username]
        wait_for(lambda: not any(udp_bound(port) for port in (p.sip, p.media, p.media + 2)), 10, 0.05,
                 f"the ports of {username}'s last phone to be released")
        return phones.uas("uas_answer.xml", ports[username], timeout=120, hold_ms=300)

    uas = {m.username: answering_phone(m.username) for m in members}
    wait_for(lambda: queue_members_idle(asterisk, queue, 3), 10, 0.2, "three free members")

    answered: list[str] = []
    for n in range(6):
        call = phones.staying_call("500", caller).wait()
        assert call.rc == OK and call.received("BYE"), call.describe()
        # Exactly one member took the call (rrmemory rings one member at a time).
        done = wait_for(lambda: [u for u, p in uas.items() if p.proc.poll() is not None], 10, 0.1, "the answering member's phone to finish")
        assert len(done) == 1, done
        result = uas[done[0]].wait()
        assert result.rc == OK and len(result.received("INVITE")) == 1, result.describe()
        answered.append(done[0])
        if n < 5:
            uas[done[0]] = answering_phone(done[0])  # ready for the next call
        else:
            del uas[done[0]]
        wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")
        wait_for(lambda: queue_members_idle(asterisk, queue, 3), 10, 0.2, "every member free again")

    names = {m.username: m.number for m in members}
    order = [names[u] for u in answered]
    # Each member once per round, and the memory keeps the rotation: round 2 repeats round 1.
    assert sorted(order[:3]) == ["202", "203", "204"], order
    assert order[3:] == order[:3], order
    assert len(uas) == 2
    for p in uas.values():  # the phones not rung by the last call are still waiting for theirs
        assert p.proc.poll() is None
        p.kill()
        assert not p.result().received("INVITE")


# --- maximum queue length -------------------------------------------------------------------


def test_a_full_queue_turns_the_next_caller_away_busy(runtime, asterisk, reloader, phones, tmp_path):
    t = make_tenant(runtime, "Queue length")
    code = t.data["code"]
    first = make_ext(runtime, t.id, "201", "First caller")
    second = make_ext(runtime, t.id, "202", "Second caller")
    member = make_ext(runtime, t.id, "203", "Member")
    create(runtime, "group", t.id, {"name": "Small", "number": "500", "strategy": "ring_all", "ring_time": 60, "max_wait": 120,
                                    "max_len": 1, "members": [{"extension_id": member.id}]})
    apply(runtime, asterisk, reloader)
    queue = f"t-{code}-q500"
    assert re.search(r"has 0 calls \(max 1\)", asterisk.cli(f"queue show {queue}")), asterisk.cli(f"queue show {queue}")

    # The only member rings and never answers: the first caller stays in the queue.
    member_ports = allocate()
    register(asterisk, phones, member, member_ports)
    ringer = phones.uas("uas_noanswer.xml", member_ports, timeout=60)
    waiting = phones.start_uac_call("500", first.username, first.password, allocate(), timeout=60)
    wait_for(lambda: re.search(r"has 1 calls? \(max 1\)", asterisk.cli(f"queue show {queue}")), 15, 0.2, "the first caller in the queue")
    wait_for(lambda: any(ch["name"].startswith(f"PJSIP/{member.username}-") and ch["state"] == "Ringing" for ch in channels(asterisk)),
             15, 0.1, "the member to ring")

    # The queue is full (max_len 1): QUEUESTATUS=FULL, cause 17, 486 Busy Here.
    turned_away = phones.uac_call("500", second.username, second.password, allocate(), expect=486)
    assert turned_away.rc == OK and "SIP/2.0 486 " in turned_away.messages, turned_away.describe()
    assert re.search(r"has 1 calls? \(max 1\)", asterisk.cli(f"queue show {queue}"))  # the first caller still waits
    assert waiting.proc.poll() is None and ringer.proc.poll() is None

    hang_up_all(asterisk)
    first_result = waiting.wait()
    assert first_result.final_status != 486, first_result.describe()  # the first caller was queued, not turned away
    ringer.kill()
    assert len(ringer.result().received("INVITE")) == 1  # the member was rung for the first caller only


# --- an MP3 greeting, heard as RTP --------------------------------------------------------------

# A caller whose SDP offers @RTP_PORT@ (a Python socket counting what Asterisk sends) instead of
# SIPp's own media port; it waits for Asterisk's BYE.
UAC_LISTEN = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="pbxflow test: call, listen on another port, wait for BYE">
  <Global variables="caller" />
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]
      Max-Forwards: 70
      From: <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[$caller]@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio @RTP_PORT@ RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=sendrecv
  ]]></send>
  <recv response="100" optional="true" />
  <recv response="401" auth="true" />
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      Max-Forwards: 70
      From: <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Content-Length: 0
  ]]></send>
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]
      Max-Forwards: 70
      From: <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 2 INVITE
      Contact: <sip:[$caller]@[local_ip]:[local_port];transport=[transport]>
      [authentication]
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio @RTP_PORT@ RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=sendrecv
  ]]></send>
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="183" optional="true" />
  <recv response="200" rrs="true" />
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]
      [routes]
      Max-Forwards: 70
      From: <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      Content-Length: 0
  ]]></send>
  <recv request="BYE" />
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
</scenario>
"""


class RtpCounter:
    """Receives RTP on a UDP port in a thread and keeps (payload type, timestamp, payload) per packet."""

    def __init__(self, port: int):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.packets: list[tuple[int, int, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(data) > 12 and data[0] >> 6 == 2:  # RTP version 2
                pt = data[1] & 0x7F
                (ts,) = struct.unpack("!I", data[4:8])
                header = 12 + 4 * (data[0] & 0x0F)
                self.packets.append((pt, ts, data[header:]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def test_an_uploaded_mp3_greeting_reaches_the_caller_as_rtp(runtime, client, asterisk, reloader, phones, tmp_path, monkeypatch):
    monkeypatch.setenv("PBXFLOW_DATA_DIR", str(asterisk.data_dir))
    mp3 = tmp_path / "greeting.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
                    "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", str(mp3)], check=True, timeout=60)
    tenant = client.post("/api/tenants", json={"name": "Greeting RTP"}).json()
    tid, code = tenant["id"], tenant["code"]
    up = client.post(f"/api/tenants/{tid}/media", files={"file": ("greeting.mp3", mp3.read_bytes(), "audio/mpeg")})
    assert up.status_code == 201, up.text
    assert 2800 <= up.json()["duration_ms"] <= 3300, up.json()  # MP3 frames may pad the end a little
    media_id = up.json()["id"]
    caller = make_ext(runtime, tid, "201", "Caller")
    absent = make_ext(runtime, tid, "202", "Absent")  # never registers
    # Answered, the greeting is played, then Queue() finds no member able to take calls
    # (JOINEMPTY) and Asterisk hangs up: the caller hears exactly the greeting.
    create(runtime, "group", tid, {"name": "Greeted", "number": "500", "greeting_media_id": media_id,
                                   "members": [{"extension_id": absent.id}]})
    apply(runtime, asterisk, reloader)
    assert f"Playback(/etc/asterisk/pbxflow/media/{code}/{media_id})" in asterisk.cli(f"dialplan show 500@t-{code}-ext")

    rtp_port = allocate().media
    scenario = tmp_path / "uac_listen.xml"
    scenario.write_text(UAC_LISTEN.replace("@RTP_PORT@", str(rtp_port)))
    counter = RtpCounter(rtp_port)
    try:
        call = phones.run(str(scenario), allocate(), service="500", auth=(caller.username, caller.password), timeout=30,
                          caller=caller.username)
    finally:
        counter.close()
    assert call.rc == OK and call.received("BYE"), call.describe()
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")

    audio = [(ts, payload) for pt, ts, payload in counter.packets if pt == 0]  # PCMU, as offered
    # 3 s at 50 packets/s = 150; wide bounds: the greeting was heard, and not much more than it.
    assert 0.7 * 150 <= len(audio) <= 2 * 150, len(counter.packets)
    # The tone, not silence (u-law silence is 0xFF / 0x7F).
    tone = [p for _, p in audio if len(set(p) - {0xFF, 0x7F}) > 10]
    assert len(tone) >= 0.7 * 150, (len(tone), len(audio))
    # Media time (RTP timestamps, 8000 per second) spans about the greeting's length.
    span = ((audio[-1][0] - audio[0][0]) % 2**32) / 8000
    assert 2.1 <= span <= 6.0, span
