"""PJSIP realtime rows: the same meaning as the static files, and no value can change their structure."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from projections.asterisk import escape, realtime
from projections.asterisk.parse import parse
from projections.asterisk.render import TenantConfig, render_tenant

BASE_PJSIP = Path(__file__).resolve().parents[1] / "asterisk" / "base" / "pjsip.conf"

codes = st.from_regex(r"[a-z][a-z0-9]{2,11}", fullmatch=True)
numbers = st.from_regex(r"[2-9][0-9]{2,4}", fullmatch=True)
secrets_ = st.from_regex(r"[A-Za-z0-9_-]{12,24}", fullmatch=True)
# Characters that mean something to a config file, to res_config_pgsql (";", "^XX") or to
# the caller-id parser ('"', "<", ">").
nasty = st.text(alphabet=st.sampled_from(list('ab ;[]()"\\<>,|$={}^3B5E#&\'') + ["Ж", "\t"]), min_size=0, max_size=30)
networks = st.lists(st.sampled_from(["10.0.0.0/8", "192.0.2.0/24", "127.0.0.1/32", "2001:db8::/32"]), max_size=3, unique=True)


def _device(username, password, *, nat=True, nets=(), enabled=True, kind="sip"):
    d = {"id": username, "type": kind, "ring_time": 20, "enabled": enabled, "forward": {"mode": "none", "target": None}}
    if kind == "sip":
        d.update(username=username, password=password, allowed_networks=list(nets), nat=nat)
    else:
        d["number"] = "+79160000000"
    return d


@st.composite
def tenants(draw, name=st.text(max_size=20)):
    code = draw(codes)
    exts, boxes = [], []
    for n in draw(st.lists(numbers, max_size=5, unique=True)):
        devs = [_device(f"{code}-{n}-{i}", draw(secrets_), nat=draw(st.booleans()), nets=draw(networks),
                        enabled=draw(st.booleans()) or i == 0)
                for i in range(draw(st.integers(1, 3)))]
        if draw(st.booleans()):
            devs.append(_device(f"x{n}", None, kind="external"))
        exts.append({"id": f"ext-{n}", "number": n, "name": draw(name), "devices": devs})
        if draw(st.booleans()):  # a voicemail box: MWI mailboxes and PBXFLOW_VMBOX on the endpoints
            boxes.append({"id": f"box-{n}", "name": "B", "mailbox": n, "pin": "1234", "owner_type": "extension",
                          "owner_id": f"ext-{n}", "enabled": draw(st.booleans())})
    # the other component settings of an endpoint: a named pickup group, the default music on hold
    members = draw(st.lists(st.sampled_from([e["id"] for e in exts]), unique=True)) if exts else []
    pickup = [{"id": "0f0e0d0c-0000-4000-8000-000000000001", "name": "P", "members": members}] if members else []
    media = [{"id": "m1", "name": "M", "moh_class": "default"}] if draw(st.booleans()) else []
    return TenantConfig(id=code, code=code, name="T", extensions=exts, voicemail_boxes=boxes, pickup_groups=pickup, media=media)


# --- how Asterisk reads each side ---------------------------------------------------------

def decode_column(value: str | None) -> list[str]:
    """res_config_pgsql: split at ';', strip each piece, decode ^XX, drop empty pieces."""
    if value is None:
        return []
    out = []
    for piece in value.split(";"):
        piece = re.sub(r"\^([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), piece.strip())
        if piece:
            out.append(piece)
    return out


def _unescape(value: str) -> str:
    return value.replace("\\;", ";")  # Asterisk's config parser: only "\;" is an escape


def static_settings(text: str, templates: dict[str, list[tuple[str, str]]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(object id, type) -> settings in the order Asterisk applies them (template first)."""
    out = {}
    for name, tpl, items in parse(text):
        inherited = templates[tpl] if tpl else []
        settings_ = [(k, _unescape(v)) for k, v in inherited + items]
        kind = dict(settings_)["type"]
        out[(name, kind)] = [(k, v) for k, v in settings_ if k != "type"]
    return out


def realtime_settings(rows: realtime.TenantRows) -> dict[tuple[str, str], list[tuple[str, str]]]:
    out = {}
    for table, kind in realtime.KIND_OF_TABLE.items():
        for row in rows.tables[table]:
            settings_ = []
            for col, _ in realtime.COLUMNS[table]:  # the table's column order is the order of application
                if col in ("id", "tenant"):
                    continue
                settings_ += [(col, v) for v in decode_column(row[col])]
            out[(row["id"], kind)] = settings_
    return out


MULTI = {"allow", "disallow", "deny", "permit", "set_var"}


def meaning(settings_: list[tuple[str, str]]) -> dict:
    """Single-valued settings: the last one wins; list settings: order matters (codecs, ACL)."""
    single = {k: v for k, v in settings_ if k not in MULTI}
    codecs = [(k, v) for k, v in settings_ if k in ("allow", "disallow")]
    acl = [(k, v) for k, v in settings_ if k in ("deny", "permit")]
    set_var = [v for k, v in settings_ if k == "set_var"]
    return {"single": single, "codecs": codecs, "acl": acl, "set_var": set_var}


