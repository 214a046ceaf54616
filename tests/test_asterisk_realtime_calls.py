"""SIP devices served from the PJSIP realtime tables, against a real Asterisk.

A second sandbox, dedicated to realtime (its own root, ports and config directory), reads
tenant endpoints, auths and aors from ``ps_endpoints``/``ps_auths``/``ps_aors`` in the
application's own database on the embedded test server (``PBXFLOW_PJSIP_REALTIME`` over
the server's unix socket; see docs/asterisk-realtime.md). The ConfigApplier runs with
``realtime=True``: devices become rows, never ``pjsip_t_<code>.conf``, and a committed
change is live for the next SIP request without any ``res_pjsip.so`` reload.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import SANDBOX, Sandbox, drop_database, make_database
from pbxflow.context import SYSTEM
from projections.asterisk import realtime
from projections.asterisk.applier import ConfigApplier
from sipp import FAILED, OK, RecordingReloader, Sipp, allocate, wait_for

pytestmark = pytest.mark.asterisk

# This sandbox must not collide with the default one (5060/5038, RTP 10000-10999).
RT_ENV = {
    "PBXFLOW_SIP_PORT": "5262",
    "PBXFLOW_AMI_PORT": "5239",
    "PBXFLOW_RTP_START": "12000",
    "PBXFLOW_RTP_END": "12999",
}


def realtime_url(db) -> str:
    """The sandbox's PBXFLOW_PJSIP_REALTIME for a Database (unix socket or TCP)."""
    cred = db.user + (f":{db.password}" if db.password else "")
    if db.host.startswith("/"):
        return f"postgresql://{cred}@/{db.dbname}?host={db.host}&port={db.port}"
    return f"postgresql://{cred}@{db.host}:{db.port}/{db.dbname}"


@dataclass
class Realtime:
    runtime: object
    sandbox: Sandbox
    reloader: RecordingReloader  # records the modules each reload asked for
    applier: ConfigApplier | None = None


@pytest.fixture(scope="module")
def rt(embedded_server, tmp_path_factory) -> Iterator[Realtime]:
    """A fresh app database, its Runtime, the realtime tables, and a realtime sandbox on them."""
    from pbxflow.ami import AmiReloader
    from pbxflow.runtime import Runtime

    db = make_database(embedded_server)
    runtime = Runtime(db)
    with runtime.pool.connection() as conn:
        realtime.ensure_schema(conn)  # before Asterisk first reads the tables
    data_dir = tmp_path_factory.mktemp("asterisk-rt-data")
    (data_dir / "asterisk").mkdir()
    env = {
        **os.environ,
        **RT_ENV,
        "PBXFLOW_ASTERISK_ROOT": str(Path.home() / ".cache" / "pbxflow" / "asterisk-root-rt"),
        "PBXFLOW_DATA_DIR": str(data_dir),
        "PBXFLOW_PJSIP_REALTIME": realtime_url(db),
    }
    # A sandbox left running on this root reads another database: restart it on ours.
    subprocess.run([str(SANDBOX), "down"], env=env, capture_output=True, timeout=120)
    ami = None
    try:
        up = subprocess.run([str(SANDBOX), "up"], env=env, capture_output=True, text=True, timeout=900)
        if up.returncode != 0:
            pytest.fail(f"realtime asterisk/sandbox up failed ({up.returncode}): {up.stdout}\n{up.stderr}")
        sandbox = Sandbox(data_dir, env)
        ami = AmiReloader([sandbox.ami_url])
        yield Realtime(runtime, sandbox, RecordingReloader(ami))
    finally:
        if ami is not None:
            ami.close()
        subprocess.run([str(SANDBOX), "down"], env=env, capture_output=True, timeout=120)
        runtime.close()
        drop_database(embedded_server, db)


@pytest.fixture
def phones(rt, tmp_path) -> Iterator[Sipp]:
    s = Sipp(rt.sandbox.sip_port, tmp_path / "sipp")
    yield s
    s.close()


# --- helpers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ext:
    id: str
    tenant_id: str
    device_id: str
    number: str
    username: str
    password: str


def make_tenant(runtime, name: str):
    r = runtime.app.create(SYSTEM, "tenant", None, {"name": name})
    runtime.wait(r.notification_id)
    return r


def make_ext(runtime, tenant_id: str, number: str) -> Ext:
    r = runtime.app.create(SYSTEM, "extension", tenant_id,
                           {"number": number, "name": f"RT {number}", "devices": [{"type": "sip"}]})
    runtime.wait(r.notification_id)
    dev = r.data["devices"][0]
    return Ext(r.id, tenant_id, dev["id"], number, dev["username"], dev["password"])


def applier_of(rt: Realtime) -> ConfigApplier:
    """The module's realtime applier: the first call renders everything and reloads."""
    if rt.applier is None:
        rt.applier = ConfigApplier(rt.runtime.pool, rt.sandbox.config_dir, rt.reloader, realtime=True)
        rt.applier.full()
        rt.applier.apply_pending()
        assert rt.applier.status.in_sync, rt.applier.status.last_error
    return rt.applier


def step(rt: Realtime) -> set[str]:
    """Apply the latest commands; the rows are live on commit, files reload as usual."""
    applier = applier_of(rt)
    changed = applier.step()
    assert not any(name.startswith("pjsip_t_") for name in changed), changed
    applier.apply_pending()
    assert applier.status.in_sync, applier.status.last_error
    assert applier.status.applied_position == applier.status.position
    return changed


def rows_of(rt: Realtime, username: str) -> dict[str, list[dict]]:
    return {table: rt.runtime.read._rows(f"SELECT * FROM {table} WHERE id = %s", [username])
            for table in realtime.TABLES}


