"""The config applier follows the read model: dirty tenants only, coalesced reloads, retries."""

from pbxflow.context import SYSTEM
from projections.asterisk.applier import ConfigApplier


class RecordingReloader:
    def __init__(self, fail: int = 0):
        self.calls: list[set[str]] = []
        self.fail = fail

    def reload(self, modules):
        if self.fail:
            self.fail -= 1
            raise ConnectionError("node down")
        self.calls.append(set(modules))


def _tenant(runtime, name):
    r = runtime.app.create(SYSTEM, "tenant", None, {"name": name})
    runtime.wait(r.notification_id)
    return r


def _ext(runtime, tid, number):
    r = runtime.app.create(SYSTEM, "extension", tid, {"number": number, "name": f"E{number}", "devices": [{"type": "sip"}]})
    runtime.wait(r.notification_id)
    return r


def test_changes_render_only_dirty_tenants_and_reload_once_per_burst(runtime, tmp_path):
    a, b = _tenant(runtime, "A"), _tenant(runtime, "B")
    reloader = RecordingReloader()
    applier = ConfigApplier(runtime.pool, tmp_path, reloader)
    applier.full()
    applier.apply_pending()
    code_a, code_b = a.data["code"], b.data["code"]
    assert (tmp_path / f"pjsip_t_{code_a}.conf").exists() and (tmp_path / f"extensions_t_{code_b}.conf").exists()
    before_b = (tmp_path / f"pjsip_t_{code_b}.conf").stat().st_mtime_ns

    # A burst of commands on tenant A: one step, one reload of the two modules.
    reloader.calls.clear()
    for n in range(201, 211):
        _ext(runtime, a.id, str(n))
    changed = applier.step()
    applier.apply_pending()
    assert changed == {f"pjsip_t_{code_a}.conf", f"extensions_t_{code_a}.conf"}
    assert reloader.calls == [{"res_pjsip.so", "dialplan"}]
    assert (tmp_path / f"pjsip_t_{code_b}.conf").stat().st_mtime_ns == before_b
    text = (tmp_path / f"pjsip_t_{code_a}.conf").read_text()
    assert text.count("(pbxflow-endpoint)") == 10

    # Nothing new: no step work, no reload.
    assert applier.step() == set()
    applier.apply_pending()
    assert len(reloader.calls) == 1


def test_failed_reload_stays_pending_and_is_retried(runtime, tmp_path):
    t = _tenant(runtime, "A")
    reloader = RecordingReloader(fail=1)
    applier = ConfigApplier(runtime.pool, tmp_path, reloader)
    applier.full()
    applier.apply_pending()
    assert applier.status.last_error and "node down" in applier.status.last_error
    assert not applier.status.in_sync
    applier.apply_pending()
    assert applier.status.in_sync and reloader.calls


def test_deleted_tenant_files_are_removed_and_dids_follow_allocation(runtime, tmp_path):
    t = _tenant(runtime, "Gone")
    applier = ConfigApplier(runtime.pool, tmp_path, RecordingReloader())
    applier.full()
    num = runtime.app.create(SYSTEM, "number", None, {"number": "+74950000001"}, obj_id=None)
    runtime.wait(num.notification_id)
    r = runtime.app.allocate_number(SYSTEM, t.id, "+74950000001")
    runtime.wait(r.notification_id)
    applier.step()
    platform = (tmp_path / "extensions_platform.conf").read_text()
    assert f"exten => 74950000001,1,Goto(t-{t.data['code']}-did,74950000001,1)" in platform
    r = runtime.app.release_number(SYSTEM, t.id, num.id, None)
    runtime.wait(r.notification_id)
    r = runtime.app.delete(SYSTEM, "tenant", None, t.id, None)
    runtime.wait(r.notification_id)
    applier.step()
    assert not (tmp_path / f"pjsip_t_{t.data['code']}.conf").exists()
    assert "74950000001" not in (tmp_path / "extensions_platform.conf").read_text()


def test_apply_outcomes_are_recorded_as_events_once_per_failure(runtime, tmp_path):
    t = _tenant(runtime, "Rec")
    reloader = RecordingReloader(fail=3)
    applier = ConfigApplier(runtime.pool, tmp_path, reloader,
                            on_apply=lambda action, details: runtime.app.record_apply("127.0.0.1:5038", action, details))
    applier.full()
    for _ in range(4):  # three failures with the same error, then success
        applier.apply_pending()
    runtime.catch_up()
    rows = runtime.read._rows("SELECT action, diff FROM rm_audit WHERE object_type = 'asterisk_node' ORDER BY notification_id", [])
    assert [r["action"] for r in rows] == ["create", "config_apply_failed", "config_applied"]
    assert "node down" in rows[1]["diff"]["details"]["error"]
    assert {"dialplan", "res_pjsip.so"} <= set(rows[2]["diff"]["details"]["modules"])
    # Recording does not make the applier render anything.
    assert applier.step() == set()


def test_realtime_mode_writes_device_rows_instead_of_pjsip_files(runtime, tmp_path):
    a = _tenant(runtime, "RT")
    e = _ext(runtime, a.id, "201")
    reloader = RecordingReloader()
    applier = ConfigApplier(runtime.pool, tmp_path, reloader, realtime=True)
    applier.full()
    applier.apply_pending()
    code = a.data["code"]
    assert not (tmp_path / f"pjsip_t_{code}.conf").exists()
    assert (tmp_path / f"extensions_t_{code}.conf").exists()
    username = e.data["devices"][0]["username"]
    auth = runtime.read._rows("SELECT id, password FROM ps_auths WHERE id = %s", [username])
    assert auth and auth[0]["password"] == e.data["devices"][0]["password"]
    # A changed password: the row changes, no pjsip reload is needed (only the dialplan may reload).
    reloader.calls.clear()
    r = runtime.app.update(SYSTEM, "extension", a.id, e.id, None, {"devices": [{"id": e.data["devices"][0]["id"], "type": "sip", "password": "NewSecret12345"}]})
    runtime.wait(r.notification_id)
    applier.step()
    applier.apply_pending()
    assert runtime.read._rows("SELECT password FROM ps_auths WHERE id = %s", [username])[0]["password"] == "NewSecret12345"
    assert all("res_pjsip.so" not in c for c in reloader.calls)
    assert applier.status.applied_position == applier.status.position
    # A deleted tenant's rows go.
    r = runtime.app.delete(SYSTEM, "extension", a.id, e.id, None)
    runtime.wait(r.notification_id)
    r = runtime.app.delete(SYSTEM, "tenant", None, a.id, None)
    runtime.wait(r.notification_id)
    applier.step()
    assert not runtime.read._rows("SELECT id FROM ps_auths WHERE id = %s", [username])


def test_generated_config_verifies_against_a_fresh_render(runtime, tmp_path):
    from projections.asterisk.verify import compare

    t = _tenant(runtime, "V")
    _ext(runtime, t.id, "201")
    applier = ConfigApplier(runtime.pool, tmp_path)
    applier.full()
    assert compare(runtime.pool, tmp_path, realtime=False) == []
    code = t.data["code"]
    (tmp_path / f"extensions_t_{code}.conf").write_text("; edited by hand\n")
    (tmp_path / "pjsip_t_stray.conf").write_text("")
    assert compare(runtime.pool, tmp_path, realtime=False) == [f"extensions_t_{code}.conf", "pjsip_t_stray.conf"]