def base_templates() -> dict[str, list[tuple[str, str]]]:
    text = "\n".join(line for line in BASE_PJSIP.read_text().split("\n") if not line.startswith("#"))
    return {name: items for name, tpl, items in parse(text) if tpl == "!"}


# --- the mapping ----------------------------------------------------------------------------

def test_builtin_templates_equal_the_base_pjsip_conf():
    assert realtime.templates_from_pjsip_conf(BASE_PJSIP.read_text()) == realtime.SANDBOX_TEMPLATES


def test_templates_without_a_column_are_refused():
    text = BASE_PJSIP.read_text().replace("[pbxflow-auth](!)\n", "[pbxflow-auth](!)\nrealm = x\n")
    with pytest.raises(ValueError, match="realm"):
        realtime.templates_from_pjsip_conf(text)


@settings(max_examples=80, deadline=None)
@given(tenants())
def test_rows_mean_what_the_static_file_means(tenant):
    templates = base_templates()
    static = static_settings(render_tenant(tenant)[f"pjsip_t_{tenant.code}.conf"], templates)
    rows = realtime.tenant_rows(tenant)
    rt = realtime_settings(rows)
    assert set(rt) == set(static)
    for key in static:
        assert meaning(rt[key]) == meaning(static[key]), key
    enabled = sorted(d["username"] for e in tenant.extensions for d in e["devices"] if d["type"] == "sip" and d["enabled"])
    for table in realtime.TABLES:
        assert rows.ids(table) == enabled
        assert all(r["tenant"] == tenant.code for r in rows.tables[table])


@settings(max_examples=150, deadline=None)
@given(tenants(name=nasty), nasty)
def test_crafted_values_stay_one_value_of_one_setting(tenant, password):
    assume(any(d["type"] == "sip" and d["enabled"] for e in tenant.extensions for d in e["devices"]))
    # the domain never allows such passwords; the mapping must survive them anyway
    for e in tenant.extensions:
        for d in e["devices"]:
            if d["type"] == "sip":
                d["password"] = password
    try:
        rows = realtime.tenant_rows(tenant)
    except escape.UnsafeValue:  # refusing is safe (control characters; the domain refuses them too)
        assert escape._CONTROL.search(password)
        return
    for row in rows.tables[realtime.ENDPOINTS]:
        cid = decode_column(row["callerid"])
        assert len(cid) == 1 and re.fullmatch(r'"[^"<>\\]*" <[0-9]+>', cid[0]), cid
        assert decode_column(row["set_var"])[0] == f"PBXFLOW_TENANT={tenant.code}"
        assert all(re.fullmatch(r"PBXFLOW_VMBOX=[0-9]+", v) for v in decode_column(row["set_var"])[1:])
        for col in ("id", "auth", "aors", "context"):
            assert decode_column(row[col]) == [row[col]]
    for row in rows.tables[realtime.AUTHS]:
        assert decode_column(row["password"]) == ([password.strip()] if password.strip() else [])
        assert decode_column(row["username"]) == [row["id"]]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
def test_chunk_round_trips_through_the_pgsql_driver(text):
    stripped = text.strip()
    assume(stripped == stripped.strip(" \t"))  # Python's strip() and Asterisk's ast_strip() agree here
    assert decode_column(realtime.chunk(text)) == ([stripped] if stripped else [])
    assert ";" not in realtime.chunk(text)


def test_control_characters_are_refused():
    with pytest.raises(escape.UnsafeValue):
        realtime.chunk("a\nb")


def test_several_permits_share_one_column_in_order():
    t = TenantConfig("t", "abc", "T", [{"number": "201", "name": "A",
                                        "devices": [_device("abc-201-1", "x" * 12, nets=["10.0.0.0/8", "192.0.2.0/24"])]}])
    row = realtime.tenant_rows(t).tables[realtime.ENDPOINTS][0]
    assert row["deny"] == "0.0.0.0/0.0.0.0"
    assert decode_column(row["permit"]) == ["10.0.0.0/8", "192.0.2.0/24"]
    cols = [c for c, _ in realtime.COLUMNS[realtime.ENDPOINTS]]
    assert cols.index("deny") < cols.index("permit") and cols.index("disallow") < cols.index("allow")


# --- the writer (SQL parameters, one transaction per tenant) ----------------------------------

def _one(code: str, name: str, password: str, numbers=("201", "202")) -> TenantConfig:
    return TenantConfig(code, code, "T", [{"number": n, "name": name, "devices": [_device(f"{code}-{n}-1", password)]}
                                          for n in numbers])


