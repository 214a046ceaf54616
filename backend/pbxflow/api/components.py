"""Call-handling component endpoints beyond CRUD (F-CMP-6, F-CMP-8).

- ``POST /api/tenants/{tenant_id}/schedules/{id}/calendar`` — import a production calendar
  (CSV ``date,type[,note]`` with type holiday|workday|short, or a JSON list of
  ``{"date", "type", "note"?, "periods"?}``), merged into the schedule's exceptions.
- ``GET  /api/tenants/{tenant_id}/schedules/{id}/status?at=`` — open or closed at a time, and
  when that next changes.
- ``POST /api/tenants/{tenant_id}/classifiers/{id}/entries?mode=append|replace`` — import
  entries (CSV or XLSX ``number,name,phone,email,note`` or with a header row; or a JSON list).
- ``GET  /api/tenants/{tenant_id}/classifiers/{id}/match?number=`` — which entry a caller matches.

Imports are all-or-nothing: any bad row is a 422 whose ``errors`` name each bad row
(``rows[3].type``, with the CSV line or spreadsheet row in the message) and nothing changes. They go through the
normal update command (If-Match honoured, a stale version is a 409, one audit entry with the
action ``import_calendar`` / ``import_entries``).
"""

import csv
import io
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.params import Dependency, Parameter

from ..context import Actor
from ..domain import classifiers, schedules
from ..errors import DomainError, Invalid
from ..runtime import Runtime
from ..schedule_eval import is_open, next_change, zone
from .auth import require_tenant
from .resources import NO_CONTROL, answer, expected_version
from .threads import threaded

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
MAX_REPORTED = 100


class RowsInvalid(DomainError):
    """Bad rows in an import: every one is named (up to MAX_REPORTED), nothing is stored."""

    status = 422
    title = "Invalid input"

    def __init__(self, errors: list[dict]):
        shown = errors[:MAX_REPORTED]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        if len(errors) > 5:
            detail += f"; and {len(errors) - 5} more bad rows"
        super().__init__(detail, extra={"fields": [e["field"] for e in shown], "errors": shown, "error_count": len(errors)})


# --- reading an import body ---------------------------------------------------------------

Row = tuple[str, dict]  # (where, for messages: "line 4: " or ""; the row's fields)


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")  # spreadsheets saved on Russian Windows
    if "\x00" in text:
        raise Invalid("body", "must not contain NUL characters")
    return text


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"


