"""Bad input on every API route: each answer is a 4xx problem+json naming the problem, and nothing stored changes.

The cases are one table (``CASES``). ``test_every_route_has_cases`` fails when a route appears
(in the OpenAPI document or the app's routes) without a case here: add cases for a new route
to the table, with the world objects it needs in ``build_world``.

All cases share one module-scoped "world" (two tenants with users, extensions and numbers, a
pool, trunks, a second operator). Before and after each case the whole visible state is
snapshotted through the API (every list, the audit total) together with the event store's
head, and the two snapshots must be equal.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import OPERATOR_PASSWORD, drop_database, make_database

PROBLEM = "application/problem+json"
LONG = "x" * 10_000
MISSING = uuid.UUID("00000000-0000-4000-8000-00000000dead")  # a well-formed id of nothing
NO_BODY = object()

# Route templates, spelled as in the OpenAPI document.
HEALTH, ASTERISK_STATUS = "/api/health", "/api/asterisk/status"
LOGIN, LOGOUT, ME = "/api/auth/login", "/api/auth/logout", "/api/auth/me"
AUDIT = "/api/audit"
TENANTS, TENANT = "/api/tenants", "/api/tenants/{tenant_id}"
T_NUMBERS, T_NUMBER = "/api/tenants/{tenant_id}/numbers", "/api/tenants/{tenant_id}/numbers/{obj_id}"
USERS, USER = "/api/tenants/{tenant_id}/users", "/api/tenants/{tenant_id}/users/{obj_id}"
EXTS, EXT = "/api/tenants/{tenant_id}/extensions", "/api/tenants/{tenant_id}/extensions/{obj_id}"
POOL, POOL_ITEM = "/api/numbers", "/api/numbers/{obj_id}"
TRUNKS, TRUNK = "/api/trunks", "/api/trunks/{obj_id}"
OPERATORS, OPERATOR = "/api/operators", "/api/operators/{obj_id}"
SCHEMES, SCHEME = "/api/tenants/{tenant_id}/schemes", "/api/tenants/{tenant_id}/schemes/{obj_id}"
SCHEME_CATALOGUE = "/api/scheme-catalogue"
S_COMMANDS, S_DRAFT, S_VALIDATION = f"{SCHEME}/commands", f"{SCHEME}/draft", f"{SCHEME}/validation"
S_PUBLISH, S_REVERT, S_SIMULATE = f"{SCHEME}/publish", f"{SCHEME}/revert", f"{SCHEME}/simulate"
S_REVISIONS, S_REVISION, S_DIFF = f"{SCHEME}/revisions", f"{SCHEME}/revisions/{{number}}", f"{SCHEME}/diff"
S_RULES = f"{SCHEME}/rules"
SCHEME_ROUTES = (S_COMMANDS, S_DRAFT, S_VALIDATION, S_PUBLISH, S_REVERT, S_SIMULATE, S_REVISIONS, S_REVISION, S_DIFF, S_RULES)

# Which world object a route's placeholders name unless a case says otherwise.
DEFAULT_OBJECT = {T_NUMBER: "num_a", USER: "usr_a", EXT: "ext_a", POOL_ITEM: "num_free", TRUNK: "trunk", OPERATOR: "op2",
                  SCHEME: "sch_a", **{route: "sch_a" for route in SCHEME_ROUTES}}

# Routes without client input to reject; they still need a case (a read-only one).
NO_INPUT = {("GET", HEALTH)}


# --- the world ---------------------------------------------------------------------------

class World:
    def __init__(self, client, runtime):
        self.client, self.runtime = client, runtime
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.data: dict[str, dict] = {}
        self.positions: dict[str, int] = {}  # where objects were created in the action history

    def request(self, method: str, path: str, *, who: str = "operator", body: Any = NO_BODY, raw: bytes | None = None,
                headers: dict | None = None, params: dict | None = None):
        self.client.cookies.clear()  # only the bearer token given here may authenticate
        hdrs = {} if who == "anon" else {"Authorization": f"Bearer {self.tokens.get(who, who)}"}
        hdrs.update(headers or {})
        kwargs: dict[str, Any] = {}
        if raw is not None:
            kwargs["content"] = raw
            hdrs.setdefault("Content-Type", "application/json")
        elif body is not NO_BODY:
            kwargs["content"] = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        response = self.client.request(method, path, headers=hdrs, params=params, **kwargs)
        self.client.cookies.clear()
        return response

    def ok(self, method: str, path: str, body: Any = NO_BODY, who: str = "operator", status: int | None = None) -> dict:
        r = self.request(method, path, who=who, body=body)
        assert r.status_code == (status or (201 if method == "POST" else 200)), r.text
        return r.json() if r.content else {}

    def login(self, who: str, login: str, password: str) -> None:
        r = self.request("POST", LOGIN, who="anon", body={"login": login, "password": password})
        assert r.status_code == 200, r.text
        self.tokens[who] = r.json()["token"]

    def snapshot(self) -> dict:
        def get(path: str, **params) -> dict:
            r = self.request("GET", path, params={"limit": 500, **params})
            assert r.status_code == 200, r.text
            return r.json()

        snap = {p: get(p) for p in (TENANTS, POOL, TRUNKS, OPERATORS)}
        for tenant in snap[TENANTS]["items"]:
            for col in ("users", "extensions", "numbers", "schemes"):
                snap[f"{tenant['id']}/{col}"] = get(f"/api/tenants/{tenant['id']}/{col}")
        snap["audit total"] = get(AUDIT, limit=1)["total"]
        snap["event store head"] = self.runtime.app.recorder.max_notification_id()
        return snap


def build_world(client, runtime) -> World:
    w = World(client, runtime)
    w.login("operator", "admin", OPERATOR_PASSWORD)
    w.ids["admin"] = w.ok("GET", ME)["id"]
    for key, name in (("ta", "Alpha"), ("tb", "Beta")):
        w.data[key] = w.ok("POST", TENANTS, {"name": name, "timezone": "Europe/Moscow"})
        w.ids[key] = w.data[key]["id"]
    ta, tb = w.ids["ta"], w.ids["tb"]
    for key, tenant, login, role in (("adm_a", ta, "adm-a", "tenant_admin"), ("usr_a", ta, "usr-a", "user"),
                                     ("aud_a", ta, "aud-a", "auditor"), ("adm_b", tb, "adm-b", "tenant_admin")):
        w.ids[key] = w.ok("POST", f"/api/tenants/{tenant}/users", {"login": login, "name": key, "password": f"{login}-password", "role": role})["id"]
        w.login(key, login, f"{login}-password")
    for key, tenant, number in (("ext_a", ta, "201"), ("ext_a2", ta, "202"), ("ext_b", tb, "201")):
        w.data[key] = w.ok("POST", f"/api/tenants/{tenant}/extensions", {"number": number, "name": key, "devices": [{"type": "sip"}]})
        w.ids[key] = w.data[key]["id"]
    for key, number in (("num_a", "+74950000001"), ("num_b", "+74950000002"), ("num_free", "+74950000003")):
        w.ids[key] = w.ok("POST", POOL, {"number": number})["id"]
    w.ok("POST", f"/api/tenants/{ta}/numbers", {"number": "+74950000001"})
    w.ok("POST", f"/api/tenants/{tb}/numbers", {"number": "+74950000002"})
    for key, name in (("trunk", "Main"), ("trunk2", "Backup")):
        w.ids[key] = w.ok("POST", TRUNKS, {"name": name, "host": f"{name.lower()}.example.net", "username": "u1", "password": "secret-1"})["id"]
    w.ids["op2"] = w.ok("POST", OPERATORS, {"login": "op2", "name": "Second operator", "password": "operator-pass-2", "role": "operator"})["id"]
    # Routing schemes: "sch_a" published once (revision 1, version 2), "sch_bad" with errors, "sch_b" in the other tenant.
    for key, tenant, entry in (("sch_a", ta, "+74950000001"), ("sch_bad", ta, None), ("sch_b", tb, "+74950000002")):
        nodes = [{"id": "bye", "type": "hangup"}] + ([{"id": "in", "type": "entry", "params": {"numbers": [entry]}}] if entry else [])
        edges = [{"from": "in", "port": "next", "to": "bye"}] if entry else []
        w.ids[key] = w.ok("POST", f"/api/tenants/{tenant}/schemes", {"name": key, "graph": {"nodes": nodes, "edges": edges}})["id"]
        if entry:
            w.ok("POST", f"/api/tenants/{tenant}/schemes/{w.ids[key]}/publish", {"comment": "first"})
    # A voicemail box (greetings and messages routes); its spool holds nothing.
    w.ids["vm_a"] = w.ok("POST", f"/api/tenants/{ta}/voicemail-boxes", {"name": "Box A", "mailbox": "202", "owner_type": "extension",
                                                                         "owner_id": w.ids["ext_a2"], "pin": "1234"})["id"]
    # Webhooks (F-CAL-7): one per tenant, "wh_a" at version 2 (stale If-Match cases).
    for key, tenant in (("wh_a", ta), ("wh_b", tb)):
        w.ids[key] = w.ok("POST", f"/api/tenants/{tenant}/webhooks", {"name": key, "url": "https://crm.example.com/hook"})["id"]
    w.ok("PATCH", f"/api/tenants/{ta}/webhooks/{w.ids['wh_a']}", {"enabled": False})
    for key in ("ext_a", "ext_b"):
        entries = w.request("GET", AUDIT, params={"object_id": w.ids[key], "action": "create"}).json()["items"]
        w.positions[key] = entries[0]["position"]
    # Every object at version 2 or more, so that If-Match: <version - 1> is stale, not impossible.
    for path, change in ((f"/api/tenants/{ta}", {"description": "v2"}), (f"/api/tenants/{tb}", {"description": "v2"}),
                         (f"/api/tenants/{ta}/users/{w.ids['usr_a']}", {"name": "User A"}),
                         (f"/api/tenants/{ta}/users/{w.ids['adm_a']}", {"name": "Admin A"}),
                         (f"/api/tenants/{ta}/extensions/{w.ids['ext_a']}", {"name": "Reception"}),
                         (f"/api/tenants/{tb}/extensions/{w.ids['ext_b']}", {"name": "Office B"}),
                         (f"/api/numbers/{w.ids['num_free']}", {"description": "spare"}),
                         (f"/api/trunks/{w.ids['trunk']}", {"lines": 60}), (f"/api/operators/{w.ids['op2']}", {"name": "Operator Two"})):
        assert w.ok("PATCH", path, change)["version"] >= 2
    return w


def _world(embedded_server):
    from litestar.testing import TestClient

    from pbxflow.api import create_app
    from pbxflow.runtime import Runtime

    db = make_database(embedded_server)
    runtime = Runtime(db)
    try:
        runtime.ensure_operator("admin", OPERATOR_PASSWORD)
        with TestClient(create_app(runtime)) as tc:
            yield build_world(tc, runtime)
    finally:
        runtime.close()
        drop_database(embedded_server, db)


@pytest.fixture(scope="module")
def world(embedded_server):
    yield from _world(embedded_server)


@pytest.fixture(scope="module")
def fuzz_world(embedded_server):
    """A world of its own: fuzzing may create objects."""
    yield from _world(embedded_server)


# --- the case table ------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    method: str
    route: str
    name: str
    status: int
    body: Any = NO_BODY  # JSON value, or a function of the world giving one
    raw: bytes | None = None  # a body sent as is
    at: dict = field(default_factory=dict)  # route placeholder -> world key or literal
    params: dict | None = None
    headers: dict | None = None
    who: str = "operator"
    fields: tuple[str, ...] = ()  # must all be in the problem's "fields"
    detail: str = ""  # must occur in the problem's detail (case-insensitive)
    stale: bool = False  # send If-Match: <current version - 1>; expect current_version back

    @property
    def id(self) -> str:
        return f"{self.method} {self.route} | {self.name}"

    def path(self, w: World) -> str:
        values = {"tenant_id": "ta", "obj_id": DEFAULT_OBJECT.get(self.route, ""), **self.at}
        return re.sub(r"{(\w+)}", lambda m: str(w.ids.get(values[m.group(1)], values[m.group(1)])), self.route)


CASES: list[Case] = []


def add(method: str, route: str, name: str, status: int, **kw) -> None:
    CASES.append(Case(method, route, name, status, **kw))


def body_cases(method: str, route: str, valid: dict, *, required: tuple[str, ...] = (), wrong_types: dict,
               strings: tuple[str, ...] = (), names: tuple[str, ...] = (), **kw) -> None:
    """The generic bad bodies of a create (POST) or update (PATCH) route, from one valid body."""
    add(method, route, "unknown field", 422, body={**valid, "bogus": 1}, fields=("bogus",), **kw)
    add(method, route, "malformed JSON", 400, raw=b'{"name": "unterminated', detail="JSON", **kw)
    add(method, route, "JSON array instead of object", 422, body=[valid], fields=("body",), **kw)
    add(method, route, "JSON null", 422, body=None, fields=("body",), **kw)
    add(method, route, "JSON string", 422, body="name", fields=("body",), **kw)
    add(method, route, "empty body", 422, raw=b"", fields=("body",), **kw)
    for f in required:
        add(method, route, f"missing {f}", 422, body={k: v for k, v in valid.items() if k != f}, fields=(f,), **kw)
    for f, value in wrong_types.items():
        add(method, route, f"wrong type {f}={value!r:.20}", 422, body={**valid, f: value}, fields=(f,), **kw)
    for f in strings:
        add(method, route, f"oversize {f}", 422, body={**valid, f: LONG}, fields=(f,), **kw)
        add(method, route, f"NUL in {f}", 422, body={**valid, f: "ab\x00cd"}, fields=(f,), **kw)
    for f in names:  # values that reach Asterisk configuration: no line breaks, no control characters
        for label, value in (("trailing newline", "abc\n"), ("inner newline", "ab\ncd"), ("carriage return", "ab\rcd"),
                             ("tab", "ab\tcd"), ("escape", "ab\x1bcd"), ("DEL", "ab\x7fcd"), ("C1 control", "ab\x85cd")):
            add(method, route, f"{label} in {f}", 422, body={**valid, f: value}, fields=(f,), **kw)


def if_match_cases(method: str, route: str, body: Any = NO_BODY, **kw) -> None:
    add(method, route, "stale If-Match", 409, body=body, stale=True, detail="version", **kw)
    for value in ("abc", "1.5", "-1"):
        add(method, route, f"non-numeric If-Match {value}", 400, body=body, headers={"If-Match": value}, fields=("If-Match",), **kw)


def not_found_cases(method: str, route: str, body: Any = NO_BODY, *, cross: dict | None = None, **kw) -> None:
    add(method, route, "non-UUID id", 404, body=body, at={"obj_id": "not-a-uuid"}, **kw)
    add(method, route, "unknown id", 404, body=body, at={"obj_id": str(MISSING)}, **kw)
    add(method, route, "SQL-ish id", 404, body=body, at={"obj_id": "1' OR '1'='1"}, **kw)
    if "{tenant_id}" in route:
        add(method, route, "unknown tenant", 404, body=body, at={"tenant_id": str(MISSING)}, **kw)
        add(method, route, "non-UUID tenant", 404, body=body, at={"tenant_id": "garbage"}, **kw)
    if cross:
        add(method, route, "another tenant's object through this tenant's path", 404, body=body, at=cross, **kw)


def list_cases(route: str, **kw) -> None:
    for name, params, f in (("limit 0", {"limit": 0}, "limit"), ("limit 501", {"limit": 501}, "limit"),
                            ("limit not a number", {"limit": "ten"}, "limit"), ("negative offset", {"offset": -1}, "offset"),
                            ("offset beyond bigint", {"offset": 2**63}, "offset"), ("fractional limit", {"limit": "1.5"}, "limit"),
                            ("oversize search", {"search": LONG[:101]}, "search"), ("NUL in search", {"search": "a\x00"}, "search"),
                            ("unknown order field", {"order": "password_hash"}, "order"), ("oversize order", {"order": LONG[:41]}, "order")):
        add("GET", route, name, 422, params=params, fields=(f,), **kw)


# System and auth
add("GET", HEALTH, "ignores query input and changes nothing", 200, params={"x": LONG[:200]})
add("GET", HEALTH, "ignores an invalid token", 200, who="not-a-token")
add("GET", ASTERISK_STATUS, "no token", 401, who="anon")
add("GET", ASTERISK_STATUS, "tenant admin", 403, who="adm_a")
body_cases("POST", LOGIN, {"login": "nobody-x", "password": "whatever-1"}, required=("login", "password"),
           wrong_types={"login": 5, "password": ["p"]}, who="anon")
add("POST", LOGIN, "oversize login", 422, body={"login": LONG, "password": "whatever-1"}, fields=("login",), who="anon")
add("POST", LOGIN, "oversize password", 422, body={"login": "nobody-y", "password": LONG}, fields=("password",), who="anon")
add("POST", LOGIN, "empty login", 422, body={"login": "", "password": "whatever-1"}, fields=("login",), who="anon")
add("POST", LOGIN, "unknown login", 401, body={"login": "nobody-z", "password": "whatever-1"}, who="anon")
add("POST", LOGIN, "NUL in login", 401, body={"login": "adm-a\x00", "password": "whatever-1"}, who="anon")
for route, method in ((LOGOUT, "POST"), (ME, "GET")):
    add(method, route, "no token", 401, who="anon")
    add(method, route, "unknown token", 401, who="not-a-token")
    add(method, route, "basic auth instead of a bearer token", 401, who="anon", headers={"Authorization": "Basic YWRtaW46eA=="})

# Audit
AUDIT_EXPORT = "/api/audit/export"
AUDIT_FILTER_CASES = (("from not a time", {"from": "yesterday"}, "from"),
                        ("to not a time", {"to": "2026-13-45"}, "to"), ("from without zone", {"from": "2026-01-01T00:00:00"}, "from"),
                        ("tenant_id not a UUID", {"tenant_id": "garbage"}, "tenant_id"),
                        ("object_id not a UUID", {"object_id": "garbage"}, "object_id"),
                        ("unknown period", {"period": "forever"}, "period"), ("oversize actor", {"actor": LONG[:65]}, "actor"),
                        ("NUL in actor", {"actor": "a\x00"}, "actor"), ("NUL in action", {"action": "a\x00"}, "action"),
                        ("NUL in object", {"object": "a\x00"}, "object"), ("NUL in object_name", {"object_name": "a\x00"}, "object_name"))
for name, params, f in (("limit 0", {"limit": 0}, "limit"), ("offset beyond bigint", {"offset": 2**63}, "offset"),
                        ("cursor not a position", {"cursor": "abc"}, "cursor"), ("negative cursor", {"cursor": "-5"}, "cursor"),
                        ("oversize cursor", {"cursor": "9" * 21}, "cursor"),
                        ("cursor beyond bigint", {"cursor": str(2**63)}, "cursor"), *AUDIT_FILTER_CASES):
    add("GET", AUDIT, name, 422, params=params, fields=(f,))
for name, params, f in (("unknown format", {"format": "pdf"}, "format"), *AUDIT_FILTER_CASES):
    add("GET", AUDIT_EXPORT, name, 422, params=params, fields=(f,))
for route in (AUDIT, AUDIT_EXPORT):
    add("GET", route, "another tenant's history", 403, params={"tenant_id": "tb"}, who="aud_a")
    add("GET", route, "role user", 403, who="usr_a")
    add("GET", route, "no token", 401, who="anon")

# Tenants
TENANT_BODY = {"name": "Gamma", "timezone": "Europe/Berlin"}
TENANT_TYPES = {"name": 1, "timezone": 5, "limits": "none", "numbering": [], "language": "de", "status": "gone",
                "pin": "12", "code": "Bad Code", "email": "not-an-email", "billing_account": {"a": 1}}
list_cases(TENANTS)
add("GET", TENANTS, "no token", 401, who="anon")
body_cases("POST", TENANTS, TENANT_BODY, required=("name",), wrong_types=TENANT_TYPES,
           strings=("name", "timezone", "billing_account", "email", "description"), names=("name", "billing_account"))
add("POST", TENANTS, "invalid timezone", 422, body={"name": "Gamma", "timezone": "Mars/Olympus"}, fields=("timezone",), detail="time zone")
add("POST", TENANTS, "timezone in wrong case", 422, body={"name": "Gamma", "timezone": "europe/moscow"}, fields=("timezone",))
add("POST", TENANTS, "numbering min above max", 422, body={**TENANT_BODY, "numbering": {"min_digits": 5, "max_digits": 3}}, fields=("numbering.min_digits",))
add("POST", TENANTS, "numbering digits out of range", 422, body={**TENANT_BODY, "numbering": {"max_digits": 12}}, fields=("numbering.max_digits",))
add("POST", TENANTS, "negative limit", 422, body={**TENANT_BODY, "limits": {"simultaneous_calls": -1}}, fields=("limits.simultaneous_calls",))
add("POST", TENANTS, "unknown limit", 422, body={**TENANT_BODY, "limits": {"calls": 1}}, fields=("limits.calls",))
add("POST", TENANTS, "description over 500", 422, body={**TENANT_BODY, "description": "d" * 501}, fields=("description",))
add("POST", TENANTS, "duplicate code", 409, body=lambda w: {**TENANT_BODY, "code": w.data["ta"]["code"]}, fields=("code",))
add("POST", TENANTS, "tenant admin", 403, body=TENANT_BODY, who="adm_a")
add("POST", TENANTS, "no token", 401, body=TENANT_BODY, who="anon")
add("GET", TENANT, "non-UUID id", 404, at={"tenant_id": "garbage"})
add("GET", TENANT, "unknown id", 404, at={"tenant_id": str(MISSING)})
add("GET", TENANT, "another tenant as tenant admin", 404, at={"tenant_id": "tb"}, who="adm_a")
add("GET", TENANT, "no token", 401, who="anon")
body_cases("PATCH", TENANT, {"name": "Alpha 2"}, wrong_types=TENANT_TYPES, strings=("name", "billing_account", "email", "description"),
           names=("name",))
add("PATCH", TENANT, "code cannot be changed", 422, body={"code": "abcdef"}, fields=("code",))
add("PATCH", TENANT, "name null", 422, body={"name": None}, fields=("name",))
add("PATCH", TENANT, "invalid timezone", 422, body={"timezone": "Europe/Atlantis"}, fields=("timezone",))
add("PATCH", TENANT, "numbering min above max", 422, body={"numbering": {"min_digits": 6, "max_digits": 4}}, fields=("numbering.min_digits",))
if_match_cases("PATCH", TENANT, {"name": "Stale"})
add("PATCH", TENANT, "non-UUID id", 404, body={"name": "x"}, at={"tenant_id": "garbage"})
add("PATCH", TENANT, "unknown id", 404, body={"name": "x"}, at={"tenant_id": str(MISSING)})
add("PATCH", TENANT, "another tenant as tenant admin", 404, body={"name": "x"}, at={"tenant_id": "tb"}, who="adm_a")
add("PATCH", TENANT, "tenant admin changes status", 403, body={"status": "blocked"}, who="adm_a", detail="status")
add("PATCH", TENANT, "tenant admin changes numbering", 403, body={"numbering": {"min_digits": 2}}, who="adm_a")
add("PATCH", TENANT, "role user", 403, body={"name": "x"}, who="usr_a")
add("DELETE", TENANT, "tenant still owns objects", 409, detail="owns")
if_match_cases("DELETE", TENANT)
add("DELETE", TENANT, "non-UUID id", 404, at={"tenant_id": "garbage"})
add("DELETE", TENANT, "unknown id", 404, at={"tenant_id": str(MISSING)})
add("DELETE", TENANT, "tenant admin", 403, who="adm_a")

# Numbers allocated to a tenant
list_cases(T_NUMBERS)
add("GET", T_NUMBERS, "unknown tenant", 404, at={"tenant_id": str(MISSING)})
add("GET", T_NUMBERS, "non-UUID tenant", 404, at={"tenant_id": "garbage"})
add("GET", T_NUMBERS, "another tenant as tenant admin", 404, at={"tenant_id": "tb"}, who="adm_a")
add("GET", T_NUMBERS, "role user", 403, who="usr_a")
body_cases("POST", T_NUMBERS, {"number": "+74950000003"}, required=("number",), wrong_types={"number": 74950000003})
add("POST", T_NUMBERS, "oversize number", 422, body={"number": "+7" + "1" * 30}, fields=("number",))
add("POST", T_NUMBERS, "not a phone number", 422, body={"number": "call me"}, fields=("number",))
add("POST", T_NUMBERS, "too many digits", 422, body={"number": "+1234567890123456"}, fields=("number",))
add("POST", T_NUMBERS, "not in the pool", 404, body={"number": "+74959999999"}, fields=("number",))
add("POST", T_NUMBERS, "allocated to another tenant", 409, body={"number": "+7 495 000-00-02"}, fields=("number",), detail="another tenant")
add("POST", T_NUMBERS, "already allocated to this tenant", 409, body={"number": "+74950000001"}, fields=("number",))
add("POST", T_NUMBERS, "unknown tenant", 404, body={"number": "+74950000003"}, at={"tenant_id": str(MISSING)})
add("POST", T_NUMBERS, "non-UUID tenant", 404, body={"number": "+74950000003"}, at={"tenant_id": "garbage"})
add("POST", T_NUMBERS, "tenant admin", 403, body={"number": "+74950000003"}, who="adm_a")
not_found_cases("GET", T_NUMBER, cross={"tenant_id": "tb"})
add("GET", T_NUMBER, "a pool number not allocated here", 404, at={"obj_id": "num_free"})
add("GET", T_NUMBER, "an extension id", 404, at={"obj_id": "ext_a"})
add("GET", T_NUMBER, "another tenant as tenant admin", 404, at={"tenant_id": "tb", "obj_id": "num_b"}, who="adm_a")
body_cases("PATCH", T_NUMBER, {"destination": "202"}, wrong_types={"destination": 202}, strings=("destination",), names=("destination",))
add("PATCH", T_NUMBER, "destination not digits", 422, body={"destination": "reception"}, fields=("destination",))
add("PATCH", T_NUMBER, "description is the operator's", 422, body={"description": "mine"}, fields=("description",))
if_match_cases("PATCH", T_NUMBER, {"destination": "202"})
not_found_cases("PATCH", T_NUMBER, {"destination": "202"}, cross={"tenant_id": "tb"})
add("PATCH", T_NUMBER, "a pool number not allocated here", 404, body={"destination": "202"}, at={"obj_id": "num_free"})
add("PATCH", T_NUMBER, "another tenant's number as tenant admin", 404, body={"destination": "202"}, at={"tenant_id": "tb", "obj_id": "num_b"}, who="adm_a")
add("PATCH", T_NUMBER, "auditor", 403, body={"destination": "202"}, who="aud_a")
add("PATCH", T_NUMBER, "role user", 403, body={"destination": "202"}, who="usr_a")
not_found_cases("DELETE", T_NUMBER, cross={"tenant_id": "tb"})
if_match_cases("DELETE", T_NUMBER)
add("DELETE", T_NUMBER, "a pool number not allocated here", 404, at={"obj_id": "num_free"})
add("DELETE", T_NUMBER, "tenant admin", 403, who="adm_a")

# Tenant users
USER_BODY = {"login": "newbie", "name": "New Person", "password": "password-123", "role": "user"}
USER_TYPES = {"login": 7, "name": ["n"], "password": 12345678, "role": 1, "email": False, "enabled": "yes"}
list_cases(USERS)
add("GET", USERS, "unknown tenant", 404, at={"tenant_id": str(MISSING)})
add("GET", USERS, "another tenant as tenant admin", 404, at={"tenant_id": "tb"}, who="adm_a")
add("GET", USERS, "role user", 403, who="usr_a")
body_cases("POST", USERS, USER_BODY, required=("login", "name", "password"), wrong_types=USER_TYPES,
           strings=("login", "name", "password", "email"), names=("login", "name"))
for name, login in (("duplicate login", "adm-a"), ("duplicate login in other case", "ADM-A"),
                    ("login of another tenant's user", "Adm-B"), ("login of the operator", "ADMIN")):
    add("POST", USERS, name, 409, body={**USER_BODY, "login": login}, fields=("login",), detail="in use")
for name, patch, f in (("login too short", {"login": "ab"}, "login"), ("login with space", {"login": "new bie"}, "login"),
                       ("password too short", {"password": "short"}, "password"), ("operator role", {"role": "operator"}, "role"),
                       ("unknown role", {"role": "root"}, "role"), ("invalid email", {"email": "a@b"}, "email")):
    add("POST", USERS, name, 422, body={**USER_BODY, **patch}, fields=(f,))
add("POST", USERS, "unknown tenant", 404, body=USER_BODY, at={"tenant_id": str(MISSING)})
add("POST", USERS, "non-UUID tenant", 404, body=USER_BODY, at={"tenant_id": "garbage"})
add("POST", USERS, "another tenant as tenant admin", 404, body=USER_BODY, at={"tenant_id": "tb"}, who="adm_a")
add("POST", USERS, "auditor", 403, body=USER_BODY, who="aud_a")
not_found_cases("GET", USER, cross={"tenant_id": "tb"})
add("GET", USER, "an operator through a tenant path", 404, at={"obj_id": "op2"})
add("GET", USER, "another user as role user", 403, at={"obj_id": "adm_a"}, who="usr_a")
body_cases("PATCH", USER, {"name": "Renamed"}, wrong_types={k: v for k, v in USER_TYPES.items() if k != "login"},
           strings=("name", "password", "email"), names=("name",))
add("PATCH", USER, "login cannot be changed", 422, body={"login": "other"}, fields=("login",))
add("PATCH", USER, "operator role", 422, body={"role": "operator"}, fields=("role",))
add("PATCH", USER, "password too short", 422, body={"password": "short"}, fields=("password",))
if_match_cases("PATCH", USER, {"name": "Stale"})
not_found_cases("PATCH", USER, {"name": "x"}, cross={"tenant_id": "tb"})
add("PATCH", USER, "own role as role user", 403, body={"role": "tenant_admin"}, who="usr_a", detail="own account")
add("PATCH", USER, "another user as role user", 403, body={"name": "x"}, at={"obj_id": "adm_a"}, who="usr_a")
add("PATCH", USER, "another tenant's user as tenant admin", 404, body={"name": "x"}, at={"tenant_id": "tb", "obj_id": "adm_b"}, who="adm_a")
not_found_cases("DELETE", USER, cross={"tenant_id": "tb"})
if_match_cases("DELETE", USER)
add("DELETE", USER, "own account", 403, at={"obj_id": "adm_a"}, who="adm_a", detail="own account")
add("DELETE", USER, "role user", 403, at={"obj_id": "aud_a"}, who="usr_a")

# Extensions
EXT_BODY = {"number": "250", "name": "New desk", "devices": [{"type": "sip"}]}
EXT_TYPES = {"number": 250, "name": 3.5, "devices": {"type": "sip"}, "voicemail": "no", "ring_strategy": "random",
             "outbound_caller_id": 74951234567}


def device(**kw) -> dict:
    return {**EXT_BODY, "devices": [{"type": "sip", **kw}]}


list_cases(EXTS)
add("GET", EXTS, "unknown tenant", 404, at={"tenant_id": str(MISSING)})
add("GET", EXTS, "non-UUID tenant", 404, at={"tenant_id": "garbage"})
add("GET", EXTS, "another tenant as tenant admin", 404, at={"tenant_id": "tb"}, who="adm_a")
add("GET", EXTS, "role user", 403, who="usr_a")
body_cases("POST", EXTS, EXT_BODY, required=("number", "name", "devices"), wrong_types=EXT_TYPES,
           strings=("number", "name"), names=("number", "name"))
for name, number, detail in (("too short", "25", "digits"), ("too long", "250000", "digits"), ("leading 0", "025", "0 or 1"),
                             ("leading 1", "150", "0 or 1"), ("letters", "2a5", ""), ("plus sign", "+250", ""),
                             ("unicode digits", "٢٥٠", "")):
    add("POST", EXTS, f"number {name}", 422, body={**EXT_BODY, "number": number}, fields=("number",), detail=detail)
add("POST", EXTS, "duplicate number", 409, body={**EXT_BODY, "number": "201"}, fields=("number",), detail="in use")
add("POST", EXTS, "no devices", 422, body={**EXT_BODY, "devices": []}, fields=("devices",))
add("POST", EXTS, "five devices", 422, body={**EXT_BODY, "devices": [{"type": "sip"}] * 5}, fields=("devices",))
add("POST", EXTS, "unknown device type", 422, body=device(type="fax"), fields=("devices[0].type",))
add("POST", EXTS, "unknown device field", 422, body=device(colour="red"), fields=("devices[0].colour",))
add("POST", EXTS, "external device without number", 422, body={**EXT_BODY, "devices": [{"type": "external"}]}, fields=("devices[0].number",))
add("POST", EXTS, "second device external without number", 422, body={**EXT_BODY, "devices": [{"type": "sip"}, {"type": "external"}]},
    fields=("devices[1].number",))
add("POST", EXTS, "external device with a bad number", 422, body={**EXT_BODY, "devices": [{"type": "external", "number": "mobile"}]},
    fields=("devices[0].number",))
add("POST", EXTS, "forwarding without target", 422, body=device(forward={"mode": "busy"}), fields=("devices[0].forward.target",))
add("POST", EXTS, "unknown forward mode", 422, body=device(forward={"mode": "sometimes", "target": "+74951234567"}),
    fields=("devices[0].forward.mode",))
add("POST", EXTS, "forward target not a number", 422, body=device(forward={"mode": "busy", "target": "voicemail"}),
    fields=("devices[0].forward.target",))
add("POST", EXTS, "bad CIDR", 422, body=device(allowed_networks=["10.0.0.0/33"]), fields=("devices[0].allowed_networks[0]",))
add("POST", EXTS, "second CIDR bad", 422, body=device(allowed_networks=["10.0.0.0/8", "not-a-network"]), fields=("devices[0].allowed_networks[1]",))
add("POST", EXTS, "ring time too short", 422, body=device(ring_time=1), fields=("devices[0].ring_time",))
add("POST", EXTS, "weak SIP password", 422, body=device(password="short"), fields=("devices[0].password",))
add("POST", EXTS, "SIP password with a newline", 422, body=device(password="abcdefghijkl\n"), fields=("devices[0].password",))
add("POST", EXTS, "device id that does not exist", 422, body=device(id=str(MISSING)), fields=("devices[0].id",))
add("POST", EXTS, "owner not a UUID", 422, body={**EXT_BODY, "owner_user_id": "nobody"}, fields=("owner_user_id",))
add("POST", EXTS, "owner of another tenant", 422, body=lambda w: {**EXT_BODY, "owner_user_id": w.ids["adm_b"]}, fields=("owner_user_id",))
add("POST", EXTS, "caller id not a number", 422, body={**EXT_BODY, "outbound_caller_id": "anonymous"}, fields=("outbound_caller_id",))
add("POST", EXTS, "unknown tenant", 404, body=EXT_BODY, at={"tenant_id": str(MISSING)})
add("POST", EXTS, "non-UUID tenant", 404, body=EXT_BODY, at={"tenant_id": "garbage"})
add("POST", EXTS, "another tenant as tenant admin", 404, body=EXT_BODY, at={"tenant_id": "tb"}, who="adm_a")
add("POST", EXTS, "auditor", 403, body=EXT_BODY, who="aud_a")
add("POST", EXTS, "no token", 401, body=EXT_BODY, who="anon")
not_found_cases("GET", EXT, cross={"tenant_id": "tb"})
add("GET", EXT, "a user id", 404, at={"obj_id": "usr_a"})
add("GET", EXT, "another tenant as tenant admin", 404, at={"tenant_id": "tb", "obj_id": "ext_b"}, who="adm_a")
add("GET", EXT, "role user", 403, who="usr_a")
body_cases("PATCH", EXT, {"name": "Renamed desk"}, wrong_types=EXT_TYPES, strings=("number", "name"), names=("number", "name"))
add("PATCH", EXT, "duplicate number", 409, body={"number": "202"}, fields=("number",), detail="in use")
add("PATCH", EXT, "number with leading 0", 422, body={"number": "099"}, fields=("number",))
add("PATCH", EXT, "no devices", 422, body={"devices": []}, fields=("devices",))
add("PATCH", EXT, "another extension's device id", 422, body=lambda w: {"devices": [{"type": "sip", "id": w.data["ext_a2"]["devices"][0]["id"]}]},
    fields=("devices[0].id",))
add("PATCH", EXT, "device type change", 422, body=lambda w: {"devices": [{"type": "external", "number": "+74951234567", "id": w.data["ext_a"]["devices"][0]["id"]}]},
    fields=("devices[0].type",))
add("PATCH", EXT, "the same device twice", 422, body=lambda w: {"devices": [{"type": "sip", "id": w.data["ext_a"]["devices"][0]["id"]}] * 2},
    fields=("devices",))
add("PATCH", EXT, "owner of another tenant", 422, body=lambda w: {"owner_user_id": w.ids["adm_b"]}, fields=("owner_user_id",))
if_match_cases("PATCH", EXT, {"name": "Stale"})
not_found_cases("PATCH", EXT, {"name": "x"}, cross={"tenant_id": "tb"})
add("PATCH", EXT, "another tenant's extension as tenant admin", 404, body={"name": "x"}, at={"tenant_id": "tb", "obj_id": "ext_b"}, who="adm_a")
add("PATCH", EXT, "auditor", 403, body={"name": "x"}, who="aud_a")
not_found_cases("DELETE", EXT, cross={"tenant_id": "tb"})
if_match_cases("DELETE", EXT)
add("DELETE", EXT, "auditor", 403, who="aud_a")

# The platform number pool
POOL_BODY = {"number": "+74950000099"}
list_cases(POOL)
add("GET", POOL, "tenant admin", 403, who="adm_a")
body_cases("POST", POOL, POOL_BODY, required=("number",), wrong_types={"number": 74950000099, "description": 1, "trunk_id": 5},
           strings=("number", "description"))
add("POST", POOL, "duplicate number", 409, body={"number": "+74950000001"}, fields=("number",), detail="in use")
add("POST", POOL, "duplicate number written differently", 409, body={"number": "+7 (495) 000-00-03"}, fields=("number",), detail="in use")
add("POST", POOL, "not a phone number", 422, body={"number": "+7-CALL-NOW"}, fields=("number",))
add("POST", POOL, "too many digits", 422, body={"number": "+1234567890123456"}, fields=("number",))
add("POST", POOL, "too few digits", 422, body={"number": "12"}, fields=("number",))
add("POST", POOL, "description over 500", 422, body={**POOL_BODY, "description": "d" * 501}, fields=("description",))
add("POST", POOL, "description with control character", 422, body={**POOL_BODY, "description": "a\x1bb"}, fields=("description",))
add("POST", POOL, "trunk_id not a UUID", 422, body={**POOL_BODY, "trunk_id": "main"}, fields=("trunk_id",))
add("POST", POOL, "trunk_id of nothing", 422, body={**POOL_BODY, "trunk_id": str(MISSING)}, fields=("trunk_id",))
add("POST", POOL, "trunk_id of an extension", 422, body=lambda w: {**POOL_BODY, "trunk_id": w.ids["ext_a"]}, fields=("trunk_id",))
add("POST", POOL, "oversize trunk_id", 422, body={**POOL_BODY, "trunk_id": LONG}, fields=("trunk_id",))
add("POST", POOL, "tenant admin", 403, body=POOL_BODY, who="adm_a")
not_found_cases("GET", POOL_ITEM)
add("GET", POOL_ITEM, "an extension id", 404, at={"obj_id": "ext_a"})
add("GET", POOL_ITEM, "tenant admin", 403, who="adm_a")
body_cases("PATCH", POOL_ITEM, {"description": "renamed"}, wrong_types={"description": 1, "trunk_id": 5}, strings=("description",))
add("PATCH", POOL_ITEM, "number cannot be changed", 422, body={"number": "+74950000098"}, fields=("number",))
add("PATCH", POOL_ITEM, "trunk_id of nothing", 422, body={"trunk_id": str(MISSING)}, fields=("trunk_id",))
if_match_cases("PATCH", POOL_ITEM, {"description": "stale"})
not_found_cases("PATCH", POOL_ITEM, {"description": "x"})
add("PATCH", POOL_ITEM, "an extension id", 404, body={"description": "x"}, at={"obj_id": "ext_a"})
add("PATCH", POOL_ITEM, "tenant admin", 403, body={"description": "x"}, who="adm_a")
add("DELETE", POOL_ITEM, "allocated to a tenant", 409, at={"obj_id": "num_a"}, detail="release")
if_match_cases("DELETE", POOL_ITEM)
not_found_cases("DELETE", POOL_ITEM)
add("DELETE", POOL_ITEM, "a trunk id", 404, at={"obj_id": "trunk"})
add("DELETE", POOL_ITEM, "tenant admin", 403, who="adm_a")

# Trunks
TRUNK_BODY = {"name": "Third", "host": "sip3.example.net", "username": "u3", "password": "p3-secret"}
TRUNK_TYPES = {"name": 1, "host": ["h"], "username": None, "password": 5, "port": "5060", "register": "yes", "codecs": "alaw",
               "lines": 1.5, "enabled": 0}
list_cases(TRUNKS)
add("GET", TRUNKS, "tenant admin", 403, who="adm_a")
body_cases("POST", TRUNKS, TRUNK_BODY, required=("name", "host", "username", "password"), wrong_types=TRUNK_TYPES,
           strings=("name", "host", "username", "password"), names=("name", "host", "username", "password"))
for name, patch, f in (("host with space", {"host": "sip example"}, "host"), ("host with scheme", {"host": "sip://x.example"}, "host"),
                       ("username with space", {"username": "a b"}, "username"), ("password with space", {"password": "p w"}, "password"),
                       ("port 0", {"port": 0}, "port"), ("port 70000", {"port": 70000}, "port"), ("no codecs", {"codecs": []}, "codecs"),
                       ("unknown codec", {"codecs": ["mp3"]}, "codecs[0]"), ("zero lines", {"lines": 0}, "lines")):
    add("POST", TRUNKS, name, 422, body={**TRUNK_BODY, **patch}, fields=(f,))
add("POST", TRUNKS, "duplicate name", 409, body={**TRUNK_BODY, "name": "MAIN"}, fields=("name",), detail="in use")
add("POST", TRUNKS, "tenant admin", 403, body=TRUNK_BODY, who="adm_a")
not_found_cases("GET", TRUNK)
add("GET", TRUNK, "a pool number id", 404, at={"obj_id": "num_free"})
add("GET", TRUNK, "tenant admin", 403, who="adm_a")
body_cases("PATCH", TRUNK, {"lines": 10}, wrong_types=TRUNK_TYPES, strings=("name", "host", "username", "password"),
           names=("name", "host"))
add("PATCH", TRUNK, "duplicate name", 409, body={"name": "backup"}, fields=("name",), detail="in use")
if_match_cases("PATCH", TRUNK, {"lines": 5})
not_found_cases("PATCH", TRUNK, {"lines": 5})
add("PATCH", TRUNK, "tenant admin", 403, body={"lines": 5}, who="adm_a")
if_match_cases("DELETE", TRUNK)
not_found_cases("DELETE", TRUNK)
add("DELETE", TRUNK, "tenant admin", 403, who="adm_a")

# Platform operators
OP_BODY = {"login": "op3", "name": "Operator Three", "password": "operator-pass-3", "role": "operator"}
list_cases(OPERATORS)
add("GET", OPERATORS, "tenant admin", 403, who="adm_a")
body_cases("POST", OPERATORS, OP_BODY, required=("login", "name", "password"), wrong_types=USER_TYPES,
           strings=("login", "name", "password"), names=("login", "name"))
add("POST", OPERATORS, "without operator role", 422, body={k: v for k, v in OP_BODY.items() if k != "role"}, fields=("role",))
add("POST", OPERATORS, "tenant role", 422, body={**OP_BODY, "role": "tenant_admin"}, fields=("role",))
add("POST", OPERATORS, "login of a tenant user", 409, body={**OP_BODY, "login": "Adm-A"}, fields=("login",))
add("POST", OPERATORS, "duplicate login", 409, body={**OP_BODY, "login": "OP2"}, fields=("login",))
add("POST", OPERATORS, "tenant admin", 403, body=OP_BODY, who="adm_a")
not_found_cases("GET", OPERATOR)
add("GET", OPERATOR, "a tenant user", 404, at={"obj_id": "adm_a"})
add("GET", OPERATOR, "tenant admin", 403, who="adm_a")
body_cases("PATCH", OPERATOR, {"name": "Renamed"}, wrong_types={k: v for k, v in USER_TYPES.items() if k != "login"},
           strings=("name", "password"), names=("name",))
add("PATCH", OPERATOR, "tenant role", 422, body={"role": "user"}, fields=("role",))
add("PATCH", OPERATOR, "login cannot be changed", 422, body={"login": "op9"}, fields=("login",))
if_match_cases("PATCH", OPERATOR, {"name": "Stale"})
not_found_cases("PATCH", OPERATOR, {"name": "x"})
add("PATCH", OPERATOR, "a tenant user", 404, body={"name": "x"}, at={"obj_id": "adm_a"})
add("PATCH", OPERATOR, "tenant admin", 403, body={"name": "x"}, who="adm_a")
add("DELETE", OPERATOR, "own account", 403, at={"obj_id": "admin"}, detail="own account")
add("DELETE", OPERATOR, "a tenant user", 404, at={"obj_id": "adm_a"})
if_match_cases("DELETE", OPERATOR)
not_found_cases("DELETE", OPERATOR)
add("DELETE", OPERATOR, "tenant admin", 403, who="adm_a")

# Tenant collections owned by other modules: payload-independent cases only (their owners add
# kind-specific ones). A new collection must be named here (or given cases of its own) to pass
# test_every_route_has_cases.
GENERIC_COLLECTIONS = ("schedules", "classifiers", "ivr-menus", "voice-messages", "groups", "pickup-groups", "voicemail-boxes", "media")
for col in GENERIC_COLLECTIONS:
    base, item = f"/api/tenants/{{tenant_id}}/{col}", f"/api/tenants/{{tenant_id}}/{col}/{{obj_id}}"
    if col == "media":  # uploads are audio files, not JSON
        add("POST", base, "not audio", 422, raw=b"hello", params={"filename": "a.mp3"}, headers={"Content-Type": "audio/mpeg"})
        add("POST", base, "empty upload", 422, raw=b"", params={"filename": "a.mp3"}, headers={"Content-Type": "audio/mpeg"})
        add("POST", base, "auditor", 403, raw=b"ID3", params={"filename": "a.mp3"}, headers={"Content-Type": "audio/mpeg"}, who="aud_a")
        add("POST", base, "no token", 401, raw=b"ID3", params={"filename": "a.mp3"}, headers={"Content-Type": "audio/mpeg"}, who="anon")
    list_cases(base)
    add("GET", base, "unknown tenant", 404, at={"tenant_id": str(MISSING)})
    add("GET", base, "non-UUID tenant", 404, at={"tenant_id": "garbage"})
    add("GET", base, "another tenant as tenant admin", 404, at={"tenant_id": "tb"}, who="adm_a")
    add("GET", base, "role user", 403, who="usr_a")
    add("GET", base, "no token", 401, who="anon")
    if col != "media":
        add("POST", base, "unknown field", 422, body={"bogus": 1}, fields=("bogus",))
        add("POST", base, "malformed JSON", 400, raw=b"{", detail="JSON")
        add("POST", base, "JSON array instead of object", 422, body=[{}], fields=("body",))
        add("POST", base, "empty body", 422, raw=b"", fields=("body",))
        add("POST", base, "no token", 401, body={}, who="anon")
        add("DELETE", item, "non-numeric If-Match", 400, at={"obj_id": str(MISSING)}, headers={"If-Match": "abc"}, fields=("If-Match",))
    for method, body in (("GET", NO_BODY), ("PATCH", {}), ("DELETE", NO_BODY)):
        for name, at in (("non-UUID id", {"obj_id": "not-a-uuid"}), ("unknown id", {"obj_id": str(MISSING)}),
                         ("unknown tenant", {"tenant_id": str(MISSING), "obj_id": str(MISSING)}),
                         ("non-UUID tenant", {"tenant_id": "garbage", "obj_id": str(MISSING)}),
                         ("an extension id", {"obj_id": "ext_a"})):
            add(method, item, name, 404, body=body, at=at)
        add(method, item, "no token", 401, body=body, at={"obj_id": str(MISSING)}, who="anon")
    add("PATCH", item, "unknown field", 422, body={"bogus": 1}, at={"obj_id": str(MISSING)}, fields=("bogus",))
    add("PATCH", item, "malformed JSON", 400, raw=b"{", at={"obj_id": str(MISSING)}, detail="JSON")
    add("PATCH", item, "non-numeric If-Match", 400, body={}, at={"obj_id": str(MISSING)}, headers={"If-Match": "abc"}, fields=("If-Match",))
    add("DELETE", item, "auditor", 403, at={"obj_id": str(MISSING)}, who="aud_a")

STATUS, MATCH = "/api/tenants/{tenant_id}/schedules/{obj_id}/status", "/api/tenants/{tenant_id}/classifiers/{obj_id}/match"
CALENDAR, ENTRIES = "/api/tenants/{tenant_id}/schedules/{obj_id}/calendar", "/api/tenants/{tenant_id}/classifiers/{obj_id}/entries"
add("GET", STATUS, "unknown schedule", 404, at={"obj_id": str(MISSING)})
add("GET", STATUS, "an extension id", 404, at={"obj_id": "ext_a"})
add("GET", STATUS, "at not a time", 422, at={"obj_id": str(MISSING)}, params={"at": "noon"}, fields=("at",))
add("GET", STATUS, "role user", 403, at={"obj_id": str(MISSING)}, who="usr_a")
add("GET", STATUS, "no token", 401, at={"obj_id": str(MISSING)}, who="anon")
add("GET", MATCH, "unknown classifier", 404, at={"obj_id": str(MISSING)}, params={"number": "+74951234567"})
add("GET", MATCH, "number missing", 422, at={"obj_id": str(MISSING)}, fields=("number",))
add("GET", MATCH, "NUL in number", 422, at={"obj_id": str(MISSING)}, params={"number": "1\x00"}, fields=("number",))
add("GET", MATCH, "oversize number", 422, at={"obj_id": str(MISSING)}, params={"number": LONG[:41]}, fields=("number",))
add("GET", MATCH, "no token", 401, at={"obj_id": str(MISSING)}, params={"number": "1"}, who="anon")
for route in (CALENDAR, ENTRIES):
    csv = {"Content-Type": "text/csv"}
    add("POST", route, "unknown id", 404, raw=b"2026-01-01,holiday\n", headers=csv, at={"obj_id": str(MISSING)})
    add("POST", route, "an extension id", 404, raw=b"2026-01-01,holiday\n", headers=csv, at={"obj_id": "ext_a"})
    add("POST", route, "another tenant's path", 404, raw=b"2026-01-01,holiday\n", headers=csv, at={"tenant_id": "tb", "obj_id": str(MISSING)}, who="adm_a")
    add("POST", route, "auditor", 403, raw=b"2026-01-01,holiday\n", headers=csv, at={"obj_id": str(MISSING)}, who="aud_a")
    add("POST", route, "no token", 401, raw=b"2026-01-01,holiday\n", headers=csv, at={"obj_id": str(MISSING)}, who="anon")
add("POST", ENTRIES, "unknown mode", 422, raw=b"+74951234567,Boss\n", headers={"Content-Type": "text/csv"}, at={"obj_id": str(MISSING)},
    params={"mode": "merge"}, fields=("mode",))

MEDIA_AUDIO = "/api/tenants/{tenant_id}/media/{obj_id}/audio"
add("GET", MEDIA_AUDIO, "unknown media", 404, at={"obj_id": str(MISSING)})
add("GET", MEDIA_AUDIO, "non-UUID id", 404, at={"obj_id": "../../etc/passwd"})
add("GET", MEDIA_AUDIO, "an extension id", 404, at={"obj_id": "ext_a"})
add("GET", MEDIA_AUDIO, "original not a boolean", 422, at={"obj_id": str(MISSING)}, params={"original": "maybe"}, fields=("original",))
add("GET", MEDIA_AUDIO, "no token", 401, at={"obj_id": str(MISSING)}, who="anon")
VM_MESSAGES, VM_MESSAGE = "/api/tenants/{tenant_id}/voicemail-boxes/{obj_id}/messages", "/api/tenants/{tenant_id}/voicemail-boxes/{obj_id}/messages/{msg_id}"
for route, extra in ((VM_MESSAGES, {}), (VM_MESSAGE, {"msg_id": "1700000000-1"})):
    add("GET", route, "unknown box", 404, at={"obj_id": str(MISSING), **extra})
    add("GET", route, "non-UUID box", 404, at={"obj_id": "INBOX", **extra})
    add("GET", route, "an extension id", 404, at={"obj_id": "ext_a", **extra})
    add("GET", route, "another tenant as tenant admin", 404, at={"tenant_id": "tb", "obj_id": str(MISSING), **extra}, who="adm_a")
    add("GET", route, "no token", 401, at={"obj_id": str(MISSING), **extra}, who="anon")
add("GET", VM_MESSAGE, "malformed message id", 422, at={"obj_id": str(MISSING), "msg_id": "msg0001.wav"}, fields=("msg_id",))
add("GET", VM_MESSAGE, "path traversal in message id", 404, at={"obj_id": str(MISSING), "msg_id": "..%2F..%2Fetc%2Fpasswd"})

STATE, STATE_DIFF = "/api/tenants/{tenant_id}/state", "/api/tenants/{tenant_id}/state/diff"
HISTORY, HISTORY_AT = "/api/tenants/{tenant_id}/history/{obj_id}", "/api/tenants/{tenant_id}/history/{obj_id}/at"
REVERT, RESTORE = "/api/tenants/{tenant_id}/revert", "/api/tenants/{tenant_id}/history/{obj_id}/restore"
add("GET", STATE, "at not a time", 422, params={"at": "then"}, fields=("at",))
add("GET", STATE, "unknown tenant", 404, at={"tenant_id": str(MISSING)})
add("GET", STATE, "another tenant as tenant admin", 404, at={"tenant_id": "tb"}, who="adm_a")
add("GET", STATE, "no token", 401, who="anon")
add("GET", STATE_DIFF, "from missing", 422, fields=("from",))
add("GET", STATE_DIFF, "from not a time", 422, params={"from": "then"}, fields=("from",))
add("GET", STATE_DIFF, "to not a time", 422, params={"from": "2026-01-01T00:00:00Z", "to": "later"}, fields=("to",))
add("GET", STATE_DIFF, "no token", 401, params={"from": "2026-01-01T00:00:00Z"}, who="anon")
for route in (HISTORY, HISTORY_AT):
    add("GET", route, "another tenant's object", 404, at={"tenant_id": "tb", "obj_id": "ext_a"})
    add("GET", route, "non-UUID id", 404, at={"obj_id": "not-a-uuid"})
    add("GET", route, "unknown tenant", 404, at={"tenant_id": str(MISSING), "obj_id": "ext_a"})
    add("GET", route, "another tenant as tenant admin", 404, at={"tenant_id": "tb", "obj_id": "ext_b"}, who="adm_a")
    add("GET", route, "no token", 401, who="anon", at={"obj_id": "ext_a"})
add("GET", HISTORY_AT, "at not a time", 422, at={"obj_id": "ext_a"}, params={"at": "then"}, fields=("at",))
body_cases("POST", REVERT, {"position": 1}, required=("position",), wrong_types={"position": "1"})
add("POST", REVERT, "position of nothing", 404, body={"position": 10**9})
add("POST", REVERT, "another tenant's change", 404, body=lambda w: {"position": w.positions["ext_b"]})
add("POST", REVERT, "auditor", 403, body={"position": 1}, who="aud_a")
add("POST", REVERT, "no token", 401, body={"position": 1}, who="anon")
body_cases("POST", RESTORE, {"at": "2026-01-01T00:00:00Z"}, required=("at",), wrong_types={"at": 5}, at={"obj_id": "ext_a"})
add("POST", RESTORE, "non-UUID id", 404, body={"at": "2026-01-01T00:00:00Z"}, at={"obj_id": "not-a-uuid"})
add("POST", RESTORE, "another tenant's object", 404, body={"at": "2030-01-01T00:00:00Z"}, at={"tenant_id": "tb", "obj_id": "ext_a"})
add("POST", RESTORE, "auditor", 403, body={"at": "2026-01-01T00:00:00Z"}, at={"obj_id": "ext_a"}, who="aud_a")
add("POST", RESTORE, "no token", 401, body={"at": "2026-01-01T00:00:00Z"}, at={"obj_id": "ext_a"}, who="anon")

# Routing schemes: the collection and its sub-routes (api/schemes.py)
add("GET", SCHEME_CATALOGUE, "no token", 401, who="anon")
add("GET", SCHEME_CATALOGUE, "unknown token", 401, who="not-a-token")


def scheme_route_cases(method: str, route: str, body: Any = NO_BODY, *, write: bool, at: dict | None = None) -> None:
    """Not found, another tenant, roles, no token: for one scheme sub-route."""
    at = at or {}
    for name, where in (("non-UUID id", {"obj_id": "not-a-uuid"}), ("unknown id", {"obj_id": str(MISSING)}),
                        ("SQL-ish id", {"obj_id": "1' OR '1'='1"}), ("an extension id", {"obj_id": "ext_a"}),
                        ("unknown tenant", {"tenant_id": str(MISSING)}), ("non-UUID tenant", {"tenant_id": "garbage"}),
                        ("another tenant's scheme through this tenant's path", {"obj_id": "sch_b"}),
                        ("this tenant's scheme through another tenant's path", {"tenant_id": "tb"})):
        add(method, route, name, 404, body=body, at={**at, **where})
    add(method, route, "another tenant as tenant admin", 404, body=body, at={**at, "tenant_id": "tb", "obj_id": "sch_b"}, who="adm_a")
    add(method, route, "role user", 403, body=body, at=at, who="usr_a")
    if write:
        add(method, route, "auditor", 403, body=body, at=at, who="aud_a")
    add(method, route, "no token", 401, body=body, at=at, who="anon")
    add(method, route, "unknown token", 401, body=body, at=at, who="not-a-token")


def scheme_if_match_cases(method: str, route: str, body: Any) -> None:
    """A stale If-Match (sch_a is at version 2: see build_world) and malformed ones."""
    add(method, route, "stale If-Match", 409, body=body, headers={"If-Match": "1"}, detail="version")
    for value in ("abc", "1.5", "-1"):
        add(method, route, f"non-numeric If-Match {value}", 400, body=body, headers={"If-Match": value}, fields=("If-Match",))


ENTRY_GRAPH = {"nodes": [{"id": "in", "type": "entry", "params": {"numbers": ["+74950000001"]}}], "edges": []}
body_cases("POST", SCHEMES, {"name": "New", "graph": ENTRY_GRAPH}, required=("name",),
           wrong_types={"name": 1, "description": 2, "graph": [], "nodes": []}, strings=("name", "description"), names=("name",))
for name, graph, f in (("unknown node type", {"nodes": [{"type": "teleport"}]}, "graph.nodes[0].type"),
                       ("bad node id", {"nodes": [{"id": "Bad Id", "type": "hangup"}]}, "graph.nodes[0].id"),
                       ("bad param", {"nodes": [{"type": "dial", "params": {"ring_time": 0}}]}, "graph.nodes[0].params.ring_time"),
                       ("unknown param", {"nodes": [{"type": "dial", "params": {"colour": "red"}}]}, "graph.nodes[0].params.colour"),
                       ("param not an object", {"nodes": [{"type": "dial", "params": [1]}]}, "graph.nodes[0].params"),
                       ("edge to nowhere", {"nodes": [{"id": "a", "type": "entry"}], "edges": [{"from": "a", "port": "next", "to": "b"}]}, "graph.edges[0].to"),
                       ("unknown port", {"nodes": [{"id": "a", "type": "entry"}], "edges": [{"from": "a", "port": "no", "to": "a"}]}, "graph.edges[0].port"),
                       ("two edges from one port", {"nodes": [{"id": "a", "type": "entry"}], "edges": [{"from": "a", "port": "next", "to": "a"}] * 2},
                        "graph.edges[1].port"),
                       ("duplicate node id", {"nodes": [{"id": "a", "type": "fax"}, {"id": "a", "type": "fax"}]}, "graph.nodes[1].id"),
                       ("NUL in a param", {"nodes": [{"type": "set_name", "params": {"text": "a\x00"}}]}, "graph.nodes[0].params.text"),
                       ("newline in a param", {"nodes": [{"type": "set_name", "params": {"text": "a\nb"}}]}, "graph.nodes[0].params.text"),
                       ("position out of range", {"nodes": [{"type": "fax", "position": {"x": 1e12, "y": 0}}]}, "graph.nodes[0].position.x")):
    add("POST", SCHEMES, name, 422, body={"name": "Bad", "graph": graph}, fields=(f,))
add("POST", SCHEMES, "auditor", 403, body={"name": "New"}, who="aud_a")
add("POST", SCHEMES, "another tenant as tenant admin", 404, body={"name": "New"}, at={"tenant_id": "tb"}, who="adm_a")
body_cases("PATCH", SCHEME, {"name": "Renamed"}, wrong_types={"name": 1, "description": 2}, strings=("name", "description"), names=("name",))
for f, value in (("graph", ENTRY_GRAPH), ("published_revision", 2), ("entries", ["+74950000009"]), ("revisions", 9)):
    add("PATCH", SCHEME, f"{f} is not patched", 422, body={f: value}, fields=(f,))
if_match_cases("PATCH", SCHEME, {"name": "Stale"})
if_match_cases("DELETE", SCHEME)
list_cases(SCHEMES)
for name, at in (("unknown tenant", {"tenant_id": str(MISSING)}), ("non-UUID tenant", {"tenant_id": "garbage"})):
    add("GET", SCHEMES, name, 404, at=at)
    add("POST", SCHEMES, name, 404, body={"name": "New"}, at=at)
add("GET", SCHEMES, "another tenant as tenant admin", 404, at={"tenant_id": "tb"}, who="adm_a")
add("GET", SCHEMES, "role user", 403, who="usr_a")
add("GET", SCHEMES, "no token", 401, who="anon")
add("POST", SCHEMES, "no token", 401, body={"name": "New"}, who="anon")
scheme_route_cases("GET", SCHEME, write=False)
scheme_route_cases("PATCH", SCHEME, {"name": "x"}, write=True)
scheme_route_cases("DELETE", SCHEME, write=True)


MOVE = {"op": "move_node", "id": "in", "position": {"x": 1, "y": 2}}
body_cases("POST", S_COMMANDS, MOVE, required=("op", "id", "position"), wrong_types={"id": 5, "position": [1, 2], "op": 1})
for name, body, f in (("unknown op", {"op": "explode"}, "op"), ("oversize op", {"op": LONG}, "op"),
                      ("add_node without node", {"op": "add_node"}, "node"),
                      ("add_node of an unknown type", {"op": "add_node", "node": {"type": "teleport"}}, "node.type"),
                      ("add_node with an existing id", {"op": "add_node", "node": {"id": "in", "type": "fax"}}, "node.id"),
                      ("add_node with a bad id", {"op": "add_node", "node": {"id": "9x", "type": "fax"}}, "node.id"),
                      ("add_node with a bad param", {"op": "add_node", "node": {"type": "dial", "params": {"ring_time": "5"}}}, "node.params.ring_time"),
                      ("add_node with a newline in a param", {"op": "add_node", "node": {"type": "set_name", "params": {"text": "a\n"}}},
                       "node.params.text"),
                      ("move of no node", {**MOVE, "id": "ghost"}, "id"), ("position out of range", {**MOVE, "position": {"x": 1e9, "y": 0}}, "position.x"),
                      ("remove of no node", {"op": "remove_node", "id": "ghost"}, "id"),
                      ("set_params with an unknown param", {"op": "set_params", "id": "in", "params": {"colour": "red"}}, "params.colour"),
                      ("set_params with a bad number", {"op": "set_params", "id": "in", "params": {"numbers": ["12a"]}}, "params.numbers[0]"),
                      ("set_params not an object", {"op": "set_params", "id": "in", "params": "x"}, "params"),
                      ("connect an unknown port", {"op": "connect", "from": "in", "port": "match", "to": "bye"}, "port"),
                      ("connect a taken port", {"op": "connect", "from": "in", "port": "next", "to": "in"}, "port"),
                      ("connect to no node", {"op": "connect", "from": "in", "port": "next", "to": "ghost"}, "to"),
                      ("connect from no node", {"op": "connect", "from": "ghost", "port": "next", "to": "in"}, "from"),
                      ("connect from a node without outputs", {"op": "connect", "from": "bye", "port": "next", "to": "in"}, "port"),
                      ("disconnect a free port", {"op": "disconnect", "from": "bye", "port": "next"}, "port"),
                      ("oversize port", {"op": "disconnect", "from": "in", "port": LONG}, "port")):
    add("POST", S_COMMANDS, name, 422, body=body, fields=(f,))
scheme_if_match_cases("POST", S_COMMANDS, MOVE)
scheme_route_cases("POST", S_COMMANDS, MOVE, write=True)

DRAFT = {"nodes": [{"id": "x", "type": "fax"}], "edges": []}
body_cases("PUT", S_DRAFT, DRAFT, wrong_types={"nodes": {}, "edges": "none"})
for name, body, f in (("unknown node type", {"nodes": [{"type": "teleport"}]}, "nodes[0].type"),
                      ("edge from no node", {**DRAFT, "edges": [{"from": "y", "port": "next", "to": "x"}]}, "edges[0].from"),
                      ("edge from a node without outputs", {**DRAFT, "edges": [{"from": "x", "port": "next", "to": "x"}]}, "edges[0].port"),
                      ("edge without to", {**DRAFT, "edges": [{"from": "x", "port": "next"}]}, "edges[0].to"),
                      ("too many nodes", {"nodes": [{"type": "fax"}] * 501}, "nodes")):
    add("PUT", S_DRAFT, name, 422, body=body, fields=(f,))
scheme_if_match_cases("PUT", S_DRAFT, DRAFT)
scheme_route_cases("PUT", S_DRAFT, DRAFT, write=True)

scheme_route_cases("GET", S_VALIDATION, write=False)

body_cases("POST", S_PUBLISH, {"comment": "ok"}, wrong_types={"comment": 5}, strings=("comment",), names=("comment",))
add("POST", S_PUBLISH, "the scheme has errors", 422, body={}, at={"obj_id": "sch_bad"}, fields=("graph",), detail="error")
scheme_if_match_cases("POST", S_PUBLISH, {})
scheme_route_cases("POST", S_PUBLISH, {}, write=True)

body_cases("POST", S_REVERT, {"revision": 1}, required=("revision",), wrong_types={"revision": "1", "comment": 5},
           strings=("comment",), names=("comment",))
for name, value in (("revision 0", 0), ("revision of nothing", 2), ("huge revision", 10**12), ("fractional revision", 1.5)):
    add("POST", S_REVERT, name, 422, body={"revision": value}, fields=("revision",))
add("POST", S_REVERT, "revision of an unpublished scheme", 422, body={"revision": 1}, at={"obj_id": "sch_bad"}, fields=("revision",))
scheme_if_match_cases("POST", S_REVERT, {"revision": 1})
scheme_route_cases("POST", S_REVERT, {"revision": 1}, write=True)

CALL = {"number": "+74950000001"}
body_cases("POST", S_SIMULATE, CALL, required=("number",),
           wrong_types={"number": 74950000001, "caller": 5, "at": 5, "keys": {}, "callees": [], "revision": True},
           strings=("number", "caller"))
for name, body, f in (("revision of nothing", {**CALL, "revision": 2}, "revision"), ("revision 0", {**CALL, "revision": 0}, "revision"),
                      ("unknown revision word", {**CALL, "revision": "latest"}, "revision"),
                      ("published of an unpublished scheme", {**CALL, "revision": "published", "_at": "sch_bad"}, "revision"),
                      ("at without a zone", {**CALL, "at": "2026-11-25T10:00:00"}, "at"), ("at not a time", {**CALL, "at": "noon"}, "at"),
                      ("bad key", {**CALL, "keys": [{"key": "A", "at": 1}]}, "keys[0].key"),
                      ("key without time", {**CALL, "keys": [{"key": "1"}]}, "keys[0].at"),
                      ("too many keys", {**CALL, "keys": [{"key": "1", "at": 1}] * 101}, "keys"),
                      ("callee not a number", {**CALL, "callees": {"boss": {"behaviour": "answer"}}}, "callees.boss"),
                      ("callee behaviour unknown", {**CALL, "callees": {"201": {"behaviour": "sleep"}}}, "callees.201.behaviour"),
                      ("callee unknown field", {**CALL, "callees": {"201": {"mood": "sad"}}}, "callees.201.mood"),
                      ("negative callee time", {**CALL, "callees": {"201": {"after": -1}}}, "callees.201.after")):
    target = body.pop("_at", None)
    add("POST", S_SIMULATE, name, 422, body=body, fields=(f,), **({"at": {"obj_id": target}} if target else {}))
scheme_route_cases("POST", S_SIMULATE, CALL, write=False)

add("GET", S_RULES, "a scheme drawn freely has no rule view", 409, detail="rule view")
scheme_route_cases("GET", S_RULES, write=False)
RULES = {"numbers": ["+74950000001"], "rules": [{"when": {"caller_prefixes": ["+7916"]}, "target": {"type": "hangup", "params": {}}}],
         "otherwise": {"type": "hangup", "params": {"cause": "busy"}}}
body_cases("PUT", S_RULES, RULES, required=("numbers",), wrong_types={"numbers": "+74950000001", "rules": {}, "otherwise": []})
for name, body, f in (("rule without a condition", {**RULES, "rules": [{"when": {}, "target": {"type": "hangup"}}]}, "rules[0].when"),
                      ("bad caller prefix", {**RULES, "rules": [{"when": {"caller_prefixes": ["x"]}, "target": {"type": "hangup"}}]},
                       "rules[0].when.caller_prefixes[0]"),
                      ("unknown target type", {**RULES, "rules": [{"when": {"caller_prefixes": ["1"]}, "target": {"type": "teleport"}}]},
                       "rules[0].target.type"),
                      ("bad target param", {**RULES, "otherwise": {"type": "dial", "params": {"ring_time": 0}}}, "otherwise.params.ring_time"),
                      ("newline in a target param", {**RULES, "otherwise": {"type": "set_name", "params": {"text": "a\n"}}}, "otherwise.type"),
                      ("bad schedule state", {**RULES, "rules": [{"when": {"schedule_id": str(MISSING), "schedule_state": "ajar"},
                                                                  "target": {"type": "hangup"}}]}, "rules[0].when.schedule_state"),
                      ("bad number", {**RULES, "numbers": ["12a"]}, "numbers[0]")):
    add("PUT", S_RULES, name, 422, body=body, fields=(f,))
scheme_if_match_cases("PUT", S_RULES, RULES)
scheme_route_cases("PUT", S_RULES, RULES, write=True)

list_cases_revisions = (("limit 0", {"limit": 0}, "limit"), ("limit 501", {"limit": 501}, "limit"), ("negative offset", {"offset": -1}, "offset"),
                        ("limit not a number", {"limit": "ten"}, "limit"), ("offset beyond bigint", {"offset": 2**63}, "offset"))
for name, params, f in list_cases_revisions:
    add("GET", S_REVISIONS, name, 422, params=params, fields=(f,))
scheme_route_cases("GET", S_REVISIONS, write=False)
for name, number, status, f in (("not a number", "first", 422, "number"), ("zero", "0", 422, "number"), ("negative", "-1", 422, "number"),
                                ("oversize", "9" * 30, 422, "number"), ("superscript digit", "²", 422, "number"),
                                ("of nothing", "2", 404, "number")):
    add("GET", S_REVISION, f"revision {name}", status, at={"number": number}, fields=(f,))
scheme_route_cases("GET", S_REVISION, write=False, at={"number": "1"})
for name, params, f in (("from not a revision", {"from": "first"}, "from"), ("to not a revision", {"to": "latest"}, "to"),
                        ("from of nothing", {"from": "7"}, "from"), ("to zero", {"to": "0"}, "to"), ("oversize from", {"from": "1" * 21}, "from"),
                        ("NUL in to", {"to": "1\x00"}, "to"), ("negative from", {"from": "-1"}, "from"),
                        ("superscript digit", {"from": "²"}, "from"), ("Arabic-Indic digit", {"to": "١"}, "to")):
    add("GET", S_DIFF, name, 422, params=params, fields=(f,))
add("GET", S_DIFF, "published of an unpublished scheme", 422, at={"obj_id": "sch_bad"}, fields=("from",))
scheme_route_cases("GET", S_DIFF, write=False)


# --- calls (F-CAL: pbxflow.calls.api) -- owned by the calls work; keep this block separate ---------
CALLS, CALL = "/api/tenants/{tenant_id}/calls", "/api/tenants/{tenant_id}/calls/{call_id}"
ACTIVE_CALLS, PRESENCE = "/api/tenants/{tenant_id}/active-calls", "/api/tenants/{tenant_id}/presence"
CALLS_STATUS, TENANT_EVENTS = "/api/calls/status", "/api/tenants/{tenant_id}/events"
_CALL = {"call_id": str(MISSING)}
for name, params, f in (("limit 0", {"limit": 0}, "limit"), ("limit 501", {"limit": 501}, "limit"),
                        ("negative offset", {"offset": -1}, "offset"), ("unknown direction", {"direction": "sideways"}, "direction"),
                        ("unknown result", {"result": "lost"}, "result"), ("from not a time", {"from": "yesterday"}, "from"),
                        ("from without zone", {"from": "2026-01-01T00:00:00"}, "from"),
                        ("to without zone", {"to": "2026-01-01T00:00:00"}, "to"),
                        ("number with letters", {"number": "20a"}, "number"), ("oversize number", {"number": "1" * 40}, "number"),
                        ("NUL in number", {"number": "2\x00"}, "number"), ("position 0", {"position": 0}, "position"),
                        ("position not a number", {"position": "head"}, "position")):
    add("GET", CALLS, name, 422, params=params, fields=(f,))
for route, at in ((CALLS, {}), (CALL, _CALL), (ACTIVE_CALLS, {}), (PRESENCE, {}), (TENANT_EVENTS, {})):
    add("GET", route, "unknown tenant", 404, at={**at, "tenant_id": str(MISSING)})
    add("GET", route, "non-UUID tenant", 404, at={**at, "tenant_id": "garbage"})
    add("GET", route, "another tenant as tenant admin", 404, at={**at, "tenant_id": "tb"}, who="adm_a")
    add("GET", route, "role user", 403, at=at, who="usr_a")
    add("GET", route, "no token", 401, at=at, who="anon")
for route, at in ((CALL, _CALL), (ACTIVE_CALLS, {}), (PRESENCE, {})):
    add("GET", route, "negative position", 422, at=at, params={"position": -1}, fields=("position",))
add("GET", CALL, "non-UUID call id", 404, at={"call_id": "not-a-uuid"})
add("GET", CALL, "unknown call id", 404, at=_CALL)
add("GET", CALL, "SQL-ish call id", 404, at={"call_id": "1' OR '1'='1"})
add("GET", CALL, "another tenant's call id through this tenant's path", 404, at=_CALL, who="adm_a")
for name, value in (("seconds 0", 0), ("seconds over an hour", 3601), ("seconds not a number", "ever")):
    add("GET", TENANT_EVENTS, name, 422, params={"seconds": value}, fields=("seconds",))
add("GET", CALLS_STATUS, "no token", 401, who="anon")
add("GET", CALLS_STATUS, "tenant admin", 403, who="adm_a")

# --- call recording (F-CAL-6: domain/recording.py, calls/recordings.py) -- keep this block separate ---
RECORDING = "/api/tenants/{tenant_id}/calls/{call_id}/recording"
add("GET", RECORDING, "unknown tenant", 404, at={**_CALL, "tenant_id": str(MISSING)})
add("GET", RECORDING, "non-UUID tenant", 404, at={**_CALL, "tenant_id": "garbage"})
add("GET", RECORDING, "another tenant as tenant admin", 404, at={**_CALL, "tenant_id": "tb"}, who="adm_a")
add("GET", RECORDING, "role user", 403, at=_CALL, who="usr_a")
add("GET", RECORDING, "no token", 401, at=_CALL, who="anon")
add("GET", RECORDING, "non-UUID call id", 404, at={"call_id": "not-a-uuid"})
add("GET", RECORDING, "unknown call id", 404, at=_CALL)
add("GET", RECORDING, "path traversal as call id", 404, at={"call_id": "..%2F..%2Fetc%2Fpasswd"})
add("GET", RECORDING, "unknown call with a byte range", 404, at=_CALL, headers={"Range": "bytes=0-10"})
add("GET", RECORDING, "oversize Range header", 422, at=_CALL, headers={"Range": "bytes=" + "1" * 300 + "-"}, fields=("Range",))
for name, patch, f in (("record_calls not a boolean", {"record_calls": "yes"}, "record_calls"),
                       ("retention 0 days", {"recording_retention_days": 0}, "recording_retention_days"),
                       ("retention over 10 years", {"recording_retention_days": 3651}, "recording_retention_days"),
                       ("retention as text", {"recording_retention_days": "90"}, "recording_retention_days")):
    add("POST", USERS, f"recording: {name}", 422, body={**USER_BODY, **patch}, fields=(f,))
    add("PATCH", USER, f"recording: {name}", 422, body=patch, fields=(f,))
    add("POST", "/api/tenants/{tenant_id}/groups", f"recording: {name}", 422, body={"name": "Rec", "number": "599", **patch},
        fields=(f,))


# --- webhooks (F-CAL-7: domain/webhooks.py, calls/webhooks_api.py) -- keep this block separate ---------
WEBHOOKS, WEBHOOK = "/api/tenants/{tenant_id}/webhooks", "/api/tenants/{tenant_id}/webhooks/{obj_id}"
WH_DELIVERIES = "/api/tenants/{tenant_id}/webhooks/{obj_id}/deliveries"
DEFAULT_OBJECT.update({WEBHOOK: "wh_a", WH_DELIVERIES: "wh_a"})
_WH = {"name": "CRM", "url": "https://crm.example.com/pbx"}
_WH_TYPES = {"name": 5, "url": 5, "events": "answered", "enabled": "yes", "secret": 1234567890123456789, "description": 1}
body_cases("POST", WEBHOOKS, _WH, required=("name", "url"), wrong_types=_WH_TYPES, strings=("name", "url", "secret", "description"),
           names=("name", "url"))
body_cases("PATCH", WEBHOOK, {"name": "Renamed"}, wrong_types=_WH_TYPES, strings=("name", "url", "secret"), names=("name", "url"))
for method, route in (("POST", WEBHOOKS), ("PATCH", WEBHOOK)):
    for name, change, f in (("ftp URL", {"url": "ftp://crm.example.com/x"}, "url"), ("javascript URL", {"url": "javascript:alert(1)"}, "url"),
                            ("file URL", {"url": "file:///etc/passwd"}, "url"), ("no scheme", {"url": "crm.example.com/x"}, "url"),
                            ("credentials in URL", {"url": "https://user:pw@crm.example.com/x"}, "url"),
                            ("user in URL", {"url": "https://token@crm.example.com/x"}, "url"),
                            ("no host", {"url": "https:///x"}, "url"), ("bad port", {"url": "https://crm.example.com:99999/"}, "url"),
                            ("space in URL", {"url": "https://crm example.com/"}, "url"),
                            ("fragment", {"url": "https://crm.example.com/#x"}, "url"),
                            ("no events", {"events": []}, "events"), ("unknown event", {"events": ["hangup"]}, "events[0]"),
                            ("event twice", {"events": ["answered", "answered"]}, "events"),
                            ("short secret", {"secret": "short"}, "secret"), ("secret with spaces", {"secret": "a secret with spaces"}, "secret"),
                            ("null secret", {"secret": None}, "secret")):
        if method == "POST" and name == "null secret":
            continue  # null on create means "generate one"
        add(method, route, name, 422, body={**(_WH if method == "POST" else {}), **change}, fields=(f,))
add("POST", WEBHOOKS, "auditor", 403, body=_WH, who="aud_a")
add("POST", WEBHOOKS, "role user", 403, body=_WH, who="usr_a")
add("POST", WEBHOOKS, "another tenant as tenant admin", 404, body=_WH, at={"tenant_id": "tb"}, who="adm_a")
add("POST", WEBHOOKS, "unknown tenant", 404, body=_WH, at={"tenant_id": str(MISSING)})
add("POST", WEBHOOKS, "no token", 401, body=_WH, who="anon")
list_cases(WEBHOOKS)
add("GET", WEBHOOKS, "unknown tenant", 404, at={"tenant_id": str(MISSING)})
add("GET", WEBHOOKS, "non-UUID tenant", 404, at={"tenant_id": "garbage"})
add("GET", WEBHOOKS, "another tenant as tenant admin", 404, at={"tenant_id": "tb"}, who="adm_a")
add("GET", WEBHOOKS, "role user", 403, who="usr_a")
add("GET", WEBHOOKS, "no token", 401, who="anon")
for method, body in (("GET", NO_BODY), ("PATCH", {"name": "x"}), ("DELETE", NO_BODY)):
    not_found_cases(method, WEBHOOK, body, cross={"obj_id": "wh_b"})
    add(method, WEBHOOK, "an extension id", 404, body=body, at={"obj_id": "ext_a"})
    add(method, WEBHOOK, "another tenant as tenant admin", 404, body=body, at={"tenant_id": "tb", "obj_id": "wh_b"}, who="adm_a")
    add(method, WEBHOOK, "role user", 403, body=body, who="usr_a")
    add(method, WEBHOOK, "no token", 401, body=body, who="anon")
for method, body in (("PATCH", {"name": "x"}), ("DELETE", NO_BODY)):
    add(method, WEBHOOK, "auditor", 403, body=body, who="aud_a")
if_match_cases("PATCH", WEBHOOK, {"name": "Stale"})
if_match_cases("DELETE", WEBHOOK)
not_found_cases("GET", WH_DELIVERIES, cross={"obj_id": "wh_b"})
add("GET", WH_DELIVERIES, "an extension id", 404, at={"obj_id": "ext_a"})
add("GET", WH_DELIVERIES, "another tenant as tenant admin", 404, at={"tenant_id": "tb", "obj_id": "wh_b"}, who="adm_a")
add("GET", WH_DELIVERIES, "role user", 403, who="usr_a")
add("GET", WH_DELIVERIES, "no token", 401, who="anon")
for name, params, f in (("limit 0", {"limit": 0}, "limit"), ("limit 501", {"limit": 501}, "limit"),
                        ("limit not a number", {"limit": "ten"}, "limit"), ("negative offset", {"offset": -1}, "offset"),
                        ("offset beyond bigint", {"offset": 2**63}, "offset"), ("unknown status", {"status": "lost"}, "status"),
                        ("NUL in status", {"status": "failed\x00"}, "status")):
    add("GET", WH_DELIVERIES, name, 422, params=params, fields=(f,))

# --- voicemail greetings, deleting messages, the greeting code (issue 4: api/voicemail.py) -- keep this block separate ---
VM_GREETINGS = "/api/tenants/{tenant_id}/voicemail-boxes/{obj_id}/greetings"
VM_GREETING = "/api/tenants/{tenant_id}/voicemail-boxes/{obj_id}/greetings/{kind}"
_MP3 = {"Content-Type": "audio/mpeg"}
for method, route, extra, body in (("DELETE", VM_MESSAGE, {"msg_id": "1700000000-1"}, {}),
                                   ("GET", VM_GREETINGS, {}, {}), ("GET", VM_GREETING, {"kind": "unavailable"}, {}),
                                   ("PUT", VM_GREETING, {"kind": "unavailable"}, {"raw": b"ID3", "headers": _MP3}),
                                   ("DELETE", VM_GREETING, {"kind": "busy"}, {})):
    add(method, route, "unknown box", 404, at={"obj_id": str(MISSING), **extra}, **body)
    add(method, route, "non-UUID box", 404, at={"obj_id": "INBOX", **extra}, **body)
    add(method, route, "an extension id", 404, at={"obj_id": "ext_a", **extra}, **body)
    add(method, route, "another tenant's path", 404, at={"tenant_id": "tb", "obj_id": "vm_a", **extra}, **body)
    add(method, route, "another tenant as tenant admin", 404, at={"tenant_id": "tb", "obj_id": "vm_a", **extra}, who="adm_a", **body)
    add(method, route, "role user, not the owner", 403, at={"obj_id": "vm_a", **extra}, who="usr_a", **body)
    add(method, route, "no token", 401, at={"obj_id": "vm_a", **extra}, who="anon", **body)
    if method != "GET":
        add(method, route, "auditor", 403, at={"obj_id": "vm_a", **extra}, who="aud_a", **body)
for method in ("GET", "PUT", "DELETE"):
    body = {"raw": b"ID3", "headers": _MP3} if method == "PUT" else {}
    for name, kind in (("unknown greeting kind", "welcome"), ("oversize kind", "u" * 30), ("Asterisk's file name", "unavail"),
                       ("path in kind", "..%2Funavail")):
        add(method, VM_GREETING, name, 404 if "%2F" in kind else 422, at={"obj_id": "vm_a", "kind": kind},
            fields=() if "%2F" in kind else ("kind",), **body)
add("GET", VM_GREETING, "no such greeting", 404, at={"obj_id": "vm_a", "kind": "temporary"})
add("DELETE", VM_GREETING, "no such greeting", 404, at={"obj_id": "vm_a", "kind": "name"})
add("DELETE", VM_MESSAGE, "no such message", 404, at={"obj_id": "vm_a", "msg_id": "1700000000-1"})
add("DELETE", VM_MESSAGE, "malformed message id", 422, at={"obj_id": "vm_a", "msg_id": "msg0001"}, fields=("msg_id",))
add("DELETE", VM_MESSAGE, "path traversal in message id", 404, at={"obj_id": "vm_a", "msg_id": "..%2F..%2Fetc%2Fpasswd"})
add("PUT", VM_GREETING, "not audio", 422, raw=b"hello" * 20, headers=_MP3, at={"obj_id": "vm_a", "kind": "busy"}, fields=("file",))
add("PUT", VM_GREETING, "empty upload", 422, raw=b"", headers=_MP3, at={"obj_id": "vm_a", "kind": "busy"}, fields=("file",))
add("PUT", VM_GREETING, "multipart without a file part", 422, raw=b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n",
    headers={"Content-Type": "multipart/form-data; boundary=b"}, at={"obj_id": "vm_a", "kind": "busy"}, fields=("file",))
add("PUT", VM_GREETING, "more than 10 MB", 413, raw=bytes(12 * 1024 * 1024), headers=_MP3, at={"obj_id": "vm_a", "kind": "busy"})
for name, code in (("a number", "555"), ("a voicemail code", "*98"), ("letters", "*9a"), ("too long", "*" * 9), ("empty", ""),
                   ("the pickup code", "*8"), ("newline", "*96\n")):
    add("PATCH", TENANT, f"voicemail_greeting_code {name}", 422, body={"voicemail_greeting_code": code}, fields=("voicemail_greeting_code",))
add("PATCH", TENANT, "voicemail_greeting_code not a string", 422, body={"voicemail_greeting_code": 96}, fields=("voicemail_greeting_code",))
add("PATCH", TENANT, "pickup_code onto the greeting code", 422, body={"pickup_code": "*96"}, fields=("pickup_code",))
add("POST", TENANTS, "voicemail_greeting_code a number", 422, body={**TENANT_BODY, "voicemail_greeting_code": "96"},
    fields=("voicemail_greeting_code",))
add("POST", TENANTS, "pickup_code onto the default greeting code", 422, body={**TENANT_BODY, "pickup_code": "*96"},
    fields=("voicemail_greeting_code",))
add("PATCH", TENANT, "voicemail_greeting_code with a stale If-Match", 409, body={"voicemail_greeting_code": "*55"}, stale=True,
    detail="version")


# --- call control (F-CAL-4/5: pbxflow.calls.control_api) -- owned by the call-control work; keep separate ---
ORIGINATE = "/api/tenants/{tenant_id}/calls/originate"
HANGUP, SPY = "/api/tenants/{tenant_id}/active-calls/{call_id}/hangup", "/api/tenants/{tenant_id}/active-calls/{call_id}/spy"
_ORIG = {"from": "201", "to": "202"}
body_cases("POST", ORIGINATE, _ORIG, required=("to",), wrong_types={"to": 202, "from": 201, "extension_id": 5},
           strings=("to", "from"), names=("to",))
for name, body, f in (("neither extension nor from", {"to": "202"}, "extension_id"),
                      ("both extension and from", {"extension_id": str(MISSING), "from": "201", "to": "202"}, "extension_id"),
                      ("to with letters", {"from": "201", "to": "20a"}, "to"), ("to only a plus", {"from": "201", "to": "+"}, "to"),
                      ("empty to", {"from": "201", "to": ""}, "to"), ("to with a star", {"from": "201", "to": "*97"}, "to"),
                      ("to in another context", {"from": "201", "to": "202@t-x-internal"}, "to"),
                      ("from with letters", {"from": "2o1", "to": "202"}, "from"),
                      ("oversize extension id", {"extension_id": "x" * 37, "to": "202"}, "extension_id"),
                      ("calls itself", {"from": "201", "to": "+201"}, "to")):
    add("POST", ORIGINATE, name, 422, body=body, fields=(f,))
for name, body in (("unknown extension number", {"from": "299", "to": "202"}),
                   ("unknown extension id", {"extension_id": str(MISSING), "to": "202"}),
                   ("non-UUID extension id", {"extension_id": "not-a-uuid", "to": "202"}),
                   ("another tenant's extension", lambda w: {"extension_id": w.ids["ext_b"], "to": "202"})):
    add("POST", ORIGINATE, name, 404, body=body, detail="extension")
add("POST", ORIGINATE, "role user, not the extension's owner", 403, body=_ORIG, who="usr_a")
add("POST", ORIGINATE, "role auditor", 403, body=_ORIG, who="aud_a")
_SPY = {"mode": "listen", "extension_id": str(MISSING)}
body_cases("POST", SPY, _SPY, required=("mode", "extension_id"), wrong_types={"mode": 1, "extension_id": []}, at=_CALL)
for name, body, f in (("unknown mode", {**_SPY, "mode": "shout"}, "mode"), ("mode in capitals", {**_SPY, "mode": "LISTEN"}, "mode"),
                      ("oversize extension id", {**_SPY, "extension_id": "x" * 37}, "extension_id")):
    add("POST", SPY, name, 422, body=body, fields=(f,), at=_CALL)
add("POST", SPY, "unknown extension", 404, body=_SPY, at=_CALL, detail="extension")
add("POST", SPY, "another tenant's extension", 404, body=lambda w: {"mode": "barge", "extension_id": w.ids["ext_b"]}, at=_CALL,
    detail="extension")
add("POST", SPY, "unknown call", 404, body=lambda w: {"mode": "whisper", "extension_id": w.ids["ext_a"]}, at=_CALL, detail="call")
add("POST", SPY, "non-UUID call", 404, body=lambda w: {"mode": "listen", "extension_id": w.ids["ext_a"]},
    at={"call_id": "not-a-uuid"}, detail="call")
add("POST", HANGUP, "unknown call", 404, at=_CALL, detail="call")
add("POST", HANGUP, "non-UUID call", 404, at={"call_id": "not-a-uuid"}, detail="call")
add("POST", HANGUP, "SQL-ish call id", 404, at={"call_id": "1' OR '1'='1"})
for route, body, at in ((ORIGINATE, _ORIG, {}), (HANGUP, NO_BODY, _CALL), (SPY, _SPY, _CALL)):
    add("POST", route, "unknown tenant", 404, body=body, at={**at, "tenant_id": str(MISSING)})
    add("POST", route, "non-UUID tenant", 404, body=body, at={**at, "tenant_id": "garbage"})
    add("POST", route, "another tenant as tenant admin", 404, body=body, at={**at, "tenant_id": "tb"}, who="adm_a")
    add("POST", route, "no token", 401, body=body, at=at, who="anon")
for route, body in ((HANGUP, NO_BODY), (SPY, _SPY)):
    add("POST", route, "role user", 403, body=body, at=_CALL, who="usr_a")
    add("POST", route, "role auditor", 403, body=body, at=_CALL, who="aud_a")

# --- the SIP server address (api/sip_server.py) -- keep this block separate ---------------------------
add("GET", "/api/sip-server", "no token", 401, who="anon")
add("GET", "/api/sip-server", "query parameters are ignored, not an error", 200, params={"host": "evil.example"}, who="adm_a")

# --- reports, part A (F-REP-1..4: pbxflow.reports.api) -- keep this block separate ----------------------
REPORT_CALLS, REPORT_DASHBOARD = "/api/tenants/{tenant_id}/reports/calls", "/api/tenants/{tenant_id}/reports/dashboard"
REPORT_ARCHIVES = "/api/tenants/{tenant_id}/reports/archives"
REPORT_ARCHIVE, REPORT_ARCHIVE_ZIP = f"{REPORT_ARCHIVES}/{{archive_id}}", f"{REPORT_ARCHIVES}/{{archive_id}}/download"
_ARCH = {"archive_id": str(MISSING)}
_PERIOD_CASES = (("unknown preset", {"preset": "week"}, "preset"), ("preset in capitals", {"preset": "TODAY"}, "preset"),
                 ("from not a date", {"from": "yesterday"}, "from"), ("to not a date", {"to": "2026-02-30"}, "to"),
                 ("to before from", {"preset": "custom", "from": "2026-02-02", "to": "2026-02-01"}, "to"),
                 ("custom without from", {"preset": "custom"}, "from"),
                 ("from with a preset", {"preset": "7d", "from": "2026-02-01"}, "from"),
                 ("more than 400 days", {"from": "2024-01-01", "to": "2026-01-01"}, "to"))
for name, params, f in (*_PERIOD_CASES, ("limit 0", {"limit": 0}, "limit"), ("limit 501", {"limit": 501}, "limit"),
                        ("negative offset", {"offset": -1}, "offset"), ("unknown direction", {"direction": "sideways"}, "direction"),
                        ("unknown result", {"result": "lost"}, "result"), ("line with letters", {"line": "+7495abc"}, "line"),
                        ("oversize line", {"line": "1" * 40}, "line"), ("user with letters", {"user": "20a"}, "user"),
                        ("group with a star", {"group": "*5"}, "group"), ("oversize q", {"q": "x" * 65}, "q"),
                        ("NUL in q", {"q": "a\x00"}, "q"), ("newline in q", {"q": "a\nb"}, "q"),
                        ("unknown sort", {"sort": "password"}, "sort"), ("SQL in sort", {"sort": "started_at; DROP TABLE x"}, "sort"),
                        ("unknown format", {"format": "pdf"}, "format")):
    add("GET", REPORT_CALLS, name, 422, params=params, fields=(f,))
for name, params, f in (*_PERIOD_CASES, ("unknown step", {"step": "5min"}, "step")):
    add("GET", REPORT_DASHBOARD, name, 422, params=params, fields=(f,))
body_cases("POST", REPORT_ARCHIVES, {"from": "2026-01-01", "to": "2026-01-31"}, required=("from", "to"),
           wrong_types={"from": 20260101, "to": "someday"})
add("POST", REPORT_ARCHIVES, "to before from", 422, body={"from": "2026-02-02", "to": "2026-02-01"}, fields=("to",))
add("POST", REPORT_ARCHIVES, "more than 400 days", 422, body={"from": "2024-01-01", "to": "2026-01-01"}, fields=("to",))
add("POST", REPORT_ARCHIVES, "a time, not a date", 422, body={"from": "2026-01-01T00:00:00Z", "to": "2026-01-02"}, fields=("from",))
add("POST", REPORT_ARCHIVES, "role user", 403, body={"from": "2026-01-01", "to": "2026-01-02"}, who="usr_a")
for method, route, at, body in (("GET", REPORT_CALLS, {}, NO_BODY), ("GET", REPORT_DASHBOARD, {}, NO_BODY),
                                ("POST", REPORT_ARCHIVES, {}, {"from": "2026-01-01", "to": "2026-01-02"}),
                                ("GET", REPORT_ARCHIVE, _ARCH, NO_BODY), ("GET", REPORT_ARCHIVE_ZIP, _ARCH, NO_BODY)):
    add(method, route, "unknown tenant", 404, body=body, at={**at, "tenant_id": str(MISSING)})
    add(method, route, "non-UUID tenant", 404, body=body, at={**at, "tenant_id": "garbage"})
    add(method, route, "another tenant as tenant admin", 404, body=body, at={**at, "tenant_id": "tb"}, who="adm_a")
    add(method, route, "another tenant as a user", 404, body=body, at={**at, "tenant_id": "tb"}, who="usr_a")
    add(method, route, "no token", 401, body=body, at=at, who="anon")
for route in (REPORT_DASHBOARD, REPORT_ARCHIVE, REPORT_ARCHIVE_ZIP):
    add("GET", route, "role user", 403, at=_ARCH if route != REPORT_DASHBOARD else {}, who="usr_a")
for route in (REPORT_ARCHIVE, REPORT_ARCHIVE_ZIP):
    add("GET", route, "unknown archive", 404, at=_ARCH, detail="archive")
    add("GET", route, "non-UUID archive", 404, at={"archive_id": "not-a-uuid"}, detail="archive")
    add("GET", route, "path traversal as archive id", 404, at={"archive_id": "..%2F..%2Fetc%2Fpasswd"})


# --- reports, part B (F-REP-2..4: pbxflow.reports.cc_api) -- keep this block separate ----------------------
CC_OPERATORS, CC_GROUP_OPERATORS = "/api/tenants/{tenant_id}/reports/operators", "/api/tenants/{tenant_id}/reports/groups/{group_id}/operators"
CC_CHRONOLOGY, CC_COMPARISON = "/api/tenants/{tenant_id}/reports/groups/chronology", "/api/tenants/{tenant_id}/reports/groups/comparison"
CC_QUEUE_CALLS, CC_OCCUPANCY = "/api/tenants/{tenant_id}/reports/queue-calls", "/api/tenants/{tenant_id}/reports/line-occupancy"
CC_STATES, CC_FORECAST = "/api/tenants/{tenant_id}/reports/operator-states", "/api/tenants/{tenant_id}/reports/forecast"
_GROUP = {"group_id": str(MISSING)}
_CC_ROUTES = ((CC_OPERATORS, {}, {"operator": "201"}), (CC_GROUP_OPERATORS, _GROUP, {}), (CC_CHRONOLOGY, {}, {}),
              (CC_COMPARISON, {}, {}), (CC_QUEUE_CALLS, {}, {}), (CC_OCCUPANCY, {}, {}), (CC_STATES, {}, {}),
              (CC_FORECAST, {}, {"arrival_per_hour": 10, "aht_seconds": 60}))
for route, at, ok in _CC_ROUTES:
    if route != CC_GROUP_OPERATORS:
        for name, params, f in (*_PERIOD_CASES, ("unknown format", {"format": "pdf"}, "format")):
            add("GET", route, name, 422, params={**ok, **params}, fields=(f,))
    add("GET", route, "unknown tenant", 404, at={**at, "tenant_id": str(MISSING)}, params=ok)
    add("GET", route, "non-UUID tenant", 404, at={**at, "tenant_id": "garbage"}, params=ok)
    add("GET", route, "another tenant as tenant admin", 404, at={**at, "tenant_id": "tb"}, who="adm_a", params=ok)
    add("GET", route, "role user", 403, at=at, who="usr_a", params=ok)
    add("GET", route, "no token", 401, at=at, who="anon", params=ok)
for route in (CC_OPERATORS, CC_QUEUE_CALLS, CC_STATES):
    for name, value in (("operator with letters", "20a"), ("oversize operator", "1" * 21), ("SQL in operator", "1' OR '1'='1")):
        add("GET", route, name, 422, params={"operator": value}, fields=("operator",))
    add("GET", route, "group not a UUID", 422, params={"operator": "201", "group": "support"}, fields=("group",))
    add("GET", route, "group of nobody", 422, params={"operator": "201", "group": str(MISSING)}, fields=("group",))
add("GET", CC_OPERATORS, "operator missing", 422, fields=("operator",))
add("GET", CC_OPERATORS, "the summary, for a tenant admin", 200, params={"operator": "201"}, who="adm_a")
add("GET", CC_GROUP_OPERATORS, "unknown group", 404, at=_GROUP, detail="group")
add("GET", CC_GROUP_OPERATORS, "non-UUID group", 404, at={"group_id": "not-a-uuid"}, detail="group")
add("GET", CC_GROUP_OPERATORS, "unknown format", 422, at=_GROUP, params={"format": "pdf"}, fields=("format",))
for name, params, f in (("unknown parameter", {"parameter": "calls; DROP"}, "parameter"), ("interval 5", {"interval": "5"}, "interval"),
                        ("interval hour", {"interval": "hour"}, "interval"), ("qos 0", {"qos_seconds": 0}, "qos_seconds"),
                        ("group of nobody", {"group": str(MISSING)}, "group"), ("group not a UUID", {"group": "x"}, "group")):
    add("GET", CC_CHRONOLOGY, name, 422, params=params, fields=(f,))
for name, params, f in (("qos 0", {"qos_seconds": 0}, "qos_seconds"), ("qos over an hour", {"qos_seconds": 3601}, "qos_seconds"),
                        ("qos not a number", {"qos_seconds": "soon"}, "qos_seconds"), ("group of nobody", {"group": str(MISSING)}, "group")):
    add("GET", CC_COMPARISON, name, 422, params=params, fields=(f,))
for name, params, f in (("interval 45", {"interval": "45"}, "interval"), ("line with letters", {"line": "+7495abc"}, "line"),
                        ("oversize line", {"line": "1" * 40}, "line")):
    add("GET", CC_OCCUPANCY, name, 422, params=params, fields=(f,))
add("GET", CC_QUEUE_CALLS, "number with letters", 422, params={"number": "7abc"}, fields=("number",))
for name, params, f in (("no group and no load", {}, "group"), ("group of nobody", {"group": str(MISSING)}, "group"),
                        ("target 0", {"group": str(MISSING), "target_seconds": 0}, "target_seconds"),
                        ("max_operators 0", {"arrival_per_hour": 10, "aht_seconds": 60, "max_operators": 0}, "max_operators"),
                        ("max_operators 501", {"arrival_per_hour": 10, "aht_seconds": 60, "max_operators": 501}, "max_operators"),
                        ("negative arrivals", {"arrival_per_hour": -1, "aht_seconds": 60}, "arrival_per_hour"),
                        ("zero AHT", {"arrival_per_hour": 10, "aht_seconds": 0}, "aht_seconds"),
                        ("AHT not a number", {"arrival_per_hour": 10, "aht_seconds": "nan"}, "aht_seconds")):
    add("GET", CC_FORECAST, name, 422, params=params, fields=(f,))
add("GET", CC_FORECAST, "explicit load, a tenant admin", 200, params={"arrival_per_hour": 10, "aht_seconds": 60}, who="adm_a")

# --- the tests ---------------------------------------------------------------------------------

def assert_problem(response, status: int, fields: tuple[str, ...] = (), detail: str = "") -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM, response.headers
    problem = response.json()
    assert problem["status"] == status, problem
    assert isinstance(problem["title"], str) and problem["title"], problem
    assert isinstance(problem["detail"], str) and problem["detail"], problem
    if status == 422:
        assert problem.get("fields"), f"a validation problem must name the offending fields: {problem}"
    for name in fields:
        assert name in problem.get("fields", []), f"{name!r} not named in {problem}"
    if detail:
        assert detail.lower() in problem["detail"].lower(), problem
    return problem


def send(w: World, case: Case, headers: dict | None = None):
    body = case.body(w) if callable(case.body) else case.body
    return w.request(case.method, case.path(w), who=case.who, body=body, raw=case.raw, params=case.params,
                     headers={**(case.headers or {}), **(headers or {})})


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_request_is_a_problem_and_changes_nothing(world, case):
    params = {k: world.ids.get(v, v) for k, v in (case.params or {}).items()}
    case = Case(**{**case.__dict__, "params": params or None})
    headers = {}
    version = None
    if case.stale:
        current = world.request("GET", case.path(world))
        assert current.status_code == 200, current.text
        version = current.json()["version"]
        assert version >= 2
        headers["If-Match"] = str(version - 1)
    before = world.snapshot()
    response = send(world, case, headers)
    if case.status < 400:
        assert response.status_code == case.status, response.text
    else:
        problem = assert_problem(response, case.status, case.fields, case.detail)
        if case.stale:
            assert problem["current_version"] == version, problem
    assert world.snapshot() == before, "a rejected request changed stored data"


def api_routes(app) -> set[tuple[str, str]]:
    """(method, path template) of every API route the app serves, in OpenAPI spelling."""
    out = set()
    for route in app.routes:
        path = re.sub(r"{(\w+):[^}]+}", r"{\1}", route.path)
        if not path.startswith("/api/") or path.startswith("/api/schema"):
            continue
        for method in getattr(route, "methods", ()):
            if method not in ("OPTIONS", "HEAD"):
                out.add((method, path))
    return out


def test_every_route_has_cases(world):
    served = api_routes(world.client.app)
    schema = world.request("GET", "/api/schema/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops if m.upper() not in ("OPTIONS", "HEAD")}
    assert documented <= served, documented - served
    covered = {(c.method, c.route) for c in CASES}
    assert not covered - served, f"cases for routes that do not exist: {sorted(covered - served)}"
    missing = sorted(served - covered)
    assert not missing, f"routes without bad-input cases in tests/test_api_validation.py: {missing}"
    rejecting = {(c.method, c.route) for c in CASES if c.status >= 400}
    assert not (served - NO_INPUT) - rejecting, sorted((served - NO_INPUT) - rejecting)


def test_problem_for_unknown_api_route_and_method(world):
    assert_problem(world.request("GET", "/api/no-such-thing"), 404)
    assert_problem(world.request("PUT", f"/api/tenants/{world.ids['ta']}", body={"name": "x"}), 405)
    assert_problem(world.request("POST", TENANTS, raw=b"{" * 2_000_000), 413)


def test_rejected_values_were_never_stored(world):
    """Nothing the table rejected slipped in: no stored string has a line break or control character."""
    snap = world.snapshot()

    def strings(value, path=""):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from strings(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from strings(v, f"{path}[{i}]")
        elif isinstance(value, str):
            yield path, value

    for path, value in strings({k: v for k, v in snap.items() if isinstance(v, dict)}):
        if path.endswith(".description"):
            continue  # free text may hold line breaks
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", value), (path, value)


# --- fuzzing the create and update routes ---------------------------------------------------

json_leaf = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
             | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                          max_leaves=12)
FIELD_NAMES = ("name", "number", "login", "password", "role", "timezone", "devices", "type", "host", "username", "code",
               "description", "email", "trunk_id", "owner_user_id", "numbering", "limits", "forward", "allowed_networks")


@st.composite
def mutated(draw, template: Callable[[Any], dict]) -> Any:
    """Mostly-valid bodies: a valid template with fields dropped, replaced and added."""
    body = draw(template)
    for key in list(body):
        action = draw(st.sampled_from(("keep", "keep", "keep", "drop", "replace")))
        if action == "drop":
            del body[key]
        elif action == "replace":
            body[key] = draw(json_value)
    body.update(draw(st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=10), json_value, max_size=2)))
    return body


texts = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=110) | st.text(min_size=1, max_size=110)
passwords = st.text(min_size=8, max_size=20) | st.text(max_size=8)
digits = st.integers(min_value=200, max_value=99999).map(str)
logins = st.from_regex(r"[a-z][a-z0-9._-]{2,20}", fullmatch=True)
devices = st.lists(st.fixed_dictionaries({"type": st.sampled_from(["sip", "sip", "external"]),
                                          "number": st.sampled_from(["+74951112233", "8 (916) 123-45-67", "x"])},
                                         optional={"allowed_networks": st.lists(st.sampled_from(["10.0.0.0/8", "::1/128", "300.1.1.1"]), max_size=2),
                                                   "forward": st.fixed_dictionaries({"mode": st.sampled_from(["none", "busy", "later"])},
                                                                                    optional={"target": st.sampled_from(["+74951112233", ""])}),
                                                   "ring_time": st.integers(0, 700)}).map(
                       lambda d: d if d["type"] == "external" else {k: v for k, v in d.items() if k != "number"}),
                   min_size=1, max_size=5)
phones = st.integers(min_value=10**9, max_value=10**11).map(lambda n: f"+7{n}")
CREATE_ROUTES = {
    TENANTS: st.fixed_dictionaries({"name": texts}, optional={"timezone": st.sampled_from(["Europe/Moscow", "UTC", "Mars/Base", ""]),
                                                               "billing_account": texts, "email": st.sampled_from(["a@b.cd", "x"]),
                                                               "numbering": st.fixed_dictionaries({"min_digits": st.integers(0, 9)})}),
    USERS: st.fixed_dictionaries({"login": logins, "name": texts, "password": passwords},
                                 optional={"role": st.sampled_from(["user", "auditor", "tenant_admin", "operator", "boss"])}),
    EXTS: st.fixed_dictionaries({"number": digits, "name": texts, "devices": devices}),
    T_NUMBERS: st.fixed_dictionaries({"number": st.sampled_from(["+74950000003", "+74950000002", "+7 495 000 00 03", "+1"])}),
    POOL: st.fixed_dictionaries({"number": phones}, optional={"description": texts}),
    TRUNKS: st.fixed_dictionaries({"name": texts, "host": st.from_regex(r"[a-z0-9.-]{1,30}", fullmatch=True), "username": logins,
                                   "password": st.text(min_size=1, max_size=20)}, optional={"port": st.integers(-1, 70000)}),
    OPERATORS: st.fixed_dictionaries({"login": logins, "name": texts, "password": passwords,
                                      "role": st.sampled_from(["operator", "operator", "user"])}),
}
UPDATE_ROUTES = {TENANT: CREATE_ROUTES[TENANTS], USER: CREATE_ROUTES[USERS], EXT: CREATE_ROUTES[EXTS],
                 POOL_ITEM: st.fixed_dictionaries({}, optional={"description": texts}), TRUNK: CREATE_ROUTES[TRUNKS],
                 OPERATOR: CREATE_ROUTES[OPERATORS]}
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def fuzz_once(w: World, method: str, route: str, body: Any) -> None:
    path = Case(method, route, "fuzz", 0).path(w)
    audit_before = w.request("GET", AUDIT, params={"limit": 1}).json()["total"]
    head_before = w.runtime.app.recorder.max_notification_id()
    response = w.request(method, path, body=body)
    event(f"{method} {response.status_code}")
    assert response.status_code < 500, response.text
    if response.status_code in (200, 201):
        stored = response.json()
        for key in ("name", "number", "login", "host", "username", "timezone", "billing_account", "email"):
            assert not CONTROL.search(str(stored.get(key, ""))), (key, stored.get(key))
        return
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM
    problem = response.json()
    assert problem["status"] == response.status_code and problem["title"] and problem["detail"]
    if response.status_code == 422:
        assert problem["fields"], problem
    assert w.request("GET", AUDIT, params={"limit": 1}).json()["total"] == audit_before
    assert w.runtime.app.recorder.max_notification_id() == head_before


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("route", list(CREATE_ROUTES))
@FUZZ
@given(data=st.data())
def test_fuzzed_create_is_201_or_a_problem(fuzz_world, route, data):
    body = data.draw(json_value | mutated(CREATE_ROUTES[route]), label="body")
    fuzz_once(fuzz_world, "POST", route, body)


@pytest.mark.parametrize("route", list(UPDATE_ROUTES))
@FUZZ
@given(data=st.data())
def test_fuzzed_update_is_200_or_a_problem(fuzz_world, route, data):
    body = data.draw(json_value | mutated(UPDATE_ROUTES[route]), label="body")
    fuzz_once(fuzz_world, "PATCH", route, body)


# Routing schemes: editing commands, draft replacement and simulation take free-form JSON.
node_ids = st.sampled_from(["in", "bye", "n9", "X", "", "a" * 30])
ports_ = st.sampled_from(["next", "key:1", "key:x", "overflow", "no_answer", ""])
positions = st.fixed_dictionaries({}, optional={"x": st.floats(allow_nan=False, allow_infinity=False) | st.integers(), "y": json_leaf})
scheme_params = json_value | st.fixed_dictionaries({}, optional={
    "ring_time": st.integers(-5, 400), "numbers": st.lists(st.sampled_from(["+74950000001", "+74950000002", "201", "x", "2\n"]), max_size=3),
    "extension_id": st.sampled_from([str(MISSING), "nope", None]), "text": texts, "cause": st.sampled_from(["busy", "loud"])})
node_types = st.sampled_from(["entry", "dial", "ivr", "hangup", "set_name", "group", "teleport"])
graph_nodes = st.fixed_dictionaries({"type": node_types}, optional={"id": node_ids, "params": scheme_params, "position": positions})
graph_edges = st.fixed_dictionaries({"from": node_ids, "port": ports_, "to": node_ids})
SCHEME_FUZZ = {
    ("POST", S_COMMANDS): st.fixed_dictionaries({"op": st.just("add_node"), "node": graph_nodes})
    | st.fixed_dictionaries({"op": st.sampled_from(["move_node", "remove_node", "set_params", "connect", "disconnect", "explode"])},
                            optional={"id": node_ids, "from": node_ids, "to": node_ids, "port": ports_, "params": scheme_params,
                                      "position": positions}),
    ("PUT", S_DRAFT): st.fixed_dictionaries({}, optional={"nodes": st.lists(graph_nodes, max_size=4), "edges": st.lists(graph_edges, max_size=4)}),
    ("POST", SCHEMES): st.fixed_dictionaries({"name": texts}, optional={"graph": st.fixed_dictionaries(
        {}, optional={"nodes": st.lists(graph_nodes, max_size=4), "edges": st.lists(graph_edges, max_size=4)})}),
    ("POST", S_SIMULATE): st.fixed_dictionaries({"number": st.sampled_from(["+74950000001", "201", "x", ""])}, optional={
        "caller": st.sampled_from(["+74951234567", "", "abc"]), "at": st.sampled_from(["2026-11-25T10:00:00+03:00", "2026-11-25T10:00:00", "x"]),
        "keys": st.lists(st.fixed_dictionaries({"key": st.sampled_from(["1", "#", "A"]), "at": json_leaf}), max_size=3) | json_value,
        "callees": st.dictionaries(st.sampled_from(["201", "+74951234567", "x", ""]), json_value | st.fixed_dictionaries(
            {}, optional={"behaviour": st.sampled_from(["answer", "busy", "sleep"]), "after": json_leaf}), max_size=2),
        "revision": st.sampled_from([1, 2, 0, -1, 10**20, "published", "draft", "x", None, True, 1.5])}),
}


@pytest.mark.parametrize("method, route", list(SCHEME_FUZZ))
@FUZZ
@given(data=st.data())
def test_fuzzed_scheme_routes_are_2xx_or_a_problem(fuzz_world, method, route, data):
    body = data.draw(json_value | mutated(SCHEME_FUZZ[(method, route)]), label="body")
    fuzz_once(fuzz_world, method, route, body)