def _rows(conn, table):
    cols = [c for c, _ in realtime.COLUMNS[table]]
    return {r[0]: dict(zip(cols, r)) for r in conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id")}


def test_writer_replaces_one_tenant_and_reports_changed_ids(database):
    evil = "Bob'); DROP TABLE ps_auths; -- [x] \"q\" ;^"
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        realtime.ensure_schema(conn)
        realtime.ensure_schema(conn)  # idempotent
        a = realtime.tenant_rows(_one("aaa", evil, "pw'; DELETE FROM ps_aors; --"))
        b = realtime.tenant_rows(_one("bbb", "B", "b" * 12))
        ch = realtime.replace_tenant(conn, a)
        assert ch.upserted[realtime.AUTHS] == {"aaa-201-1", "aaa-202-1"} and not any(ch.deleted.values())
        realtime.replace_tenant(conn, b)
        stored = _rows(conn, realtime.ENDPOINTS)
        assert stored["aaa-201-1"]["callerid"] == a.tables[realtime.ENDPOINTS][0]["callerid"]
        assert _rows(conn, realtime.AUTHS)["aaa-201-1"]["password"] == "pw'^3B DELETE FROM ps_aors^3B --"
        assert len(_rows(conn, realtime.AORS)) == 4

        # unchanged: nothing written
        assert not realtime.replace_tenant(conn, a)
        # one password: one auth row, nothing else
        a2 = TenantConfig("aaa", "aaa", "T", [
            {"number": "201", "name": evil, "devices": [_device("aaa-201-1", "n" * 12)]},
            {"number": "202", "name": evil, "devices": [_device("aaa-202-1", "pw'; DELETE FROM ps_aors; --")]}])
        ch = realtime.replace_tenant(conn, realtime.tenant_rows(a2))
        assert ch.upserted == {realtime.ENDPOINTS: set(), realtime.AUTHS: {"aaa-201-1"}, realtime.AORS: set()}
        # a removed extension: its three rows go; tenant bbb is untouched
        ch = realtime.replace_tenant(conn, realtime.tenant_rows(_one("aaa", evil, "n" * 12, numbers=("201",))))
        assert ch.deleted == {t: {"aaa-202-1"} for t in realtime.TABLES}
        assert sorted(_rows(conn, realtime.AUTHS)) == ["aaa-201-1", "bbb-201-1", "bbb-202-1"]
        # a row id of another tenant is never taken over
        thief = realtime.TenantRows("ccc", {t: [{**r, "tenant": "ccc"} for r in b.tables[t]] for t in realtime.TABLES})
        with pytest.raises(realtime.ForeignRow):
            realtime.replace_tenant(conn, thief)
        assert {r["tenant"] for r in _rows(conn, realtime.AUTHS).values()} == {"aaa", "bbb"}
        # deleting a tenant; sync_all makes the tables equal the given tenants
        assert realtime.delete_tenant(conn, "aaa").deleted[realtime.AUTHS] == {"aaa-201-1"}
        ch = realtime.sync_all(conn, [a])
        assert ch.upserted[realtime.AUTHS] == {"aaa-201-1", "aaa-202-1"}
        assert ch.deleted[realtime.AUTHS] == {"bbb-201-1", "bbb-202-1"}
        assert sorted(_rows(conn, realtime.ENDPOINTS)) == ["aaa-201-1", "aaa-202-1"]


def test_schema_adds_the_component_columns_to_older_tables(database):
    """Tables made before endpoints carried the component settings get the new columns, and then hold them."""
    old_endpoint_columns = [c for c in realtime.COLUMNS[realtime.ENDPOINTS]
                            if c[0] not in ("named_call_group", "named_pickup_group", "moh_suggest",
                                            "mwi_subscribe_replaces_unsolicited", "voicemail_extension")]
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE ps_endpoints (" + ", ".join(f"{n} {t}" for n, t in old_endpoint_columns) + ")")
        realtime.ensure_schema(conn)
        have = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'ps_endpoints'"
                                           " ORDER BY ordinal_position")]
        assert sorted(have) == sorted(c for c, _ in realtime.COLUMNS[realtime.ENDPOINTS])
        t = TenantConfig("aaa", "aaa", "T", [{"id": "e1", "number": "201", "name": "A", "devices": [_device("aaa-201-1", "p" * 12)]}],
                         voicemail_boxes=[{"id": "b1", "name": "A", "mailbox": "201", "pin": "1234", "owner_type": "extension",
                                           "owner_id": "e1"}],
                         pickup_groups=[{"id": "0f0e0d0c-0000-4000-8000-000000000001", "name": "P", "members": ["e1"]}])
        realtime.replace_tenant(conn, realtime.tenant_rows(t))
        row = _rows(conn, realtime.ENDPOINTS)["aaa-201-1"]
        assert (row["mailboxes"], row["named_pickup_group"], row["voicemail_extension"]) == ("201@t-aaa", "t-aaa-pg-0f0e0d0c", "*97")
        assert decode_column(row["set_var"]) == ["PBXFLOW_TENANT=aaa", "PBXFLOW_VMBOX=201"]
        assert _rows(conn, realtime.AORS)["aaa-201-1"]["mailboxes"] == "201@t-aaa"
