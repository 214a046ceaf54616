"""Groups, pickup groups, voicemail boxes and media through the API (F-CMP-1, -2, -3, -5).

Validation names the field, another tenant's objects are 404, the action history records
every change (with the voicemail PIN masked), uploads are probed and converted with
FFmpeg, voicemail messages are read from a spool directory laid out as Asterisk does,
and the notifier emails them to an SMTP sink. The same objects rendered into Asterisk
config are checked here too; tests/test_asterisk_components.py places real calls.
"""

from __future__ import annotations

import io
import subprocess
import uuid
import wave
from pathlib import Path

import pytest

from conftest import login
from smtp_sink import SmtpSink

from pbxflow.voicemail_spool import SmtpSettings, VoicemailNotifier
from projections.asterisk.applier import ConfigApplier
from projections.asterisk.parse import parse


# --- helpers ---------------------------------------------------------------------------


def make_tenant(client, name="Acme"):
    r = client.post("/api/tenants", json={"name": name, "timezone": "Europe/Moscow"})
    assert r.status_code == 201, r.text
    return r.json()


def make_ext(client, tid, number, **extra):
    r = client.post(f"/api/tenants/{tid}/extensions",
                    json={"number": number, "name": f"Ext {number}", "devices": [{"type": "sip"}], **extra})
    assert r.status_code == 201, r.text
    return r.json()


def problem_fields(response) -> list[str]:
    return response.json().get("fields", [])


def audit_of(client, tid, object_id):
    items = client.get("/api/audit", params={"tenant_id": tid}).json()["items"]
    return [e for e in items if e["object"]["id"] == object_id]


def make_audio(path: Path, fmt: str, seconds: float = 1.5) -> bytes:
    """A sine tone in the given container, made with FFmpeg (44.1 kHz stereo: it must be converted)."""
    codec = {"mp3": ["-c:a", "libmp3lame"], "ogg": ["-c:a", "libvorbis"], "m4a": ["-c:a", "aac"], "wav": ["-c:a", "pcm_s16le"]}[fmt]
    out = path / f"tone.{fmt}"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                    "-ac", "2", "-ar", "44100", *codec, str(out)], check=True, timeout=60)
    return out.read_bytes()


def wav_params(data: bytes) -> tuple[int, int, int, float]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("PBXFLOW_DATA_DIR", str(d))
    return d


# --- groups -------------------------------------------------------------------------------


def test_group_fields_numbering_plan_and_audit(client):
    t = make_tenant(client)
    tid = t["id"]
    e1, e2 = make_ext(client, tid, "201"), make_ext(client, tid, "202")
    body = {"name": "Sales", "number": "500", "strategy": "round_robin_memory",
            "members": [{"extension_id": e1["id"], "priority": 1}, {"extension_id": e2["id"], "priority": 2}],
            "max_wait": 60, "wrapup": 5, "max_len": 10, "announce_position": True, "announce_holdtime": True}
    r = client.post(f"/api/tenants/{tid}/groups", json=body)
    assert r.status_code == 201, r.text
    g = r.json()
    assert r.headers["location"] == f"/api/tenants/{tid}/groups/{g['id']}"
    assert (g["number"], g["strategy"], g["max_wait"], g["wrapup"], g["max_len"]) == ("500", "round_robin_memory", 60, 5, 10)
    assert g["members"] == body["members"] and g["ring_time"] == 20 and g["voicemail"] is False
    assert g["greeting_media_id"] is None and g["vip_classifier_id"] is None

    # A group number is in the tenant's numbering plan: it clashes with extensions, both ways.
    clash = client.post(f"/api/tenants/{tid}/groups", json={"name": "X", "number": "201"})
    assert clash.status_code == 409 and problem_fields(clash) == ["number"], clash.text
    assert clash.json()["owner_id"] == e1["id"]
    ext_clash = client.post(f"/api/tenants/{tid}/extensions", json={"number": "500", "name": "Y", "devices": [{"type": "sip"}]})
    assert ext_clash.status_code == 409 and problem_fields(ext_clash) == ["number"]
    # Renumbering frees the old number.
    r = client.patch(f"/api/tenants/{tid}/groups/{g['id']}", json={"number": "510", "strategy": "linear"}, headers={"If-Match": "1"})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    assert client.post(f"/api/tenants/{tid}/extensions", json={"number": "500", "name": "Y", "devices": [{"type": "sip"}]}).status_code == 201
    stale = client.patch(f"/api/tenants/{tid}/groups/{g['id']}", json={"name": "Z"}, headers={"If-Match": "1"})
    assert stale.status_code == 409

    entries = audit_of(client, tid, g["id"])
    assert [e["action"] for e in entries] == ["change", "create"]
    assert entries[0]["diff"]["strategy"] == ["round_robin_memory", "linear"]
    assert entries[0]["diff"]["number"] == ["500", "510"]
    assert entries[1]["diff"]["members"][1] == body["members"]


@pytest.mark.parametrize(("patch", "field"), [
    ({"strategy": "round_robin"}, "strategy"),
    ({"number": "12"}, "number"),
    ({"number": "099"}, "number"),
    ({"members": [{"extension_id": "MEMBER", "priority": 11}]}, "members[0].priority"),
    ({"members": [{"extension_id": "MEMBER", "priority": 0}]}, "members[0].priority"),
    ({"members": [{"extension_id": str(uuid.uuid4())}]}, "members[0].extension_id"),
    ({"members": [{"extension_id": "not-a-uuid"}]}, "members[0].extension_id"),
    ({"members": [{"extension_id": "MEMBER"}, {"extension_id": "MEMBER", "priority": 2}]}, "members[1].extension_id"),
    ({"members": [{"extension_id": "MEMBER", "weight": 1}]}, "members[0].weight"),
    ({"max_wait": -1}, "max_wait"),
    ({"max_wait": 3601}, "max_wait"),
    ({"wrapup": 601}, "wrapup"),
    ({"max_len": -5}, "max_len"),
    ({"ring_time": 2}, "ring_time"),
    ({"moh_class": "Jazz Music"}, "moh_class"),
    ({"greeting_media_id": str(uuid.uuid4())}, "greeting_media_id"),
    ({"vip_classifier_id": str(uuid.uuid4())}, "vip_classifier_id"),
    ({"announce_position": "yes"}, "announce_position"),
    ({"overflow": "voicemail"}, "overflow"),
])
def test_group_validation_names_the_field(client, patch, field):
    tid = make_tenant(client)["id"]
    member = make_ext(client, tid, "201")["id"]
    body = {"name": "Sales", "number": "500", **patch}
    for m in body.get("members", []):
        if m["extension_id"] == "MEMBER":
            m["extension_id"] = member
    r = client.post(f"/api/tenants/{tid}/groups", json=body)
    assert r.status_code == 422, r.text
    assert problem_fields(r) == [field], r.text
    assert client.get(f"/api/tenants/{tid}/groups").json()["total"] == 0


