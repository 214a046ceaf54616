"""Read side: lists and lookups over the read-model tables, always tenant-scoped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier, Literal
from psycopg_pool import ConnectionPool

from .domain import kinds
from .errors import Invalid, NotFound

_ANY_TENANT = object()  # platform-wide listing (operators only)


@dataclass(frozen=True)
class Page:
    total: int
    items: list[dict]


def _order(kind: kinds.Kind, order: str | None) -> SQL:
    if not order:
        return SQL("ORDER BY title, id")
    desc = order.startswith("-")
    field = order.lstrip("-+")
    allowed = ("created_at", "updated_at", *kind.order_fields)
    if field not in allowed:
        raise Invalid("order", f"can order by {', '.join(allowed)} (prefix - for descending)")
    column = SQL("{}").format(Identifier(field)) if field in ("created_at", "updated_at") else SQL("data->>{}").format(Literal(field))
    return SQL("ORDER BY {} {}, id").format(column, SQL("DESC" if desc else "ASC"))


class ReadModel:
    def __init__(self, pool: ConnectionPool, objects_table: str = "rm_objects", audit_table: str = "rm_audit"):
        self.pool = pool
        self.objects = Identifier(objects_table)
        self.audit = Identifier(audit_table)

    def _rows(self, query, params) -> list[dict]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params)
            return cur.fetchall()

    def list(self, kind_name: str, tenant_id: Any, *, limit: int = 50, offset: int = 0, search: str | None = None,
             order: str | None = None, where: dict | None = None) -> Page:
        kind = kinds.get(kind_name)
        conds = [SQL("kind = %s")]
        params: list[Any] = [kind.name]
        if tenant_id is None:
            conds.append(SQL("tenant_id IS NULL"))
        elif tenant_id is not _ANY_TENANT:
            conds.append(SQL("tenant_id = %s"))
            params.append(UUID(str(tenant_id)))
        if search:
            fields = SQL(" || ' ' || ").join(SQL("coalesce(data->>{}, '')").format(Literal(f)) for f in kind.search_fields)
            conds.append(SQL("({}) ILIKE %s").format(fields))
            params.append("%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        for key, value in (where or {}).items():
            conds.append(SQL("data->>{} = %s").format(Literal(key)))
            params.append(value)
        cond = SQL(" AND ").join(conds)
        total = self._rows(SQL("SELECT count(*) AS n FROM {} WHERE {}").format(self.objects, cond), params)[0]["n"]
        rows = self._rows(
            SQL("SELECT * FROM {} WHERE {} {} LIMIT %s OFFSET %s").format(self.objects, cond, _order(kind, order)),
            [*params, limit, offset],
        )
        return Page(total, rows)

    def get(self, kind_name: str, obj_id: str, tenant_id: Any) -> dict:
        try:
            oid = UUID(str(obj_id))
            owner = UUID(str(tenant_id)) if tenant_id and tenant_id is not _ANY_TENANT else None
        except ValueError:  # a malformed object or tenant id names nothing
            raise NotFound(f"no {kind_name} with id {obj_id}") from None
        rows = self._rows(SQL("SELECT * FROM {} WHERE id = %s AND kind = %s").format(self.objects), [oid, kind_name])
        if not rows or (tenant_id is not _ANY_TENANT and rows[0]["tenant_id"] != owner):
            raise NotFound(f"no {kind_name} with id {obj_id}")
        return rows[0]

    def tenant_object_count(self, tenant_id: str) -> int:
        rows = self._rows(SQL("SELECT count(*) AS n FROM {} WHERE tenant_id = %s").format(self.objects), [UUID(tenant_id)])
        return rows[0]["n"]

    def audit_page(self, *, tenant_ids: list[str] | None, actor: str | None = None, action: str | None = None,
                   object_type: str | None = None, object_id: str | None = None, object_name: str | None = None,
                   since: datetime | None = None, until: datetime | None = None,
                   limit: int = 50, offset: int = 0, before: int | None = None) -> Page:
        """Newest first. ``before``: a cursor, the last position seen (rows with smaller
        positions follow); ``total`` counts every row matching the filters."""
        cond, params = self._audit_filter(tenant_ids=tenant_ids, actor=actor, action=action, object_type=object_type,
                                          object_id=object_id, object_name=object_name, since=since, until=until)
        total = self._rows(SQL("SELECT count(*) AS n FROM {} WHERE {}").format(self.audit, cond), params)[0]["n"]
        page_cond = cond if before is None else SQL("{} AND notification_id < %s").format(cond)
        page_params = params if before is None else [*params, before]
        rows = self._rows(
            SQL("SELECT * FROM {} WHERE {} ORDER BY notification_id DESC LIMIT %s OFFSET %s").format(self.audit, page_cond),
            [*page_params, limit, offset],
        )
        return Page(total, rows)

    def audit_rows(self, *, max_rows: int, batch: int = 1000, **filters) -> Iterator[dict]:
        """The rows ``audit_page`` would list (same filters), newest first, at most
        ``max_rows``, read ``batch`` at a time by keyset (no long transaction held)."""
        cond, params = self._audit_filter(**filters)
        before = None
        left = max_rows
        while left > 0:
            page_cond = cond if before is None else SQL("{} AND notification_id < %s").format(cond)
            page_params = params if before is None else [*params, before]
            rows = self._rows(
                SQL("SELECT * FROM {} WHERE {} ORDER BY notification_id DESC LIMIT %s").format(self.audit, page_cond),
                [*page_params, min(batch, left)],
            )
            if not rows:
                return
            yield from rows
            left -= len(rows)
            before = rows[-1]["notification_id"]

    @staticmethod
    def _audit_filter(*, tenant_ids: list[str] | None, actor: str | None = None, action: str | None = None,
                      object_type: str | None = None, object_id: str | None = None, object_name: str | None = None,
                      since: datetime | None = None, until: datetime | None = None) -> tuple[SQL, list[Any]]:
        conds: list[SQL] = [SQL("TRUE")]
        params: list[Any] = []
        if tenant_ids is not None:
            conds.append(SQL("tenant_id = ANY(%s)"))
            params.append([UUID(t) for t in tenant_ids])
        for column, value in (("actor_login", actor), ("action", action), ("object_type", object_type)):
            if value:
                conds.append(SQL("{} = %s").format(Identifier(column)))
                params.append(value)
        if object_id:
            try:
                params.append(UUID(object_id))
            except ValueError:
                raise Invalid("object_id", "not a UUID") from None
            conds.append(SQL("object_id = %s"))
        if object_name:
            conds.append(SQL("object_name ILIKE %s"))
            params.append(f"%{object_name}%")
        if since:
            conds.append(SQL("at >= %s"))
            params.append(since)
        if until:
            conds.append(SQL("at < %s"))
            params.append(until)
        return SQL(" AND ").join(conds), params


ANY_TENANT = _ANY_TENANT
