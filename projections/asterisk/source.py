"""Read the configuration to render from the read model (rm_objects)."""

from __future__ import annotations

from uuid import UUID

from psycopg.rows import dict_row

from .render import DEFAULT_GREETING_CODE, DEFAULT_PICKUP_CODE, PlatformConfig, TenantConfig

# The kinds a tenant's Asterisk config is rendered from.
TENANT_KINDS = ("extension", "number", "group", "pickup_group", "voicemail_box", "media", "classifier", "voice_message",
                "schedule", "ivr_menu", "scheme", "user")


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
    objs = _rows(conn, "SELECT id, kind, data FROM rm_objects WHERE tenant_id = %s AND kind = ANY(%s)",
                 (UUID(tenant_id), list(TENANT_KINDS)))

    def of(kind: str) -> list[dict]:
        return [{**o["data"], "id": str(o["id"])} for o in objs if o["kind"] == kind]

    return TenantConfig(
        timezone=tenant.get("timezone") or "UTC",
        schedules=of("schedule"),
        ivr_menus=of("ivr_menu"),
        schemes=_published_schemes(conn, of("scheme")),
        id=tenant_id,
        code=tenant["code"],
        name=tenant.get("name", ""),
        extensions=of("extension"),
        numbers=[o["data"] for o in objs if o["kind"] == "number"],
        groups=of("group"),
        pickup_groups=of("pickup_group"),
        voicemail_boxes=of("voicemail_box"),
        media=of("media"),
        classifiers=of("classifier"),
        voice_messages=of("voice_message"),
        # Only what the config needs of a user (never its password hash): call recording.
        users=[{"id": u["id"], "record_calls": bool(u.get("record_calls"))} for u in of("user")],
        pickup_code=tenant.get("pickup_code") or DEFAULT_PICKUP_CODE,
        greeting_code=tenant.get("voicemail_greeting_code") or DEFAULT_GREETING_CODE,
    )


def _published_schemes(conn, schemes: list[dict]) -> list[dict]:
    """The live revision of each published scheme, and the revisions before it that the dialplan
    keeps for calls in progress (revisions are objects of their own)."""
    from pbxflow.domain.schemes import revision_id

    from .scheme import KEEP_REVISIONS

    wanted = {}
    for s in schemes:
        live = s.get("published_revision")
        for number in range(live or 0, max(0, (live or 0) - KEEP_REVISIONS), -1):
            wanted[revision_id(s["id"], number)] = number == live
    if not wanted:
        return []
    rows = _rows(conn, "SELECT id, data FROM rm_objects WHERE kind = 'scheme_revision' AND id = ANY(%s)", (list(wanted),))
    return [{"id": r["data"]["scheme_id"], "revision": r["data"]["number"], "nodes": r["data"]["nodes"],
             "entries": r["data"].get("entries") or [], "live": wanted[r["id"]]} for r in rows]


def load_platform(conn) -> PlatformConfig:
    trunks = [{**r["data"], "id": str(r["id"])} for r in _rows(conn, "SELECT id, data FROM rm_objects WHERE kind = 'trunk'")]
    codes = tenant_codes(conn)
    dids = {}
    for r in _rows(conn, "SELECT tenant_id, data FROM rm_objects WHERE kind = 'number' AND tenant_id IS NOT NULL"):
        code = codes.get(str(r["tenant_id"]))
        if code:
            dids[r["data"]["number"].lstrip("+")] = code
    return PlatformConfig(trunks=trunks, dids=dids)
