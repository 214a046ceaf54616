"""Columns + rows → CSV / XLSX bytes, shared by every report export.

`columns` is a list of (key, title): the key picks the value out of each row dict, the title heads the
column. Text that a spreadsheet would run as a formula is neutralised (CSV/formula injection); XLSX
cells holding text are always typed as strings; datetimes go to XLSX in UTC (xlsx has no time zones)
and to CSV as ISO 8601.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA = "text/csv; charset=utf-8"


def safe_text(value):
    """Text a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_text(value) if isinstance(value, str) else value


def csv_chunks(columns: list[tuple[str, str]], rows: Iterable[dict], *, chunk_rows: int = 500,
               bom: bool = True) -> Iterator[bytes]:
    """The CSV in pieces of ``chunk_rows`` rows, for streaming a long export."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow([title for _, title in columns])
    # A BOM so spreadsheet programs read the UTF-8 (names are often Cyrillic).
    prefix = b"\xef\xbb\xbf" if bom else b""
    for n, row in enumerate(rows, 1):
        out.writerow([_csv_value(row.get(key)) for key, _ in columns])
        if n % chunk_rows == 0:
            yield prefix + buf.getvalue().encode()
            prefix = b""
            buf.seek(0)
            buf.truncate()
    yield prefix + buf.getvalue().encode()


def to_csv(columns: list[tuple[str, str]], rows: Iterable[dict]) -> bytes:
    return b"".join(csv_chunks(columns, rows))


def to_xlsx(columns: list[tuple[str, str]], rows: Iterable[dict], sheet: str = "report") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_ILLEGAL_XLSX.sub("", sheet)[:31] or "report")
    ws.append([title for _, title in columns])
    for row in rows:
        cells = []
        for key, _ in columns:
            v = row.get(key)
            if isinstance(v, datetime):
                if v.tzinfo is not None:
                    v = v.astimezone(timezone.utc).replace(tzinfo=None)
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(v, str):
                c = WriteOnlyCell(ws, value=_ILLEGAL_XLSX.sub("", v))
                c.data_type = "s"  # never a formula
            else:
                c = WriteOnlyCell(ws, value=v)
            cells.append(c)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_response(fmt: str, filename: str, columns: list[tuple[str, str]], rows: list[dict],
                    headers: dict | None = None):
    """A litestar Response carrying the rows as an attachment `filename.fmt` (fmt: csv | xlsx)."""
    from litestar import Response

    from ..errors import Invalid

    safe_name = re.sub(r"[^A-Za-z0-9_.-]", "_", filename) or "report"
    all_headers = {"Content-Disposition": f'attachment; filename="{safe_name}.{fmt}"', "X-Total-Count": str(len(rows))}
    all_headers.update(headers or {})
    if fmt == "csv":
        return Response(to_csv(columns, rows), media_type=CSV_MEDIA, headers=all_headers)
    if fmt == "xlsx":
        return Response(to_xlsx(columns, rows, safe_name), media_type=XLSX_MEDIA, headers=all_headers)
    raise Invalid("format", "must be csv or xlsx")
