"""Calls through the real Asterisk (asterisk/sandbox) with SIPp phones, on the generated config.

Each test builds its tenants, extensions, trunk and numbers through the application
(SYSTEM actor), renders and applies them with a ConfigApplier into the sandbox's config
directory (``full()`` drops the files of earlier tests), reloads Asterisk, and then
places calls with SIPp (tests/sipp.py, scenarios in asterisk/sipp/).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest

from pbxflow.context import SYSTEM
from projections.asterisk import source
from projections.asterisk.applier import ConfigApplier
from projections.asterisk.parse import structure
from projections.asterisk.render import TenantConfig, render_tenant
from sipp import FAILED, OK, TIMED_OUT, RecordingReloader, Sipp, SippResult, allocate, wait_for

pytestmark = pytest.mark.asterisk


# --- fixtures and setup helpers ------------------------------------------------------


@dataclass(frozen=True)
class Ext:
    id: str
    number: str
    name: str
    username: str
    password: str


def make_tenant(runtime, name: str):
    r = runtime.app.create(SYSTEM, "tenant", None, {"name": name})
    runtime.wait(r.notification_id)
    return r


def make_ext(runtime, tenant_id: str, number: str, name: str | None = None, **device) -> Ext:
    data = {"number": number, "name": name or f"Ext {number}", "devices": [{"type": "sip", **device}]}
    r = runtime.app.create(SYSTEM, "extension", tenant_id, data)
    runtime.wait(r.notification_id)
    dev = r.data["devices"][0]
    return Ext(r.id, number, r.data["name"], dev["username"], dev["password"])


def apply(runtime, asterisk, reloader) -> ConfigApplier:
    applier = ConfigApplier(runtime.pool, asterisk.config_dir, reloader)
    applier.full()
    applier.apply_pending()
    assert applier.status.in_sync, applier.status.last_error
    return applier


def contacts_of(asterisk, username: str) -> list[str]:
    """The URIs registered for the endpoint's AOR (`pjsip show aor`; the table truncates them)."""
    for line in asterisk.cli(f"pjsip show aor {username}").splitlines():
        m = re.match(r"\s*contact\s*:\s*(.*)$", line)
        if m:
            return [uri.strip() for uri in m.group(1).split(",") if uri.strip()]
    return []


def register(asterisk, phones: Sipp, ext: Ext, ports) -> None:
    """Register and wait until Asterisk lists the contact at our port (a few retries)."""
    for _ in range(3):
        result = phones.register(ext.username, ext.password, ports)
        if result.rc == OK:
            break
        time.sleep(0.5)
    assert result.rc == OK, result.describe()
    uri = f"sip:{ext.username}@127.0.0.1:{ports.sip}"
    wait_for(lambda: contacts_of(asterisk, ext.username) == [uri], 10, 0.2, f"{ext.username} registered at {uri}")


def channels(asterisk) -> list[dict]:
    """Asterisk's channels (`core show channels concise`)."""
    out = []
    for line in asterisk.cli("core show channels concise").splitlines():
        f = line.split("!")
        if len(f) >= 5 and f[0].startswith(("PJSIP/", "Local/")):
            out.append({"name": f[0], "context": f[1], "exten": f[2], "state": f[4], "app": f[5] if len(f) > 5 else ""})
    return out


def up_channels_of(asterisk, *usernames: str) -> dict[str, str] | None:
    """{username: channel name} when each endpoint has a channel in state Up."""
    found = {}
    for ch in channels(asterisk):
        for u in usernames:
            if ch["name"].startswith(f"PJSIP/{u}-") and ch["state"] == "Up":
                found[u] = ch["name"]
    return found if len(found) == len(usernames) else None


def assert_call(result: SippResult, status: int) -> None:
    assert (result.rc, result.final_status) == (OK, status), result.describe()


def assert_no_call(uas) -> None:
    """A UAS that must have received nothing: it ran until its -timeout."""
    result = uas.wait()
    assert result.rc == TIMED_OUT and not result.received("INVITE") and not result.messages.strip(), result.describe()


def from_header(invite: str) -> str:
    m = re.search(r"^From:(.*)$", invite, flags=re.M | re.I)
    return m.group(1).strip() if m else ""


# --- tests ---------------------------------------------------------------------------


def test_devices_register_with_digest_auth(runtime, asterisk, reloader, phones):
    t = make_tenant(runtime, "Registrations")
    a = make_ext(runtime, t.id, "201")
    b = make_ext(runtime, t.id, "202")
    apply(runtime, asterisk, reloader)
    assert a.username.startswith(f"{t.data['code']}-201-")

    pa, pb = allocate(), allocate()
    register(asterisk, phones, a, pa)
    # Each REGISTER is challenged (401) and repeated with digest credentials.
    again = phones.register(a.username, a.password, pa)
    assert again.rc == OK and len(again.sent("REGISTER")) == 2, again.describe()
    assert "Authorization: Digest" not in again.sent("REGISTER")[0]
    assert f'Digest username="{a.username}"' in again.sent("REGISTER")[1], again.describe()

    # A wrong password is challenged again and refused; nothing is registered.
    wrong = phones.register(b.username, b.password + "x", pb)
    assert wrong.rc == FAILED, wrong.describe()
    assert contacts_of(asterisk, b.username) == []

    # Unregistering (Expires: 0) removes the contact.
    gone = phones.register(a.username, a.password, pa, expires=0)
    assert gone.rc == OK, gone.describe()
    wait_for(lambda: contacts_of(asterisk, a.username) == [], 10, 0.2, f"{a.username}'s contact to go")