def is_xlsx(raw: bytes, content_type: str) -> bool:
    """An Excel workbook: by its content type, or by the zip magic (browsers often send octet-stream)."""
    return XLSX_TYPE in content_type.lower() or raw.startswith(ZIP_MAGIC)


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numbers typed into a number-formatted cell: 74951234567.0
    if isinstance(value, datetime):
        return value.date().isoformat() if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0) else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_lines(raw: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    """(row number, cells) of the workbook's first sheet; ``max_rows`` + 1 non-empty rows at most."""
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise Invalid("body", f"not a readable XLSX workbook: {exc}") from None
    except Exception as exc:  # openpyxl raises assorted errors on damaged workbooks
        raise Invalid("body", f"not a readable XLSX workbook: {type(exc).__name__}") from None
    try:
        if not book.worksheets:
            raise Invalid("body", "the workbook has no sheets")
        out: list[tuple[int, list[str]]] = []
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()  # trailing empty cells of a wider sheet
            if any(c.strip() for c in cells):
                out.append((number, cells))
                if len(out) > max_rows + 1:  # + 1: a header row
                    break
        return out
    finally:
        book.close()


def _csv_lines(raw: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        raise Invalid("body", f"not readable as CSV (line {reader.line_num}): {exc}") from None


def read_rows(raw: bytes, content_type: str, columns: tuple[str, ...], aliases: dict[str, str], *, max_rows: int) -> list[Row]:
    """Rows of a CSV, XLSX or JSON import body as dicts of the given columns.

    JSON: a list of objects. CSV: comma, semicolon or tab separated. XLSX (by content type or
    the zip magic): the first sheet. For CSV and XLSX a first row that names the key column
    (``columns[0]``) or only known columns (``columns`` or their ``aliases``) is a header, and
    then unknown columns are ignored; without a header the columns are positional in the order
    of ``columns``. Empty cells are omitted. Messages locate a row as ``line N`` (CSV) or
    ``row N`` (the spreadsheet's row number).
    """
    if not raw.strip():
        raise Invalid("body", "empty: send CSV or XLSX rows or a JSON list")
    if is_xlsx(raw, content_type):
        lines, unit = _xlsx_lines(raw, max_rows), "row"
    elif "json" in content_type.lower():
        try:
            data = msgspec.json.decode(raw)
        except msgspec.DecodeError as exc:
            raise Invalid("body", f"not valid JSON: {exc}") from None
        if not isinstance(data, list):
            raise Invalid("body", "must be a JSON list of rows")
        lines, unit = None, ""
        rows: list[Row] = [("", item) for item in data]
    else:
        lines, unit = _csv_lines(raw), "line"
    if lines is not None:
        rows = []
        mapping: list[str | None] | None = None
        errors: list[dict] = []
        for line, cells in lines:
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if mapping is None and not rows and not errors:
                names = [aliases.get(c.lower(), c.lower() if c.lower() in columns else None) for c in cells]
                known = [n for n, c in zip(names, cells) if c]
                # A header names the key column, or only known columns.
                if columns[0] in names or (known and all(known)):
                    mapping = names
                    continue
            if mapping is not None:
                row = {name: c for name, c in zip(mapping, cells) if name and c}
            else:
                if len(cells) > len(columns):
                    errors.append({"field": f"rows[{len(rows)}]", "message": f"{unit} {line}: {len(cells)} columns; expected at most {len(columns)} ({','.join(columns)})"})
                row = {name: c for name, c in zip(columns, cells) if c}
            rows.append((f"{unit} {line}: ", row))
        if errors:
            raise RowsInvalid(errors)
    if not rows:
        raise Invalid("body", "no rows to import")
    if len(rows) > max_rows:
        raise Invalid("body", f"{len(rows)} rows; at most {max_rows} in one import")
    return rows


def convert_rows(rows: list[Row], convert: Callable[[str, dict], dict], key: Callable[[dict], str], key_field: str) -> list[dict]:
    """Each row converted by ``convert(field, row)`` (raising Invalid), unique by ``key``; all errors at once."""
    out: list[dict] = []
    errors: list[dict] = []
    seen: dict[str, int] = {}
    for i, (where, row) in enumerate(rows):
        field = f"rows[{i}]"
        if not isinstance(row, dict):
            errors.append({"field": field, "message": f"{where}must be an object"})
            continue
        try:
            item = convert(field, row)
        except Invalid as exc:
            errors.append({"field": exc.field, "message": where + str(exc.detail).split(": ", 1)[-1]})
            continue
        value = key(item)
        if value in seen:
            errors.append({"field": f"{field}.{key_field}", "message": f"{where}{value} appears twice (also rows[{seen[value]}])"})
            continue
        seen[value] = i
        out.append(item)
    if errors:
        raise RowsInvalid(errors)
    return out


CALENDAR_COLUMNS = ("date", "type", "note")
CALENDAR_ALIASES = {"дата": "date", "тип": "type", "day": "date", "kind": "type", "comment": "note", "примечание": "note"}
ENTRY_COLUMNS = ("number", "name", "phone", "email", "note")
ENTRY_ALIASES = {
    "clip": "number", "caller": "number", "номер": "number", "наименование": "name", "имя": "name",
    "телефон": "phone", "e-mail": "email", "почта": "email", "описание": "note", "description": "note", "comment": "note",
}


def parse_calendar(raw: bytes, content_type: str) -> list[dict]:
    rows = read_rows(raw, content_type, CALENDAR_COLUMNS, CALENDAR_ALIASES, max_rows=schedules.MAX_EXCEPTIONS)
    return convert_rows(rows, schedules.calendar_exception, lambda x: x["date"], "date")


def parse_entries(raw: bytes, content_type: str) -> list[dict]:
    rows = read_rows(raw, content_type, ENTRY_COLUMNS, ENTRY_ALIASES, max_rows=classifiers.MAX_ENTRIES)
    return convert_rows(rows, classifiers.entry_from_row, lambda e: classifiers.match_key(e["number"]), "number")


# --- handlers ---------------------------------------------------------------------------------

def make_component_handlers(runtime: Runtime) -> list:
    schedule_item = "/api/tenants/{tenant_id:str}/schedules/{obj_id:str}"
    classifier_item = "/api/tenants/{tenant_id:str}/classifiers/{obj_id:str}"

    def import_into(request: Request, actor: Actor, kind: str, tenant_id: str, obj_id: str, raw: bytes, *,
                    action: str, parse: Callable[[bytes, str], list[dict]], build: Callable[[dict, list[dict]], dict]) -> Response:
        require_tenant(actor, tenant_id, write=True)
        obj = runtime.app.load(kind, obj_id, tenant_id)  # 404 also for another tenant's object
        imported = parse(raw, request.headers.get("content-type", ""))
        wanted = expected_version(request)
        # Without If-Match the merge is still atomic: it applies to the version just read (409 otherwise).
        result = runtime.app.update(actor, kind, tenant_id, obj_id, obj.version if wanted is None else wanted,
                                    build(obj.data, imported), action=action)
        response = answer(runtime, result, actor, tenant_id)
        response.headers["X-Imported-Rows"] = str(len(imported))
        return response

    def calendar_patch(current: dict, imported: list[dict]) -> dict:
        merged = schedules.merge_calendar(current.get("exceptions") or [], imported)
        if len(merged) > schedules.MAX_EXCEPTIONS:
            raise Invalid("body", f"the schedule would have {len(merged)} exceptions; at most {schedules.MAX_EXCEPTIONS}")
        return {"exceptions": merged}

    def entries_patch(mode: str) -> Callable[[dict, list[dict]], dict]:
        def build(current: dict, imported: list[dict]) -> dict:
            merged = classifiers.merge_entries(current.get("entries") or [], imported, replace=mode == "replace")
            if len(merged) > classifiers.MAX_ENTRIES:
                raise Invalid("body", f"the classifier would have {len(merged)} entries; at most {classifiers.MAX_ENTRIES}")
            return {"entries": merged}

        return build

    @post(f"{schedule_item}/calendar", tags=["schedules"], operation_id="import_schedule_calendar", status_code=200,
          summary="Import a production calendar into the schedule's exceptions",
          description="Body: CSV (text/csv) `date,type[,note]` with type holiday|workday|short, header row optional; "
                      "or a JSON list of {date, type, note?, periods?}. Imported dates replace existing exceptions of the "
                      "same date. All or nothing: a bad row is a 422 naming rows[i]. Send If-Match: <version>.")
    async def import_calendar(request: Request, tenant_id: str, obj_id: str, actor: ActorDep) -> Response:
        raw = await request.body()
        return await threaded(import_into)(request, actor, "schedule", tenant_id, obj_id, raw,
                                           action="import_calendar", parse=parse_calendar, build=calendar_patch)

    @post(f"{classifier_item}/entries", tags=["classifiers"], operation_id="import_classifier_entries", status_code=200,
          summary="Import classifier entries (append or replace)",
          description="Body: CSV (text/csv) or an Excel workbook (XLSX, first sheet) with columns number,name,phone,email,note "
                      "(positional, or any of them named in a header row; CLIP/Наименование/Телефон are understood) or a JSON "
                      "list of entries. mode=append (default) "
                      "adds rows and updates entries with the same number; mode=replace replaces the list. All or nothing: "
                      "a bad row is a 422 naming rows[i]. Send If-Match: <version>.")
    async def import_entries(request: Request, tenant_id: str, obj_id: str, actor: ActorDep,
                             mode: Annotated[Literal["append", "replace"], Parameter(description="append or replace")] = "append") -> Response:
        raw = await request.body()
        return await threaded(import_into)(request, actor, "classifier", tenant_id, obj_id, raw,
                                           action="import_entries", parse=parse_entries, build=entries_patch(mode))

    @get(f"{schedule_item}/status", tags=["schedules"], operation_id="schedule_status",
         summary="Whether the schedule is open at a time (default now), in the tenant's time zone",
         description="`at` without a UTC offset is the tenant's local wall time.")
    @threaded
    def status(tenant_id: str, obj_id: str, actor: ActorDep,
               at: Annotated[datetime | None, Parameter(description="ISO time; default now")] = None) -> dict:
        require_tenant(actor, tenant_id, write=False)
        row = runtime.read.get("schedule", obj_id, tenant_id)
        tz = runtime.read.get("tenant", tenant_id, None)["data"].get("timezone") or "UTC"
        if at is None:
            at = datetime.now(timezone.utc)
        elif at.tzinfo is None or at.utcoffset() is None:
            at = at.replace(tzinfo=zone(tz))
        schedule = row["data"]
        change = next_change(schedule, at, tz)
        local = at.astimezone(zone(tz))
        hours = schedules.hours_on(schedule, local.date())
        return {
            "open": is_open(schedule, at, tz),
            "at": local.isoformat(),
            "timezone": tz,
            "hours": [{"start": f"{s // 60:02d}:{s % 60:02d}", "end": f"{e // 60:02d}:{e % 60:02d}"} for s, e in hours],
            "next_change": change.astimezone(zone(tz)).isoformat() if change else None,
        }

    @get(f"{classifier_item}/match", tags=["classifiers"], operation_id="classifier_match",
         summary="Whether a caller number is on the classifier's list, and which entry matches")
    @threaded
    def match(tenant_id: str, obj_id: str, actor: ActorDep,
              number: Annotated[str, Parameter(min_length=1, max_length=40, pattern=NO_CONTROL, description="caller number")]) -> dict[str, Any]:
        require_tenant(actor, tenant_id, write=False)
        row = runtime.read.get("classifier", obj_id, tenant_id)
        entry = classifiers.find(row["data"], number)
        return {"match": entry is not None, "entry": entry}

    return [import_calendar, import_entries, status, match]
