"""Call recording per user and per group (F-CAL-6): settings, dialplan, the history's link, the
download, retention.

Settings go through the API (validation names the field, If-Match, the action history); the
dialplan is checked as rendered text; the calls model and the pruner's decision are pure; the
whole path runs through the real Asterisk with SIPp phones in the last tests: MixMonitor's WAV
file, the history row's link, the download (with a byte range), another tenant's 404.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import subprocess
import uuid
import wave
from pathlib import Path

import pytest
from conftest import login
from hypothesis import given, settings
from hypothesis import strategies as st
from sipp import allocate, wait_for
from test_asterisk_calls import apply, channels, make_ext, make_tenant, register
from test_asterisk_components import UAC_TALK, sandbox_root
from test_calls_asterisk import history
from test_calls_control import calls, make_user  # noqa: F401  (calls: the ingestion fixture)

from pbxflow.calls import recordings
from pbxflow.calls.ingest import keep
from pbxflow.calls.recordings import DAY, StoredRecording, byte_range, expired
from pbxflow.calls.synthetic import CallScript
from pbxflow import scheme_service
from pbxflow.context import SYSTEM
from pbxflow.domain.recording import DEFAULT_RETENTION_DAYS
from pbxflow.routing import graph
from projections.asterisk.render import TenantConfig, recording_context, render_tenant
from projections.calls.model import RECORDING_FILE, CallBook

NODE = "pbx1:5038"


# --- settings through the API ----------------------------------------------------------------


def _tenant(client, name="Rec") -> str:
    r = client.post("/api/tenants", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _create(client, tid: str, collection: str, **extra):
    body = ({"login": f"u{uuid.uuid4().hex[:8]}", "name": "Rec User", "password": "a-long-password"}
            if collection == "users" else {"name": "Sales", "number": "500"})
    return client.post(f"/api/tenants/{tid}/{collection}", json={**body, **extra})


@pytest.mark.parametrize("collection", ["users", "groups"])
def test_recording_settings_defaults_changes_and_audit(client, collection):
    tid = _tenant(client)
    r = _create(client, tid, collection)
    assert r.status_code == 201, r.text
    obj = r.json()
    assert (obj["record_calls"], obj["recording_retention_days"]) == (False, DEFAULT_RETENTION_DAYS)
    url = f"/api/tenants/{tid}/{collection}/{obj['id']}"

    r = client.patch(url, json={"record_calls": True, "recording_retention_days": 30}, headers={"If-Match": "1"})
    assert r.status_code == 200, r.text
    assert (r.json()["record_calls"], r.json()["recording_retention_days"], r.json()["version"]) == (True, 30, 2)
    # A concurrent edit made from the old version is refused and changes nothing.
    stale = client.patch(url, json={"recording_retention_days": 7}, headers={"If-Match": "1"})
    assert stale.status_code == 409, stale.text
    assert client.get(url).json()["recording_retention_days"] == 30
    # Other fields keep the settings.
    r = client.patch(url, json={"name": "Renamed"}, headers={"If-Match": "2"})
    assert r.status_code == 200 and r.json()["record_calls"] is True and r.json()["recording_retention_days"] == 30

    audit = [e for e in client.get("/api/audit", params={"tenant_id": tid}).json()["items"] if e["object"]["id"] == obj["id"]]
    change = next(e for e in audit if e["diff"].get("record_calls"))
    assert change["diff"]["record_calls"] == [False, True]
    assert change["diff"]["recording_retention_days"] == [DEFAULT_RETENTION_DAYS, 30]


@pytest.mark.parametrize("collection", ["users", "groups"])
@pytest.mark.parametrize(("patch", "field"), [
    ({"record_calls": "yes"}, "record_calls"),
    ({"record_calls": 1}, "record_calls"),
    ({"recording_retention_days": 0}, "recording_retention_days"),
    ({"recording_retention_days": 3651}, "recording_retention_days"),
    ({"recording_retention_days": "90"}, "recording_retention_days"),
    ({"recording_retention_days": 9.5}, "recording_retention_days"),
    ({"recording_retention_days": None}, "recording_retention_days"),
])
def test_recording_settings_validation_names_the_field(client, collection, patch, field):
    tid = _tenant(client)
    r = _create(client, tid, collection, **patch)
    assert r.status_code == 422 and r.json()["fields"] == [field], r.text
    ok = _create(client, tid, collection, recording_retention_days=3650)
    assert ok.status_code == 201, ok.text
    r = client.patch(f"/api/tenants/{tid}/{collection}/{ok.json()['id']}", json=patch, headers={"If-Match": "1"})
    assert r.status_code == 422 and r.json()["fields"] == [field], r.text


# --- the dialplan (pure) --------------------------------------------------------------------


U_REC, U_PLAIN, G_REC, E_REC, E_PLAIN = (str(uuid.UUID(int=n)) for n in (1, 2, 3, 4, 5))


def _tenant_config(**extra) -> TenantConfig:
    def ext(eid, number, owner):
        return {"id": eid, "number": number, "name": f"E{number}", "owner_user_id": owner,
                "devices": [{"type": "sip", "username": f"acme-{number}-1", "password": "secretsecret12"}]}

    return TenantConfig(
        id="t", code="acme", name="Acme",
        extensions=[ext(E_REC, "201", U_REC), ext(E_PLAIN, "202", U_PLAIN)],
        users=[{"id": U_REC, "record_calls": True}, {"id": U_PLAIN, "record_calls": False}],
        groups=[{"id": G_REC, "number": "500", "name": "Sales", "members": [{"extension_id": E_PLAIN}], "record_calls": True},
                {"id": str(uuid.UUID(int=6)), "number": "501", "name": "Quiet", "members": []}],
        **extra)


def _exten(text: str, number: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(f"exten => {number},1,NoOp(pbxflow {'group' if number.startswith('5') else 'extension'})")
    out = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith(" same"):
            break
        out.append(line)
    return out


def test_dialplan_records_answered_calls_of_recording_users_and_groups():
    text = render_tenant(_tenant_config())["extensions_t_acme.conf"]
    user_ctx, group_ctx = recording_context("acme", "user", U_REC), recording_context("acme", "group", G_REC)
    assert f" same => n,Dial(PJSIP/acme-201-1,20,U({user_ctx}))" in _exten(text, "201")
    assert " same => n,Dial(PJSIP/acme-202-1,20)" in _exten(text, "202")
    assert f" same => n,Queue(t-acme-q500,r,,,,,{group_ctx})" in _exten(text, "500")
    assert " same => n,Queue(t-acme-q501,r,,,)" in _exten(text, "501")
    # One subroutine per recorder: MixMonitor into <code>/<owner>/<linkedid>-<uniqueid>.wav, then the event.
    assert text.count("MixMonitor(") == 2 and recording_context("acme", "user", U_PLAIN) not in text
    sub = text.split(f"[{user_ctx}]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert sub == [
        f"exten => s,1,Set(PBXFLOW_REC=acme/user-{U_REC}/${{FILTER(0-9a-zA-Z.,${{CHANNEL(linkedid)}})}}"
        "-${FILTER(0-9a-zA-Z.,${UNIQUEID})}.wav)",
        " same => n,MixMonitor(${PBXFLOW_REC})",
        " same => n,UserEvent(PbxflowRecording,File: ${PBXFLOW_REC})",
        " same => n,Return()",
    ]
    assert f"[{group_ctx}]" in text and f"acme/group-{G_REC}/" in text
    # Recording off everywhere: no trace of it.
    full = _tenant_config()
    quiet = dataclasses.replace(full, users=[], groups=[dict(g, record_calls=False) for g in full.groups])
    assert "MixMonitor" not in render_tenant(quiet)["extensions_t_acme.conf"]
    assert "U(" not in render_tenant(quiet)["extensions_t_acme.conf"]


def test_scheme_nodes_dialling_a_recording_user_or_group_record():
    doc = graph.from_graph({
        "nodes": [{"id": "in", "type": "entry", "params": {"numbers": ["700"]}},
                  {"id": "d1", "type": "dial", "params": {"extension_id": E_REC, "ring_time": 15}},
                  {"id": "d2", "type": "dial", "params": {"extension_id": E_PLAIN, "ring_time": 15}},
                  {"id": "g1", "type": "group", "params": {"group_id": G_REC}}],
        "edges": [{"from": "in", "port": "next", "to": "d1"}, {"from": "d1", "port": "no_answer", "to": "d2"},
                  {"from": "d2", "port": "no_answer", "to": "g1"}],
    })
    sid = str(uuid.UUID(int=77))
    text = render_tenant(_tenant_config(schemes=[{"id": sid, "revision": 1, "nodes": doc, "entries": [], "live": True}]))[
        "extensions_t_acme.conf"]
    scheme = text.split("; Published routing schemes", 1)[1]
    user_ctx, group_ctx = recording_context("acme", "user", U_REC), recording_context("acme", "group", G_REC)
    assert f"Dial(PJSIP/acme-201-1,15,U({user_ctx}))" in scheme
    assert "Dial(PJSIP/acme-202-1,15,)" in scheme
    assert f"Queue(t-acme-q500,r,,,,,{group_ctx})" in scheme


# --- the calls model (pure) -----------------------------------------------------------------


def _answered_call_with(files: list[str]) -> dict:
    script = CallScript("acme")
    script.call("201", "202", "answered", talk=3.0, ring=2.0)
    events = list(script.events)
    bridge = next(i for i, h in enumerate(events) if h["Event"] == "BridgeEnter")
    callee = events[bridge]
    for n, f in enumerate(files):
        h = {k: v for k, v in callee.items() if k not in ("BridgeUniqueid", "BridgeType", "BridgeTechnology",
                                                            "BridgeCreator", "BridgeName", "BridgeNumChannels")}
        h.update({"Event": "UserEvent", "UserEvent": "PbxflowRecording", "File": f,
                  "Timestamp": f"{float(callee['Timestamp']) + 0.0001 * (n + 1):.6f}"})
        events.insert(bridge + 1 + n, h)
    book = CallBook()
    for h in events:
        book.apply(NODE, h["Event"], float(h["Timestamp"]), h)
    [row] = book.take_effects().finished
    return row


def test_the_ingestion_keeps_the_recording_event():
    assert keep("UserEvent", {"Event": "UserEvent", "UserEvent": "PbxflowRecording", "File": "x"})


def test_history_row_keeps_the_first_recording_and_the_protocol_every_one():
    a, b = f"acme/user-{U_REC}/1790000000.1-1790000000.2.wav", f"acme/group-{G_REC}/1790000000.1-1790000000.5.wav"
    row = _answered_call_with([a, b])
    assert row["recording"] == a
    assert [s["file"] for s in row["protocol"] if s["step"] == "recording"] == [a, b]
    assert _answered_call_with([])["recording"] is None


@pytest.mark.parametrize("bad", [
    "../../etc/passwd", "acme/user-x/a-b.wav", f"acme/user-{U_REC}/../a-b.wav", f"acme/user-{U_REC}/a b-c.wav",
    f"acme/user-{U_REC}/a-b.wav\n", f"/acme/user-{U_REC}/a-b.wav", f"ACME/user-{U_REC}/a-b.wav", f"acme/user-{U_REC}/a-b.gsm",
    f"acme/owner-{U_REC}/a-b.wav", "",
])
def test_a_recording_event_with_a_name_the_dialplan_does_not_write_is_ignored(bad):
    row = _answered_call_with([bad])
    assert row["recording"] is None and "recording" not in [s["step"] for s in row["protocol"]]


def test_recording_path_is_the_tenants_own():
    root = Path("/spool/monitor")
    rel = f"acme/user-{U_REC}/1.2-1.3.wav"
    assert recordings.path_of(root, "acme", rel) == root / rel
    assert recordings.path_of(root, "other", rel) is None  # another tenant's code
    assert recordings.path_of(root, "acme", None) is None
    assert recordings.path_of(root, "acme", "acme/../x-y.wav") is None


# --- byte ranges (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(("header", "size", "expected"), [
    (None, 100, None), ("", 100, None), ("bytes=0-9", 100, (0, 9)), ("bytes=90-", 100, (90, 99)),
    ("bytes=-10", 100, (90, 99)), ("bytes=-500", 100, (0, 99)), ("bytes=10-1000", 100, (10, 99)),
    ("items=0-9", 100, None), ("bytes=0-1,5-9", 100, None), ("bytes=-", 100, None),
])
def test_byte_range(header, size, expected):
    assert byte_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=100-", 100), ("bytes=5-2", 100), ("bytes=-0", 100), ("bytes=0-", 0)])
def test_unsatisfiable_byte_range(header, size):
    with pytest.raises(recordings.BadRange):
        byte_range(header, size)


# --- retention ------------------------------------------------------------------------------


def test_expired_uses_each_owners_retention_and_the_default_for_unknown_owners():
    now = 1_800_000_000.0
    files = [
        StoredRecording("a/user-1/x-1.wav", "user:1", now - 6 * DAY),  # user 1 keeps 5 days: gone
        StoredRecording("a/user-1/x-2.wav", "user:1", now - 4 * DAY),
        StoredRecording("a/group-2/x-3.wav", "group:2", now - 6 * DAY),  # group 2 keeps 30
        StoredRecording("a/user-9/x-4.wav", "user:9", now - (DEFAULT_RETENTION_DAYS + 1) * DAY),  # owner gone: default
        StoredRecording("a/user-9/x-5.wav", "user:9", now - (DEFAULT_RETENTION_DAYS - 1) * DAY),
    ]
    assert expired(files, {"user:1": 5, "group:2": 30}, now) == ["a/user-1/x-1.wav", "a/user-9/x-4.wav"]
    assert expired(files, {"user:1": 5, "group:2": 30}, now - 2 * DAY) == []
    assert expired(files, {"user:1": 5, "group:2": 30}, now + 2 * DAY) == [
        "a/user-1/x-1.wav", "a/user-1/x-2.wav", "a/user-9/x-4.wav", "a/user-9/x-5.wav"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["user:1", "user:2", "group:3"]), st.floats(0, 4000 * DAY)), max_size=20),
       st.dictionaries(st.sampled_from(["user:1", "user:2", "group:3"]), st.integers(1, 3650)),
       st.floats(0, 4000 * DAY))
def test_expired_is_exactly_the_files_older_than_their_retention(ages, retention, later):
    now = 2_000_000_000.0
    files = [StoredRecording(f"t/x/{i}-{i}.wav", owner, now - age) for i, (owner, age) in enumerate(ages)]
    gone = set(expired(files, retention, now))
    for f in files:
        days = retention.get(f.owner, DEFAULT_RETENTION_DAYS)
        assert (f.rel in gone) == (now - f.mtime > days * DAY)
    # Time only adds to what has expired.
    assert gone <= set(expired(files, retention, now + later))


def _wav(path: Path, seconds: float) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))
    return path.read_bytes()


def test_pruner_deletes_expired_files_on_disk_and_the_call_record_reports_it(runtime, client, tmp_path):
    tid = _tenant(client, "Prune")
    code = client.get(f"/api/tenants/{tid}").json()["code"]
    short = _create(client, tid, "users", recording_retention_days=2).json()
    group = _create(client, tid, "groups", recording_retention_days=10).json()
    root = tmp_path / "monitor"
    now = 1_900_000_000.0
    old_user = root / code / f"user-{short['id']}" / "1.1-1.2.wav"
    new_user = root / code / f"user-{short['id']}" / "1.3-1.4.wav"
    old_group = root / code / f"group-{group['id']}" / "1.5-1.6.wav"
    orphan = root / code / f"user-{uuid.uuid4()}" / "1.7-1.8.wav"  # owner deleted: the default retention
    stray = root / code / "notes.txt"  # not a recording: left alone
    for path, age_days in ((old_user, 3), (new_user, 1), (old_group, 9), (orphan, DEFAULT_RETENTION_DAYS + 1)):
        _wav(path, 0.1)
        os.utime(path, (now - age_days * DAY, now - age_days * DAY))
    stray.write_text("x")
    os.utime(stray, (0, 0))

    gone = recordings.prune(runtime.pool, root, now=now)
    assert gone == sorted(str(p.relative_to(root)) for p in (old_user, orphan))
    assert not old_user.exists() and not orphan.exists()
    assert new_user.exists() and old_group.exists() and stray.exists()
    assert recordings.prune(runtime.pool, root, now=now) == []  # nothing more to do
    # Shortening the group's retention applies to the files it already has.
    r = client.patch(f"/api/tenants/{tid}/groups/{group['id']}", json={"recording_retention_days": 5}, headers={"If-Match": "1"})
    assert r.status_code == 200, r.text
    assert recordings.prune(runtime.pool, root, now=now) == [str(old_group.relative_to(root))]
    assert recordings.link(tid, "c", old_group) == {"url": f"/api/tenants/{tid}/calls/c/recording", "expired": True}
    assert recordings.link(tid, "c", new_user)["expired"] is False


# --- real calls through Asterisk ------------------------------------------------------------


def _talk_scenario(tmp_path: Path, seconds: int) -> str:
    audio = tmp_path / "talk.alaw"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=500:duration={seconds + 2}",
                    "-ac", "1", "-ar", "8000", "-f", "alaw", str(audio)], check=True, timeout=60)
    scenario = tmp_path / "uac_talk.xml"
    scenario.write_text(UAC_TALK.replace("@AUDIO@", str(audio)).replace("@TALK_MS@", str(seconds * 1000)))
    return str(scenario)


def _call(phones, scenario: str, caller, number: str, callee_ports, asterisk) -> None:
    uas = phones.uas("uas_answer.xml", callee_ports, hold_ms=14000, timeout=40)
    talk = phones.run(scenario, allocate(), service=number, auth=(caller.username, caller.password), timeout=40,
                      caller=caller.username)
    assert talk.rc == 0, talk.describe()
    assert uas.wait().rc == 0
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")


def _files(root: Path, code: str) -> set[Path]:
    return set((root / code).rglob("*.wav")) if (root / code).is_dir() else set()


@pytest.mark.asterisk
def test_recorded_calls_of_a_user_and_a_group_are_listed_downloadable_and_tenant_scoped(
        runtime, asterisk, reloader, phones, calls, client, tmp_path, monkeypatch):  # noqa: F811
    root = sandbox_root(asterisk.env) / "var" / "spool" / "asterisk" / "monitor"
    monkeypatch.setenv("PBXFLOW_RECORDINGS_SPOOL", str(root))
    assert recordings.recordings_root() == root
    t = make_tenant(runtime, "Recorded")
    code = t.data["code"]
    try:
        _recorded_calls(runtime, asterisk, reloader, phones, calls, client, tmp_path, root, t, code)
    finally:
        shutil.rmtree(root / code, ignore_errors=True)  # the sandbox's spool outlives the test


def _recorded_calls(runtime, asterisk, reloader, phones, calls, client, tmp_path, root, t, code):  # noqa: F811
    caller = make_ext(runtime, t.id, "201", "Caller")
    callee = make_ext(runtime, t.id, "202", "Recorded callee")
    member = make_ext(runtime, t.id, "203", "Group member")
    owner = make_user(runtime, t.id, "recorded", "user")
    r = runtime.app.update(SYSTEM, "extension", t.id, callee.id, None, {"owner_user_id": owner})
    runtime.wait(r.notification_id)
    r = runtime.app.update(SYSTEM, "user", t.id, owner, None, {"record_calls": True})
    runtime.wait(r.notification_id)
    group = runtime.app.create(SYSTEM, "group", t.id, {"name": "Sales", "number": "500", "record_calls": True,
                                                       "members": [{"extension_id": member.id}]})
    runtime.wait(group.notification_id)
    make_user(runtime, t.id, "rec-admin", "tenant_admin")
    other = make_tenant(runtime, "Someone else")
    make_user(runtime, other.id, "rec-stranger", "tenant_admin")
    apply(runtime, asterisk, reloader)
    admin, stranger = login(client, "rec-admin", "rec-admin-pw-1"), login(client, "rec-stranger", "rec-stranger-pw-1")
    pc, pm = allocate(), allocate()
    register(asterisk, phones, callee, pc)
    register(asterisk, phones, member, pm)
    scenario = _talk_scenario(tmp_path, 5)

    # 1. 201 calls 202, whose owner records: 5 s of talk.
    _call(phones, scenario, caller, "202", pc, asterisk)
    [row] = history(calls, t.id, 1)
    assert row["result"] == "answered", row
    assert row["recording"] == {"url": f"/api/tenants/{t.id}/calls/{row['id']}/recording", "expired": False}, row
    [path] = wait_for(lambda: _files(root, code) or None, 10, 0.2, "the recording file")
    assert path.parent.name == f"user-{owner}" and RECORDING_FILE.fullmatch(str(path.relative_to(root)))
    with wave.open(str(path)) as w:
        seconds = w.getnframes() / w.getframerate()
        assert (w.getframerate(), w.getsampwidth()) == (8000, 2)
    assert seconds > 3.5, f"a 5 s conversation recorded as {seconds:.2f} s"

    detail = client.get(f"/api/tenants/{t.id}/calls/{row['id']}", headers=admin).json()
    assert detail["recording"]["url"] == row["recording"]["url"]
    assert any(s["step"] == "recording" and s["text"].startswith("recording the call on") for s in detail["protocol"])
    got = client.get(row["recording"]["url"], headers=admin)
    assert got.status_code == 200 and got.headers["content-type"].startswith("audio/wav"), got.text[:200]
    assert got.content == path.read_bytes() and got.headers["accept-ranges"] == "bytes"
    with wave.open(io.BytesIO(got.content)) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(seconds)
    part = client.get(row["recording"]["url"], headers={**admin, "Range": "bytes=0-11"})
    assert part.status_code == 206 and part.content == path.read_bytes()[:12] and part.content.startswith(b"RIFF")
    assert part.headers["content-range"] == f"bytes 0-11/{path.stat().st_size}"
    bad = client.get(row["recording"]["url"], headers={**admin, "Range": f"bytes={path.stat().st_size}-"})
    assert bad.status_code == 416
    # Another tenant's admin: no such call, no such recording.
    assert client.get(row["recording"]["url"], headers=stranger).status_code == 404
    assert client.get(f"/api/tenants/{other.id}/calls/{row['id']}/recording", headers=stranger).status_code == 404

    # 2. The group records: 201 calls 500, member 203 answers.
    _call(phones, scenario, caller, "500", pm, asterisk)
    rows = history(calls, t.id, 2)
    assert rows[1]["result"] == "answered" and rows[1]["recording"]["expired"] is False, rows[1]
    group_files = wait_for(lambda: {p for p in _files(root, code) if p.parent.name == f"group-{group.id}"} or None, 10, 0.2,
                           "the group's recording")
    [gpath] = group_files
    with wave.open(str(gpath)) as w:
        assert w.getnframes() / w.getframerate() > 3.5
    assert client.get(rows[1]["recording"]["url"], headers=admin).content == gpath.read_bytes()

    # 3. A routing scheme's dial node ringing the recording user records too.
    scheme = runtime.app.create(SYSTEM, "scheme", t.id, {"name": "Front desk", "graph": {
        "nodes": [{"id": "in", "type": "entry", "params": {"numbers": ["700"]}},
                  {"id": "ring", "type": "dial", "params": {"extension_id": callee.id, "ring_time": 15}}],
        "edges": [{"from": "in", "port": "next", "to": "ring"}]}})
    runtime.wait(scheme.notification_id)
    _, rev = scheme_service.publish(runtime, SYSTEM, t.id, scheme.id, None, "recording test")
    runtime.wait(rev.notification_id)
    apply(runtime, asterisk, reloader)
    before = _files(root, code)
    _call(phones, scenario, caller, "700", pc, asterisk)
    rows = history(calls, t.id, 3)
    assert rows[2]["result"] == "answered" and rows[2]["scheme"] and rows[2]["recording"]["expired"] is False, rows[2]
    [spath] = wait_for(lambda: (_files(root, code) - before) or None, 10, 0.2, "the scheme call's recording")
    assert spath.parent.name == f"user-{owner}"

    # 4. Recording off: the next call leaves no file and no link.
    before = _files(root, code)
    r = runtime.app.update(SYSTEM, "user", t.id, owner, None, {"record_calls": False})
    runtime.wait(r.notification_id)
    apply(runtime, asterisk, reloader)
    _call(phones, scenario, caller, "202", pc, asterisk)
    rows = history(calls, t.id, 4)
    assert rows[3]["result"] == "answered" and rows[3]["recording"] is None, rows[3]
    assert _files(root, code) == before
    assert client.get(f"/api/tenants/{t.id}/calls/{rows[3]['id']}/recording", headers=admin).status_code == 404

    # 5. Expired: the pruner removed the file; the record says so and the download is a 404.
    path.unlink()
    row = client.get(f"/api/tenants/{t.id}/calls/{rows[0]['id']}", headers=admin).json()
    assert row["recording"]["expired"] is True
    gone = client.get(row["recording"]["url"], headers=admin)
    assert gone.status_code == 404 and "retention" in gone.json()["detail"]
