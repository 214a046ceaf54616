"""Tenants' SIP devices as rows of Asterisk's PJSIP realtime tables.

With realtime PJSIP (``asterisk/sandbox`` with ``PBXFLOW_PJSIP_REALTIME``, see
docs/asterisk-realtime.md) Asterisk reads tenant endpoints, auths and aors from
the tables ``ps_endpoints``, ``ps_auths`` and ``ps_aors`` (res_sorcery_realtime
over res_config_pgsql) instead of ``pjsip_t_<code>.conf``. A changed row is live
for the next SIP request: no reload. Rows carry what the components add to an
endpoint too (named pickup groups, ``PBXFLOW_VMBOX``, music on hold, MWI mailboxes).

Mapping (pure): :func:`tenant_rows` gives the rows of one tenant with the same
meaning as ``asterisk/templates/pjsip_tenant.conf.j2`` plus the
``pbxflow-endpoint``/``pbxflow-auth``/``pbxflow-aor`` templates of
``asterisk/base/pjsip.conf``. Realtime rows have no templates, so every row
carries the template's settings (:class:`Templates`; the built-in values equal
the sandbox's base pjsip.conf, :func:`templates_from_pjsip_conf` reads another).

How res_config_pgsql reads a value: it splits it at every ``;`` into several
values of the same setting (that is how one column holds several ``permit``
rules), strips blanks around each piece and decodes ``^XX`` hex escapes. So a
literal ``;`` or ``^`` is written ``^3B`` / ``^5E`` (:func:`chunk`); nothing
else is special, and SQL values always travel as query parameters.

Column order matters: Asterisk applies a row's settings in the table's column
order, so ``disallow`` precedes ``allow`` and ``deny`` precedes ``permit``
(ACL rules are evaluated in order, the last match wins).

Writer: :func:`replace_tenant` makes one tenant's rows equal the mapping in one
transaction and says which ids changed (to expire them from a sorcery memory
cache, when one is configured); :func:`sync_all` does it for every tenant at
once (start-up, replay). Rows belong to a tenant through the ``tenant`` column
(Asterisk ignores columns that are no PJSIP setting) and ids are SIP usernames
(``<code>-<number>-<suffix>``, claimed unique by the domain).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from psycopg import sql

from . import escape, parse
from .render import TenantConfig, _Components, _endpoint_extras, _sip_devices, tenant_context

ENDPOINTS, AUTHS, AORS = "ps_endpoints", "ps_auths", "ps_aors"
TABLES = (ENDPOINTS, AUTHS, AORS)
KIND_OF_TABLE = {ENDPOINTS: "endpoint", AUTHS: "auth", AORS: "aor"}

# (column, SQL type) in table order -- see the module docstring for why order matters.
# Names and types follow Asterisk's contrib/ast-db-manage (yes/no enums as varchar, wider
# text where our values can be longer than upstream's varchar(40)).
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    ENDPOINTS: (
        ("id", "varchar(255) PRIMARY KEY"),
        ("tenant", "varchar(40) NOT NULL"),
        ("transport", "varchar(40)"),
        ("aors", "varchar(2048)"),
        ("auth", "varchar(255)"),
        ("context", "varchar(80)"),
        ("disallow", "varchar(200)"),
        ("allow", "varchar(200)"),
        ("direct_media", "varchar(3)"),
        ("rtp_symmetric", "varchar(3)"),
        ("force_rport", "varchar(3)"),
        ("rewrite_contact", "varchar(3)"),
        ("media_address", "varchar(40)"),
        ("bind_rtp_to_media_address", "varchar(3)"),
        ("dtmf_mode", "varchar(40)"),
        ("send_pai", "varchar(3)"),
        ("trust_id_inbound", "varchar(3)"),
        ("callerid", "text"),
        ("set_var", "text"),
        ("deny", "text"),
        ("permit", "text"),
        # message-waiting indication (res_pjsip_mwi also queries "WHERE mailboxes != ''" at
        # start-up and on reload, so the column must exist even when nobody has a box)
        ("mailboxes", "varchar(40)"),
        # the endpoint settings the call-handling components add (render.endpoint_extras)
        ("named_call_group", "varchar(80)"),
        ("named_pickup_group", "varchar(80)"),
        ("moh_suggest", "varchar(80)"),
        ("mwi_subscribe_replaces_unsolicited", "varchar(3)"),
        ("voicemail_extension", "varchar(40)"),
    ),
    AUTHS: (
        ("id", "varchar(255) PRIMARY KEY"),
        ("tenant", "varchar(40) NOT NULL"),
        ("auth_type", "varchar(40)"),
        ("username", "varchar(255)"),
        ("password", "varchar(255)"),
    ),
    AORS: (
        ("id", "varchar(255) PRIMARY KEY"),
        ("tenant", "varchar(40) NOT NULL"),
        ("max_contacts", "integer"),
        ("remove_existing", "varchar(3)"),
        ("qualify_frequency", "integer"),
        ("default_expiration", "integer"),
        ("minimum_expiration", "integer"),
        # never written: queried on start-up and reload (permanent contacts: "WHERE contact != ''").
        ("contact", "varchar(255)"),
        ("mailboxes", "varchar(80)"),  # MWI subscriptions allowed for the box
    ),
}


def schema_sql() -> str:
    """DDL for the three tables (idempotent; tables made by an older version get the new columns,
    at the end: the settings added since do not depend on their order)."""
    out = []
    for table, cols in COLUMNS.items():
        body = ",\n    ".join(f"{name} {typ}" for name, typ in cols)
        out.append(f"CREATE TABLE IF NOT EXISTS {table} (\n    {body}\n);")
        out.extend(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {typ};" for name, typ in cols[2:])
        out.append(f"CREATE INDEX IF NOT EXISTS {table}_tenant ON {table} (tenant);")
    return "\n".join(out) + "\n"


def ensure_schema(conn) -> None:
    conn.execute(schema_sql())


# --- templates -------------------------------------------------------------------------

@dataclass(frozen=True)
class Templates:
    """The settings the base pjsip.conf templates give every tenant object."""

    endpoint: Mapping[str, str]
    auth: Mapping[str, str]
    aor: Mapping[str, str]


# = [pbxflow-endpoint](!), [pbxflow-auth](!), [pbxflow-aor](!) in asterisk/base/pjsip.conf
# (tests/test_asterisk_realtime.py keeps them equal). Docker's Asterisk image drops the two
# media_address lines: pass templates_from_pjsip_conf(<that node's pjsip.conf>) there.
SANDBOX_TEMPLATES = Templates(
    endpoint={
        "transport": "transport-udp",
        "disallow": "all",
        "allow": "ulaw,alaw,gsm",
        "direct_media": "no",
        "rtp_symmetric": "yes",
        "force_rport": "yes",
        "rewrite_contact": "yes",
        "media_address": "127.0.0.1",
        "bind_rtp_to_media_address": "yes",
        "dtmf_mode": "rfc4733",
        "send_pai": "yes",
        "trust_id_inbound": "no",
    },
    auth={"auth_type": "digest"},
    aor={
        "max_contacts": "1",
        "remove_existing": "yes",
        "qualify_frequency": "0",
        "default_expiration": "300",
        "minimum_expiration": "30",
    },
)


def templates_from_pjsip_conf(text: str) -> Templates:
    """Read the three ``(!)`` templates from a pjsip.conf; refuse settings we have no column for."""
    found: dict[str, dict[str, str]] = {}
    # parse.parse() knows no "#include"/"#tryinclude" directives: they name other files anyway
    text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("#"))
    for name, tpl, items in parse.parse(text):
        if tpl is not None and "!" in tpl and name in ("pbxflow-endpoint", "pbxflow-auth", "pbxflow-aor"):
            found[name] = {k: v for k, v in items if k != "type"}
    missing = {"pbxflow-endpoint", "pbxflow-auth", "pbxflow-aor"} - set(found)
    if missing:
        raise ValueError(f"pjsip.conf lacks the templates {sorted(missing)}")
    out = Templates(endpoint=found["pbxflow-endpoint"], auth=found["pbxflow-auth"], aor=found["pbxflow-aor"])
    for table, values in ((ENDPOINTS, out.endpoint), (AUTHS, out.auth), (AORS, out.aor)):
        unknown = set(values) - {c for c, _ in COLUMNS[table]}
        if unknown:
            raise ValueError(f"{table} has no column for the template settings {sorted(unknown)}")
    return out


# --- values ----------------------------------------------------------------------------

def chunk(value: object) -> str:
    """One value as res_config_pgsql must find it: ``;`` and ``^`` hex-escaped."""
    text = str(value)
    if escape._CONTROL.search(text):
        raise escape.UnsafeValue(f"control character in realtime value {text!r}")
    return text.strip().replace("^", "^5E").replace(";", "^3B")


def multi(values: Iterable[object]) -> str:
    """Several values of one setting (e.g. ``permit``) in one column."""
    return ";".join(chunk(v) for v in values)


def callerid_name(val: object) -> str:
    """As escape.callerid_name, without the config file's ``\\;`` (chunk() escapes ``;``)."""
    text = escape._CONTROL.sub(" ", str(val))
    return re.sub(r'["<>\\]', "", text).strip()[:80]


