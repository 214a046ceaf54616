"""End-to-end through the API: create a tenant, a user, extensions, allocate a DID, see the audit."""

from conftest import login


def make_tenant(client, name="Acme"):
    r = client.post("/api/tenants", json={"name": name, "timezone": "Europe/Moscow"})
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/api/tenants/{r.json()['id']}"
    return r.json()


def test_directory_flow_is_read_your_writes_and_audited(client):
    tenant = make_tenant(client)
    tid = tenant["id"]
    assert tenant["version"] == 1 and tenant["code"]

    user = client.post(f"/api/tenants/{tid}/users", json={"login": "alice", "name": "Alice", "password": "s3cret-pass", "role": "tenant_admin"})
    assert user.status_code == 201, user.text
    assert "password" not in user.json() and "password_hash" not in user.json()

    ext = client.post(f"/api/tenants/{tid}/extensions", json={"number": "201", "name": "Reception", "devices": [{"type": "sip"}, {"type": "external", "number": "+79161234567"}]})
    assert ext.status_code == 201, ext.text
    sip = ext.json()["devices"][0]
    assert sip["username"].startswith(tenant["code"] + "-201-") and len(sip["password"]) >= 20

    # Read-your-writes: the list shows it right after the command returned.
    listed = client.get(f"/api/tenants/{tid}/extensions").json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == "201"

    assert client.post("/api/numbers", json={"number": "+7 (495) 123-45-67"}).status_code == 201
    alloc = client.post(f"/api/tenants/{tid}/numbers", json={"number": "+74951234567"})
    assert alloc.status_code == 201, alloc.text
    assert client.get(f"/api/tenants/{tid}/numbers").json()["total"] == 1

    audit = client.get("/api/audit", params={"tenant_id": tid}).json()
    actions = [(e["object"]["type"], e["action"]) for e in audit["items"]]
    assert ("number", "allocate") in actions and ("extension", "create") in actions and ("user", "create") in actions
    entry = next(e for e in audit["items"] if e["object"]["type"] == "extension")
    assert entry["actor"]["login"] == "admin" and entry["ip"]
    assert entry["diff"]["number"] == [None, "201"]
    assert entry["diff"]["devices"][1][0]["password"] == "***"  # secrets never in the history


def test_stale_version_is_409_and_changes_nothing(client):
    tid = make_tenant(client)["id"]
    ext = client.post(f"/api/tenants/{tid}/extensions", json={"number": "300", "name": "A", "devices": [{"type": "sip"}]}).json()
    ok = client.patch(f"/api/tenants/{tid}/extensions/{ext['id']}", json={"name": "B"}, headers={"If-Match": "1"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"/api/tenants/{tid}/extensions/{ext['id']}", json={"name": "C"}, headers={"If-Match": "1"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert client.get(f"/api/tenants/{tid}/extensions/{ext['id']}").json()["name"] == "B"


def test_other_tenant_objects_are_not_found(client):
    a, b = make_tenant(client, "A")["id"], make_tenant(client, "B")["id"]
    ext = client.post(f"/api/tenants/{a}/extensions", json={"number": "201", "name": "A1", "devices": [{"type": "sip"}]}).json()
    # The same number in another tenant does not interfere.
    assert client.post(f"/api/tenants/{b}/extensions", json={"number": "201", "name": "B1", "devices": [{"type": "sip"}]}).status_code == 201
    assert client.get(f"/api/tenants/{b}/extensions/{ext['id']}").status_code == 404
    assert client.patch(f"/api/tenants/{b}/extensions/{ext['id']}", json={"name": "x"}).status_code == 404
    assert client.delete(f"/api/tenants/{b}/extensions/{ext['id']}").status_code == 404

    client.post(f"/api/tenants/{a}/users", json={"login": "adm-a", "name": "Admin A", "password": "password-a1", "role": "tenant_admin"})
    headers = login(client, "adm-a", "password-a1")
    assert client.get(f"/api/tenants/{b}/extensions", headers=headers).status_code == 404
    assert client.get(f"/api/tenants/{a}/extensions", headers=headers).json()["total"] == 1
    assert client.get("/api/tenants", headers=headers).json()["total"] == 1
    assert client.post("/api/tenants", json={"name": "X"}, headers=headers).status_code == 403
