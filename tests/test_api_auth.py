"""Authentication and authorisation through the API: logins, sessions, rate limits, roles, secrets, login audit."""

from __future__ import annotations

import re
import uuid

import pytest

from conftest import login

PROBLEM = "application/problem+json"
MISSING = "00000000-0000-4000-8000-00000000dead"
PUBLIC = {("POST", "/api/auth/login"), ("GET", "/api/health")}
NOBODY = {"Authorization": ""}  # with the cookie jar cleared: no credentials at all


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    return body


def anonymous(client):
    client.cookies.clear()
    return NOBODY


@pytest.fixture
def org(client):
    """Two tenants; tenant A has one user of each role and an extension; B has an admin."""
    ids = {}
    for key, name in (("a", "Alpha"), ("b", "Beta")):
        r = client.post("/api/tenants", json={"name": name, "timezone": "Europe/Moscow"})
        assert r.status_code == 201, r.text
        ids[key] = r.json()["id"]
    for key, tenant, role in (("adm-a", "a", "tenant_admin"), ("usr-a", "a", "user"), ("aud-a", "a", "auditor"),
                              ("sup-a", "a", "supervisor"), ("adm-b", "b", "tenant_admin")):
        r = client.post(f"/api/tenants/{ids[tenant]}/users", json={"login": key, "name": key, "password": f"{key}-password", "role": role})
        assert r.status_code == 201, r.text
        ids[key] = r.json()["id"]
    r = client.post(f"/api/tenants/{ids['a']}/extensions", json={"number": "201", "name": "Desk", "devices": [{"type": "sip"}, {"type": "sip"}]})
    assert r.status_code == 201, r.text
    ids["ext"] = r.json()["id"]
    r = client.post(f"/api/tenants/{ids['b']}/extensions", json={"number": "201", "name": "Desk B", "devices": [{"type": "sip"}]})
    assert r.status_code == 201, r.text
    ids["ext-b"] = r.json()["id"]
    return ids


def as_(client, who: str) -> dict:
    return login(client, who, f"{who}-password")


# --- login, sessions --------------------------------------------------------------------------

def test_login_success_gives_token_cookie_and_no_secrets(client, org):
    r = client.post("/api/auth/login", json={"login": "ADM-A", "password": "adm-a-password"}, headers=anonymous(client))
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["token"]) >= 32
    assert body["user"]["login"] == "adm-a" and body["user"]["role"] == "tenant_admin" and body["user"]["tenant_id"] == org["a"]
    assert "password_hash" not in body["user"] and "password" not in body["user"]
    cookie = r.headers["set-cookie"]
    assert body["token"] in cookie and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()


@pytest.mark.parametrize("credentials", [
    {"login": "adm-a", "password": "wrong-password"},
    {"login": "ghost", "password": "adm-a-password"},
    {"login": "adm-a", "password": "ADM-A-PASSWORD"},
    {"login": "adm-a ", "password": "adm-a-password"},
])
def test_login_failure_is_401_problem(client, org, credentials):
    problem = assert_problem(client.post("/api/auth/login", json=credentials, headers=anonymous(client)), 401)
    assert "token" not in problem
    assert "set-cookie" not in {k.lower() for k in client.post("/api/auth/login", json=credentials, headers=NOBODY).headers}


def test_disabled_user_cannot_log_in_and_loses_its_session(client, org):
    headers = as_(client, "usr-a")
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    r = client.patch(f"/api/tenants/{org['a']}/users/{org['usr-a']}", json={"enabled": False})
    assert r.status_code == 200, r.text
    assert_problem(client.get("/api/auth/me", headers=headers), 401)
    assert_problem(client.post("/api/auth/login", json={"login": "usr-a", "password": "usr-a-password"}, headers=anonymous(client)), 401)


def test_deleted_user_loses_its_session(client, org):
    headers = as_(client, "aud-a")
    assert client.delete(f"/api/tenants/{org['a']}/users/{org['aud-a']}").status_code == 204
    assert_problem(client.get("/api/auth/me", headers=headers), 401)