# --- mapping (pure) --------------------------------------------------------------------

@dataclass(frozen=True)
class TenantRows:
    """One tenant's rows: table -> list of {column: value or None}, sorted by id."""

    code: str
    tables: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)

    def ids(self, table: str) -> list[str]:
        return [r["id"] for r in self.tables.get(table, [])]


def tenant_rows(t: TenantConfig, templates: Templates = SANDBOX_TEMPLATES) -> TenantRows:
    code = escape.ident(t.code)
    comp = _Components.of(t, code)
    endpoints, auths, aors = [], [], []
    for ext in sorted(t.extensions, key=lambda e: e["number"]):
        extras = _endpoint_extras(comp, ext)
        set_var = [f"PBXFLOW_TENANT={code}"]
        if extras.get("vmbox"):
            set_var.append(f"PBXFLOW_VMBOX={escape.digits(extras['vmbox'])}")
        for dev in _sip_devices(ext):
            if not dev.get("enabled", True):
                continue
            sid = escape.ident(dev["username"])
            ep = {**{k: chunk(v) for k, v in templates.endpoint.items()},
                  "id": sid, "tenant": code, "auth": sid, "aors": sid,
                  "context": tenant_context(code, "internal"),
                  "callerid": chunk(f'"{callerid_name(ext.get("name", ""))}" <{escape.ident(ext["number"])}>'),
                  "set_var": multi(set_var),
                  "deny": None, "permit": None}
            for col in ("named_call_group", "named_pickup_group", "moh_suggest", "mailboxes",
                        "mwi_subscribe_replaces_unsolicited", "voicemail_extension"):
                ep[col] = chunk(extras[col]) if extras.get(col) else None
            if not dev.get("nat", True):
                ep.update(rtp_symmetric="no", force_rport="no", rewrite_contact="no")
            if dev.get("allowed_networks"):
                ep.update(deny="0.0.0.0/0.0.0.0", permit=multi(dev["allowed_networks"]))
            endpoints.append(ep)
            auths.append({**{k: chunk(v) for k, v in templates.auth.items()},
                          "id": sid, "tenant": code, "username": sid, "password": chunk(dev["password"])})
            aors.append({**{k: chunk(v) for k, v in templates.aor.items()}, "id": sid, "tenant": code,
                         "mailboxes": chunk(extras["mailboxes"]) if extras.get("mailboxes") else None})
    out = TenantRows(code)
    for table, rows in ((ENDPOINTS, endpoints), (AUTHS, auths), (AORS, aors)):
        names = [c for c, _ in COLUMNS[table]]
        out.tables[table] = sorted(({c: row.get(c) for c in names} for row in rows), key=lambda r: r["id"])
    return out