def test_group_references_stay_inside_the_tenant(client):
    a, b = make_tenant(client, "A")["id"], make_tenant(client, "B")["id"]
    ext_b = make_ext(client, b, "201")
    foreign = client.post(f"/api/tenants/{a}/groups", json={"name": "G", "number": "500", "members": [{"extension_id": ext_b["id"]}]})
    assert foreign.status_code == 422 and problem_fields(foreign) == ["members[0].extension_id"], foreign.text
    assert "in this tenant" in foreign.json()["detail"]

    g = client.post(f"/api/tenants/{a}/groups", json={"name": "G", "number": "500"}).json()
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        assert getattr(client, method)(f"/api/tenants/{b}/groups/{g['id']}", **kwargs).status_code == 404
    # The same number in the other tenant is free.
    assert client.post(f"/api/tenants/{b}/groups", json={"name": "G", "number": "500"}).status_code == 201

    client.post(f"/api/tenants/{b}/users", json={"login": "adm-b", "name": "B admin", "password": "password-b1", "role": "tenant_admin"})
    headers = login(client, "adm-b", "password-b1")
    assert client.get(f"/api/tenants/{a}/groups", headers=headers).status_code == 404
    assert client.get(f"/api/tenants/{a}/groups/{g['id']}", headers=headers).status_code == 404
    assert client.get(f"/api/tenants/{b}/groups", headers=headers).json()["total"] == 1


# --- pickup groups ---------------------------------------------------------------------


def test_pickup_groups_membership_is_exclusive_and_tenant_scoped(client):
    a, b = make_tenant(client, "A")["id"], make_tenant(client, "B")["id"]
    e1, e2, e3 = (make_ext(client, a, n) for n in ("201", "202", "203"))
    r = client.post(f"/api/tenants/{a}/pickup-groups", json={"name": "Office 1", "members": [e1["id"], e2["id"]]})
    assert r.status_code == 201, r.text
    pg1 = r.json()
    assert pg1["members"] == [e1["id"], e2["id"]]

    # An extension is in at most one pickup group.
    taken = client.post(f"/api/tenants/{a}/pickup-groups", json={"name": "Office 2", "members": [e3["id"], e2["id"]]})
    assert taken.status_code == 409 and problem_fields(taken) == ["members[1]"], taken.text
    dup = client.post(f"/api/tenants/{a}/pickup-groups", json={"name": "Office 2", "members": [e3["id"], e3["id"]]})
    assert dup.status_code == 422 and problem_fields(dup) == ["members[1]"]
    ext_b = make_ext(client, b, "201")
    foreign = client.post(f"/api/tenants/{a}/pickup-groups", json={"name": "Office 2", "members": [ext_b["id"]]})
    assert foreign.status_code == 422 and problem_fields(foreign) == ["members[0]"]

    # Moving 202: out of the first group, into the second.
    r = client.patch(f"/api/tenants/{a}/pickup-groups/{pg1['id']}", json={"members": [e1["id"]]})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/tenants/{a}/pickup-groups", json={"name": "Office 2", "members": [e3["id"], e2["id"]]})
    assert r.status_code == 201, r.text
    assert client.get(f"/api/tenants/{b}/pickup-groups/{pg1['id']}").status_code == 404
    assert [e["action"] for e in audit_of(client, a, pg1["id"])] == ["change", "create"]


# --- voicemail boxes -------------------------------------------------------------------


def test_voicemail_box_pin_is_secret_and_owner_is_unique(client):
    a, b = make_tenant(client, "A")["id"], make_tenant(client, "B")["id"]
    ext = make_ext(client, a, "201", voicemail=True)
    r = client.post(f"/api/tenants/{a}/voicemail-boxes", json={
        "name": "Ann", "mailbox": "201", "owner_type": "extension", "owner_id": ext["id"], "email": "ann@example.com"})
    assert r.status_code == 201, r.text
    box = r.json()
    assert len(box["pin"]) == 6 and box["pin"].isdigit() and box["attach_audio"] is True  # generated; admins see it

    r = client.patch(f"/api/tenants/{a}/voicemail-boxes/{box['id']}", json={"pin": "4321"})
    assert r.status_code == 200 and r.json()["pin"] == "4321"
    entries = audit_of(client, a, box["id"])
    assert entries[0]["diff"]["pin"] == "***" and entries[1]["diff"]["pin"] == "***"
    assert box["pin"] not in str(entries) and "4321" not in str(entries)

    # An auditor reads the box without its PIN.
    client.post(f"/api/tenants/{a}/users", json={"login": "aud-a", "name": "Auditor", "password": "password-a1", "role": "auditor"})
    seen = client.get(f"/api/tenants/{a}/voicemail-boxes/{box['id']}", headers=login(client, "aud-a", "password-a1"))
    assert seen.status_code == 200 and "pin" not in seen.json()

    again = client.post(f"/api/tenants/{a}/voicemail-boxes", json={"name": "B", "mailbox": "201", "owner_type": "extension", "owner_id": make_ext(client, a, "202")["id"]})
    assert again.status_code == 409 and problem_fields(again) == ["mailbox"]
    second = client.post(f"/api/tenants/{a}/voicemail-boxes", json={"name": "B", "mailbox": "209", "owner_type": "extension", "owner_id": ext["id"]})
    assert second.status_code == 409 and problem_fields(second) == ["owner_id"]
    for body, field in (({"pin": "12"}, "pin"), ({"pin": "12a4"}, "pin"), ({"mailbox": "2x1"}, "mailbox"),
                        ({"owner_type": "trunk"}, "owner_type"), ({"email": "not an email"}, "email"),
                        ({"owner_id": make_ext(client, b, "201")["id"]}, "owner_id"),
                        ({"owner_type": "group"}, "owner_id")):
        r = client.post(f"/api/tenants/{a}/voicemail-boxes", json={"name": "C", "mailbox": "300", "owner_type": "extension", "owner_id": ext["id"], **body})
        assert r.status_code in (409, 422) and problem_fields(r) == [field], (body, r.text)
    assert client.get(f"/api/tenants/{b}/voicemail-boxes/{box['id']}").status_code == 404
    assert client.get(f"/api/tenants/{b}/voicemail-boxes/{box['id']}/messages").status_code == 404


