"""Classifier entries imported from an Excel workbook (XLSX): the same rows, errors and
all-or-nothing rule as the CSV import (api/components.py)."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook

from test_components_api import assert_invalid, audit_actions, create, make_tenant

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(*rows, sheets: int = 1) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    for i in range(1, sheets):
        book.create_sheet(f"Other {i}").append(["+70000000000", "not imported"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_import_with_header_and_numeric_cells(client):
    tid = make_tenant(client)
    c = create(client, tid, "classifiers", {"name": "VIP", "entries": [{"number": "+74951112233", "name": "Old"}]})
    url = f"/api/tenants/{tid}/classifiers/{c['id']}/entries"
    body = workbook(
        ["Наименование", "CLIP", "Телефон", "EMail", "Unknown column"],
        ["Иван", "+7 916 123-45-67", None, "ivan@example.com", "ignored"],
        [None, None, None, None, None],  # an empty row is skipped
        ["Spam", "+7800*", None, None, None],
        ["Старый", 74951112233, 74951112234.0, None, None],  # numbers typed as numbers
        sheets=2,  # only the first sheet is read
    )
    r = client.post(url, content=body, headers={"Content-Type": XLSX, "If-Match": "1"})
    assert r.status_code == 200, r.text
    assert r.headers["x-imported-rows"] == "3"
    assert r.json()["entries"] == [
        {"number": "74951112233", "name": "Старый", "phone": "74951112234"},  # same caller: updated in place
        {"number": "+79161234567", "name": "Иван", "email": "ivan@example.com"},
        {"number": "+7800*", "name": "Spam"},
    ]
    assert audit_actions(client, tid, "classifier") == ["create", "import_entries"]
    match = client.get(f"/api/tenants/{tid}/classifiers/{c['id']}/match", params={"number": "+78001234567"})
    assert match.json() == {"match": True, "entry": {"number": "+7800*", "name": "Spam"}}


def test_xlsx_is_recognised_by_its_zip_magic_and_is_positional_without_header(client):
    tid = make_tenant(client)
    c = create(client, tid, "classifiers", {"name": "Black", "entries": [{"number": "+74951112233"}]})
    url = f"/api/tenants/{tid}/classifiers/{c['id']}/entries"
    body = workbook([79161234567, "Ivan", None, None, "regular"], ["+7495*", "Moscow"])
    for content_type in ("application/octet-stream", ""):
        r = client.post(url, params={"mode": "replace"}, content=body, headers={"Content-Type": content_type})
        assert r.status_code == 200, r.text
        assert r.json()["entries"] == [{"number": "79161234567", "name": "Ivan", "note": "regular"},
                                       {"number": "+7495*", "name": "Moscow"}]


def test_xlsx_bad_rows_are_named_and_nothing_is_stored(client):
    tid = make_tenant(client)
    c = create(client, tid, "classifiers", {"name": "VIP"})
    url = f"/api/tenants/{tid}/classifiers/{c['id']}/entries"
    body = workbook(
        ["number", "name", "email"],
        ["+74951234567", "Ok", None],
        ["abc", "Bad", None],
        ["+74951234567", "Dup", None],
        [None, None, None],
        ["+7495", "Mail", "not-an-email"],
        [datetime(2026, 1, 1, 10, 30), "A date", None],
    )
    problem = assert_invalid(client.post(url, content=body, headers={"Content-Type": XLSX}), "rows[1].number")
    assert problem["fields"] == ["rows[1].number", "rows[2].number", "rows[3].email", "rows[4].number"]
    assert problem["error_count"] == 4
    messages = [e["message"] for e in problem["errors"]]
    # The spreadsheet's own row numbers (the header is row 1; row 5 is empty).
    assert [m.split(":")[0] for m in messages] == ["row 3", "row 4", "row 6", "row 7"]
    assert "appears twice" in messages[1]
    assert client.get(f"/api/tenants/{tid}/classifiers/{c['id']}").json() == c
    assert audit_actions(client, tid, "classifier") == ["create"]


def test_xlsx_too_many_columns_without_header_and_unreadable_workbooks(client):
    tid = make_tenant(client)
    c = create(client, tid, "classifiers", {"name": "VIP"})
    url = f"/api/tenants/{tid}/classifiers/{c['id']}/entries"
    wide = workbook(["+74951234567", "a", "", "", "", "sixth"])
    problem = assert_invalid(client.post(url, content=wide, headers={"Content-Type": XLSX}), "rows[0]")
    assert problem["errors"][0]["message"].startswith("row 1: 6 columns")
    assert_invalid(client.post(url, content=b"PK\x03\x04 not really a zip", headers={"Content-Type": XLSX}), "body")
    assert_invalid(client.post(url, content=b"+74951234567\n", headers={"Content-Type": XLSX}), "body")
    assert_invalid(client.post(url, content=workbook(), headers={"Content-Type": XLSX}), "body")  # no rows
    assert client.get(f"/api/tenants/{tid}/classifiers/{c['id']}").json() == c