def test_rate_limit_after_five_failures(client, org):
    for _ in range(5):
        assert_problem(client.post("/api/auth/login", json={"login": "adm-a", "password": "nope-nope"}, headers=anonymous(client)), 401)
    # The sixth try is refused before the password is even checked, the right one too, in any letter case.
    limited = assert_problem(client.post("/api/auth/login", json={"login": "adm-a", "password": "adm-a-password"}, headers=anonymous(client)), 429)
    assert "too many" in limited["detail"]
    assert_problem(client.post("/api/auth/login", json={"login": "Adm-A", "password": "adm-a-password"}, headers=anonymous(client)), 429)
    # Other accounts are not locked out by it.
    assert client.post("/api/auth/login", json={"login": "adm-b", "password": "adm-b-password"}, headers=anonymous(client)).status_code == 200
    # Only the five real attempts are in the history.
    audit = client.get("/api/audit", params={"action": "login_failed"}).json()
    assert audit["total"] == 5 and {e["actor"]["login"] for e in audit["items"]} == {"adm-a"}


def test_bearer_token_and_cookie_both_authenticate(client, org):
    client.cookies.clear()
    r = client.post("/api/auth/login", json={"login": "adm-a", "password": "adm-a-password"}, headers=NOBODY)
    token = r.json()["token"]
    # Cookie only (the jar kept it from the login answer).
    me = client.get("/api/auth/me", headers=NOBODY)
    assert me.status_code == 200 and me.json()["login"] == "adm-a"
    # Bearer only.
    client.cookies.clear()
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json() == {"id": org["adm-a"], "login": "adm-a", "role": "tenant_admin", "tenant_id": org["a"]}
    assert client.get(f"/api/tenants/{org['a']}/extensions", headers={"Authorization": f"bearer {token}"}).status_code == 200
    # A bad bearer token is not rescued by a good cookie.
    client.cookies.set("pbxflow_session", token)
    assert_problem(client.get("/api/auth/me", headers={"Authorization": "Bearer forged"}), 401)
    # Neither a token in the query nor another scheme counts.
    client.cookies.clear()
    assert_problem(client.get("/api/auth/me", params={"token": token}, headers=NOBODY), 401)
    assert_problem(client.get("/api/auth/me", headers={"Authorization": f"Token {token}"}), 401)


def test_logout_invalidates_the_token(client, org):
    headers = as_(client, "adm-a")
    other = as_(client, "adm-a")  # a second session of the same user
    client.cookies.clear()
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert_problem(client.get("/api/auth/me", headers=headers), 401)
    assert_problem(client.get(f"/api/tenants/{org['a']}/extensions", headers=headers), 401)
    assert_problem(client.post("/api/auth/logout", headers=headers), 401)
    assert client.get("/api/auth/me", headers=other).status_code == 200  # only that session ended


def test_logout_by_cookie(client, org):
    client.cookies.clear()
    assert client.post("/api/auth/login", json={"login": "usr-a", "password": "usr-a-password"}, headers=NOBODY).status_code == 200
    token = client.cookies.get("pbxflow_session")
    assert token and client.post("/api/auth/logout", headers=NOBODY).status_code == 204
    client.cookies.set("pbxflow_session", token)
    assert_problem(client.get("/api/auth/me", headers=NOBODY), 401)


# --- every protected route needs a session ----------------------------------------------------

def api_routes(app) -> list[tuple[str, str]]:
    out = set()
    for route in app.routes:
        if not route.path.startswith("/api/") or route.path.startswith("/api/schema"):
            continue
        for method in getattr(route, "methods", ()):
            if method not in ("OPTIONS", "HEAD"):
                out.add((method, re.sub(r"{(\w+):[^}]+}", r"{\1}", route.path)))
    return sorted(out)


def test_every_protected_route_is_401_without_a_session(client, org):
    routes = api_routes(client.app)
    assert len(routes) > 20 and PUBLIC <= set(routes)
    values = {"tenant_id": org["a"], "obj_id": org["ext"]}
    for credentials in (NOBODY, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YWRtaW46eA=="}):
        for method, template in routes:
            if (method, template) in PUBLIC:
                continue
            path = re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), MISSING), template)
            client.cookies.clear()
            body = {} if method in ("POST", "PATCH", "PUT") else None
            r = client.request(method, path, headers=credentials, json=body)
            assert_problem(r, 401)
    assert client.get("/api/health", headers=anonymous(client)).status_code == 200