def _spool_message(spool: Path, code: str, mailbox: str, n: int, msg_id: str, audio: bytes, caller='"Bob" <203>',
                   folder: str = "INBOX", origtime: int = 1_700_000_000) -> None:
    d = spool / f"t-{code}" / mailbox / folder
    d.mkdir(parents=True, exist_ok=True)
    (d / f"msg{n:04d}.txt").write_text(
        ";\n; Message Information file\n;\n[message]\n"
        f"origmailbox={mailbox}\ncontext=t-{code}-ext\nexten={mailbox}\ncallerid={caller}\n"
        f"origdate=Tue Nov 14 10:13:20 PM UTC 2023\norigtime={origtime}\ncategory=\nmsg_id={msg_id}\nflag=\nduration=4\n")
    (d / f"msg{n:04d}.wav").write_bytes(audio)


def test_voicemail_messages_listing_download_and_email(client, runtime, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    monkeypatch.setenv("PBXFLOW_VOICEMAIL_SPOOL", str(spool))
    t = make_tenant(client)
    tid, code = t["id"], t["code"]
    ext = make_ext(client, tid, "201", voicemail=True)
    box = client.post(f"/api/tenants/{tid}/voicemail-boxes", json={
        "name": "Ann", "mailbox": "201", "owner_type": "extension", "owner_id": ext["id"], "email": "ann@example.com"}).json()
    quiet = client.post(f"/api/tenants/{tid}/voicemail-boxes", json={
        "name": "No mail", "mailbox": "202", "owner_type": "extension", "owner_id": make_ext(client, tid, "202")["id"]}).json()
    assert client.get(f"/api/tenants/{tid}/voicemail-boxes/{box['id']}/messages").json() == {"total": 0, "items": []}

    audio = make_audio(tmp_path, "wav", 0.5)
    _spool_message(spool, code, "201", 0, "1700000000-00000001", audio)
    _spool_message(spool, code, "201", 0, "1700000100-00000002", audio, caller="74951234567", folder="Old", origtime=1_700_000_100)
    _spool_message(spool, code, "202", 0, "1700000200-00000003", audio)
    listed = client.get(f"/api/tenants/{tid}/voicemail-boxes/{box['id']}/messages").json()
    assert listed["total"] == 2
    newest, first = listed["items"]
    assert (newest["id"], newest["folder"], newest["caller_number"]) == ("1700000100-00000002", "Old", "74951234567")
    assert (first["caller_name"], first["caller_number"], first["duration"]) == ("Bob", "203", 4)
    assert first["received_at"] == "2023-11-15T01:13:20+03:00"  # the tenant's time zone (Moscow)
    got = client.get(f"/api/tenants/{tid}/voicemail-boxes/{box['id']}/messages/{first['id']}")
    assert got.status_code == 200 and got.content == audio and got.headers["content-type"].startswith("audio/wav")
    assert client.get(f"/api/tenants/{tid}/voicemail-boxes/{box['id']}/messages/1700000200-00000003").status_code == 404  # another box's
    assert client.get(f"/api/tenants/{tid}/voicemail-boxes/{box['id']}/messages/..%2F..%2Fetc").status_code in (404, 422)

    # The notifier mails new messages (INBOX) of boxes with an email address, once each.
    with SmtpSink() as sink:
        notifier = VoicemailNotifier(runtime.pool, spool, tmp_path / "sent",
                                     SmtpSettings.from_url(sink.url, "pbx@example.com"))
        assert notifier.run_once() == ["1700000000-00000001"]
        [mail] = sink.wait(1)
        assert notifier.run_once() == []
    assert mail["To"] == "Ann <ann@example.com>" and "Bob" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "Caller: \"Bob\" <203>" in body and "2023-11-15 01:13:20 MSK" in body and "Duration: 4 s" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "audio/wav" and attachment.get_content() == audio
    assert quiet["email"] == ""


# --- media -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["mp3", "ogg", "m4a", "wav"])
def test_upload_is_probed_converted_and_streamed(client, data_dir, tmp_path, fmt):
    t = make_tenant(client)
    tid, code = t["id"], t["code"]
    content = make_audio(tmp_path, fmt)
    # The file name says nothing: the content decides.
    r = client.post(f"/api/tenants/{tid}/media", files={"file": ("greeting.bin", content, "application/octet-stream")},
                    data={"name": "Приветствие", "moh_class": "default"})
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["name"], m["format"], m["size"], m["moh_class"], m["filename"]) == ("Приветствие", fmt, len(content), "default", "greeting.bin")
    assert 1400 <= m["duration_ms"] <= 1700 and m["sample_rate"] == 44100 and m["channels"] == 2

    converted = data_dir / "asterisk" / "media" / code / f"{m['id']}.wav"
    assert wav_params(converted.read_bytes())[:3] == (8000, 1, 2)
    assert (data_dir / "media" / code / f"{m['id']}.{fmt}").read_bytes() == content
    preview = client.get(f"/api/tenants/{tid}/media/{m['id']}/audio")
    assert preview.status_code == 200 and preview.headers["content-type"].startswith("audio/wav")
    rate, channels, width, seconds = wav_params(preview.content)
    assert (rate, channels, width) == (8000, 1, 2) and 1.3 < seconds < 1.8
    original = client.get(f"/api/tenants/{tid}/media/{m['id']}/audio", params={"original": "true"})
    assert original.status_code == 200 and original.content == content


