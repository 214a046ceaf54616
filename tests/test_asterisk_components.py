"""Groups, pickup, voicemail and media in the real Asterisk (asterisk/sandbox), with SIPp phones.

As in tests/test_asterisk_calls.py: objects are created through the application (or the
API, for uploads), the ConfigApplier renders and applies them into the sandbox's config
directory and reloads Asterisk over AMI, and SIPp places and takes the calls.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from pbxflow.context import SYSTEM
from pbxflow.voicemail_spool import SmtpSettings, VoicemailNotifier, list_messages
from sipp import OK, allocate, wait_for
from smtp_sink import SmtpSink
from test_asterisk_calls import apply, channels, from_header, make_ext, make_tenant, register, up_channels_of

pytestmark = pytest.mark.asterisk


def sandbox_root(env: dict) -> Path:
    """The sandbox's chroot, as asterisk/sandbox computes it."""
    cache = env.get("PBXFLOW_CACHE_DIR") or str(Path(env.get("HOME") or "/root") / ".cache" / "pbxflow")
    return Path(os.path.realpath(env.get("PBXFLOW_ASTERISK_ROOT") or f"{cache}/asterisk-root"))


def create(runtime, kind: str, tenant_id: str, data: dict):
    r = runtime.app.create(SYSTEM, kind, tenant_id, data)
    runtime.wait(r.notification_id)
    return r


def hang_up_all(asterisk) -> None:
    asterisk.cli("channel request hangup all")
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")


# --- groups ------------------------------------------------------------------------------


def test_a_call_to_a_group_rings_its_registered_member(runtime, asterisk, reloader, phones, tmp_path):
    t = make_tenant(runtime, "Group calls")
    code = t.data["code"]
    caller = make_ext(runtime, t.id, "201", "Caller")
    member = make_ext(runtime, t.id, "202", "Member")
    absent = make_ext(runtime, t.id, "203", "Absent")  # never registers
    create(runtime, "group", t.id, {"name": "Sales", "number": "500", "strategy": "ring_all", "ring_time": 10, "max_wait": 20,
                                    "members": [{"extension_id": member.id, "priority": 1}, {"extension_id": absent.id, "priority": 2}]})
    create(runtime, "group", t.id, {"name": "Nobody", "number": "501", "members": [{"extension_id": absent.id}]})
    apply(runtime, asterisk, reloader)

    shown = asterisk.cli(f"queue show t-{code}-q500")
    assert f"t-{code}-q500 has 0 calls" in shown and "'ringall' strategy" in shown, shown
    # Priority 1 is penalty 0 (not shown), priority 2 penalty 1.
    assert re.search(rf"^\s*202 \(PJSIP/{member.username}\) \(ringinuse disabled\)", shown, re.M), shown
    assert re.search(rf"^\s*203 \(PJSIP/{absent.username}\) with penalty 1 \(ringinuse disabled\)", shown, re.M), shown

    ports = allocate()
    register(asterisk, phones, member, ports)
    uas = phones.uas("uas_answer.xml", ports)
    call = phones.staying_call("500", caller).wait()
    assert call.rc == OK and call.received("BYE"), call.describe()
    answered = uas.wait()
    assert answered.rc == OK, answered.describe()
    [invite] = answered.received("INVITE")
    assert '"Caller" <sip:201@' in from_header(invite), invite
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")

    # No member can take calls: the caller does not queue (JOINEMPTY) and gets 480.
    empty = phones.uac_call("501", caller.username, caller.password, allocate(), expect=480)
    assert empty.rc == OK and "SIP/2.0 480 " in empty.messages, empty.describe()


# --- pickup ------------------------------------------------------------------------------