# --- roles ------------------------------------------------------------------------------------

def test_tenant_admin_is_confined_to_its_tenant(client, org):
    h = as_(client, "adm-a")
    a, b = org["a"], org["b"]
    for path, body in (("/api/tenants", {"name": "Mine", "timezone": "UTC"}),
                       ("/api/trunks", {"name": "T", "host": "sip.example.net", "username": "u", "password": "p"}),
                       ("/api/numbers", {"number": "+74951234567"}),
                       ("/api/operators", {"login": "evil", "name": "Evil", "password": "password-1", "role": "operator"}),
                       (f"/api/tenants/{a}/numbers", {"number": "+74951234567"})):
        assert_problem(client.post(path, json=body, headers=h), 403)
    for path in ("/api/trunks", "/api/numbers", "/api/operators"):
        assert_problem(client.get(path, headers=h), 403)
    # Other tenants do not exist for it.
    for path in (f"/api/tenants/{b}", f"/api/tenants/{b}/users", f"/api/tenants/{b}/extensions", f"/api/tenants/{b}/numbers",
                 f"/api/tenants/{b}/extensions/{org['ext-b']}", f"/api/tenants/{b}/users/{org['adm-b']}"):
        assert_problem(client.get(path, headers=h), 404)
    assert_problem(client.patch(f"/api/tenants/{b}", json={"name": "Taken"}, headers=h), 404)
    assert_problem(client.post(f"/api/tenants/{b}/users", json={"login": "mole", "name": "Mole", "password": "password-1"}, headers=h), 404)
    assert_problem(client.delete(f"/api/tenants/{b}/extensions/{org['ext-b']}", headers=h), 404)
    listed = client.get("/api/tenants", headers=h).json()
    assert listed["total"] == 1 and [t["id"] for t in listed["items"]] == [a]
    # Its own tenant: some fields yes, platform fields no, no deleting.
    assert client.patch(f"/api/tenants/{a}", json={"name": "Alpha Ltd"}, headers=h).status_code == 200
    for change in ({"status": "blocked"}, {"limits": {"simultaneous_calls": 1000}}, {"billing_account": "free"}):
        assert_problem(client.patch(f"/api/tenants/{a}", json=change, headers=h), 403)
    assert_problem(client.delete(f"/api/tenants/{a}", headers=h), 403)
    # It cannot make a platform operator.
    r = client.post(f"/api/tenants/{a}/users", json={"login": "boss", "name": "Boss", "password": "password-1", "role": "operator"}, headers=h)
    assert "role" in assert_problem(r, 422)["fields"]
    assert_problem(client.delete(f"/api/tenants/{a}/users/{org['adm-a']}", headers=h), 403)


def test_user_role_reads_and_changes_only_its_own_record(client, org):
    h = as_(client, "usr-a")
    a, me = org["a"], f"/api/tenants/{org['a']}/users/{org['usr-a']}"
    own = client.get(me, headers=h)
    assert own.status_code == 200 and own.json()["login"] == "usr-a" and "password_hash" not in own.json()
    r = client.patch(me, json={"name": "Renamed"}, headers={**h, "If-Match": str(own.json()["version"])})
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    assert client.patch(me, json={"password": "brand-new-password"}, headers=h).status_code == 200
    assert_problem(client.post("/api/auth/login", json={"login": "usr-a", "password": "usr-a-password"}, headers=anonymous(client)), 401)
    assert client.post("/api/auth/login", json={"login": "usr-a", "password": "brand-new-password"}, headers=NOBODY).status_code == 200
    for change in ({"role": "tenant_admin"}, {"enabled": False}, {"name": "x", "role": "auditor"}):
        assert_problem(client.patch(me, json=change, headers=h), 403)
    assert client.get(me).json()["role"] == "user"
    for path in (f"/api/tenants/{a}/extensions", f"/api/tenants/{a}/users", f"/api/tenants/{a}/numbers",
                 f"/api/tenants/{a}/users/{org['adm-a']}", f"/api/tenants/{a}/extensions/{org['ext']}", "/api/audit"):
        assert_problem(client.get(path, headers=h), 403)
    assert_problem(client.patch(f"/api/tenants/{a}/users/{org['adm-a']}", json={"name": "x"}, headers=h), 403)
    assert_problem(client.post(f"/api/tenants/{a}/extensions", json={"number": "205", "name": "x", "devices": [{"type": "sip"}]}, headers=h), 403)
    assert_problem(client.delete(me, headers=h), 403)
    # Its own id under another tenant's path is not its record.
    assert_problem(client.get(f"/api/tenants/{org['b']}/users/{org['usr-a']}", headers=h), 404)