def test_raw_upload_with_filename_and_media_lifecycle(client, data_dir, tmp_path):
    a, b = make_tenant(client, "A"), make_tenant(client, "B")
    content = make_audio(tmp_path, "mp3", 2.0)
    r = client.post(f"/api/tenants/{a['id']}/media", params={"filename": "hold music.mp3", "moh_class": "jazz"}, content=content,
                    headers={"Content-Type": "audio/mpeg"})
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["name"], m["format"], m["moh_class"]) == ("hold music", "mp3", "jazz")
    assert client.get(f"/api/tenants/{a['id']}/media").json()["total"] == 1

    # Only name, class and description change; what was uploaded is fixed.
    r = client.patch(f"/api/tenants/{a['id']}/media/{m['id']}", json={"name": "Jazz", "moh_class": None})
    assert r.status_code == 200 and r.json()["moh_class"] is None and r.json()["name"] == "Jazz", r.text
    for body, field in (({"format": "wav"}, "format"), ({"duration_ms": 5}, "duration_ms"), ({"moh_class": "No Spaces"}, "moh_class")):
        bad = client.patch(f"/api/tenants/{a['id']}/media/{m['id']}", json=body)
        assert bad.status_code == 422 and problem_fields(bad) == [field], bad.text

    # Another tenant sees nothing.
    for path in (f"/api/tenants/{b['id']}/media/{m['id']}", f"/api/tenants/{b['id']}/media/{m['id']}/audio"):
        assert client.get(path).status_code == 404
    assert client.delete(f"/api/tenants/{b['id']}/media/{m['id']}").status_code == 404

    entries = audit_of(client, a["id"], m["id"])
    assert [e["action"] for e in entries] == ["change", "create"] and entries[1]["diff"]["format"] == [None, "mp3"]

    converted = data_dir / "asterisk" / "media" / a["code"] / f"{m['id']}.wav"
    assert converted.exists()
    assert client.delete(f"/api/tenants/{a['id']}/media/{m['id']}").status_code == 204
    assert not converted.exists() and not (data_dir / "media" / a["code"] / f"{m['id']}.mp3").exists()
    assert client.get(f"/api/tenants/{a['id']}/media/{m['id']}/audio").status_code == 404


def test_uploads_that_are_not_audio_are_refused(client, data_dir, tmp_path):
    tid = make_tenant(client)["id"]
    cases = [
        (b"this is not audio at all" * 100, "notes.mp3", 422),
        (b"", "empty.wav", 422),
        (b"\x89PNG\r\n\x1a\n" + bytes(2000), "image.ogg", 422),
    ]
    # A video (with an audio track) is not an audio upload.
    video = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=5",
                    "-f", "lavfi", "-i", "sine=duration=1", "-shortest", "-c:v", "mpeg4", "-c:a", "aac", str(video)], check=True, timeout=60)
    cases.append((video.read_bytes(), "clip.m4a", 422))
    for content, name, status in cases:
        r = client.post(f"/api/tenants/{tid}/media", files={"file": (name, content, "audio/mpeg")})
        assert r.status_code == status and problem_fields(r) == ["file"], (name, r.text)
    missing = client.post(f"/api/tenants/{tid}/media", files={"other": ("x.mp3", b"abc", "audio/mpeg")})
    assert missing.status_code == 422 and problem_fields(missing) == ["file"]
    bad_class = client.post(f"/api/tenants/{tid}/media", files={"file": ("t.mp3", make_audio(tmp_path, "mp3"), "audio/mpeg")},
                            data={"moh_class": "Bad Class"})
    assert bad_class.status_code == 422 and problem_fields(bad_class) == ["moh_class"]
    # More than 10 MB: refused before conversion.
    big = client.post(f"/api/tenants/{tid}/media", files={"file": ("big.wav", bytes(10 * 1024 * 1024 + 1), "audio/wav")})
    assert big.status_code == 413, big.text
    huge = client.post(f"/api/tenants/{tid}/media", params={"filename": "huge.wav"}, content=bytes(12 * 1024 * 1024))
    assert huge.status_code == 413
    assert client.get(f"/api/tenants/{tid}/media").json()["total"] == 0
    assert not list((data_dir / "asterisk" / "media").rglob("*.wav")) if (data_dir / "asterisk" / "media").exists() else True


def test_tenant_users_cannot_upload_or_see_other_tenants_media(client, data_dir, tmp_path):
    a, b = make_tenant(client, "A")["id"], make_tenant(client, "B")["id"]
    client.post(f"/api/tenants/{a}/users", json={"login": "user-a", "name": "User", "password": "password-a1", "role": "user"})
    client.post(f"/api/tenants/{b}/users", json={"login": "adm-b", "name": "Admin", "password": "password-b1", "role": "tenant_admin"})
    content = make_audio(tmp_path, "mp3")
    user = login(client, "user-a", "password-a1")
    assert client.post(f"/api/tenants/{a}/media", files={"file": ("t.mp3", content, "audio/mpeg")}, headers=user).status_code == 403
    admin_b = login(client, "adm-b", "password-b1")
    assert client.post(f"/api/tenants/{a}/media", files={"file": ("t.mp3", content, "audio/mpeg")}, headers=admin_b).status_code == 404
    assert client.post(f"/api/tenants/{b}/media", files={"file": ("t.mp3", content, "audio/mpeg")}, headers=admin_b).status_code == 201