def test_pickup_works_inside_the_group_and_never_across_tenants(runtime, asterisk, reloader, phones, tmp_path):
    a = make_tenant(runtime, "Pickup A")
    b = make_tenant(runtime, "Pickup B")
    caller = make_ext(runtime, a.id, "201", "Caller A")
    ringing = make_ext(runtime, a.id, "202", "Ringing A", ring_time=30)
    colleague = make_ext(runtime, a.id, "203", "Colleague A")
    outsider = make_ext(runtime, a.id, "204", "Outsider A")  # same tenant, no pickup group
    other = make_ext(runtime, b.id, "202", "Other tenant")
    other2 = make_ext(runtime, b.id, "203", "Other tenant 2")
    pg_a = create(runtime, "pickup_group", a.id, {"name": "Office A", "members": [ringing.id, colleague.id]})
    pg_b = create(runtime, "pickup_group", b.id, {"name": "Office B", "members": [other.id, other2.id]})
    apply(runtime, asterisk, reloader)

    group_a = f"t-{a.data['code']}-pg-{pg_a.id.replace('-', '')[:8]}"
    group_b = f"t-{b.data['code']}-pg-{pg_b.id.replace('-', '')[:8]}"
    for ext, group in ((ringing, group_a), (colleague, group_a), (other, group_b)):
        shown = asterisk.cli(f"pjsip show endpoint {ext.username}")
        assert re.search(rf"named_call_group\s*:\s*{group}\s*$", shown, re.M), shown
        assert re.search(rf"named_pickup_group\s*:\s*{group}\s*$", shown, re.M), shown
    assert not re.search(r"named_pickup_group[ \t]*:[ \t]*\S", asterisk.cli(f"pjsip show endpoint {outsider.username}"))
    assert "Pickup()" in asterisk.cli(f"dialplan show *8@t-{a.data['code']}-features")

    # 201 calls 202, which rings and does not answer.
    ring_ports = allocate()
    register(asterisk, phones, ringing, ring_ports)
    ringer = phones.uas("uas_noanswer.xml", ring_ports, timeout=40)
    call = phones.staying_call("202", caller)
    wait_for(lambda: any(ch["name"].startswith(f"PJSIP/{ringing.username}-") and ch["state"] == "Ringing" for ch in channels(asterisk)),
             10, 0.1, "202 to ring")

    # The other tenant's pickup group member, and an extension outside the group, pick up nothing (403).
    for ext in (other, outsider):
        refused = phones.uac_call("*8", ext.username, ext.password, allocate(), expect=403)
        # Exit code 0: the final status was the expected one (its stderr line is sometimes cut short).
        assert refused.rc == OK and "SIP/2.0 403 Forbidden" in refused.messages, refused.describe()
    assert ringer.proc.poll() is None and call.proc.poll() is None

    # A colleague in the same pickup group takes the call: 201 is connected to 203.
    picker = phones.staying_call("*8", colleague)
    up = wait_for(lambda: up_channels_of(asterisk, caller.username, colleague.username), 10, 0.1, "201 and 203 to be connected")
    assert set(up) == {caller.username, colleague.username}
    rung = ringer.wait()
    assert rung.rc == OK and rung.received("CANCEL"), rung.describe()
    hang_up_all(asterisk)
    for side in (call.wait(), picker.wait()):
        assert side.rc == OK and side.received("BYE"), side.describe()


# --- voicemail ---------------------------------------------------------------------------

# A caller that talks: after the 200 it streams @AUDIO@ (raw A-law, made with FFmpeg) for @TALK_MS@ ms
# (answering a re-INVITE meanwhile) and hangs up, so that Asterisk records a message after its greeting (the greeting takes ~12 s).
UAC_TALK = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="pbxflow test: call, talk, hang up">
  <Global variables="caller" />
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]
      Max-Forwards: 70
      From: "Talker" <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
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
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=sendrecv
  ]]></send>
  <recv response="100" optional="true" />
  <recv response="401" auth="true" />
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      Max-Forwards: 70
      From: "Talker" <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Content-Length: 0
  ]]></send>
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]
      Max-Forwards: 70
      From: "Talker" <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
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
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
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
      From: "Talker" <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      Content-Length: 0
  ]]></send>
  <nop><action><exec rtp_stream="@AUDIO@,1,8" /></action></nop>
  <!-- talk; Asterisk may re-INVITE the caller meanwhile (a connected-line update when
       voicemail answers): answer it and talk on -->
  <label id="talk" />
  <recv request="INVITE" timeout="@TALK_MS@" ontimeout="bye" />
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[$caller]@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- 53655765 2353687638 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=sendrecv
  ]]></send>
  <recv request="ACK" next="talk" />
  <label id="bye" />
  <send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]
      [routes]
      Max-Forwards: 70
      From: "Talker" <sip:[$caller]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 BYE
      Content-Length: 0
  ]]></send>
  <recv response="200" />