def test_auditor_reads_only_its_own_tenants_history(client, org):
    client.patch(f"/api/tenants/{org['b']}/extensions/{org['ext-b']}", json={"name": "B changed"})
    client.patch(f"/api/tenants/{org['a']}/extensions/{org['ext']}", json={"name": "A changed"})
    h = as_(client, "aud-a")
    mine = client.get("/api/audit", params={"limit": 500}, headers=h).json()
    assert mine["total"] >= 7 and {e["tenant_id"] for e in mine["items"]} == {org["a"]}
    assert {e["object"]["name"] for e in mine["items"]} >= {"201 A changed"} and "201 B changed" not in {e["object"]["name"] for e in mine["items"]}
    assert_problem(client.get("/api/audit", params={"tenant_id": org["b"]}, headers=h), 403)
    assert client.get("/api/audit", params={"tenant_id": org["a"]}, headers=h).json()["total"] == mine["total"]
    everything = client.get("/api/audit", params={"limit": 1}).json()["total"]
    assert everything > mine["total"]
    # Read-only elsewhere.
    assert client.get(f"/api/tenants/{org['a']}/extensions", headers=h).status_code == 200
    assert_problem(client.patch(f"/api/tenants/{org['a']}/extensions/{org['ext']}", json={"name": "x"}, headers=h), 403)
    assert_problem(client.post(f"/api/tenants/{org['a']}/users", json={"login": "nosy", "name": "N", "password": "password-1"}, headers=h), 403)


def test_sip_passwords_only_for_admins(client, org):
    a, ext = org["a"], org["ext"]
    for who, sees in (("adm-a", True), ("aud-a", False), ("sup-a", False)):
        h = as_(client, who)
        for devices in (client.get(f"/api/tenants/{a}/extensions", headers=h).json()["items"][0]["devices"],
                        client.get(f"/api/tenants/{a}/extensions/{ext}", headers=h).json()["devices"]):
            assert len(devices) == 2 and all(d["username"] for d in devices), devices
            assert all(("password" in d) == sees for d in devices), (who, devices)
            if sees:
                assert all(len(d["password"]) >= 20 for d in devices)
    operator_view = client.get(f"/api/tenants/{a}/extensions/{ext}").json()["devices"]
    assert all(d["password"] for d in operator_view)
    # Nobody reads them back from the history.
    for who in ("adm-a", "aud-a"):
        for entry in client.get("/api/audit", params={"object": "extension"}, headers=as_(client, who)).json()["items"]:
            for device in (entry["diff"].get("devices") or [[], []])[1] or []:
                assert device.get("password") in (None, "***"), entry


def test_trunk_password_shown_to_operators_but_not_kept_in_the_history(client, org):
    r = client.post("/api/trunks", json={"name": "Main", "host": "sip.example.net", "username": "u", "password": "trunk-secret"})
    assert r.status_code == 201 and r.json()["password"] == "trunk-secret"
    entry = client.get("/api/audit", params={"object": "trunk"}).json()["items"][0]
    assert "password" in entry["diff"] and "trunk-secret" not in str(entry)
    assert_problem(client.get(f"/api/trunks/{r.json()['id']}", headers=as_(client, "adm-a")), 403)