# --- rendered from the read model --------------------------------------------------------


def test_components_render_into_the_tenant_config(client, runtime, data_dir, tmp_path):
    t = make_tenant(client)
    tid, code = t["id"], t["code"]
    e1, e2 = make_ext(client, tid, "201", voicemail=True), make_ext(client, tid, "202")
    moh = client.post(f"/api/tenants/{tid}/media", files={"file": ("m.mp3", make_audio(tmp_path, "mp3"), "audio/mpeg")},
                      data={"moh_class": "default"}).json()
    classifier = client.post(f"/api/tenants/{tid}/classifiers", json={"name": "VIP", "entries": [{"number": "+74951234567"}, {"number": "+7916*"}]})
    assert classifier.status_code == 201, classifier.text
    g = client.post(f"/api/tenants/{tid}/groups", json={
        "name": "Sales", "number": "500", "strategy": "fewest_calls", "ring_time": 15, "max_wait": 90, "wrapup": 7, "max_len": 4,
        "members": [{"extension_id": e1["id"], "priority": 1}, {"extension_id": e2["id"], "priority": 3}],
        "greeting_media_id": moh["id"], "vip_classifier_id": classifier.json()["id"], "voicemail": True}).json()
    pg = client.post(f"/api/tenants/{tid}/pickup-groups", json={"name": "Office", "members": [e1["id"], e2["id"]]}).json()
    client.post(f"/api/tenants/{tid}/voicemail-boxes", json={"name": "Ann; [x]", "mailbox": "201", "owner_type": "extension", "owner_id": e1["id"], "pin": "1234"})
    client.post(f"/api/tenants/{tid}/voicemail-boxes", json={"name": "Sales box", "mailbox": "500", "owner_type": "group", "owner_id": g["id"], "pin": "5678"})

    out = tmp_path / "conf"
    ConfigApplier(runtime.pool, out).full()
    queues = {name: dict(items) for name, _, items in parse((out / f"queues_t_{code}.conf").read_text())}
    q = queues[f"t-{code}-q500"]
    assert (q["strategy"], q["timeout"], q["wrapuptime"], q["maxlen"], q["musicclass"]) == ("fewestcalls", "15", "7", "4", f"t-{code}-default")
    members = [v for name, _, items in parse((out / f"queues_t_{code}.conf").read_text()) for k, v in items if k == "member"]
    assert members == [f"PJSIP/{e1['devices'][0]['username']},0,201", f"PJSIP/{e2['devices'][0]['username']},2,202"]

    dialplan = (out / f"extensions_t_{code}.conf").read_text()
    assert f"Queue(t-{code}-q500,,,,90)" in dialplan and f"Playback(/etc/asterisk/pbxflow/media/{code}/{moh['id']})" in dialplan
    assert f"VoiceMail(500@t-{code},u)" in dialplan and f"VoiceMail(201@t-{code}," in dialplan
    vip = f"t-{code}-vip-{classifier.json()['id'].replace('-', '')[:8]}"
    assert f"DIALPLAN_EXISTS({vip},${{CALLERID(num)}},1)" in dialplan
    contexts = {name: items for name, _, items in parse(dialplan)}
    assert [v.split(",")[0] for k, v in contexts[vip]] == ["+74951234567", "74951234567", "_+7916!", "_7916!"]
    assert "exten => *8,1,NoOp(pbxflow pickup)" in dialplan

    endpoints = {name: items for name, tpl, items in parse((out / f"pjsip_t_{code}.conf").read_text()) if tpl == "pbxflow-endpoint"}
    group_name = f"t-{code}-pg-{pg['id'].replace('-', '')[:8]}"
    for ext in (e1, e2):
        items = dict(endpoints[ext["devices"][0]["username"]])
        assert items["named_call_group"] == items["named_pickup_group"] == group_name
        assert items["moh_suggest"] == f"t-{code}-default"
    assert ("set_var", "PBXFLOW_VMBOX=201") in endpoints[e1["devices"][0]["username"]]

    vm = parse((out / f"voicemail_t_{code}.conf").read_text())
    assert vm == [(f"t-{code}", vm[0][1], [("201", "1234,Ann x"), ("500", "5678,Sales box")])]
    moh_conf = {name: dict(items) for name, _, items in parse((out / f"musiconhold_t_{code}.conf").read_text())}
    assert moh_conf == {f"t-{code}-default": {"mode": "playlist", "entry": f"/etc/asterisk/pbxflow/media/{code}/{moh['id']}"}}


def test_tenant_pickup_code_reaches_the_dialplan():
    from pbxflow.domain.pickup import check_pickup_code
    from pbxflow.errors import Invalid
    from projections.asterisk.escape import UnsafeValue
    from projections.asterisk.render import TenantConfig, render_tenant

    # Set on the tenant (pickup_code), e.g. the operator-class seed's 888#; default *8.
    for code, expected in (("888#", "888#"), ("*8", "*8"), ("", "*8"), ("500", "*8"), ("*97", "*8")):
        text = render_tenant(TenantConfig("x", "abc123", "T", pickup_code=code))["extensions_t_abc123.conf"]
        assert f"exten => {expected},1,NoOp(pbxflow pickup)" in text, code
        contexts = {name: items for name, _, items in parse(text)}
        assert ("include", "t-abc123-features") in contexts["t-abc123-internal"]
    with pytest.raises(UnsafeValue):
        render_tenant(TenantConfig("x", "abc123", "T", pickup_code="*8,1,Dial(x)"))
    assert check_pickup_code("pickup_code", "888#") == "888#"
    for bad in ("500", "*97", "*8x", "", "*********"):
        with pytest.raises(Invalid):
            check_pickup_code("pickup_code", bad)