@pytest.mark.parametrize(
    ("callee", "scenario", "status"),
    [
        ("answers", "uas_answer.xml", 200),
        ("is busy", "uas_busy.xml", 486),
        ("does not answer", "uas_noanswer.xml", 480),
        ("is not registered", None, 480),
    ],
)
def test_extension_calls_extension(runtime, asterisk, reloader, phones, callee, scenario, status):
    t = make_tenant(runtime, "Calls")
    caller = make_ext(runtime, t.id, "201", "Caller One")
    target = make_ext(runtime, t.id, "202", ring_time=5)  # Dial(…,5): no answer after 5 s
    apply(runtime, asterisk, reloader)

    uas = None
    if scenario:
        ports = allocate()
        register(asterisk, phones, target, ports)
        uas = phones.uas(scenario, ports)
    call = phones.uac_call("202", caller.username, caller.password, allocate(), expect=status)
    assert_call(call, status)

    if uas is not None:
        callee_side = uas.wait()
        assert callee_side.rc == OK, callee_side.describe()
        [invite] = callee_side.received("INVITE")
        assert '"Caller One" <sip:201@' in from_header(invite), invite
        if status == 200:  # the callee hung up; Asterisk passed the BYE on to the caller
            assert "hung up after the hold" in callee_side.stderr, callee_side.describe()
            assert call.received("BYE"), call.describe()
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")


def test_trunk_call_to_a_did_reaches_the_tenant(runtime, asterisk, reloader, phones):
    trunk_ports = allocate()
    secret = r'tr;nk\pa[ss]#1"'  # config metacharacters: must reach Asterisk unchanged
    trunk = runtime.app.create(SYSTEM, "trunk", None, {
        "name": "Operator; [x]", "host": "127.0.0.1", "port": trunk_ports.sip,
        "username": "pbxflow-trunk", "password": secret,
    })
    runtime.wait(trunk.notification_id)
    exts = {}
    for key, did in (("a", "+74951234501"), ("b", "+74951234502")):
        t = make_tenant(runtime, f"DID tenant {key}")
        exts[key] = make_ext(runtime, t.id, "201", f"Tenant {key} 201")
        make_ext(runtime, t.id, "202")  # not registered: the DID rings 201 only
        num = runtime.app.create(SYSTEM, "number", None, {"number": did})
        runtime.wait(num.notification_id)
        r = runtime.app.allocate_number(SYSTEM, t.id, did)
        runtime.wait(r.notification_id)
        r = runtime.app.update(SYSTEM, "number", t.id, num.id, None, {"destination": "201"})
        runtime.wait(r.notification_id)
    apply(runtime, asterisk, reloader)
    sid = f"trunk-{trunk.id[:8]}"
    endpoint = asterisk.cli(f"pjsip show endpoint {sid}")
    assert re.search(rf"Identify:\s+{sid}-identify/{sid}", endpoint) and re.search(r"Match:\s+127\.0\.0\.1", endpoint), endpoint
    auth = asterisk.cli(f"pjsip show auth {sid}-auth")
    assert re.search(rf"^\s*password\s*:\s*{re.escape(secret)}\s*$", auth, flags=re.M), auth

    uas = {}
    for key in ("a", "b"):
        ports = allocate()
        register(asterisk, phones, exts[key], ports)
        uas[key] = phones.uas("uas_answer.xml", ports)

    # From the trunk: each DID reaches its own tenant's 201 (each UAS takes one call).
    assert_call(phones.trunk_call("74951234501", trunk_ports, caller="74990000001"), 200)
    assert_call(phones.trunk_call("+74951234502", trunk_ports, caller="74990000002"), 200)
    for key, caller in (("a", "74990000001"), ("b", "74990000002")):
        result = uas[key].wait()
        assert result.rc == OK, result.describe()
        [invite] = result.received("INVITE")
        assert f"<sip:{caller}@" in from_header(invite), invite

    # A number allocated to nobody is refused (Hangup(1): 404).
    assert_call(phones.trunk_call("74951234599", trunk_ports, expect=404), 404)


