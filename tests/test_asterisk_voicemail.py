"""Voicemail greetings by phone and message-waiting lamps in the real Asterisk (asterisk/sandbox).

As in tests/test_asterisk_components.py: objects are made through the application, the
ConfigApplier renders and applies them, SIPp phones place the calls. Keys are RFC 2833
events played from SIPp's pcaps; the caller's voice is a tone made with FFmpeg, so that
the recorded greeting can be measured. The message-waiting NOTIFYs are answered by a small
UDP responder bound to the port a SIPp phone registered from.
"""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
import wave
from array import array
from pathlib import Path

import pytest

from pbxflow.context import SYSTEM
from pbxflow.voicemail_spool import list_messages
from sipp import OK, allocate, wait_for
from test_asterisk_calls import apply, channels, make_ext, make_tenant, register
from test_asterisk_components import UAC_TALK, create, sandbox_root

pytestmark = pytest.mark.asterisk

DTMF = "/usr/share/sip-tester/dtmf_2833_{}.pcap"
KEY_FILES = {**{d: d for d in "0123456789"}, "#": "pound", "*": "star"}


def keys(digits: str, gap_ms: int = 500) -> str:
    """SIPp steps pressing keys as RFC 2833 events (each pcap lasts 140 ms)."""
    return "\n".join(f'  <nop><action><exec play_pcap_audio="{DTMF.format(KEY_FILES[d])}" /></action></nop>\n'
                     f'  <pause milliseconds="{gap_ms}" />' for d in digits)


def tone(path: Path, seconds: float, frequency: int = 500) -> Path:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
                    "-ac", "1", "-ar", "8000", "-f", "alaw", str(path)], check=True, timeout=60)
    return path


def voiced_seconds(path: Path) -> float:
    """How long a WAV (16-bit) holds sound, not silence: 100 ms frames above a low RMS."""
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2
        rate, samples = w.getframerate(), array("h", w.readframes(w.getnframes()))
    step = rate // 10
    frames = (samples[i:i + step] for i in range(0, len(samples) - step + 1, step))
    return sum(1 for f in frames if (sum(x * x for x in f) / len(f)) ** 0.5 > 500) / 10


def full_log(asterisk) -> Path:
    return sandbox_root(asterisk.env) / "var" / "log" / "asterisk" / "full.log"