@pytest.mark.parametrize("name", ['Evil; [x] "q" \\ name', "a,b|c=d=>e", "[t-abc123-ext]", "=> 999 => 1234"])
def test_crafted_component_names_do_not_change_the_config_structure(name):
    from projections.asterisk.parse import structure
    from projections.asterisk.render import TenantConfig, render_tenant

    ext_id, group_id = str(uuid.uuid4()), str(uuid.uuid4())

    def tenant(label: str) -> TenantConfig:
        ext = {"id": ext_id, "number": "201", "name": label, "voicemail": True,
               "devices": [{"id": "d", "type": "sip", "username": "abc123-201-abcd", "password": "pw", "ring_time": 20, "forward": {"mode": "none"}}]}
        return TenantConfig("x", "abc123", label, [ext], [],
                            groups=[{"id": group_id, "name": label, "number": "500", "members": [{"extension_id": ext_id, "priority": 1}], "voicemail": True}],
                            pickup_groups=[{"id": str(uuid.uuid4()), "name": label, "members": [ext_id]}],
                            voicemail_boxes=[{"id": "b1", "name": label, "mailbox": "201", "pin": "1234", "owner_type": "extension", "owner_id": ext_id},
                                             {"id": "b2", "name": label, "mailbox": "500", "pin": "4321", "owner_type": "group", "owner_id": group_id}],
                            media=[{"id": str(uuid.uuid4()), "name": label, "moh_class": "default"}])

    plain, crafted = render_tenant(tenant("Plain")), render_tenant(tenant(name))
    assert set(plain) == {f"{p}_t_abc123.conf" for p in ("pjsip", "extensions", "queues", "voicemail", "musiconhold")}
    for fname in plain:
        assert structure(crafted[fname]) == structure(plain[fname]), fname
    boxes = dict(parse(crafted["voicemail_t_abc123.conf"])[0][2])
    assert boxes["201"].split(",")[0] == "1234" and len(boxes["201"].split(",")) == 2


# --- greetings, deleting messages, the greeting code, MWI (issue 4) --------------------------