def test_two_tenants_with_the_same_numbers_do_not_interfere(runtime, asterisk, reloader, phones):
    exts = {}
    for key in ("A", "B"):
        t = make_tenant(runtime, f"Tenant {key}")
        exts[key, "201"] = make_ext(runtime, t.id, "201", f"{key} one")
        exts[key, "202"] = make_ext(runtime, t.id, "202", f"{key} two")
    apply(runtime, asterisk, reloader)
    ports = {key: allocate() for key in ("A", "B")}
    for key in ("A", "B"):
        register(asterisk, phones, exts[key, "201"], ports[key])

    # X-202 calls 201: only X's 201 rings; the other tenant's 201 (same number) gets nothing.
    for key, other in (("A", "B"), ("B", "A")):
        answering = phones.uas("uas_answer.xml", ports[key], hold_ms=500)
        idle = phones.uas("uas_answer.xml", ports[other], timeout=6)
        caller = exts[key, "202"]
        assert_call(phones.uac_call("201", caller.username, caller.password, allocate()), 200)
        assert idle.proc.poll() is None, "the idle phone must outlive the call it could have taken"
        result = answering.wait()
        assert result.rc == OK, result.describe()
        [invite] = result.received("INVITE")
        assert f'"{key} two" <sip:202@' in from_header(invite), invite
        assert_no_call(idle)


def test_crafted_name_does_not_change_the_config_structure(runtime, asterisk, reloader, phones):
    evil = 'Evil; [x] "q" \\ name'
    t = make_tenant(runtime, f"Tenant {evil}")
    crafted = make_ext(runtime, t.id, "201", evil)
    plain = make_ext(runtime, t.id, "202", "Plain")
    apply(runtime, asterisk, reloader)
    code = t.data["code"]

    # The files on disk have the structure of the same tenant with plain names.
    with runtime.pool.connection() as conn:
        tenant = source.load_tenant(conn, t.id)
    plain_tenant = TenantConfig(tenant.id, tenant.code, "Plain",
                                [{**e, "name": "Plain"} for e in tenant.extensions], tenant.numbers)
    for fname, text in render_tenant(plain_tenant).items():
        on_disk = (asterisk.config_dir / fname).read_text()
        assert evil.split(";")[0] in on_disk
        assert structure(on_disk) == structure(text), fname

    # Asterisk loaded it: the endpoint, its auth and aor exist, the caller id is whole.
    shown = asterisk.cli(f"pjsip show endpoint {crafted.username}")
    [callerid] = [line for line in shown.splitlines() if re.match(r"\s*callerid\s*:", line)]
    assert 'Evil; [x] q  name" <201>' in callerid, shown
    assert '"Plain" <202>' in asterisk.cli(f"pjsip show endpoint {plain.username}")
    assert crafted.username in asterisk.cli(f"pjsip show auth {crafted.username}")
    assert "201" in asterisk.cli(f"dialplan show 201@t-{code}-ext")

    # The crafted device registers (its password survived) and its calls carry the name.
    crafted_ports, plain_ports = allocate(), allocate()
    register(asterisk, phones, crafted, crafted_ports)
    register(asterisk, phones, plain, plain_ports)
    uas = phones.uas("uas_answer.xml", plain_ports)
    assert_call(phones.uac_call("202", crafted.username, crafted.password, allocate()), 200)
    result = uas.wait()
    assert result.rc == OK, result.describe()
    [invite] = result.received("INVITE")
    assert '"Evil; [x] q  name" <sip:201@' in from_header(invite), invite


def test_reload_while_a_call_is_up_does_not_drop_it(runtime, asterisk, reloader, phones):
    t = make_tenant(runtime, "Reload")
    caller = make_ext(runtime, t.id, "201")
    callee = make_ext(runtime, t.id, "202")
    other = make_ext(runtime, t.id, "203", "Before")
    recording = RecordingReloader(reloader)
    applier = ConfigApplier(runtime.pool, asterisk.config_dir, recording)
    applier.full()
    applier.apply_pending()
    assert applier.status.in_sync, applier.status.last_error

    ports = allocate()
    register(asterisk, phones, callee, ports)
    uas = phones.uas("uas_answer.xml", ports, hold_ms=8000)
    uac = phones.start_uac_call("202", caller.username, caller.password, allocate())
    up = wait_for(lambda: up_channels_of(asterisk, caller.username, callee.username), 10, 0.1, "the call to be up")

    # Another extension changes: its files are rewritten and Asterisk reloads both modules.
    r = runtime.app.update(SYSTEM, "extension", t.id, other.id, None, {"name": "After"})
    runtime.wait(r.notification_id)
    recording.calls.clear()
    changed = applier.step()
    applier.apply_pending()
    assert applier.status.in_sync, applier.status.last_error
    assert changed == {f"pjsip_t_{t.data['code']}.conf", f"extensions_t_{t.data['code']}.conf"}
    assert recording.calls == [{"res_pjsip.so", "dialplan"}]
    assert '"After" <203>' in asterisk.cli(f"pjsip show endpoint {other.username}")

    # The call is still up, on the same channels, and neither side has finished.
    assert up_channels_of(asterisk, caller.username, callee.username) == up
    assert uac.proc.poll() is None and uas.proc.poll() is None

    # It ends normally: the callee hangs up after its hold and the caller gets the BYE.
    answered, call = uas.wait(), uac.wait()
    assert answered.rc == OK and "hung up after the hold" in answered.stderr, answered.describe()
    assert answered.sent("BYE") and not answered.received("BYE"), answered.describe()
    assert_call(call, 200)
    assert call.received("BYE") and not call.sent("BYE"), call.describe()