</scenario>
"""


def test_unanswered_call_lands_in_voicemail_listed_and_emailed(runtime, client, asterisk, reloader, phones, tmp_path, monkeypatch):
    spool = sandbox_root(asterisk.env) / "var" / "spool" / "asterisk" / "voicemail"
    monkeypatch.setenv("PBXFLOW_VOICEMAIL_SPOOL", str(spool))
    t = make_tenant(runtime, "Voicemail")
    code = t.data["code"]
    caller = make_ext(runtime, t.id, "201", "Caller")
    callee = make_ext(runtime, t.id, "202", "Callee", ring_time=5)
    r = runtime.app.update(SYSTEM, "extension", t.id, callee.id, None, {"voicemail": True})
    runtime.wait(r.notification_id)
    box = create(runtime, "voicemail_box", t.id, {"name": "Callee", "mailbox": "202", "owner_type": "extension", "owner_id": callee.id,
                                                  "email": "callee@example.com", "pin": "2468"})
    apply(runtime, asterisk, reloader)
    assert "202" in asterisk.cli(f"voicemail show users for t-{code}")
    # Any messages from an earlier run of this test are gone with the tenant code (codes are random).
    assert not list_messages(spool, code, "202")

    ports = allocate()
    register(asterisk, phones, callee, ports)
    ringer = phones.uas("uas_noanswer.xml", ports)
    audio = tmp_path / "talk.alaw"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=500:duration=22",
                    "-ac", "1", "-ar", "8000", "-f", "alaw", str(audio)], check=True, timeout=60)
    scenario = tmp_path / "uac_talk.xml"
    scenario.write_text(UAC_TALK.replace("@AUDIO@", str(audio)).replace("@TALK_MS@", "20000"))
    talk = phones.run(str(scenario), allocate(), service="202", auth=(caller.username, caller.password), timeout=40,
                      caller=caller.username)
    assert talk.rc == OK, talk.describe()
    rung = ringer.wait()
    assert rung.rc == OK and rung.received("CANCEL"), rung.describe()  # rang 5 s, then voicemail

    [msg] = wait_for(lambda: list_messages(spool, code, "202"), 15, 0.2, "the message in the spool")
    assert msg.folder == "INBOX" and msg.caller_number == "201" and msg.duration >= 3 and msg.audio is not None

    # Through the API: listed with the caller, and downloadable.
    listed = client.get(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/messages").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == msg.id and listed["items"][0]["caller_number"] == "201"
    audio = client.get(f"/api/tenants/{t.id}/voicemail-boxes/{box.id}/messages/{msg.id}")
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF" and len(audio.content) > 8000

    # Emailed once, with the caller, the time and the recording.
    with SmtpSink() as sink:
        notifier = VoicemailNotifier(runtime.pool, spool, tmp_path / "sent", SmtpSettings.from_url(sink.url, "pbx@example.com")).start()
        try:
            [mail] = sink.wait(1)
        finally:
            notifier.stop()
    assert mail["To"] == "Callee <callee@example.com>" and "<201>" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "Caller: \"Caller\" <201>" in body and "Received: " in body and f"Duration: {msg.duration} s" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "audio/wav" and attachment.get_content() == audio.content


# --- media -------------------------------------------------------------------------------


def test_uploaded_mp3_is_converted_and_played_by_asterisk(runtime, client, asterisk, reloader, phones, tmp_path, monkeypatch):
    monkeypatch.setenv("PBXFLOW_DATA_DIR", str(asterisk.data_dir))
    mp3 = tmp_path / "greeting.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=660:duration=1.5",
                    "-ac", "2", "-ar", "44100", "-c:a", "libmp3lame", str(mp3)], check=True, timeout=60)
    tenant = client.post("/api/tenants", json={"name": "Media"}).json()
    tid, code = tenant["id"], tenant["code"]
    up = client.post(f"/api/tenants/{tid}/media", files={"file": ("greeting.mp3", mp3.read_bytes(), "audio/mpeg")},
                     data={"moh_class": "default"})
    assert up.status_code == 201, up.text
    media_id = up.json()["id"]
    assert (asterisk.config_dir / "media" / code / f"{media_id}.wav").is_file()
    caller = make_ext(runtime, tid, "201", "Caller")
    member = make_ext(runtime, tid, "202", "Member")
    create(runtime, "group", tid, {"name": "Greeted", "number": "500", "greeting_media_id": media_id, "members": [{"extension_id": member.id}]})
    apply(runtime, asterisk, reloader)

    # Asterisk reads WAV (8 kHz slin) and has the tenant's default music on hold from the upload.
    assert re.search(r"^slin\s+wav\s+wav\s*$", asterisk.cli("core show file formats"), re.M)
    classes = asterisk.cli("moh show classes")
    assert f"Class: t-{code}-default" in classes and "Mode: playlist" in classes, classes
    assert f"/etc/asterisk/pbxflow/media/{code}/{media_id}" in asterisk.cli("moh show files")
    assert f"moh_suggest                        : t-{code}-default" in asterisk.cli(f"pjsip show endpoint {caller.username}") or \
        re.search(rf"moh_suggest\s*:\s*t-{code}-default", asterisk.cli(f"pjsip show endpoint {caller.username}"))

    # A call to the group plays the greeting, then the member answers.
    log = sandbox_root(asterisk.env) / "var" / "log" / "asterisk" / "full.log"
    log_start = log.stat().st_size if log.exists() else 0
    ports = allocate()
    register(asterisk, phones, member, ports)
    uas = phones.uas("uas_answer.xml", ports)
    call = phones.staying_call("500", caller).wait()
    assert call.rc == OK and call.received("BYE"), call.describe()
    assert uas.wait().rc == OK
    with open(log, "rb") as fh:
        fh.seek(log_start)
        played = fh.read().decode(errors="replace")
    assert re.search(rf"Playing '/etc/asterisk/pbxflow/media/{code}/{media_id}\.(wav|slin)'", played), played[-3000:]
    assert "Unable to open" not in played and "File does not exist" not in played