def _box(client, tid, ext_id, mailbox="201", **extra):
    r = client.post(f"/api/tenants/{tid}/voicemail-boxes", json={"name": "Ann", "mailbox": mailbox, "owner_type": "extension",
                                                                  "owner_id": ext_id, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def test_voicemail_greetings_upload_list_download_and_delete(client, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    monkeypatch.setenv("PBXFLOW_VOICEMAIL_SPOOL", str(spool))
    t = make_tenant(client)
    tid, code = t["id"], t["code"]
    box = _box(client, tid, make_ext(client, tid, "201", voicemail=True)["id"])
    base = f"/api/tenants/{tid}/voicemail-boxes/{box['id']}/greetings"
    listed = client.get(base).json()
    assert [(g["kind"], g["present"]) for g in listed["items"]] == [("unavailable", False), ("busy", False), ("temporary", False),
                                                                     ("name", False)]
    assert client.get(f"{base}/unavailable").status_code == 404

    # A greeting recorded earlier by phone through VoiceMailMain (several formats): an upload
    # replaces all of them with one 8 kHz WAV where VoiceMail() looks for it.
    box_dir = spool / f"t-{code}" / "201"
    box_dir.mkdir(parents=True)
    for suffix in (".WAV", ".gsm", ".wav"):
        (box_dir / f"unavail{suffix}").write_bytes(b"old")
    r = client.put(f"{base}/unavailable", files={"file": ("hello.mp3", make_audio(tmp_path, "mp3", 2.0), "audio/mpeg")})
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "unavailable" and r.json()["present"] and 1900 <= r.json()["duration_ms"] <= 2200
    assert sorted(p.name for p in box_dir.iterdir()) == ["unavail.wav"]
    assert wav_params((box_dir / "unavail.wav").read_bytes())[:3] == (8000, 1, 2)
    # The raw body works too, for another kind.
    raw = client.put(f"{base}/busy", content=make_audio(tmp_path, "wav", 1.0), headers={"Content-Type": "audio/wav"})
    assert raw.status_code == 200 and raw.json()["kind"] == "busy", raw.text
    kinds_present = {g["kind"]: g["present"] for g in client.get(base).json()["items"]}
    assert kinds_present == {"unavailable": True, "busy": True, "temporary": False, "name": False}
    got = client.get(f"{base}/unavailable")
    assert got.status_code == 200 and got.headers["content-type"].startswith("audio/wav")
    assert got.content == (box_dir / "unavail.wav").read_bytes()

    # Bad uploads change nothing.
    before = (box_dir / "unavail.wav").read_bytes()
    for content in (b"not audio" * 50, b""):
        bad = client.put(f"{base}/unavailable", content=content, headers={"Content-Type": "audio/mpeg"})
        assert bad.status_code == 422 and problem_fields(bad) == ["file"], bad.text
    assert client.put(f"{base}/unavailable", files={"other": ("x.mp3", b"abc", "audio/mpeg")}).status_code == 422
    too_long = client.put(f"{base}/unavailable", content=make_audio(tmp_path, "mp3", 301), headers={"Content-Type": "audio/mpeg"})
    assert too_long.status_code == 422 and problem_fields(too_long) == ["file"] and "5 minutes" in too_long.json()["detail"]
    unknown = client.put(f"{base}/welcome", content=make_audio(tmp_path, "mp3"), headers={"Content-Type": "audio/mpeg"})
    assert unknown.status_code == 422 and problem_fields(unknown) == ["kind"]
    assert (box_dir / "unavail.wav").read_bytes() == before

    assert client.delete(f"{base}/busy").status_code == 204
    assert client.delete(f"{base}/busy").status_code == 404
    assert not (box_dir / "busy.wav").exists()
    assert {g["kind"]: g["present"] for g in client.get(base).json()["items"]}["unavailable"] is True


def test_voicemail_greetings_and_messages_follow_roles_and_tenants(client, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    monkeypatch.setenv("PBXFLOW_VOICEMAIL_SPOOL", str(spool))
    a, b = make_tenant(client, "A"), make_tenant(client, "B")
    users = {}
    for login_, role in (("aud-a", "auditor"), ("owner-a", "user"), ("other-a", "user")):
        r = client.post(f"/api/tenants/{a['id']}/users", json={"login": login_, "name": login_, "password": "password-a1", "role": role})
        users[login_] = r.json()["id"]
    ext_box = _box(client, a["id"], make_ext(client, a["id"], "201")["id"])
    user_box = client.post(f"/api/tenants/{a['id']}/voicemail-boxes", json={
        "name": "Owner", "mailbox": "300", "owner_type": "user", "owner_id": users["owner-a"]}).json()
    audio = make_audio(tmp_path, "mp3")
    auditor, owner, other = (login(client, u, "password-a1") for u in ("aud-a", "owner-a", "other-a"))
    _spool_message(spool, a["code"], "300", 0, "1700000000-00000009", make_audio(tmp_path, "wav", 0.5))

    ext_base = f"/api/tenants/{a['id']}/voicemail-boxes/{ext_box['id']}"
    user_base = f"/api/tenants/{a['id']}/voicemail-boxes/{user_box['id']}"
    # An auditor reads but does not change; a user reaches only the box they own.
    assert client.get(f"{ext_base}/greetings", headers=auditor).status_code == 200
    assert client.put(f"{ext_base}/greetings/busy", files={"file": ("g.mp3", audio, "audio/mpeg")}, headers=auditor).status_code == 403
    assert client.get(f"{ext_base}/greetings", headers=owner).status_code == 403
    assert client.put(f"{user_base}/greetings/busy", files={"file": ("g.mp3", audio, "audio/mpeg")}, headers=other).status_code == 403
    assert client.delete(f"{user_base}/messages/1700000000-00000009", headers=other).status_code == 403
    assert client.delete(f"{user_base}/messages/1700000000-00000009", headers=auditor).status_code == 403
    up = client.put(f"{user_base}/greetings/busy", files={"file": ("g.mp3", audio, "audio/mpeg")}, headers=owner)
    assert up.status_code == 200, up.text
    assert client.get(f"{user_base}/greetings/busy", headers=owner).status_code == 200
    # Another tenant's admin path sees nothing.
    for method in ("GET", "DELETE"):
        r = client.request(method, f"/api/tenants/{b['id']}/voicemail-boxes/{user_box['id']}/greetings/busy")
        assert r.status_code == 404, r.text
    assert client.delete(f"/api/tenants/{b['id']}/voicemail-boxes/{user_box['id']}/messages/1700000000-00000009").status_code == 404

    # The owner deletes the message (no Asterisk connection here: the files go, under Asterisk's lock).
    assert client.delete(f"{user_base}/messages/1700000000-00000009", headers=owner).status_code == 204
    assert client.get(f"{user_base}/messages", headers=owner).json()["total"] == 0
    assert not list((spool / f"t-{a['code']}" / "300" / "INBOX").iterdir())
    assert client.delete(f"{user_base}/messages/1700000000-00000009", headers=owner).status_code == 404


def test_deleting_a_message_waits_for_asterisks_folder_lock(tmp_path):
    import threading

    from pbxflow import voicemail_spool

    audio = b"RIFF" + bytes(100)
    for n, msg_id in enumerate(("1700000000-00000001", "1700000000-00000002")):
        _spool_message(tmp_path, "abc", "201", n, msg_id, audio)
    inbox = tmp_path / "t-abc" / "201" / "INBOX"
    (inbox / "msg0001.gsm").write_bytes(b"gsm")
    # Asterisk holds the folder (ast_lock_path: a hard link named .lock) and lets go a moment later.
    (inbox / ".lock-asterisk").touch()
    (inbox / ".lock").hardlink_to(inbox / ".lock-asterisk")
    holder = threading.Timer(0.3, lambda: (inbox / ".lock").unlink())
    holder.start()
    gone = voicemail_spool.delete_message(tmp_path, "abc", "201", "1700000000-00000002")
    holder.join()
    assert gone is not None and gone.id == "1700000000-00000002"
    assert sorted(p.name for p in inbox.iterdir()) == [".lock-asterisk", "msg0000.txt", "msg0000.wav"]
    assert voicemail_spool.delete_message(tmp_path, "abc", "201", "1700000000-00000002") is None
    # A lock that is never released: the deletion gives up and changes nothing.
    (inbox / ".lock").hardlink_to(inbox / ".lock-asterisk")
    with pytest.raises(TimeoutError):
        with voicemail_spool.folder_lock(inbox, timeout=0.2):
            pass
    assert (inbox / "msg0000.txt").exists()


def test_tenant_voicemail_greeting_code_is_validated_and_rendered(client, runtime, tmp_path):
    t = make_tenant(client)
    tid, code = t["id"], t["code"]
    assert t["voicemail_greeting_code"] == "*96" and t["pickup_code"] == "*8"
    ok = client.patch(f"/api/tenants/{tid}", json={"voicemail_greeting_code": "*55#"}, headers={"If-Match": str(t["version"])})
    assert ok.status_code == 200 and ok.json()["voicemail_greeting_code"] == "*55#", ok.text
    out = tmp_path / "conf"
    ConfigApplier(runtime.pool, out).full()
    dialplan = (out / f"extensions_t_{code}.conf").read_text()
    features = {name: items for name, _, items in parse(dialplan)}[f"t-{code}-features"]
    assert ("exten", "*55#,1,Answer()") in features and not any(v.startswith("*96,") for _, v in features)

    for body, field in (({"voicemail_greeting_code": "555"}, "voicemail_greeting_code"),
                        ({"voicemail_greeting_code": "*97"}, "voicemail_greeting_code"),
                        ({"voicemail_greeting_code": "*9a"}, "voicemail_greeting_code"),
                        ({"voicemail_greeting_code": "*********"}, "voicemail_greeting_code"),
                        ({"voicemail_greeting_code": ""}, "voicemail_greeting_code"),
                        ({"voicemail_greeting_code": 96}, "voicemail_greeting_code"),
                        ({"voicemail_greeting_code": "*8"}, "voicemail_greeting_code"),  # the pickup code
                        ({"pickup_code": "*55#"}, "pickup_code"),  # the greeting code
                        ({"pickup_code": "*7", "voicemail_greeting_code": "*7"}, "voicemail_greeting_code")):
        bad = client.patch(f"/api/tenants/{tid}", json=body)
        assert bad.status_code == 422 and problem_fields(bad) == [field], (body, bad.text)
    created = client.post("/api/tenants", json={"name": "Clash", "pickup_code": "*96"})
    assert created.status_code == 422 and problem_fields(created) == ["voicemail_greeting_code"]

    # Two admins edit at once: the second, with the version it read, is told it is stale.
    current = client.get(f"/api/tenants/{tid}").json()
    first = client.patch(f"/api/tenants/{tid}", json={"voicemail_greeting_code": "*77"}, headers={"If-Match": str(current["version"])})
    assert first.status_code == 200
    second = client.patch(f"/api/tenants/{tid}", json={"voicemail_greeting_code": "*78"}, headers={"If-Match": str(current["version"])})
    assert second.status_code == 409 and second.json()["current_version"] == first.json()["version"], second.text
    assert client.get(f"/api/tenants/{tid}").json()["voicemail_greeting_code"] == "*77"

    # A tenant admin may set it (a tenant setting like the pickup code).
    client.post(f"/api/tenants/{tid}/users", json={"login": "adm-x", "name": "Admin", "password": "password-x1", "role": "tenant_admin"})
    r = client.patch(f"/api/tenants/{tid}", json={"voicemail_greeting_code": "#96"}, headers=login(client, "adm-x", "password-x1"))
    assert r.status_code == 200 and r.json()["voicemail_greeting_code"] == "#96", r.text
    entries = client.get("/api/audit", params={"object_id": tid}).json()["items"]
    assert entries[0]["diff"]["voicemail_greeting_code"] == ["*77", "#96"]


def test_greeting_code_and_mwi_render_for_extensions_with_a_box():
    from projections.asterisk import realtime
    from projections.asterisk.render import TenantConfig, render_tenant

    ext_id, user_id = str(uuid.uuid4()), str(uuid.uuid4())
    dev = {"id": "d", "type": "sip", "username": "abc123-201-abcd", "password": "pw", "ring_time": 20, "forward": {"mode": "none"}}
    exts = [{"id": ext_id, "number": "201", "name": "Ann", "devices": [dev]},
            {"id": str(uuid.uuid4()), "number": "202", "name": "Bob", "owner_user_id": user_id,
             "devices": [{**dev, "username": "abc123-202-abcd"}]},
            {"id": str(uuid.uuid4()), "number": "203", "name": "Eve", "devices": [{**dev, "username": "abc123-203-abcd"}]}]
    boxes = [{"id": "b1", "name": "Ann", "mailbox": "201", "pin": "1234", "owner_type": "extension", "owner_id": ext_id},
             {"id": "b2", "name": "Bob", "mailbox": "7202", "pin": "1234", "owner_type": "user", "owner_id": user_id}]
    t = TenantConfig("x", "abc123", "T", exts, [], voicemail_boxes=boxes)
    files = render_tenant(t)
    objects = {(name, tpl): dict(items) for name, tpl, items in parse(files["pjsip_t_abc123.conf"])}
    for username, box in (("abc123-201-abcd", "201@t-abc123"), ("abc123-202-abcd", "7202@t-abc123")):
        endpoint = objects[(username, "pbxflow-endpoint")]
        assert (endpoint["mailboxes"], endpoint["mwi_subscribe_replaces_unsolicited"], endpoint["voicemail_extension"]) == (box, "yes", "*97")
        assert objects[(username, "pbxflow-aor")] == {"mailboxes": box}
    assert "mailboxes" not in objects[("abc123-203-abcd", "pbxflow-endpoint")] and objects[("abc123-203-abcd", "pbxflow-aor")] == {}
    # The same in PJSIP realtime rows.
    rows = realtime.tenant_rows(t)
    endpoints = {r["id"]: r for r in rows.tables[realtime.ENDPOINTS]}
    aors = {r["id"]: r for r in rows.tables[realtime.AORS]}
    assert endpoints["abc123-202-abcd"]["mailboxes"] == aors["abc123-202-abcd"]["mailboxes"] == "7202@t-abc123"
    assert endpoints["abc123-202-abcd"]["set_var"] == "PBXFLOW_TENANT=abc123;PBXFLOW_VMBOX=7202"
    assert endpoints["abc123-203-abcd"]["mailboxes"] is None and aors["abc123-203-abcd"]["mailboxes"] is None

    features = {name: items for name, _, items in parse(files["extensions_t_abc123.conf"])}["t-abc123-features"]
    assert ("exten", "*96,1,Answer()") in features
    assert ("same", "n,VMAuthenticate(${PBXFLOW_VMBOX}@t-abc123)") in features
    assert ("same", "n,Record(${PBXFLOW_GREETING}.wav,0,60,k)") in features
    # A code the domain would refuse falls back to *96; none when that is the pickup code.
    for greeting, pickup, expected in (("*55", "*8", "*55"), ("555", "*8", "*96"), ("*97", "*8", "*96"), ("*8", "*8", "*96"),
                                       ("*96", "*96", None), ("", "*8", "*96")):
        text = render_tenant(TenantConfig("x", "abc123", "T", greeting_code=greeting, pickup_code=pickup))["extensions_t_abc123.conf"]
        answers = [v for k, v in {n: i for n, _, i in parse(text)}["t-abc123-features"] if v.endswith(",1,Answer()")]
        assert answers == ["*97,1,Answer()", "*98,1,Answer()"] + ([f"{expected},1,Answer()"] if expected else []), (greeting, pickup)