def log_since(path: Path, start: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(start)
        return fh.read().decode(errors="replace")


def spool_of(asterisk) -> Path:
    return sandbox_root(asterisk.env) / "var" / "spool" / "asterisk" / "voicemail"


# --- recording the greeting by phone ---------------------------------------------------------


def keys_scenario(steps: str) -> str:
    """UAC_TALK, but after the 200: ``steps`` (keys, pauses, audio), then wait for Asterisk to hang up."""
    head, _, _ = UAC_TALK.partition('  <nop><action><exec rtp_stream="@AUDIO@,1,8" /></action></nop>')
    return head + steps + """
  <recv request="BYE" timeout="30000" />
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


def greeting_scenario(pin: str, audio: Path, speak_ms: int) -> str:
    """Enter the PIN, wait past the prompt and the tone, speak, press #; Asterisk says goodbye."""
    return keys_scenario(f"""
  <pause milliseconds="1500" />
{keys(pin + "#")}
  <pause milliseconds="8000" />
  <nop><action><exec rtp_stream="{audio},1,8" /></action></nop>
  <pause milliseconds="{speak_ms + 500}" />
{keys("#")}
""")


def test_greeting_recorded_by_phone_is_played_to_callers_and_shown_by_the_api(runtime, client, asterisk, reloader, phones,
                                                                                tmp_path, monkeypatch):
    spool = spool_of(asterisk)
    monkeypatch.setenv("PBXFLOW_VOICEMAIL_SPOOL", str(spool))
    t = make_tenant(runtime, "Greetings")
    code = t.data["code"]
    caller = make_ext(runtime, t.id, "201", "Caller")
    owner = make_ext(runtime, t.id, "202", "Owner")
    r = runtime.app.update(SYSTEM, "extension", t.id, owner.id, None, {"voicemail": True})
    runtime.wait(r.notification_id)
    box = create(runtime, "voicemail_box", t.id, {"name": "Owner", "mailbox": "202", "owner_type": "extension",
                                                  "owner_id": owner.id, "pin": "2468"})
    apply(runtime, asterisk, reloader)
    assert "VMAuthenticate(${PBXFLOW_VMBOX}" in asterisk.cli(f"dialplan show *96@t-{code}-features")
    greeting = spool / f"t-{code}" / "202" / "unavail.wav"
    assert not greeting.exists()

    # The owner's phone registers, dials *96, enters the box's PIN, speaks for 3 s and presses #.
    ports = allocate()
    register(asterisk, phones, owner, ports)
    scenario = tmp_path / "uac_greeting.xml"
    scenario.write_text(greeting_scenario("2468", tone(tmp_path / "voice.alaw", 3.0), 3000))
    recorded = phones.run(str(scenario), ports, service="*96", auth=(owner.username, owner.password), timeout=60,
                          caller=owner.username)
    assert recorded.rc == OK and recorded.received("BYE"), recorded.describe()
    assert greeting.is_file()
    assert 2.5 <= voiced_seconds(greeting) <= 3.6, voiced_seconds(greeting)

    # The API shows it (recorded by phone) and serves it.
    listed = client.get(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/greetings").json()
    unavailable = {g["kind"]: g for g in listed["items"]}["unavailable"]
    # 3 s spoken; Record() drops the last 1/4 s before the # (and writes nothing while no audio arrives)
    assert unavailable["present"] and 2500 <= unavailable["duration_ms"] <= 3300, unavailable
    audio = client.get(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/greetings/unavailable")
    assert audio.status_code == 200 and audio.content == greeting.read_bytes()

    # A wrong PIN records nothing: Asterisk asks again and hangs up after three attempts.
    before = greeting.stat().st_mtime_ns
    wrong = tmp_path / "uac_wrong_pin.xml"
    wrong.write_text(keys_scenario("\n".join(f'  <pause milliseconds="2500" />\n{keys("1111#")}' for _ in range(3))))
    refused = phones.run(str(wrong), allocate(), service="*96", auth=(owner.username, owner.password), timeout=60,
                         caller=owner.username)
    assert refused.rc == OK and refused.received("BYE"), refused.describe()
    assert greeting.stat().st_mtime_ns == before

    # A caller who reaches the box (202 is not reachable) hears that greeting, not the default one.
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")
    log = full_log(asterisk)
    start = log.stat().st_size
    talk = tmp_path / "uac_talk.xml"
    talk.write_text(UAC_TALK.replace("@AUDIO@", str(tone(tmp_path / "talk.alaw", 2.0, 700))).replace("@TALK_MS@", "7000"))
    assert phones.register(owner.username, owner.password, ports, expires=0).rc == OK  # unreachable: straight to voicemail
    call = phones.run(str(talk), allocate(), service="202", auth=(caller.username, caller.password), timeout=40,
                      caller=caller.username)
    assert call.rc == OK, call.describe()
    played = log_since(log, start)
    assert re.search(rf"Playing '/var/spool/asterisk/voicemail/t-{code}/202/unavail\.(wav|slin)'", played), played[-3000:]
    assert "vm-theperson" not in played and "vm-isunavail" not in played


def test_uploaded_greeting_replaces_the_recorded_one(runtime, client, asterisk, reloader, phones, tmp_path, monkeypatch):
    """Both ways write the file VoiceMail() plays: an upload through the API is played to the next caller."""
    spool = spool_of(asterisk)
    monkeypatch.setenv("PBXFLOW_VOICEMAIL_SPOOL", str(spool))
    t = make_tenant(runtime, "Uploaded greeting")
    code = t.data["code"]
    caller = make_ext(runtime, t.id, "201", "Caller")
    owner = make_ext(runtime, t.id, "202", "Owner")
    r = runtime.app.update(SYSTEM, "extension", t.id, owner.id, None, {"voicemail": True})
    runtime.wait(r.notification_id)
    box = create(runtime, "voicemail_box", t.id, {"name": "Owner", "mailbox": "202", "owner_type": "extension", "owner_id": owner.id})
    apply(runtime, asterisk, reloader)

    mp3 = tmp_path / "greeting.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-ac", "2", "-ar", "44100", "-c:a", "libmp3lame", str(mp3)], check=True, timeout=60)
    up = client.put(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/greetings/busy",
                    files={"file": ("greeting.mp3", mp3.read_bytes(), "audio/mpeg")})
    assert up.status_code == 200 and up.json()["kind"] == "busy" and 1900 <= up.json()["duration_ms"] <= 2200, up.text
    busy = spool / f"t-{code}" / "202" / "busy.wav"
    with wave.open(str(busy)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)

    # 202 is busy (its phone answers 486): the caller hears the uploaded busy greeting.
    ports = allocate()
    register(asterisk, phones, owner, ports)
    phone = SipPhone(ports.sip)
    try:
        log = full_log(asterisk)
        start = log.stat().st_size
        talk = tmp_path / "uac_talk.xml"
        talk.write_text(UAC_TALK.replace("@AUDIO@", str(tone(tmp_path / "talk.alaw", 2.0, 700))).replace("@TALK_MS@", "6000"))
        call = phones.run(str(talk), allocate(), service="202", auth=(caller.username, caller.password), timeout=40,
                          caller=caller.username)
        assert call.rc == OK, call.describe()
        assert phone.invites >= 1
    finally:
        phone.close()
    played = log_since(log, start)
    assert re.search(rf"Playing '/var/spool/asterisk/voicemail/t-{code}/202/busy\.(wav|slin)'", played), played[-3000:]

    # Deleted through the API: callers hear Asterisk's own announcement again.
    assert client.delete(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/greetings/busy").status_code == 204
    assert not busy.exists()
    assert client.delete(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/greetings/busy").status_code == 404


# --- message-waiting indication ------------------------------------------------------------


class SipPhone:
    """The UDP side of a registered phone: answers NOTIFY with 200 and INVITE with 486, and keeps
    every NOTIFY it got (a SIPp registered from the same port first)."""

    def __init__(self, port: int):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.notifies: list[str] = []
        self.invites = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            text = data.decode(errors="replace")
            method = text.split(" ", 1)[0]
            if method in ("NOTIFY", "INVITE", "OPTIONS"):
                if method == "NOTIFY":
                    self.notifies.append(text)
                elif method == "INVITE" and not re.search(r"^To:.*;tag=", text, re.M | re.I):
                    self.invites += 1
                status = "486 Busy Here" if method == "INVITE" else "200 OK"
                self.sock.sendto(self._answer(text, status).encode(), addr)

    @staticmethod
    def _answer(request: str, status: str) -> str:
        head = request.split("\r\n\r\n", 1)[0].split("\r\n")
        keep = [h for h in head[1:] if h.split(":", 1)[0].strip().lower() in ("via", "from", "to", "call-id", "cseq")]
        keep = [h + ";tag=phone" if h.lower().startswith("to:") and ";tag=" not in h else h for h in keep]
        return "\r\n".join([f"SIP/2.0 {status}", *keep, "Content-Length: 0", "", ""])

    def waiting(self) -> list[str]:
        """The Messages-Waiting values of the NOTIFYs so far, in order."""
        return [m.group(1) for n in self.notifies for m in [re.search(r"^Messages-Waiting:\s*(\w+)", n, re.M | re.I)] if m]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def test_message_waiting_lamp_follows_the_box(runtime, client, asterisk, reloader, phones, tmp_path, monkeypatch):
    spool = spool_of(asterisk)
    monkeypatch.setenv("PBXFLOW_VOICEMAIL_SPOOL", str(spool))
    t = make_tenant(runtime, "MWI")
    code = t.data["code"]
    caller = make_ext(runtime, t.id, "201", "Caller")
    owner = make_ext(runtime, t.id, "202", "Owner", ring_time=5)
    r = runtime.app.update(SYSTEM, "extension", t.id, owner.id, None, {"voicemail": True})
    runtime.wait(r.notification_id)
    box = create(runtime, "voicemail_box", t.id, {"name": "Owner", "mailbox": "202", "owner_type": "extension", "owner_id": owner.id})
    # This process applies the config, so the API reaches Asterisk over AMI (as in `pbxflow serve`).
    runtime.asterisk = apply(runtime, asterisk, reloader)
    sent: list[str] = []
    action = reloader.action
    monkeypatch.setattr(reloader, "action", lambda act, *a, **kw: sent.append(act["Action"]) or action(act, *a, **kw))
    shown = asterisk.cli(f"pjsip show endpoint {owner.username}")
    assert re.search(rf"^\s*mailboxes\s*:\s*202@t-{code}\s*$", shown, re.M), shown
    assert re.search(rf"^\s*mailboxes\s*:\s*202@t-{code}\s*$", asterisk.cli(f"pjsip show aor {owner.username}"), re.M)

    ports = allocate()
    register(asterisk, phones, owner, ports)
    phone = SipPhone(ports.sip)
    try:
        # A caller leaves a message (202's phone answers the INVITE busy): the lamp goes on.
        talk = tmp_path / "uac_talk.xml"
        talk.write_text(UAC_TALK.replace("@AUDIO@", str(tone(tmp_path / "talk.alaw", 18.0))).replace("@TALK_MS@", "18000"))
        call = phones.run(str(talk), allocate(), service="202", auth=(caller.username, caller.password), timeout=40,
                          caller=caller.username)
        assert call.rc == OK, call.describe()
        [msg] = wait_for(lambda: list_messages(spool, code, "202"), 15, 0.2, "the message in the spool")
        wait_for(lambda: "yes" in phone.waiting(), 10, 0.1, "a NOTIFY with Messages-Waiting: yes")
        lit = next(n for n in phone.notifies if re.search(r"^Messages-Waiting:\s*yes", n, re.M | re.I))
        assert lit.startswith(f"NOTIFY sip:{owner.username}@127.0.0.1:{ports.sip}"), lit
        assert re.search(r"^Event:\s*message-summary", lit, re.M | re.I) and re.search(r"^Voice-Message:\s*1/0", lit, re.M), lit
        assert re.search(r"^Message-Account:\s*sip:\*97@", lit, re.M), lit

        # Deleted through the API: Asterisk removes it and the lamp goes off at once.
        count = len(phone.notifies)
        gone = client.delete(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/messages/{msg.id}")
        assert gone.status_code == 204, gone.text
        assert not list_messages(spool, code, "202")
        assert sent == ["VoicemailRemove", "VoicemailRefresh"]  # Asterisk removed it (and told the phones)
        wait_for(lambda: "no" in phone.waiting()[count:], 10, 0.1, "a NOTIFY with Messages-Waiting: no")
        assert client.get(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/messages").json()["total"] == 0
        assert client.delete(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/messages/{msg.id}").status_code == 404
    finally:
        phone.close()
        runtime.asterisk = None
