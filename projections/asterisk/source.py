"""Read the configuration to render from the read model (rm_objects)."""

from __future__ import annotations

from uuid import UUID

from psycopg.rows import dict_row

from .render import PlatformConfig, TenantConfig


def _rows(conn, query: str, params=()) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def tenant_codes(conn) -> dict[str, str]:
    """tenant id -> code, for every tenant."""
    return {str(r["id"]): r["data"]["code"] for r in _rows(conn, "SELECT id, data FROM rm_objects WHERE kind = 'tenant'")}


def load_tenant(conn, tenant_id: str) -> TenantConfig | None:
    rows = _rows(conn, "SELECT id, data FROM rm_objects WHERE kind = 'tenant' AND id = %s", (UUID(tenant_id),))
    if not rows:
        return None
    tenant = rows[0]["data"]
    objs = _rows(conn, "SELECT kind, data FROM rm_objects WHERE tenant_id = %s AND kind IN ('extension', 'number')", (UUID(tenant_id),))
    return TenantConfig(
        id=tenant_id,
        code=tenant["code"],
        name=tenant.get("name", ""),
        extensions=[o["data"] for o in objs if o["kind"] == "extension"],
        numbers=[o["data"] for o in objs if o["kind"] == "number"],
    )


def load_platform(conn) -> PlatformConfig:
    trunks = [{**r["data"], "id": str(r["id"])} for r in _rows(conn, "SELECT id, data FROM rm_objects WHERE kind = 'trunk'")]
    codes = tenant_codes(conn)
    dids = {}
    for r in _rows(conn, "SELECT tenant_id, data FROM rm_objects WHERE kind = 'number' AND tenant_id IS NOT NULL"):
        code = codes.get(str(r["tenant_id"]))
        if code:
            dids[r["data"]["number"].lstrip("+")] = code
    return PlatformConfig(trunks=trunks, dids=dids)