def contacts_of(rt: Realtime, username: str) -> list[str]:
    """URIs registered for the endpoint's AOR (by id: `pjsip show aors` lists files only)."""
    for line in rt.sandbox.cli(f"pjsip show aor {username}").splitlines():
        m = re.match(r"\s*contact\s*:\s*(.*)$", line)
        if m:
            return [uri.strip() for uri in m.group(1).split(",") if uri.strip()]
    return []


def register(rt: Realtime, phones: Sipp, username: str, password: str, ports) -> None:
    """Register and wait until Asterisk holds the contact at our port (a few retries)."""
    for _ in range(3):
        result = phones.register(username, password, ports)
        if result.rc == OK:
            break
        time.sleep(0.5)
    assert result.rc == OK, result.describe()
    uri = f"sip:{username}@127.0.0.1:{ports.sip}"
    wait_for(lambda: contacts_of(rt, username) == [uri], 10, 0.2, f"{username} registered at {uri}")


def assert_refused(phones: Sipp, username: str, password: str, ports) -> None:
    """The REGISTER is challenged and, with these credentials, refused again (401/403)."""
    result = phones.register(username, password, ports)
    assert result.rc == FAILED, result.describe()
    assert result.sent("REGISTER"), result.describe()


def pjsip_reloads(rt: Realtime) -> list[set[str]]:
    return [c for c in rt.reloader.calls if "res_pjsip.so" in c]


# --- tests --------------------------------------------------------------------------------


def test_device_from_rows_registers_and_no_pjsip_tenant_file_exists(rt, phones):
    t = make_tenant(rt.runtime, "Realtime A")
    a = make_ext(rt.runtime, t.id, "201")
    applier = applier_of(rt)
    code = t.data["code"]

    assert not list(rt.sandbox.config_dir.glob("pjsip_t_*.conf"))
    assert (rt.sandbox.config_dir / f"extensions_t_{code}.conf").exists()
    rows = rows_of(rt, a.username)
    assert all(len(r) == 1 for r in rows.values()), rows
    assert rows[realtime.AUTHS][0]["password"] == a.password
    assert rows[realtime.ENDPOINTS][0]["tenant"] == code
    assert applier.status.applied_position == applier.status.position

    # Asterisk finds the endpoint by id in the table (it is in no file).
    assert f"t-{code}-internal" in rt.sandbox.cli(f"pjsip show endpoint {a.username}")
    register(rt, phones, a.username, a.password, allocate())
    assert_refused(phones, a.username, a.password + "x", allocate())


def test_password_change_is_live_without_a_pjsip_reload(rt, phones):
    t = make_tenant(rt.runtime, "Realtime B")
    a = make_ext(rt.runtime, t.id, "201")
    applier_of(rt)
    step(rt)
    ports = allocate()
    register(rt, phones, a.username, a.password, ports)

    new_password = "RtNewSecret12345"
    assert new_password != a.password
    reloads_before = len(pjsip_reloads(rt))
    r = rt.runtime.app.update(SYSTEM, "extension", t.id, a.id, None,
                              {"devices": [{"id": a.device_id, "type": "sip", "password": new_password}]})
    rt.runtime.wait(r.notification_id)
    assert r.data["devices"][0]["username"] == a.username
    changed = rt.applier.step()  # no apply_pending(): nothing may need reloading
    assert not any(name.startswith("pjsip_") for name in changed), changed
    assert "res_pjsip.so" not in rt.applier.status.pending_modules
    assert rows_of(rt, a.username)[realtime.AUTHS][0]["password"] == new_password

    register(rt, phones, a.username, new_password, ports)
    assert_refused(phones, a.username, a.password, allocate())
    assert len(pjsip_reloads(rt)) == reloads_before
    rt.applier.apply_pending()  # leave the applier in sync for the next test
    assert rt.applier.status.in_sync, rt.applier.status.last_error
    assert len(pjsip_reloads(rt)) == reloads_before


def test_call_between_two_realtime_extensions_is_answered(rt, phones):
    t = make_tenant(rt.runtime, "Realtime C")
    caller = make_ext(rt.runtime, t.id, "201")
    callee = make_ext(rt.runtime, t.id, "202")
    applier_of(rt)
    step(rt)
    assert not list(rt.sandbox.config_dir.glob("pjsip_t_*.conf"))

    ports = allocate()
    register(rt, phones, callee.username, callee.password, ports)
    uas = phones.uas("uas_answer.xml", ports)
    call = phones.uac_call("202", caller.username, caller.password, allocate())
    assert (call.rc, call.final_status) == (OK, 200), call.describe()
    answered = uas.wait()
    assert answered.rc == OK, answered.describe()
    [invite] = answered.received("INVITE")
    assert re.search(r"^From:.*<sip:201@", invite, flags=re.M | re.I), invite
    assert "hung up after the hold" in answered.stderr, answered.describe()
    assert call.received("BYE"), call.describe()


def test_deleted_extension_loses_its_rows_and_cannot_register(rt, phones):
    t = make_tenant(rt.runtime, "Realtime D")
    gone = make_ext(rt.runtime, t.id, "201")
    kept = make_ext(rt.runtime, t.id, "202")
    applier_of(rt)
    step(rt)
    register(rt, phones, gone.username, gone.password, allocate())
    reloads_before = len(pjsip_reloads(rt))

    r = rt.runtime.app.delete(SYSTEM, "extension", t.id, gone.id, None)
    rt.runtime.wait(r.notification_id)
    step(rt)
    assert rows_of(rt, gone.username) == {table: [] for table in realtime.TABLES}
    assert all(len(rows) == 1 for rows in rows_of(rt, kept.username).values())
    assert len(pjsip_reloads(rt)) == reloads_before

    assert_refused(phones, gone.username, gone.password, allocate())
    register(rt, phones, kept.username, kept.password, allocate())