# --- writer ----------------------------------------------------------------------------

class ForeignRow(RuntimeError):
    """A row id we would write belongs to another tenant (usernames are unique: a bug upstream)."""


@dataclass
class Changes:
    """Ids written or deleted, per table."""

    upserted: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in TABLES})
    deleted: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in TABLES})

    def ids(self, table: str) -> set[str]:
        return self.upserted[table] | self.deleted[table]

    def __bool__(self) -> bool:
        return any(self.upserted.values()) or any(self.deleted.values())

    def merge(self, other: "Changes") -> None:
        for t in TABLES:
            self.upserted[t] |= other.upserted[t]
            self.deleted[t] |= other.deleted[t]


def _as_text(row: dict) -> dict:
    return {k: (None if v is None else str(v)) for k, v in row.items()}


def _current(conn, table: str, codes: list[str] | None) -> dict[str, dict]:
    cols = [c for c, _ in COLUMNS[table]]
    query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(map(sql.Identifier, cols)), sql.Identifier(table))
    params: tuple = ()
    if codes is not None:
        query += sql.SQL(" WHERE tenant = ANY(%s)")
        params = (codes,)
    return {r[0]: _as_text(dict(zip(cols, r))) for r in conn.execute(query, params).fetchall()}


def _apply(conn, table: str, want: dict[str, dict], have: dict[str, dict], changes: Changes, *,
           check_foreign: bool = True) -> None:
    cols = [c for c, _ in COLUMNS[table]]
    upsert = [row for rid, row in want.items() if have.get(rid) != _as_text(row)]
    gone = sorted(set(have) - set(want))
    if upsert and check_foreign:
        foreign = conn.execute(
            sql.SQL("SELECT id, tenant FROM {} WHERE id = ANY(%s)").format(sql.Identifier(table)),
            ([r["id"] for r in upsert],),
        ).fetchall()
        clash = [(rid, tenant) for rid, tenant in foreign if tenant != want[rid]["tenant"]]
        if clash:
            raise ForeignRow(f"{table}: ids already belong to other tenants: {clash[:5]}")
    if upsert:
        stmt = sql.SQL("INSERT INTO {t} ({c}) VALUES ({v}) ON CONFLICT (id) DO UPDATE SET {s}").format(
            t=sql.Identifier(table),
            c=sql.SQL(", ").join(map(sql.Identifier, cols)),
            v=sql.SQL(", ").join(sql.Placeholder() * len(cols)),
            s=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in cols[1:]),
        )
        with conn.cursor() as cur:
            cur.executemany(stmt, [[r[c] for c in cols] for r in upsert])
        changes.upserted[table] |= {r["id"] for r in upsert}
    if gone:
        conn.execute(sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(sql.Identifier(table)), (gone,))
        changes.deleted[table] |= set(gone)


def replace_tenant(conn, rows: TenantRows) -> Changes:
    """Make tenant ``rows.code``'s rows equal ``rows``, in one transaction."""
    changes = Changes()
    with conn.transaction():
        for table in TABLES:
            have = _current(conn, table, [rows.code])
            _apply(conn, table, {r["id"]: r for r in rows.tables.get(table, [])}, have, changes)
    return changes


def delete_tenant(conn, code: str) -> Changes:
    return replace_tenant(conn, TenantRows(escape.ident(code), {t: [] for t in TABLES}))


def sync_all(conn, tenants: Iterable[TenantRows]) -> Changes:
    """Make the tables hold exactly these tenants' rows (others' rows go), in one transaction."""
    want: dict[str, dict[str, dict]] = {t: {} for t in TABLES}
    for tr in tenants:
        for table in TABLES:
            for row in tr.tables.get(table, []):
                want[table][row["id"]] = row
    changes = Changes()
    with conn.transaction():
        for table in TABLES:
            _apply(conn, table, want[table], _current(conn, table, None), changes, check_foreign=False)
    return changes
