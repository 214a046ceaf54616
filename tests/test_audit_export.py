"""Audit export (CSV, XLSX) and cursor paging of the action history (F-AUD-1)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from conftest import login


@pytest.fixture
def org(client):
    """Two tenants with a tenant admin and an auditor in A, extensions in both, a trunk."""
    ids = {}
    for key, name in (("a", "Alpha"), ("b", "Beta")):
        r = client.post("/api/tenants", json={"name": name})
        assert r.status_code == 201, r.text
        ids[key] = r.json()["id"]
    for key, tenant, role in (("adm-a", "a", "tenant_admin"), ("aud-a", "a", "auditor"), ("adm-b", "b", "tenant_admin")):
        r = client.post(f"/api/tenants/{ids[tenant]}/users", json={"login": key, "name": key, "password": f"{key}-password", "role": role})
        assert r.status_code == 201, r.text
    for tenant, numbers in (("a", range(201, 207)), ("b", range(301, 303))):
        for n in numbers:
            r = client.post(f"/api/tenants/{ids[tenant]}/extensions", json={"number": str(n), "name": f"Ext {n}", "devices": [{"type": "sip"}]})
            assert r.status_code == 201, r.text
    r = client.post("/api/trunks", json={"name": "Main", "host": "sip.example.net", "username": "u", "password": "trunk-secret"})
    assert r.status_code == 201, r.text
    return ids


def as_(client, who):
    return login(client, who, f"{who}-password")


def export_csv(client, headers=None, **params) -> list[dict]:
    r = client.get("/api/audit/export", params={"format": "csv", **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(r.text)))


def export_xlsx(client, headers=None, **params) -> list[dict]:
    r = client.get("/api/audit/export", params={"format": "xlsx", **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content), read_only=True)["audit"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def listed(client, headers=None, **params) -> list[dict]:
    return client.get("/api/audit", params={"limit": 500, **params}, headers=headers or {}).json()["items"]


def test_export_matches_the_list_and_respects_filters(client, org):
    everything = listed(client)
    for fmt in (export_csv, export_xlsx):
        rows = fmt(client)
        assert [int(r["position"]) for r in rows] == [e["position"] for e in everything]
        assert set(rows[0]) == {"position", "time", "actor login", "role", "IP", "tenant", "object type", "object name", "action", "diff"}
        first, entry = rows[0], everything[0]
        assert (first["actor login"], first["object type"], first["object name"], first["action"]) == (
            entry["actor"]["login"], entry["object"]["type"], entry["object"]["name"], entry["action"])
        assert json.loads(first["diff"]) == entry["diff"]

        exts = fmt(client, object="extension", tenant_id=org["a"])
        assert len(exts) == 6 and {r["object type"] for r in exts} == {"extension"}
        assert {r["tenant"] for r in exts} == {org["a"]}
        assert {r["object name"] for r in fmt(client, object_name="Ext 30")} == {"301 Ext 301", "302 Ext 302"}
        assert fmt(client, action="delete") == []
    far_future = export_csv(client, **{"from": "2999-01-01T00:00:00Z"})
    assert far_future == []


def test_export_is_scoped_to_the_callers_tenant(client, org):
    for who in ("adm-a", "aud-a"):
        h = as_(client, who)
        for fmt in (export_csv, export_xlsx):
            rows = fmt(client, headers=h)
            assert rows and {r["tenant"] for r in rows} == {org["a"]}
            assert len(rows) == len(listed(client, headers=h))
        r = client.get("/api/audit/export", params={"tenant_id": org["b"]}, headers=h)
        assert r.status_code == 403
    # A role that may not read the history may not export it either.
    client.post(f"/api/tenants/{org['a']}/users", json={"login": "usr-a", "name": "u", "password": "usr-a-password", "role": "user"})
    assert client.get("/api/audit/export", headers=as_(client, "usr-a")).status_code == 403
    assert client.get("/api/audit/export", params={"format": "pdf"}).status_code == 422


def test_export_masks_secrets(client, org):
    for fmt in (export_csv, export_xlsx):
        rows = fmt(client)
        text = json.dumps(rows, default=str)
        assert "trunk-secret" not in text
        for who in ("adm-a", "aud-a", "adm-b"):
            assert "-password" not in text
        trunk = next(r for r in rows if r["object type"] == "trunk")
        assert json.loads(trunk["diff"])["password"] in ("***", [None, "***"])
        for ext in (r for r in rows if r["object type"] == "extension" and r["action"] == "create"):
            for device in json.loads(ext["diff"])["devices"][1]:
                assert device.get("password") in (None, "***")


def test_export_neutralises_spreadsheet_formulas(client, org):
    assert client.post("/api/tenants", json={"name": "=HYPERLINK(\"x\")"}).status_code == 201
    row = export_csv(client, object_name="HYPERLINK")[0]
    assert row["object name"] == "'=HYPERLINK(\"x\")"
    # In XLSX the text is kept as it is, in a string cell (never a formula).
    r = client.get("/api/audit/export", params={"format": "xlsx", "object_name": "HYPERLINK"})
    ws = load_workbook(io.BytesIO(r.content))["audit"]
    cell = ws.cell(row=2, column=8)
    assert ws.cell(row=1, column=8).value == "object name"
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


@pytest.mark.parametrize("limit", [1, 3, 7])
def test_cursor_pages_cover_every_row_exactly_once(client, org, limit):
    expected = [e["position"] for e in listed(client)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit} if cursor is None else {"limit": limit, "cursor": cursor}
        body = client.get("/api/audit", params=params).json()
        assert body["total"] == len(expected)
        seen += [e["position"] for e in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected  # newest first, each once
    assert pages == -(-len(expected) // limit)
    # Rows added meanwhile do not shift a cursor's pages (unlike offsets).
    first = client.get("/api/audit", params={"limit": limit}).json()
    client.post(f"/api/tenants/{org['a']}/extensions", json={"number": "280", "name": "Late", "devices": [{"type": "sip"}]})
    second = client.get("/api/audit", params={"limit": limit, "cursor": first["next_cursor"]}).json()
    assert [e["position"] for e in second["items"]] == expected[limit:2 * limit]


def test_cursor_with_filters_scope_and_offset_still_works(client, org):
    h = as_(client, "aud-a")
    expected = [e["position"] for e in listed(client, headers=h, object="extension")]
    page1 = client.get("/api/audit", params={"limit": 4, "object": "extension"}, headers=h).json()
    page2 = client.get("/api/audit", params={"limit": 4, "object": "extension", "cursor": page1["next_cursor"]}, headers=h).json()
    assert [e["position"] for e in page1["items"] + page2["items"]] == expected and page2["next_cursor"] is None
    by_offset = client.get("/api/audit", params={"limit": 4, "offset": 4, "object": "extension"}, headers=h).json()
    assert by_offset["items"] == page2["items"] and by_offset["offset"] == 4
    assert client.get("/api/audit", params={"cursor": "abc"}).status_code == 422
