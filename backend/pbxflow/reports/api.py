"""HTTP routes of the reports (F-REP-1 … F-REP-4): call search and its CSV/XLSX export, the
dashboard, background archive exports. Tenant-scoped like the calls routes (another tenant is a
404); a user-role actor may search only the calls of their own extensions, the rest needs a
tenant read role (tenant admin, supervisor, auditor) or an operator."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Literal

import msgspec
from litestar import Response, get, post
from litestar.params import Dependency, Parameter
from litestar.response import File

from ..api.auth import require_tenant
from ..api.resources import NO_CONTROL, Limit, Offset
from ..api.threads import threaded
from ..context import Actor
from ..errors import Conflict, Invalid, NotFound
from . import export, period
from .archive import Archives
from .queries import Filters, Tenant
from .service import reports_service

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
Preset = Annotated[Literal["today", "7d", "30d", "45d", "custom"] | None, Parameter()]
Day = Annotated[date | None, Parameter(description="YYYY-MM-DD, a day in the tenant's time zone")]
Digits = Annotated[str | None, Parameter(max_length=20, pattern=r"^[0-9]{1,20}$")]
MAX_EXPORT_ROWS = 100_000
CALL_COLUMNS = [("started_at", "started"), ("direction", "direction"), ("result", "result"), ("line", "line"),
                ("caller", "caller"), ("caller_name", "caller name"), ("called", "called"), ("user", "user"),
                ("user_name", "user name"), ("group", "group"), ("duration", "duration, s"),
                ("talk_seconds", "talk, s"), ("billable_seconds", "billable, s"), ("id", "call id")]


class ArchiveIn(msgspec.Struct, forbid_unknown_fields=True):
    from_: date = msgspec.field(name="from")
    to: date


def _export_row(item: dict, zone) -> dict:
    started = datetime.fromisoformat(item["started_at"]).astimezone(zone).replace(tzinfo=None, microsecond=0)
    return {**item, "started_at": started,  # the tenant's wall time, whole seconds
            "user": (item["user"] or {}).get("number"), "user_name": (item["user"] or {}).get("name")}


def make_report_handlers(runtime) -> list:
    def service():
        return reports_service(runtime)

    def tenant(actor: Actor, tenant_id: str, *, own: bool = False) -> tuple[Tenant, str | None]:
        """The tenant, and the owner filter of a user-role actor (``own``: such actors may read)."""
        if own and actor.role == "user":
            if actor.tenant_id != tenant_id:
                raise NotFound(f"no tenant with id {tenant_id}")
            return service().read.tenant(tenant_id), actor.id
        require_tenant(actor, tenant_id, write=False)
        return service().read.tenant(tenant_id), None

    def span(t: Tenant, preset, since, until) -> tuple[datetime, datetime]:
        return period.resolve(preset, since, until, t.zone, datetime.now(timezone.utc))

    @get("/api/tenants/{tenant_id:str}/reports/calls", tags=["reports"], operation_id="search_report_calls",
         summary="Call history search with totals (F-REP-1); format=csv|xlsx exports the same view (F-REP-2)",
         description=f"Exports hold at most {MAX_EXPORT_ROWS} rows in the chosen order (X-Export-Truncated: true"
                     " when more matched); limit/offset apply to the JSON page only.")
    @threaded
    def search(tenant_id: str, actor: ActorDep, preset: Preset = None,
               since: Annotated[date | None, Parameter(query="from")] = None,
               until: Annotated[date | None, Parameter(query="to")] = None,
               direction: Annotated[Literal["in", "out", "internal"] | None, Parameter()] = None,
               result: Annotated[Literal["answered", "missed", "no answer", "busy", "no route", "failed", "forwarded",
                                         "voicemail"] | None, Parameter()] = None,
               line: Annotated[str | None, Parameter(max_length=32, pattern=r"^\+?[0-9]{1,31}$")] = None,
               user: Digits = None, group: Digits = None,
               q: Annotated[str | None, Parameter(max_length=64, pattern=NO_CONTROL)] = None,
               limit: Limit = 50, offset: Offset = 0,
               sort: Annotated[Literal["started_at", "-started_at", "talk_seconds", "-talk_seconds", "billable_seconds",
                                       "-billable_seconds", "duration", "-duration", "caller", "-caller", "called",
                                       "-called"], Parameter()] = "-started_at",
               format: Annotated[Literal["json", "csv", "xlsx"], Parameter()] = "json",  # noqa: A002
               ) -> Response:
        t, owner = tenant(actor, tenant_id, own=True)
        start, end = span(t, preset, since, until)
        f = Filters(start, end, direction, result, line, user, group, q or None, owner)
        svc = service()
        svc.catch_up()
        if format == "json":
            return Response(svc.read.search(t, f, limit=limit, offset=offset, sort=sort))
        from zoneinfo import ZoneInfo

        from .queries import item

        rows = svc.read.rows(t, f, limit=MAX_EXPORT_ROWS + 1, sort=sort)
        zone = ZoneInfo(t.zone)
        items = [_export_row(item(r), zone) for r in rows[:MAX_EXPORT_ROWS]]
        return export.export_response(format, f"calls-{start.date()}-{(end - timedelta(days=1)).date()}", CALL_COLUMNS,
                                      items, {"X-Export-Truncated": "true" if len(rows) > MAX_EXPORT_ROWS else "false"})

    @get("/api/tenants/{tenant_id:str}/reports/dashboard", tags=["reports"], operation_id="report_dashboard",
         summary="Dashboard figures of a period from the pre-aggregated buckets (F-REP-4)")
    @threaded
    def dashboard(tenant_id: str, actor: ActorDep, preset: Preset = None,
                  since: Annotated[date | None, Parameter(query="from")] = None,
                  until: Annotated[date | None, Parameter(query="to")] = None,
                  step: Annotated[Literal["15min", "30min", "hour", "day"] | None,
                                  Parameter(description="line occupancy step; default hour up to 2 days, else day")] = None,
                  ) -> dict:
        t, _ = tenant(actor, tenant_id)
        start, end = span(t, preset, since, until)
        svc = service()
        svc.catch_up()
        step = step or ("hour" if end - start <= timedelta(days=2, hours=1) else "day")
        return svc.read.dashboard(t, start, end, step)

    @post("/api/tenants/{tenant_id:str}/reports/archives", tags=["reports"], operation_id="create_report_archive",
          status_code=202, summary="Start an archive export of a period: recordings by day and an XLSX index (F-REP-3)")
    @threaded
    def create_archive(tenant_id: str, actor: ActorDep, data: ArchiveIn) -> dict:
        t, _ = tenant(actor, tenant_id)
        if data.to < data.from_:
            raise Invalid("to", "is before from")
        if (data.to - data.from_).days >= period.MAX_DAYS:
            raise Invalid("to", f"an archive covers at most {period.MAX_DAYS} days")
        return service().archives.create(t, data.from_, data.to, actor.login)

    @get("/api/tenants/{tenant_id:str}/reports/archives/{archive_id:str}", tags=["reports"],
         operation_id="get_report_archive", summary="An archive export's state and progress (0..1)")
    @threaded
    def get_archive(tenant_id: str, archive_id: str, actor: ActorDep) -> dict:
        t, _ = tenant(actor, tenant_id)
        return Archives.public(service().archives.get(t, archive_id))

    @get("/api/tenants/{tenant_id:str}/reports/archives/{archive_id:str}/download", tags=["reports"],
         operation_id="download_report_archive", summary="The finished archive (zip)")
    @threaded
    def download_archive(tenant_id: str, archive_id: str, actor: ActorDep) -> File:
        t, _ = tenant(actor, tenant_id)
        archives = service().archives
        row = archives.get(t, archive_id)
        if row["state"] != "done":
            raise Conflict(f"the archive is {row['state']}, not done")
        path = archives.file_of(row)
        if not path.is_file():
            raise NotFound(f"the file of archive {archive_id} is gone")
        return File(path, filename=f"calls-{row['from_day']}-{row['to_day']}.zip", media_type="application/zip")

    return [search, dashboard, create_archive, get_archive, download_archive]
