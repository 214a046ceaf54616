"""The action history (F-AUD-1): who changed what, when, from where, with the diff."""

import json
from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

from litestar import Response, get
from litestar.di import Provide
from litestar.params import Dependency, Parameter
from litestar.response import Stream

from ..context import Actor
from ..errors import Forbidden, Invalid
from ..reports.export import CSV_MEDIA, XLSX_MEDIA, csv_chunks, to_xlsx
from ..runtime import Runtime
from .resources import NO_CONTROL, Limit, Offset

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
AUDIT_ROLES = ("operator", "system", "tenant_admin", "auditor")
PERIODS = {"today": 0, "7d": 7, "30d": 30, "45d": 45}
MAX_EXPORT_ROWS = 100_000
EXPORT_COLUMNS = [("position", "position"), ("at", "time"), ("actor", "actor login"), ("role", "role"), ("ip", "IP"),
                  ("tenant", "tenant"), ("type", "object type"), ("name", "object name"), ("action", "action"),
                  ("diff", "diff")]
Cursor = Annotated[str | None, Parameter(max_length=20, pattern=r"^[0-9]+$",
                                         description="next_cursor of the previous page (newest first)")]
from .threads import threaded  # noqa: E402


def _entry(row: dict) -> dict:
    return {
        "position": row["notification_id"],
        "at": row["at"].isoformat(),
        "actor": {"id": row["actor_id"], "login": row["actor_login"], "role": row["actor_role"]},
        "ip": row["ip"],
        "request_id": row["request_id"],
        "tenant_id": str(row["tenant_id"]) if row["tenant_id"] else None,
        "object": {"type": row["object_type"], "id": str(row["object_id"]), "name": row["object_name"]},
        "action": row["action"],
        "version": row["version"],
        "diff": row["diff"],
    }


class _Filters:
    """The query parameters shared by the list and the export, resolved and checked."""

    def __init__(self, actor: Actor, tenant_id, actor_login, action, object_type, object_id, object_name, period, since, until):
        if actor.role not in AUDIT_ROLES:
            raise Forbidden(f"role {actor.role} may not read the action history")
        if actor.is_operator:
            scope = [tenant_id] if tenant_id else None
        else:
            if tenant_id and tenant_id != actor.tenant_id:
                raise Forbidden("you may read only your own tenant's history")
            scope = [actor.tenant_id]
        if period:
            now = datetime.now(timezone.utc)
            start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            since = start - timedelta(days=PERIODS[period])
        for name, value in (("from", since), ("to", until)):
            if value is not None and value.tzinfo is None:
                raise Invalid(name, "needs a time zone offset, e.g. 2026-01-31T12:00:00Z")
        if scope:
            import uuid

            try:
                [uuid.UUID(t) for t in scope]
            except ValueError:
                raise Invalid("tenant_id", "not a UUID") from None
        self.query = {"tenant_ids": scope, "actor": actor_login, "action": action, "object_type": object_type,
                      "object_id": object_id, "object_name": object_name, "since": since, "until": until}


def audit_filters(
    actor: ActorDep,
    tenant_id: Annotated[str | None, Parameter(max_length=36)] = None,
    actor_login: Annotated[str | None, Parameter(query="actor", max_length=64, pattern=NO_CONTROL)] = None,
    action: Annotated[str | None, Parameter(max_length=32, pattern=NO_CONTROL)] = None,
    object_type: Annotated[str | None, Parameter(query="object", max_length=32, pattern=NO_CONTROL)] = None,
    object_id: Annotated[str | None, Parameter(max_length=36)] = None,
    object_name: Annotated[str | None, Parameter(max_length=100, pattern=NO_CONTROL)] = None,
    period: Annotated[Literal["today", "7d", "30d", "45d"] | None, Parameter()] = None,
    since: Annotated[datetime | None, Parameter(query="from")] = None,
    until: Annotated[datetime | None, Parameter(query="to")] = None,
) -> _Filters:
    """The list's and the export's shared query parameters (a litestar dependency of both)."""
    return _Filters(actor, tenant_id, actor_login, action, object_type, object_id, object_name, period, since, until)


FiltersDep = Annotated[_Filters, Dependency(skip_validation=True)]
FILTERS = {"filters": Provide(audit_filters, sync_to_thread=False)}


def _export_row(row: dict) -> dict:
    return {
        "position": row["notification_id"], "at": row["at"], "actor": row["actor_login"], "role": row["actor_role"] or "",
        "ip": row["ip"] or "", "tenant": str(row["tenant_id"]) if row["tenant_id"] else "", "type": row["object_type"],
        "name": row["object_name"], "action": row["action"],
        "diff": json.dumps(row["diff"], ensure_ascii=False, sort_keys=True),
    }


def make_audit_handlers(runtime: Runtime) -> list:
    @get("/api/audit", tags=["audit"], operation_id="list_audit",
         summary="Action history, newest first", dependencies=FILTERS)
    @threaded
    def audit(
        filters: FiltersDep,
        limit: Limit = 50,
        offset: Offset = 0,
        cursor: Cursor = None,
    ) -> dict:
        before = int(cursor) if cursor is not None else None
        if before is not None and before > 2**63 - 1:  # positions are bigints
            raise Invalid("cursor", "not a position of the history")
        # One row more than asked tells whether a next page exists.
        result = runtime.read.audit_page(**filters.query, limit=limit + 1, offset=offset, before=before)
        items = result.items[:limit]
        more = len(result.items) > limit
        return {"total": result.total, "items": [_entry(r) for r in items], "limit": limit, "offset": offset,
                "next_cursor": str(items[-1]["notification_id"]) if more and items else None}

    @get("/api/audit/export", tags=["audit"], operation_id="export_audit",
         summary="Action history as CSV or XLSX (same filters and scope as the list), newest first",
         description=f"At most {MAX_EXPORT_ROWS} rows; X-Export-Truncated: true when more matched.", dependencies=FILTERS)
    @threaded
    def export(
        filters: FiltersDep,
        format: Annotated[Literal["csv", "xlsx"], Parameter()] = "csv",  # noqa: A002
    ) -> Response:
        total = runtime.read.audit_page(**filters.query, limit=1).total
        headers = {"X-Total-Count": str(total), "X-Export-Truncated": "true" if total > MAX_EXPORT_ROWS else "false",
                   "Content-Disposition": f'attachment; filename="audit.{format}"'}
        rows = (_export_row(r) for r in runtime.read.audit_rows(**filters.query, max_rows=MAX_EXPORT_ROWS))
        if format == "csv":
            return Stream(csv_chunks(EXPORT_COLUMNS, rows, bom=False), media_type=CSV_MEDIA, headers=headers)
        return Response(to_xlsx(EXPORT_COLUMNS, rows, "audit"), headers=headers, media_type=XLSX_MEDIA)

    return [audit, export]
