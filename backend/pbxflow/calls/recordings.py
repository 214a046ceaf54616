"""Call recordings (F-CAL-6): where Asterisk writes them, how a call's file is found and served,
and the pruner that deletes them after their owner's retention.

Asterisk's ``MixMonitor`` writes each recording (the dialplan of ``projections/asterisk/render``)
to ``<monitor>/<tenant code>/<user|group>-<owner id>/<linkedid>-<uniqueid>.wav``; the
``PbxflowRecording`` user event gives the calls history the relative name. The directory is
``PBXFLOW_RECORDINGS_SPOOL``, otherwise ``monitor`` next to the voicemail spool (the same
Asterisk spool directory: ``/var/spool/asterisk/monitor`` on the Asterisk machine or a
shared volume, else inside the local sandbox root; see ``pbxflow.voicemail_spool``).

Retention: a file is deleted once it is older (by its modification time, i.e. when the
recording ended) than its owner's ``recording_retention_days`` as configured *now*; an owner
that no longer exists gets ``DEFAULT_RETENTION_DAYS``. The decision (:func:`expired`) is pure;
:func:`scan` and :func:`prune` are the I/O around it; :class:`RecordingPruner` runs
:func:`prune` periodically in ``pbxflow serve``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from projections.calls.model import RECORDING_FILE

from ..domain.recording import DEFAULT_RETENTION_DAYS
from ..voicemail_spool import spool_root

log = logging.getLogger(__name__)

DAY = 86400
PRUNE_INTERVAL = 3600.0  # seconds between pruner runs; retention is counted in days
_OWNER_DIR = re.compile(r"(user|group)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
MIME = "audio/wav"


def recordings_root(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("PBXFLOW_RECORDINGS_SPOOL"):
        return Path(env["PBXFLOW_RECORDINGS_SPOOL"])
    return spool_root(dict(env)).parent / "monitor"


def path_of(root: Path, code: str, rel: str | None) -> Path | None:
    """The file of a history row's ``recording`` for a tenant, or None when the name is not one of
    that tenant's recordings (another tenant's code, or anything the dialplan would not write)."""
    if not rel or not RECORDING_FILE.fullmatch(rel) or rel.split("/", 1)[0] != code:
        return None
    return root / rel


def link(tenant_id: str, call_id: str, path: Path | None) -> dict | None:
    """What the call record shows: the download URL, and whether the file has been pruned."""
    if path is None:
        return None
    return {"url": f"/api/tenants/{tenant_id}/calls/{call_id}/recording", "expired": not path.is_file()}


# --- serving -----------------------------------------------------------------------


class BadRange(ValueError):
    """A Range header no byte of the file satisfies (416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range ``(first, last)`` (inclusive) a ``Range: bytes=…`` header asks for, or None for
    the whole file (no header, another unit, several ranges: answered with the whole file, as
    RFC 9110 allows). Raises BadRange when the range lies outside the file."""
    if not header:
        return None
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):  # the last N bytes
        n = int(m.group(2))
        if n == 0 or size == 0:
            raise BadRange(header)
        return max(0, size - n), size - 1
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else size - 1
    if first >= size or last < first:
        raise BadRange(header)
    return first, min(last, size - 1)


def read_range(path: Path, first: int, last: int) -> bytes:
    with path.open("rb") as f:
        f.seek(first)
        return f.read(last - first + 1)


# --- retention -----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRecording:
    rel: str  # relative to the recordings root
    owner: str  # "user:<id>" or "group:<id>"
    mtime: float


def expired(files: Iterable[StoredRecording], retention_days: Mapping[str, int], now: float,
            default_days: int = DEFAULT_RETENTION_DAYS) -> list[str]:
    """The files older than their owner's retention (pure)."""
    out = []
    for f in files:
        days = retention_days.get(f.owner, default_days)
        if now - f.mtime > days * DAY:
            out.append(f.rel)
    return sorted(out)


def scan(root: Path) -> list[StoredRecording]:
    """Every recording under the root laid out as the dialplan writes them (others are left alone)."""
    out = []
    if not root.is_dir():
        return out
    for tenant_dir in root.iterdir():
        if not tenant_dir.is_dir():
            continue
        for owner_dir in tenant_dir.iterdir():
            m = _OWNER_DIR.fullmatch(owner_dir.name)
            if not m or not owner_dir.is_dir():
                continue
            for f in owner_dir.iterdir():
                rel = f"{tenant_dir.name}/{owner_dir.name}/{f.name}"
                if not RECORDING_FILE.fullmatch(rel):
                    continue
                try:
                    out.append(StoredRecording(rel, f"{m.group(1)}:{m.group(2)}", f.stat().st_mtime))
                except FileNotFoundError:
                    continue  # deleted meanwhile
    return out


def retention_of(conn) -> dict[str, int]:
    """Each user's and group's retention, ``"user:<id>"`` -> days (all tenants)."""
    rows = conn.execute("SELECT kind, id, data->'recording_retention_days' FROM rm_objects"
                        " WHERE kind IN ('user', 'group') AND data ? 'recording_retention_days'").fetchall()
    return {f"{kind}:{obj_id}": int(days) for kind, obj_id, days in rows if isinstance(days, int)}


def prune(pool, root: Path, now: float | None = None) -> list[str]:
    """Delete the expired recordings under ``root``; returns their relative names."""
    files = scan(root)
    if not files:
        return []
    with pool.connection() as conn:
        retention = retention_of(conn)
    gone = expired(files, retention, time.time() if now is None else now)
    for rel in gone:
        try:
            (root / rel).unlink()
        except FileNotFoundError:
            pass
    if gone:
        log.info("recordings: deleted %d past their retention", len(gone))
    return gone


class RecordingPruner:
    """Runs :func:`prune` every ``interval`` seconds in a daemon thread."""

    def __init__(self, pool, root: Path | None = None, interval: float = PRUNE_INTERVAL):
        self.pool, self.root, self.interval = pool, root, interval
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pbxflow-recording-pruner", daemon=True)

    def start(self) -> "RecordingPruner":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                prune(self.pool, self.root or recordings_root())
                self.error = None
            except Exception as exc:  # the database or the disk is unavailable: try again next time
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("recordings: pruning failed")
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