# --- login events in the history --------------------------------------------------------------

def test_login_events_are_audited_with_actor_and_ip(client, org):
    client.cookies.clear()
    assert client.post("/api/auth/login", json={"login": "adm-a", "password": "adm-a-password"}, headers=NOBODY).status_code == 200
    assert client.post("/api/auth/login", json={"login": "ADM-A", "password": "bad-password"}, headers=NOBODY).status_code == 401
    assert client.post("/api/auth/login", json={"login": "ghost", "password": "bad-password"}, headers=NOBODY).status_code == 401
    assert client.post("/api/auth/login", json={"login": "adm-b", "password": "bad-password"}, headers=NOBODY).status_code == 401

    ok = client.get("/api/audit", params={"action": "login", "actor": "adm-a"}).json()["items"]
    assert len(ok) == 1
    assert ok[0]["actor"] == {"id": org["adm-a"], "login": "adm-a", "role": "tenant_admin"}
    assert ok[0]["ip"] and ok[0]["tenant_id"] == org["a"] and ok[0]["object"]["id"] == org["adm-a"] and ok[0]["object"]["type"] == "user"

    failed = client.get("/api/audit", params={"action": "login_failed"}).json()["items"]
    assert sorted(e["actor"]["login"] for e in failed) == ["adm-a", "adm-b"]  # an unknown login has no one to record it on
    entry = next(e for e in failed if e["actor"]["login"] == "adm-a")
    assert entry["ip"] and entry["tenant_id"] == org["a"] and entry["object"]["id"] == org["adm-a"]
    assert "bad-password" not in str(failed) and "adm-a-password" not in str(ok)
    # The operator's own login (by the client fixture) is there too, with no tenant.
    own = client.get("/api/audit", params={"action": "login", "actor": "admin"}).json()["items"]
    assert own and own[-1]["tenant_id"] is None and own[-1]["actor"]["role"] == "operator"

    # Tenant admins see their own tenant's logins, not other tenants'.
    h = as_(client, "adm-a")
    seen = client.get("/api/audit", params={"action": "login_failed"}, headers=h).json()["items"]
    assert [e["actor"]["login"] for e in seen] == ["adm-a"]


def test_request_id_is_recorded_and_sanitised(client, org):
    rid = uuid.uuid4().hex
    r = client.patch(f"/api/tenants/{org['a']}", json={"description": "x"}, headers={"X-Request-ID": rid})
    assert r.status_code == 200
    assert client.get("/api/audit", params={"limit": 1}).json()["items"][0]["request_id"] == rid
    r = client.patch(f"/api/tenants/{org['a']}", json={"description": "y"}, headers={"X-Request-ID": "evil\tid"})
    assert r.status_code == 200
    assert client.get("/api/audit", params={"limit": 1}).json()["items"][0]["request_id"] != "evil\tid"


def test_tenant_pin_only_for_admins(client, org):
    a = org["a"]
    assert client.patch(f"/api/tenants/{a}", json={"pin": "4321"}).status_code == 200
    assert client.get(f"/api/tenants/{a}").json()["pin"] == "4321"
    assert client.get(f"/api/tenants/{a}", headers=as_(client, "adm-a")).json()["pin"] == "4321"
    for who in ("usr-a", "aud-a", "sup-a"):
        h = as_(client, who)
        assert "pin" not in client.get(f"/api/tenants/{a}", headers=h).json(), who
        assert all("pin" not in t for t in client.get("/api/tenants", headers=h).json()["items"]), who
    history = client.get("/api/audit", params={"object": "tenant", "tenant_id": a}).json()["items"]
    assert "4321" not in str(history)


def test_login_secrets_never_in_the_history(client, org):
    entries = client.get("/api/audit", params={"object": "user", "limit": 500}).json()["items"]
    creates = [e for e in entries if e["action"] == "create"]
    assert len(creates) == 6  # five tenant users and the operator
    for entry in creates:
        assert entry["diff"]["password_hash"] in ("***", [None, "***"]), entry
        assert "argon2" not in str(entry) and "-password" not in str(entry)
